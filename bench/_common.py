"""Shared pieces of the benchmarks: the emulator in its own process, seeding, memory."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psutil
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import SessionFactory
from storage.models import Membership, MemberStatus, Person, Role

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


@asynccontextmanager
async def emulator_process(*flags: str) -> AsyncIterator[str]:
    """`python -m tgemu` in its own process (flood limits on unless flags say otherwise)."""
    proc = subprocess.Popen(  # noqa: ASYNC220 (reading one line of output right after)
        [sys.executable, "-m", "tgemu", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = await asyncio.to_thread(proc.stdout.readline)
    if not line.startswith("TGEMU_READY "):
        proc.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    try:
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def seed_staff(
    sessions: SessionFactory,
    *,
    org_id: int,
    department_id: int,
    start_id: int,
    count: int,
    now: datetime,
) -> None:
    """Bulk-insert `count` active staff with Telegram ids from `start_id`."""
    async with sessions() as session:
        await session.execute(
            insert(Person),
            [
                {"tg_user_id": start_id + i, "full_name": f"Giáo viên {i:05d}", "created_at": now}
                for i in range(count)
            ],
        )
        await session.commit()
        rows = (
            await session.execute(
                Person.__table__.select().where(
                    Person.tg_user_id >= start_id, Person.tg_user_id < start_id + count
                )
            )
        ).all()
        await session.execute(
            insert(Membership),
            [
                {
                    "org_id": org_id,
                    "person_id": row.id,
                    "role": Role.STAFF,
                    "department_id": department_id,
                    "status": MemberStatus.ACTIVE,
                    "requested_at": now,
                    "decided_at": now,
                }
                for row in rows
            ],
        )
        await session.commit()


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB."""
    info: Any = psutil.Process(os.getpid()).memory_info()
    peak = getattr(info, "peak_wset", None)
    if peak is None:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return round(peak / 2**20, 1)


def report(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: one JSON object."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)


async def pg_database(label: str = "postgresql") -> str | None:
    """A fresh PostgreSQL database for the run, or None (said so) when no server answers."""
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"thidua_bench_{uuid.uuid4().hex[:8]}"
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as exc:  # no server, or no rights: skip PostgreSQL
        print(f"[{label}] PostgreSQL not reachable ({type(exc).__name__}); skipped", flush=True)
        return None
    finally:
        await engine.dispose()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_pg(url: str) -> None:
    """Drop the run's database."""
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await engine.dispose()

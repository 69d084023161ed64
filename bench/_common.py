"""Shared pieces of the benchmarks: the emulator in its own process, seeding, memory."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psutil
from sqlalchemy import insert

from storage.db import SessionFactory
from storage.models import Membership, MemberStatus, Person, Role


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

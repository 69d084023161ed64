"""SQLite transactions take the write lock at BEGIN: writers queue, none fails or loses work."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, make_session_factory, reading


async def counter_db(path: Path) -> AsyncEngine:
    """A SQLite file with one counter at 0."""
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        await conn.execute(text("INSERT INTO counter VALUES (0)"))
    return engine


async def test_concurrent_read_then_write_transactions_neither_fail_nor_lose_updates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    # Two engines: the bot and, say, `org create` run beside it, each with its own connections.
    engines = [await counter_db(path), make_engine(f"sqlite+aiosqlite:///{path}")]

    async def increment(engine: AsyncEngine) -> None:
        async with make_session_factory(engine)() as session:
            n = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
            await asyncio.sleep(0.002)  # the others read meanwhile, if they can
            await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            await session.commit()

    try:
        await asyncio.gather(*(increment(engines[i % 2]) for i in range(20)))
        async with engines[0].connect() as conn:
            assert (await conn.execute(text("SELECT n FROM counter"))).scalar_one() == 20
    finally:
        for engine in engines:
            await engine.dispose()


async def test_the_lock_is_taken_at_the_first_read_and_outside_readers_still_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    engine = await counter_db(path)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(text("SELECT n FROM counter"))
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT n FROM counter").fetchone() == (0,)  # WAL: no wait
        other.execute("BEGIN IMMEDIATE")  # released at the end of the session
        other.execute("ROLLBACK")
    finally:
        other.close()
        await engine.dispose()


async def test_a_long_report_read_holds_no_one_up_and_sees_one_snapshot(tmp_path: Path) -> None:
    """An export reads through `reading`: writers go on meanwhile; the report sees one moment."""
    engine = await counter_db(tmp_path / "c.sqlite3")
    sessions = make_session_factory(engine)
    try:
        async with reading(sessions)() as report:
            before = (await report.execute(text("SELECT n FROM counter"))).scalar_one()
            async with sessions() as writer:  # the bot goes on while the report is open
                await asyncio.wait_for(
                    writer.execute(text("UPDATE counter SET n = n + 1")), timeout=1
                )
                await writer.commit()
            again = (await report.execute(text("SELECT n FROM counter"))).scalar_one()
            assert (before, again) == (0, 0)  # one snapshot for the whole report
            with pytest.raises(OperationalError, match=r"readonly|read-only|query_only"):
                await report.execute(text("UPDATE counter SET n = 5"))
        async with reading(sessions)() as later:
            assert (await later.execute(text("SELECT n FROM counter"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_a_begin_that_timed_out_on_the_lock_leaves_the_connection_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.db

    monkeypatch.setattr(storage.db, "SQLITE_LOCK_WAIT", 0.1)
    path = tmp_path / "c.sqlite3"
    engine = await counter_db(path)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with engine.connect() as conn:
            other.execute("BEGIN IMMEDIATE")  # someone else writes, for longer than we wait
            with pytest.raises(OperationalError, match="locked"):
                await conn.execute(text("UPDATE counter SET n = 1"))
            other.execute("ROLLBACK")
            await conn.execute(text("UPDATE counter SET n = 2"))
            assert conn.in_transaction()  # began properly this time
            await conn.rollback()
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM counter"))).scalar_one() == 0
    finally:
        other.close()
        await engine.dispose()

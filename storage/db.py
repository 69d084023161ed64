"""Engine and session factory; SQLite gets WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

SessionFactory = async_sessionmaker[AsyncSession]
# Every SQLite transaction, reads included: one process, short transactions (see README).
SQLITE_BEGIN = "BEGIN IMMEDIATE"


def make_engine(url: str) -> AsyncEngine:
    """Create the engine for `url`; for a SQLite file, make its folder and tune the connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # The driver would BEGIN (deferred) only before the first write, so a read-then-write
            # ran its reads outside the transaction; SQLAlchemy emits the BEGIN instead (below).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            # Take the write lock up front: a deferred transaction that read first cannot upgrade
            # once another connection committed (SQLITE_BUSY at once, the busy timeout does not
            # help). Writers queue on the busy timeout; readers outside the bot (a backup, the
            # sqlite3 shell) are never blocked in WAL mode.
            conn.exec_driver_sql(SQLITE_BEGIN)

        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit, with their own event scope."""
    # A Session subclass per factory, so commit hooks of one app never fire for another.
    session_class = type("BotSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)


def on_commit(factory: SessionFactory, callback: Callable[[], None]) -> None:
    """Call `callback` after every commit of sessions from `factory`."""
    event.listen(factory.kw["sync_session_class"], "after_commit", lambda _session: callback())

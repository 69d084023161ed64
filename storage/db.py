"""Engine and session factory; SQLite gets WAL, foreign keys, BEGIN IMMEDIATE, and its statements
run in the event loop's own thread.

SQLite in one process: aiosqlite runs each statement on a worker thread and hands the result back
through the event loop, several hops a statement (cursor, execute, fetch, close). Under load those
hops were most of the bot's CPU: a one-query transaction cost 1.5 ms of CPU, against 0.16 ms for
the same in plain sqlite3. A local SQLite statement takes microseconds, so here aiosqlite's job
queue runs each job at once, in the caller's thread (`InlineSQLite`): 0.39 ms a transaction.
The loop must then never wait inside SQLite: the busy timeout is 0, and the one statement that
can meet another connection's lock, `BEGIN IMMEDIATE`, is retried with asyncio sleeps (up to
`SQLITE_LOCK_WAIT`), so another connection in the same process (a test, `org create` beside the
bot) can finish meanwhile. Within the bot, one connection serves everyone: sessions queue for it
in the pool, first come first served, instead of polling a lock. Every transaction takes the
write lock anyway (`BEGIN IMMEDIATE`), so more connections would only wait for each other.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlalchemy.util import await_only

SessionFactory = async_sessionmaker[AsyncSession]
# Every SQLite transaction, reads included: one process, short transactions (see README).
SQLITE_BEGIN = "BEGIN IMMEDIATE"
# How long a transaction waits for another connection's write lock before "database is locked".
SQLITE_LOCK_WAIT = 30.0
_FIRST_RETRY, _LONGEST_RETRY = 0.001, 0.05


class _RunNow:
    """aiosqlite's job queue, but each job runs as it is queued, in the caller's thread."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except Exception as exc:
            if future is not None:
                future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite's connection API with no worker thread: every call completes before it returns."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Any:
        return self._connect().__await__()  # no thread to start


def _begin_immediate(dbapi_connection: Any) -> None:
    """Take the write lock up front, waiting for another connection's without blocking the loop.

    A deferred transaction that read first cannot upgrade once another connection committed
    (SQLITE_BUSY at once), so every transaction starts with BEGIN IMMEDIATE. Readers outside the
    bot (a backup, the sqlite3 shell) are never blocked in WAL mode. This is the dialect's
    `do_begin`, so a failure is handled like any failed BEGIN (a `begin` event handler that
    raised would leave its Connection unable to begin again).
    """
    deadline = time.monotonic() + SQLITE_LOCK_WAIT
    delay = _FIRST_RETRY
    while True:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(SQLITE_BEGIN)
            return
        except sqlite3.OperationalError as exc:
            locked = "locked" in str(exc) or "busy" in str(exc)
            if not locked or time.monotonic() + delay > deadline:
                raise
        finally:
            cursor.close()
        await_only(asyncio.sleep(delay))  # we are in SQLAlchemy's greenlet: the loop runs on
        delay = min(delay * 2, _LONGEST_RETRY)


def make_engine(url: str) -> AsyncEngine:
    """Create the engine for `url`; for a SQLite file, make its folder and tune the connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    database = parsed.database or ":memory:"
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    def connect() -> InlineSQLite:
        # isolation_level=None: the driver's own BEGIN would come only before the first write, so
        # a read-then-write ran its reads outside the transaction; SQLAlchemy emits it (below).
        return InlineSQLite(
            lambda: sqlite3.connect(
                database, timeout=0, isolation_level=None, check_same_thread=False
            )
        )

    engine = create_async_engine(
        url, async_creator=connect, pool_size=1, max_overflow=0, pool_timeout=SQLITE_LOCK_WAIT
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=0")  # waits happen in _begin_immediate, not here
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.sync_engine.dialect.do_begin = _begin_immediate  # type: ignore[method-assign]
    return engine


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit, with their own event scope."""
    # A Session subclass per factory, so commit hooks of one app never fire for another.
    session_class = type("BotSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)


_READERS: weakref.WeakKeyDictionary[SessionFactory, SessionFactory] = weakref.WeakKeyDictionary()


def reading(factory: SessionFactory) -> SessionFactory:
    """Sessions for long reads (tallies, exports, charts) that must not hold anyone up.

    On SQLite they use aiosqlite as made (a worker thread, so a query over a large school does
    not stop the event loop) and a plain deferred BEGIN (one WAL snapshot for the whole report,
    taken without the write lock, so everyone else's transactions go on meanwhile), read-only.
    On PostgreSQL, MVCC already gives that: the same sessions.
    """
    engine = factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        return factory
    if factory not in _READERS:
        reader = create_async_engine(engine.url, poolclass=NullPool)

        @event.listens_for(reader.sync_engine, "connect")
        def _read_only(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")  # in the worker thread: blocks no one
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()
            dbapi_conn.isolation_level = None

        def _snapshot(dbapi_connection: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("BEGIN")
            cursor.close()

        reader.sync_engine.dialect.do_begin = _snapshot  # type: ignore[method-assign]

        _READERS[factory] = make_session_factory(reader)
    return _READERS[factory]


def _written_flag(model: type[Any]) -> str:
    return f"wrote:{model.__tablename__}"


def mark_written(session: AsyncSession | Session, model: type[Any]) -> None:
    """Say that `session` wrote rows of `model` the ORM does not see (an INSERT statement), for
    `on_commit(..., wrote=model)`."""
    session.info[_written_flag(model)] = True


def on_commit(factory: SessionFactory, callback: Callable[[], None], *, wrote: type[Any]) -> None:
    """Call `callback` after every commit of sessions from `factory` that added or changed rows
    of `wrote` (a mapped class) as objects, or said `mark_written`.

    Statements are not watched: a `do_orm_execute` hook would cost every query about 15 %."""
    session_class = factory.kw["sync_session_class"]
    flag = _written_flag(wrote)

    def flushed(session: Session, _context: Any, _instances: Any) -> None:
        if any(isinstance(o, wrote) for o in (*session.new, *session.dirty)):
            session.info[flag] = True

    def committed(session: Session) -> None:
        if session.info.pop(flag, False):
            callback()

    event.listen(session_class, "before_flush", flushed)
    event.listen(session_class, "after_commit", committed)
    event.listen(session_class, "after_rollback", lambda session: session.info.pop(flag, None))

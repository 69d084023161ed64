"""Fixtures: a migrated database per test, on SQLite and (when reachable) on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services import orgs
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base
from tests.factories import CHAIR, COUNCIL_GROUP, School, make_school
from tgemu import EmuClient, Emulator
from tgemu.client import DEFAULT_TOKEN
from ui.texts import Texts

# No per-example deadline: a shared 2-core machine makes timings noise, and timing is not what
# these properties are about (the first example also pays for caches and imports).
hypothesis_settings.register_profile("thidua", deadline=None)
hypothesis_settings.load_profile("thidua")


PG_URL = os.environ.get("TEST_DATABASE_URL_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"

# Files the bot keeps (services/files.py) go to a scratch directory, never into the checkout's
# data/ (a bot on PostgreSQL would otherwise use data/files); content-addressed, so shared is fine.
os.environ.setdefault("FILES_DIR", tempfile.mkdtemp(prefix="thidua-test-files-"))


def _pg_reachable() -> bool:
    host, port = "127.0.0.1", 5432
    try:
        rest = PG_URL.split("@", 1)[1]
        hostport = rest.split("/", 1)[0]
        host, _, p = hostport.partition(":")
        port = int(p or 5432)
        with socket.create_connection((host, port), timeout=1):
            return True
    except (OSError, IndexError, ValueError):
        return False


PG_AVAILABLE = _pg_reachable()


def pytest_report_header() -> str:
    """Say plainly whether the PostgreSQL half runs."""
    if PG_AVAILABLE:
        return f"PostgreSQL: running the PostgreSQL tests too ({PG_URL.split('@')[-1]})"
    if REQUIRE_PG:
        return "PostgreSQL: REQUIRED but NOT reachable: its tests will fail"
    return "PostgreSQL: not reachable, its tests are SKIPPED (set REQUIRE_POSTGRES=1 to fail)"


def pytest_configure(config: pytest.Config) -> None:
    """Warn loudly at the end too when PostgreSQL was skipped."""
    config.addinivalue_line("markers", "e2e: end-to-end against the emulator")
    config.addinivalue_line(
        "markers",
        "one_database: rules that do not depend on the engine (input parsing, who may do what):"
        " run on SQLite only; locking, races and journeys stay on both",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the suite short: a test marked one_database runs on SQLite only."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        engine = params.get("db_url", params.get("world_url"))
        if item.get_closest_marker("one_database") and engine == "postgres":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = _waiting_among_busy(kept)


# Tests that mostly wait (Telegram's pace: a message a second per chat, 20 a minute per group)
# use a quarter of a core; the others use a whole one.
WAITING = ("tests/e2e/", "tests/emulator/")


def _waiting_among_busy(items: list[pytest.Item]) -> list[pytest.Item]:
    """The waiting test modules spread among the busy ones, each module's tests kept together
    and in their order.

    In path order all the end-to-end tests came first: the workers all waited at once (a core
    idle), then all computed at once (four workers on two cores, each test twice as slow).
    Mixed, each worker alternates, and the cores stay busy throughout. The waiting modules run a
    little ahead, so the run ends on short tests that even out the workers' finishing times."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    waiting = [m for path, m in modules.items() if path.startswith(WAITING)]
    busy = [m for path, m in modules.items() if not path.startswith(WAITING)]
    total_waiting, total_busy = sum(map(len, waiting)), sum(map(len, busy))
    ordered: list[pytest.Item] = []
    done_waiting = done_busy = 0
    while waiting or busy:
        ahead = done_waiting * total_busy <= 1.25 * done_busy * total_waiting
        if waiting and (ahead or not busy):
            module = waiting.pop(0)
            done_waiting += len(module)
        else:
            module = busy.pop(0)
            done_busy += len(module)
        ordered.extend(module)
    return ordered


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the PostgreSQL status at the end, where people look."""
    terminalreporter.write_line(pytest_report_header())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def _make() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(_make())
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private PostgreSQL database for this test run (one per xdist worker), migrated once;
    dropped at the end.

    Its commits do not wait for the WAL to reach the disk (`synchronous_commit = off`): a test
    database need not survive a crash of the server, and what a commit makes visible to other
    connections, and when, is unchanged. Under load it makes a test's writes ~40 % faster."""
    if not PG_AVAILABLE:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {PG_URL} is unreachable")
        pytest.skip("PostgreSQL not reachable")
    import asyncio

    name = f"thidua_test_{uuid.uuid4().hex[:8]}"
    admin_url = PG_URL

    async def _admin(*statements: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for sql in statements:
                await conn.execute(text(sql))
        await engine.dispose()

    async def _migrate(url: str) -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(
        _admin(f'CREATE DATABASE "{name}"', f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    )
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _emptying_sql() -> str:
    """One statement that empties every table (children first) and restarts the sequences that
    were used, as `TRUNCATE … RESTART IDENTITY` does: ids start at 1 again."""
    deletes = " ".join(f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables))
    return (
        f"DO $$ DECLARE s record; BEGIN {deletes}"
        " FOR s IN SELECT schemaname, sequencename FROM pg_sequences"
        " WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP"
        " EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);"
        " END LOOP; END $$"
    )


async def _truncate_pg(engine: AsyncEngine) -> None:
    """Empty the test database, ids restarting at 1.

    DELETE, not TRUNCATE: a test leaves a few rows in a few tables, and TRUNCATE makes new files
    for all ~30 tables and their indexes each time (0.1 s idle, 0.4-0.9 s under load, against
    ~0.02 s for the DELETEs). Should the DELETEs ever fail (a foreign key the models' order does
    not follow), TRUNCATE does it."""
    try:
        async with engine.begin() as conn:
            await conn.execute(text(_emptying_sql()))
    except DBAPIError:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A clean, migrated database URL: every test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_database")
    import asyncio

    async def _clean() -> None:
        engine = make_engine(url)
        await _truncate_pg(engine)
        await engine.dispose()

    asyncio.run(_clean())
    yield url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database."""
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    """The session factory services use."""
    return make_session_factory(engine)


@pytest.fixture
def texts() -> Texts:
    """The texts, Vietnamese by default."""
    return Texts(ZoneInfo("Asia/Ho_Chi_Minh"), "vi")


@pytest.fixture
def now() -> datetime:
    """A fixed moment: 23/02/2024 08:00 in Hà Nội (the plan's date)."""
    return datetime(2024, 2, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A fresh Bot API emulator over HTTP, with Telegram's flood limits on."""
    async with Emulator(port=0) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[EmuClient]:
    """The user side of the emulator, with the test bot registered."""
    client = emu.client()
    await client.create_bot(DEFAULT_TOKEN, username="thidua_test_bot")
    yield client
    await client.close()


@pytest.fixture
async def school(sessions: SessionFactory, texts: Texts, now: datetime) -> School:
    """The school with its chair, vice-chair, council member and teacher (tests/factories.py),
    with nothing left to send; an e2e test lists it before `bot`, so it exists before the bot
    starts (as after `org create`)."""
    return await make_school(sessions, texts, now)


@pytest.fixture
async def council_school(sessions: SessionFactory, school: School, now: datetime) -> School:
    """The school with its council group (COUNCIL_GROUP, a supergroup) bound."""
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=COUNCIL_GROUP, now=now)
    return school

"""Apply Alembic migrations from code (the `migrate` command, start-up and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and `url`, independent of the working dir."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database behind `engine` to the newest schema."""
    async with engine.begin() as connection:
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))

        def _go(sync_conn: object) -> None:
            cfg.attributes["connection"] = sync_conn
            command.upgrade(cfg, "head")

        await connection.run_sync(_go)

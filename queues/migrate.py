"""Schema migrations: run Alembic's upgrade to head for a database URL, one process at a
time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from queues.setup_lock import setup_lock

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema (idempotent), holding the database's set-up
    lock: servers and commands started together would otherwise create the same tables."""

    def run(connection: object) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with setup_lock(engine), engine.begin() as connection:
        await connection.run_sync(run)

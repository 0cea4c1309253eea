"""One lock per database across server processes, held while a server sets the database up
(migrations, the first published config, demo accounts), so servers started together take
turns instead of creating the same tables or rows at once."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

#: The PostgreSQL advisory lock's key: any fixed 64-bit number no other program uses.
ADVISORY_KEY = 0x486F746C696E65  # "Hotline"


@asynccontextmanager
async def setup_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the database's set-up lock for the block (waits for another holder).

    PostgreSQL: a session advisory lock on a connection of its own. SQLite: an exclusive
    `flock` on a file beside the database (`BEGIN EXCLUSIVE` would hold the database itself
    and block the set-up's own connections). An in-memory SQLite has one process: no lock.
    """
    url = engine.url
    if url.get_backend_name() == "postgresql":
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
            await connection.commit()  # the lock is the session's; no transaction left open
            try:
                yield
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                await connection.commit()
        return
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        yield
        return
    fd = os.open(f"{database}.setup-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # flock blocks: it waits in a thread, never on the event loop.
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

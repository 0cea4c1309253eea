"""A `redis-server` of the test's own on a free port, to flush, kill and start again."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from redis.exceptions import ConnectionError as RedisConnectionError

START_TIMEOUT_S = 10.0


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


class RedisProcess:
    """One Redis on 127.0.0.1, persisting nothing unless told to (`--save ""`, no AOF), so a
    restart is empty like a replacement node's, or holds what `kill(save=True)` kept.
    `options` go on its command line after the defaults (`--replicaof HOST PORT`, say)."""

    def __init__(self, binary: str, folder: Path, *options: str) -> None:
        self.binary = binary
        self.folder = folder
        self.options = options
        self.port = unused_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def command(self) -> list[str]:
        return [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.folder),
            "--dbfilename", "dump.rdb",
            *self.options,
        ]  # fmt: skip

    async def start(self) -> None:
        """Start on the same port; it loads `dump.rdb` only if `kill(save=True)` wrote one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "redis.log").open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(), stdout=log, stderr=asyncio.subprocess.STDOUT
            )
        client = aioredis.Redis.from_url(self.url)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_TIMEOUT_S
            while True:
                try:
                    await client.ping()
                    return
                except RedisConnectionError:
                    if loop.time() > deadline or not self.running:
                        raise
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def kill(self, *, save: bool = False) -> None:
        """SIGKILL; with `save`, snapshot first so the next start comes back with the data
        (a restart), else remove any snapshot so it comes back empty (a new node)."""
        dump = self.folder / "dump.rdb"
        if save:
            client = aioredis.Redis.from_url(self.url)
            try:
                await client.save()
            finally:
                await client.aclose()
        else:
            dump.unlink(missing_ok=True)
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGKILL)
            await self._process.wait()

    async def flush(self) -> None:
        """FLUSHALL: every key goes, the function libraries stay (as after an operator's flush)."""
        client = aioredis.Redis.from_url(self.url)
        try:
            await client.flushall()
        finally:
            await client.aclose()

"""Redis Sentinel of the test's own on loopback: a primary, one replica and three sentinels
(quorum 2), each a `redis-server` on a free port, for killing the primary mid-traffic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import redis.asyncio as aioredis

from tests.faults.redis_process import RedisProcess

MASTER = "hotline"
QUORUM = 2
#: How long the sentinels wait for a silent primary before they call it down: short, so that
#: a test's failover is over in seconds (production keeps the default 30 s or a few seconds).
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 10_000
READY_TIMEOUT_S = 30.0


class SentinelProcess(RedisProcess):
    """`redis-server sentinel.conf --sentinel`: watches the primary on `primary_port`."""

    def __init__(self, binary: str, folder: Path, primary_port: int) -> None:
        super().__init__(binary, folder)
        self.conf = folder / "sentinel.conf"
        folder.mkdir(parents=True, exist_ok=True)
        # Sentinel rewrites its file as it learns the replica, its peers and each failover.
        self.conf.write_text(
            f"port {self.port}\n"
            "bind 127.0.0.1\n"
            f"dir {folder}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {primary_port} {QUORUM}\n"
            f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {MASTER} 1\n",
            encoding="utf-8",
        )

    def command(self) -> list[str]:
        return [self.binary, str(self.conf), "--sentinel"]


class SentinelSet:
    """Start with `start()` (returns once every sentinel knows the replica and its two
    peers, so a failover can be elected); `url` is the `redis+sentinel://` URL of it."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.primary = RedisProcess(binary, folder / "primary")
        self.replica = RedisProcess(
            binary, folder / "replica", "--replicaof", "127.0.0.1", str(self.primary.port)
        )
        self.sentinels = [
            SentinelProcess(binary, folder / f"sentinel{n}", self.primary.port) for n in range(3)
        ]
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        self.url = f"redis+sentinel://{hosts}/{MASTER}/0"

    async def start(self) -> None:
        await self.primary.start()
        await self.replica.start()
        for sentinel in self.sentinels:
            await sentinel.start()
        await self._until_ready()

    async def _until_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        replica = aioredis.Redis(port=self.replica.port, decode_responses=True)
        watchers = [aioredis.Redis(port=s.port, decode_responses=True) for s in self.sentinels]
        try:
            while True:
                link = (await replica.info("replication")).get("master_link_status")
                views = [
                    cast(dict[str, Any], await watcher.sentinel_master(MASTER))
                    for watcher in watchers
                ]
                if link == "up" and all(
                    int(view["num-slaves"]) == 1 and int(view["num-other-sentinels"]) == 2
                    for view in views
                ):
                    return
                if loop.time() > deadline:
                    raise AssertionError(f"sentinels not ready: replica link {link}, {views}")
                await asyncio.sleep(0.1)
        finally:
            await replica.aclose()
            for watcher in watchers:
                await watcher.aclose()

    async def primary_port(self) -> int | None:
        """The primary's port as the first sentinel that answers names it."""
        for sentinel in self.sentinels:
            if not sentinel.running:
                continue
            watcher = aioredis.Redis(port=sentinel.port, decode_responses=True)
            try:
                address = cast(
                    tuple[str, int] | None,
                    await watcher.sentinel_get_master_addr_by_name(MASTER),
                )
            finally:
                await watcher.aclose()
            if address:
                return int(address[1])
        return None

    async def until_promoted(self, timeout_s: float = 30.0) -> float:
        """Wait until the sentinels name the replica primary; the event loop's time then."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while await self.primary_port() != self.replica.port:
            if loop.time() > deadline:
                raise AssertionError(f"no promotion within {timeout_s} s")
            await asyncio.sleep(0.02)
        return loop.time()

    async def stop(self) -> None:
        for process in [*self.sentinels, self.replica, self.primary]:
            await process.kill()

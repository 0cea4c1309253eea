"""A `redis-server` of a test's own on a free port, to kill and start again empty."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port
from redis import Redis as SyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT_S = 10.0


class RedisProcess:
    """One port, a process at a time: `start` (empty: nothing saved), `kill` (SIGKILL)."""

    def __init__(self, folder: Path) -> None:
        self.port = unused_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        with SyncRedis(port=self.port, socket_connect_timeout=1) as client:
            while True:
                try:
                    client.ping()
                    return
                except RedisConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)  # a process starting in real time

    def pause(self) -> None:
        """SIGSTOP: the port stays open and every command waits (a Redis that hangs)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    if not Path(REDIS_SERVER).exists():
        pytest.fail(f"{REDIS_SERVER} is needed to restart a Redis of the test's own")
    server = RedisProcess(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()

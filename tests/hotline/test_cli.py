"""The server process's start-up tuning."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import unused_port

from hotline.cli import freeze_long_lived, main


async def test_start_up_objects_leave_the_collectors_full_passes() -> None:
    try:
        await freeze_long_lived()
        assert gc.get_freeze_count() > 10_000  # modules, classes, functions at least
    finally:
        gc.unfreeze()


class RedisSix:
    """A Redis client stub for a server that predates function libraries."""

    closed = False

    async def ping(self) -> bool:
        return True

    async def info(self, section: str | None = None) -> dict[str, Any]:
        return {"redis_version": "6.2.14"}

    async def aclose(self) -> None:
        self.closed = True


def test_serve_refuses_a_redis_without_function_libraries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = RedisSix()
    monkeypatch.setattr("hotline.contexts.connect_redis", lambda url: old)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_PORT", str(unused_port()))  # the port is bound first
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("setting error: REDIS_URL: Redis 6.2.14 has no function libraries")
    assert "Redis 7.0 or newer" in error
    assert old.closed

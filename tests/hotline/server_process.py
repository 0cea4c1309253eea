"""`hotline serve` as a real process for start-up tests: its environment, and waiting for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def serve_env(port: int, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an embedded-Redis server on `port` with `database_url`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HOTLINE_", "REDIS_", "DATABASE_", "TWILIO_"))
    }
    env.update(
        HOTLINE_HOST="127.0.0.1",
        HOTLINE_PORT=str(port),
        HOTLINE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=database_url,
        HOTLINE_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def start_server(env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hotline", "serve"],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until the server answers /healthz with 200; its log in the error otherwise."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)  # polling a process that starts in real time
    raise AssertionError(f"server on {port} not healthy in time:\n{log.read_text()}")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""Real `hotline serve` processes behind one public URL, and the carrier's REST site they ring
agents through (the Twilio driver), for the two-server and fault tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from local_carrier import LocalCarrier, create_carrier_app
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN

PUBLIC_URL = "http://hotline.internal.test"  # the "load balancer" the servers sit behind
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Deployment:
    """What every server process of one deployment shares."""

    redis_url: str
    redis_prefix: str
    database_url: str
    config: Path
    carrier_port: int
    public_url: str = PUBLIC_URL  # what the carrier signs against: the balancer's address
    settings: Mapping[str, str] = field(default_factory=dict)  # more HOTLINE_* variables

    def environment(self, port: int) -> dict[str, str]:
        return {
            **os.environ,
            "HOTLINE_HOST": "127.0.0.1",
            "HOTLINE_PORT": str(port),
            "HOTLINE_PUBLIC_URL": self.public_url,
            "HOTLINE_CARRIER": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{self.carrier_port}/carrier",
            "REDIS_URL": self.redis_url,
            "HOTLINE_REDIS_PREFIX": self.redis_prefix,
            "DATABASE_URL": self.database_url,
            "HOTLINE_CONFIG": str(self.config),
            "HOTLINE_DEMO_USERS": "0",
            "HOTLINE_LOG_LEVEL": "INFO",
            **self.settings,
        }


@dataclass
class ServerProcess:
    """One `hotline serve` process, its log in a file."""

    base: str
    log: Path
    process: asyncio.subprocess.Process

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine dies."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                await self.kill()


async def start_server(deployment: Deployment, port: int, log: Path) -> ServerProcess:
    """Start one server and wait until its /healthz answers 200."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hotline",
            "serve",
            env=deployment.environment(port),
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", log, process)
    try:
        await wait_healthy(server)
    except BaseException:
        await server.kill()
        raise
    return server


async def wait_healthy(server: ServerProcess) -> None:
    async with aiohttp.ClientSession() as http:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while loop.time() < deadline:
            if server.process.returncode is not None:
                break
            try:
                async with http.get(server.base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server at {server.base} did not start:\n{server.log_text()[-3000:]}")


@asynccontextmanager
async def carrier_rest(carrier: LocalCarrier, port: int) -> AsyncIterator[None]:
    """Serve the carrier's REST `Calls` API on 127.0.0.1:`port` for the block."""
    rest = web.Application()
    rest.add_subapp("/carrier/", create_carrier_app(carrier, numbers=[]))
    runner = web.AppRunner(rest)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()

"""A server process killed with SIGKILL between the router's accept and the work order's
write: the other server's event sink logs the order from the CONNECT the accept wrote, and
the call ends with one order, one call record and its agent free.

Two `hotline serve` processes share Redis and an SQLite file. The test holds SQLite's write
lock while the first server answers the `answered` callback, so that server is certainly
past the accept and before the write when it is killed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from lxml import etree
from twilio.request_validator import RequestValidator

from routing.keys import Keys
from routing.router import Router
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN
from tests.conftest import REAL_REDIS_URL
from tests.e2e.contact_center import fast_config, write_fast_config

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "http://hotline.internal.test"
CALLER = "+8613812345678"
AGENT = "a1005"  # fault repair, grade 4 in the demo config

if REAL_REDIS_URL:  # two processes need a Redis they can share
    pytestmark = [pytest.mark.real_redis, pytest.mark.slow, pytest.mark.timeout(240)]

    @pytest.fixture
    async def shared_redis() -> AsyncIterator[tuple[aioredis.Redis, Keys]]:
        keys = Keys(f"tk-{uuid.uuid4().hex[:12]}")
        client = aioredis.Redis.from_url(REAL_REDIS_URL, decode_responses=True)
        try:
            yield client, keys
        finally:
            async for key in client.scan_iter(match=keys.pattern(), count=1000):
                await client.delete(key)
            await client.aclose()

    @pytest.fixture
    def database(tmp_path: Path) -> Path:
        return tmp_path / "hotline.db"

    @pytest.fixture
    def servers(
        tmp_path: Path, database: Path, shared_redis: tuple[aioredis.Redis, Keys]
    ) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
        """Two servers, one after the other (the first migrates and publishes)."""
        _, keys = shared_redis
        config = write_fast_config(tmp_path)
        started: list[tuple[str, subprocess.Popen[bytes]]] = []
        try:
            for index in range(2):
                port = unused_port()
                env = {
                    **os.environ,
                    "HOTLINE_HOST": "127.0.0.1",
                    "HOTLINE_PORT": str(port),
                    "HOTLINE_PUBLIC_URL": PUBLIC_URL,
                    "HOTLINE_CARRIER": "twilio",
                    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    # Nobody listens: ringing by REST fails, and the Dial comes in our answers.
                    "TWILIO_API_BASE_URL": f"http://127.0.0.1:{unused_port()}/carrier",
                    "REDIS_URL": REAL_REDIS_URL,
                    "HOTLINE_REDIS_PREFIX": keys.prefix,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                    "HOTLINE_CONFIG": str(config),
                    "HOTLINE_DEMO_USERS": "0",
                    "HOTLINE_LOG_LEVEL": "INFO",
                }
                with (tmp_path / f"server{index}.log").open("wb") as log:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "hotline", "serve"],
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                base = f"http://127.0.0.1:{port}"
                started.append((base, process))
                asyncio.run(_wait_healthy(base))
            yield started
        finally:
            for _, process in started:
                if process.poll() is None:
                    process.terminate()
            for _, process in started:
                process.wait(timeout=20)

    async def _wait_healthy(base: str) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(base + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"server at {base} did not start")

    class Poster:
        """Signed webhooks to one server, signed for the public URL as the carrier does."""

        def __init__(self, http: aiohttp.ClientSession) -> None:
            self.http = http
            self.validator = RequestValidator(AUTH_TOKEN)

        async def post(self, base: str, path: str, params: dict[str, str]) -> tuple[int, str]:
            signature = self.validator.compute_signature(PUBLIC_URL + path, params)
            async with self.http.post(
                base + path, data=params, headers={"X-Twilio-Signature": signature}
            ) as response:
                return response.status, await response.text()

    def attribute(twiml: str, xpath: str) -> str:
        found = etree.fromstring(twiml.encode()).xpath(xpath)
        assert isinstance(found, list)
        assert found, f"{xpath} not in {twiml}"
        return str(found[0]).removeprefix(PUBLIC_URL)

    def call_params(call_sid: str, **extra: str) -> dict[str, str]:
        return {
            "CallSid": call_sid,
            "AccountSid": ACCOUNT_SID,
            "From": CALLER,
            "To": "95598",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def rows(database: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(database) as connection:
            return list(connection.execute(query, args))

    async def until(check: Any, within_s: float) -> Any:
        """Poll another process's outcome (its own clock runs, not ours)."""
        for _ in range(int(within_s / 0.2)):
            found = check()
            if found:
                return found
            await asyncio.sleep(0.2)
        raise TimeoutError(f"not within {within_s} s")

    async def test_sigkill_between_accept_and_order_write_loses_no_order(
        servers: list[tuple[str, subprocess.Popen[bytes]]],
        shared_redis: tuple[aioredis.Redis, Keys],
        database: Path,
    ) -> None:
        redis, keys = shared_redis
        (doomed, doomed_process), (survivor, _) = servers
        spec = next(a for a in fast_config().agents if a.id == AGENT)
        await Router(redis, keys).login(spec.id, spec.skills, order=spec.order)
        sid = "CA" + uuid.uuid4().hex
        async with aiohttp.ClientSession() as http:
            twilio = Poster(http)
            status, answer = await twilio.post(survivor, "/twilio/voice", call_params(sid))
            assert status == 200, answer
            for key in ("1", "1"):  # 故障报修 > 停电: the fault queue, where a1005 waits
                action = attribute(answer, "//Gather/@action")
                status, answer = await twilio.post(survivor, action, call_params(sid, Digits=key))
                assert status == 200, answer
            agent_leg = attribute(answer, "//Dial/Client/@statusCallback")
            leg = call_params("CA" + "e" * 32, ParentCallSid=sid, Direction="outbound-dial")
            leg["To"] = f"client:{AGENT}"

            locker = sqlite3.connect(database, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")  # every write waits (and fails after 5 s)
            try:
                answered = asyncio.ensure_future(twilio.post(doomed, agent_leg, leg))
                # The accept is in Redis at once; the order's write waits for the lock.
                for _ in range(200):
                    if await _agent_state(redis, keys) == "busy":
                        break
                    await asyncio.sleep(0.05)
                assert await _agent_state(redis, keys) == "busy"
                doomed_process.send_signal(signal.SIGKILL)
                doomed_process.wait(timeout=10)
                with pytest.raises(aiohttp.ClientError):
                    await answered
            finally:
                locker.execute("ROLLBACK")
                locker.close()

            orders = await until(
                lambda: rows(database, "SELECT number FROM work_orders WHERE call_sid = ?", sid),
                120,  # the survivor's sink claims the dead one's entries after 60 s idle
            )
            assert orders == [(orders[0][0],)]
            # The call goes on and ends on the survivor: one record, the agent free again.
            status, _ = await twilio.post(
                survivor, agent_leg, {**leg, "CallStatus": "completed", "CallDuration": "9"}
            )
            assert status == 200
            ended = call_params(sid, CallStatus="completed", CallDuration="15")
            status, _ = await twilio.post(survivor, "/twilio/status", ended)
            assert status == 200
        records = await until(
            lambda: rows(
                database,
                "SELECT outcome, agent_id, work_order FROM call_records WHERE call_sid = ?",
                sid,
            ),
            30,
        )
        assert records == [("answered", AGENT, orders[0][0])]
        assert rows(database, "SELECT count(*) FROM work_orders") == [(1,)]
        assert await _agent_state(redis, keys) in {"wrap_up", "ready"}

    async def _agent_state(redis: aioredis.Redis, keys: Keys) -> str:
        snapshot = await Router(redis, keys).agent(AGENT)
        return snapshot.state.value if snapshot else ""

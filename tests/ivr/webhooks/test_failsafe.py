"""Whatever breaks inside, the caller hears an apology and a safe next step, not an error."""

from __future__ import annotations

from typing import Any

import fakeredis
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from hotline.settings import Settings
from tests.app_fixtures import FakeClock, TwilioPoster, new_call_sid
from tests.ivr.twiml_schema import assert_valid_wait_twiml

CALLER = "+8613700000001"


async def test_missing_call_sid_gets_apology_and_operator(twilio: TwilioPoster) -> None:
    params = twilio.base_params("not-a-sid", CALLER, "95598")
    answer = await twilio.post("/twilio/voice", params)
    assert answer.status == 200
    assert answer.verbs() == ["Say", "Say", "Enqueue"] or answer.verbs()[-1] == "Enqueue"
    assert answer.doc.findtext("Enqueue") == "general"


async def test_unknown_number_is_told_politely(twilio: TwilioPoster) -> None:
    answer = await twilio.post("/twilio/voice", twilio.base_params(new_call_sid(), CALLER, "12345"))
    assert answer.status == 200
    assert answer.verbs()[-1] == "Hangup"
    assert "暂未开通" in answer.said()


async def test_tampered_menu_position_gets_operator(twilio: TwilioPoster) -> None:
    params = twilio.base_params(new_call_sid(), CALLER, "95598")
    answer = await twilio.post("/twilio/menu?h=95598&v=1&s=..&t=0", params)
    assert answer.status == 200
    assert answer.verbs()[-1] == "Enqueue"


async def test_unknown_version_gets_operator(twilio: TwilioPoster) -> None:
    params = {**twilio.base_params(new_call_sid(), CALLER, "95598"), "Digits": "1"}
    answer = await twilio.post("/twilio/menu?h=95598&v=999&s=root&t=0", params)
    assert answer.status == 200
    assert answer.verbs()[-1] == "Enqueue"


class FlakyRedis(fakeredis.FakeAsyncRedis):
    """A Redis stand-in that can be made to fail, as when the server drops mid-call."""

    broken = False

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if self.broken:
            raise aioredis.ConnectionError("redis is down")
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        if self.broken:
            raise aioredis.ConnectionError("redis is down")
        return super().pipeline(transaction, shard_hint)


async def test_redis_down_mid_call_still_answers_twiml(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    aiohttp_client: Any,
) -> None:
    flaky = FlakyRedis(decode_responses=True)
    app = create_app(settings, redis=flaky, sessionmaker=sessionmaker, clock=clock)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    twilio = TwilioPoster(client)
    sid = new_call_sid()
    params = twilio.base_params(sid, CALLER, "95598")
    first = await twilio.post("/twilio/voice", params)
    assert first.status == 200
    menu_url = first.url("//Gather/@action")
    flaky.broken = True
    step = await twilio.post(menu_url, {**params, "Digits": "1"})
    assert step.status == 200
    voice = await twilio.post("/twilio/voice", twilio.base_params(new_call_sid(), CALLER, "95598"))
    assert voice.status == 200
    assert voice.verbs()[-1] == "Enqueue"
    wait = await twilio.post("/twilio/wait?h=95598&v=1&q=fault", params)
    assert wait.status == 200
    assert_valid_wait_twiml(wait.text)
    status = await twilio.post("/twilio/status", {**params, "CallStatus": "completed"})
    assert status.status == 200
    flaky.broken = False  # Redis is back before the app shuts down

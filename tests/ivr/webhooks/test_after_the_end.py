"""A replayed or stray webhook for a call that ended changes nothing: it hears `<Hangup/>`,
and no ghost call is queued and offered again."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from hotline.appkeys import MATCHING
from routing.keys import Keys
from tests.app_fixtures import Answer, FakeClock, TwilioPoster
from tests.ivr.webhooks.test_rebuild import lose_everything
from tests.ivr.webhooks.walker import walk

LINE = "+8695598"
CALLER = "+8613812345678"
FAULT = ["1", "1"]


async def _waited_and_hung_up(twilio: TwilioPoster) -> tuple[str, dict[str, str], list[str]]:
    """A caller who waited in the fault queue and hung up; their webhooks, for replays."""
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    params = twilio.base_params(walked.call_sid, CALLER, LINE)
    wait_url = walked.last.url("//Enqueue/@waitUrl")
    first_wait = await twilio.post(wait_url, {**params, "QueueTime": "5"})
    assert first_wait.status == 200
    ended = await twilio.post(
        "/twilio/status", {**params, "CallStatus": "completed", "CallDuration": "40"}
    )
    assert ended.status == 200
    urls = [
        wait_url,
        walked.last.url("//Enqueue/@action"),
        walked.answers[1].url("//Gather/@action"),
    ]
    return walked.call_sid, params, urls


def _hung_up(answer: Answer) -> bool:
    return answer.status == 200 and answer.verbs() == ["Hangup"]


async def test_a_replayed_wait_after_the_end_hangs_up_and_queues_nothing(
    twilio: TwilioPoster, app: web.Application
) -> None:
    sid, params, (wait_url, action_url, menu_url) = await _waited_and_hung_up(twilio)
    router = app[MATCHING].router
    for url, extra in (
        (wait_url, {"QueueTime": "35"}),
        (action_url, {"QueueResult": "leave", "QueueTime": "35"}),
        (menu_url, {"Digits": "1"}),
        ("/twilio/voice", {}),
        ("/twilio/transfer-result?h=95598&v=1", {"DialCallStatus": "busy"}),  # → operator
    ):
        answer = await twilio.post(url, {**params, **extra})
        assert await router.position(sid) is None, f"{url} queued a ghost call"
        assert _hung_up(answer), (url, answer.text)
    stats = await router.stats("fault")
    assert int(stats.get("waiting", 0) or 0) == 0


@pytest.mark.parametrize("lost", ["call facts", "everything in Redis"])
async def test_the_end_holds_when_the_call_state_is_gone(
    twilio: TwilioPoster,
    app: web.Application,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
    lost: str,
) -> None:
    # The facts expire first (or Redis loses everything, the ended marker too; the call's
    # record in SQL still says it ended).
    sid, params, (wait_url, _, _) = await _waited_and_hung_up(twilio)
    if lost == "call facts":
        await redis.delete(keys.call(sid))
    else:
        await lose_everything(redis, keys)
    answer = await twilio.post(wait_url, {**params, "QueueTime": "65"})
    assert _hung_up(answer), answer.text
    assert await app[MATCHING].router.position(sid) is None
    again = await twilio.post(wait_url, {**params, "QueueTime": "95"})
    assert _hung_up(again), again.text


async def test_the_hang_up_reported_by_the_queue_is_still_heard(
    twilio: TwilioPoster, app: web.Application
) -> None:
    # The call's end itself is news, whichever callback brings it first.
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    params = twilio.base_params(walked.call_sid, CALLER, LINE)
    action = walked.last.url("//Enqueue/@action")
    for _ in range(2):
        answer = await twilio.post(action, {**params, "QueueResult": "hangup", "QueueTime": "9"})
        assert answer.status == 200
        assert answer.verbs() == []
    ended = await twilio.post("/twilio/status", {**params, "CallStatus": "completed"})
    assert ended.status == 200
    assert await app[MATCHING].router.position(walked.call_sid) is None

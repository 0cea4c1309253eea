"""Every path of both demo menus, through the app with signed requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from ivr.menus.schema import HangupAction, OperatorAction, QueueAction, VoicemailAction
from routing.keys import Keys
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import Leaf, demo_hotlines, leaves, walk

CASES = [
    pytest.param(hotline.numbers[0], leaf, id=f"{hotline.id}:{'-'.join(leaf.keys)}")
    for hotline in demo_hotlines()
    for leaf in leaves(hotline)
]
# A Wednesday, 10:00 in Shanghai: the 400 line is open.
OPEN_HOURS = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_every_demo_hotline_has_paths() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize(("dialled", "leaf"), CASES)
async def test_demo_path(
    twilio: TwilioPoster,
    redis: aioredis.Redis,
    keys: Keys,
    clock: FakeClock,
    dialled: str,
    leaf: Leaf,
) -> None:
    clock.now = OPEN_HOURS
    result = await walk(twilio, dialled, list(leaf.keys))
    last = result.last
    action = leaf.action
    state = await redis.hgetall(keys.call(result.call_sid))
    if isinstance(action, OperatorAction):
        assert last.doc.findtext("Enqueue") == "general"
    elif isinstance(action, QueueAction):
        assert last.doc.findtext("Enqueue") == action.queue
        assert state["queue"] == action.queue
        assert state["category"] == action.category
        wait = last.url("//Enqueue/@waitUrl")
        assert "q=" + action.queue in wait
    elif isinstance(action, HangupAction):
        assert last.verbs()[-1] == "Hangup"
        assert next(iter(action.prompt.values())) in last.said()
    elif isinstance(action, VoicemailAction):
        assert "Record" in last.verbs()
    else:
        pytest.fail(f"unexpected action {action}")
    assert state["path"] == leaf.path

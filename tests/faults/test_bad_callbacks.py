"""The carrier's callbacks are lost, repeated, late or out of order on the way; a signed
body arrives in two TCP segments; a webhook is replayed after its call ended."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.faults.network import CallbackFault, answered, is_callback
from tests.faults.rig import Rig

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


def ringing_or_completed(path: str, params: Mapping[str, str]) -> bool:
    """The agent leg's ringing (then after its answer) and its end (then after the
    caller's call has ended)."""
    return path == "/twilio/agent-status" and params.get("CallStatus") in {
        "ringing",
        "completed",
    }


FAULTS: dict[str, dict[str, Any]] = {
    "dropped": {"fault": CallbackFault.DROP, "select": answered, "rate": 0.5},
    "duplicated": {"fault": CallbackFault.DUPLICATE, "select": is_callback},
    "delayed": {"fault": CallbackFault.DELAY, "select": is_callback, "rate": 0.5, "delay_s": 3},
    "reordered": {"fault": CallbackFault.REORDER, "select": ringing_or_completed},
}
CASES = sorted(FAULTS)


@pytest.mark.parametrize("case", CASES)
async def test_callbacks(rig: Rig, case: str) -> None:
    await rig.start(**FAULTS[case])
    await rig.call(25)
    tally = await rig.check()
    assert rig.network.faulted, "the network changed no callback"
    assert tally.answered > 0


async def test_body_in_two_tcp_segments(rig: Rig) -> None:
    await rig.start(two_segments=True)
    await rig.call(15)
    tally = await rig.check()
    assert tally.answered > 0


async def test_replayed_webhooks_after_hang_up(rig: Rig) -> None:
    await rig.start()
    await rig.call(15)
    await rig.finish()
    replays = [
        sent
        for sent in rig.network.sent
        if sent.url.endswith(("/twilio/voice", "/twilio/wait")) or "/twilio/wait?" in sent.url
    ]
    last: dict[tuple[str, str], Any] = {}
    for sent in replays:  # each call's first voice webhook and last heartbeat
        kind = "wait" if "/twilio/wait" in sent.url else "voice"
        key = (sent.params["CallSid"], kind)
        if kind == "wait" or key not in last:
            last[key] = sent
    assert last
    for sent in last.values():
        response = await rig.network.replay(sent)
        assert response.status == 200, (sent.url, response.text)
        assert "<Hangup" in response.text, (sent.url, response.text)
    tally = await rig.check()
    assert tally.answered > 0

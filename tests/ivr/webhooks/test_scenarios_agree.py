"""The demo's flow tests, walked through the real webhooks with signed posts: the call ends
where the runner says, and says what the runner heard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import load_config_file
from ivr.menus.scenario_schema import Scenario
from ivr.menus.scenarios import run_scenarios
from tests.app_fixtures import Answer, FakeClock, TwilioPoster, new_call_sid

DEMO = load_config_file(DEMO_CONFIG)
RESULTS = {result.name: result for result in run_scenarios(DEMO)}
ANY_TIME = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
STRANGER = "+8613600000000"


def says(answer: Answer) -> list[str]:
    return [str(say.text or "") for say in answer.doc.iter("Say")]


def ending(answer: Answer) -> str:
    verbs = answer.verbs()
    if "Enqueue" in verbs:
        return f"queue {answer.doc.findtext('Enqueue')}"
    if "Record" in verbs:
        return "voicemail"
    if "Dial" in verbs:
        return f"transfer {answer.doc.findtext('Dial')}"
    assert verbs[-1] == "Hangup", answer.text
    return "hangup"


@pytest.mark.parametrize("scenario", DEMO.scenarios, ids=[s.name for s in DEMO.scenarios])
async def test_the_webhooks_agree_with_the_runner(
    twilio: TwilioPoster, clock: FakeClock, scenario: Scenario
) -> None:
    result = RESULTS[scenario.name]
    assert result.passed, result.failure
    clock.now = scenario.at or ANY_TIME
    params = twilio.base_params(new_call_sid(), scenario.caller or STRANGER, scenario.dial)
    answer = await twilio.post("/twilio/voice", params)
    said = says(answer)
    for given in scenario.inputs:
        for digits, speech in given.steps():
            action = answer.url("//Gather/@action")
            posted = {"Digits": digits} if digits else {"SpeechResult": speech} if speech else {}
            answer = await twilio.post(action, {**params, **posted})
            said += says(answer)
    assert "Gather" not in answer.verbs()
    assert ending(answer) == result.ended
    queue = DEMO.queues.get(result.ended.removeprefix("queue "))
    later = set(queue.hold_prompt.values()) if queue is not None else set()  # the waitUrl's
    assert said == [text for text in result.heard if text not in later]

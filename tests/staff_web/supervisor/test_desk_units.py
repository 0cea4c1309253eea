"""The desk's small rules on their own: the lifecycle's next step, and how a wait is written."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest

from queues.work_orders.status import ALLOWED, Status
from staff_web.auth.login_form import Language
from staff_web.supervisor.order_actions import next_step
from staff_web.supervisor.texts import Words
from staff_web.supervisor.traces import offers_of, parse_trace, stored_traces
from staff_web.supervisor.units import api_time, seconds_text
from tests.staff_web.supervisor.test_desk_display import HAPPY_PATH
from tests.staff_web.supervisor.trace_samples import answered_trace


def test_the_preselected_status_is_the_lifecycles_next_step() -> None:
    for current, ahead in itertools.pairwise(HAPPY_PATH):
        moves = sorted(ALLOWED[current], key=list(Status).index)
        assert next_step(current, moves) is ahead


@pytest.mark.parametrize(
    ("ms", "zh", "en"),
    [
        (400, "0.4 秒", "0.4 s"),
        (5_000, "5.0 秒", "5.0 s"),
        (5_449, "5.4 秒", "5.4 s"),
        (None, "", ""),
    ],
)
def test_one_way_to_write_a_wait(ms: int | None, zh: str, en: str) -> None:
    assert seconds_text(Words(Language.ZH), ms) == zh
    assert seconds_text(Words(Language.EN), ms) == en


def test_api_times_carry_beijing_offset() -> None:
    instant = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)
    assert api_time(instant) == "2026-11-26T01:30:00+08:00"
    assert api_time(None) is None


def test_a_stored_trace_is_read_whole_or_not_at_all() -> None:
    trace = answered_trace()
    stored = json.loads(trace.to_json())
    assert parse_trace(stored) == trace
    assert (
        parse_trace({**stored, "passed_over": [{"agent_id": "x", "grade": 2, "why": "??"}]}) is None
    )
    assert parse_trace("not a trace") is None
    assert stored_traces([stored, {"step": 1}, stored]) == [trace, trace]
    assert stored_traces(None) == []


def test_a_trace_without_its_offer_event_is_an_offer_of_its_own() -> None:
    trace = answered_trace()
    offers = offers_of([], [trace])
    assert [(o.agent_id, o.step, o.grade, o.trace) for o in offers] == [("a2", 1, 3, trace)]

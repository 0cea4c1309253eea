"""A call's offers as the desk reads them: each OFFER of its router events with how it ended,
and the decision trace the work order stored (routing/trace.py), matched to its offer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from queues.call_records.router_events import RouterEventRow
from routing.events import EventName
from routing.trace import (
    DecisionTrace,
    GradeCandidates,
    PassedOver,
    PassReason,
    SkippedStep,
    StepStatus,
)

#: What ends an offer: the connection, or the offer given up (its `cause` says why).
_ENDINGS = {EventName.CONNECT.value, EventName.RINGNOANSWER.value, EventName.RINGCANCELED.value}


@dataclass(frozen=True)
class OfferTry:
    """One offer of the call: when, to whom, at which step and grade, and how it ended."""

    at: datetime
    agent_id: str
    step: int | None  # 0-based, as the trace counts
    grade: int | None
    ended: str  # "connected", a release cause (no_answer, reject...) or "" (no end seen)
    trace: DecisionTrace | None  # the full trace, for the offer the work order kept


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else None


def parse_trace(raw: object) -> DecisionTrace | None:
    """A trace as `DecisionTrace.to_dict()` stored it in JSON; None when it is not one (a
    stored row is read as it is, never trusted to be whole)."""
    if not isinstance(raw, Mapping):
        return None
    try:
        grades = raw["grades"]
        return DecisionTrace(
            call_id=str(raw["call_id"]),
            queue=str(raw["queue"]),
            step=int(raw["step"]),
            step_opened_ms=int(raw["step_opened_ms"]),
            grades=(int(grades[0]), int(grades[1])),
            floor=int(raw["floor"]),
            direction=str(raw["direction"]),
            strategy=str(raw["strategy"]),
            skipped=tuple(
                SkippedStep(int(s["step"]), StepStatus(s["why"]), int(s["at_ms"]))
                for s in raw.get("skipped") or ()
            ),
            waited_ms=int(raw["waited_ms"]),
            decided_ms=int(raw["decided_ms"]),
            chosen_agent=str(raw["chosen_agent"]),
            chosen_grade=int(raw["chosen_grade"]),
            candidates=tuple(
                GradeCandidates(
                    int(c["grade"]),
                    bool(c["in_range"]),
                    int(c["logged_in"]),
                    int(c["on_break"]),
                    int(c["idle"]),
                )
                for c in raw.get("candidates") or ()
            ),
            passed_over=tuple(
                PassedOver(str(p["agent_id"]), int(p["grade"]), PassReason(p["why"]))
                for p in raw.get("passed_over") or ()
            ),
        )
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def stored_traces(raw: object) -> list[DecisionTrace]:
    """The traces a work order holds: one trace, or a list of them (one per offer)."""
    items: Sequence[object] = raw if isinstance(raw, list) else [raw]
    return [trace for trace in map(parse_trace, items) if trace is not None]


def _ms(at: datetime) -> int:
    return round(at.astimezone(UTC).timestamp() * 1000)


def offers_of(events: Sequence[RouterEventRow], traces: Sequence[DecisionTrace]) -> list[OfferTry]:
    """The call's offers in stream order, each with the event that ended it and its trace
    (matched by agent and instant: a trace is decided at its offer's instant). A trace with
    no OFFER event consumed yet still shows, as an offer of its own."""
    tries: list[OfferTry] = []
    unmatched = list(traces)
    for place, row in enumerate(events):
        if row.name != EventName.OFFER.value:
            continue
        ended = ""
        for later in events[place + 1 :]:
            if later.agent_id == row.agent_id and later.name in _ENDINGS:
                connected = later.name == EventName.CONNECT.value
                ended = "connected" if connected else str(later.data.get("cause", "")) or "ended"
                break
            if later.name == EventName.OFFER.value and later.agent_id == row.agent_id:
                break
        at_ms = _ms(row.at)
        trace = next(
            (t for t in unmatched if t.chosen_agent == row.agent_id and t.decided_ms == at_ms),
            None,
        )
        if trace is not None:
            unmatched.remove(trace)
        data: Mapping[str, Any] = row.data or {}
        step, grade = _int(data.get("step")), _int(data.get("grade"))
        if trace is not None:  # older events carry no step; the trace always does
            step, grade = trace.step, trace.chosen_grade
        tries.append(OfferTry(row.at, row.agent_id, step, grade, ended, trace))
    for trace in unmatched:  # the order's trace, its OFFER not (yet) consumed
        same = [i for i, t in enumerate(tries) if t.agent_id == trace.chosen_agent and not t.trace]
        if same:  # the clocks disagree by a hair: the latest offer to that agent is it
            old = tries[same[-1]]
            tries[same[-1]] = OfferTry(old.at, old.agent_id, old.step, old.grade, old.ended, trace)
            continue
        at = datetime.fromtimestamp(trace.decided_ms / 1000, UTC)
        tries.append(OfferTry(at, trace.chosen_agent, trace.step, trace.chosen_grade, "", trace))
    return sorted(tries, key=lambda t: t.at)

"""The decision trace of one offer: step in force, candidates by grade, who and why not."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from routing.contract import GRADES, OFFER_REPLY, SAMPLE_FIELDS, reply_fields


class PassReason(StrEnum):
    """Why a logged-in agent of the queue was not the one offered the call."""

    GRADE = "grade"  # outside the step's grade range (or below the floor)
    RANKED_LOWER = "ranked_lower"  # idle and eligible, but the strategy preferred another
    BACK_OFF = "back_off"
    RESERVED = "reserved"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    BREAK = "break"
    OFFLINE = "offline"


class StepStatus(StrEnum):
    """What a tier step's grades look like right now; the first two skip the step at once."""

    NONE_LOGGED_IN = "none_logged_in"
    ALL_ON_BREAK = "all_on_break"
    ALL_BUSY = "all_busy"  # waits: busy, reserved, wrap-up and back-off agents come back
    AVAILABLE = "available"


# By value, for parsing: a dict lookup costs a tenth of calling the enum class.
_STEP_STATUSES = {status.value: status for status in StepStatus}
_RANKED_LOWER, _GRADE_REASON = PassReason.RANKED_LOWER, PassReason.GRADE
#: An agent's state, as the router keeps it, to why it was passed over. A ready agent's
#: state is the instant its back-off ends: "0" (none) is here, other instants are not.
_STATE_REASONS = {
    "0": PassReason.RANKED_LOWER,
    **{
        reason.value: reason
        for reason in (
            PassReason.RESERVED,
            PassReason.BUSY,
            PassReason.WRAP_UP,
            PassReason.BREAK,
            PassReason.OFFLINE,
        )
    },
}
#: Builds a named tuple from its fields in order without the keyword-argument parsing of
#: its constructor: `_new(Record, (field, ...))`.
_new = tuple.__new__
#: The fields of an offer's reply the trace is made of, by name (routing.contract).
_STEP = reply_fields(
    "step", "opened", "lo", "hi", "floor", "direction", "strategy", "skips", "waited", "grade"
)
_COUNTS = reply_fields(
    *(f"{f}_{g}" for g in GRADES for f in ("logged_in", "on_break", "idle", "sampled_upto"))
)
_SAMPLE = reply_fields(*SAMPLE_FIELDS)
_SAMPLED = OFFER_REPLY.index(SAMPLE_FIELDS[0])


class SkippedStep(NamedTuple):
    step: int
    why: StepStatus
    at_ms: int


class GradeCandidates(NamedTuple):
    """One grade's agents in the queue when the decision was made (idle excludes the chosen)."""

    grade: int
    in_range: bool
    logged_in: int
    on_break: int
    idle: int


class PassedOver(NamedTuple):
    agent_id: str
    grade: int
    why: PassReason


class DecisionTrace(NamedTuple):
    """Why this agent got this call. `passed_over` samples up to N agents per grade.

    A named tuple rather than a frozen dataclass: one is built per offer, and building a
    frozen dataclass of this many fields costs several times as much."""

    call_id: str
    queue: str
    step: int  # 0-based index into the queue's plan
    step_opened_ms: int
    grades: tuple[int, int]
    floor: int
    direction: str
    strategy: str
    skipped: tuple[SkippedStep, ...]
    waited_ms: int
    decided_ms: int
    chosen_agent: str
    chosen_grade: int
    candidates: tuple[GradeCandidates, ...]
    passed_over: tuple[PassedOver, ...]

    def to_dict(self) -> dict[str, Any]:
        out = self._asdict()
        for name in ("skipped", "candidates", "passed_over"):
            out[name] = tuple(record._asdict() for record in out[name])
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_script(cls, text: str) -> DecisionTrace:
        """Parse the JSON the match scripts build (cjson: empty arrays come out as `{}`)."""
        raw = json.loads(text)

        def items(value: Any) -> list[Any]:
            return list(value) if isinstance(value, list) else []

        skipped = _skipped(str(raw["skipped"]))
        chosen_agent = str(raw["chosen"]["agent"])
        return cls(
            call_id=raw["call"],
            queue=raw["queue"],
            step=int(raw["step"]),
            step_opened_ms=int(raw["step_opened_ms"]),
            grades=(int(raw["grades"][0]), int(raw["grades"][1])),
            floor=int(raw["floor"]),
            direction=raw["direction"],
            strategy=raw["strategy"],
            skipped=skipped,
            waited_ms=int(raw["waited_ms"]),
            decided_ms=int(raw["decided_ms"]),
            chosen_agent=chosen_agent,
            chosen_grade=int(raw["chosen"]["grade"]),
            candidates=tuple(
                GradeCandidates(
                    grade=int(c["grade"]),
                    in_range=bool(c["in_range"]),
                    logged_in=int(c["logged_in"]),
                    on_break=int(c["on_break"]),
                    idle=int(c["idle"]),
                )
                for c in items(raw["candidates"])
            ),
            passed_over=tuple(
                PassedOver(str(p["agent"]), int(p["grade"]), PassReason(p["why"]))
                for p in items(raw["passed_over"])
            ),
        )

    @classmethod
    def from_reply(
        cls,
        call_id: str,
        queue: str,
        chosen_agent: str,
        decided_ms: int,
        row: Sequence[str | int],
    ) -> DecisionTrace:
        """Build the trace from the flat fields of an offer's reply (routing.contract):
        the step, per grade the counts, then, when any was, the sampled agents grade by
        grade and the states of those of the step's grades, as two space-separated texts.
        The script sends raw facts; the structure and the reasons are made here, off the
        Redis thread. Runs once per offer, so the records are built as plain tuples of
        their class, fields in declaration order (keyword arguments to a named tuple cost
        more than the rest of the parse)."""
        step, opened, lo, hi, floor, direction, strategy, skips, waited, grade = _STEP(row)
        low, high = int(lo), int(hi)
        m1, b1, i1, n1, m2, b2, i2, n2, m3, b3, i3, n3, m4, b4, i4, n4 = map(int, _COUNTS(row))
        passed: tuple[PassedOver, ...] = ()
        if len(row) > _SAMPLED:
            sampled, sampled_states = _SAMPLE(row)
            names, states = str(sampled).split(), iter(str(sampled_states).split())
            out: list[PassedOver] = []
            start, reasons = 0, _STATE_REASONS
            for g, end in ((1, n1), (2, n2), (3, n3), (4, n4)):
                if low <= g <= high:
                    for name in names[start:end]:
                        state = next(states)
                        # Ready: the instant its back-off ends (a number), mostly "0".
                        why = reasons.get(state) or (
                            PassReason.BACK_OFF if int(state) > decided_ms else _RANKED_LOWER
                        )
                        out.append(_new(PassedOver, (name, g, why)))
                else:
                    out += [_new(PassedOver, (name, g, _GRADE_REASON)) for name in names[start:end]]
                start = end
            passed = tuple(out)
        candidates = (
            _new(GradeCandidates, (1, low <= 1 <= high, m1, b1, i1)),
            _new(GradeCandidates, (2, low <= 2 <= high, m2, b2, i2)),
            _new(GradeCandidates, (3, low <= 3 <= high, m3, b3, i3)),
            _new(GradeCandidates, (4, low <= 4 <= high, m4, b4, i4)),
        )
        skipped = _skipped(str(skips)) if skips else ()
        return _new(
            cls,
            (
                call_id,
                queue,
                int(step),
                int(opened),
                (low, high),
                int(floor),
                str(direction),
                str(strategy),
                skipped,
                int(waited),
                decided_ms,
                chosen_agent,
                int(grade),
                candidates,
                passed,
            ),
        )


def _skipped(text: str) -> tuple[SkippedStep, ...]:
    """`step:why:at;...` as the scripts record skipped steps."""
    out = []
    for part in text.split(";"):
        if part:
            step, why, at = part.split(":")
            out.append(SkippedStep(int(step), _STEP_STATUSES[why], int(at)))
    return tuple(out)

"""The decision trace of one offer: step in force, candidates by grade, who and why not."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, NamedTuple


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
_PASS_REASONS = {reason.value: reason for reason in PassReason}
_STEP_STATUSES = {status.value: status for status in StepStatus}
_GRADES = {str(grade): grade for grade in range(1, 5)}
#: Builds a named tuple from its fields in order without the keyword-argument parsing of
#: its constructor: `_new(Record, (field, ...))`.
_new = tuple.__new__


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
    def from_flat(
        cls,
        call_id: str,
        queue: str,
        chosen_agent: str,
        decided_ms: int,
        fields: Sequence[str | int],
    ) -> DecisionTrace:
        """Build the trace from the flat fields the match scripts return (lib_match.lua):
        step, opened, lo, hi, floor, direction, strategy, skips, waited, grade, then
        logged in / on break / idle for grades 1-4, then, when any agent was passed over,
        one text of `agent grade why` for each, space-separated. The script sends raw
        facts; the structure is built here, off the Redis thread. Runs once per offer, so
        the records are built as plain tuples of their class, fields in declaration order
        (keyword arguments to a named tuple cost more than the rest of the parse)."""
        step, opened, lo, hi, floor, direction, strategy, skips, waited, grade = fields[:10]
        low, high = int(lo), int(hi)
        m1, b1, i1, m2, b2, i2, m3, b3, i3, m4, b4, i4 = map(int, fields[10:22])
        passed: tuple[PassedOver, ...] = ()
        if len(fields) > 22:
            words, reasons, grades = str(fields[22]).split(), _PASS_REASONS, _GRADES
            passed = tuple(
                [
                    _new(PassedOver, (words[i], grades[words[i + 1]], reasons[words[i + 2]]))
                    for i in range(0, len(words), 3)
                ]
            )
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

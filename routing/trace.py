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
        the records are built as plain tuples of their class."""
        step, opened, lo, hi, floor, direction, strategy, skips, waited, grade = fields[:10]
        low, high = int(lo), int(hi)
        counts = [int(x) for x in fields[10:22]]
        words = str(fields[22]).split() if len(fields) > 22 else []
        reasons, grades, new = _PASS_REASONS, _GRADES, tuple.__new__
        return cls(
            call_id=call_id,
            queue=queue,
            step=int(step),
            step_opened_ms=int(opened),
            grades=(low, high),
            floor=int(floor),
            direction=str(direction),
            strategy=str(strategy),
            skipped=_skipped(str(skips)),
            waited_ms=int(waited),
            decided_ms=decided_ms,
            chosen_agent=chosen_agent,
            chosen_grade=int(grade),
            candidates=tuple(
                [
                    new(GradeCandidates, (g, low <= g <= high, *counts[3 * g - 3 : 3 * g]))
                    for g in (1, 2, 3, 4)
                ]
            ),
            passed_over=tuple(
                [
                    new(PassedOver, (agent, grades[g], reasons[why]))
                    for agent, g, why in zip(words[0::3], words[1::3], words[2::3], strict=True)
                ]
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

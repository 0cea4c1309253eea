"""Tier plans: which grades may take a queue's call, widening step by step as it waits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from routing.grades import Grade
from routing.rule_error import RuleError


class Direction(StrEnum):
    """Which grade of a step is tried first; also the intent behind the steps."""

    BEST_FIRST_RELAX_DOWN = "best_first_relax_down"  # VIP, complaint: experts first
    CHEAPEST_FIRST_ESCALATE_UP = "cheapest_first_escalate_up"  # inquiry: keep experts free


@dataclass(frozen=True, slots=True)
class TierStep:
    """Grades `min_grade..max_grade` may take the call for `duration_s` seconds.

    The last step of a plan lasts for ever; its duration is ignored.
    """

    min_grade: Grade
    max_grade: Grade
    duration_s: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_grade", Grade.parse(self.min_grade, field="min_grade"))
        object.__setattr__(self, "max_grade", Grade.parse(self.max_grade, field="max_grade"))
        if self.min_grade > self.max_grade:
            raise RuleError("min_grade", f"{self.min_grade} is above max_grade {self.max_grade}")
        if isinstance(self.duration_s, bool) or not 0 <= self.duration_s <= 86_400:
            raise RuleError("duration_s", f"must be 0-86400 s, got {self.duration_s!r}")


@dataclass(frozen=True, slots=True)
class TierPlan:
    """Ordered steps, a direction and a hard floor no offer ever goes below.

    Step 0 opens at enqueue; step i opens when step i-1 has lasted its duration, counted
    from when step i-1 opened, or at once when step i-1 cannot serve (no agent of its
    grades logged in, or all of them on break). "All busy" never skips.
    """

    steps: tuple[TierStep, ...] = (TierStep(Grade.JUNIOR, Grade.EXPERT),)
    direction: Direction = Direction.CHEAPEST_FIRST_ESCALATE_UP
    floor: Grade = Grade.JUNIOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "floor", Grade.parse(self.floor, field="floor"))
        try:
            object.__setattr__(self, "direction", Direction(self.direction))
        except ValueError:
            raise RuleError("direction", f"unknown direction {self.direction!r}") from None
        if not self.steps:
            raise RuleError("steps", "a plan needs at least one step")
        for i, step in enumerate(self.steps):
            if step.max_grade < self.floor:
                raise RuleError(f"steps[{i}]", f"entirely below the floor {int(self.floor)}")
            if i < len(self.steps) - 1 and step.duration_s <= 0:
                raise RuleError(f"steps[{i}].duration_s", "only the last step may last for ever")

    def grades(self, index: int) -> tuple[Grade, Grade]:
        """The grades step `index` really offers to: its range clipped by the floor."""
        step = self.steps[index]
        return max(step.min_grade, self.floor), step.max_grade

    def timed_step(self, waited_ms: int) -> int:
        """The step in force after `waited_ms` if no step were skipped."""
        opened = 0
        for index, step in enumerate(self.steps[:-1]):
            opened += step.duration_s * 1000
            if waited_ms < opened:
                return index
        return len(self.steps) - 1

    def encode(self) -> str:
        """The form the scripts parse: `min:max:duration_ms,...`."""
        return ",".join(
            f"{int(s.min_grade)}:{int(s.max_grade)}:{s.duration_s * 1000}" for s in self.steps
        )

    @classmethod
    def best_first(cls, *, floor: Grade = Grade.JUNIOR, every_s: int = 30) -> TierPlan:
        """Experts first, then one grade more every `every_s` seconds, down to the floor."""
        steps = [TierStep(g, Grade.EXPERT, every_s) for g in reversed(Grade) if g >= floor]
        return cls(tuple(steps), Direction.BEST_FIRST_RELAX_DOWN, floor)

    @classmethod
    def cheapest_first(cls, *, floor: Grade = Grade.JUNIOR, every_s: int = 30) -> TierPlan:
        """The floor grade first, then one grade more every `every_s` seconds up to experts."""
        highs = [g for g in Grade if g >= floor]
        steps = [TierStep(floor, g, every_s) for g in highs]
        return cls(tuple(steps), Direction.CHEAPEST_FIRST_ESCALATE_UP, floor)

"""The queue catalogue: what each queue is called, what a waiting caller hears, how its
calls are routed, and the agents who serve it with a grade per queue."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from routing.grades import Grade
from routing.rule_error import RuleError
from routing.rules import Backoff, EmptyRule, QueueRules
from routing.strategy import Strategy
from routing.tier_plan import Direction, TierPlan, TierStep

_GRADES = re.compile(r"^([1-4])(?:-([1-4]))?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepSpec(Strict):
    """`grades: "4"` or `"3-4"`; `seconds` before the next step opens (last: for ever)."""

    grades: str
    seconds: int = Field(default=0, ge=0, le=86_400)

    def step(self) -> TierStep:
        match = _GRADES.fullmatch(self.grades.strip())
        if not match:
            raise ValueError(f"grades {self.grades!r}: a grade 1-4 or a range like 2-4")
        low = int(match[1])
        high = int(match[2] or match[1])
        return TierStep(Grade(low), Grade(high), self.seconds)


class PlanSpec(Strict):
    direction: Direction = Direction.CHEAPEST_FIRST_ESCALATE_UP
    floor: int = Field(default=1, ge=1, le=4)
    steps: list[StepSpec] = Field(default_factory=lambda: [StepSpec(grades="1-4")], min_length=1)


class MaxWaitAction(Strict):
    """Where a caller goes after the queue's maximum wait."""

    type: Literal["queue", "voicemail", "hangup"] = "voicemail"
    queue: str = ""  # with type: queue, the overflow queue


class BackoffSpec(Strict):
    reject_s: int = 5
    busy_s: int = 15
    no_answer_s: int = 30


class WaitKey(StrEnum):
    """What a key pressed while waiting does."""

    VOICEMAIL = "voicemail"
    BACK = "back"


class RoutingSpec(Strict):
    """How a queue's calls are offered; every option is explained in docs/routing.md."""

    plan: PlanSpec = PlanSpec()
    strategy: Strategy = Strategy.LONGEST_IDLE
    ring_timeout_s: int = 20
    lease_margin_s: int = 10
    wrap_up_s: int = 15
    max_wait_s: int = 600
    on_max_wait: MaxWaitAction = MaxWaitAction()
    max_size: int = 0
    join_empty: EmptyRule = EmptyRule.NEVER
    leave_empty: EmptyRule = EmptyRule.NEVER
    weight: int = 1
    priority_s: dict[str, int] = {}  # VIP class → seconds of head start
    backoff: BackoffSpec = BackoffSpec()
    max_no_answer: int = 3

    @model_validator(mode="after")
    def _rules_hold(self) -> RoutingSpec:
        self.rules("check")  # the router's own checks, so config and router never disagree
        return self

    def rules(self, queue: str) -> QueueRules:
        try:
            plan = TierPlan(
                tuple(step.step() for step in self.plan.steps),
                self.plan.direction,
                Grade(self.plan.floor),
            )
            return QueueRules(
                name=queue,
                plan=plan,
                strategy=self.strategy,
                ring_timeout_s=self.ring_timeout_s,
                lease_margin_s=self.lease_margin_s,
                wrap_up_s=self.wrap_up_s,
                backoff=Backoff(
                    self.backoff.reject_s, self.backoff.busy_s, self.backoff.no_answer_s
                ),
                max_no_answer=self.max_no_answer,
                weight=self.weight,
                max_wait_s=self.max_wait_s,
                max_size=self.max_size,
                join_empty=self.join_empty,
                leave_empty=self.leave_empty,
                priority_offsets_s=self.priority_s,
            )
        except RuleError as error:
            raise ValueError(str(error)) from None


class TargetsSpec(Strict):
    """What the floor aims for in one queue, and when the wallboard raises an alarm (see
    docs/metrics.md for how each figure is counted)."""

    service_level_s: int = Field(default=20, ge=1, le=3600)  # answered within this many s
    service_level_goal_pct: int = Field(default=80, ge=1, le=100)  # e.g. 80 % in 20 s
    short_abandon_s: int = Field(default=5, ge=0, le=600)  # abandons faster are counted apart
    # Alarms: raised when service level today falls below, or the longest wait or the
    # number waiting rises above, the value; 0 turns that alarm off.
    alarm_service_level_pct: int = Field(default=80, ge=0, le=100)
    alarm_longest_wait_s: int = Field(default=60, ge=0, le=86_400)
    alarm_waiting: int = Field(default=10, ge=0, le=100_000)


class QueueSpec(Strict):
    """One queue as configured (VIP, fault repair, complaint, billing...)."""

    name: dict[str, str] = Field(min_length=1)  # language → display name
    hold_prompt: dict[str, str] = {}
    hold_music: str | None = None
    hold_seconds: int = Field(default=20, ge=5, le=120)  # one waitUrl segment
    announce_every_s: int = Field(default=60, ge=10, le=3600)  # position and wait, said again
    wait_keys: dict[str, WaitKey] = {}  # e.g. {"1": voicemail, "*": back}
    routing: RoutingSpec = RoutingSpec()
    targets: TargetsSpec = TargetsSpec()

    @model_validator(mode="after")
    def _wait_keys(self) -> QueueSpec:
        for key in self.wait_keys:
            if len(key) != 1 or key not in "0123456789*#":
                raise ValueError(f"wait_keys: {key!r} is not one key 0-9, * or #")
        return self

    def rules(self, queue: str) -> QueueRules:
        return self.routing.rules(queue)


class AgentSpec(Strict):
    """An agent (坐席) and the grade (1 初级 .. 4 资深) they hold in each queue they serve."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    name: str = ""
    skills: dict[str, int] = Field(min_length=1)
    order: int = Field(default=0, ge=0)  # rank for the fixed_order strategy

    @model_validator(mode="after")
    def _grades(self) -> AgentSpec:
        for queue, grade in self.skills.items():
            if not 1 <= grade <= 4:
                raise ValueError(f"skills.{queue}: grade must be 1-4, got {grade}")
        return self

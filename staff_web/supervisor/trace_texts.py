"""The decision trace's words in Chinese and English: headings, step statuses, the reasons
an agent was passed over, strategies, directions and how an offer ended."""

from __future__ import annotations

from routing.grades import Grade
from routing.strategy import Strategy
from routing.tier_plan import Direction
from routing.trace import PassReason, StepStatus
from staff_web.supervisor.texts import Words

HEADINGS: dict[str, tuple[str, str]] = {
    "trace": ("分配过程", "Decision trace"),
    "offers": ("振铃记录", "Offers"),
    "offer_n": ("第 {n} 次振铃", "Offer {n}"),
    "at": ("时间", "At"),
    "agent": ("坐席", "Agent"),
    "step": ("生效步骤", "Step in force"),
    "step_n": ("第 {n} 步", "step {n}"),
    "grades": ("本步等级", "Grades of the step"),
    "floor": ("最低等级", "Floor"),
    "opened": ("本步开启", "Step opened"),
    "after_wait": ("排队 {t}后", "after {t} waiting"),
    "direction": ("分配方向", "Direction"),
    "strategy": ("分配策略", "Strategy"),
    "waited": ("已等待", "Waited"),
    "chosen": ("选中坐席", "Chosen agent"),
    "ended": ("结果", "Outcome"),
    "skipped": ("跳过的步骤", "Steps skipped"),
    "why": ("原因", "Why"),
    "candidates": ("各等级候选坐席", "Candidates by grade"),
    "grade": ("等级", "Grade"),
    "in_range": ("在本步范围", "In the step"),
    "logged_in": ("已登录", "Logged in"),
    "on_break": ("小休", "On break"),
    "idle": ("空闲(不含选中)", "Idle (chosen left out)"),
    "passed_over": ("未选中的坐席", "Agents passed over"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "no_trace": ("未保存分配过程", "No decision trace was stored"),
    "sampled": (
        "每个等级最多列出几名坐席。",
        "Up to a few agents of each grade are named.",
    ),
}

STEP_STATUS: dict[StepStatus, tuple[str, str]] = {
    StepStatus.NONE_LOGGED_IN: ("本步等级无人登录", "nobody of these grades logged in"),
    StepStatus.ALL_ON_BREAK: ("本步等级全部小休", "all of these grades on break"),
    StepStatus.ALL_BUSY: ("本步等级全部忙碌", "all of these grades busy"),
    StepStatus.AVAILABLE: ("有可接坐席", "agents available"),
}

PASS_REASON: dict[PassReason, tuple[str, str]] = {
    PassReason.GRADE: ("等级不在本步范围", "grade outside the step"),
    PassReason.RANKED_LOWER: ("空闲，但按策略排在后面", "idle, ranked lower by the strategy"),
    PassReason.BACK_OFF: ("未接或拒接后暂停接听", "pausing after a missed or rejected call"),
    PassReason.RESERVED: ("正在为其他来电振铃", "ringing for another call"),
    PassReason.BUSY: ("通话中", "on a call"),
    PassReason.WRAP_UP: ("话后处理中", "in wrap-up"),
    PassReason.BREAK: ("小休", "on break"),
    PassReason.OFFLINE: ("离线", "offline"),
}

STRATEGY: dict[str, tuple[str, str]] = {
    Strategy.LONGEST_IDLE: ("空闲最久优先", "longest idle"),
    Strategy.FEWEST_CALLS: ("接听最少优先", "fewest calls"),
    Strategy.LEAST_TALK_TIME: ("通话时长最短优先", "least talk time"),
    Strategy.ROUND_ROBIN: ("轮流分配", "round robin"),
    Strategy.RANDOM: ("随机", "random"),
    Strategy.FIXED_ORDER: ("固定顺序", "fixed order"),
}

DIRECTION: dict[str, tuple[str, str]] = {
    Direction.BEST_FIRST_RELAX_DOWN: ("高等级优先，逐步放宽", "best first, relaxing down"),
    Direction.CHEAPEST_FIRST_ESCALATE_UP: (
        "够用的低等级优先，逐步升级",
        "cheapest sufficient first, escalating up",
    ),
}

ENDED: dict[str, tuple[str, str]] = {
    "connected": ("已接通", "connected"),
    "no_answer": ("无人接听", "no answer"),
    "reject": ("坐席拒接", "rejected"),
    "busy": ("坐席忙", "busy"),
    "failed": ("呼叫坐席失败", "could not ring the agent"),
    "lease_expired": ("振铃超时收回", "offer lapsed"),
    "agent_left": ("坐席已退出", "agent left"),
    "superseded": ("被新的分配取代", "superseded"),
    "caller_left": ("来电方挂机", "caller hung up"),
    "": ("振铃中或未知", "ringing or unknown"),
}

GRADE_EN = {Grade.JUNIOR: "junior", Grade.INTERMEDIATE: "intermediate",
            Grade.SENIOR: "senior", Grade.EXPERT: "expert"}  # fmt: skip


class TraceWords:
    """The trace's words in the page's language; unknown values show as they are."""

    def __init__(self, w: Words) -> None:
        self.w = w
        self._pick = 1 if w.en else 0

    def __getitem__(self, key: str) -> str:
        return HEADINGS[key][self._pick]

    def step_status(self, status: StepStatus) -> str:
        return STEP_STATUS[status][self._pick]

    def reason(self, reason: PassReason) -> str:
        return PASS_REASON[reason][self._pick]

    def strategy(self, value: str) -> str:
        return STRATEGY[value][self._pick] if value in STRATEGY else value

    def direction(self, value: str) -> str:
        return DIRECTION[value][self._pick] if value in DIRECTION else value

    def ended(self, value: str) -> str:
        return ENDED[value][self._pick] if value in ENDED else value

    def grade(self, value: int) -> str:
        try:
            grade = Grade(value)
        except ValueError:
            return str(value)
        name = GRADE_EN[grade] if self.w.en else grade.label_zh
        return f"{value} {name}"

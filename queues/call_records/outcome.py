"""How a call ended, derived from its record's facts: the outcome and the abandon/timeout cause.

A pure function of the stored facts, so the record reads the same whichever of the call-end
webhook and the router's events was written first.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol


class CallOutcome(StrEnum):
    IN_PROGRESS = ""
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMEOUT = "timeout"
    VOICEMAIL = "voicemail"
    INFORMATION = "information"
    TRANSFERRED = "transferred"
    QUEUE_FULL = "queue-full"
    NO_AGENTS = "no-agents"
    ERROR = "error"


class EndCause(StrEnum):
    NONE = ""
    IN_MENU = "in_menu"  # hung up before joining a queue
    IN_QUEUE = "in_queue"  # hung up while waiting
    WHILE_RINGING = "while_ringing"  # hung up while an agent's phone rang
    MAX_WAIT = "max_wait"  # the queue's longest wait passed
    KEY = "key"  # left the queue by pressing a key
    QUEUE_FULL = "queue_full"
    NO_AGENTS = "no_agents"


OUTCOME_LABELS: dict[CallOutcome, tuple[str, str]] = {
    CallOutcome.IN_PROGRESS: ("进行中", "in progress"),
    CallOutcome.ANSWERED: ("已接通", "answered"),
    CallOutcome.ABANDONED: ("放弃", "abandoned"),
    CallOutcome.TIMEOUT: ("排队超时", "timed out"),
    CallOutcome.VOICEMAIL: ("留言", "voicemail"),
    CallOutcome.INFORMATION: ("自助信息", "information"),
    CallOutcome.TRANSFERRED: ("转接", "transferred"),
    CallOutcome.QUEUE_FULL: ("队列已满", "queue full"),
    CallOutcome.NO_AGENTS: ("无坐席", "no agents"),
    CallOutcome.ERROR: ("系统错误", "error"),
}

CAUSE_LABELS: dict[EndCause, tuple[str, str]] = {
    EndCause.NONE: ("", ""),
    EndCause.IN_MENU: ("菜单中挂机", "in menu"),
    EndCause.IN_QUEUE: ("排队中挂机", "in queue"),
    EndCause.WHILE_RINGING: ("振铃中挂机", "while ringing"),
    EndCause.MAX_WAIT: ("超过最长等待", "max wait"),
    EndCause.KEY: ("按键离开队列", "left by key"),
    EndCause.QUEUE_FULL: ("队列已满", "queue full"),
    EndCause.NO_AGENTS: ("无坐席可用", "no agents"),
}

# What the webhooks leave in the call's `outcome` field, when it names where the call ended.
_IVR_FINAL = {
    "voicemail": CallOutcome.VOICEMAIL,
    "information": CallOutcome.INFORMATION,
    "transferred": CallOutcome.TRANSFERRED,
}
_IVR_OTHER = {
    "abandoned": (CallOutcome.ABANDONED, EndCause.IN_QUEUE),
    "queue-full": (CallOutcome.QUEUE_FULL, EndCause.QUEUE_FULL),
    "queue-error": (CallOutcome.ERROR, EndCause.NONE),
    "overflow-hangup": (CallOutcome.TIMEOUT, EndCause.MAX_WAIT),
}
# The router's queue exits, the latest of which says how the call left its queue.
_ROUTER_EXIT = {
    "EXITWITHTIMEOUT": (CallOutcome.TIMEOUT, EndCause.MAX_WAIT),
    "FULL": (CallOutcome.QUEUE_FULL, EndCause.QUEUE_FULL),
    "JOINEMPTY": (CallOutcome.NO_AGENTS, EndCause.NO_AGENTS),
    "EXITEMPTY": (CallOutcome.NO_AGENTS, EndCause.NO_AGENTS),
}
_EXIT_CAUSE = {"EXITWITHTIMEOUT": EndCause.MAX_WAIT, "EXITWITHKEY": EndCause.KEY}


class CallFacts(Protocol):
    """The facts the outcome depends on (a CallRecord has them)."""

    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def ivr_outcome(self) -> str: ...
    @property
    def queue_exit(self) -> str: ...
    @property
    def queue_exit_at(self) -> datetime | None: ...
    @property
    def ringing_left_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...


def derive(facts: CallFacts) -> tuple[CallOutcome, EndCause]:
    """Answered beats everything; then where the IVR sent the call (voicemail, information,
    transfer); then how the call last left a queue; then what the webhook saw; a call that
    ended with none of these hung up in the menu."""
    if facts.answered_at is not None or facts.ivr_outcome == "answered":
        return CallOutcome.ANSWERED, EndCause.NONE
    exit_cause = _EXIT_CAUSE.get(facts.queue_exit, EndCause.NONE)
    if facts.ivr_outcome in _IVR_FINAL:
        return _IVR_FINAL[facts.ivr_outcome], exit_cause
    if facts.queue_exit == "ABANDON":
        ringing = facts.ringing_left_at is not None and facts.ringing_left_at == facts.queue_exit_at
        return CallOutcome.ABANDONED, EndCause.WHILE_RINGING if ringing else EndCause.IN_QUEUE
    if facts.queue_exit in _ROUTER_EXIT:
        return _ROUTER_EXIT[facts.queue_exit]
    if facts.ivr_outcome in _IVR_OTHER:
        return _IVR_OTHER[facts.ivr_outcome]
    if facts.ended_at is None:
        return CallOutcome.IN_PROGRESS, EndCause.NONE
    if facts.ivr_outcome == "queued" and facts.queue_exit != "EXITWITHKEY":
        return CallOutcome.ABANDONED, EndCause.IN_QUEUE
    if facts.queue_exit == "EXITWITHKEY":
        return CallOutcome.ABANDONED, EndCause.KEY
    return CallOutcome.ABANDONED, EndCause.IN_MENU

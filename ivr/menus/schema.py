"""The hotline config format (YAML): the single source of truth for its shape.

Field-level checks live here; checks that need the whole config (dangling targets,
unreachable nodes, loops with no exit...) live in `ivr.menus.validate`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ivr.menus.scenario_schema import Scenario
from queues.catalogue import AgentSpec, QueueSpec

# Languages a prompt may be written in: the Say languages Twilio speaks for these markets.
LANGUAGES = frozenset({"zh-CN", "cmn-CN", "zh-HK", "yue-HK", "zh-TW", "en-US", "en-GB"})
KEYS = frozenset("0123456789*#")
_HHMM_RANGE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
_NODE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = dict[str, str]
"""A prompt: language code → text, e.g. {"zh-CN": "欢迎致电95598"}."""


class SubmenuAction(Strict):
    type: Literal["submenu"]
    node: str


class QueueAction(Strict):
    type: Literal["queue"]
    queue: str
    category: str = ""


class HangupAction(Strict):
    """Say a message, then hang up."""

    type: Literal["hangup"]
    prompt: Text = {}


class TransferAction(Strict):
    type: Literal["transfer"]
    number: str

    @field_validator("number")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.fullmatch(value):
            raise ValueError("must be a phone number: digits with an optional leading +")
        return value


class VoicemailAction(Strict):
    type: Literal["voicemail"]
    prompt: Text = {}
    max_seconds: int = Field(default=120, ge=5, le=600)


class BackAction(Strict):
    type: Literal["back"]


class RepeatAction(Strict):
    type: Literal["repeat"]


class OperatorAction(Strict):
    type: Literal["operator"]


Action = Annotated[
    SubmenuAction
    | QueueAction
    | HangupAction
    | TransferAction
    | VoicemailAction
    | BackAction
    | RepeatAction
    | OperatorAction,
    Field(discriminator="type"),
]


class Option(Strict):
    key: str
    label: str
    speech: list[str] = []
    action: Action

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if value not in KEYS:
            raise ValueError("must be one key: 0-9, * or #")
        return value


class Node(Strict):
    prompt: Text = {}
    audio: str | None = None
    options: list[Option] = []
    timeout: int = Field(default=5, ge=1, le=30)
    retries: int = Field(default=2, ge=0, le=5)
    fallback: Action = OperatorAction(type="operator")


class Menu(Strict):
    start: str
    nodes: dict[str, Node]

    @field_validator("nodes")
    @classmethod
    def _node_ids(cls, value: dict[str, Node]) -> dict[str, Node]:
        for node_id in value:
            if not _NODE_ID.fullmatch(node_id):
                raise ValueError(
                    f"node id {node_id!r}: letters, digits, _ and -, starting with a letter"
                )
        return value


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


def _check_ranges(ranges: list[str]) -> list[str]:
    for item in ranges:
        match = _HHMM_RANGE.fullmatch(item)
        if not match:
            raise ValueError(f"{item!r}: expected HH:MM-HH:MM")
        start = int(match[1]) * 60 + int(match[2])
        end = int(match[3]) * 60 + int(match[4])
        if start >= end or end > 24 * 60:
            raise ValueError(f"{item!r}: the end must come after the start, at most 24:00")
    return ranges


Ranges = Annotated[list[str], AfterValidator(_check_ranges)]
"""Time ranges within a day, e.g. ["08:00-12:00", "13:30-18:00"]."""


class DateOverride(Strict):
    date: date
    hours: Ranges = []  # empty: closed all day
    note: str = ""


class Hours(Strict):
    """Opening hours in the hotline's time zone.

    `weekly` gives each weekday's ranges (a missing day is closed). With `cn_calendar`,
    Chinese public holidays use `holiday` ranges and make-up workdays (调休) use `makeup`
    ranges. `overrides` beat everything for their date.
    """

    always_open: bool = False
    weekly: dict[Weekday, Ranges] = {}
    cn_calendar: bool = True
    holiday: Ranges = []
    makeup: Ranges = []
    overrides: list[DateOverride] = []


class ClosedPolicy(Strict):
    prompt: Text
    action: Action = HangupAction(type="hangup")


class VipPolicy(Strict):
    """What a caller with a VIP class hears and where they go first."""

    classes: list[str] = []  # empty: every VIP class
    greeting: Text = {}
    action: Action


class Messages(Strict):
    """Stock phrases; each must have the hotline's language."""

    invalid: Text
    no_input: Text
    goodbye: Text
    apology: Text
    transfer: Text = {}


class Hotline(Strict):
    id: str
    name: str
    numbers: list[str] = Field(min_length=1)
    language: str
    voice: str = "alice"
    timezone: str = "Asia/Shanghai"
    greeting: Text = {}
    hours: Hours = Hours(always_open=True)
    closed: ClosedPolicy | None = None
    vip: VipPolicy | None = None
    operator: Action = QueueAction(type="queue", queue="general")
    messages: Messages
    menu: Menu

    @field_validator("numbers")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        for number in value:
            if not _PHONE.fullmatch(number):
                raise ValueError(f"{number!r}: digits with an optional leading +")
        return value


class Caller(Strict):
    phone: str  # as the carrier sends `From`, e.g. +8613800138000
    name: str = ""
    account: str = ""
    vip: str | None = None  # a VIP class (gold, platinum...); None for a regular caller

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.fullmatch(value):
            raise ValueError("must be a phone number: digits with an optional leading +")
        return value


class Config(Strict):
    """A whole hotline config: what `hotline config import` publishes as one version."""

    queues: dict[str, QueueSpec]
    hotlines: list[Hotline] = Field(min_length=1)
    callers: list[Caller] = []
    agents: list[AgentSpec] = []
    scenarios: list[Scenario] = []  # flow tests, run before every publish

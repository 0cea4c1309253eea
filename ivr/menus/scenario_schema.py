"""The format of flow tests (`scenarios:` in a config): a call played through the menus,
and where it must end."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

#: The wall clock a scenario's `at` is read in when it carries no offset.
SCENARIO_TIMEZONE = ZoneInfo("Asia/Shanghai")
_KEYS = re.compile(r"^[0-9*#]*$")
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
FinalAction = Literal["queue", "hangup", "transfer", "voicemail"]
_ACTIONS = ", ".join(get_args(FinalAction))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(_Strict):
    """What one menu step receives: keys pressed (one key per step), speech, or nothing.

    Written in YAML as a string of keys (`"1"`, `"*"`; `"21"` is two steps, 2 then 1),
    `""` for a caller who stays silent until the menu times out, or `{say: 停电}`.
    """

    keys: str = ""
    say: str = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, bool | int | float):
            raise ValueError(f"write keys in quotes, e.g. '{value}' (YAML read a number)")
        if isinstance(value, str):
            return {"keys": value}
        return value

    @field_validator("keys")
    @classmethod
    def _keys(cls, value: str) -> str:
        if not _KEYS.fullmatch(value):
            raise ValueError(f"{value!r}: keys are 0-9, * and #; for speech write {{say: ...}}")
        return value

    @field_validator("say")
    @classmethod
    def _say(cls, value: str) -> str:
        if value and not value.strip():
            raise ValueError("empty speech; write '' for a silent caller")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Input:
        if self.keys and self.say:
            raise ValueError("one input is either keys or speech, not both")
        return self

    @model_serializer
    def _as_written(self) -> str | dict[str, str]:
        """Stored and exported the way an admin writes it: `"1"`, `""` or `{say: ...}`."""
        return {"say": self.say} if self.say else self.keys

    def steps(self) -> list[tuple[str, str]]:
        """(digits, speech) as each Gather would post them, in order."""
        if self.say:
            return [("", self.say)]
        return [(key, "") for key in self.keys] or [("", "")]


class Expect(_Strict):
    """Where the call must end: a queue, or a final action; and what must be heard."""

    queue: str | None = None
    action: FinalAction | None = None
    hears: list[str] = []

    @field_validator("hears", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("hears")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        if any(not fragment.strip() for fragment in value):
            raise ValueError("an empty fragment is heard in every call; leave it out")
        return value

    @model_validator(mode="after")
    def _an_end(self) -> Expect:
        if self.queue is None and self.action is None:
            raise ValueError("say where the call ends: queue: NAME or action: " + _ACTIONS)
        if self.queue is not None and self.action not in (None, "queue"):
            raise ValueError(f"queue: {self.queue} ends in a queue, not with action {self.action}")
        return self

    @property
    def final(self) -> FinalAction:
        return "queue" if self.queue is not None else self.action or "queue"


class Scenario(_Strict):
    """One flow test: who dials what, when, pressing or saying what, and the end expected."""

    name: str = Field(min_length=1)
    dial: str
    caller: str = ""  # as the carrier sends `From`; a listed caller brings their VIP class
    at: datetime | None = None  # Asia/Shanghai unless an offset is given
    inputs: list[Input] = []
    expect: Expect

    @field_validator("dial", "caller")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not _PHONE.fullmatch(value):
            raise ValueError(f"{value!r}: digits with an optional leading +")
        return value

    @field_validator("at")
    @classmethod
    def _in_shanghai(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=SCENARIO_TIMEZONE)
        return value

"""Twilio's form parameters, parsed at the edge into one frozen dataclass."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
MAX_DIGITS = 32
MAX_SPEECH = 500

E = TypeVar("E", bound=StrEnum)


class BadParams(ValueError):
    """The request lacks what every Twilio voice request carries; the message says what."""


class QueueResult(StrEnum):
    BRIDGED = "bridged"
    BRIDGING = "bridging-in-process"
    ERROR = "error"
    HANGUP = "hangup"
    LEAVE = "leave"
    REDIRECTED = "redirected"
    REDIRECTED_FROM_BRIDGED = "redirected-from-bridged"
    QUEUE_FULL = "queue-full"
    SYSTEM_ERROR = "system-error"


class CallStatus(StrEnum):
    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"


ENDED = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.BUSY,
        CallStatus.NO_ANSWER,
        CallStatus.FAILED,
        CallStatus.CANCELED,
    }
)


def _int(raw: str | None) -> int:
    if raw is None:
        return 0
    try:
        return max(0, int(float(raw)))
    except ValueError:
        return 0


def _enum(kind: type[E], raw: str | None) -> E | None:
    if not raw:
        return None
    try:
        return kind(raw.strip().lower())
    except ValueError:
        return None


@dataclass(frozen=True)
class VoiceRequest:
    call_sid: str
    caller: str
    dialled: str
    status: CallStatus | None
    digits: str = ""
    speech: str = ""
    queue_result: QueueResult | None = None
    queue_time: int = 0
    recording_url: str = ""
    recording_duration: int = 0
    dial_status: str = ""
    call_duration: int = 0

    @classmethod
    def parse(cls, form: Mapping[str, str]) -> VoiceRequest:
        call_sid = form.get("CallSid", "").strip()
        if not _CALL_SID.match(call_sid):
            raise BadParams(f"CallSid: expected CA followed by 32 hex digits, got {call_sid!r}")
        digits = "".join(c for c in form.get("Digits", "") if c in "0123456789*#")
        return cls(
            call_sid=call_sid,
            caller=form.get("From", "").strip()[:32],
            dialled=form.get("To", "").strip()[:32],
            status=_enum(CallStatus, form.get("CallStatus")),
            digits=digits[:MAX_DIGITS],
            speech=form.get("SpeechResult", "")[:MAX_SPEECH],
            queue_result=_enum(QueueResult, form.get("QueueResult")),
            queue_time=_int(form.get("QueueTime")),
            recording_url=form.get("RecordingUrl", "").strip()[:1000],
            recording_duration=_int(form.get("RecordingDuration")),
            dial_status=form.get("DialCallStatus", "").strip().lower()[:32],
            call_duration=_int(form.get("CallDuration")),
        )

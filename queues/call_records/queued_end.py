"""The call-end webhook's facts (and a voicemail's) as plain data, so that a record the
database could not take is queued (routing/outbox.py) and written later as it would have
been at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from queues.call_records.cdr import CallRecord
from queues.voicemails import Voicemail

# What the call-end webhook knows (ivr/webhooks/endings.py), and nothing the router writes;
# but for a call Redis forgot while it talked, who hung up and the talk time come from the
# callbacks (switchboard/agent_legs.py), and stay unknown (None) otherwise.
TEXT_FIELDS = (
    "hotline_id", "caller", "dialled", "vip_class", "path", "queue", "outcome", "completed_by",
)  # fmt: skip
TIME_FIELDS = ("arrived_at", "ended_at")
NUMBER_FIELDS = ("config_version", "duration_s")
OPTIONAL_NUMBER_FIELDS = ("talk_ms",)


def end_payload(record: CallRecord) -> dict[str, Any]:
    """The record's webhook facts as JSON-ready data."""
    payload: dict[str, Any] = {name: getattr(record, name) or "" for name in TEXT_FIELDS}
    for name in TIME_FIELDS:
        value: datetime | None = getattr(record, name)
        payload[name] = value.isoformat() if value is not None else None
    for name in NUMBER_FIELDS:
        payload[name] = int(getattr(record, name) or 0)
    for name in OPTIONAL_NUMBER_FIELDS:
        number: int | None = getattr(record, name)
        payload[name] = None if number is None else int(number)
    return payload


def end_from_payload(call_sid: str, payload: Mapping[str, Any]) -> CallRecord:
    """The record `end_payload` was made from; ValueError names a field it cannot read."""
    values: dict[str, Any] = {"call_sid": call_sid}
    for name in TEXT_FIELDS:
        values[name] = str(payload.get(name) or "")
    for name in TIME_FIELDS:
        raw = payload.get(name)
        try:
            values[name] = datetime.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):
            raise ValueError(f"{name}: not an ISO timestamp: {raw!r}") from None
    for name in NUMBER_FIELDS:
        raw = payload.get(name, 0)
        if not isinstance(raw, int):
            raise ValueError(f"{name}: a whole number expected, got {raw!r}")
        values[name] = raw
    for name in OPTIONAL_NUMBER_FIELDS:
        raw = payload.get(name)
        if raw is not None and not isinstance(raw, int):
            raise ValueError(f"{name}: a whole number or null expected, got {raw!r}")
        values[name] = raw
    if values["arrived_at"] is None:
        raise ValueError("arrived_at: required")
    return CallRecord(**values)


def voicemail_payload(row: Voicemail) -> dict[str, Any]:
    return {
        "hotline_id": row.hotline_id,
        "caller": row.caller,
        "recording_url": row.recording_url,
        "duration_s": int(row.duration_s or 0),
        "path": row.path or "",
        "created_at": row.created_at.isoformat(),
    }


def voicemail_from_payload(call_sid: str, payload: Mapping[str, Any]) -> Voicemail:
    """The row `voicemail_payload` was made from; ValueError names a field it cannot read."""
    try:
        created_at = datetime.fromisoformat(str(payload["created_at"]))
    except (KeyError, ValueError):
        raise ValueError(
            f"created_at: not an ISO timestamp: {payload.get('created_at')!r}"
        ) from None
    duration = payload.get("duration_s", 0)
    if not isinstance(duration, int):
        raise ValueError(f"duration_s: a whole number expected, got {duration!r}")
    return Voicemail(
        call_sid=call_sid,
        hotline_id=str(payload.get("hotline_id") or ""),
        caller=str(payload.get("caller") or ""),
        recording_url=str(payload.get("recording_url") or ""),
        duration_s=duration,
        path=str(payload.get("path") or ""),
        created_at=created_at,
    )

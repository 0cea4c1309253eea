"""Writes SQL must receive, queued on the router's event stream while it cannot take them.

A web handler that finds the database unavailable puts its write here instead and answers
"saving"; the event sink's consumer group applies each entry exactly once when the database
is back (switchboard/event_sink.py), and the writer's agent is told "saved".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import redis.asyncio as aioredis

from routing.keys import Keys


class OutboxKind(StrEnum):
    """What a queued write is; never an Asterisk event name (routing/events.py)."""

    CALLEND = "CALLEND"  # the call-end webhook's facts for the call record
    WRAPUP = "WRAPUP"  # an agent's wrap-up form for the call's work order
    VOICEMAIL = "VOICEMAIL"  # a caller's recorded message


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued write: its stream id, kind, when it was asked (ms), call, agent, data."""

    id: str
    kind: OutboxKind
    at_ms: int
    call_id: str
    agent_id: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_entry(cls, entry_id: str, fields: Mapping[str, str]) -> OutboxEntry:
        data = json.loads(fields.get("data", "{}"))
        if not isinstance(data, dict):
            raise ValueError(f"data: a JSON object expected, got {type(data).__name__}")
        return cls(
            id=entry_id,
            kind=OutboxKind(fields["ev"]),
            at_ms=int(fields["t"]),
            call_id=fields.get("call", ""),
            agent_id=fields.get("agent", ""),
            data=data,
        )


def is_outbox(fields: Mapping[str, str] | None) -> bool:
    """Whether a stream entry is a queued write rather than a router event."""
    return fields is not None and fields.get("ev", "") in OutboxKind.__members__


async def put(
    redis: aioredis.Redis,
    keys: Keys,
    kind: OutboxKind,
    *,
    call_id: str,
    agent_id: str,
    at_ms: int,
    data: Mapping[str, Any],
) -> str:
    """Queue one write; its stream id. Raises when Redis cannot take it either: then
    nothing is stored anywhere, and the caller must say so rather than "saving"."""
    fields = {
        "ev": kind.value,
        "t": str(at_ms),
        "call": call_id,
        "agent": agent_id,
        "data": json.dumps(dict(data), ensure_ascii=False, default=str),
    }
    return cast(str, await redis.xadd(keys.events(), fields))  # type: ignore[arg-type]


async def pending_writes(redis: aioredis.Redis, keys: Keys, group: str) -> int:
    """How many stream entries the event sink's group has not yet written to SQL (read or
    not): the backlog a database outage builds up. 0 before the group exists."""
    try:
        groups = await redis.xinfo_groups(keys.events())
    except aioredis.ResponseError:
        return 0  # no stream yet
    for info in groups:
        if info.get("name") == group:
            lag = info.get("lag")
            unread = int(lag) if lag is not None else 0
            return int(info.get("pending", 0)) + unread
    return 0

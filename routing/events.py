"""The router's event stream: Asterisk queue_log names, written by the scripts themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast

import redis.asyncio as aioredis

from routing.keys import Keys


class EventName(StrEnum):
    """queue_log event names, as Asterisk app_queue writes them."""

    ENTERQUEUE = "ENTERQUEUE"
    OFFER = "OFFER"  # a reservation: the agent's phone rings
    CONNECT = "CONNECT"
    RINGNOANSWER = "RINGNOANSWER"  # offer failed: reject, busy, no_answer, failed (see cause)
    RINGCANCELED = "RINGCANCELED"  # offer withdrawn: lease expired, agent left, caller left
    ABANDON = "ABANDON"
    EXITWITHTIMEOUT = "EXITWITHTIMEOUT"
    EXITWITHKEY = "EXITWITHKEY"
    EXITEMPTY = "EXITEMPTY"
    JOINEMPTY = "JOINEMPTY"
    FULL = "FULL"
    COMPLETECALLER = "COMPLETECALLER"
    COMPLETEAGENT = "COMPLETEAGENT"
    PAUSE = "PAUSE"
    UNPAUSE = "UNPAUSE"
    ADDMEMBER = "ADDMEMBER"
    REMOVEMEMBER = "REMOVEMEMBER"


@dataclass(frozen=True, slots=True)
class RouterEvent:
    """One stream entry: what happened, when (router clock, ms), to which call and agent."""

    id: str
    name: EventName
    at_ms: int
    call_id: str
    queue: str
    agent_id: str
    data: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_entry(cls, entry_id: str, fields: Mapping[str, str]) -> RouterEvent:
        rest = {k: v for k, v in fields.items() if k not in ("ev", "t", "call", "queue", "agent")}
        return cls(
            id=entry_id,
            name=EventName(fields["ev"]),
            at_ms=int(fields["t"]),
            call_id=fields.get("call", ""),
            queue=fields.get("queue", ""),
            agent_id=fields.get("agent", ""),
            data=rest,
        )


async def read_events(
    redis: aioredis.Redis, keys: Keys, *, after: str = "-", count: int = 1000
) -> list[RouterEvent]:
    """Up to `count` events after the id `after` (exclusive), oldest first."""
    start = "-" if after == "-" else f"({after}"
    entries = cast(
        list[tuple[str, dict[str, str]]], await redis.xrange(keys.events(), min=start, count=count)
    )
    return [RouterEvent.from_entry(entry_id, fields) for entry_id, fields in entries]

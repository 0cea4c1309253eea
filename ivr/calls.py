"""Per-call facts kept in Redis while a call lasts: hotline, version, caller, menu path.

Every write is idempotent (HSETNX for first facts, fixed fields per menu depth), so a
retried webhook changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis

from routing.keys import Keys

CALL_TTL_SECONDS = 6 * 3600
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class CallFacts:
    """What the server learnt when the call arrived."""

    call_sid: str
    hotline_id: str
    version: int
    caller: str
    dialled: str
    vip_class: str
    arrived_ms: int

    def fields(self) -> dict[str, str]:
        return {
            "hotline": self.hotline_id,
            "version": str(self.version),
            "caller": self.caller,
            "dialled": self.dialled,
            "vip": self.vip_class,
            "arrived_ms": str(self.arrived_ms),
        }

    @classmethod
    def from_fields(cls, call_sid: str, fields: dict[str, str]) -> CallFacts | None:
        try:
            return cls(
                call_sid=call_sid,
                hotline_id=fields["hotline"],
                version=int(fields["version"]),
                caller=fields.get("caller", ""),
                dialled=fields.get("dialled", ""),
                vip_class=fields.get("vip", ""),
                arrived_ms=int(fields["arrived_ms"]),
            )
        except (KeyError, ValueError):
            return None


class CallState:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def arrive(self, facts: CallFacts) -> CallFacts:
        """Record the call's first facts once; a retry gets back the first delivery's facts."""
        key = self._keys.call(facts.call_sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            for field, value in facts.fields().items():
                pipe.hsetnx(key, field, value)
            pipe.expire(key, CALL_TTL_SECONDS)
            pipe.hgetall(key)
            results = await pipe.execute()
        stored = CallFacts.from_fields(facts.call_sid, results[-1])
        return stored if stored is not None else facts

    async def facts(self, call_sid: str) -> tuple[CallFacts | None, dict[str, str]]:
        fields = cast(dict[str, str], await self._redis.hgetall(self._keys.call(call_sid)))
        return CallFacts.from_fields(call_sid, fields), fields

    async def select(self, call_sid: str, depth: int, choice: str) -> None:
        """Record the caller's choice at a menu depth (a later choice at the same depth wins)."""
        key = self._keys.call(call_sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, f"p{depth}", choice)
            pipe.expire(key, CALL_TTL_SECONDS)
            await pipe.execute()

    async def path(self, call_sid: str, depth: int) -> str:
        """The choices that led to `depth`, e.g. `1 故障报修 > 1 停电`."""
        if depth <= 0:
            return ""
        fields = [f"p{d}" for d in range(depth)]
        values = cast(list[str | None], await self._redis.hmget(self._keys.call(call_sid), fields))
        return PATH_SEPARATOR.join(v for v in values if v)

    async def update(self, call_sid: str, **fields: str) -> None:
        key = self._keys.call(call_sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=cast(Mapping[Any, Any], fields))
            pipe.expire(key, CALL_TTL_SECONDS)
            await pipe.execute()

"""Per-call facts kept in Redis while a call lasts: hotline, version, caller, menu path.

Each webhook makes at most one operation here (a Lua script per step, sent with the other
webhooks' operations of the same event-loop turn), and every write is idempotent, so a
retried webhook changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

import redis.asyncio as aioredis

from routing.batching import EMPTY_PRELUDE, FunctionLibrary, OperationBatcher, batch_library
from routing.keys import Keys

CALL_TTL_SECONDS = 6 * 3600
#: How long an ended call is remembered: longer than its facts, and than any carrier retry.
ENDED_TTL_SECONDS = 48 * 3600
#: The call-state operations (`arrive.lua`, `record.lua`, `mark_ended.lua`, `ended.lua`);
#: each is one webhook's step.
OPERATIONS = ("arrive", "record", "mark_ended", "ended")


@cache
def batch_library_source() -> tuple[str, str]:
    """The call-state operations as one batch library (`routing.batching`)."""
    folder = resources.files(__package__)
    bodies = {op: folder.joinpath(f"{op}.lua").read_text("utf-8") for op in OPERATIONS}
    return batch_library("hotline_calls", [EMPTY_PRELUDE], bodies)


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


@dataclass(frozen=True)
class Recorded:
    """What a recorded step tells back: the path (when asked for) and the VIP class."""

    path: str | None
    vip_class: str


def _pairs(fields: dict[str, str]) -> list[str]:
    return [item for pair in fields.items() for item in pair]


class CallState:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._batcher = OperationBatcher(FunctionLibrary(redis, *batch_library_source()))

    async def arrive(self, facts: CallFacts, **extra: str) -> CallFacts:
        """Record the call's first facts (and `extra` fields) once; a retry gets back the
        first delivery's facts."""
        stored = await self._batcher.run(
            "arrive",
            self._keys.call(facts.call_sid),
            [CALL_TTL_SECONDS, *_pairs(facts.fields() | extra)],
        )
        if not stored:
            return facts
        flat = cast(list[str], stored)
        first = CallFacts.from_fields(facts.call_sid, dict(zip(flat[::2], flat[1::2], strict=True)))
        return first if first is not None else facts

    async def facts(self, call_sid: str) -> tuple[CallFacts | None, dict[str, str]]:
        fields = cast(dict[str, str], await self._redis.hgetall(self._keys.call(call_sid)))
        return CallFacts.from_fields(call_sid, fields), fields

    async def record(
        self,
        call_sid: str,
        *,
        choice: tuple[int, str] | None = None,
        path_depth: int | None = None,
        **fields: str,
    ) -> Recorded:
        """One step of the call, in one operation: the caller's `choice` at a menu depth
        (a later choice at the same depth wins), then with `path_depth` the path of the
        first `path_depth` choices (e.g. `1 故障报修 > 1 停电`) stored and returned, then
        `fields`; the caller's VIP class comes back too (for queueing)."""
        depth, label = choice if choice is not None else (0, "")
        result: Any = await self._batcher.run(
            "record",
            self._keys.call(call_sid),
            [
                CALL_TTL_SECONDS,
                depth,
                label,
                -1 if path_depth is None else path_depth,
                *_pairs(fields),
            ],
        )
        path, vip = cast(list[str], result)
        return Recorded(path if path_depth is not None else None, vip)

    async def update(self, call_sid: str, **fields: str) -> None:
        await self.record(call_sid, choice=None, path_depth=None, **fields)

    async def end(self, call_sid: str) -> None:
        """Remember that the call ended, apart from its facts (which may be gone first)."""
        await self._batcher.run("mark_ended", self._keys.ended_call(call_sid), [ENDED_TTL_SECONDS])

    async def has_ended(self, call_sid: str) -> bool:
        """Asked on every step of the caller's path: an operation sent with the others of
        the same event-loop turn."""
        return bool(await self._batcher.run("ended", self._keys.ended_call(call_sid), []))

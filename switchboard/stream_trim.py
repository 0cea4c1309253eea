"""Trimming the router's event stream behind what every consumer group has stored, so that
no entry is dropped before SQL has it, however long the database is away.

The router's scripts cap the stream only far above a normal backlog (routing/lua/lib.lua):
that cap bounds Redis's memory in an outage of many hours, this trim keeps the stream to
its last `keep_s` seconds the rest of the time (for readers of recent events, as the old
cap of about 100,000 entries did at a busy hour).
"""

from __future__ import annotations

import logging
from typing import Any

import redis.asyncio as aioredis

log = logging.getLogger(__name__)


def after(entry_id: str) -> str:
    """The smallest stream id greater than `entry_id`."""
    ms, _, seq = entry_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


async def _floor(redis: aioredis.Redis, stream: str, group: dict[str, Any]) -> str:
    """The oldest id the group still needs: its oldest pending entry, else the next unread."""
    if int(group.get("pending", 0)):
        summary = await redis.xpending(stream, group["name"])
        oldest = summary.get("min")
        if oldest:
            return str(oldest)
    return after(str(group.get("last-delivered-id") or "0-0"))


def _order(entry_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in entry_id.split("-"))


async def trim_stored(redis: aioredis.Redis, stream: str, *, keep_s: float = 600.0) -> int:
    """Drop the entries every group has acknowledged and older than `keep_s` seconds (by
    Redis's clock, which stamps the ids); how many went. Nothing without a group (nobody
    has stored anything yet)."""
    try:
        groups = await redis.xinfo_groups(stream)
    except aioredis.ResponseError:
        return 0  # no stream yet
    if not groups:
        return 0
    seconds, micros = await redis.time()
    kept = f"{int(seconds) * 1000 + int(micros) // 1000 - int(keep_s * 1000)}-0"
    floors = [kept, *[await _floor(redis, stream, group) for group in groups]]
    oldest = min(floors, key=_order)
    dropped = int(await redis.xtrim(stream, minid=oldest, approximate=False))
    if dropped:
        log.debug("event sink: trimmed %d stored entries before %s", dropped, oldest)
    return dropped

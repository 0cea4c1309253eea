"""Trimming the router's event stream behind what every consumer group has stored, so that
no entry is dropped before SQL has it, however long the database is away.

The router's scripts cap the stream only far above a normal backlog (routing/lua/lib.lua):
that cap bounds Redis's memory in an outage of many hours, this trim keeps the stream short
the rest of the time.
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


async def trim_stored(redis: aioredis.Redis, stream: str) -> int:
    """Drop the entries every group has acknowledged; how many went. Nothing without a
    group (nobody has stored anything yet)."""
    try:
        groups = await redis.xinfo_groups(stream)
    except aioredis.ResponseError:
        return 0  # no stream yet
    if not groups:
        return 0
    floors = [await _floor(redis, stream, group) for group in groups]
    oldest = min(floors, key=lambda f: tuple(int(p) for p in f.split("-")))
    dropped = int(await redis.xtrim(stream, minid=oldest, approximate=False))
    if dropped:
        log.debug("event sink: trimmed %d stored entries before %s", dropped, oldest)
    return dropped

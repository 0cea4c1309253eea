"""The event stream is trimmed behind what is stored, never past an entry still pending or
not yet read, so a long database outage drops nothing."""

from __future__ import annotations

from typing import Any, cast

import redis.asyncio as aioredis

from routing.keys import Keys
from switchboard.stream_trim import after, trim_stored


async def ids(redis: aioredis.Redis, stream: str) -> list[str]:
    return [entry_id for entry_id, _ in cast(list[tuple[str, Any]], await redis.xrange(stream))]


async def test_only_acknowledged_entries_are_trimmed(redis: aioredis.Redis, keys: Keys) -> None:
    stream = keys.events()
    assert await trim_stored(redis, stream, keep_s=0) == 0  # no stream: nothing to do
    written = [await redis.xadd(stream, {"ev": "OFFER", "n": str(n)}) for n in range(6)]
    assert await trim_stored(redis, stream, keep_s=0) == 0  # no group: nobody has stored anything
    await redis.xgroup_create(stream, "cdr", id="0")
    await redis.xreadgroup("cdr", "dead", {stream: ">"}, count=2)  # read, never stored
    await redis.xreadgroup("cdr", "live", {stream: ">"}, count=2)
    await redis.xack(stream, "cdr", written[2], written[3])
    assert (
        await trim_stored(redis, stream, keep_s=0) == 0
    )  # the dead consumer's entries hold the rest
    assert await ids(redis, stream) == written

    await redis.xack(stream, "cdr", written[0], written[1])
    await trim_stored(redis, stream, keep_s=0)
    assert await ids(redis, stream) == written[4:]  # stored ones go, unread ones stay


async def test_a_second_group_keeps_what_it_has_not_read(redis: aioredis.Redis, keys: Keys) -> None:
    stream = keys.events()
    written = [await redis.xadd(stream, {"ev": "OFFER", "n": str(n)}) for n in range(3)]
    await redis.xgroup_create(stream, "cdr", id="0")
    await redis.xgroup_create(stream, "reports", id="0")
    read = await redis.xreadgroup("cdr", "c1", {stream: ">"})
    assert read
    await redis.xack(stream, "cdr", *written)
    await trim_stored(redis, stream, keep_s=0)
    assert await ids(redis, stream) == written


def test_the_next_id() -> None:
    assert after("1700000000000-7") == "1700000000000-8"
    assert after("0-0") == "0-1"


async def test_recent_entries_stay_for_their_readers(redis: aioredis.Redis, keys: Keys) -> None:
    stream = keys.events()
    written = [await redis.xadd(stream, {"ev": "OFFER", "n": str(n)}) for n in range(3)]
    await redis.xgroup_create(stream, "cdr", id="0")
    await redis.xreadgroup("cdr", "c1", {stream: ">"})
    await redis.xack(stream, "cdr", *written)
    assert await trim_stored(redis, stream) == 0  # stored, but younger than ten minutes
    assert await ids(redis, stream) == written

"""Queued writes on the router's event stream: what is put is read back as it was, and the
backlog counts what the sink's group has not yet stored."""

from __future__ import annotations

from typing import Any, cast

import pytest
import redis.asyncio as aioredis

from routing import outbox
from routing.keys import Keys
from routing.outbox import OutboxEntry, OutboxKind, is_outbox, pending_writes


async def test_a_queued_write_reads_back_as_it_was_put(redis: aioredis.Redis, keys: Keys) -> None:
    entry_id = await outbox.put(
        redis,
        keys,
        OutboxKind.WRAPUP,
        call_id="CA1",
        agent_id="a1001",
        at_ms=1_700_000_000_123,
        data={"form": {"description": "整栋楼停电"}, "actor": "a1001"},
    )
    [(read_id, fields)] = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events()))
    assert read_id == entry_id
    assert is_outbox(fields)
    assert OutboxEntry.from_entry(read_id, fields) == OutboxEntry(
        id=entry_id,
        kind=OutboxKind.WRAPUP,
        at_ms=1_700_000_000_123,
        call_id="CA1",
        agent_id="a1001",
        data={"form": {"description": "整栋楼停电"}, "actor": "a1001"},
    )


def test_router_events_and_bad_entries_are_told_apart() -> None:
    assert not is_outbox({"ev": "CONNECT", "t": "1"})
    assert not is_outbox(None)
    with pytest.raises(ValueError, match="JSON object"):
        OutboxEntry.from_entry("1-0", {"ev": "CALLEND", "t": "1", "data": "[1]"})


async def test_the_backlog_is_what_the_group_has_not_acknowledged(
    redis: aioredis.Redis, keys: Keys
) -> None:
    assert await pending_writes(redis, keys, "cdr") == 0  # no stream yet
    for n in range(3):
        await outbox.put(
            redis, keys, OutboxKind.CALLEND, call_id=f"CA{n}", agent_id="", at_ms=n, data={}
        )
    await redis.xgroup_create(keys.events(), "cdr", id="0")
    await redis.xreadgroup("cdr", "c1", {keys.events(): ">"}, count=2)
    assert await pending_writes(redis, keys, "cdr") == 3  # two read, one not yet
    read = cast(list[tuple[str, Any]], await redis.xrange(keys.events(), count=2))
    await redis.xack(keys.events(), "cdr", *(entry_id for entry_id, _ in read))
    assert await pending_writes(redis, keys, "cdr") == 1

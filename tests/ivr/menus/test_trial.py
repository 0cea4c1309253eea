"""The trial pointer: who is a test caller, and ending a trial only if it is still ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from ivr.menus.trial import TestCallers, Trial, TrialPointer
from routing.keys import Keys

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def trial(version: int, draft_id: int) -> Trial:
    return Trial(version, draft_id, "admin", NOW + timedelta(minutes=30))


def test_test_callers_match_in_every_form_the_carrier_may_send() -> None:
    callers = TestCallers(("+8613800000999",))
    assert "+8613800000999" in callers
    assert "13800000999" in callers
    assert "008613800000999" in callers
    assert "+8613800000998" not in callers
    assert "" not in callers
    assert not TestCallers(())
    assert callers.numbers == ["+8613800000999"]


async def test_a_trial_round_trips_and_stops(redis: aioredis.Redis, keys: Keys) -> None:
    pointer = TrialPointer(redis, keys, TestCallers(("+8613800000999",)))
    assert await pointer.current() is None
    await pointer.start(trial(7, 3), now=NOW)
    assert await pointer.current() == trial(7, 3)
    assert await pointer.version_for("+8613800000999") == 7
    assert await pointer.version_for("+8613600000000") is None
    assert await pointer.stop() == trial(7, 3)
    assert await pointer.stop() is None
    assert await pointer.version_for("+8613800000999") is None


async def test_stopping_a_drafts_trial_leaves_another_drafts_trial(
    redis: aioredis.Redis, keys: Keys
) -> None:
    pointer = TrialPointer(redis, keys)
    await pointer.start(trial(7, 3), now=NOW)
    assert await pointer.stop_draft(4) is False
    assert await pointer.current() == trial(7, 3)
    assert await pointer.stop_draft(3) is True
    assert await pointer.current() is None
    assert await pointer.stop_draft(3) is False


async def test_the_end_script_deletes_only_the_value_it_was_given(
    redis: aioredis.Redis, keys: Keys
) -> None:
    """What `stop_draft` relies on when another trial starts between its read and its end."""
    pointer = TrialPointer(redis, keys)
    await redis.set(keys.trial_config(), "newer")
    assert await pointer._end_if(keys=[keys.trial_config()], args=["older"]) == 0
    assert await redis.get(keys.trial_config()) == "newer"
    assert await pointer._end_if(keys=[keys.trial_config()], args=["newer"]) == 1
    assert await redis.exists(keys.trial_config()) == 0


async def test_a_pointer_not_written_by_us_is_no_trial(redis: aioredis.Redis, keys: Keys) -> None:
    pointer = TrialPointer(redis, keys, TestCallers(("+8613800000999",)))
    await redis.set(keys.trial_config(), "{not json")
    assert await pointer.current() is None
    assert await pointer.version_for("+8613800000999") is None


class NoRedis:
    """Any Redis command fails: proves a call asks Redis nothing."""

    def register_script(self, _source: str) -> object:
        return object()

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"Redis was asked {name}")


async def test_a_caller_who_is_not_a_test_caller_costs_no_redis_read() -> None:
    pointer = TrialPointer(NoRedis(), Keys("t"), TestCallers(("+8613800000999",)))  # type: ignore[arg-type]
    assert await pointer.version_for("+8613600000000") is None

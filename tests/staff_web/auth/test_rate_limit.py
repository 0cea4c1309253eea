"""Login rate limits: counted before the password check, atomically, with a passed-in clock."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from staff_web.auth.rate_limit import LoginLimiter, LoginLimits, TooManyAttempts

T0 = 1_800_000_000
LIMITS = LoginLimits(per_username=5, per_address=20, window_s=900)


@pytest.fixture
def limiter(redis: aioredis.Redis, keys: Keys) -> LoginLimiter:
    return LoginLimiter(redis, keys, LIMITS)


async def test_sixth_attempt_waits_for_the_window(limiter: LoginLimiter) -> None:
    for second in range(5):
        await limiter.attempt("a1001", "10.0.0.1", now=T0 + second)
    with pytest.raises(TooManyAttempts) as refused:
        await limiter.attempt("a1001", "10.0.0.1", now=T0 + 60)
    assert refused.value.retry_after == 900 - 60
    with pytest.raises(TooManyAttempts):
        await limiter.attempt("A1001 ", "10.0.0.2", now=T0 + 899)  # same user, other address
    await limiter.attempt("a1001", "10.0.0.1", now=T0 + 900)


async def test_other_usernames_are_not_blocked(limiter: LoginLimiter) -> None:
    for _ in range(5):
        await limiter.attempt("a1001", "10.0.0.1", now=T0)
    await limiter.attempt("a1002", "10.0.0.1", now=T0)


async def test_address_limit_covers_many_usernames(limiter: LoginLimiter) -> None:
    for n in range(20):
        await limiter.attempt(f"guess{n}", "10.0.0.9", now=T0)
    with pytest.raises(TooManyAttempts):
        await limiter.attempt("someone-else", "10.0.0.9", now=T0)
    await limiter.attempt("someone-else", "10.0.0.10", now=T0)


async def test_success_forgives_the_username_and_refunds_the_address(
    limiter: LoginLimiter,
) -> None:
    for _ in range(4):
        await limiter.attempt("a1001", "10.0.0.1", now=T0)
    await limiter.succeeded(await limiter.attempt("a1001", "10.0.0.1", now=T0))
    for _ in range(5):
        await limiter.attempt("a1001", "10.0.0.1", now=T0)
    with pytest.raises(TooManyAttempts):
        await limiter.attempt("a1001", "10.0.0.1", now=T0)


async def test_a_shift_signing_in_from_one_office_is_never_limited(
    limiter: LoginLimiter,
) -> None:
    for n in range(60):
        await limiter.succeeded(await limiter.attempt(f"agent{n}", "10.0.0.1", now=T0))


async def test_concurrent_guesses_cannot_overshoot(limiter: LoginLimiter) -> None:
    async def guess() -> bool:
        try:
            await limiter.attempt("a1001", "10.0.0.1", now=T0)
        except TooManyAttempts:
            return False
        return True

    allowed = await asyncio.gather(*(guess() for _ in range(50)))
    assert allowed.count(True) == 5


async def test_counters_expire_in_redis(
    limiter: LoginLimiter, redis: aioredis.Redis, keys: Keys
) -> None:
    await limiter.attempt("a1001", "10.0.0.1", now=T0)
    found = [key async for key in redis.scan_iter(match=keys.pattern())]
    assert len(found) == 2
    for key in found:
        assert 0 < await redis.ttl(key) <= 900
    assert not any("a1001" in key for key in found)  # usernames are hashed into keys


async def test_hammering_a_blocked_account_never_extends_the_block(
    limiter: LoginLimiter,
) -> None:
    """A temporary refusal, never a lock-out: refused attempts are not counted, so the
    account opens again when the window ends however many guesses came meanwhile."""
    for _ in range(5):
        await limiter.attempt("a1001", "10.0.0.1", now=T0)
    for second in range(1, 900, 3):
        with pytest.raises(TooManyAttempts) as refused:
            await limiter.attempt("a1001", f"10.0.1.{second % 250}", now=T0 + second)
        assert refused.value.retry_after == 900 - second
    await limiter.attempt("a1001", "10.0.0.1", now=T0 + 900)


async def test_a_blocked_address_says_when_to_retry_and_opens_again(
    limiter: LoginLimiter,
) -> None:
    for n in range(20):
        await limiter.attempt(f"guess{n}", "10.0.0.9", now=T0 + n)
    with pytest.raises(TooManyAttempts) as refused:
        await limiter.attempt("guess-more", "10.0.0.9", now=T0 + 100)
    assert refused.value.retry_after == 800
    await limiter.attempt("guess-more", "10.0.0.9", now=T0 + 900)

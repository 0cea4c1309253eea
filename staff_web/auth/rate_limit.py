"""Login rate limits per username and per client address, counted atomically in Redis."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import redis.asyncio as aioredis

from queues.staff import normalize_username
from routing.keys import Keys
from staff_web.auth.scripts import AuthScripts


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many failed sign-ins a username and an address get per window."""

    per_username: int = 5
    # Higher: a whole shift may sign in from one office address.
    per_address: int = 20
    window_s: int = 15 * 60


class TooManyAttempts(Exception):
    """Sign-in refused before checking the password; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Attempt:
    """One counted sign-in attempt: the two counters it was charged to."""

    username_key: str
    address_key: str


class LoginLimiter:
    """Counts every attempt before the password is checked; success forgives it."""

    # Counting first (one script checks and counts) means N concurrent guesses cannot all
    # slip through a "not blocked yet" check before any failure is recorded.

    def __init__(self, redis: aioredis.Redis, keys: Keys, limits: LoginLimits) -> None:
        self.keys = keys
        self.limits = limits
        self.scripts = AuthScripts.register(redis)

    def _keys(self, username: str, address: str) -> Attempt:
        # Hashed: whatever a client types as a username never becomes a raw key.
        who = hashlib.sha256(normalize_username(username).encode()).hexdigest()[:32]
        return Attempt(
            username_key=self.keys.login_attempts(f"user:{who}"),
            address_key=self.keys.login_attempts(f"addr:{address or 'unknown'}"),
        )

    async def attempt(self, username: str, address: str, *, now: int) -> Attempt:
        """Count an attempt, or raise TooManyAttempts when either counter is full."""
        attempt = self._keys(username, address)
        wait = int(
            await self.scripts.count_attempt(
                keys=[attempt.username_key, attempt.address_key],
                args=[
                    now,
                    self.limits.window_s,
                    self.limits.per_username,
                    self.limits.per_address,
                ],
            )
        )
        if wait > 0:
            raise TooManyAttempts(wait)
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the username starts afresh, the address is refunded."""
        await self.scripts.forgive_attempts(keys=[attempt.username_key, attempt.address_key])

"""Router fixtures: a Router on the shared `redis` fixture with a clock the test moves."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from routing.router import Router

T0 = 1_700_000_000_000  # a fixed epoch ms; tests move time by hand


@dataclass
class Clock:
    """An injected clock in epoch ms; `advance` moves it, nothing ever sleeps."""

    now: int = T0

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += int(seconds * 1000)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def router(redis: aioredis.Redis, keys: Keys, clock: Clock) -> Router:
    return Router(redis, keys, clock=clock, rng=random.Random(7), trace_sample=8)

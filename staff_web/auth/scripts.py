"""The sign-in Lua scripts: read once from the `.lua` files here, registered per client."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

SCRIPTS = ("touch_session", "count_attempt", "forgive_attempts")


@cache
def source(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.lua").read_text("utf-8")


@dataclass(frozen=True, slots=True)
class AuthScripts:
    """Every sign-in script registered on one client (EVALSHA, loading on NOSCRIPT)."""

    touch_session: AsyncScript
    count_attempt: AsyncScript
    forgive_attempts: AsyncScript

    @classmethod
    def register(cls, redis: aioredis.Redis) -> AuthScripts:
        return cls(**{name: redis.register_script(source(name)) for name in SCRIPTS})

"""The router's Lua scripts: read once from the `.lua` files here, registered per client."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

#: Shared helpers prepended, in this order, to every script.
LIBRARIES = ("lib.lua", "lib_agent.lua", "lib_match.lua")
SCRIPTS = (
    "enqueue",
    "match_queue",
    "match_agent",
    "accept",
    "release",
    "complete",
    "leave",
    "login",
    "presence",
    "reap",
)


@cache
def source(name: str) -> str:
    """The full text sent to Redis for script `name`: the libraries, then the script."""
    folder = resources.files(__package__)
    parts = [folder.joinpath(lib).read_text("utf-8") for lib in LIBRARIES]
    parts.append(folder.joinpath(f"{name}.lua").read_text("utf-8"))
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Scripts:
    """Every router script registered on one client (EVALSHA, loading on NOSCRIPT)."""

    enqueue: AsyncScript
    match_queue: AsyncScript
    match_agent: AsyncScript
    accept: AsyncScript
    release: AsyncScript
    complete: AsyncScript
    leave: AsyncScript
    login: AsyncScript
    presence: AsyncScript
    reap: AsyncScript

    @classmethod
    def register(cls, redis: aioredis.Redis) -> Scripts:
        return cls(**{name: redis.register_script(source(name)) for name in SCRIPTS})

    async def load_all(self) -> None:
        """SCRIPT LOAD every script now (start-up check; EVALSHA would load lazily)."""
        for name in SCRIPTS:
            script: AsyncScript = getattr(self, name)
            sha = await script.registered_client.script_load(script.script)
            if sha != script.sha:
                raise RuntimeError(f"script {name}: Redis computed sha {sha}, not {script.sha}")

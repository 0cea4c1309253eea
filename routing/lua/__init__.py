"""The router's Lua scripts: read once from the `.lua` files here, registered per client.

Each operation's file is the body of one function of `(KEY, ARGV)` (`routing.batching`);
the router's keys all come from the namespace, KEYS[1], so they leave KEY alone. Sent alone
an operation is a script of its own; `batch` carries every operation and runs a list of
them in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from routing.batching import batch_source, single_source

#: Shared helpers prepended, in this order, to every script.
LIBRARIES = ("lib.lua", "lib_agent.lua", "lib_match.lua")
#: The router's operations; each is a script of its own and an entry of `batch`.
OPERATIONS = (
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
SCRIPTS = (*OPERATIONS, "batch")


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


@cache
def source(name: str) -> str:
    """The full text sent to Redis for script `name`: the libraries, then the script."""
    libraries = [_read(lib) for lib in LIBRARIES]
    if name == "batch":
        return batch_source(libraries, {op: _read(f"{op}.lua") for op in OPERATIONS})
    return single_source(libraries, name, _read(f"{name}.lua"))


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
    batch: AsyncScript

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

"""The router's Lua: its operations and helpers, read once from the `.lua` files here.

Each operation's file is the body of one function of `(KEY, ARGV)` (`routing.batching`);
the router's keys all come from the namespace, KEYS[1], so they leave KEY alone. The router
sends its operations through one function library: the helpers, every operation and the
dispatcher of `batch.lua`, which runs a list of operations in one call.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import redis.asyncio as aioredis

from routing.batching import FunctionLibrary, batch_library

#: Shared helpers prepended, in this order, to the operations.
LIBRARIES = ("lib.lua", "lib_agent.lua", "lib_match.lua")
#: The router's operations, by the name `batch.lua` calls them.
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


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


@cache
def library() -> tuple[str, str]:
    """The router's function and the library sent to Redis: the helpers, the operations,
    the dispatcher."""
    libraries = [_read(lib) for lib in LIBRARIES]
    return batch_library("hotline_router", libraries, {op: _read(f"{op}.lua") for op in OPERATIONS})


def register(redis: aioredis.Redis) -> FunctionLibrary:
    """The router's function on one client (FCALL, loading the library when missing)."""
    return FunctionLibrary(redis, *library())

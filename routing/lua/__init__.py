"""The router's Lua: its operations and helpers, read once from the `.lua` files here.

Each operation's file is the body of one function of `(KEY, ARGV)` (`routing.batching`),
opened by a generated line that binds ARGV to locals named as `routing.contract` names the
operation's fields; the router's keys all come from the namespace, KEYS[1], so they leave
KEY alone. The router sends its operations through one function library: lib_call.lua,
the generated key builders and reply places (`routing.lua.prelude`), the helpers, every
operation and the dispatcher of `batch.lua`, which runs a list of operations in one call.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import redis.asyncio as aioredis

from routing.batching import FunctionLibrary, batch_library
from routing.contract import OPERATIONS as ARGUMENTS
from routing.lua.prelude import PRELUDE_NAMES, bind_arguments, prelude

#: What one call works with: first, before the generated prelude, which uses it.
BASICS = "lib_call.lua"
#: Shared helpers, after the generated prelude, in this order.
HELPERS = ("lib.lua", "lib_agent.lua", "lib_match.lua")
LIBRARIES = (BASICS, *HELPERS)
#: The router's operations, by the name `batch.lua` calls them.
OPERATIONS = tuple(ARGUMENTS)

_TOP_LEVEL = re.compile(r"^local (?:function )?([A-Za-z_][\w, ]*?)\s*(?:=|\(|$)", re.M)


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


def top_level_names(text: str) -> set[str]:
    """The names Lua source declares at its top level (lines `local ...` unindented)."""
    return {name.strip() for match in _TOP_LEVEL.findall(text) for name in match.split(",")}


@cache
def library() -> tuple[str, str]:
    """The router's function and the library sent to Redis: the helpers, the operations,
    the dispatcher."""
    basics, helpers = _read(BASICS), [_read(lib) for lib in HELPERS]
    taken = top_level_names("\n".join([basics, *helpers])) | PRELUDE_NAMES
    operations = {}
    for name, kind in ARGUMENTS.items():
        hidden = taken.intersection(kind._fields)
        if hidden:  # an argument named as a helper would hide it from the operation
            raise ValueError(f"{name}: arguments {sorted(hidden)} are named as helpers")
        operations[name] = f"{bind_arguments(kind)}\n{_read(f'{name}.lua')}"
    return batch_library("hotline_router", [basics, prelude(), *helpers], operations)


def register(redis: aioredis.Redis) -> FunctionLibrary:
    """The router's function on one client (FCALL, loading the library when missing)."""
    return FunctionLibrary(redis, *library())

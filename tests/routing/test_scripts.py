"""The router's library loads on this Redis; every Lua file is documented, short, 5.1-clean."""

from __future__ import annotations

import re
from importlib import resources
from typing import cast

import fakeredis
import pytest
import redis.asyncio as aioredis

from routing.batching import RedisTooOld, require_functions
from routing.lua import LIBRARIES, OPERATIONS, library, register

FOLDER = resources.files("routing.lua")
LUA_FILES = sorted(p.name for p in FOLDER.iterdir() if p.name.endswith(".lua"))


SCRIPTS = (*OPERATIONS, "batch")


def test_every_lua_file_is_a_known_script_or_library() -> None:
    assert set(LUA_FILES) == {f"{name}.lua" for name in SCRIPTS} | set(LIBRARIES)


async def test_the_library_loads(redis: aioredis.Redis) -> None:
    function = register(redis)
    await function.load()
    await function.load()  # already there: not an error
    listed = await redis.function_list(library=function.function)
    names = [dict(zip(entry[::2], entry[1::2], strict=True))["library_name"] for entry in listed]
    assert names == [function.function]


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_header_and_size(name: str) -> None:
    text = FOLDER.joinpath(f"{name}.lua").read_text("utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("--"))
    assert "KEYS[1]" in header
    assert "ARGV[1]" in header
    assert "Returns" in header
    code = [line for line in text.splitlines() if line.strip() and not line.startswith("--")]
    assert len(code) <= 60


@pytest.mark.parametrize("name", [*LIBRARIES, *(f"{n}.lua" for n in SCRIPTS)])
def test_lua_51_compatible(name: str) -> None:
    code = re.sub(r"--.*|'[^']*'", "", FOLDER.joinpath(name).read_text("utf-8"))  # no strings
    assert "//" not in code  # integer division is 5.3+
    assert not re.search(r"\bgoto\b|\btable\.move\b|&|~[^=]|<<|>>", code)
    assert "table.unpack" not in code.replace("unpack or table.unpack", "")


async def test_this_redis_runs_function_libraries(redis: aioredis.Redis) -> None:
    if isinstance(redis, fakeredis.FakeAsyncRedis):
        pytest.skip("the in-process stand-in has no INFO; the server checks real Redis only")
    await require_functions(redis)


class RedisAt:
    def __init__(self, version: str) -> None:
        self.version = version

    async def info(self, section: str | None = None) -> dict[str, str]:
        return {"redis_version": self.version}


@pytest.mark.parametrize("version", ["6.2.14", "5.0.7", "6"])
async def test_a_redis_before_7_is_refused_by_name(version: str) -> None:
    with pytest.raises(RedisTooOld, match=f"Redis {version} has no function libraries"):
        await require_functions(cast(aioredis.Redis, RedisAt(version)))


@pytest.mark.parametrize("version", ["7.0.0", "7.0.15", "7.4.1", "8.0.2", "10.0.0"])
async def test_redis_7_and_later_are_accepted(version: str) -> None:
    await require_functions(cast(aioredis.Redis, RedisAt(version)))


def test_the_library_is_named_by_its_text() -> None:
    name, text = library()
    assert text.startswith(f"#!lua name={name}\n")
    assert name.startswith("hotline_router_")
    assert text.endswith(f"redis.register_function('{name}', run_batch)")


def test_source_prepends_libraries() -> None:
    _, text = library()
    assert text.index("lib.lua:") < text.index("lib_agent.lua:") < text.index("accept.lua:")
    assert text.index("accept.lua:") < text.index("batch.lua:")

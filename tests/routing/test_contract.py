"""Python and the router's Lua agree on each operation's arguments, the offer's reply fields
and the keys, which are declared once in Python (routing.contract, routing.keys)."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import redis.asyncio as aioredis

from routing import contract
from routing.batching import FunctionLibrary, batch_library
from routing.contract import GRADE_FIELDS, OFFER_REPLY, OPERATIONS
from routing.keys import ROUTER_KEYS, Keys
from routing.lua import BASICS, LIBRARIES, register, top_level_names
from routing.lua.prelude import PRELUDE_NAMES, prelude
from routing.rules import QueueRules

FOLDER = resources.files("routing.lua")
LUA = {name: FOLDER.joinpath(name).read_text("utf-8") for name in LIBRARIES} | {
    f"{op}.lua": FOLDER.joinpath(f"{op}.lua").read_text("utf-8") for op in OPERATIONS
}


def code(text: str) -> str:
    """Lua without its comments."""
    return re.sub(r"--.*", "", text)


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_header_names_the_arguments_in_their_order(name: str) -> None:
    header = " ".join(line for line in LUA[f"{name}.lua"].splitlines() if line.startswith("--"))
    named = re.findall(r"ARGV\[(\d+)(\.\.)?\] (\w+)", header)
    fields = OPERATIONS[name]._fields
    assert [(int(n), field) for n, _, field in named] == list(enumerate(fields, start=1))
    rest = [field for _, dots, field in named if dots]
    assert rest == ([fields[-1]] if name in contract.SPREAD else [])


@pytest.mark.parametrize("name", OPERATIONS)
def test_operations_read_their_arguments_by_name_only(name: str) -> None:
    body = code(LUA[f"{name}.lua"])
    assert "ARGV" not in body  # bound to named locals by routing/lua/prelude.py
    for field in OPERATIONS[name]._fields:
        assert re.search(rf"\b{field}\b", body), f"{name}.lua never reads {field}"


def test_no_argument_hides_a_helper() -> None:
    helpers = top_level_names("\n".join(LUA[name] for name in LIBRARIES)) | PRELUDE_NAMES
    assert {"config", "census", "settle", "offer", "int", "begin_batch"} <= helpers
    for kind in OPERATIONS.values():
        assert not helpers.intersection(kind._fields), kind.__name__


def test_the_lua_builds_keys_only_with_the_python_builders() -> None:
    used = set()
    for name, text in LUA.items():
        body = code(text)
        assert not re.search(r"\bkey\(", body), name  # no key('family', ...) shorthand
        assert "B .." not in body, name  # no key joined from the namespace by hand
        used |= set(re.findall(r"\bK\.(\w+)", body))
    assert used == set(ROUTER_KEYS)
    assert set(ROUTER_KEYS) <= {name for name in dir(Keys) if not name.startswith("_")}


def test_the_lua_writes_every_reply_field_python_reads_and_no_other() -> None:
    body = code(LUA["lib_match.lua"])
    per_grade = {f"{f}_{g}" for g in contract.GRADES for f in GRADE_FIELDS}
    assert set(re.findall(r"\bout\[F\.(\w+)\]", body)) == set(OFFER_REPLY) - per_grade
    assert set(re.findall(r"\bout\[G\.(\w+)\]", body)) == set(GRADE_FIELDS)


# Each router key with arguments standing for what the Lua hands its builder: text, or a
# number where the key has a number part (grades, steps), which both forms must give alike.
SAMPLES: dict[str, tuple[tuple[str | int, ...], ...]] = {
    "agent": (("a1",),),
    "skills": (("a1",),),
    "queue": (("vip",),),
    "census": (("vip",),),
    "idle": (("vip", 3), ("vip", "3")),
    "staff": (("vip", 2), ("vip", "2")),
    "waiting": (("vip",),),
    "waiting_step": (("vip", 12), ("vip", "12")),
    "escalations": (("vip",),),
    "routed_call": (("CA123",),),
    "stats": (("vip",),),
}


def _lua_value(value: str | int) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


async def test_the_generated_builders_build_the_keys_python_builds(
    redis: aioredis.Redis, keys: Keys
) -> None:
    calls = [(name, args) for name in ROUTER_KEYS for args in SAMPLES.get(name, ((),))]
    built = ", ".join(f"K.{name}({', '.join(map(_lua_value, args))})" for name, args in calls)
    basics = FOLDER.joinpath(BASICS).read_text("utf-8")
    library = FunctionLibrary(
        redis,
        *batch_library("hotline_test_keys", [basics, prelude()], {"keys": f"return {{{built}}}"}),
    )
    reply = await library(keys=[keys.namespace()], args=[1, "keys", 0])
    python = [getattr(keys, name)(*args) for name, args in calls]
    assert reply == [1, python]


async def test_an_offer_reply_puts_each_field_where_python_reads_it(
    redis: aioredis.Redis, keys: Keys
) -> None:
    function = register(redis)
    await redis.hset(keys.queue("vip"), mapping=dict(QueueRules("vip").to_redis().items()))

    async def run(args: contract.Arguments) -> object:
        name, argv = contract.operation(args)
        reply = await function(keys=[keys.namespace()], args=[1, name, len(argv), *argv])
        assert reply[0] == 1, reply
        return reply[1]

    await run(contract.Login(agent="a1", now=1000, order=0, grades=("vip", 2)))
    await run(contract.Login(agent="a2", now=2000, order=0, grades=("vip", 2)))
    row = await run(
        contract.Enqueue(
            call="c1",
            queue="vip",
            now=5000,
            arrived=4000,
            priority_ms=0,
            rnd=0.5,
            sample=3,
            settle_limit=10,
            ttl_ms=60_000,
        )
    )
    assert isinstance(row, list)
    assert len(row) == len(OFFER_REPLY)
    field = dict(zip(OFFER_REPLY, row, strict=True))
    offer = {name: field[name] for name in contract.OFFER_FIELDS}
    assert offer == {
        "call": "c1",
        "agent": "a1",
        "queue": "vip",
        "token": 1,
        "lease": 35_000,
        "offered": 5000,
    }
    assert [field[name] for name in ("step", "opened", "lo", "hi", "floor")] == [0, 4000, 1, 4, 1]
    assert (field["direction"], field["strategy"]) == ("cheapest_first_escalate_up", "longest_idle")
    assert (field["skips"], field["waited"], field["grade"]) == ("", 1000, 2)
    assert [field[f"logged_in_{g}"] for g in contract.GRADES] == [0, 2, 0, 0]
    assert [field[f"on_break_{g}"] for g in contract.GRADES] == [0, 0, 0, 0]
    assert [field[f"idle_{g}"] for g in contract.GRADES] == [0, 1, 0, 0]
    assert [field[f"sampled_upto_{g}"] for g in contract.GRADES] == [0, 1, 1, 1]
    assert (field["sampled"], field["states"]) == ("a2", "0")

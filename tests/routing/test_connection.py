"""The hiredis-packing connection writes exactly the bytes redis-py's own encoder writes."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as aioredis
from hypothesis import given
from hypothesis import strategies as st
from redis.exceptions import DataError

from routing.connection import HiredisPackingConnection, connection_pool_options
from tests.conftest import REAL_REDIS_URL

ARGS = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.binary(max_size=20),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    max_size=12,
)


def python_packed(*args: object) -> bytes:
    return b"".join(aioredis.Connection().pack_command(*args))  # type: ignore[arg-type]


def hiredis_packed(*args: object) -> bytes:
    return b"".join(HiredisPackingConnection().pack_command(*args))  # type: ignore[arg-type]


@given(name=st.sampled_from(["EVALSHA", "HSET", "SCRIPT LOAD", b"CLIENT SETNAME"]), args=ARGS)
def test_same_bytes_as_redis_py(name: str | bytes, args: list[object]) -> None:
    assert hiredis_packed(name, *args) == python_packed(name, *args)


def test_a_value_redis_cannot_hold_is_a_data_error() -> None:
    with pytest.raises(DataError):
        hiredis_packed("SET", "k", None)


def test_the_pool_options_select_it() -> None:
    pool = aioredis.ConnectionPool.from_url("redis://localhost:1/0", **connection_pool_options())
    assert pool.connection_class is HiredisPackingConnection


if REAL_REDIS_URL:

    @pytest.mark.real_redis
    async def test_round_trip_on_real_redis() -> None:
        client = aioredis.Redis.from_url(
            REAL_REDIS_URL, decode_responses=True, **connection_pool_options()
        )
        try:
            key = f"{{t-{uuid.uuid4().hex[:12]}}}:x"
            await client.hset(key, mapping={"a": "1", "名": "值", "f": 0.1})
            assert await client.hgetall(key) == {"a": "1", "名": "值", "f": "0.1"}
            sha = await client.script_load("return ARGV[1]")
            assert await client.evalsha(sha, 0, "回") == "回"
        finally:
            await client.delete(key)
            await client.aclose()

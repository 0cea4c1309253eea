"""Operations of one event-loop turn share one call of the batch script, each still its own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError, ResponseError

from routing.batching import (
    EMPTY_PRELUDE,
    Arg,
    FunctionLibrary,
    OperationBatcher,
    Script,
    batch_library,
)
from routing.keys import Keys

# Two small operations: add to a counter and say what it holds; fail on purpose.
OPERATIONS = {
    "add": "return redis.call('INCRBY', KEY, ARGV[1])",
    "fail": "return redis.call('HGET', KEY, 'x')",  # WRONGTYPE on a string key
}


def counting(redis: aioredis.Redis, sent: list[int]) -> Script:
    """The batch function, noting how many operations each call carries."""
    script = FunctionLibrary(
        redis, *batch_library("hotline_test_batch", [EMPTY_PRELUDE], OPERATIONS)
    )

    async def counted(*, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        sent.append(len(keys))
        return await script(keys=keys, args=args)

    return counted


async def test_one_turn_is_one_call_run_in_order(redis: aioredis.Redis, keys: Keys) -> None:
    sent: list[int] = []
    batcher = OperationBatcher(counting(redis, sent))
    counter = keys.namespace() + "n"
    replies = await asyncio.gather(*(batcher.run("add", counter, [1]) for _ in range(5)))
    assert replies == [1, 2, 3, 4, 5]
    assert sent == [5]


async def test_a_lone_operation_leaves_at_once(redis: aioredis.Redis, keys: Keys) -> None:
    sent: list[int] = []
    batcher = OperationBatcher(counting(redis, sent))
    assert await batcher.run("add", keys.namespace() + "n", [7]) == 7
    assert await batcher.run("add", keys.namespace() + "n", [1]) == 8
    assert sent == [1, 1]


async def test_a_batch_is_split_at_its_limit(redis: aioredis.Redis, keys: Keys) -> None:
    sent: list[int] = []
    batcher = OperationBatcher(counting(redis, sent), max_operations=2)
    replies = await asyncio.gather(
        *(batcher.run("add", keys.namespace() + f"n{n}", [n]) for n in range(5))
    )
    assert replies == [0, 1, 2, 3, 4]
    assert sorted(sent) == [1, 2, 2]


async def test_a_failing_operation_fails_only_its_caller(redis: aioredis.Redis, keys: Keys) -> None:
    batcher = OperationBatcher(counting(redis, []))
    counter = keys.namespace() + "n"
    outcomes = await asyncio.gather(
        batcher.run("add", counter, [1]),
        batcher.run("fail", counter, []),
        batcher.run("add", counter, [1]),
        return_exceptions=True,
    )
    assert outcomes[0] == 1
    assert isinstance(outcomes[1], ResponseError)
    assert str(outcomes[1]).startswith("fail: ")
    assert "WRONGTYPE" in str(outcomes[1])
    assert outcomes[2] == 2


async def test_an_unknown_operation_is_refused(redis: aioredis.Redis, keys: Keys) -> None:
    batcher = OperationBatcher(counting(redis, []))
    with pytest.raises(ResponseError, match="unknown operation forget"):
        await batcher.run("forget", keys.namespace() + "n", [])


async def test_a_lost_connection_reaches_every_caller() -> None:
    async def broken(*, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        raise ConnectionError("gone")

    batcher = OperationBatcher(broken)
    outcomes = await asyncio.gather(
        batcher.run("add", "k", [1]), batcher.run("add", "k", [2]), return_exceptions=True
    )
    assert all(isinstance(o, ConnectionError) for o in outcomes)


async def test_a_reply_of_the_wrong_shape_fails_every_caller() -> None:
    async def short(*, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        return [1, "only one"]

    batcher = OperationBatcher(short)
    outcomes = await asyncio.gather(
        batcher.run("add", "k", [1]), batcher.run("add", "k", [2]), return_exceptions=True
    )
    assert all(isinstance(o, ResponseError) for o in outcomes)


async def test_a_cancelled_caller_leaves_the_others_alone(
    redis: aioredis.Redis, keys: Keys
) -> None:
    batcher = OperationBatcher(counting(redis, []))
    counter = keys.namespace() + "n"
    first = asyncio.ensure_future(batcher.run("add", counter, [1]))
    second = asyncio.ensure_future(batcher.run("add", counter, [10]))
    await asyncio.sleep(0)  # both queued, the batch on its way
    first.cancel()
    assert await second == 11  # the cancelled operation ran all the same
    assert first.cancelled()


class Held:
    """A batch script stub that answers each call only when told (every operation's reply
    is its position in the call), noting each call's size and the loop turn it left in."""

    def __init__(self, log: list[str] | None = None) -> None:
        self.calls: list[tuple[asyncio.Event, int, int]] = []
        self.log = [] if log is None else log
        self.turn = 0
        self._ticking = True
        asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        self.turn += 1
        if self._ticking:
            asyncio.get_running_loop().call_soon(self._tick)

    def close(self) -> None:
        self._ticking = False

    async def __call__(self, *, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        answer = asyncio.Event()
        self.calls.append((answer, len(keys), self.turn))
        self.log.append(f"sent {len(self.calls)}")
        await answer.wait()
        return [part for i in range(len(keys)) for part in (1, i)]

    def sizes(self) -> list[int]:
        return [size for _, size, _ in self.calls]

    def turns_left(self) -> list[int]:
        return [turn for _, _, turn in self.calls]

    def answer(self, *calls: int) -> None:
        for call in calls:
            self.calls[call - 1][0].set()


async def turns(n: int = 10) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_at_most_the_window_is_in_flight_and_one_batch_leaves_per_turn() -> None:
    held = Held()
    batcher = OperationBatcher(held, max_operations=2, window=2)
    runs = [asyncio.ensure_future(batcher.run("add", "k", [n])) for n in range(7)]
    await turns()
    assert held.sizes() == [2, 2]  # the window is full
    first, second = held.turns_left()
    assert first < second
    held.answer(1)
    await turns()
    assert held.sizes() == [2, 2, 2]
    held.answer(2, 3)
    await turns()
    assert held.sizes() == [2, 2, 2, 1]
    held.answer(4)
    assert await asyncio.gather(*runs) == [0, 1, 0, 1, 0, 1, 0]
    held.close()


async def test_the_next_batch_leaves_before_a_replys_callers_resume() -> None:
    log: list[str] = []
    held = Held(log)
    batcher = OperationBatcher(held, max_operations=1, window=1)

    async def run(n: int) -> None:
        await batcher.run("add", "k", [n])
        log.append(f"done {n}")

    runs = [asyncio.ensure_future(run(n)) for n in range(2)]
    await turns()
    held.answer(1)
    await turns()
    held.answer(2)
    await asyncio.gather(*runs)
    assert log == ["sent 1", "sent 2", "done 0", "done 1"]
    held.close()


async def test_replies_read_in_one_turn_still_send_one_batch_per_turn() -> None:
    held = Held()
    batcher = OperationBatcher(held, max_operations=1, window=2)
    runs = [asyncio.ensure_future(batcher.run("add", "k", [n])) for n in range(4)]
    await turns()
    held.answer(1, 2)  # both replies are read in the same turn
    await turns()
    assert len(held.calls) == 4
    third, fourth = held.turns_left()[2:]
    assert third < fourth
    held.answer(3, 4)
    assert await asyncio.gather(*runs) == [0, 0, 0, 0]
    held.close()

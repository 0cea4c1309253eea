"""The wallboard feed on its own: one stream reader, boards built on events (throttled) and
on ticks while a screen is open, the newest board handed to each screen, older dropped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import cast

import pytest
import redis.asyncio as aioredis

from routing.keys import Keys
from staff_web.supervisor.wallboard_feed import Screen, WallboardFeed
from staff_web.supervisor.wallboard_snapshot import Snapshot, Totals

pytestmark = pytest.mark.timeout(30)


class Boards:
    """A builder that records the stream id each board was asked to reflect."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, event_id: str) -> Snapshot:
        self.asked.append(event_id)
        totals = Totals(0, 0, 0, 0, 0, 0, None, {})
        return Snapshot(event_id, len(self.asked), "2026-11-25", [], [], totals, [])


@pytest.fixture
async def running(redis: aioredis.Redis, keys: Keys) -> AsyncIterator[tuple[WallboardFeed, Boards]]:
    boards = Boards()
    await redis.xadd(keys.events(), {"ev": "PAUSE", "t": "1"})  # history before the start
    feed = WallboardFeed(redis, keys, boards, throttle_s=0.25, tick_s=0.5, idle_tick_s=30)
    await feed.start()
    stop = asyncio.Event()
    task = asyncio.create_task(feed.run(stop))
    try:
        yield feed, boards
    finally:
        stop.set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def newest(redis: aioredis.Redis, keys: Keys) -> str:
    head = cast(list[tuple[str, object]], await redis.xrevrange(keys.events(), count=1))
    return head[0][0]


async def board_of(screen: Screen) -> dict[str, object]:
    message = await screen.next(within_s=5)
    assert message is not None
    data = json.loads(message)
    assert data["type"] == "board"
    board: dict[str, object] = data["board"]
    return board


async def test_an_event_is_pushed_with_its_stream_id(
    running: tuple[WallboardFeed, Boards], redis: aioredis.Redis, keys: Keys
) -> None:
    feed, _boards = running
    with feed.listen() as screen:
        first = await board_of(screen)
        assert first["event_id"] == await newest(
            redis, keys
        )  # the present, not the history before it
        added = await redis.xadd(keys.events(), {"ev": "ENTERQUEUE", "t": "2"})
        async with asyncio.timeout(5):
            while (await board_of(screen))["event_id"] != added:
                pass
        assert feed.screens() == 1
    assert feed.screens() == 0


async def test_a_burst_makes_few_boards_and_ticks_go_on_while_watched(
    running: tuple[WallboardFeed, Boards], redis: aioredis.Redis, keys: Keys
) -> None:
    feed, boards = running
    with feed.listen() as screen:
        await board_of(screen)
        before = len(boards.asked)
        for i in range(50):
            await redis.xadd(keys.events(), {"ev": "ENTERQUEUE", "t": str(i)})
        last = await newest(redis, keys)
        async with asyncio.timeout(5):
            while (await board_of(screen))["event_id"] != last:
                pass
        assert len(boards.asked) - before <= 4  # 50 events, a board per 250 ms at most
        # Nothing happens, yet boards keep coming while the screen is open (waits tick).
        ticked = len(boards.asked)
        await board_of(screen)
        await board_of(screen)
        assert len(boards.asked) >= ticked + 2


def test_a_slow_screen_gets_only_the_newest_board() -> None:
    async def run() -> None:
        screen = Screen()
        for n in range(3):
            screen.offer(f"board {n}")
        assert await screen.next(within_s=0.1) == "board 2"
        assert await screen.next(within_s=0.05) is None
        screen.close()
        assert screen.closed
        assert await screen.next(within_s=0.1) is None

    asyncio.run(run())


async def test_closing_screens_at_shutdown(running: tuple[WallboardFeed, Boards]) -> None:
    feed, _boards = running
    with feed.listen() as one, feed.listen() as two:
        feed.close_screens()
        assert one.closed
        assert two.closed

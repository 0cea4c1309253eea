"""Stopping a background loop: it may finish what it holds within the grace, is cancelled
after it, and neither its errors nor its owner's cancellation are lost."""

from __future__ import annotations

import asyncio
import time

import pytest

from hotline.background import LoopHealth, in_background, stop_task

pytestmark = pytest.mark.timeout(10)


async def test_a_loop_that_returns_on_stop_is_not_cancelled() -> None:
    stop = asyncio.Event()
    done: list[str] = []

    async def loop(stop: asyncio.Event) -> None:
        await stop.wait()
        done.append("returned")

    task = asyncio.create_task(loop(stop))
    await stop_task(task, stop, grace_s=5)
    assert (done, task.cancelled()) == (["returned"], False)


async def test_work_in_flight_finishes_within_the_grace() -> None:
    stop = asyncio.Event()
    stopping_seen = asyncio.Event()
    write_done = asyncio.Event()
    done: list[str] = []

    async def loop(stop: asyncio.Event) -> None:
        await stop.wait()
        stopping_seen.set()
        await write_done.wait()  # a write that was in flight when the stop came
        done.append("written")

    task = asyncio.create_task(loop(stop))
    stopping = asyncio.create_task(stop_task(task, stop, grace_s=5))
    await stopping_seen.wait()
    write_done.set()
    await stopping
    assert (done, task.cancelled()) == (["written"], False)


async def test_a_loop_that_does_not_return_is_cancelled_after_the_grace() -> None:
    stop = asyncio.Event()
    reading = asyncio.Event()
    cleaned: list[str] = []

    async def loop(stop: asyncio.Event) -> None:
        try:
            reading.set()
            await asyncio.Event().wait()  # a read that never returns
        finally:
            cleaned.append("finally")

    task = asyncio.create_task(loop(stop))
    await reading.wait()
    started = time.monotonic()
    await stop_task(task, stop, grace_s=0.2)
    elapsed = time.monotonic() - started
    assert (cleaned, task.cancelled()) == (["finally"], True)
    assert 0.2 <= elapsed < 1.0


async def test_no_grace_cancels_at_once() -> None:
    async def loop(stop: asyncio.Event) -> None:
        await asyncio.Event().wait()

    started = time.monotonic()
    async with in_background(loop, name="idle", grace_s=0) as task:
        pass
    assert task.cancelled()
    assert time.monotonic() - started < 0.1


async def test_a_loop_that_fails_is_started_again_and_its_error_kept() -> None:
    health = LoopHealth()
    runs: list[int] = []
    running_again = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError("broken loop")
        running_again.set()
        await stop.wait()

    async with in_background(loop, name="flaky", health=health, restart_s=0) as task:
        await asyncio.wait_for(running_again.wait(), 5)
        status = health.loops["flaky"]
        assert (status.restarts, status.last_error) == (2, "RuntimeError('broken loop')")
        assert health.problems() == {}
    assert not task.cancelled()  # it returned on the stop


async def test_a_loop_that_returns_unasked_is_started_again() -> None:
    health = LoopHealth()
    runs: list[int] = []
    running_again = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        runs.append(len(runs))
        if len(runs) > 1:
            running_again.set()
            await stop.wait()

    async with in_background(loop, name="quitter", health=health, restart_s=0):
        await asyncio.wait_for(running_again.wait(), 5)
    assert health.loops["quitter"].last_error == "returned before it was stopped"


async def test_a_dead_task_and_a_stale_heartbeat_are_named() -> None:
    health = LoopHealth()
    beat: list[float | None] = [None]

    async def loop(stop: asyncio.Event) -> None:
        await stop.wait()

    async with (
        in_background(loop, name="dies", health=health) as dying,
        in_background(loop, name="beats", health=health, beat=lambda: beat[0], stale_after_s=10),
    ):
        started = health.loops["beats"].started_at
        assert health.problems(now=started + 5) == {}
        assert health.problems(now=started + 11) == {"beats": "no round done for 11s"}
        beat[0] = started + 11
        assert health.problems(now=started + 12) == {}
        dying.cancel()
        await asyncio.wait({dying})
        assert health.problems(now=started + 12) == {"dies": "stopped"}


async def test_the_owner_cancelled_during_the_grace_still_cancels_the_loop() -> None:
    stop = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        await asyncio.Event().wait()

    task = asyncio.create_task(loop(stop))
    owner = asyncio.create_task(stop_task(task, stop, grace_s=30))
    await stop.wait()  # the owner is in its grace period
    owner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await owner
    assert task.cancelled()


async def test_a_swallowed_cancellation_is_repeated() -> None:
    stop = asyncio.Event()
    reading = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        try:
            reading.set()
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            pass  # as a client library's blocking read may, when its reply came just then
        await asyncio.Event().wait()

    task = asyncio.create_task(loop(stop))
    await reading.wait()
    started = time.monotonic()
    await stop_task(task, stop, grace_s=0)
    assert task.cancelled()
    assert time.monotonic() - started < 1.0

"""An absent agent is not ready: a closed or cut-off desk takes the agent out of routing
after HOTLINE_AGENT_ABSENT_S, with a PAUSE event saying why."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from hotline.appkeys import DESK_PRESENCE, MATCHING
from hotline.settings import Settings
from routing.keys import Keys
from routing.presence import AgentState
from staff_web.softphone.desk_presence import DeskPresence
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk
from tests.staff_web.softphone.conftest import SignIn
from tests.staff_web.softphone.test_agent_api import CALLER, FAULT, LINE, answer

pytestmark = pytest.mark.timeout(30)


async def state_of(app: web.Application, agent_id: str) -> tuple[AgentState, str]:
    snapshot = await app[MATCHING].router.agent(agent_id)
    assert snapshot is not None
    return snapshot.state, snapshot.reason


async def pauses(redis: aioredis.Redis, keys: Keys, agent_id: str) -> list[dict[str, Any]]:
    entries = cast(list[tuple[str, dict[str, Any]]], await redis.xrange(keys.events()))
    return [f for _, f in entries if f.get("ev") == "PAUSE" and f.get("agent") == agent_id]


async def test_a_closed_desk_goes_on_break_after_the_window(
    app: web.Application,
    signed: SignIn,
    clock: FakeClock,
    settings: Settings,
    redis: aioredis.Redis,
    keys: Keys,
) -> None:
    assert settings.agent_absent_s == 30
    desk = await signed("a1005")
    socket = await desk.socket()
    await socket.next("hello")
    await desk.call("POST", "/api/agent/ready")
    desks = app[DESK_PRESENCE]
    clock.now += timedelta(minutes=5)  # an open desk stays ready however long it waits
    assert await desks.sweep() == []
    await socket.close()  # the tab closes
    await asyncio.wait_for(desks.until_closed_here("a1005"), 5)
    clock.now += timedelta(seconds=29)
    assert await desks.sweep() == []
    assert await state_of(app, "a1005") == (AgentState.READY, "")
    clock.now += timedelta(seconds=2)
    assert await desks.sweep() == ["a1005"]
    assert await state_of(app, "a1005") == (AgentState.BREAK, "absent")
    [pause] = await pauses(redis, keys, "a1005")
    assert pause["reason"] == "absent"
    assert await desks.sweep() == []  # once
    # Back at the desk, the agent sees why and goes ready again by hand.
    again = await desk.socket()
    hello = await again.next("hello")
    assert (hello["state"]["state"], hello["state"]["reason"]) == ("break", "absent")
    status, state = await desk.call("POST", "/api/agent/ready")
    assert (status, state["state"]) == (200, "ready")
    await again.close()


async def test_a_reload_within_the_window_changes_nothing(
    app: web.Application, signed: SignIn, clock: FakeClock
) -> None:
    desk = await signed("a1005")
    first = await desk.socket()
    await first.next("hello")
    await desk.call("POST", "/api/agent/ready")
    await first.close()
    await asyncio.wait_for(app[DESK_PRESENCE].until_closed_here("a1005"), 5)
    clock.now += timedelta(seconds=20)
    second = await desk.socket()  # the page came back
    await second.next("hello")
    clock.now += timedelta(seconds=40)
    assert await app[DESK_PRESENCE].sweep() == []
    assert await state_of(app, "a1005") == (AgentState.READY, "")
    await second.close()


async def test_ready_from_the_page_without_a_socket_is_watched_too(
    app: web.Application, signed: SignIn, clock: FakeClock
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")  # the page's socket never opened
    clock.now += timedelta(seconds=31)
    assert await app[DESK_PRESENCE].sweep() == ["a1005"]


async def test_a_ringing_offer_goes_to_another_agent(
    app: web.Application, signed: SignIn, clock: FakeClock, twilio: TwilioPoster
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    assert await state_of(app, "a1005") == (AgentState.RESERVED, "")
    clock.now += timedelta(seconds=31)
    assert await app[DESK_PRESENCE].sweep() == ["a1005"]
    assert await state_of(app, "a1005") == (AgentState.BREAK, "absent")
    position = await app[MATCHING].router.position(walked.call_sid)
    assert position is not None
    assert position.state == "waiting"


async def test_a_call_in_progress_is_left_alone_until_it_ends(
    app: web.Application, signed: SignIn, clock: FakeClock, twilio: TwilioPoster
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    await answer(twilio, walked, "a1005", "in-progress")
    clock.now += timedelta(seconds=31)
    desks = app[DESK_PRESENCE]
    assert await desks.sweep() == []
    assert await state_of(app, "a1005") == (AgentState.BUSY, "")
    await answer(twilio, walked, "a1005", "completed", CallDuration="42")
    assert await desks.sweep() == ["a1005"]  # wrap-up would end in ready: not with no desk
    assert await state_of(app, "a1005") == (AgentState.BREAK, "absent")


async def test_agents_driven_by_an_api_client_alone_are_not_watched(
    app: web.Application, signed: SignIn, clock: FakeClock
) -> None:
    await app[MATCHING].agent_ready("a1005")
    clock.now += timedelta(minutes=5)
    assert await app[DESK_PRESENCE].sweep() == []


async def test_a_supervisor_watching_is_not_the_agents_desk(
    app: web.Application, signed: SignIn, clock: FakeClock
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    leader = await signed("leader")
    watching = await leader.socket("/softphone/ws?agent=a1005")
    await watching.next("hello")
    clock.now += timedelta(seconds=31)
    assert await app[DESK_PRESENCE].sweep() == ["a1005"]
    await watching.close()


async def test_an_agent_cannot_claim_the_absent_reason(signed: SignIn) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    status, answer = await desk.call("POST", "/api/agent/break", {"reason": "absent"})
    assert status == 400
    assert "set by the router" in answer["errors"]["reason"]


async def test_the_sweep_loop_survives_its_errors(app: web.Application, client: Any) -> None:
    class Flaky(DeskPresence):
        def __init__(self, real: DeskPresence) -> None:
            self.__dict__.update(real.__dict__)
            self.absent_after_ms = 300  # sweeps every 0.1 s
            self.sweeps = 0
            self.recovered = asyncio.Event()

        async def sweep(self) -> list[str]:
            self.sweeps += 1
            if self.sweeps == 1:
                raise ConnectionError("Redis away")
            self.recovered.set()
            return []

    flaky = Flaky(app[DESK_PRESENCE])
    stop = asyncio.Event()
    loop = asyncio.create_task(flaky.watch(stop))
    await asyncio.wait_for(flaky.recovered.wait(), 5)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert flaky.sweeps >= 2

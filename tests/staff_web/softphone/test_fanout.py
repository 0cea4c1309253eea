"""The desk socket: agent events reach the agent's socket on whichever server instance it
reached (two app instances, one Redis), enriched; state changes are pushed; only our own
pages, signed in, may open it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import AGENT_EVENT_HUB, AGENT_EVENTS, MATCHING
from hotline.settings import Settings
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from staff_web.softphone.fanout import Delivery
from tests.app_fixtures import PUBLIC_URL, FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk
from tests.staff_web.softphone.conftest import Desk, SignIn, build_app, sign_in

pytestmark = pytest.mark.timeout(30)

CALLER = "+8613812345678"  # 张三


@pytest.fixture
async def other_instance(
    settings: Settings,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    keys: Keys,
    client: TestClient[Any, Any],  # the first instance, started first
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    """A second server process: its own app, its own Redis client, the same Redis and SQL."""
    shared = aioredis.Redis(connection_pool=redis.connection_pool)
    app = build_app(settings, shared, sessionmaker, clock, passwords, keys)
    return await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())


async def test_event_published_on_one_instance_reaches_a_socket_on_the_other(
    client: TestClient[Any, Any], other_instance: TestClient[Any, Any]
) -> None:
    on_b = await sign_in(other_instance, "a1005")  # sessions live in the shared Redis
    socket = await on_b.socket()
    hello = await socket.next("hello")
    assert (hello["agent_id"], hello["readonly"], hello["state"]["state"]) == (
        "a1005",
        False,
        "offline",
    )
    assert other_instance.app[AGENT_EVENT_HUB].listeners("a1005") == 1
    assert client.app[AGENT_EVENT_HUB].listeners("a1005") == 0
    await client.app[AGENT_EVENTS].publish("a1005", "missed", call_sid="CA9", why="no-answer")
    missed = await socket.next("missed")
    assert missed == {"type": "missed", "call_sid": "CA9", "why": "no-answer"}
    await client.app[AGENT_EVENTS].publish("a1003", "missed", call_sid="CA8", why="busy")
    await client.app[AGENT_EVENTS].publish("a1005", "ended", call_sid="CA9", talk_s=3)
    assert (await socket.next())["type"] == "ended"  # a1003's event never reached a1005
    await socket.close()


async def test_state_changed_on_one_instance_is_pushed_from_the_other(
    client: TestClient[Any, Any], other_instance: TestClient[Any, Any]
) -> None:
    on_a = await sign_in(client, "a1005")
    on_b = await sign_in(other_instance, "a1005")
    socket = await on_b.socket()
    await socket.next("hello")
    status, _ = await on_a.call("POST", "/api/agent/ready")
    assert status == 200
    state = await socket.state_until("ready")
    assert state["since_ms"] > 0
    await on_a.call("POST", "/api/agent/break", {"reason": "用餐"})
    state = await socket.state_until("break")
    assert state["reason"] == "用餐"
    await socket.close()


async def test_router_changes_nobody_announced_are_pushed_too(
    client: TestClient[Any, Any], other_instance: TestClient[Any, Any]
) -> None:
    """A change the router makes on its own (here: a break set straight on the router, as
    after too many missed offers) reaches the socket through the router's event stream."""
    on_b = await sign_in(other_instance, "a1005")
    socket = await on_b.socket()
    await socket.next("hello")
    matching = client.app[MATCHING]
    await matching.agent_ready("a1005")  # no AgentEvents publish: only the stream knows
    await socket.state_until("ready")
    await matching.router.set_break("a1005", "no_answer")
    state = await socket.state_until("break")
    assert state["reason"] == "no_answer"
    await socket.close()


async def test_offer_is_enriched_with_caller_and_queue(
    signed: SignIn, twilio: TwilioPoster, other_instance: TestClient[Any, Any]
) -> None:
    on_b = await sign_in(other_instance, "a1005")
    socket = await on_b.socket()
    await socket.next("hello")
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, "+8695598", ["1", "1"], caller=CALLER)  # on instance A
    offer = await socket.next("offer")
    assert offer["call_sid"] == walked.call_sid
    assert (offer["caller"], offer["caller_name"], offer["path"]) == (
        CALLER,
        "张三",
        "1 故障报修 > 1 停电",
    )
    assert offer["queue_name"]["zh-CN"]
    assert offer["ring_timeout_s"] == 20
    assert offer["open_orders"] == []
    await socket.ws.send_json({"type": "sync"})  # the reserved state may have come first
    state = await socket.state_until("reserved")
    assert state["call"]["call_sid"] == walked.call_sid
    await socket.close()


async def test_supervisor_watches_read_only(signed: SignIn) -> None:
    leader = await signed("leader")
    socket = await leader.socket("/softphone/ws?agent=a1005")
    hello = await socket.next("hello")
    assert (hello["agent_id"], hello["readonly"]) == ("a1005", True)
    await socket.close()


async def test_agent_cannot_watch_another_agent(signed: SignIn) -> None:
    desk = await signed("a1003")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await desk.socket("/softphone/ws?agent=a1005")
    assert refused.value.status == 403


async def test_socket_needs_sign_in_and_our_origin(
    client: TestClient[Any, Any], signed: SignIn
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as anonymous:
        await client.ws_connect("/softphone/ws", headers={"Origin": PUBLIC_URL})
    assert anonymous.value.status == 401
    desk = await signed("a1005")
    cookie = "; ".join(f"{k}={v}" for k, v in desk.cookies.items())
    for origin in ("https://evil.example", ""):
        headers = {"Cookie": cookie} | ({"Origin": origin} if origin else {})
        with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
            await client.ws_connect("/softphone/ws", headers=headers)
        assert foreign.value.status == 403


async def test_sync_request_answers_with_the_state(signed: SignIn) -> None:
    desk: Desk = await signed("a1005")
    socket = await desk.socket()
    await socket.next("hello")
    await socket.ws.send_json({"type": "sync"})
    pushed = await socket.next("state")
    assert pushed["state"]["agent_id"] == "a1005"
    await socket.close()


async def test_hub_inboxes_come_and_go_and_overflow_into_one_resync(
    app: web.Application, client: TestClient[Any, Any]
) -> None:
    hub = app[AGENT_EVENT_HUB]
    with hub.listen("a1005") as first, hub.listen("a1005"):
        assert hub.listeners("a1005") == 2
        for n in range(300):  # nobody reads: the backlog is dropped for one resync
            first.put(Delivery("event", {"type": "missed", "n": n}))
        kinds = [first.queue.get_nowait().kind for _ in range(first.queue.qsize())]
        assert kinds == ["resync"] + ["event"] * (300 - 257)
    assert hub.listeners("a1005") == 0

"""The wallboard on the whole app: its page and socket (supervisors and admins only), the
board pushed when the router changes, and supervisors' actions on agents: allowed to
supervisors and admins, CSRF-checked, effective in routing at once, and audited."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import MATCHING, WALLBOARD
from queues.audit import AuditEntry, entries_for
from tests.app_fixtures import PUBLIC_URL
from tests.staff_web.softphone import conftest as softphone
from tests.staff_web.softphone.conftest import Desk, SignIn

pytestmark = pytest.mark.timeout(60)

# The whole app with the softphone's accounts (the desk's conftest has the auth tests').
app, client, signed, users = softphone.app, softphone.client, softphone.signed, softphone.users

BREAK = "/api/supervisor/agents/{}/break"


async def board_until(
    ws: aiohttp.ClientWebSocketResponse, wanted: Any, within_s: float = 5.0
) -> dict[str, Any]:
    """The first board pushed for which `wanted(board)` holds."""
    async with asyncio.timeout(within_s):
        while True:
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.TEXT, message
            data = json.loads(message.data)
            assert data["type"] == "board"
            if wanted(data["board"]):
                board: dict[str, Any] = data["board"]
                return board


def stream_id(entry_id: str) -> tuple[int, int]:
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


def fault(board: dict[str, Any]) -> dict[str, Any]:
    return next(q for q in board["queues"] if q["queue"] == "fault")


async def open_socket(desk: Desk) -> aiohttp.ClientWebSocketResponse:
    cookie = "; ".join(f"{k}={v}" for k, v in desk.cookies.items())
    return await desk.client.ws_connect(
        "/desk/wallboard/ws", headers={"Cookie": cookie, "Origin": PUBLIC_URL}
    )


async def test_the_page_is_for_supervisors_and_admins(signed: SignIn) -> None:
    for username in ("leader", "admin"):
        desk = await signed(username)
        response = await desk.get("/desk/wallboard")
        assert response.status == 200, username
        html = await response.text()
        assert 'id="wallboard"' in html
        assert "wallboard.js" in html
        assert "<script>" not in html
        assert "echarts.common.min.js" in html
        assert "监控大屏" in html
        english = await (await desk.get("/desk/wallboard?lang=en")).text()
        assert "Live wallboard" in english
    agent = await signed("a1001")
    assert (await agent.get("/desk/wallboard")).status == 403


async def test_the_socket_refuses_anonymous_agents_and_other_sites(
    signed: SignIn, client: TestClient[Any, Any]
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as anonymous:
        await client.ws_connect("/desk/wallboard/ws", headers={"Origin": PUBLIC_URL})
    assert anonymous.value.status == 401
    agent = await signed("a1001")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await open_socket(agent)
    assert refused.value.status == 403
    leader = await signed("leader")
    cookie = "; ".join(f"{k}={v}" for k, v in leader.cookies.items())
    with pytest.raises(aiohttp.WSServerHandshakeError) as elsewhere:
        await client.ws_connect(
            "/desk/wallboard/ws", headers={"Cookie": cookie, "Origin": "https://evil.test"}
        )
    assert elsewhere.value.status == 403


async def test_the_board_is_pushed_when_the_router_changes(
    signed: SignIn, app: web.Application
) -> None:
    leader = await signed("leader")
    ws = await open_socket(leader)
    try:
        first = await board_until(ws, lambda b: True)
        assert fault(first)["waiting"] == 0
        router = app[MATCHING].router
        await router.enqueue("CA-wb-1", "fault")
        newest = cast(
            list[tuple[str, Any]], await router.redis.xrevrange(router.keys.events(), count=1)
        )
        board = await board_until(ws, lambda b: fault(b)["waiting"] == 1)
        # The board says which event it reflects, at or after the ENTERQUEUE.
        assert stream_id(board["event_id"]) >= stream_id(newest[0][0])
        await app[MATCHING].agent_ready("a1005")  # takes the call at once
        board = await board_until(ws, lambda b: fault(b)["waiting"] == 0)
        [agent] = [a for a in board["agents"] if a["agent_id"] == "a1005"]
        assert agent["state"] == "reserved"
        assert agent["reason"] == "ringing"
        assert app[WALLBOARD].screens() == 1
    finally:
        await ws.close()


async def test_a_burst_of_events_is_gathered_into_few_boards(
    signed: SignIn, app: web.Application
) -> None:
    feed = app[WALLBOARD]
    leader = await signed("leader")
    ws = await open_socket(leader)
    try:
        await board_until(ws, lambda b: True)
        before = feed.builds
        router = app[MATCHING].router
        for i in range(40):
            await router.enqueue(f"CA-burst-{i}", "general")
        board = await board_until(
            ws, lambda b: next(q for q in b["queues"] if q["queue"] == "general")["waiting"] == 40
        )
        # 40 events at once: a handful of boards (throttled to 250 ms), never one each.
        assert feed.builds - before <= 6
        assert board["totals"]["waiting"] == 40
    finally:
        await ws.close()


async def audit_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessionmaker() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def test_break_from_the_board_stops_offers_and_is_audited(
    signed: SignIn,
    app: web.Application,
    client: TestClient[Any, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await app[MATCHING].agent_ready("a1005")
    router = app[MATCHING].router
    # Nobody signed in: 401; an agent: 403; a supervisor without the CSRF token: 403.
    anonymous = await client.post(BREAK.format("a1005"), json={"reason": "培训"})
    assert anonymous.status == 401
    agent = await signed("a1001")
    status, _ = await agent.call("POST", BREAK.format("a1005"), {"reason": "培训"})
    assert status == 403
    leader = await signed("leader")
    no_token = await leader.post(BREAK.format("a1005"), json={"reason": "培训"})
    assert no_token.status == 403
    snapshot = await router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "ready"
    assert await audit_rows(sessionmaker) == []

    status, body = await leader.call("POST", BREAK.format("a1005"), {"reason": "培训"})
    assert status == 200, body
    assert body["change"] == "changed"
    assert body["agent"]["state"] == "break"
    snapshot = await router.agent("a1005")
    assert snapshot is not None
    assert (snapshot.state, snapshot.reason) == ("break", "培训")
    # A new fault call waits instead of ringing a1005.
    enqueued = await router.enqueue("CA-after-break", "fault")
    assert enqueued.offer is None
    position = await router.position("CA-after-break")
    assert position is not None
    assert position.state == "waiting"

    [entry] = await audit_rows(sessionmaker)
    assert (entry.actor, entry.object_kind, entry.object_id, entry.action) == (
        "leader",
        "agent",
        "a1005",
        "break",
    )
    assert entry.before is not None
    assert entry.before["state"] == "ready"
    assert entry.after == {"state": "break", "reason": "培训", "skills": entry.before["skills"]}
    # The same again changes nothing and adds no entry.
    status, body = await leader.call("POST", BREAK.format("a1005"), {"reason": "培训"})
    assert (status, body["change"]) == (200, "unchanged")
    assert len(await audit_rows(sessionmaker)) == 1


async def test_admin_signs_out_and_regrades(
    signed: SignIn, app: web.Application, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    matching = app[MATCHING]
    await matching.agent_ready("a1003")
    admin = await signed("admin")
    status, body = await admin.call(
        "POST", "/api/supervisor/agents/a1003/skills", {"skills": {"fault": 2, "vip": 4}}
    )
    assert status == 200, body
    snapshot = await matching.router.agent("a1003")
    assert snapshot is not None
    assert dict(snapshot.skills) == {"fault": 2, "vip": 4}
    # It now serves VIP calls: one is offered to it at once.
    enqueued = await matching.router.enqueue("CA-vip", "vip")
    assert enqueued.offer is not None
    assert enqueued.offer.agent_id == "a1003"

    status, body = await admin.call("POST", "/api/supervisor/agents/a1003/offline")
    assert status == 200, body
    snapshot = await matching.router.agent("a1003")
    assert snapshot is not None
    assert snapshot.state == "offline"
    async with sessionmaker() as session:
        entries = await entries_for(session, "agent", "a1003")
    assert [(e.action, e.actor) for e in entries] == [("offline", "admin"), ("skills", "admin")]
    assert entries[1].after is not None
    assert entries[1].after["skills"] == {"fault": 2, "vip": 4}
    assert entries[0].before is not None
    assert entries[0].before["state"] == "reserved"


async def test_refusals_name_the_reason(signed: SignIn, app: web.Application) -> None:
    await app[MATCHING].agent_ready("a1005")
    leader = await signed("leader")
    cases = [
        (BREAK.format("a1005"), {}, 400),
        (BREAK.format("a1005"), {"reason": "no_answer"}, 400),  # the server's own reason
        (BREAK.format("a1005"), {"reason": "x" * 33}, 400),
        ("/api/supervisor/agents/a1005/skills", {"skills": {"nope": 2}}, 400),
        ("/api/supervisor/agents/a1005/skills", {"skills": {"fault": 5}}, 400),
        ("/api/supervisor/agents/a1005/skills", {"skills": {}}, 400),
        (BREAK.format("a4242"), {"reason": "培训"}, 404),
        ("/api/supervisor/agents/a1005/fly", {}, 404),
    ]
    for path, body, expected in cases:
        status, reply = await leader.call("POST", path, body)
        assert status == expected, (path, body, reply)
        assert reply["error"]
    await app[MATCHING].agent_offline("a1005")
    status, reply = await leader.call("POST", BREAK.format("a1005"), {"reason": "培训"})
    assert (status, reply.get("fields")) == (409, {"agent": "offline"}), reply

"""The agent API through the real router on Redis: sign-in, ownership, presence, the offered
call, work orders and the wrap-up form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import MATCHING
from queues.work_orders.categories import Category
from queues.work_orders.intake import NewWorkOrder, by_call_sid, create_order
from queues.work_orders.order_queries import with_trail
from queues.work_orders.status import Status
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk
from tests.staff_web.softphone.conftest import SignIn

pytestmark = pytest.mark.timeout(30)

LINE = "+8695598"
CALLER = "+8613812345678"  # 张三, a regular caller in the demo config
VIP_CALLER = "+8613800138000"  # 王芳, gold: straight to the VIP desk
FAULT = ["1", "1"]


async def answer(twilio: TwilioPoster, walked: Any, agent: str, status: str, **extra: str) -> None:
    status_url = walked.last.url("//Dial/Client/@statusCallback")
    leg = {
        **twilio.base_params("CA" + "e" * 32, CALLER, f"client:{agent}"),
        "ParentCallSid": walked.call_sid,
        "Direction": "outbound-dial",
        "CallStatus": status,
        **extra,
    }
    assert (await twilio.post(status_url, leg)).status == 200


async def test_api_needs_sign_in(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/agent/state")
    assert response.status == 401
    assert (await response.json())["error"] == "sign in first"
    response = await client.post("/api/agent/ready")
    assert response.status == 401


async def test_cookie_post_without_csrf_is_refused(signed: SignIn) -> None:
    desk = await signed("a1005")
    response = await desk.post("/api/agent/ready")
    assert response.status == 403


async def test_bearer_token_needs_no_csrf(client: TestClient[Any, Any], signed: SignIn) -> None:
    await signed("a1005")  # creates nothing for the token; just the same users
    issued = await client.post(
        "/api/auth/token", json={"username": "a1005", "password": "correct horse battery"}
    )
    token = (await issued.json())["token"]
    response = await client.post("/api/agent/ready", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, await response.text()
    assert (await response.json())["state"] == "ready"


async def test_ready_break_offline_through_the_router(signed: SignIn, app: web.Application) -> None:
    desk = await signed("a1005")
    status, state = await desk.call("GET", "/api/agent/state")
    assert status == 200
    assert (state["state"], state["in_config"], state["grades"]["fault"]) == ("offline", True, 4)

    status, state = await desk.call("POST", "/api/agent/ready")
    assert (status, state["state"]) == (200, "ready")
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "ready"

    status, state = await desk.call("POST", "/api/agent/break", {"reason": "培训"})
    assert (status, state["state"], state["reason"]) == (200, "break", "培训")

    status, state = await desk.call("POST", "/api/agent/break", {"reason": "  去银行  "})
    assert (status, state["reason"]) == (200, "去银行")  # free text, trimmed

    status, state = await desk.call("POST", "/api/agent/offline")
    assert (status, state["state"]) == (200, "offline")
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "offline"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({}, "reason", "required"),
        ({"reason": "   "}, "reason", "required"),
        ({"reason": 5}, "reason", "must be a string"),
        ({"reason": "x" * 33}, "reason", "at most 32 characters, got 33"),
        ({"reason": "no_answer"}, "reason", "'no_answer' is set by the router, not by an agent"),
        ([], "body", "expected a JSON object"),
    ],
)
async def test_break_reason_is_validated(
    signed: SignIn, body: Any, field: str, reason: str
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    status, answer = await desk.call("POST", "/api/agent/break", body)
    assert (status, answer) == (400, {"errors": {field: reason}})


async def test_break_before_ever_ready_is_a_conflict(signed: SignIn) -> None:
    desk = await signed("a1005")
    status, answer = await desk.call("POST", "/api/agent/break", {"reason": "小休"})
    assert status == 409
    assert "go ready first" in answer["error"]


async def test_agent_missing_from_the_config_gets_a_clear_error(signed: SignIn) -> None:
    desk = await signed("a9999")
    status, answer = await desk.call("POST", "/api/agent/ready")
    assert status == 400
    assert "'a9999' is not in config version" in answer["error"]


async def test_account_without_agent_cannot_go_ready(signed: SignIn) -> None:
    desk = await signed("leader")
    status, answer = await desk.call("POST", "/api/agent/ready")
    assert (status, answer["error"]) == (403, "this account has no agent id")


async def test_agents_read_only_themselves_supervisors_anyone(signed: SignIn) -> None:
    agent = await signed("a1003")
    status, _ = await agent.call("GET", "/api/agent/state?agent=a1005")
    assert status == 403
    status, _ = await agent.call("GET", "/api/agent/work-orders?agent=a1005")
    assert status == 403
    status, mine = await agent.call("GET", "/api/agent/state?agent=a1003")
    assert (status, mine["agent_id"]) == (200, "a1003")
    leader = await signed("leader")
    status, theirs = await leader.call("GET", "/api/agent/state?agent=a1005")
    assert (status, theirs["agent_id"]) == (200, "a1005")
    status, _ = await leader.call("GET", "/api/agent/state")
    assert status == 400  # no agent of its own: must say which


async def test_offered_call_details_only_for_the_agent_it_rings(
    signed: SignIn, twilio: TwilioPoster
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    status, state = await desk.call("GET", "/api/agent/state")
    assert state["state"] == "reserved"
    call = state["call"]
    assert (call["call_sid"], call["phase"], call["caller_name"]) == (
        walked.call_sid,
        "ringing",
        "张三",
    )
    status, details = await desk.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert status == 200
    assert (details["vip"], details["customer_account"]) == ("", "3100024680")
    assert details["path"] == "1 故障报修 > 1 停电"
    assert details["queue_name"]["zh-CN"]
    assert isinstance(details["waited_ms"], int)  # milliseconds, as the desk reads a wait
    assert "waited_s" not in details
    other = await signed("a1003")
    status, answer = await other.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert (status, answer["error"]) == (404, "call: not offered to or connected with you")
    leader = await signed("leader")
    status, _ = await leader.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert status == 200


async def test_ready_during_a_ringing_offer_is_refused(
    signed: SignIn, twilio: TwilioPoster
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    await walk(twilio, LINE, FAULT, caller=CALLER)
    status, _ = await desk.call("POST", "/api/agent/ready")
    assert status == 409
    status, state = await desk.call("GET", "/api/agent/state")
    assert state["state"] == "reserved"  # the offer was not dropped by signing in again


async def test_open_orders_of_the_caller_come_with_the_call(
    signed: SignIn,
    twilio: TwilioPoster,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    async with sessionmaker() as session, session.begin():
        older = await create_order(
            session,
            NewWorkOrder(hotline_id="95598", caller=CALLER, category=Category.COMPLAINT),
            now=clock.now - timedelta(days=2),
        )
        number = older.number
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    _, details = await desk.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert [o["number"] for o in details["open_orders"]] == [number]
    assert details["open_orders"][0]["category_label"] == "投诉"


async def test_answered_call_then_wrap_up_dispatches_and_makes_ready(
    signed: SignIn,
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    desk = await signed("a1005")
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    await answer(twilio, walked, "a1005", "in-progress")
    _, state = await desk.call("GET", "/api/agent/state")
    assert (state["state"], state["call"]["phase"]) == ("busy", "connected")
    assert state["call"]["work_order"].startswith("GD-")
    status, _ = await desk.call("POST", "/api/agent/ready")
    assert status == 409  # on a call
    status, _ = await desk.call("POST", "/api/agent/break", {"reason": "小休"})
    assert status == 409
    await answer(twilio, walked, "a1005", "completed", CallDuration="42")
    _, state = await desk.call("GET", "/api/agent/state")
    assert state["state"] == "wrap_up"
    assert state["wrap_until_ms"] > state["now_ms"]
    assert state["wrap_up"]["order"]["call_sid"] == walked.call_sid

    form = {
        "call_sid": walked.call_sid,
        "category": "fault_repair",
        "area": "rural",
        "address": "城东路 12 号",
        "description": "整栋楼停电",
        "department": "抢修班",
    }
    status, saved = await desk.call("POST", "/api/agent/wrap-up", form)
    assert status == 200, saved
    assert (saved["order"]["status"], saved["order"]["department"]) == ("dispatched", "抢修班")
    assert (saved["state"], saved["desk"]["state"]) == ("saved", "ready")
    snapshot = await app[MATCHING].router.agent("a1005")
    assert snapshot is not None
    assert snapshot.state == "ready"
    async with sessionmaker() as session:
        order = await by_call_sid(session, walked.call_sid)
        assert order is not None
        trail = await with_trail(session, order.id)
    assert trail is not None
    assert (trail.address, trail.description, trail.area) == ("城东路 12 号", "整栋楼停电", "rural")
    assert trail.status is Status.DISPATCHED
    assert [e.action for e in trail.events][-2:] == ["edited", "transition"]
    assert {e.actor for e in trail.events[-2:]} == {"a1005"}

    again_status, _ = await desk.call("POST", "/api/agent/wrap-up", form)
    assert again_status == 200  # the same form twice changes nothing more
    async with sessionmaker() as session:
        retried = await with_trail(session, order.id)
    assert retried is not None
    assert len(retried.events) == len(trail.events)

    status, orders = await desk.call("GET", "/api/agent/work-orders")
    assert status == 200
    assert orders["total"] == 1
    item = orders["items"][0]
    assert (item["number"], item["ivr_path"], item["status_label"]) == (
        order.number,
        "1 故障报修 > 1 停电",
        "派单",
    )


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"category": "weather"},
            {
                "category": "one of inquiry, fault_repair, complaint, report, "
                "suggestion, praise, service_request, new_connection"
            },
        ),
        ({"category": ""}, {"category": "required"}),
        ({"sub_type": "outage"}, {"sub_type": "not a sub-type of inquiry (none)"}),
        ({"description": ""}, {"description": "required"}),
        ({"description": "x" * 2001}, {"description": "at most 2000 characters, got 2001"}),
        ({"area": "moon"}, {"area": "one of city, rural, remote"}),
        (
            {"category": "fault_repair"},
            {"address": "required for fault repair (where the crew goes)"},
        ),
        ({"call_sid": "CA/../x"}, {"call_sid": "letters, digits, _ and - only"}),
        ({"department": "d" * 129}, {"department": "at most 128 characters, got 129"}),
    ],
)
async def test_wrap_up_field_errors(
    signed: SignIn,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    change: dict[str, str],
    errors: dict[str, str],
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_order(
            session,
            NewWorkOrder(hotline_id="95598", caller=VIP_CALLER, call_sid="CA1", agent_id="a1005"),
            now=clock.now,
        )
    desk = await signed("a1005")
    form = {"call_sid": "CA1", "category": "inquiry", "description": "问电价"} | change
    status, answer = await desk.call("POST", "/api/agent/wrap-up", form)
    assert (status, answer) == (400, {"errors": errors})


async def test_wrap_up_only_on_your_own_order(
    signed: SignIn, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_order(
            session,
            NewWorkOrder(hotline_id="95598", caller=VIP_CALLER, call_sid="CA2", agent_id="a1003"),
            now=clock.now,
        )
    desk = await signed("a1005")
    form = {"call_sid": "CA2", "category": "inquiry", "description": "问电价"}
    status, answer = await desk.call("POST", "/api/agent/wrap-up", form)
    assert (status, answer) == (403, {"error": "not your call or work order"})
    form["call_sid"] = "CA404"
    status, answer = await desk.call("POST", "/api/agent/wrap-up", form)
    assert (status, answer) == (404, {"error": "call_sid: no work order for this call"})


async def test_work_orders_are_paginated_newest_first(
    signed: SignIn, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with sessionmaker() as session, session.begin():
        for i in range(3):
            await create_order(
                session,
                NewWorkOrder(hotline_id="95598", caller=VIP_CALLER, agent_id="a1005",
                             ivr_path=f"path {i}"),
                now=clock.now + timedelta(minutes=i),
            )  # fmt: skip
    desk = await signed("a1005")
    status, page = await desk.call("GET", "/api/agent/work-orders?limit=2")
    assert status == 200
    assert [o["ivr_path"] for o in page["items"]] == ["path 2", "path 1"]
    assert page["total"] == 3
    _, rest = await desk.call("GET", "/api/agent/work-orders?limit=2&offset=2")
    assert [o["ivr_path"] for o in rest["items"]] == ["path 0"]
    status, bad = await desk.call("GET", "/api/agent/work-orders?limit=0")
    assert (status, bad) == (400, {"errors": {"limit": "a whole number 1..200"}})


async def test_voice_token_needs_twilio_mode(signed: SignIn) -> None:
    desk = await signed("a1005")
    status, answer = await desk.call("GET", "/api/agent/voice-token")
    assert status == 503
    assert "HOTLINE_CARRIER=twilio" in answer["error"]


async def test_vip_caller_shows_the_vip_class(signed: SignIn, twilio: TwilioPoster) -> None:
    desk = await signed("a1001")  # VIP desk, grade 4
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, [], caller=VIP_CALLER)
    status, details = await desk.call("GET", f"/api/agent/call/{walked.call_sid}")
    assert status == 200, details
    assert (details["vip"], details["caller_name"], details["queue"]) == ("gold", "王芳", "vip")
    assert details["queue_name"]["en-US"] == "VIP desk"

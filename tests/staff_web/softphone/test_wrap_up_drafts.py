"""Typed wrap-up is never lost: the draft is kept with its order through the wrap-up timer,
and the order's own agent finishes it later from the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import CALLS, MATCHING
from queues.work_orders.intake import NewWorkOrder, by_call_sid, create_order
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk
from tests.staff_web.softphone.conftest import Desk, SignIn
from tests.staff_web.softphone.test_agent_api import CALLER, FAULT, LINE, answer

pytestmark = pytest.mark.timeout(30)

DRAFT = "/api/agent/wrap-up/draft"


async def a_call_in_wrap_up(desk: Desk, twilio: TwilioPoster, agent: str = "a1005") -> str:
    await desk.call("POST", "/api/agent/ready")
    walked = await walk(twilio, LINE, FAULT, caller=CALLER)
    await answer(twilio, walked, agent, "in-progress")
    await answer(twilio, walked, agent, "completed", CallDuration="42")
    _, state = await desk.call("GET", "/api/agent/state")
    assert state["state"] == "wrap_up"
    return walked.call_sid


async def own_orders(desk: Desk) -> list[dict[str, Any]]:
    status, page = await desk.call("GET", "/api/agent/work-orders")
    assert status == 200
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_the_wrap_up_timer_keeps_the_draft_and_the_agent_finishes_it_later(
    app: web.Application,
    signed: SignIn,
    twilio: TwilioPoster,
    clock: FakeClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    desk = await signed("a1005")
    call_sid = await a_call_in_wrap_up(desk, twilio)
    typed = {"call_sid": call_sid, "category": "fault_repair", "address": "城东路 12 号"}
    status, saved = await desk.call("PUT", DRAFT, typed)
    assert (status, saved["state"]) == (200, "saved")
    _, state = await desk.call("GET", "/api/agent/state")  # a reload fills the form again
    assert state["wrap_up"]["order"]["draft"]["fields"]["address"] == "城东路 12 号"

    clock.now += timedelta(minutes=10)  # the wrap-up timer ends before the form is saved
    await app[MATCHING].deliver(await app[MATCHING].router.tick())
    _, state = await desk.call("GET", "/api/agent/state")
    assert state["state"] == "ready"
    [item] = await own_orders(desk)
    assert item["wrap_up_pending"]
    assert item["draft"]["fields"] == {"category": "fault_repair", "address": "城东路 12 号"}

    form = typed | {"description": "整栋楼停电", "department": "抢修班", "ready": False}
    status, done = await desk.call("POST", "/api/agent/wrap-up", form)
    assert (status, done["state"], done["order"]["status"]) == (200, "saved", "dispatched")
    assert done["desk"]["state"] == "ready"
    [item] = await own_orders(desk)
    assert (item["wrap_up_pending"], item["draft"]) == (False, None)
    async with sessionmaker() as session:
        order = await by_call_sid(session, call_sid)
    assert order is not None
    assert (order.address, order.description) == ("城东路 12 号", "整栋楼停电")


async def test_finishing_an_older_order_does_not_end_the_current_wrap_up(
    signed: SignIn,
    twilio: TwilioPoster,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_order(
            session,
            NewWorkOrder(hotline_id="95598", caller=CALLER, call_sid="CAOLD", agent_id="a1005"),
            now=clock.now - timedelta(hours=1),
        )
    desk = await signed("a1005")
    await a_call_in_wrap_up(desk, twilio)
    form = {"call_sid": "CAOLD", "category": "inquiry", "description": "问电价", "ready": False}
    status, done = await desk.call("POST", "/api/agent/wrap-up", form)
    assert (status, done["desk"]["state"]) == (200, "wrap_up")


async def test_a_draft_is_only_for_the_orders_own_agent(
    app: web.Application,
    signed: SignIn,
    twilio: TwilioPoster,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    desk = await signed("a1005")
    call_sid = await a_call_in_wrap_up(desk, twilio)
    other = await signed("a1003")
    status, refused = await other.call("PUT", DRAFT, {"call_sid": call_sid, "address": "x"})
    assert (status, refused) == (403, {"error": "not your call or work order"})
    status, refused = await desk.call("PUT", DRAFT, {"call_sid": "CA404", "address": "x"})
    assert (status, refused) == (404, {"error": "call_sid: no work order for this call"})
    # The agent's own call whose order is not in SQL yet: kept by the page, sent again.
    await app[CALLS].update("CAPENDING", agent="a1005")
    status, pending = await desk.call("PUT", DRAFT, {"call_sid": "CAPENDING", "address": "x"})
    assert (status, pending) == (202, {"state": "saving"})


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"address": "x" * 501}, {"address": "at most 500 characters, got 501"}),
        ({"description": 7}, {"description": "must be a string"}),
        ({"call_sid": "CA/../x"}, {"call_sid": "letters, digits, _ and - only"}),
    ],
)
async def test_draft_field_errors(
    signed: SignIn, twilio: TwilioPoster, change: dict[str, Any], errors: dict[str, str]
) -> None:
    desk = await signed("a1005")
    call_sid = await a_call_in_wrap_up(desk, twilio)
    status, answer_ = await desk.call("PUT", DRAFT, {"call_sid": call_sid} | change)
    assert (status, answer_) == (400, {"errors": errors})

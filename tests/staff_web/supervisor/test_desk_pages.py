"""The desk's pages: sign-in, roles, agents' own orders, CSRF, transitions and field errors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.call_records import cdr
from tests.app_fixtures import FakeClock
from tests.queues.call_records.cdr_samples import answered_call, apply, call_end
from tests.staff_web.auth.conftest import Browser
from tests.staff_web.supervisor.conftest import page_token


async def test_anonymous_visit_goes_to_the_login_page(browser: Browser) -> None:
    response = await browser.get("/desk/orders")
    assert response.status == 303
    assert response.headers["Location"].startswith("/auth/login?next=/desk/orders")


async def test_supervisor_lists_and_filters_in_chinese_or_english(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    page = await browser.get("/desk/orders")
    text = await page.text()
    assert page.status == 200
    assert all(number in text for number in orders.values())
    assert "工单" in text
    assert "受理" in text
    assert "<script" not in text
    assert "http" not in text
    only = await (await browser.get("/desk/orders?category=complaint")).text()
    assert orders["mine"] in only
    assert orders["theirs"] not in only
    english = await (await browser.get("/desk/orders?lang=en")).text()
    assert "Work orders" in english
    assert 'lang="en"' in english
    assert "Work orders" in await (await browser.get("/desk/orders")).text()  # remembered
    bad = await browser.get("/desk/orders?status=lost")
    assert bad.status == 400


async def test_agent_sees_only_its_own_orders_and_cannot_act(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("a1001")
    listing = await (await browser.get("/desk/orders")).text()
    assert orders["mine"] in listing
    assert orders["theirs"] not in listing
    assert (await browser.get(f"/desk/orders/{orders['theirs']}")).status == 403
    own = await browser.get(f"/desk/orders/{orders['mine']}")
    own_text = await own.text()
    assert own.status == 200
    assert "坐席仅可查看自己的工单" in own_text
    token = await browser.csrf_token()
    act = await browser.post(
        f"/desk/orders/{orders['mine']}/urge", data={"csrf_token": token, "note": "快"}
    )
    assert act.status == 403
    assert (await browser.get("/desk/calls")).status == 403


async def test_dispatch_needs_csrf_and_a_department(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    path = f"/desk/orders/{orders['mine']}"
    no_token = await browser.post(f"{path}/dispatch", data={"department": "营销部"})
    assert no_token.status == 403
    token = await page_token(browser, path)
    empty = await browser.post(f"{path}/dispatch", data={"csrf_token": token, "department": " "})
    text = await empty.text()
    assert empty.status == 400
    assert 'aria-invalid="true"' in text
    assert "请填写派单部门" in text
    done = await browser.post(
        f"{path}/dispatch", data={"csrf_token": token, "department": "城区供电所"}
    )
    assert done.status == 303
    assert done.headers["Location"] == f"{path}?done=dispatch"
    shown = await (await browser.get(done.headers["Location"])).text()
    assert "已保存" in shown
    assert "城区供电所" in shown
    assert "派单" in shown


async def test_only_allowed_moves_are_offered_and_illegal_ones_are_409(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("admin")
    path = f"/desk/orders/{orders['mine']}"
    text = await (await browser.get(path)).text()
    transition_form = text[text.index("/transition") :]
    options = transition_form[: transition_form.index("</select>")]
    assert 'value="dispatched"' in options
    assert 'value="closed"' in options
    assert 'value="replied"' not in options
    token = await page_token(browser, path)
    illegal = await browser.post(f"{path}/transition", data={"csrf_token": token, "to": "replied"})
    assert illegal.status == 409
    assert "illegal work-order transition" in await illegal.text()
    unknown = await browser.post(f"{path}/transition", data={"csrf_token": token, "to": "gone"})
    assert unknown.status == 400


async def test_urge_note_close_and_reopen_with_reason(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    path = f"/desk/orders/{orders['theirs']}"
    token = await page_token(browser, path)
    for action, data in (
        ("urge", {"note": "客户再次来电"}),
        ("note", {"text": "已电话联系"}),
        ("transition", {"to": "closed"}),
    ):
        done = await browser.post(f"{path}/{action}", data={"csrf_token": token, **data})
        assert done.status == 303, (action, await done.text())
    urge_again = await browser.post(f"{path}/urge", data={"csrf_token": token})
    assert urge_again.status == 409
    no_reason = await browser.post(f"{path}/reopen", data={"csrf_token": token, "reason": ""})
    assert no_reason.status == 400
    assert "请填写重新打开的原因" in await no_reason.text()
    reopened = await browser.post(
        f"{path}/reopen", data={"csrf_token": token, "reason": "客户不满意", "to": "processing"}
    )
    assert reopened.status == 303
    trail = await (await browser.get(path)).text()
    for seen in ("催办", "客户再次来电", "已电话联系", "归档", "客户不满意", "处理中"):
        assert seen in trail


async def test_overdue_and_soon_due_lists(
    browser: Browser, orders: dict[str, str], clock: FakeClock
) -> None:
    await browser.sign_in("leader")
    clock.now += timedelta(minutes=30)  # fault repair arrival (45 min) now due soon
    soon = await (await browser.get("/desk/dues")).text()
    assert orders["fault"] in soon.split("即将到期")[1]
    clock.now += timedelta(minutes=30)
    late = await (await browser.get("/desk/dues")).text()
    assert orders["fault"] in late.split("即将到期")[0]
    overdue_list = await (await browser.get("/desk/orders?due=overdue")).text()
    assert orders["fault"] in overdue_list
    assert orders["mine"] not in overdue_list


async def test_call_records_and_service_level_pages(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await apply(sessionmaker, [e.event("CA-page") for e in answered_call()])
    await apply(sessionmaker, [call_end("CA-page", "answered")])
    async with sessionmaker() as session:
        record = await cdr.get(session, "CA-page")
    assert record is not None
    assert record.queued_at is not None
    clock.now = record.queued_at + timedelta(hours=1)
    await browser.sign_in("leader")
    calls = await (await browser.get("/desk/calls?outcome=answered")).text()
    assert ">CA-page<" not in calls  # the sid only links the record; caller and path show
    assert "+8613800000001" in calls
    assert "已接通" in calls
    assert "a2 (3)" in calls
    level = await (await browser.get("/desk/service-level")).text()
    assert "fault" in level
    assert "100.0%" in level
    assert (await browser.get("/desk/service-level?date=yesterday")).status == 400

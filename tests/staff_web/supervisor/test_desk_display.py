"""What the desk's pages and API say: readable trails, the next status preselected, one way
of writing a wait, and every time in Beijing time, labelled."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.work_orders.status import ALLOWED, Status
from tests.app_fixtures import FakeClock
from tests.queues.call_records.cdr_samples import at
from tests.staff_web.auth.conftest import Browser
from tests.staff_web.supervisor.conftest import bearer, page_token
from tests.staff_web.supervisor.trace_samples import QUICK, quick_call

HAPPY_PATH = [Status.ACCEPTED, Status.DISPATCHED, Status.PROCESSING, Status.REPLIED,
              Status.CALLBACK, Status.CLOSED]  # fmt: skip
SELECTED = re.compile(r'<option value="([a-z]+)" selected>')


async def test_trail_reads_as_words_not_python_lists(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    path = f"/desk/orders/{orders['mine']}"
    token = await page_token(browser, path)
    for action, data in (("dispatch", {"department": "城区供电所"}), ("urge", {"note": "快"})):
        done = await browser.post(f"{path}/{action}", data={"csrf_token": token, **data})
        assert done.status == 303
    text = await (await browser.get(path)).text()
    trail = text[text.index("处理记录") : text.index("关联工单")]
    assert "[" not in trail
    assert "派单部门: 无 → 城区供电所" in trail
    assert "催办次数: 0 → 1" in trail
    assert "类别: 投诉" in trail  # the created row: the category's label, not its code
    english = await (await browser.get(f"{path}?lang=en")).text()
    assert "Department: none → 城区供电所" in english


async def test_order_form_preselects_forward_not_back(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    path = f"/desk/orders/{orders['mine']}"
    token = await page_token(browser, path)
    for target in ("dispatched", "processing", "replied", "callback"):
        text = await (await browser.get(path)).text()
        form = text[text.index("/transition") :]
        select = form[: form.index("</select>")]
        current = HAPPY_PATH[HAPPY_PATH.index(Status(target)) - 1]
        assert len(ALLOWED[current]) == select.count("<option")
        assert SELECTED.findall(select) == [target], (current, select)
        data = {"csrf_token": token, "to": target, "department": "城区供电所"}
        done = await browser.post(f"{path}/transition", data=data)
        assert done.status == 303, await done.text()


async def test_a_400_ms_wait_reads_0_4_s_everywhere(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await quick_call(sessionmaker)
    clock.now = at(200_000)
    await browser.sign_in("leader")
    calls = await (await browser.get("/desk/calls")).text()
    assert '<td class="num">0.4 秒</td><td class="num">95.0 秒</td>' in calls
    record = await (await browser.get(f"/desk/calls/{QUICK}")).text()
    assert "<dd>0.4 秒</dd>" in record
    level = await (await browser.get("/desk/service-level")).text()
    assert '<td class="num">0.4 秒</td><td class="num">95.0 秒</td></tr>' in level
    english = await (await browser.get("/desk/service-level?lang=en")).text()
    assert '<td class="num">0.4 s</td>' in english
    auth = await bearer(browser, "leader")
    listed = (await (await browser.get("/api/calls", headers=auth)).json())["items"][0]
    assert (listed["wait_ms"], listed["talk_ms"]) == (400, 95_000)
    assert "wait_s" not in listed
    figures = (await (await browser.get("/api/service-level", headers=auth)).json())["total"]
    assert (figures["avg_wait_ms"], figures["aht_ms"]) == (400, 95_000)


async def test_an_orders_wait_comes_from_its_calls_milliseconds(
    browser: Browser, orders: dict[str, str]
) -> None:
    await browser.sign_in("leader")
    text = await (await browser.get(f"/desk/orders/{orders['mine']}")).text()
    assert "<dt>等待</dt><dd>12.0 秒</dd>" in text  # no call record: the order's seconds
    auth = await bearer(browser, "leader")
    order = await (await browser.get(f"/api/work-orders/{orders['mine']}", headers=auth)).json()
    assert order["wait_ms"] == 12_000
    assert "wait_s" not in order


async def test_times_are_beijing_time_and_say_so(
    browser: Browser, orders: dict[str, str], clock: FakeClock
) -> None:
    await browser.sign_in("leader")
    for path in ("/desk/orders", f"/desk/orders/{orders['mine']}", "/desk/dues",
                 "/desk/calls", "/desk/service-level"):  # fmt: skip
        text = await (await browser.get(path)).text()
        assert "北京时间 (UTC+8)" in text, path
    english = await (await browser.get("/desk/orders?lang=en")).text()
    assert "Beijing time (UTC+8)" in english
    created = clock.now + timedelta(hours=8)  # the fixture's first order, 02:00 UTC
    assert created.strftime("%Y-%m-%d %H:%M") in english
    auth = await bearer(browser, "leader")
    order = await (await browser.get(f"/api/work-orders/{orders['mine']}", headers=auth)).json()
    assert order["created_at"] == created.replace(tzinfo=None).isoformat() + "+08:00"
    for row in [*order["deadlines"], *order["trail"]]:
        for name in ("due_at", "at"):
            if row.get(name):
                assert row[name].endswith("+08:00")
    listing = await (await browser.get("/api/work-orders", headers=auth)).json()
    assert all(item["created_at"].endswith("+08:00") for item in listing["items"])

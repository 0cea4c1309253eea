"""The decision trace on the call record page, the work order page and in the JSON API:
every offer of the call, the step in force, candidates per grade, and why others lost."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.app_fixtures import FakeClock
from tests.queues.call_records.cdr_samples import T0, at
from tests.staff_web.auth.conftest import Browser
from tests.staff_web.supervisor.conftest import bearer
from tests.staff_web.supervisor.trace_samples import CALL, answered_trace, traced_call

PASSED_ZH = {
    "j1": "等级不在本步范围",
    "a1": "未接或拒接后暂停接听",
    "s7": "空闲，但按策略排在后面",
    "s8": "话后处理中",
    "e1": "小休",
}


def section(text: str) -> str:
    return text[text.index('<section class="trace">') :]


def offer_rows(trace_html: str) -> list[str]:
    offers = trace_html[: trace_html.index("</table>")]
    return offers.split("<tr>")[2:]  # after the header's row


async def test_order_page_shows_each_offer_and_the_kept_trace(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    number = await traced_call(sessionmaker)
    clock.now = at(60_000)
    await browser.sign_in("leader")
    trace = section(await (await browser.get(f"/desk/orders/{number}")).text())
    rows = offer_rows(trace)
    assert len(rows) == 2
    assert "a1" in rows[0]
    assert "无人接听" in rows[0]
    assert "a2" in rows[1]
    assert "已接通" in rows[1]
    assert "第 2 步" in rows[1]
    kept = trace[trace.index("第 2 次振铃") :]
    assert "第 1 次振铃" not in trace  # only the answered offer's trace was kept
    for seen in ("3 高级", "2 中级 – 4 资深", "高等级优先，逐步放宽", "空闲最久优先"):
        assert seen in kept
    assert "20.0 秒" in kept  # waited when decided
    assert "排队 15.0 秒后" in kept  # the step opened 15 s into the wait
    assert "本步等级全部小休" in kept  # step 1 skipped
    passed = kept[kept.index("未选中的坐席") :]
    for agent, why in PASSED_ZH.items():
        assert f"<td>{agent}</td>" in passed
        assert why in passed.split(f"<td>{agent}</td>")[1].split("</tr>")[0]
    candidates = kept[kept.index("各等级候选坐席") : kept.index("未选中的坐席")]
    assert '<td>3 高级</td><td>是</td><td class="num">3</td><td class="num">1</td>' in candidates
    assert "<td>1 初级</td><td>否</td>" in candidates
    for code in ("back_off", "ranked_lower", "all_on_break", "wrap_up", "longest_idle"):
        assert code not in trace


async def test_call_record_page_shows_the_trace_in_english_too(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    number = await traced_call(sessionmaker)
    clock.now = at(60_000)
    await browser.sign_in("leader")
    calls = await (await browser.get("/desk/calls")).text()
    assert f'href="/desk/calls/{CALL}"' in calls
    page = await browser.get(f"/desk/calls/{CALL}?lang=en")
    text = await page.text()
    assert page.status == 200
    assert f'href="/desk/orders/{number}"' in text
    trace = section(text)
    assert "Decision trace" in trace
    assert "no answer" in offer_rows(trace)[0]
    for seen in (
        "step 2",
        "3 senior",
        "all of these grades on break",
        "pausing after a missed or rejected call",
        "grade outside the step",
        "idle, ranked lower by the strategy",
        "in wrap-up",
        "best first, relaxing down",
    ):
        assert seen in trace, seen
    assert (await browser.get("/desk/calls/CA-none")).status == 404


async def test_agents_do_not_get_the_call_pages(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await traced_call(sessionmaker)
    await browser.sign_in("a1001")
    assert (await browser.get(f"/desk/calls/{CALL}")).status == 403


async def test_api_gives_the_offers_and_trace_as_data(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    number = await traced_call(sessionmaker)
    clock.now = at(60_000)
    auth = await bearer(browser, "leader")
    order = await (await browser.get(f"/api/work-orders/{number}", headers=auth)).json()
    call = await (await browser.get(f"/api/calls/{CALL}", headers=auth)).json()
    expected = answered_trace()
    assert call["offers"] == 2  # the record's count, beside the offers themselves
    for offers in (order["decision_trace"]["offers"], call["decision_trace"]["offers"]):
        assert [(o["agent_id"], o["ended"]) for o in offers] == [
            ("a1", "no_answer"),
            ("a2", "connected"),
        ]
        assert offers[0]["trace"] is None
        trace = offers[1]["trace"]
        assert trace["chosen_agent"] == "a2"
        assert trace["step"] == expected.step
        assert trace["grades"] == [2, 4]
        assert trace["skipped"] == [{"step": 0, "why": "all_on_break", "at_ms": T0 + 10_000}]
        assert {p["agent_id"]: p["why"] for p in trace["passed_over"]} == {
            "j1": "grade",
            "a1": "back_off",
            "s7": "ranked_lower",
            "s8": "wrap_up",
            "e1": "break",
        }
        assert trace["decided_at"].endswith("+08:00")
        assert offers[1]["at"] == trace["decided_at"]

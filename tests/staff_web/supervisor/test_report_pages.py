"""The desk's reports: the page with its chart data, the CSV export and the JSON, on the
scripted day of tests/queues/reports (its figures are worked out there by hand)."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.queues.reports.scripted_day import write_day
from tests.staff_web.auth.conftest import Browser
from tests.staff_web.supervisor.conftest import bearer

DAY = "from=2026-11-27&to=2026-11-27"
NUMBER_CELL = '<td class="num">'  # the desk's tables align number columns right


def plain_cells(html: str) -> str:
    return html.replace(NUMBER_CELL, "<td>")


DATA = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


async def test_only_supervisors_and_admins_see_reports(browser: Browser) -> None:
    await browser.sign_in("a1001")
    assert (await browser.get(f"/desk/reports?{DAY}")).status == 403
    assert (await browser.get(f"/desk/reports.csv?{DAY}")).status == 403
    agent = await bearer(browser, "a1001")
    assert (await browser.get(f"/api/reports/queues?{DAY}", headers=agent)).status == 403
    admin = await bearer(browser, "admin")
    assert (await browser.get(f"/api/reports/agents?{DAY}", headers=admin)).status == 200


async def test_queue_page_tables_and_chart(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await write_day(sessionmaker)
    await browser.sign_in("leader")
    response = await browser.get(f"/desk/reports?{DAY}&interval=15&view=queues")
    text = plain_cells(await response.text())
    assert response.status == 200
    assert "北京时间" in text
    assert "Asia/Shanghai" in text
    assert 'href="/desk/reports"' in text
    assert 'aria-current="page"' in text
    # fault 09:00: ASA 55/3 s, AHT 460/3 s, longest 600 s, SL 40 % (default targets here).
    assert "<td>2026-11-27 09:00</td><td>6</td><td>3</td><td>1</td><td>1</td><td>2</td>" in text
    assert "<td>40.0%</td><td>18.3 秒</td><td>153.3 秒</td><td>600.0 秒</td>" in text
    # Every script is a file or data: no inline code.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    assert "/desk/static/reports.js" in text
    assert "/desk/static/vendor/echarts/echarts.common.min.js" in text
    found = DATA.search(text)
    assert found is not None
    chart = json.loads(found.group(1))
    assert chart["labels"] == ["2026-11-27 09:00", "2026-11-27 09:15", "2026-11-27 09:30"]
    assert chart["bars"]["进线量"] == [6, 2, 1]  # all queues: 09:15 holds C7 and C6
    assert chart["line"]["服务水平"][1] == 100.0
    assert (await browser.get("/desk/static/reports.js")).status == 200


async def test_agent_page_in_english(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await write_day(sessionmaker)
    await browser.sign_in("leader")
    text = plain_cells(await (await browser.get(f"/desk/reports?{DAY}&view=agents&lang=en")).text())
    assert "Occupancy" in text
    assert "Beijing time" in text
    # a1: 4 answered, talk 540 s, wrap-up 50 s, AHT 147.5 s, occupancy 590/3840.
    assert "<td>a1</td><td>4</td><td>540.0 s</td><td>50.0 s</td><td>147.5 s</td>" in text
    assert "<td>15.4%</td>" in text


async def test_csv_is_excel_ready_utf8_with_chinese_headers(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await write_day(sessionmaker)
    await browser.sign_in("leader")
    response = await browser.get(f"/desk/reports.csv?{DAY}&interval=day&view=queues")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="hotline-queues-2026-11-27-2026-11-27.csv"'
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["队列", "时段开始（北京时间）", "进线量"]
    assert "服务水平 (%)" in rows[0]
    assert "平均应答时长 (秒)" in rows[0]
    by_queue = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_queue) == {"fault", "general", "全部队列"}
    fault = by_queue["fault"]
    # The day of fault: 8 offered, 4 answered, SL 3/7, ASA 17.5 s, AHT 148.75 s.
    assert (fault["进线量"], fault["接通量"], fault["短时放弃"]) == ("8", "4", "1")
    assert (fault["服务水平 (%)"], fault["平均应答时长 (秒)"]) == ("42.9", "17.5")
    assert fault["平均处理时长 (秒)"] == "148.8"
    agents = await browser.get(f"/desk/reports.csv?{DAY}&view=agents")
    table = list(csv.reader(io.StringIO((await agents.read()).decode("utf-8-sig"))))
    assert table[0][0] == "坐席"
    a2 = dict(zip(table[0], table[2], strict=True))
    assert (a2["坐席"], a2["拒接"], a2["未应答"], a2["工单·投诉"]) == ("a2", "1", "1", "1")


async def test_json_for_queues_and_agents(
    browser: Browser, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await write_day(sessionmaker)
    headers = await bearer(browser, "leader")
    response = await browser.get(f"/api/reports/queues?{DAY}&interval=30", headers=headers)
    assert response.status == 200
    body = await response.json()
    assert (body["time_zone"], body["interval"]) == ("Asia/Shanghai", "30")
    first = body["queues"][0]
    # fault 09:00-09:30 holds C1-C7's fault visits: 7 offered, 4 answered, 3 within.
    assert (first["queue"], first["start"]) == ("fault", "2026-11-27T09:00:00+08:00")
    assert (first["offered"], first["answered"], first["answered_within"]) == (7, 4, 3)
    assert first["service_level_pct"] == 50.0  # 3 / (7 - 1 short)
    assert body["total"]["offered"] == 9
    agents = await (await browser.get(f"/api/reports/agents?{DAY}", headers=headers)).json()
    a1 = agents["agents"][0]
    assert (a1["agent_id"], a1["answered"], a1["complaints"], a1["orders"]) == (
        "a1", 4, 1, {"inquiry": 2, "fault_repair": 2},
    )  # fmt: skip


async def test_bad_input_is_a_400_naming_the_field(browser: Browser) -> None:
    headers = await bearer(browser, "leader")
    cases = {
        "from=2026-13-01": "from",
        "from=2026-11-28&to=2026-11-27": "from",
        "from=2026-01-01&to=2026-03-31": "to",
        f"{DAY}&interval=20": "interval",
        f"{DAY}&view=cities": "view",
    }
    for query, name in cases.items():
        response = await browser.get(f"/api/reports/queues?{query}", headers=headers)
        assert response.status == 400, query
        body = await response.json()
        assert body["error"].startswith(f"{name}:"), body
        assert list(body["fields"]) == [name]
    await browser.sign_in("leader")
    page = await browser.get("/desk/reports?from=2026-11-28&to=2026-11-27")
    assert page.status == 400
    assert "from:" in await page.text()
    assert (await browser.get("/desk/reports.csv?interval=7")).status == 400

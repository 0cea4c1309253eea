"""The report page in headless Chromium, served by the whole app with its demo config: the
vendored ECharts draws the chart from the page's JSON, with no script error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from playwright.async_api import async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.staff import Role
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.queues.reports.scripted_day import write_day
from tests.staff_web.auth.conftest import PASSWORD, add_accounts
from tests.staff_web.softphone.conftest import build_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture
async def served(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
) -> AsyncIterator[str]:
    await add_accounts(sessionmaker, passwords, [("leader", Role.SUPERVISOR, None)])
    await write_day(sessionmaker)
    port = unused_port()
    settings = on_port_settings(keys, port)
    app = build_app(settings, redis, sessionmaker, clock, passwords, keys)
    async with serving(app, port):
        yield settings.public_url


async def test_the_chart_is_drawn_from_the_pages_data(served: str) -> None:
    chromium = require_chromium()
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            report = "/desk/reports?from=2026-11-27&to=2026-11-27&interval=15&view=queues"
            await page.goto(served + "/auth/login?next=" + report.replace("&", "%26"))
            await page.fill("input[name=username]", "leader")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(served + report)
            await expect(page.locator("#report-chart canvas")).to_have_count(1)
            drawn = await page.evaluate(
                "() => { const c = echarts.getInstanceByDom(document.getElementById("
                "'report-chart')); const o = c.getOption(); return [o.xAxis[0].data,"
                " o.series.map(s => s.name + ':' + s.data.join(','))]; }"
            )
            assert drawn[0] == ["2026-11-27 09:00", "2026-11-27 09:15", "2026-11-27 09:30"]
            assert drawn[1] == ["进线量:6,2,1", "接通量:3,2,0", "服务水平:40,100,0"]
            # With the demo config published (its queues' targets read), the table is there too.
            assert await page.locator("td", has_text="153.3 秒").count() >= 1
        finally:
            await browser.close()
    assert errors == []

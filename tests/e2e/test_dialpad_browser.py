"""The embedded hotline in headless Chromium: dial 95598 on the dial pad, walk the real
demo menu by keys, and wait in the fault queue; the call record shows the path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from playwright.async_api import async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.app import create_app
from queues.call_records import cdr
from routing.keys import Keys
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture
async def embedded(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> AsyncIterator[str]:
    """The app as `hotline serve` builds it (local carrier, dial pad), on a free port."""
    port = unused_port()
    settings = on_port_settings(keys, port)
    app = create_app(settings, redis=redis, sessionmaker=sessionmaker, clock=clock)
    async with serving(app, port):
        yield settings.public_url


async def test_dial_pad_walks_the_95598_menu_to_the_fault_queue(
    embedded: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    chromium = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 720})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(embedded + "/")  # the front door leads to the dial pad
            await expect(page.locator("#call")).to_be_enabled()
            await page.select_option("#to", "95598")
            await page.click("#call")
            transcript = page.locator("#transcript")
            await expect(transcript).to_contain_text("欢迎致电国家电网95598")
            await expect(transcript).to_contain_text("故障报修请按1")
            await page.click('.keypad button[data-key="1"]')
            await expect(transcript).to_contain_text("停电请按1")
            await page.click('.keypad button[data-key="1"]')
            status = page.locator("#status")
            await expect(status).to_have_attribute("data-state", "queued", timeout=15_000)
            await expect(transcript).to_contain_text("抢修人员将尽快为您服务")
            await page.screenshot(path=str(tmp_path / "dialpad-95598.png"))
            await page.click("#hangup")
            await expect(status).to_have_attribute("data-state", "ended")
            assert errors == []
        finally:
            await browser.close()
    async with sessionmaker() as session:
        records = await cdr.recent(session)
    assert [(r.path, r.queue, r.outcome) for r in records] == [
        ("1 故障报修 > 1 停电", "fault", "abandoned")
    ]

"""The softphone in headless Chromium on the embedded hotline: sign in as an agent, go
ready, a real call through the local carrier rings the page (who and why), accept, hang up,
save the wrap-up form, and the work order shows in the agent's list with its IVR path."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import unused_port
from playwright.async_api import async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import LOCAL_CARRIER
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.local_carrier.scripted_caller import Press, ScriptedCaller
from tests.staff_web.softphone.conftest import PASSWORD, build_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CALLER = "+8613812345678"  # 张三 in the demo config


@pytest.fixture
async def embedded(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    users: dict[str, int],
) -> AsyncIterator[tuple[str, web.Application]]:
    port = unused_port()
    settings = on_port_settings(keys, port)
    app = build_app(settings, redis, sessionmaker, clock, passwords, keys)
    async with serving(app, port):
        yield settings.public_url, app


async def test_agent_goes_ready_takes_a_call_and_wraps_up(
    embedded: tuple[str, web.Application], tmp_path: Path
) -> None:
    base, app = embedded
    chromium = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 720})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            outside: list[str] = []
            page.on(
                "request",
                lambda r: (
                    outside.append(r.url) if not r.url.startswith((base, "ws://127")) else None
                ),
            )
            await page.goto(base + "/softphone/")  # → login → back here
            await page.fill("input[name=username]", "a1005")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(base + "/softphone/")
            state = page.locator("#state")
            await expect(page.locator("#live")).to_have_attribute("data-connected", "1")
            await expect(page.locator("#phone")).to_have_attribute("data-phone", "registered")
            await expect(state).to_have_attribute("data-state", "offline")
            await expect(page.locator("#state-label")).to_have_text("离线")

            await page.click("#btn-ready")
            await expect(state).to_have_attribute("data-state", "ready")

            caller = ScriptedCaller([Press("1", barge_in=True), Press("1", barge_in=True)])
            call = await app[LOCAL_CARRIER].place_call(CALLER, "95598", caller)
            offer = page.locator("#offer")
            await expect(offer).to_be_visible(timeout=20_000)
            await expect(page.locator("#offer-caller")).to_have_text(CALLER)
            await expect(page.locator("#offer-name")).to_have_text("张三")
            await expect(page.locator("#offer-path")).to_have_text("1 故障报修 > 1 停电")
            await expect(page.locator("#btn-accept")).to_be_enabled()
            await page.screenshot(path=str(tmp_path / "softphone-offer.png"))

            await page.click("#btn-accept")
            await expect(page.locator("#incall")).to_be_visible()
            await expect(state).to_have_attribute("data-state", "busy")
            await expect(page.locator("#call-work-order")).to_have_text(re.compile(r"^GD-"))
            number = await page.locator("#call-work-order").text_content()
            assert number
            await expect(page.locator("#btn-mute")).to_be_hidden()  # Twilio mode only
            await page.click("#btn-hangup")

            await expect(page.locator("#wrapup")).to_be_visible()
            await page.select_option("#wu-category", "fault_repair")
            await page.fill("#wu-address", "城东路 12 号")
            await page.fill("#wu-description", "整栋楼停电")
            await page.fill("#wu-department", "抢修班")
            await page.click("#wu-save")
            await expect(state).to_have_attribute("data-state", "ready")
            await expect(page.locator("#wrapup")).to_be_hidden()
            row = page.locator("#orders-body tr").first
            await expect(row.locator(".wo-path")).to_have_text("1 故障报修 > 1 停电")
            await expect(row.locator(".wo-number")).to_have_text(number)
            await expect(row.locator(".wo-status")).to_have_text("派单")

            await page.click("#lang")
            await expect(page.locator("#state-label")).to_have_text("Ready")
            await page.screenshot(path=str(tmp_path / "softphone-after.png"))
            await call.wait()
            assert errors == []
            assert outside == []  # nothing external in the embedded mode
        finally:
            await browser.close()

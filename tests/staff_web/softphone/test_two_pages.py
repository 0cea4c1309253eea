"""The newcomer's loop in headless Chromium: the dial pad in one page calls 95598 and walks
the menu to the fault queue; the agent's softphone in another page rings with who and why,
answers, hangs up, saves the wrap-up; the work order shows in the agent's list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.staff_web.softphone.conftest import PASSWORD
from tests.staff_web.softphone.test_browser import embedded

__all__ = ["embedded"]  # the fixture: the embedded hotline with demo accounts, on a port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def sign_in_ready(page: Page, base: str, agent: str) -> None:
    await page.goto(base + "/softphone/")
    await page.fill("input[name=username]", agent)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/softphone/")
    await expect(page.locator("#phone")).to_have_attribute("data-phone", "registered")
    await page.click("#btn-ready")
    await expect(page.locator("#state")).to_have_attribute("data-state", "ready")


async def test_dial_pad_call_is_answered_on_the_softphone(
    embedded: tuple[str, web.Application], tmp_path: Path
) -> None:
    base, _ = embedded
    chromium = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            agent = await browser.new_page(viewport={"width": 1280, "height": 720})
            caller = await browser.new_page(viewport={"width": 1280, "height": 720})
            errors: list[str] = []
            for page in (agent, caller):
                page.on("pageerror", lambda exc: errors.append(str(exc)))
            await sign_in_ready(agent, base, "a1005")  # fault repair, 资深

            await caller.goto(base + "/carrier/")
            await caller.select_option("#to", "95598")
            await caller.click("#call")
            transcript = caller.locator("#transcript")
            await expect(transcript).to_contain_text("故障报修请按1")
            await caller.click('.keypad button[data-key="1"]')
            await expect(transcript).to_contain_text("停电请按1")
            await caller.click('.keypad button[data-key="1"]')

            await expect(agent.locator("#offer")).to_be_visible(timeout=20_000)
            await expect(agent.locator("#offer-path")).to_have_text("1 故障报修 > 1 停电")
            await agent.click("#btn-accept")
            await expect(agent.locator("#state")).to_have_attribute("data-state", "busy")
            await expect(agent.locator("#call-work-order")).to_have_text(re.compile(r"^GD-"))
            number = await agent.locator("#call-work-order").text_content()
            assert number
            await caller.screenshot(path=str(tmp_path / "dialpad-connected.png"))
            await agent.click("#btn-hangup")

            await expect(agent.locator("#wrapup")).to_be_visible()
            await agent.select_option("#wu-category", "fault_repair")
            await agent.fill("#wu-address", "城东路 12 号")
            await agent.fill("#wu-description", "整栋楼停电")
            await agent.click("#wu-save")
            await expect(agent.locator("#state")).to_have_attribute("data-state", "ready")
            row = agent.locator("#orders-body tr").first
            await expect(row.locator(".wo-number")).to_have_text(number)
            await expect(row.locator(".wo-path")).to_have_text("1 故障报修 > 1 停电")
            await agent.screenshot(path=str(tmp_path / "softphone-orders.png"))
            assert errors == []
        finally:
            await browser.close()

"""In headless Chromium, under the app's security headers: every page's scripts run, its
sockets connect, and the browser reports no Content-Security-Policy violation."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from playwright.async_api import Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.staff_web.auth.conftest import PASSWORD, add_accounts
from tests.staff_web.softphone.conftest import ACCOUNTS, build_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


async def sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(base + "/auth/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")


async def violations(page: Page) -> list[Any]:
    found: list[Any] = await page.evaluate("window.__violations")
    return found


async def test_pages_run_their_scripts_and_sockets_under_the_policy(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
) -> None:
    await add_accounts(sessionmaker, passwords, ACCOUNTS)
    port = unused_port()
    settings = on_port_settings(keys, port)
    base = settings.public_url
    app = build_app(settings, redis, sessionmaker, clock, passwords, keys)
    async with serving(app, port), async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=require_chromium(), args=LAUNCH_ARGS
        )
        try:
            seen: dict[str, list[Any]] = {}
            console: list[str] = []
            context = await browser.new_context()
            await context.add_init_script(WATCH)
            page = await context.new_page()
            page.on(
                "console",
                lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
            )
            await sign_in(page, base, "leader")
            await page.wait_for_url(base + "/desk/orders")
            seen["/desk/orders"] = await violations(page)
            await page.goto(base + "/desk/wallboard")
            await expect(page.locator("#wb-status")).to_have_attribute("data-connected", "1")
            seen["/desk/wallboard"] = await violations(page)
            await page.goto(base + "/desk/reports")
            seen["/desk/reports"] = await violations(page)
            await page.goto(base + "/softphone/?agent=a1001")
            await expect(page.locator("#live")).to_have_attribute("data-connected", "1")
            seen["/softphone/ (watching)"] = await violations(page)
            await page.goto(base + "/carrier/")
            seen["/carrier/"] = await violations(page)
            await context.close()

            context = await browser.new_context()
            await context.add_init_script(WATCH)
            page = await context.new_page()
            await sign_in(page, base, "a1001")
            await page.wait_for_url(base + "/softphone/")
            await expect(page.locator("#live")).to_have_attribute("data-connected", "1")
            await expect(page.locator("#phone")).to_have_attribute("data-phone", "registered")
            seen["/softphone/ (agent)"] = await violations(page)
            await context.close()

            context = await browser.new_context()
            await context.add_init_script(WATCH)
            page = await context.new_page()
            await sign_in(page, base, "admin")
            await page.wait_for_url(base + "/admin/")
            seen["/admin/"] = await violations(page)
            await context.close()
        finally:
            await browser.close()
    assert seen == {key: [] for key in seen}
    assert console == []

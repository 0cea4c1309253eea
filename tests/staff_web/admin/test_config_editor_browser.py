"""The menu editor in headless Chromium on the embedded hotline: an admin creates a draft,
breaks it (the VIP action sent to an unknown queue), saves and sees the problem in the list
and as a lint marker at its line, jumps there from the list and fixes it, changes the 95598
greeting, saves clean, reads the diff, tries the draft out, publishes it and rolls back;
the browser reports no CSP violation and no console error on the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from playwright.async_api import Locator, Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.menus import drafting
from queues import config_versions
from routing.keys import Keys
from staff_web.auth.passwords import Passwords
from tests.app_fixtures import FakeClock, on_port_settings, serving
from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium
from tests.staff_web.admin.conftest import build_admin_app
from tests.staff_web.admin.test_config_api import (
    BROKEN_TEXT,
    DEMO,
    DRAFT_GREETING,
    PUBLISHED_GREETING,
    TESTER,
    UNKNOWN_QUEUE,
)
from tests.staff_web.auth.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""
VIP_LINE = next(line for line in DEMO.splitlines() if "queue: vip, category: VIP服务" in line)
GREETING_LINE = next(line for line in DEMO.splitlines() if PUBLISHED_GREETING in line)
EDITED = DEMO.replace(PUBLISHED_GREETING, DRAFT_GREETING)


def editor_line(page: Page, text: str) -> Locator:
    return page.locator("#cfg-editor .cm-line", has_text=text)


async def same_row(marker: Locator, text_line: Locator) -> bool:
    """Whether the gutter marker sits at the same height as the text line."""
    mark, row = await marker.bounding_box(), await text_line.bounding_box()
    assert mark is not None
    assert row is not None
    return row["y"] <= mark["y"] + mark["height"] / 2 <= row["y"] + row["height"]


async def test_an_admin_edits_publishes_and_rolls_back_a_menu(
    keys: Keys,
    redis: aioredis.Redis,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    passwords: Passwords,
    users: dict[str, int],
    tmp_path: Path,
) -> None:
    chromium = require_chromium()
    port = unused_port()
    settings = on_port_settings(keys, port, test_callers=(TESTER,))
    base = settings.public_url
    app = build_admin_app(settings, redis, sessionmaker, clock, passwords, keys)
    problems: list[str] = []
    async with serving(app, port), async_playwright() as playwright:
        async with sessionmaker() as session:
            before = await config_versions.published_id(session)  # the demo's, at start-up
        assert before is not None
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            await context.add_init_script(WATCH)
            page = await context.new_page()
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "console",
                lambda msg: (
                    problems.append(f"{msg.text} {msg.location.get('url')}")
                    if msg.type == "error"
                    else None
                ),
            )
            page.on("dialog", lambda dialog: dialog.accept())

            await page.goto(base + "/admin/config")  # → sign-in → back here
            await page.fill("input[name=username]", "admin")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(base + "/admin/config")
            published = page.locator(f'#cfg-versions tr[data-version="{before}"]')
            await expect(published).to_have_attribute("data-published", "1")

            # A draft without a title is refused under its field; with one, it opens.
            await page.click("#cfg-new-button")
            await expect(page.locator("#cfg-new-title-error")).to_be_visible()
            await expect(page.locator("#cfg-new-title")).to_have_attribute("aria-invalid", "true")
            await page.fill("#cfg-new-title", "新版问候")
            await page.click("#cfg-new-button")
            await page.wait_for_url(re.compile(r"/admin/config\?draft=\d+$"))
            draft_id = int(page.url.rsplit("=", 1)[1])
            await expect(page.locator("#cfg-draft-heading")).to_have_text("新版问候")
            await expect(page.locator("#cfg-editor .cm-editor")).to_have_count(1)
            await expect(page.locator("#cfg-problems")).to_have_attribute("data-count", "0")
            await expect(page.locator("#cfg-save")).to_be_disabled()  # nothing changed yet

            # The whole text replaced as a paste would: the VIP action at an unknown queue.
            await page.locator("#cfg-editor .cm-content").click()
            await page.keyboard.press("Control+a")
            await page.keyboard.insert_text(BROKEN_TEXT)
            await expect(page.locator("#cfg-draft")).to_have_attribute("data-dirty", "1")
            await expect(page.locator("#cfg-publish")).to_be_disabled()
            await page.click("#cfg-save")
            await expect(page.locator("#cfg-status")).to_have_attribute("data-outcome", "problems")
            await expect(page.locator("#cfg-problems")).to_have_attribute("data-count", "1")
            problem = page.locator("#cfg-problems .cfg-problem")
            await expect(problem).to_contain_text(UNKNOWN_QUEUE)
            await expect(page.locator("#cfg-publish")).to_be_disabled()
            stored = await drafting.draft(sessionmaker, draft_id)
            assert stored.draft.text == BROKEN_TEXT
            [where] = stored.problems
            assert where.line is not None
            assert "queue: nowhere" in BROKEN_TEXT.splitlines()[where.line - 1]
            await expect(problem).to_have_attribute("data-line", str(where.line))

            # Clicking the problem brings its line into view, lint marker beside it.
            await problem.click()
            broken = editor_line(page, "queue: nowhere")
            await expect(broken).to_be_in_viewport()
            marker = page.locator("#cfg-editor .cm-gutter-lint .cm-lint-marker-error")
            await expect(marker).to_have_count(1)
            assert await same_row(marker, broken)
            await expect(page.locator("#cfg-editor .cm-lintRange-error")).to_have_count(1)
            await page.screenshot(path=str(tmp_path / "config-problem.png"), full_page=True)

            # The line is selected: typing the right line replaces it.
            await page.keyboard.insert_text(VIP_LINE)
            await expect(editor_line(page, "queue: nowhere")).to_have_count(0)
            # The greeting a few lines above: from its end back to its indentation.
            greeting = editor_line(page, PUBLISHED_GREETING)
            await greeting.click()
            await page.keyboard.press("End")
            await page.keyboard.press("Shift+Home")
            await page.keyboard.insert_text(
                GREETING_LINE.strip().replace(PUBLISHED_GREETING, DRAFT_GREETING)
            )
            await page.click("#cfg-save")
            await expect(page.locator("#cfg-status")).to_have_attribute("data-outcome", "ok")
            await expect(page.locator("#cfg-problems")).to_have_attribute("data-count", "0")
            await expect(page.locator("#cfg-editor .cm-lint-marker-error")).to_have_count(0)
            stored = await drafting.draft(sessionmaker, draft_id)
            assert stored.draft.text == EDITED
            assert stored.problems == []
            await expect(page.locator("#cfg-publish")).to_be_enabled()

            # The diff against the published version shows the new greeting, nothing else.
            await page.click("#cfg-diff-button")
            diff = page.locator("#cfg-diff-text")
            await expect(diff.locator(".cfg-add")).to_contain_text(DRAFT_GREETING)
            await expect(diff.locator(".cfg-del")).to_contain_text(PUBLISHED_GREETING)
            await expect(diff.locator(".cfg-add")).to_have_count(1)
            await expect(diff.locator(".cfg-del")).to_have_count(1)
            await expect(page.locator("#cfg-diff-summary")).to_contain_text("95598")
            await page.screenshot(path=str(tmp_path / "config-diff.png"), full_page=True)

            # Try it: the trial's end and the dial pad calling from the test number.
            await page.click("#cfg-trial-button")
            await expect(page.locator("#cfg-trial-until")).to_contain_text("试拨已开始")
            dial_pad = page.locator("#cfg-dial-pad")
            await expect(dial_pad).to_have_attribute("href", re.compile(r"^/carrier/\?from="))

            # Publish: the versions list marks the new version, the old one offers a roll-back.
            await page.fill("#cfg-comment", "新版问候")
            await page.click("#cfg-publish")
            await expect(page.locator("#cfg-status")).to_have_attribute("data-outcome", "ok")
            await expect(page.locator("#cfg-status")).to_contain_text("已发布为版本")
            async with sessionmaker() as session:
                after = await config_versions.published_id(session)
            assert after is not None
            assert after != before
            new_row = page.locator(f'#cfg-versions tr[data-version="{after}"]')
            await expect(new_row).to_have_attribute("data-published", "1")
            await expect(new_row).to_contain_text("新版问候")
            await expect(published).to_have_attribute("data-published", "0")
            await expect(page.locator("#cfg-publish")).to_be_disabled()
            await expect(page.locator("#cfg-save")).to_be_disabled()
            # The published draft is read-only now: typing changes nothing.
            await page.locator("#cfg-editor .cm-line").first.click()
            await page.keyboard.type("zz")
            await expect(page.locator("#cfg-editor .cm-content")).not_to_contain_text("zz")
            await expect(page.locator("#cfg-draft")).to_have_attribute("data-dirty", "0")
            await expect(page.locator("#cfg-editor .cm-editor")).to_have_count(1)

            # Roll back (confirmed): the old version is published again.
            await published.locator(".cfg-rollback").click()
            await expect(published).to_have_attribute("data-published", "1")
            await expect(new_row).to_have_attribute("data-published", "0")
            await expect(page.locator("#cfg-versions-status")).to_contain_text(f"#{before}")
            async with sessionmaker() as session:
                assert await config_versions.published_id(session) == before

            assert await page.evaluate("window.__violations") == []
        finally:
            await browser.close()
    # Chromium logs every 4xx response as an error: the untitled draft's refusal (on
    # purpose) and the favicon the app does not have (asked for at most once) are the
    # only ones allowed.
    refused = f"status of 400 (Bad Request) {base}/api/admin/config/drafts"
    no_icon = f"status of 404 (Not Found) {base}/favicon.ico"
    assert [p for p in problems if not p.endswith((refused, no_icon))] == []
    assert sum(p.endswith(refused) for p in problems) == 1

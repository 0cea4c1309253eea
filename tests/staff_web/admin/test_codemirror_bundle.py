"""The vendored CodeMirror bundle in headless Chromium, without the app: a static page under
the admin pages' CSP (scripts from 'self' only; styles from 'self' plus the page's nonce,
which CodeMirror's own <style> element needs) mounts a YAML editor, the user types into it,
lint markers land on the line they name and revealLine scrolls to and selects a line; a
read-only editor refuses typing."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Locator, Page, async_playwright, expect
from pytest_aiohttp import AiohttpServer

from tests.local_carrier.browser import LAUNCH_ARGS, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "staff_web" / "admin" / "static" / "vendor" / "codemirror"
PAGE = Path(__file__).with_name("editor_page")

COLOUR = "e => getComputedStyle(e).color"
MENU = (
    'hotline: "95598"\nmenu:\n  greeting: 欢迎致电\n  options:\n    - key: 1\n      queue: fault\n'
)


@pytest.fixture
async def site(aiohttp_server: AiohttpServer) -> str:
    """The test page, the vendored files and the page's own script, as the admin app will."""
    nonce = secrets.token_urlsafe(16)

    async def editor(request: web.Request) -> web.Response:
        html = (PAGE / "editor.html").read_text("utf-8").replace("{{nonce}}", nonce)
        # As the softphone's: lint's squiggles are data: SVG images.
        csp = (
            f"default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:"
        )
        headers = {"Content-Security-Policy": csp}
        return web.Response(text=html, content_type="text/html", headers=headers)

    async def no_icon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/editor", editor)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_static("/vendor", VENDOR)
    app.router.add_static("/page", PAGE)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("/editor"))


async def run(page: Page, script: str, arg: Any = None) -> Any:
    return await page.evaluate(script, arg)


def line(page: Page, host: str, number: int) -> Locator:
    """The rendered line `number` (1-based) of the editor in `host`, while it is in view."""
    return page.locator(f"{host} .cm-line").nth(number - 1)


async def test_the_bundle_edits_highlights_lints_and_reveals(site: str) -> None:
    chromium = require_chromium()
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            await page.goto(site)
            await expect(page.locator("#editor .cm-editor")).to_have_count(1)
            assert await run(page, "() => window.testEditor.getText()") == MENU

            # The editor's own styles were admitted by the nonce, and YAML keys and strings
            # came out as token spans drawn in their own colours.
            editor = page.locator("#editor .cm-editor")
            assert await editor.evaluate("e => getComputedStyle(e).display") == "flex"
            key = line(page, "#editor", 1).locator("span", has_text="hotline")
            value = line(page, "#editor", 1).locator("span", has_text='"95598"')
            content = page.locator("#editor .cm-content")
            colours = [await c.evaluate(COLOUR) for c in (key, value, content)]
            assert len(set(colours)) == 3, colours

            # Typing at the end of line 6 changes the text and reports it through onChange.
            await line(page, "#editor", 6).click()
            await page.keyboard.press("End")
            await page.keyboard.type("  # 停电 fault")
            edited = MENU.replace("queue: fault\n", "queue: fault  # 停电 fault\n")
            assert await run(page, "() => window.testEditor.getText()") == edited
            assert await run(page, "() => window.testChanges.at(-1)") == edited

            # A diagnostic at line 3 puts an error marker in the gutter beside line 3 and
            # underlines from its column to the line's end; a warning at line 5 likewise.
            await run(
                page,
                "(d) => window.testEditor.setDiagnostics(d)",
                [
                    {"line": 3, "column": 3, "message": "未知队列", "severity": "error"},
                    {"line": 5, "message": "按键重复", "severity": "warning"},
                ],
            )
            error_marker = page.locator("#editor .cm-gutter-lint .cm-lint-marker-error")
            await expect(error_marker).to_have_count(1)
            await expect(page.locator("#editor .cm-lint-marker-warning")).to_have_count(1)
            assert await same_row(error_marker, line(page, "#editor", 3))
            warning = page.locator("#editor .cm-lint-marker-warning")
            assert await same_row(warning, line(page, "#editor", 5))
            underlined = await page.locator("#editor .cm-lintRange-error").all_text_contents()
            assert "".join(underlined) == "greeting: 欢迎致电"
            await run(page, "() => window.testEditor.setDiagnostics([])")
            await expect(page.locator("#editor .cm-lint-marker")).to_have_count(0)

            # setText replaces the document without reporting it as the user's edit.
            reported = await run(page, "() => window.testChanges.length")
            long_menu = "".join(f"line{n}: {n}\n" for n in range(1, 201))
            await run(page, "(t) => window.testEditor.setText(t)", long_menu)
            assert await run(page, "() => window.testEditor.getText()") == long_menu
            assert await run(page, "() => window.testChanges.length") == reported

            # revealLine scrolls line 150 into the editor's view and selects all of it.
            scroller = page.locator("#editor .cm-scroller")
            assert await scroller.evaluate("s => s.scrollTop") == 0
            await run(page, "() => window.testEditor.revealLine(150)")
            target = page.locator("#editor .cm-line", has_text="line150: 150")
            await expect(target).to_be_in_viewport()
            assert await inside(target, scroller)
            selected = await run(
                page,
                "() => { const v = window.testEditor.view; const s = v.state.selection.main;"
                " return [v.state.sliceDoc(s.from, s.to), v.hasFocus]; }",
            )
            assert selected == ["line150: 150", True]

            # The read-only editor keeps its text whatever is typed into it.
            await line(page, "#viewer", 2).click()
            await page.keyboard.type("x")
            assert await run(page, "() => window.testViewer.getText()") == MENU

            assert await run(page, "() => window.testViolations") == []
        finally:
            await browser.close()
    assert problems == []


async def same_row(marker: Locator, text_line: Locator) -> bool:
    """Whether the gutter marker sits at the same height as the text line."""
    mark, row = await marker.bounding_box(), await text_line.bounding_box()
    assert mark is not None
    assert row is not None
    return row["y"] <= mark["y"] + mark["height"] / 2 <= row["y"] + row["height"]


async def inside(element: Locator, container: Locator) -> bool:
    """Whether `element` is drawn within `container`'s visible box (not just the page's)."""
    box, frame = await element.bounding_box(), await container.bounding_box()
    assert box is not None
    assert frame is not None
    return frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]

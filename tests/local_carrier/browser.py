"""Finding headless Chromium for browser tests (never downloaded: the system's own)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The Chromium executable: HOTLINE_CHROMIUM, a Debian/Ubuntu path, or on PATH."""
    configured = os.environ.get("HOTLINE_CHROMIUM", "").strip()
    if configured:
        return configured if Path(configured).is_file() else None
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """The Chromium path; skip when absent, fail when HOTLINE_REQUIRE_BROWSER=1 demands it."""
    path = chromium_path()
    if path is not None:
        return path
    if os.environ.get("HOTLINE_REQUIRE_BROWSER", "").strip() not in {"", "0"}:
        pytest.fail("HOTLINE_REQUIRE_BROWSER is set but no Chromium was found")
    pytest.skip("no Chromium found (install Debian's chromium or set HOTLINE_CHROMIUM)")

"""Imports go one way, ivr → queues → routing: the lower rooms never see HTTP or Twilio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    importlib.import_module(module.name)
bad = sorted(m for m in sys.modules if m in {"aiohttp.web", "twilio"} or m.startswith("ivr"))
if sys.argv[1] == "routing":
    bad += sorted(m for m in sys.modules if m.startswith(("queues", "sqlalchemy")))
print("\\n".join(bad))
"""


@pytest.mark.parametrize("package", ["routing", "queues"])
def test_lower_packages_do_not_import_the_web_or_twilio(package: str) -> None:
    result = subprocess.run(  # a fresh interpreter: nothing else imported first
        [sys.executable, "-c", PROBE, package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "", f"{package} pulls in: {result.stdout}"

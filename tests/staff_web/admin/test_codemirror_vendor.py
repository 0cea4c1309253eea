"""The vendored CodeMirror folder agrees with itself: VERSION names every bundled package at
the version the lock file installs, LICENSE holds a text for each, the pinned packages are
among them, and the lock file carries no registry URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "staff_web" / "admin" / "static" / "vendor" / "codemirror"
BUILD = VENDOR / "build"


def listed() -> dict[str, str]:
    """VERSION's bundled packages, name to version."""
    text = (VENDOR / "VERSION").read_text("utf-8")
    found = re.findall(r"^  ((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.+-]*) \(MIT\)$", text, re.MULTILINE)
    return dict(found)


def test_version_and_licence_name_the_same_packages_as_the_lock() -> None:
    packages = listed()
    assert len(packages) >= 10
    sections = re.findall(r"^==== (.+) ====$", (VENDOR / "LICENSE").read_text("utf-8"), re.M)
    assert sections == [f"{name}@{version}" for name, version in packages.items()]
    lock = json.loads((BUILD / "package-lock.json").read_text("utf-8"))["packages"]
    for name, version in packages.items():
        assert lock[f"node_modules/{name}"]["version"] == version, name


def test_the_pins_are_exact_and_bundled() -> None:
    manifest = json.loads((BUILD / "package.json").read_text("utf-8"))
    packages = listed()
    for name, pin in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pin), name
        assert packages[name] == pin, name
    for name, pin in manifest["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pin), name
    assert {"@lezer/yaml", "style-mod", "w3c-keyname", "crelt"} <= set(packages)


def test_the_lock_file_names_no_registry() -> None:
    lock = json.loads((BUILD / "package-lock.json").read_text("utf-8"))["packages"]
    assert all("resolved" not in entry for entry in lock.values())
    assert all(entry["integrity"].startswith("sha512-") for key, entry in lock.items() if key)

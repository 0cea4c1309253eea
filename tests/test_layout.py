"""The layout holds: each top-level package imports only the rooms below it, the lower rooms
pull in no web framework or carrier SDK, and no module name stands in two packages."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The composition root's declarations, which the rooms it composes read their shared
#: resources through (`request.app[KEY]`, or the app's metrics handed to them); its other
#: modules build the app and import all.
ROOT_DECLARATIONS = {"hotline.appkeys", "hotline.settings", "hotline.metrics"}

#: Each first-party package and the first-party packages (or, for the root, modules) its own
#: modules may import directly. Read from the bottom up: routing at the bottom, then queues.
MAY_IMPORT: dict[str, set[str]] = {
    "routing": set(),
    "queues": {"routing"},
    "local_carrier": set(),
    "carriers": {"local_carrier"},
    "ivr": {"queues", "routing", *ROOT_DECLARATIONS},
    "switchboard": {"ivr", "carriers", "queues", "routing", *ROOT_DECLARATIONS},
    "staff_web": {"switchboard", "ivr", "carriers", "queues", "routing", *ROOT_DECLARATIONS},
    "hotline": {
        "staff_web",
        "switchboard",
        "ivr",
        "carriers",
        "local_carrier",
        "queues",
        "routing",
    },
}
PACKAGES = sorted(MAY_IMPORT)


def modules(package: str) -> dict[str, Path]:
    """Every module of `package`, by dotted name."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(module: str, path: Path) -> set[str]:
    """The first-party modules `module` imports anywhere in its code, relative ones resolved."""
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in MAY_IMPORT}


def allowed(package: str, target: str) -> bool:
    top = target.split(".")[0]
    if top == package:
        return True
    rules = MAY_IMPORT[package]
    if top in rules:
        return True
    return any(target == rule or target.startswith(rule + ".") for rule in rules)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_the_rooms_below_it(package: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, path in modules(package).items()
        for target in imported(module, path)
        if not allowed(package, target)
    )
    assert wrong == []


def test_the_import_rules_are_checked_against_every_package() -> None:
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert on_disk == set(MAY_IMPORT)


#: Run in a fresh interpreter: import every module of a package and list what came with it.
PROBE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    if not module.name.endswith(".__main__"):  # runs the command line
        importlib.import_module(module.name)
print("\\n".join(sorted(sys.modules)))
"""

#: What importing all of a lower room may never bring along, however indirectly.
NEVER_LOADED = {
    "routing": (
        "sqlalchemy",
        "aiohttp",
        "twilio",
        "fakeredis",
        "prometheus_client",
        *(set(MAY_IMPORT) - {"routing"}),
    ),
    "queues": (
        "aiohttp.web",
        "twilio",
        "fakeredis",
        "prometheus_client",
        *(set(MAY_IMPORT) - {"queues", "routing"}),
    ),
    "local_carrier": ("redis", "sqlalchemy", *(set(MAY_IMPORT) - {"local_carrier"})),
    # The in-process Redis stand-in is loaded only when the embedded mode asks for it.
    "hotline": ("fakeredis",),
}


@pytest.mark.parametrize("package", sorted(NEVER_LOADED))
def test_importing_a_package_brings_in_nothing_it_must_not(package: str) -> None:
    result = subprocess.run(  # a fresh interpreter: nothing else imported first
        [sys.executable, "-c", PROBE, package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = result.stdout.split()
    banned = NEVER_LOADED[package]
    wrong = sorted(m for m in loaded if any(m == b or m.startswith(b + ".") for b in banned))
    assert wrong == [], f"{package} pulls in: {wrong}"


def test_no_module_name_stands_in_two_packages() -> None:
    where = defaultdict(set)
    for package in PACKAGES:
        for module in modules(package):
            *parent, name = module.split(".")
            if parent and name not in {"__main__"}:
                where[name].add(".".join(parent))
    repeated = {name: sorted(places) for name, places in where.items() if len(places) > 1}
    assert repeated == {}

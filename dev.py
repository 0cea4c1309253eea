"""Bootstrap: make `.venv`, install the project into it, then serve or test.

Only needs Python 3.11+. `python3 dev.py serve` runs the hotline on its embedded defaults;
`python3 dev.py test` runs the test suite. Extra arguments go to `hotline serve` or pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _stamp(kind: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"{kind}:{digest}"


def _ensure(kind: str) -> None:
    stamp_file = VENV / f".hotline-{kind}"
    if stamp_file.exists() and stamp_file.read_text() == _stamp(kind):
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # Dependency groups need pip >= 25.1; the pip a fresh venv ships may be older.
    subprocess.run([*pip, "--upgrade", "pip>=25.1"], check=True)
    extra = ["--group", "dev"] if kind == "dev" else []
    subprocess.run([*pip, "--editable", str(ROOT), *extra], check=True)
    stamp_file.write_text(_stamp(kind))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        print("usage: python3 dev.py serve|test [args...]", file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "serve":
        _ensure("run")
        args = [str(BIN / "hotline"), "serve", *rest]
    else:
        _ensure("dev")
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    os.chdir(ROOT)
    return subprocess.call(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The demo config shipped with Hotline: a 95598 line in Mandarin and a 400 line in English."""

from __future__ import annotations

from pathlib import Path

HOTLINES_YAML = Path(__file__).with_name("hotlines.yaml")

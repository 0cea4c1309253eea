"""One mistake found in a config: where it is and why it is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake in a config: where (`hotlines[0].menu.start`) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(config)'}: {self.reason}"

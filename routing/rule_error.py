"""The error raised for an invalid routing option; it names the field and the reason."""

from __future__ import annotations


class RuleError(ValueError):
    """An option of a queue, plan or step is invalid."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

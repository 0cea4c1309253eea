"""Agent grades (tier levels) 1–4 within a skill: 初级, 中级, 高级, 资深."""

from __future__ import annotations

from enum import IntEnum

from routing.rule_error import RuleError


class Grade(IntEnum):
    """How experienced an agent is in one skill; higher serves harder calls."""

    JUNIOR = 1
    INTERMEDIATE = 2
    SENIOR = 3
    EXPERT = 4

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]

    @classmethod
    def parse(cls, value: int | str, *, field: str = "grade") -> Grade:
        """A grade from 1-4, a name (`senior`) or a Chinese label (`高级`)."""
        if isinstance(value, str):
            text = value.strip()
            for grade, label in _LABELS_ZH.items():
                if text in (label, grade.name.lower()):
                    return grade
            if not text.isdigit():
                raise RuleError(field, f"unknown grade {value!r}")
            value = int(text)
        if isinstance(value, bool) or value not in range(1, 5):
            raise RuleError(field, f"grade must be 1-4, got {value!r}")
        return cls(value)


_LABELS_ZH = {
    Grade.JUNIOR: "初级",
    Grade.INTERMEDIATE: "中级",
    Grade.SENIOR: "高级",
    Grade.EXPERT: "资深",
}

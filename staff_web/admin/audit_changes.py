"""An audit entry's before and after as readable lines: each field that changed, old → new.

Pure; the values are the JSON the entries keep (any console's), written for people: yes/no
for booleans, "—" for nothing, `key=value` pairs for a mapping such as an agent's grades.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from staff_web.admin.admin_texts import FIELD_KEYS, AdminWords


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields whose value differs (all of them for a creation or a removal), in the
    order the entry wrote them, after's new fields last."""
    old, new = before or {}, after or {}
    names = list(old) + [name for name in new if name not in old]
    return [
        FieldChange(name, old.get(name), new.get(name))
        for name in names
        if old.get(name) != new.get(name) or name not in old or name not in new
    ]


def value_text(w: AdminWords, value: Any, field: str = "") -> str:
    """One value for people; a role and a password mark are translated, nothing else."""
    if field == "role" and isinstance(value, str) and not w.en:
        role = w.get(f"role_{value}", "")
        return f"{role} ({value})" if role else value
    if field == "password" and isinstance(value, str):
        return w.get(f"password_{value}", value)
    if value is None or value == "" or value == {} or value == []:
        return w["empty"]
    if isinstance(value, bool):
        return w["yes"] if value else w["no"]
    if isinstance(value, dict):
        return ", ".join(f"{key}={value_text(w, item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(w, item) for item in value)
    return str(value)


def field_label(w: AdminWords, name: str) -> str:
    key = FIELD_KEYS.get(name)
    return w[key] if key else name


def change_lines(
    w: AdminWords, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[str]:
    """`角色: 坐席 (agent) → 值长/班长 (supervisor)`, one line per changed field."""
    lines = []
    for change in field_changes(before, after):
        label, name = field_label(w, change.field), change.field
        old, new = value_text(w, change.before, name), value_text(w, change.after, name)
        if before is None or name not in before:
            lines.append(f"{label}: {new}")
        elif after is None or name not in after:
            lines.append(f"{label}: {old} → {w['empty']}")
        else:
            lines.append(f"{label}: {old} → {new}")
    return lines

"""A work order's audit trail as the desk shows it: each change in words (`派单部门: 无 →
城区供电所`), never as the stored lists and codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from queues.work_orders.categories import Category
from queues.work_orders.orders import WorkOrder
from queues.work_orders.status import Status
from staff_web.supervisor.layout import esc, table
from staff_web.supervisor.texts import Words
from staff_web.supervisor.units import local_time

#: A changed field's label: a key of the words table, or (Chinese, English).
FIELD_LABELS: dict[str, str | tuple[str, str]] = {
    "category": "category",
    "queue": "queue",
    "agent_id": "agent",
    "department": "department",
    "urge_count": "urges",
    "address": "address",
    "description": "description",
    "status": "status",
    "sub_type": ("子类", "sub-type"),
    "area": ("区域", "area"),
    "customer_name": ("客户姓名", "customer name"),
    "customer_account": ("户号", "account"),
}
EMPTY = ("无", "none")


def _label(w: Words, name: str) -> str:
    label = FIELD_LABELS.get(name)
    if label is None:
        return name  # a field this page does not know yet reads as stored
    if isinstance(label, tuple):
        return label[1] if w.en else label[0]
    return w[label]


def _value_text(w: Words, name: str) -> Callable[[object], str]:
    """How one value of the field reads: statuses and categories by their label."""

    def text(value: object) -> str:
        if value is None or value == "":
            return EMPTY[1] if w.en else EMPTY[0]
        raw = str(value)
        if name == "status" and raw in set(Status):
            return w.status(Status(raw))
        if name == "category" and raw in set(Category):
            return w.category(Category(raw))
        return raw

    return text


def change_text(w: Words, name: str, value: object) -> str:
    """`label: old → new` for a stored `[old, new]`, `label: value` for one value."""
    text = _value_text(w, name)
    if isinstance(value, list | tuple):
        shown = " → ".join(map(text, value)) if len(value) == 2 else "、".join(map(text, value))
    elif isinstance(value, Mapping):
        shown = ", ".join(f"{k}: {text(v)}" for k, v in value.items())
    else:
        shown = text(value)
    return f"{_label(w, name)}: {shown}"


def trail(w: Words, o: WorkOrder) -> str:
    rows = []
    for e in o.events:
        change = ""
        if e.from_status or e.to_status:
            before = w.status(e.from_status) if e.from_status else ""
            change = f"{esc(before)} → {esc(w.status(e.to_status)) if e.to_status else ''}"
        extra = {k: v for k, v in (e.changes or {}).items() if k != "status"}
        if extra:
            words = "; ".join(change_text(w, k, v) for k, v in extra.items())
            change = f"{change}<br>{esc(words)}" if change else esc(words)
        rows.append(
            [esc(local_time(e.at)), esc(e.actor), esc(w.action(e.action)), change, esc(e.note)]
        )
    headers = [w["when"], w["who"], w["what"], w["change"], w["note"]]
    return f"<h2>{esc(w['trail'])}</h2>" + table([esc(h) for h in headers], rows, w["none"])

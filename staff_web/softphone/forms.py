"""The agent API's request bodies, parsed at the edge: a break reason and the wrap-up form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from queues.work_orders.categories import SUB_TYPES, Category
from queues.work_orders.deadlines import Area
from staff_web.softphone.desk_presence import ABSENT

# 示忙 reasons offered as buttons (label in Chinese → English); free text is allowed too.
BREAK_REASONS: dict[str, str] = {
    "小休": "Short break",
    "培训": "Training",
    "会议": "Meeting",
    "用餐": "Meal",
}
# Reasons the server itself gives a break (too many missed offers, the desk closed): an
# agent cannot claim them.
SYSTEM_REASONS = frozenset({"no_answer", ABSENT})
MAX_REASON = 32
MAX_ADDRESS = 500
MAX_DESCRIPTION = 2000
MAX_DEPARTMENT = 128
CALL_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class FormInvalid(Exception):
    """Field-level problems: field → reason, answered as 400 `{"errors": {...}}`."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise FormInvalid({"body": "expected a JSON object"})
    return body


def _text(
    body: dict[str, Any], name: str, errors: dict[str, str], *, limit: int, required: bool = False
) -> str:
    raw = body.get(name, "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        errors[name] = "must be a string"
        return ""
    value = raw.strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > limit:
        errors[name] = f"at most {limit} characters, got {len(value)}"
    elif CONTROL.search(value):
        errors[name] = "control characters are not allowed"
    return value


@dataclass(frozen=True, slots=True)
class BreakRequest:
    """POST /api/agent/break: one of BREAK_REASONS or a short free text."""

    reason: str

    @classmethod
    def parse(cls, body: Any) -> BreakRequest:
        fields = json_object(body)
        errors: dict[str, str] = {}
        reason = _text(fields, "reason", errors, limit=MAX_REASON, required=True)
        if not errors and reason.casefold() in SYSTEM_REASONS:
            errors["reason"] = f"{reason!r} is set by the router, not by an agent"
        if errors:
            raise FormInvalid(errors)
        return cls(reason=reason)


@dataclass(frozen=True, slots=True)
class WrapUpRequest:
    """POST /api/agent/wrap-up: the after-call form for the call's work order; `ready`
    (default true) ends the agent's wrap-up, false when finishing an older order later."""

    call_sid: str
    category: Category
    sub_type: str
    area: Area | None
    address: str
    description: str
    department: str
    ready: bool = True

    @classmethod
    def parse(cls, body: Any) -> WrapUpRequest:
        fields = json_object(body)
        errors: dict[str, str] = {}
        call_sid = _text(fields, "call_sid", errors, limit=64, required=True)
        if "call_sid" not in errors and not CALL_SID.match(call_sid):
            errors["call_sid"] = "letters, digits, _ and - only"
        category_raw = _text(fields, "category", errors, limit=32, required=True)
        category = Category.INQUIRY
        if "category" not in errors:
            try:
                category = Category(category_raw)
            except ValueError:
                errors["category"] = f"one of {', '.join(c.value for c in Category)}"
        sub_type = _text(fields, "sub_type", errors, limit=32)
        allowed = SUB_TYPES.get(category, frozenset())
        if sub_type and "category" not in errors and sub_type not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            errors["sub_type"] = f"not a sub-type of {category.value} ({choices})"
        area_raw = _text(fields, "area", errors, limit=16)
        area: Area | None = None
        if area_raw and "area" not in errors:
            try:
                area = Area(area_raw)
            except ValueError:
                errors["area"] = f"one of {', '.join(a.value for a in Area)}"
        address = _text(fields, "address", errors, limit=MAX_ADDRESS)
        description = _text(fields, "description", errors, limit=MAX_DESCRIPTION, required=True)
        department = _text(fields, "department", errors, limit=MAX_DEPARTMENT)
        if category is Category.FAULT_REPAIR and not address and "address" not in errors:
            errors["address"] = "required for fault repair (where the crew goes)"
        ready = fields.get("ready", True)
        if not isinstance(ready, bool):
            errors["ready"] = "true or false"
        if errors:
            raise FormInvalid(errors)
        return cls(call_sid, category, sub_type, area, address, description, department, ready)


def invalid_response(error: FormInvalid) -> web.Response:
    return web.json_response({"errors": error.errors}, status=400)

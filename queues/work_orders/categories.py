"""Work-order categories and sub-types, their Chinese labels and the IVR menu mapping."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    INQUIRY = "inquiry"
    FAULT_REPAIR = "fault_repair"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    SERVICE_REQUEST = "service_request"
    NEW_CONNECTION = "new_connection"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.INQUIRY: "咨询",
    Category.FAULT_REPAIR: "故障报修",
    Category.COMPLAINT: "投诉",
    Category.REPORT: "举报",
    Category.SUGGESTION: "建议",
    Category.PRAISE: "表扬",
    Category.SERVICE_REQUEST: "服务申请",
    Category.NEW_CONNECTION: "业扩报装",
}


class ComplaintType(StrEnum):
    """Sub-types of a complaint (投诉)."""

    SERVICE = "service"
    BUSINESS = "business"
    OUTAGE = "outage"
    POWER_QUALITY = "power_quality"
    GRID_CONSTRUCTION = "grid_construction"

    @property
    def label(self) -> str:
        return COMPLAINT_TYPE_LABELS[self]


COMPLAINT_TYPE_LABELS: dict[ComplaintType, str] = {
    ComplaintType.SERVICE: "服务",
    ComplaintType.BUSINESS: "营业",
    ComplaintType.OUTAGE: "停送电",
    ComplaintType.POWER_QUALITY: "供电质量",
    ComplaintType.GRID_CONSTRUCTION: "电网建设",
}

SUB_TYPES: dict[Category, frozenset[str]] = {Category.COMPLAINT: frozenset(ComplaintType)}

# Menu category strings used by hotline configs, matched after trimming and casefolding.
# Anything unknown (人工服务, VIP服务, Billing...) is an inquiry until the agent says otherwise.
_MENU_WORDS: dict[str, Category] = {
    "故障报修": Category.FAULT_REPAIR,
    "故障": Category.FAULT_REPAIR,
    "报修": Category.FAULT_REPAIR,
    "停电": Category.FAULT_REPAIR,
    "投诉": Category.COMPLAINT,
    "举报": Category.REPORT,
    "建议": Category.SUGGESTION,
    "意见建议": Category.SUGGESTION,
    "表扬": Category.PRAISE,
    "咨询": Category.INQUIRY,
    "电费争议": Category.COMPLAINT,
    "服务申请": Category.SERVICE_REQUEST,
    "过户更名": Category.SERVICE_REQUEST,
    "业扩报装": Category.NEW_CONNECTION,
    "新装": Category.NEW_CONNECTION,
    "technical support": Category.FAULT_REPAIR,
    "fault": Category.FAULT_REPAIR,
    "repair": Category.FAULT_REPAIR,
    "complaint": Category.COMPLAINT,
    "report": Category.REPORT,
    "suggestion": Category.SUGGESTION,
    "praise": Category.PRAISE,
    "service request": Category.SERVICE_REQUEST,
    "new connection": Category.NEW_CONNECTION,
}
_MENU_WORDS |= {label: category for category, label in CATEGORY_LABELS.items()}
_MENU_WORDS |= {category.value: category for category in Category}


def category_for_menu(word: str | None) -> Category:
    """The category a menu node's category string stands for; 咨询 when unknown or empty."""
    if not word:
        return Category.INQUIRY
    return _MENU_WORDS.get(word.strip().casefold(), Category.INQUIRY)


def category_for_path(path: str) -> Category:
    """The category of an IVR path like `1 故障报修 > 1 停电`: its first known step wins."""
    for step in path.split(">"):
        label = step.strip().split(" ", 1)[-1].strip()
        found = _MENU_WORDS.get(label.casefold())
        if found is not None:
            return found
    return Category.INQUIRY


def sub_type_for_menu(category: Category, word: str | None) -> str:
    """The complaint sub-type a menu word implies (电费争议 → 营业), else empty."""
    if category is Category.COMPLAINT and word and word.strip() == "电费争议":
        return ComplaintType.BUSINESS.value
    return ""


def check_sub_type(category: Category, sub_type: str) -> None:
    """Raise ValueError unless `sub_type` is empty or one of the category's sub-types."""
    allowed = SUB_TYPES.get(category, frozenset())
    if sub_type and sub_type not in allowed:
        choices = ", ".join(sorted(allowed)) or "none"
        raise ValueError(f"sub_type: {sub_type!r} is not a {category.value} sub-type ({choices})")

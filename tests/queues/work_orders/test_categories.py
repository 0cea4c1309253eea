"""Categories, their labels and the mapping from IVR menu words."""

from __future__ import annotations

import pytest

from queues.work_orders.categories import (
    Category,
    ComplaintType,
    category_for_menu,
    category_for_path,
    check_sub_type,
    sub_type_for_menu,
)


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("故障报修", Category.FAULT_REPAIR),
        ("投诉", Category.COMPLAINT),
        ("举报", Category.REPORT),
        ("咨询", Category.INQUIRY),
        ("电费争议", Category.COMPLAINT),
        ("业扩报装", Category.NEW_CONNECTION),
        ("过户更名", Category.SERVICE_REQUEST),
        ("VIP服务", Category.INQUIRY),
        ("人工服务", Category.INQUIRY),
        ("Technical support", Category.FAULT_REPAIR),
        ("Billing", Category.INQUIRY),
        (" Complaint ", Category.COMPLAINT),
        ("fault_repair", Category.FAULT_REPAIR),
        ("", Category.INQUIRY),
        (None, Category.INQUIRY),
        ("something else", Category.INQUIRY),
    ],
)
def test_menu_words_map_to_categories(word: str | None, category: Category) -> None:
    assert category_for_menu(word) is category


def test_labels_are_chinese() -> None:
    assert [c.label for c in Category] == [
        "咨询", "故障报修", "投诉", "举报", "建议", "表扬", "服务申请", "业扩报装",
    ]  # fmt: skip
    assert [t.label for t in ComplaintType] == ["服务", "营业", "停送电", "供电质量", "电网建设"]


def test_path_category_takes_the_first_known_step() -> None:
    assert category_for_path("1 故障报修 > 1 停电") is Category.FAULT_REPAIR
    assert category_for_path("9 人工服务 > 2 投诉") is Category.COMPLAINT
    assert category_for_path("") is Category.INQUIRY


def test_sub_types() -> None:
    assert sub_type_for_menu(Category.COMPLAINT, "电费争议") == "business"
    assert sub_type_for_menu(Category.INQUIRY, "咨询") == ""
    check_sub_type(Category.COMPLAINT, "outage")
    with pytest.raises(ValueError, match="sub_type"):
        check_sub_type(Category.INQUIRY, "outage")

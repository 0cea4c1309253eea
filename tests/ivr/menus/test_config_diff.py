"""The diff of a config change: text and structural summary."""

from __future__ import annotations

import copy

import yaml

from hotline.demo import HOTLINES_YAML
from ivr.menus.config_diff import diff_documents, diff_text, stable_yaml
from tests.ivr.menus.documents import demo_document

DEMO = HOTLINES_YAML.read_text(encoding="utf-8")


def test_the_same_config_differs_in_nothing_whatever_its_spelling() -> None:
    stored = demo_document()  # every default spelled out, as a version holds it
    found = diff_text(stored, DEMO)  # comments, key order and left-out defaults
    assert found.same
    assert found.unified == ""
    assert found.as_json()["summary"] == {
        kind: {"added": [], "removed": [], "changed": []}
        for kind in ("queues", "hotlines", "nodes")
    }


def test_a_changed_prompt_shows_in_the_text_and_names_its_node() -> None:
    before = demo_document()
    after = copy.deepcopy(before)
    main = after["hotlines"][0]["menu"]["nodes"]["main"]
    main["prompt"]["zh-CN"] = "新版菜单"
    found = diff_documents(before, after)
    assert "+          zh-CN: 新版菜单\n" in found.unified
    assert found.unified.startswith("--- published\n+++ draft\n")
    assert found.nodes.changed == ["95598/main"]
    assert found.nodes.added == found.nodes.removed == []
    assert found.hotlines.changed == ["95598"]
    assert found.queues.changed == []


def test_added_and_removed_queues_hotlines_and_nodes() -> None:
    before = demo_document()
    after = copy.deepcopy(before)
    after["queues"]["night"] = copy.deepcopy(after["queues"]["general"])
    del after["queues"]["vip"]
    removed_hotline = after["hotlines"].pop(1)
    nodes = after["hotlines"][0]["menu"]["nodes"]
    nodes["extra"] = copy.deepcopy(nodes["main"])
    found = diff_documents(before, after)
    assert (found.queues.added, found.queues.removed) == (["night"], ["vip"])
    assert found.hotlines.removed == [removed_hotline["id"]]
    assert "95598/extra" in found.nodes.added
    assert all(name.startswith("400/") for name in found.nodes.removed)
    assert found.nodes.removed  # the 400 line's nodes went with it


def test_an_invalid_draft_shows_only_its_broken_part_as_written() -> None:
    before = demo_document()
    after = copy.deepcopy(before)
    after["hotlines"][0]["menu"]["nodes"]["main"]["timeout"] = 99  # above the schema's limit
    found = diff_documents(before, after)
    assert "+        timeout: 99\n" in found.unified
    assert found.nodes.changed == ["95598/main"]
    assert found.hotlines.changed == ["95598"]
    assert found.queues.changed == []


def test_a_typed_draft_with_a_schema_error_is_compared_node_by_node() -> None:
    typed = DEMO.replace("timeout: 6", "timeout: 99", 1)
    assert typed != DEMO
    found = diff_text(demo_document(), typed)
    assert len(found.nodes.changed) == 1
    assert "+        timeout: 99\n" in found.unified


def test_broken_yaml_is_compared_line_by_line() -> None:
    found = diff_text({"queues": {}}, "queues: [\n")
    assert found.unified.splitlines()[2:] == ["@@ -1 +1 @@", "-queues: {}", "+queues: ["]
    assert found.queues.added == []


def test_nothing_published_yet_shows_everything_as_added() -> None:
    found = diff_text(None, DEMO)
    assert found.unified.startswith("--- published\n+++ draft\n@@ -0,0 ")
    assert set(found.queues.added) == set(demo_document()["queues"])


def test_stable_yaml_sorts_keys_and_keeps_chinese() -> None:
    text = stable_yaml({"b": 1, "a": "中文"})
    assert text == "a: 中文\nb: 1\n"
    assert yaml.safe_load(text) == {"a": "中文", "b": 1}

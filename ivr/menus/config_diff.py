"""A config change as people read it: a unified diff of the YAML and what was added,
removed or changed among queues, hotlines and menu nodes. Pure functions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ivr.menus.schema import Caller, Config, Hotline, Node
from queues.catalogue import AgentSpec, QueueSpec

Document = dict[str, Any]


@dataclass(frozen=True)
class Changes:
    """Names added, removed and changed within one kind of thing, each sorted."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass(frozen=True)
class ConfigDiff:
    unified: str
    queues: Changes
    hotlines: Changes
    nodes: Changes  # as `hotline/node`

    @property
    def same(self) -> bool:
        return not self.unified

    def as_json(self) -> dict[str, Any]:
        return {
            "unified": self.unified,
            "same": self.same,
            "summary": {
                "queues": self.queues.as_json(),
                "hotlines": self.hotlines.as_json(),
                "nodes": self.nodes.as_json(),
            },
        }


def normal_document(document: Any) -> Any:
    """A document as a valid config writes it (defaults left out), so what was typed and what
    was stored compare equal when they mean the same. A document the schema refuses is
    normalised part by part (each queue, hotline, menu node, caller, agent that passes), so
    only the broken parts show as written."""
    if not isinstance(document, dict):
        return document
    try:
        return _dump(Config.model_validate(document))
    except ValidationError:
        pass
    normal = dict(document)
    if isinstance(normal.get("queues"), dict):
        normal["queues"] = {k: _normal(QueueSpec, v) for k, v in normal["queues"].items()}
    for name, model in (("callers", Caller), ("agents", AgentSpec)):
        if isinstance(normal.get(name), list):
            normal[name] = [_normal(model, item) for item in normal[name]]
    if isinstance(normal.get("hotlines"), list):
        normal["hotlines"] = [_normal_hotline(item) for item in normal["hotlines"]]
    return normal


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_defaults=True)


def _normal(model: type[BaseModel], value: Any) -> Any:
    try:
        return _dump(model.model_validate(value))
    except ValidationError:
        return value


def _normal_hotline(value: Any) -> Any:
    try:
        return _dump(Hotline.model_validate(value))
    except ValidationError:
        pass
    if not isinstance(value, dict) or not isinstance(value.get("menu"), dict):
        return value
    menu = dict(value["menu"])
    if isinstance(menu.get("nodes"), dict):
        menu["nodes"] = {k: _normal(Node, v) for k, v in menu["nodes"].items()}
    return {**value, "menu": menu}


def stable_yaml(document: Any) -> str:
    """YAML in sorted key order, Chinese kept as is: the same document, the same text."""
    if document is None:
        return ""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=True, width=100)


def diff_documents(
    before: Any, after: Any, *, before_name: str = "published", after_name: str = "draft"
) -> ConfigDiff:
    """How `after` differs from `before` (documents as stored or as parsed from YAML)."""
    old, new = normal_document(before), normal_document(after)
    unified = "".join(
        difflib.unified_diff(
            stable_yaml(old).splitlines(keepends=True),
            stable_yaml(new).splitlines(keepends=True),
            fromfile=before_name,
            tofile=after_name,
        )
    )
    return ConfigDiff(
        unified=unified,
        queues=_compare(_mapping(old, "queues"), _mapping(new, "queues")),
        hotlines=_compare(_hotlines(old), _hotlines(new)),
        nodes=_compare(_nodes(old), _nodes(new)),
    )


def diff_text(before: Any, text: str, *, before_name: str = "published") -> ConfigDiff:
    """How YAML text (a draft) differs from a document; YAML that does not parse is compared
    line by line against the stored document's YAML, and has no summary."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        old = stable_yaml(normal_document(before)).splitlines(keepends=True)
        unified = "".join(
            difflib.unified_diff(
                old, text.splitlines(keepends=True), fromfile=before_name, tofile="draft"
            )
        )
        return ConfigDiff(unified, Changes(), Changes(), Changes())
    return diff_documents(before, parsed, before_name=before_name)


def _mapping(document: Any, name: str) -> dict[str, Any]:
    value = document.get(name) if isinstance(document, dict) else None
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _hotlines(document: Any) -> dict[str, Any]:
    value = document.get("hotlines") if isinstance(document, dict) else None
    if not isinstance(value, list):
        return {}
    found: dict[str, Any] = {}
    for index, hotline in enumerate(value):
        key = hotline.get("id") if isinstance(hotline, dict) else None
        found.setdefault(str(key) if key is not None else f"#{index}", hotline)
    return found


def _nodes(document: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for hotline_id, hotline in _hotlines(document).items():
        menu = hotline.get("menu") if isinstance(hotline, dict) else None
        for node_id, node in _mapping(menu, "nodes").items():
            found[f"{hotline_id}/{node_id}"] = node
    return found


def _compare(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    return Changes(
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=sorted(name for name in set(before) & set(after) if before[name] != after[name]),
    )

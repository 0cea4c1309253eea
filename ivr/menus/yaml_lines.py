"""Where a config problem stands in the YAML an admin typed: its path mapped to a line."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from ivr.menus.loading import ConfigError, load_config_text
from ivr.menus.problem import Problem

_LAST_PART = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")
_SYNTAX_LINE = re.compile(r"at line (\d+)")
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LocatedProblem:
    """A problem with the 1-based line it points at (None when no line fits, e.g. empty)."""

    path: str
    reason: str
    line: int | None

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "reason": self.reason, "line": self.line}


def check_text(text: str) -> list[LocatedProblem]:
    """Every problem `hotline menu validate` reports for `text`, each placed at its line."""
    try:
        load_config_text(text)
    except ConfigError as error:
        return locate(text, error.problems)
    return []


def locate(text: str, problems: list[Problem]) -> list[LocatedProblem]:
    lines = path_lines(text)
    return [LocatedProblem(p.path, p.reason, _line_for(p, lines)) for p in problems]


def path_lines(text: str) -> dict[str, int]:
    """Each path of the document (`hotlines[0].menu.start`) → the line its key or item is on.

    A mapping's value is placed at its key's line; a sequence item at the item's line.
    Broken YAML gives no paths.
    """
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return {}
    found: dict[str, int] = {}
    if root is not None:
        _walk(root, "", found, set())
    return found


def _walk(node: yaml.Node, path: str, found: dict[str, int], seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its nodes were placed where the anchor stands
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            child = f"{path}.{key_node.value}" if path else str(key_node.value)
            found.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, found, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            found.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, found, seen)


def _line_for(problem: Problem, lines: dict[str, int]) -> int | None:
    """The path's own line, else its nearest written ancestor's (a missing field points at
    the mapping that lacks it); a syntax error names its own line."""
    if not problem.path:
        match = _SYNTAX_LINE.search(problem.reason)
        return int(match.group(1)) if match else None
    path = problem.path
    while path:
        if path in lines:
            return lines[path]
        shorter = _LAST_PART.sub("", path)
        if shorter == path:
            return None
        path = shorter
    return None

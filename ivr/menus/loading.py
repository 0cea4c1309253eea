"""Reading and writing hotline configs as YAML, reporting every problem of a file at once."""

from __future__ import annotations

from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ivr.menus.problem import Problem
from ivr.menus.schema import Config
from ivr.menus.validate import problems

__all__ = [
    "ConfigError",
    "Problem",
    "config_document",
    "config_file_text",
    "config_to_yaml",
    "json_schema",
    "load_config_file",
    "load_config_text",
    "read_config_text",
]

_ACTION_FIELDS = frozenset({"action", "fallback", "operator"})
_ACTION_TYPES = frozenset(
    {"submenu", "queue", "hangup", "transfer", "voicemail", "back", "repeat", "operator"}
)
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PLAIN_REASONS = {
    "extra_forbidden": "unknown field (not part of the format; check the spelling)",
    "missing": "required field is missing",
}


class ConfigError(Exception):
    """A config that cannot be used; `problems` lists every mistake found, each with its path."""

    def __init__(self, problems: list[Problem], source: str = "<config>") -> None:
        self.problems = problems
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        heading = f"{self.source}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([heading, *(f"  {problem}" for problem in self.problems)])


# libyaml's parser when PyYAML was built with it (about 10× faster), else the pure-Python one.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ConfigLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """`yaml.safe_load`, except dates stay strings so the schema reports bad ones by path."""


# Drop only the timestamp resolver; everything else is SafeLoader's.
_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_config_text(text: str, source: str = "<config>") -> Config:
    """Parse and check a YAML config; raise `ConfigError` listing every problem."""
    config, found = read_config_text(text)
    if found or config is None:
        raise ConfigError(found, source)
    return config


def read_config_text(text: str) -> tuple[Config | None, list[Problem]]:
    """(the config if its shape is right, every problem found); flow tests included."""
    try:
        found, document = _parse_yaml(text)
    except yaml.YAMLError as error:
        return None, [_syntax_problem(error)]
    if document is None:
        return None, [Problem("", "the config is empty")]
    try:
        config = Config.model_validate(document)
    except ValidationError as error:
        return None, found + [_field_problem(detail) for detail in error.errors()]
    return config, found + problems(config)


def _parse_yaml(text: str) -> tuple[list[Problem], Any]:
    """(keys written twice, the data); the data is what `yaml.safe_load` gives, dates aside."""
    loader = _ConfigLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return [], None
        return list(_duplicate_keys(root, "", set())), loader.construct_document(root)
    finally:
        loader.dispose()


def load_config_file(path: str | PathLike[str]) -> Config:
    """Read a YAML config file (UTF-8) and check it like `load_config_text`."""
    return load_config_text(config_file_text(path), str(path))


def config_file_text(path: str | PathLike[str]) -> str:
    """A config file's text; `ConfigError` when it cannot be read as UTF-8."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Problem("", f"cannot read the file: {error}")], str(file)) from error


def config_document(config: Config) -> dict[str, Any]:
    """The config as a JSON-safe dict (what a stored version holds)."""
    return config.model_dump(mode="json")


def config_to_yaml(config: Config) -> str:
    """YAML an admin can read (Chinese kept as is, defaults left out); loads back equal."""
    document = config.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the config format, from the pydantic model (the single source)."""
    return Config.model_json_schema()


def _syntax_problem(error: yaml.YAMLError) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        what = ": ".join(part for part in (error.context, error.problem) if part)
        return Problem(
            "", f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {what}"
        )
    return Problem("", f"YAML syntax error: {error}")


def _duplicate_keys(node: yaml.Node, path: str, seen: set[int]) -> Iterator[Problem]:
    """Keys written twice in one mapping: YAML would silently keep only the last one."""
    if id(node) in seen:  # aliases share nodes, and may even form cycles
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                continue
            child = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in first_line:
                reason = f"written twice (lines {first_line[key]} and {line}); only one can stay"
                yield Problem(child, reason)
            first_line.setdefault(key, line)
            yield from _duplicate_keys(value_node, child, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, f"{path}[{index}]", seen)


def _field_problem(detail: ErrorDetails) -> Problem:
    """A pydantic error as a Problem: loc → `hotlines[0].menu.nodes.root`, plain reason."""
    loc = list(detail["loc"])
    reason = _PLAIN_REASONS.get(detail["type"], detail["msg"].removeprefix("Value error, "))
    if loc and loc[-1] == "[key]":
        loc.pop()
        reason = f"bad key: {reason}"
    path = ""
    for position, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _is_union_tag(loc, position):
            path += f".{part}" if path else str(part)
    return Problem(path, reason + _yaml_hint(detail))


def _is_union_tag(loc: list[int | str], position: int) -> bool:
    """pydantic puts the action's `type` in the loc (`action.queue.queue`); paths leave it out."""
    part = loc[position]
    return (
        part in _ACTION_TYPES
        and position + 1 < len(loc)
        and position >= 1
        and loc[position - 1] in _ACTION_FIELDS
        and (position < 2 or loc[position - 2] != "nodes")
    )


def _yaml_hint(detail: ErrorDetails) -> str:
    value = detail.get("input")
    if detail["type"] != "string_type" or not isinstance(value, int | float):
        return ""
    if isinstance(value, bool):
        return " (YAML read this as true/false: put it in quotes)"
    return f" (YAML read this as a number: put it in quotes, e.g. '{value}')"

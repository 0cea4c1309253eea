"""Lua generated from Python's declarations, so that neither side spells them again: a
builder per router key (`routing.keys`), each operation's ARGV bound to named locals and
the places of the offer's reply fields (`routing.contract`)."""

from __future__ import annotations

import inspect
import re
import typing

from routing import contract
from routing.keys import ROUTER_KEYS, Keys

_MARK = re.compile("\x00([0-9]+)\x00")
_LITERAL = re.compile(r"[A-Za-z0-9_:.-]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LUA_KEYWORDS = frozenset(
    {"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in"}
    | {"local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"}
)


def _lua_name(name: str) -> str:
    if not _NAME.fullmatch(name) or name in LUA_KEYWORDS:
        raise ValueError(f"{name!r} is not a Lua name")
    return name


def key_builders() -> str:
    """`K`, one function per `ROUTER_KEYS` method, building the key as the method does from
    the call's namespace `B`: each method is called with markers for its parameters and
    what it returns, namespace and markers aside, is the Lua's text. A number part (a
    parameter annotated `int`) is formatted by `int()` when the Lua hands it a number."""
    probe = Keys()
    base = probe.namespace()
    lines = ["local K = {"]
    for name in ROUTER_KEYS:
        method = getattr(probe, name)
        params = [_lua_name(p) for p in inspect.signature(method).parameters]
        hints = typing.get_type_hints(method)
        built: str = method(*(f"\x00{i}\x00" for i in range(len(params))))
        if not built.startswith(base):
            raise ValueError(f"Keys.{name} does not start with the namespace")
        parts = ["B"]
        for i, piece in enumerate(_MARK.split(built[len(base) :])):
            if i % 2 == 0:
                if not _LITERAL.fullmatch(piece):
                    raise ValueError(f"Keys.{name}: {piece!r} cannot go into Lua as it is")
                if piece:
                    parts.append(f"'{piece}'")
                continue
            param = params[int(piece)]
            if hints.get(param) is int:
                parts.append(f"(type({param}) == 'number' and int({param}) or {param})")
            else:
                parts.append(param)
        lines.append(f"  {name} = function({', '.join(params)}) return {' .. '.join(parts)} end,")
    lines.append("}")
    return "\n".join(lines)


def offer_places() -> str:
    """`OFFER` (field → its place in the offer's reply), `OFFER_GRADE` (per grade, the
    place of each of `GRADE_FIELDS`), and `offer_slots()`, a reply's table sized once."""
    place = {name: n for n, name in enumerate(contract.OFFER_REPLY, start=1)}
    per_grade = {f"{f}_{g}" for g in contract.GRADES for f in contract.GRADE_FIELDS}
    fields = ", ".join(f"{_lua_name(n)} = {p}" for n, p in place.items() if n not in per_grade)
    grade_places = (
        ", ".join(f"{_lua_name(f)} = {place[f'{f}_{g}']}" for f in contract.GRADE_FIELDS)
        for g in contract.GRADES
    )
    grades = ", ".join(f"{{{places}}}" for places in grade_places)
    slots = ", ".join(["false"] * (len(contract.OFFER_FIELDS) + len(contract.TRACE_FIELDS)))
    return "\n".join(
        [
            f"local OFFER = {{{fields}}}",
            f"local OFFER_GRADE = {{{grades}}}",
            f"local function offer_slots() return {{{slots}}} end",
        ]
    )


def prelude() -> str:
    """The generated part of the router's library, after lib_call.lua (it uses B, int)."""
    return "\n".join(
        [
            "-- Generated from routing/keys.py and routing/contract.py (routing/lua/prelude.py).",
            key_builders(),
            offer_places(),
        ]
    )


#: The names the generated prelude defines.
PRELUDE_NAMES = frozenset({"K", "OFFER", "OFFER_GRADE", "offer_slots"})


def bind_arguments(kind: type[contract.Arguments]) -> str:
    """The line that opens an operation: its ARGV as locals named after its fields."""
    hints = typing.get_type_hints(kind)
    names, values = [], []
    for n, field in enumerate(kind._fields, start=1):
        hint = hints[field]
        if hint is str:
            value = f"ARGV[{n}]"
        elif hint in (int, float):
            value = f"ARGV[{n}] + 0"  # `+ 0` parses the text once; tonumber() twice
        elif typing.get_origin(hint) is tuple and n == len(kind._fields):
            value = f"{{unpack(ARGV, {n})}}"
        else:
            raise TypeError(f"{kind.__name__}.{field}: {hint} has no Lua form")
        names.append(_lua_name(field))
        values.append(value)
    return f"local {', '.join(names)} = {', '.join(values)}"

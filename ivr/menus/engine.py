"""The menu state machine: where a caller is, plus what they pressed or said → what next.

Pure: no I/O, no clock. The position travels in the Gather action URL (`Position.encode`),
so any server process can answer the next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ivr.menus.schema import (
    Action,
    BackAction,
    Hotline,
    Node,
    OperatorAction,
    Option,
    RepeatAction,
    SubmenuAction,
    Text,
)

DEFAULT_KEYS: dict[str, Action] = {
    "*": BackAction(type="back"),
    "#": RepeatAction(type="repeat"),
    "0": OperatorAction(type="operator"),
}
OPERATOR_LABEL = "operator"
_STACK_SEPARATOR = "."
_STACK_ITEM = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
MAX_DEPTH = 32


class Notice(StrEnum):
    """Why a node is being prompted again."""

    NONE = ""
    NO_INPUT = "no_input"
    INVALID = "invalid"


@dataclass(frozen=True)
class Position:
    """Where a caller is: the stack of nodes from the start (last = current), failed tries."""

    stack: tuple[str, ...]
    tries: int = 0

    @property
    def node(self) -> str:
        return self.stack[-1]

    @property
    def depth(self) -> int:
        return len(self.stack) - 1

    def encode(self) -> str:
        return _STACK_SEPARATOR.join(self.stack)

    @classmethod
    def decode(cls, stack: str, tries: str) -> Position:
        """Parse what a Gather action URL carries; ValueError when it was tampered with."""
        items = tuple(stack.split(_STACK_SEPARATOR))
        if not items or len(items) > MAX_DEPTH or not all(_STACK_ITEM.match(i) for i in items):
            raise ValueError(f"bad menu position {stack!r}")
        if not tries.isdigit() or int(tries) > 10:
            raise ValueError(f"bad tries {tries!r}")
        return cls(items, int(tries))


@dataclass(frozen=True)
class Prompt:
    """Play this node (again) and gather."""

    position: Position
    notice: Notice = Notice.NONE


@dataclass(frozen=True)
class Finish:
    """Leave the menu with this action (queue, hang-up, transfer, voicemail)."""

    action: Action
    position: Position


@dataclass(frozen=True)
class Selection:
    """One choice the caller made, for the recorded path (`1 故障报修`)."""

    depth: int
    key: str
    label: str

    def render(self) -> str:
        return f"{self.key} {self.label}"


@dataclass(frozen=True)
class Step:
    outcome: Prompt | Finish
    selection: Selection | None = None
    fallback: bool = False  # the node's retries ran out and its fallback was taken


def notice_text(hotline: Hotline, notice: Notice) -> list[Text]:
    """What is said before a node is prompted again."""
    if notice is Notice.INVALID:
        return [hotline.messages.invalid]
    if notice is Notice.NO_INPUT:
        return [hotline.messages.no_input]
    return []


def start(hotline: Hotline) -> Position:
    return Position((hotline.menu.start,))


def _match_option(node: Node, digits: str, speech: str) -> Option | None:
    if digits:
        for option in node.options:
            if option.key == digits[:1]:
                return option
        return None
    spoken = speech.strip().lower()
    # The longest keyword heard wins: 停电 is inside 停电信息 and 计划停电, which name
    # another option; the first option listed wins only between keywords of one length.
    chosen, longest = None, 0
    for option in node.options:
        for word in option.speech:
            folded = word.strip().lower()
            if len(folded) > longest and folded in spoken:
                chosen, longest = option, len(folded)
    return chosen


def follow(hotline: Hotline, action: Action, position: Position) -> Prompt | Finish:
    """Resolve navigation actions into a prompt; anything else finishes the menu."""
    if isinstance(action, SubmenuAction):
        if len(position.stack) >= MAX_DEPTH:
            return Finish(hotline.operator, position)
        return Prompt(Position((*position.stack, action.node)))
    if isinstance(action, BackAction):
        parent = position.stack[:-1] or position.stack
        return Prompt(Position(parent))
    if isinstance(action, RepeatAction):
        return Prompt(Position(position.stack))
    if isinstance(action, OperatorAction):
        return follow(hotline, hotline.operator, position)
    return Finish(action, position)


def step(hotline: Hotline, position: Position, digits: str = "", speech: str = "") -> Step:
    """What happens after the caller at `position` pressed `digits` / said `speech`.

    Empty input is a no-input timeout. Unknown keys re-prompt; after the node's retries
    the node's fallback is taken.
    """
    node = hotline.menu.nodes[position.node]
    option = _match_option(node, digits, speech)
    if option is not None:
        chosen = Selection(position.depth, option.key, option.label)
        return Step(follow(hotline, option.action, position), chosen)
    default = DEFAULT_KEYS.get(digits[:1]) if digits else None
    if default is not None:
        operator = isinstance(default, OperatorAction)
        chosen_default = Selection(position.depth, digits[:1], OPERATOR_LABEL) if operator else None
        return Step(follow(hotline, default, position), chosen_default)
    tries = position.tries + 1
    if tries > node.retries:
        return Step(follow(hotline, node.fallback, Position(position.stack)), fallback=True)
    notice = Notice.INVALID if (digits or speech.strip()) else Notice.NO_INPUT
    return Step(Prompt(Position(position.stack, tries), notice))

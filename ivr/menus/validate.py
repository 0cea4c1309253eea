"""Whole-config checks: targets, reachability, exits, keys, languages, numbers and hours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.menus import hours as opening_hours
from ivr.menus.problem import Problem
from ivr.menus.scenarios import scenario_problems
from ivr.menus.schema import LANGUAGES, Config, Hotline, Node, Text
from ivr.menus.schema import Action as ActionModel
from ivr.menus.validate_staffing import staffing_problems

QUEUE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# voiceType of ../shared/twiml/twiml_v20100401_twilioRealtimeCallSchema.xsd (XSD anchors it).
TWILIO_VOICE = re.compile(
    r"man|woman|male|female|alice|eve|brian|Polly\.[a-zA-Z]+(-Neural|-Generative)?"
    r"|Google\.[a-zA-Z]{2,3}-[a-zA-Z]{2}-[A-Za-z0-9]+(-[A-Za-z0-9]+)?"
)
EXIT_TYPES = frozenset({"queue", "hangup", "transfer", "voicemail", "operator"})
_ENTRY = frozenset({"entry", "operator"})  # actions taken before any menu node plays
_LANGUAGE_LIST = ", ".join(sorted(LANGUAGES))


def problems(config: Config) -> list[Problem]:
    """Every whole-config mistake, then the failing flow tests (only a sound config can be
    played through its menus)."""
    found = structural_problems(config)
    return found or scenario_problems(config)


def structural_problems(config: Config) -> list[Problem]:
    """Every whole-config mistake, in document order as far as practical."""
    found = list(_queue_problems(config))
    found += _hotline_set_problems(config)
    for index, hotline in enumerate(config.hotlines):
        found += _hotline_problems(config, hotline, f"hotlines[{index}]")
    found += _hold_prompt_problems(config)
    found += _caller_problems(config)
    found += staffing_problems(config)
    return found


def text_problems(path: str, text: Text, language: str, *, required: bool) -> Iterator[Problem]:
    """Unknown languages, blank texts, and a missing `language` text if required or non-empty."""
    for code, value in text.items():
        if code not in LANGUAGES:
            yield Problem(f"{path}.{code}", f"unknown language {code!r}; use {_LANGUAGE_LIST}")
        if not value.strip():
            yield Problem(f"{path}.{code}", "empty prompt text")
    if (required or text) and language in LANGUAGES and language not in text:
        yield Problem(path, f"no {language} text (the hotline's language)")


def _queue_problems(config: Config) -> Iterator[Problem]:
    for name, spec in config.queues.items():
        if not QUEUE_NAME.fullmatch(name):
            yield Problem(f"queues.{name}", "queue names match ^[a-z][a-z0-9_-]{0,31}$")
        for field, text in (("name", spec.name), ("hold_prompt", spec.hold_prompt)):
            yield from text_problems(f"queues.{name}.{field}", text, "", required=False)


def _hotline_set_problems(config: Config) -> Iterator[Problem]:
    first_with_id: dict[str, int] = {}
    first_with_number: dict[str, str] = {}
    for index, hotline in enumerate(config.hotlines):
        if hotline.id in first_with_id:
            other = first_with_id[hotline.id]
            yield Problem(f"hotlines[{index}].id", f"duplicate hotline id (hotlines[{other}])")
        first_with_id.setdefault(hotline.id, index)
        for position, number in enumerate(hotline.numbers):
            path = f"hotlines[{index}].numbers[{position}]"
            if number in first_with_number:
                yield Problem(path, f"{number} is already dialled at {first_with_number[number]}")
            first_with_number.setdefault(number, path)


def _hold_prompt_problems(config: Config) -> Iterator[Problem]:
    """A queue's hold prompt must speak the language of every hotline that sends callers there."""
    reported: set[tuple[str, str]] = set()
    for hotline in config.hotlines:
        for _, action, _ in _actions(hotline, ""):
            if action.type != "queue" or action.queue not in config.queues:
                continue
            hold_prompt, language = config.queues[action.queue].hold_prompt, hotline.language
            if not hold_prompt or language not in LANGUAGES or language in hold_prompt:
                continue
            if (action.queue, language) not in reported:
                reported.add((action.queue, language))
                reason = f"no {language} text, yet hotline {hotline.id!r} queues callers here"
                yield Problem(f"queues.{action.queue}.hold_prompt", reason)


def _caller_problems(config: Config) -> Iterator[Problem]:
    first_with_phone: dict[str, int] = {}
    for index, caller in enumerate(config.callers):
        if caller.phone in first_with_phone:
            other = first_with_phone[caller.phone]
            yield Problem(f"callers[{index}].phone", f"duplicate caller phone (callers[{other}])")
        first_with_phone.setdefault(caller.phone, index)
        if caller.vip is not None and not caller.vip.strip():
            yield Problem(f"callers[{index}].vip", "empty VIP class; leave it out if not a VIP")


def _actions(hotline: Hotline, path: str) -> Iterator[tuple[str, ActionModel, str]]:
    """(path, action, context) for every action of a hotline; context: option/fallback/entry."""
    for node_id, node in hotline.menu.nodes.items():
        node_path = f"{path}.menu.nodes.{node_id}"
        for position, option in enumerate(node.options):
            yield f"{node_path}.options[{position}].action", option.action, "option"
        yield f"{node_path}.fallback", node.fallback, "fallback"
    if hotline.closed is not None:
        yield f"{path}.closed.action", hotline.closed.action, "entry"
    if hotline.vip is not None:
        yield f"{path}.vip.action", hotline.vip.action, "entry"
    yield f"{path}.operator", hotline.operator, "operator"


def _hotline_problems(config: Config, hotline: Hotline, path: str) -> Iterator[Problem]:
    language = hotline.language
    if language not in LANGUAGES:
        yield Problem(f"{path}.language", f"unknown language {language!r}; use {_LANGUAGE_LIST}")
    if not _known_timezone(hotline.timezone):
        yield Problem(f"{path}.timezone", f"unknown time zone {hotline.timezone!r}")
    if not TWILIO_VOICE.fullmatch(hotline.voice):
        yield Problem(f"{path}.voice", f"Twilio does not accept voice {hotline.voice!r}")
    texts = [("greeting", hotline.greeting, False)]
    texts += [(f"messages.{name}", text, name != "transfer") for name, text in hotline.messages]
    if hotline.closed is not None:
        texts.append(("closed.prompt", hotline.closed.prompt, True))
    if hotline.vip is not None:
        texts.append(("vip.greeting", hotline.vip.greeting, False))
        for position, vip_class in enumerate(hotline.vip.classes):
            if not vip_class.strip():
                yield Problem(f"{path}.vip.classes[{position}]", "empty VIP class")
    for node_id, node in hotline.menu.nodes.items():
        texts.append((f"menu.nodes.{node_id}.prompt", node.prompt, node.audio is None))
    for field_path, text, required in texts:
        yield from text_problems(f"{path}.{field_path}", text, language, required=required)
    yield from _action_problems(config, hotline, path)
    yield from _option_problems(hotline, f"{path}.menu")
    yield from _graph_problems(hotline, f"{path}.menu")
    yield from _hours_problems(hotline, path)


def _action_problems(config: Config, hotline: Hotline, path: str) -> Iterator[Problem]:
    language = hotline.language
    for action_path, action, context in _actions(hotline, path):
        if action.type == "submenu" and action.node not in hotline.menu.nodes:
            yield Problem(f"{action_path}.node", f"no node {action.node!r} in this menu")
        elif action.type == "queue" and action.queue not in config.queues:
            known = ", ".join(sorted(config.queues)) or "none"
            reason = f"unknown queue {action.queue!r} (known: {known})"
            yield Problem(f"{action_path}.queue", reason)
        elif action.type in {"hangup", "voicemail"}:
            prompt_path = f"{action_path}.prompt"
            yield from text_problems(prompt_path, action.prompt, language, required=False)
        elif action.type in {"back", "repeat"} and context in _ENTRY:
            reason = f"{action.type!r} needs a menu node, and none is playing here"
            yield Problem(f"{action_path}.type", reason)
        elif action.type == "repeat" and context == "fallback":
            yield Problem(
                f"{action_path}.type", "a 'repeat' fallback never ends for a silent caller"
            )
        elif action.type == "operator" and context == "operator":
            yield Problem(f"{action_path}.type", "the operator cannot send callers to itself")


def _option_problems(hotline: Hotline, path: str) -> Iterator[Problem]:
    """Duplicate keys and speech keywords within a node, blank labels and keywords."""
    for node_id, node in hotline.menu.nodes.items():
        key_owner: dict[str, int] = {}
        keyword_owner: dict[str, int] = {}
        for position, option in enumerate(node.options):
            option_path = f"{path}.nodes.{node_id}.options[{position}]"
            if option.key in key_owner:
                reason = f"key {option.key!r} is already used by options[{key_owner[option.key]}]"
                yield Problem(f"{option_path}.key", reason)
            key_owner.setdefault(option.key, position)
            if not option.label.strip():
                yield Problem(f"{option_path}.label", "empty label (it names the step in the path)")
            for index, keyword in enumerate(option.speech):
                folded = keyword.strip().casefold()
                if not folded:
                    yield Problem(f"{option_path}.speech[{index}]", "empty speech keyword")
                elif folded in keyword_owner:
                    reason = (
                        f"keyword {keyword!r} is already used by options[{keyword_owner[folded]}]"
                    )
                    yield Problem(f"{option_path}.speech[{index}]", reason)
                keyword_owner.setdefault(folded, position)


def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _graph_problems(hotline: Hotline, path: str) -> Iterator[Problem]:
    menu = hotline.menu
    if menu.start not in menu.nodes:
        yield Problem(f"{path}.start", f"no node {menu.start!r} in menu.nodes")
        return
    children = _children(hotline)
    entries = {
        a.node for _, a, where in _actions(hotline, "") if a.type == "submenu" and where in _ENTRY
    }
    reached = _closure({menu.start} | entries, children)
    for node_id in menu.nodes:
        if node_id not in reached:
            yield Problem(
                f"{path}.nodes.{node_id}",
                f"unreachable: no option or fallback leads here from {menu.start!r}",
            )
    stuck = sorted(set(menu.nodes) - _closure(_nodes_with_exit(hotline), _parents(children)))
    for node_id in stuck:
        yield Problem(
            f"{path}.nodes.{node_id}",
            "loop with no exit: nothing from here reaches a queue, hang-up, transfer, voicemail "
            f"or the operator (stuck: {', '.join(stuck)})",
        )


def _children(hotline: Hotline) -> dict[str, set[str]]:
    """Submenu edges (the operator's too, if it is a submenu), plus 'back' edges to parents."""
    menu, operator = hotline.menu, hotline.operator
    children: dict[str, set[str]] = {node_id: set() for node_id in menu.nodes}
    for node_id, node in menu.nodes.items():
        actions = [node.fallback, *(option.action for option in node.options)]
        if operator.type == "submenu" and _uses_operator(node):
            actions.append(operator)
        for action in actions:
            if action.type == "submenu" and action.node in menu.nodes:
                children[node_id].add(action.node)
    parents = _parents(children)
    for node_id, node in menu.nodes.items():
        actions = [node.fallback, *(option.action for option in node.options)]
        has_default_back = "*" not in {option.key for option in node.options}
        if has_default_back or any(action.type == "back" for action in actions):
            children[node_id] |= parents[node_id]
    return children


def _uses_operator(node: Node) -> bool:
    """An operator action, or the default `0` key (unless the node gives `0` another job)."""
    actions = [node.fallback, *(option.action for option in node.options)]
    keys = {option.key for option in node.options}
    return "0" not in keys or any(action.type == "operator" for action in actions)


def _parents(children: dict[str, set[str]]) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {node_id: set() for node_id in children}
    for node_id, targets in children.items():
        for target in targets:
            parents[target].add(node_id)
    return parents


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, frontier = set(start), list(start)
    while frontier:
        for target in edges.get(frontier.pop(), set()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def _nodes_with_exit(hotline: Hotline) -> set[str]:
    """Nodes with a direct way out: a queue, hang-up, transfer or voicemail, maybe via `0`."""
    direct_exits = EXIT_TYPES - {"operator"}
    operator_exits = hotline.operator.type in direct_exits
    found = set()
    for node_id, node in hotline.menu.nodes.items():
        actions = [node.fallback, *(option.action for option in node.options)]
        if any(action.type in direct_exits for action in actions) or (
            operator_exits and _uses_operator(node)
        ):
            found.add(node_id)
    return found


def _hours_problems(hotline: Hotline, path: str) -> Iterator[Problem]:
    for suffix, reason in opening_hours.mistakes(hotline.hours):
        yield Problem(f"{path}.hours{suffix}", reason)
    if hotline.hours.always_open or hotline.closed is not None:
        return
    if opening_hours.never_open(hotline.hours):
        reason = "never open, and no closed policy: add weekly ranges, always_open: true or closed"
        yield Problem(f"{path}.hours", reason)
    else:
        reason = "required when the hotline is not always open (what out-of-hours callers hear)"
        yield Problem(f"{path}.closed", reason)

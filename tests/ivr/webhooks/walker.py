"""Walks a caller through our TwiML with signed posts, the way the carrier follows it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import load_config_file
from ivr.menus.schema import Action, Hotline, SubmenuAction
from tests.app_fixtures import Answer, TwilioPoster, new_call_sid

TERMINAL_VERBS = frozenset({"Enqueue", "Hangup", "Record", "Dial"})


@dataclass
class Walk:
    call_sid: str
    answers: list[Answer]

    @property
    def last(self) -> Answer:
        return self.answers[-1]


async def walk(
    twilio: TwilioPoster, dialled: str, keys: list[str], *, caller: str = "+8613600000000"
) -> Walk:
    """Dial, then answer each Gather with the next key ('' = stay silent)."""
    sid = new_call_sid()
    params = twilio.base_params(sid, caller, dialled)
    answer = await twilio.post("/twilio/voice", params)
    assert answer.status == 200, answer.text
    answers = [answer]
    for key in keys:
        assert "Gather" in answer.verbs(), f"no Gather to press {key!r} in: {answer.text}"
        action = answer.url("//Gather/@action")
        answer = await twilio.post(action, {**params, "Digits": key} if key else params)
        assert answer.status == 200, answer.text
        answers.append(answer)
    return Walk(sid, answers)


@dataclass(frozen=True)
class Leaf:
    """A menu path that ends in an action: the keys, the labels and the action."""

    keys: tuple[str, ...]
    labels: tuple[str, ...]
    action: Action

    @property
    def path(self) -> str:
        return " > ".join(f"{k} {label}" for k, label in zip(self.keys, self.labels, strict=True))


def leaves(hotline: Hotline) -> Iterator[Leaf]:
    """Every option path from the start node that ends in a non-navigation action."""

    def visit(node_id: str, keys: tuple[str, ...], labels: tuple[str, ...]) -> Iterator[Leaf]:
        for option in hotline.menu.nodes[node_id].options:
            here_keys, here_labels = (*keys, option.key), (*labels, option.label)
            if isinstance(option.action, SubmenuAction):
                if option.action.node not in set(keys):  # no cycles
                    yield from visit(option.action.node, here_keys, here_labels)
            elif option.action.type not in {"back", "repeat"}:
                yield Leaf(here_keys, here_labels, option.action)

    yield from visit(hotline.menu.start, (), ())


def demo_hotlines() -> list[Hotline]:
    return list(load_config_file(DEMO_CONFIG).hotlines)

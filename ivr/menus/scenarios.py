"""Flow tests: each scenario of a config played through the menu engine, pass or fail.

The call is decided by the code the webhooks run (`entry.first_step`, `engine.step`, the
published config's number and caller lookups), without HTTP; what the caller hears is
read off each step the way the webhooks say it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.menus.engine import Finish, Position, Prompt, notice_text, step
from ivr.menus.entry import PATH_CLOSED, PATH_VIP, first_step
from ivr.menus.hours import cn_day_kind
from ivr.menus.problem import Problem
from ivr.menus.published import LoadedConfig
from ivr.menus.scenario_schema import SCENARIO_TIMEZONE, Scenario
from ivr.menus.schema import Action, Config, Hotline, Text
from ivr.twiml import Voice

#: Any instant will do for a hotline that is always open (its hours are not read).
_ANY_MOMENT = datetime(2000, 1, 3, 12, 0, tzinfo=SCENARIO_TIMEZONE)
_HEARD_SHOWN = 240  # characters of what was heard quoted in a failure


@dataclass(frozen=True)
class ScenarioResult:
    """How one scenario went: `failure` is empty when it passed."""

    index: int
    name: str
    failure: str = ""
    ended: str = ""  # "queue fault", "voicemail", "hangup", "transfer 4008000000"
    path: tuple[str, ...] = ()  # the choices recorded, e.g. ("1 故障报修", "1 停电")
    heard: tuple[str, ...] = ()
    reached: frozenset[str] = frozenset()  # config paths of the ends this call took

    @property
    def passed(self) -> bool:
        return not self.failure

    def problem(self) -> Problem:
        reason = f"flow test {self.name!r} failed: {self.failure}"
        return Problem(f"scenarios[{self.index}]", reason)


def run_scenarios(config: Config) -> list[ScenarioResult]:
    """Play every scenario; the config must have passed the whole-config checks."""
    loaded = LoadedConfig.build(0, config)
    return [play(config, loaded, index, s) for index, s in enumerate(config.scenarios)]


def scenario_problems(config: Config) -> list[Problem]:
    """Names used twice, and each failing scenario, as problems at `scenarios[i]`."""
    found = []
    first_with_name: dict[str, int] = {}
    for index, scenario in enumerate(config.scenarios):
        if scenario.name in first_with_name:
            other = first_with_name[scenario.name]
            reason = f"duplicate name (scenarios[{other}])"
            found.append(Problem(f"scenarios[{index}].name", reason))
        first_with_name.setdefault(scenario.name, index)
    found += [result.problem() for result in run_scenarios(config) if not result.passed]
    return found


def play(config: Config, loaded: LoadedConfig, index: int, scenario: Scenario) -> ScenarioResult:
    """Dial, enter each input in turn, and compare where the call ended with `expect`."""
    expect = scenario.expect

    def failed(reason: str) -> ScenarioResult:
        return ScenarioResult(index, scenario.name, reason)

    hotline = loaded.hotline_for(scenario.dial)
    if hotline is None:
        return failed(f"no hotline answers {scenario.dial}")
    if expect.queue is not None and expect.queue not in config.queues:
        known = ", ".join(sorted(config.queues))
        return failed(f"expects queue {expect.queue!r}, which is not in queues (known: {known})")
    if scenario.at is None and not hotline.hours.always_open:
        return failed(f"needs `at`: hotline {hotline.id!r} keeps opening hours")
    at = scenario.at or _ANY_MOMENT
    where = f"hotlines[{config.hotlines.index(hotline)}]"
    caller = loaded.caller(scenario.caller) if scenario.caller else None
    vip_class = caller.vip if caller is not None and caller.vip else ""
    entry = first_step(hotline, vip_class, at)
    call = _Call(config, hotline, where)
    call.enter(entry.path, at)
    if entry.greeting:
        call.say(hotline.greeting)
    call.say(*entry.lead)
    outcome = entry.outcome
    steps = [item for given in scenario.inputs for item in given.steps()]
    used = 0
    while isinstance(outcome, Prompt):
        node_id = outcome.position.node
        call.say(*notice_text(hotline, outcome.notice))
        call.prompt(node_id)
        if used == len(steps):
            return call.result(
                index,
                scenario.name,
                "the menu asked for more input than given: "
                f"after {_described(steps)} it waits at node {node_id!r}",
            )
        digits, speech = steps[used]
        used += 1
        if speech and not any(option.speech for option in hotline.menu.nodes[node_id].options):
            reason = f"node {node_id!r} listens for keys only, so {speech!r} is not heard"
            return call.result(index, scenario.name, reason)
        outcome = call.step(outcome.position, digits, speech)
    call.finish(outcome.action)
    failures = []
    if used < len(steps):
        failures.append(
            f"the call left the menu ({call.ended}) after {_described(steps[:used])}; "
            f"{_described(steps[used:])} left over"
        )
    after = f"after {_described(steps[:used])}{call.path_note()}"
    if expect.queue is not None and call.ended != f"queue {expect.queue}":
        failures.append(f"expected queue {expect.queue}, got {call.ended} {after}")
    elif expect.queue is None and outcome.action.type != expect.final:
        failures.append(f"expected {expect.final}, got {call.ended} {after}")
    for fragment in expect.hears:
        if not any(fragment in text for text in call.heard):
            failures.append(f"never heard {fragment!r}; heard: {call.heard_note()}")
    return call.result(index, scenario.name, "; ".join(failures))


class _Call:
    """One call being played: what was said, chosen and reached so far."""

    def __init__(self, config: Config, hotline: Hotline, where: str) -> None:
        self.config = config
        self.hotline = hotline
        self.where = where
        self.voice = Voice.of(hotline)
        self.heard: list[str] = []
        self.path: list[str] = []
        self.reached: set[str] = set()
        self.ended = ""

    def say(self, *texts: Text) -> None:
        self.heard += [spoken for spoken in map(self.voice.text, texts) if spoken]

    def prompt(self, node_id: str) -> None:
        node = self.hotline.menu.nodes[node_id]
        if node.audio is None:  # an audio prompt is played, not spoken
            self.say(node.prompt)

    def enter(self, path: str, at: datetime) -> None:
        """Note the entry (closed, VIP) and, for a hotline with hours, the kind of day."""
        if path == PATH_CLOSED:
            self.reached.add(f"{self.where}.closed")
        elif path == PATH_VIP:
            self.reached.add(f"{self.where}.vip")
        hours = self.hotline.hours
        if hours.always_open:
            return
        day = at.astimezone(ZoneInfo(self.hotline.timezone)).date()
        for position, override in enumerate(hours.overrides):
            if override.date == day:
                self.reached.add(f"{self.where}.hours.overrides[{position}]")
                return
        kind = cn_day_kind(day) if hours.cn_calendar else None
        if kind is not None:
            self.reached.add(f"{self.where}.hours.{kind}")

    def step(self, position: Position, digits: str, speech: str) -> Prompt | Finish:
        node_id = position.node
        result = step(self.hotline, position, digits, speech)
        if result.selection is not None:
            self.path.append(result.selection.render())
        if isinstance(result.outcome, Finish):
            node_path = f"{self.where}.menu.nodes.{node_id}"
            keys = [option.key for option in self.hotline.menu.nodes[node_id].options]
            if result.fallback:
                self.reached.add(f"{node_path}.fallback")
            elif result.selection is not None and result.selection.key in keys:
                self.reached.add(f"{node_path}.options[{keys.index(result.selection.key)}]")
        return result.outcome

    def finish(self, action: Action) -> None:
        """What is said as the call leaves the menu, as `ivr.webhooks.actions` says it."""
        messages = self.hotline.messages
        if action.type == "queue":
            self.ended = f"queue {action.queue}"
            self.say(self.config.queues[action.queue].hold_prompt)
        elif action.type == "hangup":
            self.ended = "hangup"
            self.say(action.prompt, messages.goodbye)
        elif action.type == "transfer":
            self.ended = f"transfer {action.number}"
            self.say(messages.transfer)
        elif action.type == "voicemail":
            self.ended = "voicemail"
            self.say(action.prompt)
        else:  # the engine resolves navigation before it finishes
            self.ended = action.type

    def path_note(self) -> str:
        return f" (path {' > '.join(self.path)})" if self.path else ""

    def heard_note(self) -> str:
        text = " / ".join(self.heard) or "nothing"
        return text if len(text) <= _HEARD_SHOWN else text[:_HEARD_SHOWN] + "..."

    def result(self, index: int, name: str, failure: str) -> ScenarioResult:
        return ScenarioResult(
            index,
            name,
            failure,
            self.ended,
            tuple(self.path),
            tuple(self.heard),
            frozenset(self.reached),
        )


def _described(steps: Sequence[tuple[str, str]]) -> str:
    """'inputs 1, 2, silence, 说「停电」' as an admin wrote them."""
    if not steps:
        return "no input"
    words = [digits or (f"say {speech!r}" if speech else "silence") for digits, speech in steps]
    return f"input{'s' if len(words) > 1 else ''} {', '.join(words)}"

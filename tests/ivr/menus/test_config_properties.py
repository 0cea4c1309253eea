"""Property tests: any document loads or raises ConfigError with problems, never anything else."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.menus.loading import ConfigError, config_to_yaml, load_config_text
from ivr.menus.validate import problems
from tests.ivr.menus.documents import demo_document, node

pytestmark = pytest.mark.timeout(60)  # hundreds of generated documents: about 8 s

NODE_IDS = ["main", "fault", "billing", "a-1", "1bad", ""]
QUEUE_NAMES = ["fault", "general", "vip", "Bad", "x" * 40]
LANGUAGE_CODES = ["zh-CN", "en-US", "cmn-CN", "xx", ""]
ACTION_TYPES = ["submenu", "queue", "hangup", "transfer", "voicemail", "back", "repeat"]
ACTION_TYPES += ["operator", "dial"]
RANGES = ["09:00-18:00", "08:00-12:00", "11:00-13:00", "00:00-24:00", "18:00-09:00", "9-5"]
WEEKDAYS = ["mon", "tue", "sat", "sun", "xyz"]

# Sometimes a wrong type where a string belongs, as a hurried admin would write it.
scalars = st.one_of(st.sampled_from(["", " ", "停电", "x"]), st.integers(-3, 99), st.none())
texts = st.dictionaries(
    st.sampled_from(LANGUAGE_CODES), st.sampled_from(["欢迎", "Welcome", "", "  "]), max_size=3
)


@st.composite
def actions(draw: st.DrawFn) -> dict[str, Any]:
    action: dict[str, Any] = {"type": draw(st.sampled_from(ACTION_TYPES))}
    action["node"] = draw(st.sampled_from(NODE_IDS))
    action["queue"] = draw(st.sampled_from(QUEUE_NAMES))
    action["number"] = draw(st.sampled_from(["+8610000", "abc", "95598"]))
    action["prompt"] = draw(texts)
    fields = {"submenu": ["node"], "queue": ["queue"], "transfer": ["number"]}
    keep = fields.get(
        action["type"], ["prompt"] if action["type"] in {"hangup", "voicemail"} else []
    )
    if draw(st.booleans()):  # mostly the right fields, sometimes all of them
        action = {key: value for key, value in action.items() if key == "type" or key in keep}
    return action


options = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["1", "2", "0", "*", "#", "12", 1]),
        "label": st.sampled_from(["故障报修", "Billing", ""]),
        "action": actions(),
    },
    optional={
        "speech": st.lists(st.sampled_from(["停电", "电费", "", "Bill", "bill"]), max_size=3)
    },
)
nodes = st.fixed_dictionaries(
    {"prompt": texts, "options": st.lists(options, max_size=4)},
    optional={
        "audio": st.sampled_from(["https://example.com/a.mp3", None]),
        "timeout": st.integers(0, 40),
        "fallback": actions(),
    },
)
hours = st.fixed_dictionaries(
    {},
    optional={
        "always_open": st.booleans(),
        "weekly": st.dictionaries(st.sampled_from(WEEKDAYS), st.lists(st.sampled_from(RANGES))),
        "cn_calendar": st.booleans(),
        "holiday": st.lists(st.sampled_from(RANGES), max_size=2),
        "makeup": st.lists(st.sampled_from(RANGES), max_size=2),
        "overrides": st.lists(
            st.fixed_dictionaries(
                {"date": st.sampled_from(["2025-10-01", "2025-02-30", "x"])},
                optional={"hours": st.lists(st.sampled_from(RANGES), max_size=2)},
            ),
            max_size=2,
        ),
    },
)
hotlines = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["95598", "400"]),
        "name": st.just("热线"),
        "numbers": st.lists(st.sampled_from(["95598", "+8695598", "400x", 95598]), max_size=2),
        "language": st.sampled_from(LANGUAGE_CODES),
        "messages": st.fixed_dictionaries(
            {"invalid": texts, "no_input": texts, "goodbye": texts, "apology": texts}
        ),
        "menu": st.fixed_dictionaries(
            {
                "start": st.sampled_from(NODE_IDS),
                "nodes": st.dictionaries(st.sampled_from(NODE_IDS), nodes, max_size=4),
            }
        ),
    },
    optional={
        "voice": st.sampled_from(["alice", "Polly.Zhiyu", "Polly.", "robot"]),
        "timezone": st.sampled_from(["Asia/Shanghai", "Mars/Base", "", "../etc", "UTC"]),
        "greeting": texts,
        "hours": hours,
        "closed": st.fixed_dictionaries({"prompt": texts}, optional={"action": actions()}),
        "vip": st.fixed_dictionaries(
            {"action": actions()},
            optional={"classes": st.lists(st.sampled_from(["gold", ""])), "greeting": texts},
        ),
        "operator": actions(),
    },
)
queues = st.fixed_dictionaries(
    {"name": texts}, optional={"hold_prompt": texts, "hold_seconds": st.integers(0, 200)}
)
callers = st.fixed_dictionaries(
    {"phone": st.sampled_from(["+8613800138000", "+8613911112222", "nope"])},
    optional={"name": scalars, "vip": st.sampled_from(["gold", "", None])},
)
documents = st.fixed_dictionaries(
    {
        "queues": st.dictionaries(st.sampled_from(QUEUE_NAMES), queues, max_size=3),
        "hotlines": st.lists(hotlines, max_size=2),
    },
    optional={"callers": st.lists(callers, max_size=3)},
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_a_document_loads_or_lists_its_problems(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        config = load_config_text(text, "random.yaml")
    except ConfigError as error:
        found = error.problems
    else:
        assert problems(config) == []
        assert load_config_text(config_to_yaml(config), "again") == config
        return
    assert found
    assert all(isinstance(p.path, str) and p.reason for p in found)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_lists_its_problems(text: str) -> None:
    try:
        load_config_text(text, "random.yaml")
    except ConfigError as error:
        found = error.problems
    else:
        return
    assert found


valid_actions = st.one_of(
    st.builds(lambda node: {"type": "submenu", "node": node}, st.sampled_from(NODE_IDS[:4])),
    st.builds(lambda queue: {"type": "queue", "queue": queue}, st.sampled_from(QUEUE_NAMES)),
    st.sampled_from([{"type": kind} for kind in ("hangup", "back", "repeat", "operator")]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0, 1]), st.sampled_from(NODE_IDS[:4]), valid_actions),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["1", "0", "*", "#"]),
)
def test_rewired_demo_menus_load_or_list_their_problems(
    rewiring: list[tuple[int, str, dict[str, Any]]], key: str
) -> None:
    """Well-formed but rewired menus reach the whole-config checks and, when sound, the
    demo's flow tests: neither ever crashes."""
    document = demo_document()
    for hotline, node_id, action in rewiring:
        target = node(document, hotline, node_id)
        target.setdefault("prompt", {"zh-CN": "新菜单", "en-US": "New menu"})
        target.setdefault("options", []).append({"key": key, "label": "x", "action": action})
        target["fallback"] = action
    try:
        config = load_config_text(yaml.safe_dump(document, allow_unicode=True), "rewired.yaml")
    except ConfigError as error:
        found = error.problems
    else:
        assert load_config_text(config_to_yaml(config), "again") == config
        return
    assert found
    assert all(p.path.startswith(("hotlines[", "queues.", "scenarios[")) for p in found)

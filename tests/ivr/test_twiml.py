"""TwiML as a carrier reads it: the keys a `<Gather>` reports reach the menu as pressed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hotline.demo import HOTLINES_YAML
from ivr import twiml
from ivr.menus import engine
from ivr.menus.engine import Prompt
from ivr.menus.loading import load_config_file
from local_carrier.caller import collect_digits, gather_complete
from local_carrier.twiml_parser import gather_spec
from tests.ivr.twiml_schema import assert_valid_twiml, assert_valid_wait_twiml

URL = "https://hotline.example.test/twilio/menu?s=root&t=0"


def _gather(document: str) -> ET.Element:
    found = ET.fromstring(document).find("Gather")  # noqa: S314 - our own TwiML
    assert found is not None, document
    return found


def test_pound_reaches_the_menu_and_repeats_it_without_costing_a_retry() -> None:
    hotline = load_config_file(HOTLINES_YAML).hotlines[0]
    start = engine.start(hotline)
    document = twiml.menu(twiml.Voice.of(hotline), hotline.menu.nodes[start.node], URL, speech=True)
    assert_valid_twiml(document)
    spec = gather_spec(_gather(document))
    assert gather_complete("#", spec)  # one key ends the Gather at once
    digits = collect_digits("#", spec)
    assert digits == "#"
    assert engine.step(hotline, start, digits).outcome == Prompt(start)  # tries stay 0


def test_pound_can_be_a_key_while_waiting() -> None:
    document = twiml.wait_segment(
        twiml.DEFAULT_VOICE, [{"zh-CN": "返回主菜单请按井号键。"}], None, 10, URL
    )
    assert_valid_wait_twiml(document)
    assert collect_digits("#", gather_spec(_gather(document))) == "#"

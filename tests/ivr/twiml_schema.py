"""Checks TwiML against Twilio's published schema and the waitUrl rule.

The schema is the project's copy in tests/twiml_xsd/ (from ../shared/twiml/, MIT, see its
README), so the suite runs on a machine that has only this repository.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "twiml_xsd"
ENTRY = "twiml_v20100401_twilioRealtimeCallSchema.xsd"
WAIT_URL_VERBS = frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"})


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / ENTRY)))


def assert_valid_twiml(text: str) -> etree._Element:
    doc = etree.fromstring(text.encode())
    schema().assertValid(doc)
    return doc


def assert_valid_wait_twiml(text: str) -> None:
    doc = assert_valid_twiml(text)
    used = {child.tag for child in doc}
    assert used <= WAIT_URL_VERBS, f"waitUrl document uses {used - WAIT_URL_VERBS}"

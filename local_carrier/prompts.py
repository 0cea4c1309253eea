"""The verbs a caller hears or answers: Say, Play, Pause and Gather (with barge-in)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

from .clock import speech_seconds
from .session import CallSession, Fetch
from .twiml_parser import Document, gather_spec, int_attr, text_of

LOOP_FOREVER = 1000  # Twilio plays loop="0" "until the call ends"; this stands in for that
DIGIT_SECONDS = 0.5


def _loops(verb: ET.Element) -> int:
    loops = int_attr(verb, "loop", 1)
    return LOOP_FOREVER if loops <= 0 else loops


async def _pace(session: CallSession, seconds: float, interrupt: asyncio.Event | None) -> bool:
    if interrupt is None:
        await session.clock.sleep(seconds)
        return False
    return await session.clock.sleep_unless(seconds, interrupt)


async def prompt(
    session: CallSession, verb: ET.Element, doc: Document, interrupt: asyncio.Event | None
) -> bool:
    """Play a Say, Play or Pause; True when the caller barged in (only with `interrupt`)."""
    io = session.io
    if verb.tag == "Pause":
        seconds = float(int_attr(verb, "length", 1))
        await io.pause(seconds)
        return await _pace(session, seconds, interrupt)
    if verb.tag == "Say":
        text = text_of(verb)
        language = verb.get("language", "en-US")
        for _ in range(_loops(verb)):
            session.transcript.append(text)
            await io.say(text, language, verb.get("voice"))
            if await _pace(session, speech_seconds(text), interrupt):
                return True
        return False
    digits = verb.get("digits")
    if digits:
        session.transcript.append(f"[digits {digits}]")
        await io.play(f"digits:{digits}")
        return await _pace(session, DIGIT_SECONDS * len(digits), interrupt)
    url = session.absolute(text_of(verb), doc.url)
    for _ in range(_loops(verb)):
        session.transcript.append(f"[play {url}]")
        await io.play(url)
        if await _pace(session, session.play_seconds, interrupt):
            return True
    return False


async def gather(
    session: CallSession, verb: ET.Element, doc: Document, extra: dict[str, str] | None = None
) -> Fetch | None:
    """Run a <Gather>: the action to fetch with the input, or None to fall through."""
    spec = gather_spec(verb)
    io = session.io
    io.interrupt.clear()
    await io.listening(spec)
    for child in verb:
        if await prompt(session, child, doc, io.interrupt):
            break
    result = await io.gather(spec, session.clock)
    io.interrupt.clear()
    action = session.absolute(spec.action or doc.url, doc.url)
    params = dict(extra or {})
    if result is not None and result.speech is not None:
        session.record("gather", f"speech {result.speech!r}")
        params |= {"SpeechResult": result.speech, "Confidence": f"{result.confidence:.2f}"}
        return Fetch(action, spec.method, params)
    if result is not None and result.digits:
        session.record("gather", f"digits {result.digits}")
        return Fetch(action, spec.method, params | {"Digits": result.digits})
    session.record("gather", "no input")
    if spec.action_on_empty_result:
        return Fetch(action, spec.method, params | {"Digits": ""})
    return None

"""Follows TwiML for one call, document after document, as Twilio does."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from . import dial, enqueue, prompts
from .clock import speech_seconds
from .session import (
    ApplicationError,
    CallEnded,
    CallSession,
    Fetch,
    Instruction,
)
from .twiml_parser import Document, TwimlError, bool_attr, method_attr, record_spec, text_of
from .webhook_poster import WebhookError

log = logging.getLogger(__name__)

APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."


class Interpreter:
    """Runs a call's documents from one instruction until the call ends."""

    def __init__(self, session: CallSession) -> None:
        self.session = session

    async def run(self, start: Instruction) -> CallEnded:
        """Follow `start` and whatever it leads to; how the call ended."""
        session = self.session
        try:
            following: Instruction | None = start
            while following is not None:
                document = await session.load(following)
                following = await self.execute(document)
            return CallEnded("completed", "end of document")
        except CallEnded as ended:
            return ended
        except (TwimlError, ApplicationError, WebhookError) as exc:
            session.record("error", str(exc))
        except Exception as exc:
            log.exception("call %s: carrier fault", session.sid, extra={"call_sid": session.sid})
            session.record("error", f"carrier fault: {exc!r}")
        session.answered = True
        session.transcript.append(APPLICATION_ERROR)
        await session.io.say(APPLICATION_ERROR, "en-US", None)
        await session.clock.sleep(speech_seconds(APPLICATION_ERROR))
        return CallEnded("completed", "application error")

    async def execute(self, doc: Document) -> Instruction | None:
        """Run `doc`'s verbs; the next instruction, or None when the document ran out."""
        session = self.session
        for verb in doc.verbs:
            if verb.tag == "Reject":
                if session.answered:
                    raise CallEnded("completed", "rejected after answer")
                busy = verb.get("reason", "rejected") == "busy"
                raise CallEnded("busy" if busy else "no-answer", "rejected")
            if not (verb.tag == "Dial" and bool_attr(verb, "answerOnBridge", False)):
                session.answered = True  # answerOnBridge: the Dial answers when it bridges
            following = await self.verb(verb, doc)
            if following is not None:
                return following
        return None

    async def verb(self, verb: ET.Element, doc: Document) -> Instruction | None:
        session = self.session
        match verb.tag:
            case "Say" | "Play" | "Pause":
                await prompts.prompt(session, verb, doc, None)
            case "Gather":
                return await prompts.gather(session, verb, doc)
            case "Redirect":
                url = text_of(verb)
                if not url:
                    raise TwimlError(f"{doc.url}: <Redirect> without a URL")
                return Fetch(session.absolute(url, doc.url), method_attr(verb))
            case "Hangup":
                raise CallEnded("completed", "hangup verb")
            case "Record":
                return await self.record(verb, doc)
            case "Enqueue":
                return await enqueue.enqueue(session, verb, doc)
            case "Dial":
                return await dial.dial(session, verb, doc)
            case "Leave":
                pass  # only means something in a wait document
            case _:
                raise TwimlError(f"{doc.url}: unknown verb <{verb.tag}>")
        return None

    async def record(self, verb: ET.Element, doc: Document) -> Fetch | None:
        session = self.session
        spec = record_spec(verb)
        if spec.play_beep:
            session.transcript.append("[beep]")
            await session.io.beep()
        result = await session.io.record(spec, session.clock)
        if not result.text and result.seconds <= 0 and not result.hung_up:
            session.record("record", "nothing recorded")
            return None  # Twilio skips the action when it recorded nothing
        sid, url = session.keep_recording(result.text, result.seconds)
        session.record("record", f"{sid} {result.seconds:.0f}s")
        digits = "hangup" if result.hung_up else result.finish_key
        params = {
            "RecordingUrl": url,
            "RecordingDuration": str(round(result.seconds)),
            "RecordingSid": sid,
            "Digits": digits,
        }
        action = Fetch(session.absolute(spec.action or doc.url, doc.url), spec.method, params)
        if result.hung_up:
            await enqueue.notify(session, action)
            raise CallEnded("completed", "hung up after recording")
        return action

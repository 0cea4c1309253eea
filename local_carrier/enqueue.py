"""<Enqueue>: a call waits in a named queue while its waitUrl plays, until it leaves."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from . import prompts
from .session import ApplicationError, CallEnded, CallSession, Fetch, Membership
from .twiml_parser import WAIT_VERBS, Document, TwimlError, enqueue_spec, method_attr, text_of
from .webhook_poster import WebhookError

DEFAULT_HOLD_MUSIC = "http://com.twilio.sounds.music.s3.amazonaws.com/ClockworkWaltz.mp3"


def _hold_music(url: str) -> Document:
    play = ET.Element("Play")
    play.text = DEFAULT_HOLD_MUSIC
    return Document(url=url, verbs=(play,))


async def enqueue(session: CallSession, verb: ET.Element, doc: Document) -> Fetch | None:
    """Wait in the queue; the Enqueue action to fetch when the call leaves (or None to go on
    with the next verb when there is no action)."""
    spec = enqueue_spec(verb)
    action = session.absolute(spec.action, doc.url) if spec.action else None
    queue, member = session.queues.join(spec.queue, spec.max_queue_size, session.sid, session.clock)
    if member is None:
        session.record("queue-result", f"{spec.queue}: queue-full")
        params = {"QueueResult": "queue-full", "QueueSid": queue.sid, "QueueTime": "0"}
        return Fetch(action, spec.method, params) if action else None
    session.membership = Membership(queue, member, action, spec.method)
    session.record("enqueued", f"{spec.queue} at {queue.position(member)}")
    wait_url = session.absolute(spec.wait_url, doc.url) if spec.wait_url else None
    try:
        while True:
            await session.io.queued(queue.status(member))
            if wait_url is None:
                wait_doc = _hold_music(doc.url)
            else:
                fetch = Fetch(wait_url, spec.wait_url_method, queue.params(member))
                wait_doc = await session.load(fetch, WAIT_VERBS)
            outcome = await _play_wait_document(session, wait_doc)
            if outcome is not None:
                break
    except (TwimlError, ApplicationError, WebhookError) as exc:
        session.record("error", f"waitUrl: {exc}")
        outcome = "error"
    fetch_action = await leave_queue(session, outcome, report=False)
    if outcome == "hangup":
        if fetch_action is not None:
            await notify(session, fetch_action)
        raise CallEnded("completed", "hung up in queue")
    return fetch_action


async def _play_wait_document(session: CallSession, doc: Document) -> str | None:
    """Play one wait document; "leave" or "hangup" when it ends the wait, None to loop."""
    membership = session.membership
    assert membership is not None  # noqa: S101 - only called while queued
    while True:
        for verb in doc.verbs:
            replacement: Fetch | None = None
            if verb.tag == "Leave":
                return "leave"
            if verb.tag == "Hangup":
                return "hangup"
            if verb.tag == "Redirect":
                url = session.absolute(text_of(verb), doc.url)
                queue_params = membership.queue.params(membership.member)
                replacement = Fetch(url, method_attr(verb), queue_params)
            elif verb.tag == "Gather":
                queue_params = membership.queue.params(membership.member)
                replacement = await prompts.gather(session, verb, doc, queue_params)
            else:
                await prompts.prompt(session, verb, doc, None)
            if replacement is not None:
                doc = await session.load(replacement, WAIT_VERBS)
                break
        else:
            return None


async def leave_queue(session: CallSession, result: str, *, report: bool = True) -> Fetch | None:
    """Take the call out of its queue with `result`; the Enqueue action to fetch, which is
    also sent here (its answer ignored) when `report` (a hang-up or a redirect)."""
    membership = session.membership
    if membership is None:
        return None
    session.membership = None
    waited = membership.member.waited()
    session.queues.leave(membership.queue, membership.member)
    session.record("queue-result", f"{membership.queue.name}: {result}")
    if membership.action is None:
        return None
    params = {
        "QueueResult": result,
        "QueueSid": membership.queue.sid,
        "QueueTime": str(int(waited)),
    }
    fetch = Fetch(membership.action, membership.method, params)
    if report:
        await notify(session, fetch)
    return fetch


async def notify(session: CallSession, fetch: Fetch) -> None:
    """Send a webhook whose answer the call no longer follows."""
    try:
        await session.send(fetch)
    except WebhookError as exc:
        session.record("error", f"{fetch.url}: {exc}")

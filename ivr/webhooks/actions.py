"""Turning a menu action (queue, hang-up, transfer, voicemail, submenu) into TwiML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web

from ivr import twiml
from ivr.menus.engine import Notice, Position, notice_text
from ivr.menus.published import LoadedConfig
from ivr.menus.schema import (
    Action,
    BackAction,
    HangupAction,
    Hotline,
    OperatorAction,
    QueueAction,
    RepeatAction,
    SubmenuAction,
    Text,
    TransferAction,
    VoicemailAction,
)
from ivr.webhooks.call_card import CallCard
from ivr.webhooks.shared import public_url

# Menu prompts depend only on the config version and the position, so they are rendered
# once per process; the bound only matters for hand-made positions (signed, but odd).
PROMPT_CACHE_LIMIT = 20_000


@dataclass(frozen=True)
class CallContext:
    """One call as a handler sees it: its config version, hotline and sid, and once it
    is queued, its card (`ivr.webhooks.call_card`)."""

    loaded: LoadedConfig
    hotline: Hotline
    call_sid: str
    card: CallCard | None = None

    @property
    def voice(self) -> twiml.Voice:
        return twiml.Voice.of(self.hotline)

    def query(self, **extra: str | int) -> dict[str, str | int]:
        return {"h": self.hotline.id, "v": self.loaded.version, **extra}

    def waiting_query(self, queue: str) -> dict[str, str | int]:
        """What the URLs of a waiting call carry (waitUrl, Enqueue action, wait keys): its
        context, its queue and its card, so that a call Redis forgot can be rebuilt."""
        card = self.card.query() if self.card is not None else {}
        return {**self.query(q=queue), **card}


@dataclass(frozen=True)
class Answer:
    """The TwiML to answer and the facts to record about the call with it; or, for a
    queue action, the queue to join (and what to say first) once the facts are recorded."""

    twiml: str
    fields: dict[str, str] = field(default_factory=dict)
    join: str | None = None
    lead: tuple[Text, ...] = ()


def menu_prompt(
    request: web.Request,
    ctx: CallContext,
    position: Position,
    *,
    notice: Notice = Notice.NONE,
    greeting: bool = False,
    lead: Sequence[Text] = (),
) -> str:
    """The node's Gather, after the greeting, a notice or any other `lead`.

    Without `lead` the document depends only on the version and these arguments, so it is
    rendered once per process.
    """
    cache = ctx.loaded.rendered
    key = (ctx.hotline.id, position.encode(), position.tries, notice, greeting)
    cached = cache.get(key) if not lead else None
    if cached is not None:
        return cached
    hotline = ctx.hotline
    node = hotline.menu.nodes[position.node]
    action_url = public_url(request, "menu", **ctx.query(s=position.encode(), t=position.tries))
    said = [*lead, *notice_text(hotline, notice)]
    if greeting and hotline.greeting:
        said.insert(0, hotline.greeting)
    speech = any(option.speech for option in node.options)
    rendered = twiml.menu(ctx.voice, node, action_url, lead=said, speech=speech)
    if not lead and len(cache) < PROMPT_CACHE_LIMIT:
        cache[key] = rendered
    return rendered


def queue_target(request: web.Request, ctx: CallContext, queue: str) -> twiml.QueueTarget:
    return twiml.QueueTarget(
        name=queue,
        wait_url=public_url(request, "wait", **ctx.waiting_query(queue)),
        action_url=public_url(request, "queue_result", **ctx.waiting_query(queue)),
    )


def answer_action(
    request: web.Request,
    ctx: CallContext,
    action: Action,
    position: Position,
    lead: Sequence[Text] = (),
) -> Answer:
    """The TwiML that carries out `action` for a caller at `position`, and what to record."""
    voice = ctx.voice
    hotline = ctx.hotline
    if isinstance(action, OperatorAction):
        return answer_action(request, ctx, hotline.operator, position, lead)
    if isinstance(action, SubmenuAction):
        return Answer(
            menu_prompt(request, ctx, Position((*position.stack, action.node)), lead=lead)
        )
    if isinstance(action, BackAction | RepeatAction):
        return Answer(menu_prompt(request, ctx, Position(position.stack), lead=lead))
    if isinstance(action, QueueAction):
        fields = {"queue": action.queue, "category": action.category, "outcome": "queued"}
        return Answer("", fields, join=action.queue, lead=tuple(lead))
    if isinstance(action, HangupAction):
        spoken = twiml.say_then_hangup(voice, *lead, action.prompt, hotline.messages.goodbye)
        return Answer(spoken, {"outcome": "information"})
    if isinstance(action, TransferAction):
        url = public_url(request, "transfer_result", **ctx.query())
        lead = [*lead, hotline.messages.transfer] if hotline.messages.transfer else lead
        fields = {"outcome": "transferred", "transfer": action.number}
        return Answer(twiml.transfer(voice, action.number, url, lead=lead), fields)
    if isinstance(action, VoicemailAction):
        url = public_url(request, "voicemail", **ctx.query())
        document = twiml.voicemail(voice, action.prompt, url, action.max_seconds, lead=lead)
        return Answer(document, {"outcome": "voicemail"})
    raise TypeError(f"unhandled action {action!r}")

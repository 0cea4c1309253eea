"""Turning a menu action (queue, hang-up, transfer, voicemail, submenu) into TwiML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from ivr import twiml
from ivr.appkeys import CALLS
from ivr.menus.engine import Position
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
from ivr.webhooks.urls import public_url


@dataclass(frozen=True)
class CallContext:
    """One call as a handler sees it: its config version, hotline and first facts."""

    loaded: LoadedConfig
    hotline: Hotline
    call_sid: str

    @property
    def voice(self) -> twiml.Voice:
        return twiml.Voice.of(self.hotline)

    def query(self, **extra: str | int) -> dict[str, str | int]:
        return {"h": self.hotline.id, "v": self.loaded.version, **extra}


def menu_prompt(
    request: web.Request, ctx: CallContext, position: Position, lead: Sequence[Text] = ()
) -> str:
    node = ctx.hotline.menu.nodes[position.node]
    action_url = public_url(request, "menu", **ctx.query(s=position.encode(), t=position.tries))
    speech = any(option.speech for option in node.options)
    return twiml.menu(ctx.voice, node, action_url, lead=lead, speech=speech)


def queue_target(request: web.Request, ctx: CallContext, queue: str) -> twiml.QueueTarget:
    return twiml.QueueTarget(
        name=queue,
        wait_url=public_url(request, "wait", **ctx.query(q=queue)),
        action_url=public_url(request, "queue_result", **ctx.query(q=queue)),
    )


async def answer_action(
    request: web.Request,
    ctx: CallContext,
    action: Action,
    position: Position,
    path: str,
    lead: Sequence[Text] = (),
) -> str:
    """The TwiML that carries out `action` for a caller at `position` who came by `path`."""
    calls = request.config_dict[CALLS]
    sid = ctx.call_sid
    voice = ctx.voice
    if isinstance(action, OperatorAction):
        return await answer_action(request, ctx, ctx.hotline.operator, position, path, lead)
    if isinstance(action, SubmenuAction):
        return menu_prompt(request, ctx, Position((*position.stack, action.node)), lead)
    if isinstance(action, BackAction | RepeatAction):
        return menu_prompt(request, ctx, Position(position.stack), lead)
    if isinstance(action, QueueAction):
        await calls.update(
            sid, path=path, queue=action.queue, category=action.category, outcome="queued"
        )
        return twiml.enqueue(voice, queue_target(request, ctx, action.queue), lead=lead)
    if isinstance(action, HangupAction):
        await calls.update(sid, path=path, outcome="information")
        return twiml.say_then_hangup(voice, *lead, action.prompt, ctx.hotline.messages.goodbye)
    if isinstance(action, TransferAction):
        await calls.update(sid, path=path, outcome="transferred", transfer=action.number)
        url = public_url(request, "transfer_result", **ctx.query())
        lead = [*lead, ctx.hotline.messages.transfer] if ctx.hotline.messages.transfer else lead
        return twiml.transfer(voice, action.number, url, lead=lead)
    if isinstance(action, VoicemailAction):
        await calls.update(sid, path=path, outcome="voicemail")
        url = public_url(request, "voicemail", **ctx.query())
        return twiml.voicemail(voice, action.prompt, url, action.max_seconds, lead=lead)
    raise TypeError(f"unhandled action {action!r}")

"""What a waiting caller hears and where they go when the wait ends: position and
estimated wait, hold audio, keys, the heartbeat that puts a lost call back, overflow."""

from __future__ import annotations

import logging

from aiohttp import web

from hotline.appkeys import CALLS, MATCHING
from ivr import twiml
from ivr.menus.schema import Text
from ivr.webhooks.actions import CallContext
from ivr.webhooks.put_back import PutBack, put_back
from ivr.webhooks.shared import public_url, shared
from queues.catalogue import QueueSpec, WaitKey
from routing.offer import LeaveReason

log = logging.getLogger(__name__)

RINGING_PAUSE_S = 5  # while an agent's phone rings, the caller hears short silences


def announcement(language: str, position: int, wait_s: int | None) -> Text:
    """ "You are number N; about M minutes", in the hotline's language; with nobody able to
    take the call signed in (`wait_s` None) it says so instead of promising a time."""
    minutes = max(1, round((wait_s or 0) / 60))
    if language.startswith(("zh", "cmn", "yue")):
        ahead = f"您前面还有{position - 1}位客户，" if position > 1 else "您是下一位，"
        if wait_s is None:
            return {language: ahead + "暂无坐席可接听，请稍候。"}
        eta = "预计等待不到1分钟。" if wait_s < 60 else f"预计等待约{minutes}分钟。"
        return {language: ahead + eta}
    place = f"You are number {position} in the queue." if position > 1 else "You are next."
    if wait_s is None:
        return {language: f"{place} No agent who can take your call is on duty right now."}
    eta = "less than a minute" if wait_s < 60 else f"about {minutes} minutes"
    return {language: f"{place} The estimated wait is {eta}."}


def keys_prompt(language: str, spec: QueueSpec) -> Text:
    zh = language.startswith(("zh", "cmn", "yue"))
    parts = []
    for key, kind in spec.wait_keys.items():
        spoken = (
            {"*": "星号键", "#": "井号键"}.get(key, key)
            if zh
            else {"*": "star", "#": "pound"}.get(key, key)
        )
        if kind is WaitKey.VOICEMAIL:
            parts.append(f"如需留言请按{spoken}" if zh else f"to leave a message, press {spoken}")
        else:
            parts.append(
                f"返回主菜单请按{spoken}" if zh else f"to return to the menu, press {spoken}"
            )
    if not parts:
        return {}
    return {language: ("，".join(parts) + "。") if zh else (", ".join(parts).capitalize() + ".")}


def _announce_due(spec: QueueSpec, queue_time: int) -> bool:
    """At the first segment, then once in each `announce_every_s` window."""
    return queue_time < spec.hold_seconds or queue_time % spec.announce_every_s < spec.hold_seconds


async def wait_segment(
    request: web.Request,
    ctx: CallContext,
    queue: str,
    queue_time: int,
    *,
    announce: bool = True,
) -> str:
    spec = ctx.loaded.config.queues[queue]
    matching = shared(request)[MATCHING]
    router = matching.router
    calls = shared(request)[CALLS]
    facts, state = await calls.facts(ctx.call_sid)
    if state.get("bridge") == "pending":
        return twiml.leave()  # the Enqueue action will dial the agent
    position = await router.position(ctx.call_sid)
    if position is None:  # Redis lost the call (flushed, failed over): put it back
        placed = await put_back(request, ctx, queue, queue_time, facts, state)
        if placed is PutBack.ENDED:
            return twiml.say_then_hangup(ctx.voice)
        position = await router.position(ctx.call_sid)
    if position is not None and position.state != "waiting":
        return twiml.hold(ctx.voice, {}, None, RINGING_PAUSE_S)
    if position is not None and (position.over_max_wait or position.queue_empty):
        reason = LeaveReason.TIMEOUT if position.over_max_wait else LeaveReason.EMPTY
        outcome = await router.leave(ctx.call_sid, reason)
        await matching.deliver(outcome.offers)
        await calls.update(ctx.call_sid, leave="timeout" if position.over_max_wait else "empty")
        log.info("leaves queue %s: %s", queue, reason, extra={"call_sid": ctx.call_sid})
        return twiml.leave()
    said: list[Text] = []
    if announce and position is not None and _announce_due(spec, queue_time):
        wait_s = await router.estimate_wait(queue, position.position)
        said.append(announcement(ctx.hotline.language, position.position, wait_s))
    if spec.hold_prompt:
        said.append(spec.hold_prompt)
    key_action = None
    if spec.wait_keys:
        said.append(keys_prompt(ctx.hotline.language, spec))
        key_action = public_url(request, "wait_key", **ctx.waiting_query(queue))
    return twiml.wait_segment(ctx.voice, said, spec.hold_music, spec.hold_seconds, key_action)


async def leave_intent(request: web.Request, call_sid: str) -> str:
    _, state = await shared(request)[CALLS].facts(call_sid)
    return state.get("leave", "")

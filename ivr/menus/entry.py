"""Where a new call starts: the closed message, the VIP path, or the menu with its greeting.

Pure, like the engine: the incoming-call webhook and the flow tests both ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.menus.engine import Finish, Prompt, follow, start
from ivr.menus.hours import is_open
from ivr.menus.schema import HangupAction, Hotline, Text

PATH_VIP = "VIP"
PATH_CLOSED = "closed"


@dataclass(frozen=True)
class Entry:
    """The first step of a call: its outcome, what is said before it, the path recorded."""

    outcome: Prompt | Finish
    lead: tuple[Text, ...] = ()
    greeting: bool = False  # the menu starts with the hotline's greeting
    path: str = ""  # PATH_CLOSED, PATH_VIP, or "" for the menu


def vip_applies(hotline: Hotline, vip_class: str) -> bool:
    policy = hotline.vip
    return (
        bool(vip_class)
        and policy is not None
        and (not policy.classes or vip_class in policy.classes)
    )


def first_step(hotline: Hotline, vip_class: str, now: datetime) -> Entry:
    """Closed → the closed prompt and action; a VIP class the policy takes → the VIP path;
    else the menu's first node after the greeting."""
    position = start(hotline)
    if not is_open(hotline.hours, now, hotline.timezone):
        if hotline.closed is None:  # validation requires a policy; say goodbye regardless
            return Entry(Finish(HangupAction(type="hangup"), position), path=PATH_CLOSED)
        closed = hotline.closed
        outcome = follow(hotline, closed.action, position)
        return Entry(outcome, (closed.prompt,), path=PATH_CLOSED)
    if hotline.vip is not None and vip_applies(hotline, vip_class):
        greeting = hotline.vip.greeting or hotline.greeting
        lead = (greeting,) if greeting else ()
        return Entry(follow(hotline, hotline.vip.action, position), lead, path=PATH_VIP)
    return Entry(Prompt(position), greeting=True)

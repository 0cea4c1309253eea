"""The child legs the carrier's Dials placed, kept for the REST `Calls` resource to show."""

from __future__ import annotations

from collections import OrderedDict

from .phones import DialLeg

#: Ended legs are kept this many at most (the oldest go first); live ones are always kept.
KEPT_LEGS = 5000


class LegBook:
    """Every child leg by its CallSid, in the order they were placed.

    Twilio lists a call's child legs under `ParentCallSid` for as long as the account
    keeps its call logs; a stand-in keeps the last `kept` of them, which is plenty for a
    server asking what became of a leg it rang minutes ago.
    """

    def __init__(self, kept: int = KEPT_LEGS) -> None:
        self._legs: OrderedDict[str, DialLeg] = OrderedDict()
        self._kept = kept

    def add(self, leg: DialLeg) -> None:
        self._legs[leg.sid] = leg
        if len(self._legs) > self._kept:
            for sid in [s for s, old in self._legs.items() if old.ended_at is not None]:
                del self._legs[sid]
                if len(self._legs) <= self._kept:
                    break

    def get(self, sid: str) -> DialLeg | None:
        return self._legs.get(sid)

    def find(self, *, parent_call_sid: str = "", to: str = "", status: str = "") -> list[DialLeg]:
        """The legs matching every filter given, newest first (as Twilio lists calls)."""
        return [
            leg
            for leg in reversed(self._legs.values())
            if (not parent_call_sid or leg.parent_call_sid == parent_call_sid)
            and (not to or leg.to == to)
            and (not status or leg.status == status)
        ]

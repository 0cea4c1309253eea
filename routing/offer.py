"""Offers (reservations) the router hands out, and the results of acting on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from routing.contract import OFFER_FIELDS, OFFER_REPLY, SAMPLE_FIELDS, reply_fields
from routing.trace import DecisionTrace

_OFFER = reply_fields(*OFFER_FIELDS)
#: The lengths a reply may have: with the sample's texts, or without them.
_LENGTHS = frozenset({len(OFFER_REPLY), len(OFFER_REPLY) - len(SAMPLE_FIELDS)})


class ReleaseCause(StrEnum):
    """Why an offer ended without a connection; the first three give the agent a back-off."""

    REJECT = "reject"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"  # the carrier could not ring the agent; no back-off
    LAPSED = "lease_expired"  # the carrier has no leg for the offer, or could not be asked


class OfferResult(StrEnum):
    """The result of accept / release / complete, checked against the fencing token."""

    ACCEPTED = "accepted"
    RELEASED = "released"
    COMPLETED = "completed"
    STALE = "stale"  # another token owns the call now, or the state moved on
    UNKNOWN = "unknown"  # no such call (finished long ago, or never queued)


class EnqueueStatus(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"  # already waiting or offered; nothing changed
    FULL = "full"  # max_size reached (Twilio QueueResult=queue-full)
    EMPTY = "empty"  # refused by the queue's join-when-empty rule
    UNKNOWN_QUEUE = "unknown_queue"


class LeaveReason(StrEnum):
    """Why a call left its queue before being connected (queue_log names)."""

    ABANDON = "ABANDON"  # the caller hung up
    TIMEOUT = "EXITWITHTIMEOUT"  # max wait reached; the caller goes to the overflow target
    KEY = "EXITWITHKEY"  # the caller pressed a key (voicemail, back to the menu)
    EMPTY = "EXITEMPTY"  # leave-when-empty rule


class Offer(NamedTuple):
    """A call reserved for one agent until `lease_expires_ms`; act on it with `token`.
    A named tuple, like its trace: one is built per offer, on the router's hot path."""

    call_id: str
    agent_id: str
    queue: str
    token: int
    lease_expires_ms: int
    offered_ms: int
    trace: DecisionTrace

    @classmethod
    def from_script(cls, row: Sequence[str | int]) -> Offer:
        """Parse a match script's reply (`routing.contract.OFFER_REPLY`): the offer, then
        the trace as flat fields (or, from scripts before the flat form, one JSON text)."""
        call, agent, queue, token, lease, offered = _OFFER(row)
        if len(row) == len(OFFER_FIELDS) + 1:
            trace = DecisionTrace.from_script(str(row[-1]))
        elif len(row) in _LENGTHS:
            trace = DecisionTrace.from_reply(str(call), str(queue), str(agent), int(offered), row)
        else:
            raise ValueError(f"an offer's reply has {len(OFFER_REPLY)} fields, not {len(row)}")
        # In field order, without the keyword parsing of the named tuple's constructor.
        return tuple.__new__(
            cls, (str(call), str(agent), str(queue), int(token), int(lease), int(offered), trace)
        )


@dataclass(frozen=True, slots=True)
class Enqueued:
    """The result of enqueueing: the status and, when an agent was idle, the offer made."""

    status: EnqueueStatus
    offer: Offer | None = None


class LapsedOffer(NamedTuple):
    """An offer whose lease lapsed with no word from the carrier: still reserved, to be
    settled by what the carrier says of the agent's leg."""

    call_id: str
    agent_id: str
    token: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of accept / release / complete / leave for one call, with the offers the
    change made possible (a released call re-offered, a freed agent given a call)."""

    result: OfferResult
    queue: str = ""
    agent_id: str = ""
    offers: tuple[Offer, ...] = ()

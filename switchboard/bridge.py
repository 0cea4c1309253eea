"""Connecting an offered call to its agent: the Dial TwiML, ringing by updating the live
call (as TaskRouter's dequeue does), telling the agent's softphone who is calling, and
asking the carrier about (or withdrawing) the agent's ringing leg."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from carriers.driver import CallLeg, CarrierDriver, CarrierError
from hotline.metrics import ErrorKind, Metrics
from ivr import twiml
from ivr.calls import CallFacts, CallState
from ivr.menus.published import ConfigRegistry
from ivr.menus.schema import Text
from ivr.webhook_urls import WebhookUrls
from ivr.webhooks.call_card import CallCard
from routing.offer import Offer
from switchboard.agent_events import AgentEvents

log = logging.getLogger(__name__)

DEFAULT_RING_SECONDS = 20


@dataclass(frozen=True)
class Ringing:
    """An offer being rung: the Dial document, what to record, and the call as known."""

    leg: twiml.AgentLeg
    document: str
    fields: dict[str, str]
    facts: CallFacts | None
    state: dict[str, str]


def _card_query(facts: CallFacts | None, state: dict[str, str]) -> dict[str, str | int]:
    card = CallCard.from_state(facts, state)
    return card.query() if card is not None else {}


class Bridge:
    def __init__(
        self,
        calls: CallState,
        registry: ConfigRegistry,
        urls: WebhookUrls,
        events: AgentEvents,
        carrier: CarrierDriver | None,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self._calls = calls
        self._registry = registry
        self._urls = urls
        self._events = events
        self._carrier = carrier
        self._metrics = metrics or Metrics()

    async def connect_now(
        self, offer: Offer, voice: twiml.Voice = twiml.DEFAULT_VOICE, lead: Sequence[Text] = ()
    ) -> str:
        """The caller's webhook is being answered right now: answer with the Dial itself,
        after anything that was to be said first."""
        ringing = await self._prepare(offer)
        await self._calls.update(offer.call_id, bridge="answered", **ringing.fields)
        await self._tell_agent(offer, ringing)
        return twiml.dial_agent(ringing.leg, voice, lead) if lead else ringing.document

    async def ring(self, offer: Offer) -> None:
        """The caller waits in the carrier's queue: update the live call with the Dial.

        If the carrier refuses, the call is marked so the next waitUrl segment answers
        `<Leave/>` and the Enqueue action dials instead: a hiccup delays, never loses.
        """
        ringing = await self._prepare(offer)
        await self._calls.update(offer.call_id, bridge="ringing", **ringing.fields)
        try:
            if self._carrier is None:
                raise RuntimeError("no carrier driver to update live calls")
            await self._carrier.update_call(offer.call_id, ringing.document)
        except Exception as error:  # any carrier failure takes the Leave path
            log.warning(
                "live-call update failed (%s): bridging at next wait",
                error,
                extra={"call_sid": offer.call_id, "agent_id": offer.agent_id},
            )
            self._metrics.error(ErrorKind.CARRIER_UPDATE)
            await self._calls.update(offer.call_id, bridge="pending")
        await self._tell_agent(offer, ringing)

    @property
    def has_carrier(self) -> bool:
        return self._carrier is not None

    async def note_leg(self, call_id: str, token: int, leg_sid: str) -> None:
        """The carrier named the leg ringing the agent for the offer `token`."""
        await self._calls.update(call_id, **{f"leg_{token}": leg_sid})

    async def agent_leg(self, call_id: str, agent_id: str, token: int) -> CallLeg | None:
        """The agent's leg of the offer `token` as the carrier shows it now (by the CallSid
        a callback named, else the newest leg to the agent); raises CarrierError when the
        carrier cannot be asked (or there is no carrier driver)."""
        if self._carrier is None:
            raise CarrierError(call_id, "no carrier driver to ask")
        _, state = await self._calls.facts(call_id)
        return await self._carrier.agent_leg(call_id, agent_id, state.get(f"leg_{token}", ""))

    async def cancel_leg(self, call_id: str, leg: CallLeg) -> None:
        """Stop the leg ringing (a leg already answered is left alone by the carrier)."""
        if self._carrier is None:
            raise CarrierError(call_id, "no carrier driver to ask")
        await self._carrier.cancel_leg(leg.sid)

    async def withdraw(self, call_id: str, agent_id: str, token: int) -> bool:
        """Stop the agent's ringing leg of the offer `token`, so a withdrawn offer cannot be
        answered; True when the agent had answered first (the offer must stand). A carrier
        that cannot be asked withdraws nothing: an answer then comes as a late `answered`."""
        extra = {"call_sid": call_id, "agent_id": agent_id}
        try:
            leg = await self.agent_leg(call_id, agent_id, token)
            if leg is not None and leg.ringing:
                await self.cancel_leg(call_id, leg)
                leg = await self.agent_leg(call_id, agent_id, token)
        except CarrierError as error:
            log.warning("ringing leg not withdrawn: %s", error, extra=extra)
            self._metrics.error(ErrorKind.CARRIER_QUERY)
            return False
        if leg is not None:
            log.info("agent leg %s withdrawn: %s", leg.sid, leg.status, extra=extra)
        return leg is not None and leg.answered

    async def pending_dial(self, call_sid: str) -> str | None:
        """The Dial for a call whose live-call update failed, or None."""
        _, fields = await self._calls.facts(call_sid)
        if fields.get("bridge") != "pending":
            return None
        await self._calls.update(call_sid, bridge="answered")
        return fields.get("dial_twiml") or None

    async def _prepare(self, offer: Offer) -> Ringing:
        facts, state = await self._calls.facts(offer.call_id)
        hotline_id = facts.hotline_id if facts else ""
        version = facts.version if facts else 0
        ring = DEFAULT_RING_SECONDS
        if facts is not None:
            loaded = await self._registry.version(facts.version)
            spec = loaded.config.queues.get(offer.queue)
            ring = spec.routing.ring_timeout_s if spec else ring
        query: dict[str, str | int] = {
            "h": hotline_id,
            "v": version,
            "q": offer.queue,
            "a": offer.agent_id,
            "k": offer.token,
            "c": offer.call_id,
        }
        leg = twiml.AgentLeg(
            agent_id=offer.agent_id,
            ring_timeout_s=ring,
            # The caller's card rides on, so the Enqueue after a missed ring carries it.
            action_url=self._urls.build("dial_result", **query, **_card_query(facts, state)),
            status_url=self._urls.build("agent_status", **query),
        )
        document = twiml.dial_agent(leg)
        fields = {
            "agent": offer.agent_id,
            "token": str(offer.token),
            "offered_ms": str(offer.offered_ms),
            "agent_grade": str(offer.trace.chosen_grade),
            "trace": json.dumps(offer.trace.to_dict(), ensure_ascii=False),
            "dial_twiml": document,
            "ring_s": str(ring),
        }
        if facts is not None:
            fields["waited_ms"] = str(max(0, offer.offered_ms - facts.arrived_ms))
        log.info(
            "offered (queue %s, step %d, grade %d)",
            offer.queue,
            offer.trace.step,
            offer.trace.chosen_grade,
            extra={"call_sid": offer.call_id, "agent_id": offer.agent_id},
        )
        return Ringing(leg, document, fields, facts, state)

    async def _tell_agent(self, offer: Offer, ringing: Ringing) -> None:
        facts, state, fields = ringing.facts, ringing.state, ringing.fields
        await self._events.publish(
            offer.agent_id,
            "offer",
            call_sid=offer.call_id,
            queue=offer.queue,
            caller=facts.caller if facts else "",
            vip=facts.vip_class if facts else "",
            hotline=facts.hotline_id if facts else "",
            path=state.get("path", ""),
            category=state.get("category", ""),
            waited_ms=int(fields.get("waited_ms", "0")),  # the desk shows tenths of a second
            ring_timeout_s=int(fields["ring_s"]),
            token=offer.token,
            grade=offer.trace.chosen_grade,
            step=offer.trace.step,
        )

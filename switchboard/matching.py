"""The router at work in the server: queue rules from the published config, agents
signing in with their grades, the timer loop, and every offer handed to the bridge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from hotline.metrics import ErrorKind, MatchOperation, Metrics
from ivr.menus.published import ConfigRegistry, LoadedConfig
from routing.offer import Enqueued, EnqueueStatus, LapsedOffer, Offer, ReleaseCause
from routing.presence import AgentState, PresenceChange, PresenceOutcome
from routing.router import Router
from switchboard.bridge import Bridge

log = logging.getLogger(__name__)

TIMER_MAX_SLEEP_S = 0.5  # also how soon another process's new escalation instant is seen
LEASE_RECHECK_S = 5  # how long a lapsed offer being asked about is handed to nobody else

#: Settles one lapsed offer by asking the carrier (switchboard/lease_checks.py).
SettleLapsed = Callable[[LapsedOffer], Awaitable[None]]


class UnknownAgent(LookupError):
    """The agent is not in the published config's agent list."""


class Matching:
    def __init__(
        self,
        router: Router,
        registry: ConfigRegistry,
        bridge: Bridge,
        *,
        settle_lapsed: SettleLapsed | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.router = router
        self._registry = registry
        self._bridge = bridge
        self._live: int | None = None  # the version whose rules this process last applied
        self._applying = asyncio.Lock()
        #: When the timer loop last finished a round (time.monotonic()): its heartbeat.
        self.last_round_at: float | None = None
        self._settle_lapsed = settle_lapsed or self._release_lapsed
        self._settling: set[asyncio.Task[None]] = set()
        self._metrics = metrics or Metrics()

    async def apply_published(self, _published: LoadedConfig | None = None) -> None:
        """Give the router the published version's rules and skills: every queue's rules
        (its waiting calls placed again under them), every signed-in agent's grades. The
        registry's listener (`ConfigRegistry.on_publish`), so each publish applies at once.

        Always the newest version this process follows (`registry.latest`), whichever
        publish asked: applications run one at a time, so an older one never lands last.
        Each process applies what every other does; the writes are idempotent.
        """
        if self._registry.latest is None:
            await self._registry.current()  # outside the lock: following calls us back
        async with self._applying:
            loaded = self._registry.latest
            if loaded is None:
                return
            for rules in loaded.queue_rules.values():
                await self.deliver(await self.router.configure_queue(rules))
            specs = {agent.id: agent for agent in loaded.config.agents}
            # Together, so the router sends them in one batch; an agent the version no
            # longer lists serves no queue.
            outcomes = await asyncio.gather(
                *(
                    self.router.regrade(
                        agent_id,
                        specs[agent_id].skills if agent_id in specs else {},
                        order=specs[agent_id].order if agent_id in specs else 0,
                    )
                    for agent_id in await self.router.known_agents()
                )
            )
            for outcome in outcomes:
                await self.deliver(outcome.offers)
            self._live = loaded.version
        log.info("router: queue rules and grades of config version %d applied", loaded.version)

    async def ensure_rules(self, *, again: bool = False) -> None:
        """Make sure the router runs the published version's rules (`again` when Redis
        lost them). Never a call's own older version: its rules are not the live ones."""
        latest = self._registry.latest
        if again or latest is None or latest.version != self._live:
            await self.apply_published()

    async def enqueue(
        self,
        loaded: LoadedConfig,
        call_sid: str,
        queue: str,
        *,
        vip_class: str,
        arrived_ms: int | None = None,
    ) -> Enqueued:
        """Queue a call under the live rules, its VIP head start included (the call's own
        version gives them only for a queue the published one dropped); rules lost with
        Redis are given again."""
        await self.ensure_rules()
        live = self._registry.latest
        rules = (live.queue_rules.get(queue) if live else None) or loaded.queue_rules[queue]
        offset = rules.priority_offset_ms(vip_class)
        with self._metrics.timing(MatchOperation.ENQUEUE):
            enqueued = await self.router.enqueue(
                call_sid, queue, priority_offset_ms=offset, arrived_ms=arrived_ms
            )
        if enqueued.status is EnqueueStatus.UNKNOWN_QUEUE:
            await self.ensure_rules(again=True)
            published = self._registry.latest
            if published is None or queue not in published.queue_rules:
                # A queue the published version dropped has no live rules to overwrite:
                # the call's own version serves the calls still bound for it.
                await self.deliver(await self.router.configure_queue(loaded.queue_rules[queue]))
            with self._metrics.timing(MatchOperation.ENQUEUE):
                enqueued = await self.router.enqueue(
                    call_sid, queue, priority_offset_ms=offset, arrived_ms=arrived_ms
                )
        return enqueued

    async def deliver(self, offers: Iterable[Offer]) -> None:
        """Ring every offer's agent; one failure does not stop the others."""
        for offer in offers:
            try:
                await self._bridge.ring(offer)
            except Exception:
                self._metrics.error(ErrorKind.RING_FAILED)
                log.exception(
                    "ring failed", extra={"call_sid": offer.call_id, "agent_id": offer.agent_id}
                )

    async def agent_ready(self, agent_id: str) -> PresenceOutcome:
        """示闲: an offline agent logs in with the grades the published config gives (and
        is ready); a signed-in one comes back from break or wrap-up."""
        loaded = await self._registry.current()
        await self.ensure_rules()
        snapshot = await self.router.agent(agent_id)
        if snapshot is not None and snapshot.state != "offline":
            with self._metrics.timing(MatchOperation.AGENT_READY):
                outcome = await self.router.agent_ready(agent_id)
        else:
            spec = next((a for a in loaded.config.agents if a.id == agent_id), None)
            if spec is None:
                raise UnknownAgent(f"agent {agent_id!r} is not in config version {loaded.version}")
            with self._metrics.timing(MatchOperation.AGENT_READY):
                outcome = await self.router.login(agent_id, spec.skills, order=spec.order)
        await self.deliver(outcome.offers)
        return outcome

    async def agent_break(self, agent_id: str, reason: str) -> PresenceOutcome:
        """示忙: a ringing offer is withdrawn (its leg stopped first); if the agent answered
        it before the leg could be stopped, the call stands and the agent stays on it."""
        if await self._answered_while_leaving(agent_id):
            return PresenceOutcome(PresenceChange.BUSY)
        outcome = await self.router.set_break(agent_id, reason)
        await self.deliver(outcome.offers)
        return outcome

    async def agent_offline(self, agent_id: str) -> PresenceOutcome:
        """Sign-out: as a break, a ringing offer's leg is stopped before it is withdrawn."""
        if await self._answered_while_leaving(agent_id):
            return PresenceOutcome(PresenceChange.BUSY)
        outcome = await self.router.set_offline(agent_id)
        await self.deliver(outcome.offers)
        return outcome

    async def _answered_while_leaving(self, agent_id: str) -> bool:
        """Stop the agent's ringing leg, so a withdrawn offer cannot be answered; True when
        the carrier says they answered it first (its `answered` accepts it)."""
        snapshot = await self.router.agent(agent_id)
        if snapshot is None or snapshot.state is not AgentState.RESERVED:
            return False
        answered = await self._bridge.withdraw(snapshot.call_id, agent_id, snapshot.token)
        if answered:
            log.info(
                "answered before the offer could be withdrawn: stays on the call",
                extra={"call_sid": snapshot.call_id, "agent_id": agent_id},
            )
        return answered

    async def run_timers(self, stop: asyncio.Event) -> None:
        """Escalation instants, wrap-up and back-off ends, lapsed leases: in every process;
        an instant handled twice changes nothing. Waits end at once on `stop`; a Redis
        error is logged and the loop goes on. A lapsed offer is settled beside the loop
        (asking the carrier takes a round trip), never twice at once."""
        try:
            while not stop.is_set():
                try:
                    delay = await self._until_next_instant()
                except Exception:
                    self._metrics.error(ErrorKind.ROUTER_TIMERS)
                    log.exception("router timers: next instant unreadable; retrying")
                    delay = TIMER_MAX_SLEEP_S
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    try:
                        with self._metrics.timing(MatchOperation.TICK):
                            offers = await self.router.tick()
                        await self.deliver(offers)
                        lapsed = await self.router.lapsed_offers(recheck_s=LEASE_RECHECK_S)
                        for offer in lapsed:
                            self._start_settling(offer)
                        self.last_round_at = time.monotonic()
                    except Exception:
                        self._metrics.error(ErrorKind.ROUTER_TIMERS)
                        log.exception("router timers failed; retrying")
        finally:
            for task in list(self._settling):
                task.cancel()
            for task in list(self._settling):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _start_settling(self, offer: LapsedOffer) -> None:
        """Settle `offer` beside the loop, unless an earlier check of its call is still
        waiting for the carrier."""
        name = f"lapsed offer {offer.call_id}"
        if any(task.get_name() == name for task in self._settling):
            return
        task = asyncio.create_task(self._settle(offer), name=name)
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _settle(self, offer: LapsedOffer) -> None:
        try:
            await self._settle_lapsed(offer)
        except Exception:
            self._metrics.error(ErrorKind.ROUTER_TIMERS)
            log.exception(
                "lapsed offer not settled; asked again later",
                extra={"call_sid": offer.call_id, "agent_id": offer.agent_id},
            )

    async def _release_lapsed(self, offer: LapsedOffer) -> None:
        """Without a carrier to ask, a lapsed offer goes back to its queue."""
        outcome = await self.router.release(offer.call_id, offer.token, ReleaseCause.LAPSED)
        await self.deliver(outcome.offers)

    async def _until_next_instant(self) -> float:
        """Seconds to the next schedule instant, at most `TIMER_MAX_SLEEP_S`."""
        at = await self.router.next_escalation_at()
        if at is None:
            return TIMER_MAX_SLEEP_S
        return min(max((at - self.router.clock()) / 1000, 0), TIMER_MAX_SLEEP_S)

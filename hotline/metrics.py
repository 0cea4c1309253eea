"""The server's Prometheus metrics: one registry per app, the instruments on it, and what
a stored router event, a webhook answer, a router call or a failure adds to them.

Each app builds its own `Metrics` (in `create_app`), so several apps in one process (tests,
a benchmark) count apart; the pieces that record are handed it, never import a global.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from routing.events import EventName, RouterEvent
from routing.presence import AgentState

#: Waits in seconds: around the usual service-level thresholds (15, 20, 30 s) and up to the
#: longest `max_wait_s` a queue is likely to set.
WAIT_BUCKETS_S = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 900.0)
#: Webhook answers: milliseconds normally, and Twilio gives up at 15 s.
WEBHOOK_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
#: One router function call (a round trip to Redis and its Lua).
MATCH_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class ErrorKind(StrEnum):
    """The failures `hotline_errors_total{kind}` counts: each one the code also logs."""

    WEBHOOK_FAILSAFE = "webhook_failsafe"  # a webhook answered by the fail-safe TwiML
    WEBHOOK_BAD_REQUEST = "webhook_bad_request"  # signed, but its parameters unreadable
    SINK_ENTRY_FAILED = "sink_entry_failed"  # one attempt at storing a stream entry failed
    SINK_SET_ASIDE = "sink_set_aside"  # an entry kept with its error instead of applied
    SINK_ENTRY_LOST = "sink_entry_lost"  # an entry trimmed before it was stored
    SINK_OUTAGE = "sink_outage"  # a round of the sink failed (Redis or SQL down): back-off
    CARRIER_UPDATE = "carrier_update"  # a live-call update refused: bridged at the next wait
    CARRIER_QUERY = "carrier_query"  # the carrier could not be asked about an agent's leg
    RING_FAILED = "ring_failed"  # an offer could not be rung at all
    ROUTER_TIMERS = "router_timers"  # a timer round, or the settling of a lapsed offer, failed


class MatchOperation(StrEnum):
    """The router calls that match calls and agents (`hotline_router_match_seconds`)."""

    ENQUEUE = "enqueue"  # a call joins a queue and is matched at once
    AGENT_READY = "agent_ready"  # an agent signs in or comes back and takes a waiting call
    TICK = "tick"  # escalation instants, ends of wrap-up and back-off


class RouterSnapshot(Collector):
    """What the router holds at scrape time (`/metrics` reads it, then sets it here): a
    series is left out when Redis could not say, rather than shown stale."""

    def __init__(self) -> None:
        self.agents: Mapping[AgentState, int] | None = None
        self.unwritten: int | None = None

    def collect(self) -> Iterable[Metric]:
        if self.agents is not None:
            agents = GaugeMetricFamily(
                "hotline_agents",
                "Agents in each state now (deployment-wide, read from the router).",
                labels=["state"],
            )
            for state, count in self.agents.items():
                agents.add_metric([state.value], count)
            yield agents
        if self.unwritten is not None:
            yield GaugeMetricFamily(
                "hotline_event_sink_unwritten_entries",
                "Router stream entries the event sink's group has not written to SQL yet.",
                value=self.unwritten,
            )


class Metrics:
    """The instruments of one app on their own registry; `exposition` is the scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.offered = Counter(
            "hotline_calls_offered", "Calls that entered a queue.", ["queue"], registry=registry
        )
        self.answered = Counter(
            "hotline_calls_answered",
            "Queued calls an agent answered.",
            ["queue"],
            registry=registry,
        )
        self.abandoned = Counter(
            "hotline_calls_abandoned",
            "Callers who hung up while waiting in a queue.",
            ["queue"],
            registry=registry,
        )
        self.timed_out = Counter(
            "hotline_calls_timed_out",
            "Calls that left a queue on reaching its max wait.",
            ["queue"],
            registry=registry,
        )
        self.wait = Histogram(
            "hotline_call_wait_seconds",
            "Time in the queue of answered and abandoned calls.",
            ["queue", "outcome"],
            buckets=WAIT_BUCKETS_S,
            registry=registry,
        )
        self.webhook = Histogram(
            "hotline_webhook_duration_seconds",
            "Time to answer a carrier webhook, fail-safe included, by route.",
            ["route"],
            buckets=WEBHOOK_BUCKETS_S,
            registry=registry,
        )
        self.match = Histogram(
            "hotline_router_match_duration_seconds",
            "Time of the router calls that match calls and agents, by operation.",
            ["operation"],
            buckets=MATCH_BUCKETS_S,
            registry=registry,
        )
        self.sink_lag = Gauge(
            "hotline_event_sink_lag_seconds",
            "How old the newest router event this process stored was when it was stored.",
            registry=registry,
        )
        self.errors = Counter(
            "hotline_errors", "Failures the server logged, by kind.", ["kind"], registry=registry
        )
        # Every kind and operation from the start: a rate over a series that appears only
        # with its first failure misses that failure.
        for kind in ErrorKind:
            self.errors.labels(kind.value)
        for operation in MatchOperation:
            self.match.labels(operation.value)
        self.snapshot = RouterSnapshot()
        registry.register(self.snapshot)

    def event_stored(self, event: RouterEvent, *, stored_at_ms: int) -> None:
        """A router event written to SQL for the first time (after its commit): counted
        once however often the stream hands it out."""
        queue = event.queue
        if event.name is EventName.ENTERQUEUE:
            self.offered.labels(queue).inc()
        elif event.name is EventName.CONNECT:
            self.answered.labels(queue).inc()
            self._waited(queue, "answered", event.data.get("hold_ms"))
        elif event.name is EventName.ABANDON:
            self.abandoned.labels(queue).inc()
            self._waited(queue, "abandoned", event.data.get("wait_ms"))
        elif event.name is EventName.EXITWITHTIMEOUT:
            self.timed_out.labels(queue).inc()
        self.sink_lag.set(max(0, stored_at_ms - event.at_ms) / 1000)

    def _waited(self, queue: str, outcome: str, waited_ms: str | None) -> None:
        if waited_ms is not None and waited_ms.lstrip("-").isdigit():
            self.wait.labels(queue, outcome).observe(max(0, int(waited_ms)) / 1000)

    def error(self, kind: ErrorKind) -> None:
        self.errors.labels(kind.value).inc()

    def webhook_answered(self, route: str, seconds: float) -> None:
        self.webhook.labels(route).observe(seconds)

    @contextmanager
    def timing(self, operation: MatchOperation) -> Iterator[None]:
        """Time the router call in the block, failed ones too."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.match.labels(operation.value).observe(time.perf_counter() - started)

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry as the scraper's `Accept` header asks (the library chooses: the
        classic text format, `generate_latest`, unless it asks for a newer one), and the
        content type to send it with."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type

"""The event sink's lifetime: the consumer that writes the router's event stream into SQL,
with what it writes besides router events (work orders of answered calls, queued writes)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hotline.appkeys import (
    AGENT_EVENTS,
    CALLS,
    CLOCK,
    CONFIGS,
    KEYS,
    LOOPS,
    METRICS,
    REDIS,
    SESSIONMAKER,
)
from hotline.background import in_background
from routing.outbox import OutboxKind
from staff_web.softphone.queued_wrap_up import wrap_up_applier
from switchboard.event_sink import EventSink, SinkPolicy
from switchboard.stream_writes import StreamWrites
from switchboard.work_order_logging import WorkOrderIntake

log = logging.getLogger(__name__)


def stream_writes(app: web.Application) -> StreamWrites:
    """What the sink writes besides router events: work orders of CONNECT, queued writes.
    A sink without the router's calls and agents (a process that only stores the stream)
    writes router events and queued call ends only."""
    if not (CALLS in app and CONFIGS in app and AGENT_EVENTS in app):
        return StreamWrites()
    intake = WorkOrderIntake(app[CALLS], app[CONFIGS], app[AGENT_EVENTS])
    wrap_ups = wrap_up_applier(app[CALLS], app[AGENT_EVENTS])
    return StreamWrites(intake=intake, appliers={OutboxKind.WRAPUP: wrap_ups})


class EventSinkContext:
    """A cleanup_ctx running one EventSink in the background for the app's lifetime;
    `sink` is the running consumer (None before start-up)."""

    def __init__(self, *, consumer: str | None = None, policy: SinkPolicy | None = None) -> None:
        self.consumer = consumer
        self.policy = policy
        self.sink: EventSink | None = None

    async def __call__(self, app: web.Application) -> AsyncIterator[None]:
        sink = EventSink(
            app[REDIS],
            app[KEYS],
            app[SESSIONMAKER],
            clock=app[CLOCK],
            consumer=self.consumer,
            policy=self.policy,
            writes=stream_writes(app),
            metrics=app.get(METRICS),
        )
        self.sink = sink
        log.info("event sink: consumer %s of group %s", sink.consumer, sink.policy.group)
        # The grace lets a batch in hand be stored and acknowledged; what a cancelled write
        # leaves is rolled back and stays pending, for a claim.
        async with in_background(sink.run, name="event-sink", health=app.get(LOOPS)):
            yield


async def event_sink_ctx(app: web.Application) -> AsyncIterator[None]:
    """The default wiring: `app.cleanup_ctx.append(event_sink_ctx)` after router_ctx."""
    async for _ in EventSinkContext()(app):
        yield

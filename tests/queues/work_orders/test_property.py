"""Random transition sequences follow the graph or raise; the audit trail replays the history."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from queues.db import create_engine, create_sessionmaker
from queues.work_orders.lifecycle import SENT_BACK, MissingReason, transition, urge
from queues.work_orders.order_queries import with_trail
from queues.work_orders.orders import Action
from queues.work_orders.status import ALLOWED, IllegalTransition, Status, is_reopen
from tests.queues.work_orders.work_order_samples import NOW, make

Maker = async_sessionmaker[AsyncSession]
Step = tuple[Status, bool]  # the target, and whether the step says why

STEPS = st.lists(st.tuples(st.sampled_from(list(Status)), st.booleans()), max_size=15)


async def exercise(url: str, steps: list[Step]) -> None:
    engine = create_engine(url)
    try:
        await replay_steps(create_sessionmaker(engine), steps)
    finally:
        await engine.dispose()


async def replay_steps(sessionmaker: Maker, steps: list[Step]) -> None:
    history = [Status.ACCEPTED]
    async with sessionmaker.begin() as session:
        order = await make(session, call_sid=None)
        for minute, (target, with_note) in enumerate(steps, start=1):
            current = history[-1]
            now = NOW + timedelta(minutes=minute)
            note = "why" if with_note else ""
            needs_reason = is_reopen(current, target) or (current, target) in SENT_BACK
            try:
                await transition(
                    session, order, target, actor="p", now=now, note=note, department="d"
                )
            except IllegalTransition:
                assert target not in ALLOWED[current]
            except MissingReason:
                assert target in ALLOWED[current]
                assert needs_reason
                assert not with_note
            else:
                assert target in ALLOWED[current]
                assert with_note or not needs_reason
                history.append(target)
            if minute % 4 == 0 and history[-1] is not Status.CLOSED:
                await urge(session, order, actor="p", now=now)  # noise on the trail
            assert order.status is history[-1]
        order_id = order.id
    async with sessionmaker() as session:
        loaded = await with_trail(session, order_id)
    assert loaded is not None
    assert loaded.status is history[-1]
    moves = [e for e in loaded.events if e.action in {Action.CREATED, Action.TRANSITION}]
    replayed: list[Status] = []
    for event in moves:
        assert event.from_status == (replayed[-1] if replayed else None)
        assert event.to_status is not None
        replayed.append(event.to_status)
    assert replayed == history


async def test_random_transition_sequences(sessionmaker: Maker) -> None:
    url = sessionmaker.kw["bind"].url.render_as_string(hide_password=False)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=STEPS)
    def prop(steps: list[Step]) -> None:
        # Each example gets its own event loop and engine: hypothesis drives sync functions.
        asyncio.run(exercise(url, steps))

    await asyncio.to_thread(prop)

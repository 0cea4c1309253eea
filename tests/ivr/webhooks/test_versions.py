"""A newly published menu takes effect for new calls at once; calls in progress keep theirs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.appkeys import CONFIGS
from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import ConfigError, load_config_file
from ivr.menus.published import ConfigRegistry
from ivr.menus.publishing import publish_config, roll_back
from ivr.menus.schema import Config
from routing.keys import Keys
from tests.app_fixtures import FakeClock, TwilioPoster
from tests.ivr.webhooks.walker import walk

LINE = "+8695598"


def edited_demo() -> Config:
    """The demo with a new main prompt, and '1 停电' routed to the general queue (its flow
    test updated to match, or the publish is refused)."""
    document = load_config_file(DEMO_CONFIG).model_dump(mode="json")
    hotline = next(h for h in document["hotlines"] if h["id"] == "95598")
    main = hotline["menu"]["nodes"]["main"]
    main["prompt"]["zh-CN"] = "新版菜单：" + main["prompt"]["zh-CN"]
    fault = hotline["menu"]["nodes"]["fault"]
    fault["options"][0]["action"] = {"type": "queue", "queue": "general", "category": "改版"}
    for scenario in document["scenarios"]:
        if scenario["name"] == "95598 停电报修":
            scenario["expect"]["queue"] = "general"
    return Config.model_validate(document)


async def test_publish_switches_new_calls_and_keeps_old_ones(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    in_progress = await walk(twilio, LINE, ["1"])  # started under version 1
    version = await publish_config(
        sessionmaker, app[CONFIGS], edited_demo(), author="test", comment="v2", now=clock.now
    )
    assert version == 2
    fresh = await walk(twilio, LINE, ["1", "1"])
    assert "新版菜单" in fresh.answers[0].said()
    assert fresh.last.doc.findtext("Enqueue") == "general"
    # The call that started under version 1 finishes under version 1.
    params = twilio.base_params(in_progress.call_sid, "+8613600000000", LINE)
    action = in_progress.last.url("//Gather/@action")
    old = await twilio.post(action, {**params, "Digits": "1"})
    assert old.doc.findtext("Enqueue") == "fault"

    await roll_back(sessionmaker, app[CONFIGS], 1, now=clock.now)
    rolled = await walk(twilio, LINE, [])
    assert "新版菜单" not in rolled.last.said()


async def test_switch_mid_traffic_every_call_sees_one_version(
    twilio: TwilioPoster,
    app: web.Application,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    import asyncio

    async def caller(index: int) -> tuple[bool, str | None]:
        result = await walk(twilio, LINE, ["1", "1"], caller=f"+86136000{index:05d}")
        new_menu = "新版菜单" in result.answers[0].said()
        return new_menu, result.last.doc.findtext("Enqueue")

    first_wave = [asyncio.create_task(caller(i)) for i in range(20)]
    await asyncio.sleep(0)
    await publish_config(
        sessionmaker, app[CONFIGS], edited_demo(), author="test", comment="v2", now=clock.now
    )
    second_wave = [asyncio.create_task(caller(100 + i)) for i in range(20)]
    outcomes = await asyncio.gather(*first_wave, *second_wave)
    for new_menu, queue in outcomes:  # never a mix of the two versions within one call
        assert queue == ("general" if new_menu else "fault")
    assert all(new for new, _ in outcomes[20:])


async def test_invalid_config_is_refused_and_nothing_is_stored(
    app: web.Application,
    twilio: TwilioPoster,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await walk(twilio, LINE, [])  # app started
    document: dict[str, Any] = edited_demo().model_dump(mode="json")
    document["hotlines"][0]["menu"]["nodes"]["main"]["options"][0]["action"] = {
        "type": "submenu",
        "node": "nowhere",
    }
    with pytest.raises(ConfigError) as raised:
        await publish_config(
            sessionmaker,
            app[CONFIGS],
            Config.model_validate(document),
            author="test",
            comment="bad",
            now=clock.now,
        )
    assert any("nowhere" in p.reason or "nowhere" in p.path for p in raised.value.problems)
    from queues import config_versions

    async with sessionmaker() as session:
        assert [v.id for v in await config_versions.history(session)] == [1]


async def test_a_publish_elsewhere_reaches_a_watching_process(
    redis: aioredis.Redis,
    keys: Keys,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """Two registries stand for two server processes; the second hears the publish."""
    publisher = ConfigRegistry(redis, keys, sessionmaker)
    watcher = ConfigRegistry(redis, keys, sessionmaker)
    first = await publish_config(
        sessionmaker, publisher, edited_demo(), author="test", comment="v1", now=clock.now
    )
    stop = asyncio.Event()
    watching = asyncio.create_task(watcher.watch(stop))
    try:
        await asyncio.wait_for(watcher.subscribed.wait(), timeout=10)
        assert (await watcher.current()).version == first
        second = await publish_config(
            sessionmaker, publisher, edited_demo(), author="test", comment="v2", now=clock.now
        )
        await asyncio.wait_for(watcher.heard.wait(), timeout=10)
        assert (await watcher.current()).version == second
    finally:
        stop.set()
        await watching

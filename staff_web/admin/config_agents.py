"""The router agent ids an account may be tied to: the agents of the published config."""

from __future__ import annotations

from aiohttp import web

from hotline.appkeys import CONFIGS
from ivr.menus.published import NoPublishedConfig
from staff_web.admin.user_forms import KnownAgents


async def known_agent_ids(request: web.Request) -> KnownAgents:
    """The published config's agent ids; None when no config is published (or loaded)."""
    registry = request.config_dict.get(CONFIGS)
    if registry is None:
        return None
    try:
        loaded = await registry.current()
    except NoPublishedConfig:
        return None
    return frozenset(agent.id for agent in loaded.config.agents)

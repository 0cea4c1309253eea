"""What an agent's softphone is told (offers, connected calls, state), published through
Redis so the server process holding the agent's socket hears it whoever sent it."""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

from routing.keys import Keys


class AgentEvents:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def channel(self, agent_id: str) -> str:
        return self._keys.agent_events(agent_id)

    async def publish(self, agent_id: str, kind: str, **data: Any) -> None:
        """Send `{"type": kind, ...data}` to every socket of the agent, on any process."""
        message = json.dumps({"type": kind, **data}, ensure_ascii=False, default=str)
        await self._redis.publish(self.channel(agent_id), message)

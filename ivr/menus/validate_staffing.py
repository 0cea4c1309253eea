"""Whole-config checks of how queues route: overflow targets and the agents serving them."""

from __future__ import annotations

from collections.abc import Iterator

from ivr.menus.problem import Problem
from ivr.menus.schema import Config


def staffing_problems(config: Config) -> Iterator[Problem]:
    for name, spec in config.queues.items():
        overflow = spec.routing.on_max_wait
        path = f"queues.{name}.routing.on_max_wait"
        if overflow.type == "queue":
            if overflow.queue not in config.queues:
                yield Problem(f"{path}.queue", f"unknown queue {overflow.queue!r}")
            elif overflow.queue == name:
                yield Problem(f"{path}.queue", "a queue cannot overflow into itself")
        elif overflow.queue:
            yield Problem(f"{path}.queue", f"only used with type: queue, not {overflow.type}")
    first_with_id: dict[str, int] = {}
    for index, agent in enumerate(config.agents):
        if agent.id in first_with_id:
            yield Problem(
                f"agents[{index}].id", f"duplicate agent id (agents[{first_with_id[agent.id]}])"
            )
        first_with_id.setdefault(agent.id, index)
        for queue in agent.skills:
            if queue not in config.queues:
                known = ", ".join(sorted(config.queues)) or "none"
                yield Problem(f"agents[{index}].skills.{queue}", f"unknown queue (known: {known})")

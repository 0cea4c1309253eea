"""Erlang C: how many agents a queue needs for its traffic, and what service it then gets.

The textbook M/M/c model: calls arrive at random (Poisson), each holds an agent for a
random time (exponential) averaging the handle time, callers wait in one line and never
give up. Traffic `A` in erlangs is arrivals per second times handle time in seconds.
Real handle times are not exponential and real callers give up, so these figures are a
planning estimate to hold measurements against, not a promise.
"""

from __future__ import annotations

import math


def erlang_c(agents: int, traffic: float) -> float:
    """The probability that a call waits at all, with `agents` serving `traffic` erlangs
    (1.0 when the agents cannot keep up: `traffic >= agents`)."""
    if traffic < 0 or agents < 0:
        raise ValueError(f"agents and traffic must not be negative, got {agents}, {traffic}")
    if traffic == 0:
        return 0.0
    if traffic >= agents:
        return 1.0
    # Erlang B by its recurrence (stable for thousands of agents), then C from B.
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    occupancy = traffic / agents
    return blocking / (1 - occupancy * (1 - blocking))


def service_level(agents: int, traffic: float, handle_s: float, threshold_s: float) -> float:
    """The share of calls answered within `threshold_s` of joining the queue."""
    if handle_s <= 0:
        raise ValueError(f"handle time must be positive, got {handle_s}")
    waits = erlang_c(agents, traffic)
    if waits >= 1.0:
        return 0.0
    return 1 - waits * math.exp(-(agents - traffic) * threshold_s / handle_s)


def average_speed_of_answer(agents: int, traffic: float, handle_s: float) -> float:
    """The mean wait in seconds over all calls, those answered at once included."""
    waits = erlang_c(agents, traffic)
    if waits >= 1.0:
        return math.inf
    return waits * handle_s / (agents - traffic)


def agents_needed(traffic: float, handle_s: float, threshold_s: float, target: float) -> int:
    """The fewest agents whose service level reaches `target` (0-1, e.g. 0.8 for 80/20)."""
    if not 0 < target < 1:
        raise ValueError(f"target must be between 0 and 1, got {target}")
    agents = max(1, math.floor(traffic) + 1)
    while service_level(agents, traffic, handle_s, threshold_s) < target:
        agents += 1
    return agents

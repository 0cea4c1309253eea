"""Strategies that order the eligible idle agents of one grade."""

from __future__ import annotations

from enum import StrEnum


class Strategy(StrEnum):
    """How the best of several idle agents of the chosen grade is picked.

    Each agent sits in a per-queue, per-grade sorted set scored by the strategy's key, so the
    choice is the set's first member and never a scan.
    """

    LONGEST_IDLE = "longest_idle"  # score: when the agent last became ready
    FEWEST_CALLS = "fewest_calls"  # score: calls answered since login (ties: agent id)
    LEAST_TALK_TIME = "least_talk_time"  # score: total talk ms
    ROUND_ROBIN = "round_robin"  # score: when the queue last offered to the agent (counter)
    RANDOM = "random"  # uniform among the grade's idle agents
    FIXED_ORDER = "fixed_order"  # score: the agent's rank given at login (lower first)

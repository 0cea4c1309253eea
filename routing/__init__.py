"""Agents and live matching on Redis: presence, skills, tier plans, reservations, events."""

"""Supervisors' reports: per queue per interval and per agent, by docs/metrics.md."""

"""Calls as business records: queue catalogue, call records, work orders, statistics."""

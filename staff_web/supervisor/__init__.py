"""Supervisor and admin desk: work-order follow-up, call records and service level."""

"""Carrier drivers: one interface for updating live calls, Twilio REST and the local carrier."""

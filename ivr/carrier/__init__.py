"""Carrier drivers: how calls reach the server (the local carrier; Twilio REST later)."""

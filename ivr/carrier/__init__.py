"""Carriers: the driver that updates live calls (Twilio REST or the local carrier)."""

"""The caller's path: Twilio webhooks and their fail-safe, menus, hours, TwiML, per-call state."""

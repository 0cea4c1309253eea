"""The carrier-facing sub-app: signed Twilio webhooks answering TwiML."""

"""Access tokens for the Twilio Voice JS SDK: the agent softphone's identity and grants."""

from __future__ import annotations

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

MAX_TTL = 24 * 3600  # Twilio refuses access tokens valid for longer than a day


def mint_voice_token(
    account_sid: str,
    api_key_sid: str,
    api_key_secret: str,
    twiml_app_sid: str,
    identity: str,
    ttl: int = 3600,
) -> str:
    """A signed JWT letting the softphone register as `identity` (so `<Dial><Client>` rings
    it) and place calls through the TwiML app `twiml_app_sid`, valid for `ttl` seconds."""
    if not identity:
        raise ValueError("identity: required")
    if not 0 < ttl <= MAX_TTL:
        raise ValueError(f"ttl: between 1 and {MAX_TTL} seconds, got {ttl}")
    token = AccessToken(account_sid, api_key_sid, api_key_secret, identity=identity, ttl=ttl)
    token.add_grant(VoiceGrant(outgoing_application_sid=twiml_app_sid, incoming_allow=True))
    jwt = token.to_jwt()
    return jwt.decode() if isinstance(jwt, bytes) else str(jwt)

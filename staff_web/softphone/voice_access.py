"""GET /api/agent/voice-token: a Twilio Voice access token for the agent's own softphone.

Unset API key, secret or TwiML app settings answer 503 naming what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from carriers.voice_token import mint_voice_token
from hotline.appkeys import SETTINGS
from hotline.settings import CarrierKind, Settings
from staff_web.auth.identity import signed_in

TOKEN_TTL_S = 3600
NO_STORE = {"Cache-Control": "no-store"}
REQUIRED = {
    "twilio_api_key_sid": "TWILIO_API_KEY_SID",
    "twilio_api_key_secret": "TWILIO_API_KEY_SECRET",
    "twilio_twiml_app_sid": "TWILIO_TWIML_APP_SID",
}


@dataclass(frozen=True, slots=True)
class VoiceCredentials:
    account_sid: str
    api_key_sid: str
    api_key_secret: str = field(repr=False)
    twiml_app_sid: str


def voice_credentials(settings: Settings) -> VoiceCredentials | list[str]:
    """The credentials, or the names of the settings still missing."""
    values = {
        "twilio_api_key_sid": settings.twilio_api_key_sid,
        "twilio_api_key_secret": settings.twilio_api_key_secret,
        "twilio_twiml_app_sid": settings.twilio_twiml_app_sid,
    }
    missing = [env for name, env in REQUIRED.items() if not values[name]]
    if missing:
        return missing
    return VoiceCredentials(
        account_sid=settings.twilio_account_sid,
        api_key_sid=values["twilio_api_key_sid"],
        api_key_secret=values["twilio_api_key_secret"],
        twiml_app_sid=values["twilio_twiml_app_sid"],
    )


async def voice_token(request: web.Request) -> web.Response:
    user = signed_in(request)
    if not user.agent_id:
        raise web.HTTPForbidden(reason="this account has no agent id to ring")
    settings = request.config_dict[SETTINGS]
    if settings.carrier is not CarrierKind.TWILIO:
        raise web.HTTPServiceUnavailable(
            reason="voice tokens are for HOTLINE_CARRIER=twilio; the local carrier rings "
            "the softphone over /carrier/agent-ws"
        )
    found = voice_credentials(settings)
    if isinstance(found, list):
        raise web.HTTPServiceUnavailable(
            reason=f"Twilio Voice is not configured: set {', '.join(found)}"
        )
    token = mint_voice_token(
        found.account_sid,
        found.api_key_sid,
        found.api_key_secret,
        found.twiml_app_sid,
        user.agent_id,
        ttl=TOKEN_TTL_S,
    )
    answer = {"token": token, "identity": user.agent_id, "ttl": TOKEN_TTL_S}
    return web.json_response(answer, headers=NO_STORE)

"""The REST `Calls` update (Twilio API 2010-04-01) the carrier driver uses on live calls.

`POST {base}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`, HTTP Basic
(account SID : auth token), form fields `Twiml`, or `Url` (+ `Method`), or `Status`
(`completed` / `canceled`: hang up). Answers the call resource as JSON, or Twilio's error
JSON: 401 (20003) bad credentials, 404 (20404) unknown or ended call, 400 (21218 / 20001)
bad parameters. With the carrier mounted at `/carrier/`, point the twilio client (or
`TWILIO_API_BASE_URL`) at `http://HOST:PORT/carrier`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import hdrs, web

from .call import CallHandle
from .carrier import LocalCarrier
from .session import API_VERSION

log = logging.getLogger(__name__)

CALL_PATH = "/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json"


def twilio_error(status: int, code: int, message: str) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {hdrs.WWW_AUTHENTICATE: 'Basic realm="Twilio API"'} if status == 401 else None
    return web.json_response(body, status=status, headers=headers)


def _credentials(request: web.Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, binascii.Error):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def call_resource(
    carrier: LocalCarrier, handle: CallHandle, status: str, uri: str
) -> dict[str, Any]:
    """A call as Twilio's REST API shows it (the fields the twilio library reads)."""
    session = handle.session
    now = format_datetime(datetime.now(UTC))
    return {
        "sid": session.sid,
        "account_sid": carrier.account_sid,
        "parent_call_sid": None,
        "to": session.to,
        "to_formatted": session.to,
        "from": session.from_,
        "from_formatted": session.from_,
        "status": status,
        "direction": "inbound",
        "api_version": API_VERSION,
        "answered_by": None,
        "caller_name": None,
        "date_created": now,
        "date_updated": now,
        "start_time": now,
        "end_time": now if status == "completed" else None,
        "duration": None,
        "price": None,
        "price_unit": "USD",
        "phone_number_sid": None,
        "forwarded_from": None,
        "group_sid": None,
        "queue_time": "0",
        "trunk_sid": None,
        "annotation": None,
        "uri": uri,
        "subresource_uris": {},
    }


async def update_call(request: web.Request, carrier: LocalCarrier) -> web.Response:
    """Give a live call new TwiML, a new URL, or hang it up."""
    account_sid = request.match_info["account_sid"]
    call_sid = request.match_info["call_sid"]
    credentials = _credentials(request)
    if credentials is None or not carrier.check_credentials(*credentials):
        return twilio_error(401, 20003, "Authenticate")
    uri = request.path
    if account_sid != carrier.account_sid:
        return twilio_error(404, 20404, f"The requested resource {uri} was not found")
    form = await request.post()
    fields = {k: str(v) for k, v in form.items()}
    twiml, url, status = fields.get("Twiml"), fields.get("Url"), fields.get("Status")
    method = fields.get("Method", "POST").upper()
    if twiml is not None and url is not None:
        return twilio_error(400, 21218, "Twiml and Url are mutually exclusive")
    if status is not None and status not in {"completed", "canceled"}:
        return twilio_error(400, 20001, f"Status: expected completed or canceled, got {status!r}")
    if method not in {"GET", "POST"}:
        return twilio_error(400, 20001, f"Method: expected GET or POST, got {method!r}")
    if status is None and twiml is None and url is None:
        return twilio_error(400, 20001, "Give Twiml, Url or Status")
    try:
        handle = carrier.call(call_sid)
        if status is not None:
            carrier.hang_up(call_sid)
        elif twiml is not None:
            await carrier.redirect(call_sid, twiml=twiml)
        else:
            await carrier.redirect(call_sid, url=url, method=method)
    except LookupError:
        return twilio_error(404, 20404, f"The requested resource {uri} was not found")
    log.info(
        "call %s updated over REST (%s)",
        call_sid,
        "hang-up" if status else "twiml" if twiml is not None else "url",
        extra={"call_sid": call_sid},
    )
    shown = "completed" if status is not None else "in-progress"
    return web.json_response(call_resource(carrier, handle, shown, uri))

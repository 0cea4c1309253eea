"""The REST `Calls` resource (Twilio API 2010-04-01) the carrier driver uses on calls.

`POST {base}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`, HTTP Basic
(account SID : auth token), form fields `Twiml`, or `Url` (+ `Method`), or `Status`
(`completed` / `canceled`: hang up). On a Dial's child leg only `Status` is taken here:
`canceled` stops it while it rings and leaves an answered leg alone, `completed` ends it
either way. `GET .../Calls/{CallSid}.json` shows a call or a child leg, `GET .../Calls.json`
lists them newest first, filtered by `ParentCallSid`, `To` and `Status` (one page of up to
`PageSize`). Answers the call resource as JSON, or Twilio's error JSON: 401 (20003) bad
credentials, 404 (20404) unknown or ended call, 400 (21218 / 20001) bad parameters. With
the carrier mounted at `/carrier/`, point the twilio client (or `TWILIO_API_BASE_URL`) at
`http://HOST:PORT/carrier`.
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
from .phones import DialLeg
from .session import API_VERSION

log = logging.getLogger(__name__)

CALL_PATH = "/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json"
CALLS_PATH = "/2010-04-01/Accounts/{account_sid}/Calls.json"
MAX_PAGE_SIZE = 1000


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


def _when(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment is not None else None


def call_resource(
    carrier: LocalCarrier, handle: CallHandle, status: str, uri: str
) -> dict[str, Any]:
    """A caller's call as Twilio's REST API shows it (the fields the twilio library reads)."""
    session = handle.session
    now = datetime.now(UTC)
    return _resource(
        carrier,
        sid=session.sid,
        parent=None,
        to=session.to,
        from_=session.from_,
        status=status,
        direction="inbound",
        started=now,
        ended=now if status == "completed" else None,
        duration=None,
        uri=uri,
    )


def leg_resource(carrier: LocalCarrier, leg: DialLeg) -> dict[str, Any]:
    """A Dial's child leg as Twilio's REST API shows it."""
    return _resource(
        carrier,
        sid=leg.sid,
        parent=leg.parent_call_sid,
        to=leg.to,
        from_=leg.from_,
        status=leg.status,
        direction="outbound-dial",
        started=leg.started_at,
        ended=leg.ended_at,
        duration=str(leg.duration) if leg.ended_at is not None else None,
        uri=f"/{API_VERSION}/Accounts/{carrier.account_sid}/Calls/{leg.sid}.json",
    )


def _resource(
    carrier: LocalCarrier,
    *,
    sid: str,
    parent: str | None,
    to: str,
    from_: str,
    status: str,
    direction: str,
    started: datetime | None,
    ended: datetime | None,
    duration: str | None,
    uri: str,
) -> dict[str, Any]:
    created = _when(started) or format_datetime(datetime.now(UTC))
    return {
        "sid": sid,
        "account_sid": carrier.account_sid,
        "parent_call_sid": parent,
        "to": to,
        "to_formatted": to,
        "from": from_,
        "from_formatted": from_,
        "status": status,
        "direction": direction,
        "api_version": API_VERSION,
        "answered_by": None,
        "caller_name": None,
        "date_created": created,
        "date_updated": created,
        "start_time": _when(started),
        "end_time": _when(ended),
        "duration": duration,
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


def _authorized(request: web.Request, carrier: LocalCarrier) -> web.Response | None:
    """Twilio's error for a request without this account's credentials, or None."""
    credentials = _credentials(request)
    if credentials is None or not carrier.check_credentials(*credentials):
        return twilio_error(401, 20003, "Authenticate")
    if request.match_info["account_sid"] != carrier.account_sid:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
    return None


async def fetch_call(request: web.Request, carrier: LocalCarrier) -> web.Response:
    """A live call, or a child leg (live or ended)."""
    refused = _authorized(request, carrier)
    if refused is not None:
        return refused
    call_sid = request.match_info["call_sid"]
    leg = carrier.legs.get(call_sid)
    if leg is not None:
        return web.json_response(leg_resource(carrier, leg))
    try:
        handle = carrier.call(call_sid)
    except LookupError:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
    return web.json_response(call_resource(carrier, handle, "in-progress", request.path))


async def list_calls(request: web.Request, carrier: LocalCarrier) -> web.Response:
    """One page of child legs, newest first, filtered as Twilio's Calls list filters."""
    refused = _authorized(request, carrier)
    if refused is not None:
        return refused
    query = request.query
    size_raw = query.get("PageSize", "50")
    if not size_raw.isdigit() or not 1 <= int(size_raw) <= MAX_PAGE_SIZE:
        return twilio_error(400, 20001, f"PageSize: 1 to {MAX_PAGE_SIZE}, got {size_raw!r}")
    size = int(size_raw)
    legs = carrier.legs.find(
        parent_call_sid=query.get("ParentCallSid", ""),
        to=query.get("To", ""),
        status=query.get("Status", ""),
    )
    return web.json_response(
        {
            "calls": [leg_resource(carrier, leg) for leg in legs[:size]],
            "end": max(0, min(size, len(legs)) - 1),
            "first_page_uri": request.path_qs,
            "next_page_uri": None,
            "page": 0,
            "page_size": size,
            "previous_page_uri": None,
            "start": 0,
            "uri": request.path_qs,
        }
    )


async def _update_leg(fields: dict[str, str], carrier: LocalCarrier, leg: DialLeg) -> web.Response:
    """A child leg takes only `Status`: canceled stops its ringing, completed ends it."""
    status = fields.get("Status")
    if status not in {"completed", "canceled"}:
        return twilio_error(400, 20001, "a Dial's leg takes Status=completed or canceled here")
    if not leg.cancel() and status == "completed" and leg.ended_at is None:
        leg.hang_up()
    log.info("leg %s: Status=%s over REST", leg.sid, status, extra={"call_sid": leg.sid})
    return web.json_response(leg_resource(carrier, leg))


async def update_call(request: web.Request, carrier: LocalCarrier) -> web.Response:
    """Give a live call new TwiML, a new URL, or hang it up."""
    refused = _authorized(request, carrier)
    if refused is not None:
        return refused
    call_sid = request.match_info["call_sid"]
    uri = request.path
    form = await request.post()
    fields = {k: str(v) for k, v in form.items()}
    leg = carrier.legs.get(call_sid)
    if leg is not None:
        return await _update_leg(fields, carrier, leg)
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

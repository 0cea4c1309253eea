"""Only the carrier may call us: body size limit and `X-Twilio-Signature` check."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from hotline.appkeys import SETTINGS, VALIDATOR
from ivr.webhooks.shared import shared

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
FORM = web.RequestKey[Mapping[str, str]]("twilio_form")


def signed_url(request: web.Request) -> str:
    """The URL the carrier signed: our configured public URL, never `request.url`.

    Behind a proxy or load balancer, `request.url` is the internal address; Twilio signs
    the public one it was given.
    """
    return shared(request)[SETTINGS].public_url + str(request.rel_url)


async def read_form(request: web.Request) -> MultiDict[str]:
    """The whole form body, read by aiohttp whatever TCP segments it came in, at most
    `MAX_BODY_BYTES` (413 beyond); a body that is not a form reads as no fields, which no
    signature matches."""
    limited = request.clone(client_max_size=MAX_BODY_BYTES)
    try:
        posted = await limited.post()
    except web.HTTPRequestEntityTooLarge:
        log.warning("refused %s: body over %d bytes", request.path, MAX_BODY_BYTES)
        raise
    except ValueError:  # not UTF-8, a broken multipart body
        return MultiDict()
    # A MultiDict is what the validator reads fastest (it probes for `getall` first).
    return MultiDict((name, value) for name, value in posted.items() if isinstance(value, str))


def _valid(validator: RequestValidator, url: str, form: MultiDict[str], signature: str) -> bool:
    """One HMAC over the URL as configured (what Twilio signs); only when that fails, the
    validator's full check, which also tries the URL with and without its port."""
    if hmac.compare_digest(validator.compute_signature(url, form), signature):
        return True
    return bool(validator.validate(url, form, signature))


@web.middleware
async def check_signature(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method != "POST":
        raise web.HTTPMethodNotAllowed(request.method, ["POST"])
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        log.warning("refused %s: body of %d bytes", request.path, request.content_length)
        raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, request.content_length)
    form = await read_form(request)
    signature = request.headers.get("X-Twilio-Signature", "")
    url = signed_url(request)
    if not signature or not _valid(shared(request)[VALIDATOR], url, form, signature):
        log.warning(
            "refused %s: %s signature (peer=%s)",
            request.path,
            "missing" if not signature else "wrong",
            request.remote,
            extra={"call_sid": form.get("CallSid", "?")[:40]},
        )
        raise web.HTTPForbidden(text="invalid signature")
    request[FORM] = dict(form)
    return await handler(request)

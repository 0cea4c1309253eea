"""Signed Twilio-style webhooks: form POSTs (or GETs) with `X-Twilio-Signature`."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import aiohttp
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0  # Twilio gives up on a webhook after 15 s


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    """What a webhook answered: the logical URL asked, the status and the body."""

    url: str
    status: int
    content_type: str
    text: str


class WebhookError(Exception):
    """The webhook could not be reached (connection refused, timeout)."""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class WebhookPoster:
    """Sends signed webhooks, alternating among `targets` (base URLs) request by request.

    A URL whose origin is the public URL or one of the targets is the server's own: it is
    sent to the next target in turn. Its signature covers the URL exactly as sent, unless
    `public_url` is given (servers behind one public address): then it covers the URL
    rewritten to `public_url`, as Twilio signs what it was configured with.
    """

    def __init__(
        self,
        targets: list[str],
        auth_token: str,
        http: aiohttp.ClientSession,
        *,
        public_url: str | None = None,
    ) -> None:
        if not targets:
            raise ValueError("targets: at least one base URL is required")
        self.targets = [t.rstrip("/") for t in targets]
        self.public_url = public_url.rstrip("/") if public_url else None
        self._validator = RequestValidator(auth_token)
        self._http = http
        self._turn = itertools.cycle(range(len(self.targets)))
        self._own = {_origin(t) for t in self.targets}
        if self.public_url:
            self._own.add(_origin(self.public_url))

    @property
    def base_url(self) -> str:
        """The logical base URL documents are resolved against."""
        return self.public_url or self.targets[0]

    def absolute(self, url: str, base: str | None = None) -> str:
        """`url` resolved against `base` (a document's URL) or the base URL."""
        return urljoin(base or self.base_url + "/", url)

    def _route(self, url: str) -> tuple[str, str]:
        """(URL to send to, URL to sign) for a logical URL."""
        if _origin(url) not in self._own:
            return url, url
        target = self.targets[next(self._turn)]
        t = urlsplit(target)
        u = urlsplit(url)
        sent = urlunsplit((t.scheme, t.netloc, u.path, u.query, ""))
        if self.public_url:
            p = urlsplit(self.public_url)
            return sent, urlunsplit((p.scheme, p.netloc, u.path, u.query, ""))
        return sent, sent

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        signature: str = self._validator.compute_signature(url, dict(params))
        return signature

    async def request(
        self, url: str, params: Mapping[str, str], method: str = "POST"
    ) -> WebhookResponse:
        """Send `params` to `url` (absolute) with `method` and return the answer."""
        method = method.upper()
        sent, signed = self._route(url)
        body: dict[str, str] | None = dict(params)
        if method == "GET":
            sep = "&" if urlsplit(sent).query else "?"
            query = urlencode(sorted(params.items()))
            sent, signed = (sent + sep + query, signed + sep + query) if query else (sent, signed)
            body = None
        headers = {"X-Twilio-Signature": self.sign(signed, body or {})}
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        try:
            async with self._http.request(
                method, sent, data=body, headers=headers, timeout=timeout
            ) as response:
                text = await response.text()
                return WebhookResponse(
                    url=url,
                    status=response.status,
                    content_type=response.content_type,
                    text=text,
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("webhook %s %s failed: %r", method, sent, exc)
            raise WebhookError(f"{method} {sent}: {exc!r}") from exc

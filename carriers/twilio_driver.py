"""The carrier driver for Twilio: the REST `Calls` update through twilio's async client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from .driver import CallLeg, CarrierError, LegStatus

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT = 10.0


class _HttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """twilio's async HTTP client, sending Basic credentials as a header (aiohttp 3.14
    deprecates the per-request `auth=` the stock client passes) and reading the body
    within the request's timeout."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the twilio client's signature
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
        seconds = timeout if timeout is not None else self.timeout
        kwargs: dict[str, Any] = {
            "method": method.upper(),
            "url": url,
            "params": params,
            "data": data,
            "headers": headers,
            "allow_redirects": allow_redirects,
        }
        if seconds is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=seconds)
        self.log_request(kwargs)
        async with self.session.request(**kwargs) as response:
            text = await response.text()
            result = Response(response.status, text, response.headers)
        self.log_response(result.status_code, result)
        return result


class TwilioDriver:
    """Updates live Twilio calls over REST without blocking the event loop.

    `base_url` overrides Twilio's REST base (`TWILIO_API_BASE_URL`, e.g. the local carrier
    at `http://127.0.0.1:8080/carrier`); every update gives up after `timeout` seconds. The
    HTTP session is opened on first use, inside the running loop.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout: must be positive, got {timeout!r}")
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self._http: _HttpClient | None = None
        self._client: Client | None = None

    def __repr__(self) -> str:
        return f"TwilioDriver(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    def _rest(self) -> Client:
        if self._client is None:
            self._http = _HttpClient(timeout=self.timeout)
            client = Client(self.account_sid, self._auth_token, http_client=self._http)
            client.api.base_url = self.base_url
            self._client = client
        return self._client

    @asynccontextmanager
    async def _asking(self, call_sid: str) -> AsyncIterator[None]:
        """Within the timeout; any failure as a CarrierError about `call_sid`."""
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except TwilioRestException as exc:
            reason = f"Twilio answered HTTP {exc.status} (code {exc.code}): {exc.msg}"
            raise CarrierError(call_sid, reason, status=exc.status, code=exc.code) from exc
        except TimeoutError as exc:
            raise CarrierError(call_sid, f"no answer from Twilio in {self.timeout:g} s") from exc
        except (aiohttp.ClientError, TwilioException, ValueError) as exc:
            raise CarrierError(call_sid, f"Twilio REST request failed: {exc!r}") from exc

    async def update_call(self, call_sid: str, twiml: str) -> None:
        client = self._rest()
        async with self._asking(call_sid):
            call = await client.calls(call_sid).update_async(twiml=twiml)
        log.info(
            "new instructions (status %s)",
            getattr(call, "status", "?"),
            extra={"call_sid": call_sid},
        )

    async def agent_leg(self, call_sid: str, identity: str, leg_sid: str = "") -> CallLeg | None:
        client = self._rest()
        if leg_sid:
            try:
                async with self._asking(leg_sid):
                    leg = await client.calls(leg_sid).fetch_async()
                    return CallLeg(str(leg.sid), LegStatus(str(leg.status)))
            except CarrierError as error:
                if not error.call_gone:
                    raise
        async with self._asking(call_sid):
            # Twilio lists the newest first; one Dial rings one leg per agent.
            legs = await client.calls.list_async(
                parent_call_sid=call_sid, to=f"client:{identity}", limit=1
            )
            return CallLeg(str(legs[0].sid), LegStatus(str(legs[0].status))) if legs else None

    async def cancel_leg(self, leg_sid: str) -> None:
        client = self._rest()
        async with self._asking(leg_sid):
            await client.calls(leg_sid).update_async(status="canceled")
        log.info("ringing leg %s canceled", leg_sid, extra={"call_sid": leg_sid})

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = None
        self._client = None

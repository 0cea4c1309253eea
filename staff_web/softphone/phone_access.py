"""Who may register the embedded phone of an agent: a short-lived token the signed-in agent
gets from GET /api/agent/phone-token, checked by the local carrier's agent socket.

The local carrier imports nothing of ours, so the composition root hands it
`PhoneTokens.verify` as its `verify_agent` check (the role Twilio's access tokens play for
the Voice SDK). Without it any page or local user could open
`/carrier/agent-ws?identity=a1001`, displace the real softphone and answer its calls.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

PHONE_TOKEN_TTL_S = 60  # only opening the socket needs it; each reconnect asks afresh


class PhoneTokens:
    """Mint and check `identity.expiry.signature` tokens (HMAC-SHA256 over identity and
    expiry, keyed from the server's secret, so every process of one deployment agrees)."""

    def __init__(
        self, secret: str, clock: Callable[[], datetime], ttl_s: int = PHONE_TOKEN_TTL_S
    ) -> None:
        self._key = hashlib.sha256(b"hotline agent phone\0" + secret.encode()).digest()
        self._clock = clock
        self.ttl_s = ttl_s

    def _signature(self, identity: str, expires: int) -> str:
        message = f"{identity}\0{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def mint(self, identity: str) -> str:
        expires = int(self._clock().timestamp()) + self.ttl_s
        return f"{expires}.{self._signature(identity, expires)}"

    async def verify(self, identity: str, token: str | None) -> bool:
        """The carrier's `verify_agent`: a token minted for this identity, not expired."""
        expires_raw, _, signature = (token or "").partition(".")
        if not expires_raw.isdigit() or not signature:
            return False
        expires = int(expires_raw)
        if expires < self._clock().timestamp():
            return False
        return hmac.compare_digest(signature, self._signature(identity, expires))

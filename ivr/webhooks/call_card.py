"""What a queued call carries in its own signed URLs, so that any server can rebuild it
when Redis has forgotten it (flushed, failed over, restarted empty)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ivr.calls import CallFacts

MAX_PATH = 500
MAX_NAME = 64


def _ms(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) <= 15 else None


@dataclass(frozen=True)
class CallCard:
    """A waiting call's own facts beyond its hotline, version and queue (which its URLs
    carry already). Read only from URLs the carrier signed: our own, as we wrote them."""

    vip_class: str
    path: str
    category: str
    arrived_ms: int  # when the call arrived (its record's `arrived_at`)
    joined_ms: int  # when it joined its queue: its place there, and its maximum wait

    def query(self) -> dict[str, str | int]:
        return {
            "vip": self.vip_class,
            "path": self.path,
            "cat": self.category,
            "at": self.arrived_ms,
            "joined": self.joined_ms,
        }

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> CallCard | None:
        """The card in a URL's query, or None when it has none (a URL from before cards,
        or from a route that carries none) or an unreadable one."""
        arrived, joined = _ms(query.get("at")), _ms(query.get("joined"))
        vip, path, category = (query.get(name, "") for name in ("vip", "path", "cat"))
        if arrived is None or joined is None:
            return None
        if len(vip) > MAX_NAME or len(category) > MAX_NAME or len(path) > MAX_PATH:
            return None
        return cls(vip, path, category, arrived, joined)

    @classmethod
    def from_state(cls, facts: CallFacts | None, state: Mapping[str, str]) -> CallCard | None:
        """The card of a call Redis still knows (None before it joined a queue)."""
        joined = _ms(state.get("joined_ms"))
        if facts is None or joined is None:
            return None
        return cls(
            facts.vip_class,
            state.get("path", "")[:MAX_PATH],
            state.get("category", "")[:MAX_NAME],
            facts.arrived_ms,
            joined,
        )

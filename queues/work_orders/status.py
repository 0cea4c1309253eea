"""Work-order statuses and the graph of allowed transitions between them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    PROCESSING = "processing"
    REPLIED = "replied"
    CALLBACK = "callback"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.ACCEPTED: "受理",
    Status.DISPATCHED: "派单",
    Status.PROCESSING: "处理中",
    Status.REPLIED: "回单",
    Status.CALLBACK: "回访",
    Status.CLOSED: "归档",
}

# The happy path is accepted → dispatched → processing → replied → callback → closed.
# The side roads: an inquiry answered on the call is closed at once; a department sends a
# dispatch back; a reply the centre rejects, or a callback the customer is unhappy with,
# goes back to processing; a reply that needs no callback (praise) is closed; a closed
# order is reopened into processing or accepted.
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.ACCEPTED: frozenset({Status.DISPATCHED, Status.CLOSED}),
    Status.DISPATCHED: frozenset({Status.PROCESSING, Status.ACCEPTED}),
    Status.PROCESSING: frozenset({Status.REPLIED}),
    Status.REPLIED: frozenset({Status.CALLBACK, Status.PROCESSING, Status.CLOSED}),
    Status.CALLBACK: frozenset({Status.CLOSED, Status.PROCESSING}),
    Status.CLOSED: frozenset({Status.PROCESSING, Status.ACCEPTED}),
}


class IllegalTransition(ValueError):
    """A status change the graph does not allow."""

    def __init__(self, current: Status, target: Status, number: str = "") -> None:
        self.current = current
        self.target = target
        allowed = ", ".join(f"{s.label} {s.value}" for s in sorted(ALLOWED[current])) or "none"
        where = f" for {number}" if number else ""
        super().__init__(
            f"illegal work-order transition{where}: {current.label} {current.value} → "
            f"{target.label} {target.value} (allowed from {current.value}: {allowed})"
        )


class StaleStatus(RuntimeError):
    """The order's status changed under us (another transaction moved it first)."""


def is_allowed(current: Status, target: Status) -> bool:
    return target in ALLOWED[current]


def check(current: Status, target: Status, number: str = "") -> None:
    """Raise IllegalTransition unless `current → target` is an edge of the graph."""
    if not is_allowed(current, target):
        raise IllegalTransition(current, target, number)


def is_reopen(current: Status, target: Status) -> bool:
    return current is Status.CLOSED and target is not Status.CLOSED

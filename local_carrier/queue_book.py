"""The carrier's named call queues (Twilio's Queue resource): members, order and times."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .caller import QueueStatus
from .clock import CallClock


@dataclass(eq=False)
class QueueMember:
    """A call waiting in a queue; its wait is measured on its own call clock."""

    call_sid: str
    clock: CallClock
    joined_at: float

    def waited(self) -> float:
        return self.clock.now() - self.joined_at


@dataclass(eq=False)
class CarrierQueue:
    """One named queue, first come first served."""

    name: str
    max_size: int
    sid: str = field(default_factory=lambda: "QU" + uuid.uuid4().hex)
    members: list[QueueMember] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.members) >= self.max_size

    def position(self, member: QueueMember) -> int:
        return self.members.index(member) + 1

    def average_wait(self) -> float:
        if not self.members:
            return 0.0
        return sum(m.waited() for m in self.members) / len(self.members)

    def status(self, member: QueueMember) -> QueueStatus:
        return QueueStatus(
            queue=self.name,
            position=self.position(member),
            size=len(self.members),
            queue_time=member.waited(),
            max_size=self.max_size,
        )

    def params(self, member: QueueMember) -> dict[str, str]:
        """The waitUrl parameters for `member`."""
        return {
            "QueuePosition": str(self.position(member)),
            "QueueSid": self.sid,
            "QueueTime": str(int(member.waited())),
            "AvgQueueTime": str(int(self.average_wait())),
            "CurrentQueueSize": str(len(self.members)),
            "MaxQueueSize": str(self.max_size),
        }


class QueueBook:
    """All queues by name; a queue is created by the first <Enqueue> that names it."""

    def __init__(self) -> None:
        self._queues: dict[str, CarrierQueue] = {}

    def get(self, name: str) -> CarrierQueue | None:
        return self._queues.get(name)

    def join(
        self, name: str, max_size: int, call_sid: str, clock: CallClock
    ) -> tuple[CarrierQueue, QueueMember | None]:
        """Put the call at the back of `name`; no member when the queue is full."""
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = CarrierQueue(name=name, max_size=max_size)
        else:
            queue.max_size = max_size
        if queue.full:
            return queue, None
        member = QueueMember(call_sid=call_sid, clock=clock, joined_at=clock.now())
        queue.members.append(member)
        return queue, member

    def leave(self, queue: CarrierQueue, member: QueueMember) -> None:
        if member in queue.members:
            queue.members.remove(member)

    def sizes(self) -> dict[str, int]:
        return {name: len(q.members) for name, q in self._queues.items()}

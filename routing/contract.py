"""The fields between the router and its Lua, named once: each operation's arguments and
the offer's reply.

An operation's arguments are a named tuple below, which the router builds by keyword. The
Lua gets them as locals of the same names, bound from ARGV in the same order by a line
generated from the tuple (`routing/lua/prelude.py`): text for a `str` field, a number for
an `int` or `float` one; a last `tuple` field takes the rest of ARGV as a Lua list.

The offer's reply is the flat list `OFFER_REPLY` names: the Lua writes each field at the
place its generated `OFFER` table gives the name, and Python reads each back through
`reply_fields` by the same name. Neither side spells an order of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, cast

from routing.batching import Arg

GRADES = (1, 2, 3, 4)


class Enqueue(NamedTuple):
    call: str
    queue: str
    now: int
    arrived: int  # ms; the score is arrived - priority_ms
    priority_ms: int
    rnd: float  # in [0, 1), for the random strategy
    sample: int  # agents per grade the trace samples
    settle_limit: int  # waiting calls one pass may move to a later step
    ttl_ms: int  # of the call's record


class MatchQueue(NamedTuple):
    queue: str
    now: int
    rnd: float
    sample: int
    settle_limit: int


class MatchAgent(NamedTuple):
    agent: str
    now: int
    sample: int
    settle_limit: int


class Accept(NamedTuple):
    call: str
    token: str  # compared with the stored text
    now: int


class Connect(NamedTuple):
    call: str
    agent: str  # whose leg the carrier bridged
    token: str  # of the offer that rang that leg
    now: int


class Release(NamedTuple):
    call: str
    token: str
    cause: str
    now: int


class Complete(NamedTuple):
    call: str
    token: str
    now: int
    event: str  # COMPLETECALLER | COMPLETEAGENT
    ttl_ms: int  # of the finished call's record


class Leave(NamedTuple):
    call: str
    now: int
    event: str  # ABANDON, EXITWITHTIMEOUT, EXITWITHKEY, EXITEMPTY
    pressed: str  # the key pressed, or ''
    ttl_ms: int


class Login(NamedTuple):
    agent: str
    now: int
    order: int  # fixed-order rank
    grades: tuple[Arg, ...]  # queue, grade, queue, grade, ...


class Presence(NamedTuple):
    agent: str
    now: int
    target: str  # ready | break | offline
    reason: str  # of a break
    ttl_ms: int  # of an offline agent's record


class Reap(NamedTuple):
    now: int
    limit: int
    recheck_ms: int  # how far a lapsed lease moves on while the carrier is asked


class Configure(NamedTuple):
    queue: str
    now: int
    rules: tuple[Arg, ...]  # field, value, ...: QueueRules.to_redis()


class Regrade(NamedTuple):
    agent: str
    now: int
    order: int  # fixed-order rank
    grades: tuple[Arg, ...]  # queue, grade, queue, grade, ...


Arguments = (
    Enqueue
    | MatchQueue
    | MatchAgent
    | Accept
    | Connect
    | Release
    | Complete
    | Leave
    | Login
    | Presence
    | Reap
    | Configure
    | Regrade
)
#: Each operation (its Lua file is `routing/lua/<name>.lua`) and its arguments.
OPERATIONS: dict[str, type[Arguments]] = {
    "enqueue": Enqueue,
    "match_queue": MatchQueue,
    "match_agent": MatchAgent,
    "accept": Accept,
    "connect": Connect,
    "release": Release,
    "complete": Complete,
    "leave": Leave,
    "login": Login,
    "presence": Presence,
    "reap": Reap,
    "configure": Configure,
    "regrade": Regrade,
}
_NAMES: dict[type[Arguments], str] = {kind: name for name, kind in OPERATIONS.items()}
#: The operations whose last field is a list, spread over the rest of ARGV.
_SPREAD_KINDS = (Login, Configure, Regrade)
SPREAD = frozenset(_NAMES[kind] for kind in _SPREAD_KINDS)


def operation(args: Arguments) -> tuple[str, Sequence[Arg]]:
    """The operation's name and its ARGV, the last field spread when it is a tuple."""
    name = _NAMES[type(args)]
    if isinstance(args, _SPREAD_KINDS):
        return name, (*args[:-1], *args[-1])
    return name, cast(Sequence[Arg], args)


#: The offer: the reserved call, its agent and queue, the fencing token, the lease's end
#: and the instant offered (ms).
OFFER_FIELDS = ("call", "agent", "queue", "token", "lease", "offered")
#: Per grade of the trace: agents logged in, on break, idle (the chosen one left out), and
#: how many agents were sampled up to and including this grade.
GRADE_FIELDS = ("logged_in", "on_break", "idle", "sampled_upto")
#: The decision trace: the step in force (0-based) and when it opened, its grades, the
#: floor, direction, strategy, the steps skipped (`step:why:at;...`), how long the call
#: waited, the chosen agent's grade; then GRADE_FIELDS of each grade, as `<field>_<grade>`.
TRACE_FIELDS = (
    "step",
    "opened",
    "lo",
    "hi",
    "floor",
    "direction",
    "strategy",
    "skips",
    "waited",
    "grade",
    *(f"{field}_{grade}" for grade in GRADES for field in GRADE_FIELDS),
)
#: Last, only when any agent was sampled: the sampled agents, grade by grade, and the
#: states of those of the step's grades, in the same order; each text space-separated.
SAMPLE_FIELDS = ("sampled", "states")
#: The reply of an operation that makes an offer, in order.
OFFER_REPLY = (*OFFER_FIELDS, *TRACE_FIELDS, *SAMPLE_FIELDS)


def reply_fields(*names: str) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function reading these fields of an offer's reply, by name, in the order asked
    (a name the reply does not have fails here, at import)."""
    places = [OFFER_REPLY.index(name) for name in names]
    read = itemgetter(*places)
    if len(places) == 1:
        return lambda row: (read(row),)
    return read

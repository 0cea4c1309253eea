"""Every Redis key Hotline uses, built in one place.

The prefix is also the hash tag (`{prefix}:...`), so every key lands in one Redis Cluster
slot and any script may touch any of them.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Keys:
    def __init__(self, prefix: str = "hotline") -> None:
        if not _PREFIX.match(prefix):
            raise ValueError(f"redis prefix {prefix!r}: 1-64 of letters, digits, _ . : -")
        self.prefix = prefix
        self._base = "{" + prefix + "}:"

    def call(self, call_sid: str) -> str:
        """Hash of per-call facts (hotline, config version, caller, menu path)."""
        return f"{self._base}call:{call_sid}"

    def ended_call(self, call_sid: str) -> str:
        """A call that ended, kept apart from its facts and longer (a TTL): a late webhook
        for it changes nothing."""
        return f"{self._base}ended:{call_sid}"

    def published_config(self) -> str:
        """The id of the published config version, shared by every server process."""
        return f"{self._base}config:published"

    def trial_config(self) -> str:
        """JSON: the unpublished config version test callers hear (a draft on trial); TTL."""
        return f"{self._base}config:trial"

    def session(self, digest: str) -> str:
        """Hash: a browser session (user, CSRF token, expiry) by its cookie's sha256; has a TTL."""
        return f"{self._base}session:{digest}"

    def api_token(self, digest: str) -> str:
        """Hash: an API bearer token's user and expiry, by the token's sha256; has a TTL."""
        return f"{self._base}apitoken:{digest}"

    def login_attempts(self, who: str) -> str:
        """Hash: failed sign-ins of one username or address and when the window ends; TTL."""
        return f"{self._base}login:{who}"

    def config_changes(self) -> str:
        """Pub/sub channel: the id of each newly published config version."""
        return f"{self._base}config:changes"

    def agent_events(self, agent_id: str) -> str:
        """Pub/sub channel: what an agent's softphone shows (offers, calls, state), from any
        server process to the one holding the agent's socket."""
        return f"{self._base}agent-events:{agent_id}"

    def open_desks(self) -> str:
        """Sorted set: agent → when its softphone page was last seen open (epoch ms)."""
        return f"{self._base}desks"

    def queue_alarms(self) -> str:
        """Hash: queue → the wallboard alarms raised in it now (space-separated kinds)."""
        return f"{self._base}alarms"

    def alarm_events(self) -> str:
        """Stream: each wallboard alarm raised or cleared (apart from the router's stream,
        whose SQL sink knows only queue_log events); trimmed to its newest entries."""
        return f"{self._base}alarm-events"

    def pattern(self) -> str:
        """A SCAN pattern matching every key under this prefix (for tests and clean-up)."""
        return self._base.replace("{", "\\{").replace("}", "\\}") + "*"

    # The router's keys (ROUTER_KEYS). Its Lua builds them with functions generated from
    # these methods (routing/lua/prelude.py), from `namespace()`, KEYS[1] of every call.

    def namespace(self) -> str:
        """The hash-tagged base every router key starts with; KEYS[1] of every script."""
        return self._base

    def agent(self, agent_id: str) -> str:
        """Hash: an agent's presence, back-off, counters and current reservation."""
        return f"{self._base}agent:{agent_id}"

    def agent_states(self) -> str:
        """Hash: agent → state, for every agent not offline; a ready agent's state is the
        instant (ms) its back-off ends, "0" for none. Decision traces read it."""
        return f"{self._base}astate"

    def skills(self, agent_id: str) -> str:
        """Hash: queue → grade (1-4) for each queue the agent serves."""
        return f"{self._base}skills:{agent_id}"

    def agents(self) -> str:
        """Sorted set of every agent that ever logged in (for listings)."""
        return f"{self._base}agents"

    def queue(self, queue: str) -> str:
        """Hash: one queue's routing rules as the scripts read them."""
        return f"{self._base}queue:{queue}"

    def census(self, queue: str) -> str:
        """Hash: per grade g, `m{g}` agents logged in, `b{g}` of them on break, and `s{g}`
        the first few of them by name (space-separated), which decision traces sample."""
        return f"{self._base}census:{queue}"

    def idle(self, queue: str, grade: int) -> str:
        """Sorted set: agents of this grade free to take a call, scored by the strategy."""
        return f"{self._base}idle:{queue}:{grade}"

    def staff(self, queue: str, grade: int) -> str:
        """Sorted set: agents of this grade logged in to the queue (for the trace)."""
        return f"{self._base}staff:{queue}:{grade}"

    def waiting(self, queue: str) -> str:
        """Sorted set: every waiting call, scored arrival ms minus priority offset."""
        return f"{self._base}waiting:{queue}"

    def waiting_step(self, queue: str, step: int) -> str:
        """Sorted set: the waiting calls now in tier step `step` (1-based), same scores."""
        return f"{self._base}wstep:{queue}:{step}"

    def escalations(self, queue: str) -> str:
        """Sorted set: waiting call → instant (ms) its next tier step opens."""
        return f"{self._base}esc:{queue}"

    def schedule(self) -> str:
        """Sorted set shared by all processes: `q:{queue}` / `a:{agent}` → next instant (ms)."""
        return f"{self._base}schedule"

    def routed_call(self, call_sid: str) -> str:
        """Hash: a call's routing state (queue, score, step, reservation); has a TTL."""
        return f"{self._base}rcall:{call_sid}"

    def leases(self) -> str:
        """Sorted set: reserved call → lease expiry (ms), for the reaper."""
        return f"{self._base}leases"

    def fence(self) -> str:
        """Counter: the last fencing token handed out."""
        return f"{self._base}fence"

    def stats(self, queue: str) -> str:
        """Hash: offered, answered, abandoned, completed counts and handle-time average."""
        return f"{self._base}stats:{queue}"

    def events(self) -> str:
        """Stream of queue_log-style events (and queued SQL writes), trimmed once stored."""
        return f"{self._base}events"


#: The methods of `Keys` that build the router's keys, which its Lua builds with the same
#: names: `K.routed_call(call)` there is `keys.routed_call(call)` here.
ROUTER_KEYS = (
    "agent",
    "agent_states",
    "skills",
    "agents",
    "queue",
    "census",
    "idle",
    "staff",
    "waiting",
    "waiting_step",
    "escalations",
    "schedule",
    "routed_call",
    "leases",
    "fence",
    "stats",
    "events",
)

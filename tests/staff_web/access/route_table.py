"""Every route of the built app and who may use it: the table the access, CSRF and header
tests share, and how to walk the app's routers (sub-apps included) to check it is complete.

The roles are the test accounts': `agent` is a1001 (an account with an agent id),
`supervisor` is leader and `admin` is admin (neither has an agent id, so the routes that
act as one's own agent refuse them with 403).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web


class Who(StrEnum):
    ANONYMOUS = "anonymous"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


USERNAMES = {Who.AGENT: "a1001", Who.SUPERVISOR: "leader", Who.ADMIN: "admin"}


class Audience(StrEnum):
    """How a route knows who is asking, and so how it refuses."""

    #: A page sub-app (cookie session): anonymous → 303 to the sign-in page (a socket: 401),
    #: a role that falls short → 403.
    PAGE = "page"
    #: The `/api/` sub-app (cookie + CSRF token, or bearer): anonymous → 401, short → 403.
    API = "api"
    #: Needs no sign-in by design: the sign-in itself, health and metrics, static files,
    #: the local carrier's dial pad (a caller's phone, embedded mode only).
    OPEN = "open"
    #: Carrier webhooks: only a valid `X-Twilio-Signature` opens them (403 otherwise).
    TWILIO = "twilio"
    #: The local carrier's REST `Calls` (Twilio's contract): HTTP Basic with the account
    #: SID and auth token (401 otherwise).
    CARRIER_REST = "carrier_rest"
    #: The local carrier's agent phone socket: a phone token from /api/agent/phone-token.
    PHONE = "phone"


EVERYONE = frozenset(Who)
SIGNED_IN = frozenset({Who.AGENT, Who.SUPERVISOR, Who.ADMIN})
MANAGERS = frozenset({Who.SUPERVISOR, Who.ADMIN})
ADMINS = frozenset({Who.ADMIN})
OWN_AGENT = frozenset({Who.AGENT})  # acts as the account's own agent
NOBODY: frozenset[Who] = frozenset()  # not opened by a user's sign-in at all

ORDER = "{order}"  # replaced by the number of a work order of a1001's


@dataclass(frozen=True)
class Rule:
    """Who may use one route, and the sample request that tries it.

    "Succeeds" for an allowed role: neither 401 nor 403, no 5xx (but `also_ok`), and on a
    page not a redirect to the sign-in page; a 400 for a missing body or a 404 for an
    unknown id is a success (the request got past the access check). A socket succeeds by
    upgrading.
    """

    audience: Audience
    who: frozenset[Who]
    path: str = ""  # the request path when the route's own has parameters or is static
    query: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    form: Mapping[str, str] | None = None
    socket: bool = False
    also_ok: frozenset[int] = frozenset()
    login_form: bool = False  # posts the sign-in form with its own double-submit token
    twilio_ok: frozenset[int] | None = None  # what succeeds instead in the Twilio mode

    def url(self, canonical: str, order: str) -> str:
        return (self.path or canonical).replace(ORDER, order)


TWILIO_WEBHOOKS = [
    "voice", "menu", "wait", "wait-key", "queue-result", "voicemail", "transfer-result",
    "status", "wait-fallback", "queue-result-fallback", "agent-status", "dial-result",
]  # fmt: skip
CALLS = "/carrier/2010-04-01/Accounts/{account_sid}/Calls"
ASKS_AGENT = {"agent": "a1001"}  # a supervisor reads an agent's desk by naming it
CONFIG = "/api/admin/config"
DRAFT, NO_DRAFT = CONFIG + "/drafts/{draft_id}", CONFIG + "/drafts/999999"
VERSION, NO_VERSION = CONFIG + "/versions/{version_id}", CONFIG + "/versions/999999"

ROUTES: dict[tuple[str, str], Rule] = {
    **{("POST", f"/twilio/{name}"): Rule(Audience.TWILIO, NOBODY) for name in TWILIO_WEBHOOKS},
    # Sign-in. A signed-in user has no login form to post (GET /auth/login sends it home):
    # its post fails the form's own token check.
    ("GET", "/auth/login"): Rule(Audience.OPEN, EVERYONE),
    ("POST", "/auth/login"): Rule(
        Audience.OPEN, frozenset({Who.ANONYMOUS}), form={"username": ""}, login_form=True
    ),
    ("POST", "/auth/logout"): Rule(Audience.OPEN, EVERYONE, form={}),
    ("POST", "/api/auth/token"): Rule(Audience.OPEN, EVERYONE, json={}),
    ("DELETE", "/api/auth/token"): Rule(Audience.API, SIGNED_IN),
    ("GET", "/api/me"): Rule(Audience.API, SIGNED_IN),
    # The agent API.
    ("GET", "/api/agent/state"): Rule(Audience.API, SIGNED_IN, query=ASKS_AGENT),
    ("POST", "/api/agent/ready"): Rule(Audience.API, OWN_AGENT, json={}),
    ("POST", "/api/agent/break"): Rule(Audience.API, OWN_AGENT, json={}),
    ("POST", "/api/agent/offline"): Rule(Audience.API, OWN_AGENT, json={}),
    ("GET", "/api/agent/work-orders"): Rule(Audience.API, SIGNED_IN, query=ASKS_AGENT),
    ("GET", "/api/agent/call/{call_sid}"): Rule(
        Audience.API, SIGNED_IN, path="/api/agent/call/CA-unknown"
    ),
    ("POST", "/api/agent/wrap-up"): Rule(Audience.API, OWN_AGENT, json={}),
    ("PUT", "/api/agent/wrap-up/draft"): Rule(Audience.API, OWN_AGENT, json={}),
    # 503 in the embedded mode (no Twilio voice there), after the access check; 200 in Twilio's.
    ("GET", "/api/agent/voice-token"): Rule(
        Audience.API, OWN_AGENT, also_ok=frozenset({503}), twilio_ok=frozenset({200})
    ),
    # The embedded phone's token: 503 in the Twilio mode (the voice token rings there).
    ("GET", "/api/agent/phone-token"): Rule(Audience.API, OWN_AGENT, twilio_ok=frozenset({503})),
    # The desk API: agents read their own work orders; the rest is the supervisors'.
    ("GET", "/api/work-orders"): Rule(Audience.API, SIGNED_IN),
    ("GET", "/api/work-orders/dues"): Rule(Audience.API, SIGNED_IN),
    ("GET", "/api/work-orders/{number}"): Rule(
        Audience.API, SIGNED_IN, path=f"/api/work-orders/{ORDER}"
    ),
    ("POST", "/api/work-orders/{number}/{action}"): Rule(
        Audience.API, MANAGERS, path=f"/api/work-orders/{ORDER}/urge", json={}
    ),
    ("GET", "/api/calls"): Rule(Audience.API, MANAGERS),
    ("GET", "/api/calls/{call_sid}"): Rule(Audience.API, MANAGERS, path="/api/calls/CA-unknown"),
    ("GET", "/api/service-level"): Rule(Audience.API, MANAGERS),
    ("GET", "/api/reports/queues"): Rule(Audience.API, MANAGERS),
    ("GET", "/api/reports/agents"): Rule(Audience.API, MANAGERS),
    ("POST", "/api/supervisor/agents/{agent_id}/{action}"): Rule(
        Audience.API, MANAGERS, path="/api/supervisor/agents/a1001/break", json={}
    ),
    # The softphone: agents their own desk, supervisors watch one.
    ("GET", "/softphone/"): Rule(Audience.PAGE, SIGNED_IN),
    ("GET", "/softphone/ws"): Rule(Audience.PAGE, SIGNED_IN, query=ASKS_AGENT, socket=True),
    ("GET", "/softphone/static"): Rule(
        Audience.OPEN, EVERYONE, path="/softphone/static/softphone.js"
    ),
    # The desk.
    ("GET", "/desk/"): Rule(Audience.PAGE, SIGNED_IN),
    ("GET", "/desk/orders"): Rule(Audience.PAGE, SIGNED_IN),
    ("GET", "/desk/orders/{number}"): Rule(Audience.PAGE, SIGNED_IN, path=f"/desk/orders/{ORDER}"),
    ("POST", "/desk/orders/{number}/{action}"): Rule(
        Audience.PAGE, MANAGERS, path=f"/desk/orders/{ORDER}/urge", form={}
    ),
    ("GET", "/desk/dues"): Rule(Audience.PAGE, SIGNED_IN),
    ("GET", "/desk/calls"): Rule(Audience.PAGE, MANAGERS),
    ("GET", "/desk/calls/{call_sid}"): Rule(Audience.PAGE, MANAGERS, path="/desk/calls/CA-unknown"),
    ("GET", "/desk/service-level"): Rule(Audience.PAGE, MANAGERS),
    ("GET", "/desk/reports"): Rule(Audience.PAGE, MANAGERS),
    ("GET", "/desk/reports.csv"): Rule(Audience.PAGE, MANAGERS),
    ("GET", "/desk/wallboard"): Rule(Audience.PAGE, MANAGERS),
    ("GET", "/desk/wallboard/ws"): Rule(Audience.PAGE, MANAGERS, socket=True),
    ("GET", "/desk/static"): Rule(Audience.OPEN, EVERYONE, path="/desk/static/wallboard.js"),
    # The admin console.
    ("GET", "/admin/"): Rule(Audience.PAGE, ADMINS),
    # Its config API: drafts, trials, versions (an unknown id is a 404 past the check).
    ("GET", CONFIG + "/drafts"): Rule(Audience.API, ADMINS),
    ("POST", CONFIG + "/drafts"): Rule(Audience.API, ADMINS, json={}),
    ("GET", DRAFT): Rule(Audience.API, ADMINS, path=NO_DRAFT),
    ("PUT", DRAFT): Rule(Audience.API, ADMINS, path=NO_DRAFT, json={}),
    ("DELETE", DRAFT): Rule(Audience.API, ADMINS, path=NO_DRAFT),
    ("GET", DRAFT + "/diff"): Rule(Audience.API, ADMINS, path=NO_DRAFT + "/diff"),
    ("POST", DRAFT + "/publish"): Rule(Audience.API, ADMINS, path=NO_DRAFT + "/publish", json={}),
    ("POST", DRAFT + "/trial"): Rule(Audience.API, ADMINS, path=NO_DRAFT + "/trial", json={}),
    ("POST", CONFIG + "/validate"): Rule(Audience.API, ADMINS, json={}),
    ("GET", CONFIG + "/trial"): Rule(Audience.API, ADMINS),
    ("DELETE", CONFIG + "/trial"): Rule(Audience.API, ADMINS),
    ("GET", CONFIG + "/versions"): Rule(Audience.API, ADMINS),
    ("GET", VERSION + "/diff"): Rule(Audience.API, ADMINS, path=NO_VERSION + "/diff"),
    ("POST", VERSION + "/rollback"): Rule(
        Audience.API, ADMINS, path=NO_VERSION + "/rollback", json={}
    ),
    ("GET", "/admin/config"): Rule(Audience.PAGE, ADMINS),
    ("GET", "/admin/static"): Rule(Audience.OPEN, EVERYONE, path="/admin/static/config_editor.js"),
    ("GET", "/admin/users"): Rule(Audience.PAGE, ADMINS),
    ("POST", "/admin/users"): Rule(Audience.PAGE, ADMINS, form={}),
    ("POST", "/admin/users/{user_id}/{action}"): Rule(
        Audience.PAGE, ADMINS, path="/admin/users/999999/deactivate", form={}
    ),
    ("GET", "/admin/audit"): Rule(Audience.PAGE, ADMINS),
    ("GET", "/api/admin/users"): Rule(Audience.API, ADMINS),
    ("POST", "/api/admin/users"): Rule(Audience.API, ADMINS, json={}),
    ("GET", "/api/admin/users/{user_id}"): Rule(
        Audience.API, ADMINS, path="/api/admin/users/999999"
    ),
    ("POST", "/api/admin/users/{user_id}/{action}"): Rule(
        Audience.API, ADMINS, path="/api/admin/users/999999/deactivate", json={}
    ),
    ("GET", "/api/admin/audit"): Rule(Audience.API, ADMINS),
    # Anyone's own account: the password.
    ("GET", "/account/password"): Rule(Audience.PAGE, SIGNED_IN),
    ("POST", "/account/password"): Rule(Audience.PAGE, SIGNED_IN, form={}),
    # The local carrier (embedded mode): a caller's dial pad is open, as a phone line is.
    ("GET", "/carrier/"): Rule(Audience.OPEN, EVERYONE),
    ("GET", "/carrier/ws"): Rule(Audience.OPEN, EVERYONE, socket=True),
    ("GET", "/carrier/recordings/{sid}"): Rule(
        Audience.OPEN, EVERYONE, path="/carrier/recordings/RE-unknown"
    ),
    ("GET", "/carrier/agent-ws"): Rule(Audience.PHONE, NOBODY, query={"identity": "a1001"}),
    ("POST", CALLS + "/{call_sid}.json"): Rule(Audience.CARRIER_REST, NOBODY),
    ("GET", CALLS + "/{call_sid}.json"): Rule(Audience.CARRIER_REST, NOBODY),
    ("GET", CALLS + ".json"): Rule(Audience.CARRIER_REST, NOBODY),
    ("GET", "/carrier/static"): Rule(Audience.OPEN, EVERYONE, path="/carrier/static/dialpad.js"),
    # The front door, and what load balancers and Prometheus read.
    ("GET", "/"): Rule(Audience.OPEN, EVERYONE),
    ("GET", "/healthz"): Rule(Audience.OPEN, EVERYONE),
    ("GET", "/metrics"): Rule(Audience.OPEN, EVERYONE),
}

#: What the Twilio mode lacks: the local carrier is the embedded mode's alone.
EMBEDDED_ONLY = "/carrier/"

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def walk(router: web.UrlDispatcher) -> Iterator[tuple[str, str]]:
    """(method, canonical path) of every route, descending into mounted sub-apps."""
    for resource in router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            yield from walk(resource.get_info()["app"].router)
            continue
        for route in resource:
            yield route.method, resource.canonical


def app_routes(app: web.Application) -> set[tuple[str, str]]:
    """Every route but the HEADs aiohttp adds beside each GET (they answer as the GET)."""
    found = set(walk(app.router))
    heads = {(m, p) for m, p in found if m == "HEAD"}
    missing_get = {p for _m, p in heads if ("GET", p) not in found}
    assert not missing_get, f"HEAD without GET: {missing_get}"
    return found - heads

"""Every route of the whole app with a path parameter answers 400 to a CR/LF in it, never a 500;
a route whose parameter has its own pattern (digits only, say) is not reached at all: 404."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.staff_web.softphone.conftest import SignIn

PARAM = re.compile(r"\{[^}]+\}")


INJECTED = "WO-1%0D%0AX-Injected:%20yes"


def parametrised_paths(app: web.Application) -> list[tuple[str, bool]]:
    """The formatter of every route with a path parameter, in the app and its sub-apps, and
    whether the route's own pattern takes the injected value (else no request reaches it)."""
    found: list[tuple[str, bool]] = []
    for resource in app.router.resources():
        info = resource.get_info()
        formatter, pattern = info.get("formatter"), info.get("pattern")
        if isinstance(formatter, str) and PARAM.search(formatter):
            decoded = unquote(PARAM.sub(INJECTED, formatter))
            takes = not isinstance(pattern, re.Pattern) or bool(pattern.fullmatch(decoded))
            found.append((formatter, takes))
        if isinstance(resource, web.PrefixedSubAppResource):
            found.extend(parametrised_paths(resource._app))
    return found


async def test_crlf_in_any_path_parameter_is_a_400(app: web.Application, signed: SignIn) -> None:
    desk = await signed("admin")  # signed in, so no route stops at the login redirect
    paths = parametrised_paths(app)
    # The work-order pages and API, the agent's call, and the local carrier's routes.
    assert len(paths) >= 6, paths
    answers: dict[tuple[str, str], Any] = {}
    expected: dict[str, int] = {}
    for formatter, takes in paths:
        path = PARAM.sub(INJECTED, formatter)
        expected[formatter] = 400 if takes else 404
        for method in ("GET", "POST"):
            headers = {"X-CSRF-Token": desk.token}
            response = await desk.request(method, path, headers=headers)
            if response.status != 405:  # a method the route does not have
                answers[(method, formatter)] = response.status
                assert "X-Injected" not in response.headers
    assert answers, "no route answered"
    assert 400 in answers.values(), "no route took the injected value"
    wrong = {key: status for key, status in answers.items() if status != expected[key[1]]}
    assert wrong == {}

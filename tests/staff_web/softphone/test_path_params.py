"""Every route of the whole app with a path parameter answers 400 to a CR/LF in it, never a 500."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tests.staff_web.softphone.conftest import SignIn

PARAM = re.compile(r"\{[^}]+\}")


def parametrised_paths(app: web.Application) -> list[str]:
    """The formatter of every route with a path parameter, in the app and its sub-apps."""
    found: list[str] = []
    for resource in app.router.resources():
        formatter = resource.get_info().get("formatter")
        if isinstance(formatter, str) and PARAM.search(formatter):
            found.append(formatter)
        if isinstance(resource, web.PrefixedSubAppResource):
            found.extend(parametrised_paths(resource._app))
    return found


async def test_crlf_in_any_path_parameter_is_a_400(app: web.Application, signed: SignIn) -> None:
    desk = await signed("admin")  # signed in, so no route stops at the login redirect
    paths = parametrised_paths(app)
    # The work-order pages and API, the agent's call, and the local carrier's routes.
    assert len(paths) >= 6, paths
    answers: dict[tuple[str, str], Any] = {}
    for formatter in paths:
        path = PARAM.sub("WO-1%0D%0AX-Injected:%20yes", formatter)
        for method in ("GET", "POST"):
            headers = {"X-CSRF-Token": desk.token}
            response = await desk.request(method, path, headers=headers)
            if response.status != 405:  # a method the route does not have
                answers[(method, formatter)] = response.status
                assert "X-Injected" not in response.headers
    assert answers, "no route answered"
    assert {key: status for key, status in answers.items() if status != 400} == {}

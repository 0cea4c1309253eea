"""The production nginx site config, run by a real nginx: it renders, passes `nginx -t`,
spreads requests over its upstreams, lets WebSocket upgrades through and keeps `/metrics`
off the public address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from tests.app_fixtures import serving
from tests.e2e.nginx_balancer import SITE, NginxBalancer, render_site

NAME = web.AppKey("name", str)


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text=request.app[NAME])


async def _echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            await ws.send_str(f"{request.app[NAME]} heard {message.data}")
    return ws


def _upstream(name: str) -> web.Application:
    app = web.Application()
    app[NAME] = name
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _healthz)
    app.router.add_get("/softphone/ws", _echo)
    app.router.add_get("/elsewhere/ws", _echo)
    return app


@pytest.fixture
async def balancer(nginx_path: str, tmp_path: Path) -> AsyncIterator[NginxBalancer]:
    """nginx in front of two tiny upstreams, "a" and "b"."""
    ports = [unused_port(), unused_port()]
    async with serving(_upstream("a"), ports[0]), serving(_upstream("b"), ports[1]):
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        async with NginxBalancer(nginx_path, tmp_path / "nginx").running(bases) as running:
            yield running


def test_the_template_keeps_what_the_tests_replace() -> None:
    site = render_site(SITE.read_text(), ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"], 9)
    assert "server 127.0.0.1:8081;" not in site
    assert site.count("server 127.0.0.1:") == 3
    assert "listen 127.0.0.1:9;" in site
    assert "keepalive" in site  # the rest of the upstream block is kept


def test_a_template_without_its_listen_line_is_refused() -> None:
    template = SITE.read_text().replace("listen 80;", "")
    with pytest.raises(ValueError, match="listen"):
        render_site(template, ["127.0.0.1:1"], 9)


async def test_requests_take_turns_among_the_upstreams(balancer: NginxBalancer) -> None:
    async with aiohttp.ClientSession() as http:
        names = []
        for _ in range(4):
            async with http.get(balancer.url + "/healthz") as response:
                names.append(await response.text())
    assert sorted(names) == ["a", "a", "b", "b"]


@pytest.mark.parametrize("path", ["/softphone/ws", "/elsewhere/ws"])
async def test_a_websocket_passes_through(balancer: NginxBalancer, path: str) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(balancer.url + path) as ws:
        await ws.send_str("hello")
        reply = await ws.receive_str(timeout=5)
    assert reply in {"a heard hello", "b heard hello"}
    upgrades = [line for line in balancer.access_lines() if f'"GET {path} HTTP/1.1" 101' in line]
    assert len(upgrades) == 1, balancer.access_lines()


async def test_metrics_are_not_served_through_the_balancer(balancer: NginxBalancer) -> None:
    async with aiohttp.ClientSession() as http, http.get(balancer.url + "/metrics") as response:
        assert response.status == 404  # the upstreams would answer 200
    assert [line for line in balancer.access_lines() if "/metrics" in line]  # nginx saw it

"""A real nginx in front of test servers, running the production site config
(docs/deploy/nginx-hotline.conf) with only its upstream servers and its port changed."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import unused_port

SITE = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx-hotline.conf"
DEBIAN_PATH = Path("/usr/sbin/nginx")
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0

UPSTREAM_BLOCK = re.compile(r"^upstream hotline \{\n(?P<body>.*?)^\}", re.MULTILINE | re.DOTALL)
SERVER_LINE = re.compile(r"^(?P<indent>\s*)server\s+[^;]+;$")
LISTEN_LINE = re.compile(r"^(?P<indent>\s*)listen\s+[^;]+;$", re.MULTILINE)


def nginx_binary() -> str | None:
    """nginx on PATH, else Debian's (/usr/sbin is not on every user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return str(DEBIAN_PATH) if os.access(DEBIAN_PATH, os.X_OK) else None


def require_nginx() -> str:
    """The nginx binary; skip when absent, fail when HOTLINE_REQUIRE_NGINX=1 demands it."""
    binary = nginx_binary()
    if binary is not None:
        return binary
    reason = "nginx is not installed: the load-balancer tests run a real one"
    if os.environ.get("HOTLINE_REQUIRE_NGINX", "").strip() == "1":
        pytest.fail(f"{reason} (HOTLINE_REQUIRE_NGINX=1)")
    pytest.skip(f"{reason} (apt-get install nginx; HOTLINE_REQUIRE_NGINX=1 fails)")


def render_site(template: str, upstreams: Sequence[str], port: int) -> str:
    """The site config with its upstream `server` lines replaced by `upstreams` (host:port)
    and its one `listen` line by 127.0.0.1:`port`; a template without them is an error."""
    if not upstreams:
        raise ValueError("upstreams: at least one server is required")
    block = UPSTREAM_BLOCK.search(template)
    if block is None:
        raise ValueError(f"{SITE}: no `upstream hotline {{ ... }}` block")
    body: list[str] = []
    replaced = False
    for line in block["body"].splitlines(keepends=True):
        server = SERVER_LINE.match(line.rstrip("\n"))
        if server is None:
            body.append(line)
        elif not replaced:
            body += [f"{server['indent']}server {address};\n" for address in upstreams]
            replaced = True
    if not replaced:
        raise ValueError(f"{SITE}: the upstream block has no `server` lines")
    start, end = block.span("body")
    site = template[:start] + "".join(body) + template[end:]
    listens = LISTEN_LINE.findall(site)
    if len(listens) != 1:
        raise ValueError(f"{SITE}: expected one `listen` line, found {len(listens)}")
    return LISTEN_LINE.sub(lambda m: f"{m['indent']}listen 127.0.0.1:{port};", site)


def main_config(folder: Path, site: Path) -> str:
    """A top-level nginx.conf keeping everything (pid, logs, temp files) inside `folder`."""
    temp = folder / "temp"
    # As root, workers would drop to `nobody`, who cannot enter the test's private folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
master_process on;
worker_processes 1;
worker_shutdown_timeout 5s;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} notice;

events {{
    worker_connections 4096;
}}

http {{
    log_format balancer '$remote_addr "$request" $status upstream=$upstream_addr';
    access_log {folder / "access.log"} balancer;
    client_body_temp_path {temp / "client_body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {site};
}}
"""


class NginxBalancer:
    """One nginx master on 127.0.0.1; its port is chosen at once, so the servers behind it
    can be told their public URL before nginx starts."""

    def __init__(self, binary: str, folder: Path, port: int | None = None) -> None:
        self.binary = binary
        self.folder = folder
        self.port = port or unused_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = folder / "nginx.conf"
        self.error_log = folder / "error.log"
        self.access_log = folder / "access.log"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        """The master's process id while it runs (its worker is its child)."""
        return self._process.pid if self._process is not None else None

    def access_lines(self) -> list[str]:
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(errors="replace").splitlines()

    def _write_config(self, upstreams: Sequence[str]) -> None:
        (self.folder / "temp").mkdir(parents=True, exist_ok=True)
        addresses = [_address(base) for base in upstreams]
        site = self.folder / "hotline.conf"
        site.write_text(render_site(SITE.read_text(), addresses, self.port))
        self.config.write_text(main_config(self.folder, site))

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, *extra, "-p", str(self.folder), "-c", str(self.config)]

    async def start(self, upstreams: Sequence[str]) -> None:
        """Check the config with `nginx -t`, start nginx, wait until /healthz answers 200
        through it (from an upstream: nginx answers nothing itself)."""
        self._write_config(upstreams)
        check = await asyncio.create_subprocess_exec(
            *self._command("-t"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await check.communicate()
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused {self.config}:\n{output.decode()}")
        with self.error_log.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                *self._command(),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers die with it
            )
        try:
            await self._wait_answering()
        except BaseException:
            await self.stop()
            raise

    async def _wait_answering(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        async with aiohttp.ClientSession() as http:
            while loop.time() < deadline:
                if self._process is None or self._process.returncode is not None:
                    break
                with suppress(aiohttp.ClientError):
                    async with http.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.05)
        log = self.error_log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"nginx at {self.url} did not answer:\n{log}")

    async def stop(self) -> None:
        """SIGQUIT (finish open requests, close sockets), SIGKILL to the group after a while."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            process.send_signal(signal.SIGQUIT)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        self._process = None

    @asynccontextmanager
    async def running(self, upstreams: Sequence[str]) -> AsyncIterator[NginxBalancer]:
        """nginx in front of `upstreams` (base URLs) for the block."""
        await self.start(upstreams)
        try:
            yield self
        finally:
            await self.stop()


def _address(base: str) -> str:
    """host:port of an http:// base URL."""
    parts = urlsplit(base)
    if parts.scheme != "http" or not parts.port:
        raise ValueError(f"upstream {base!r}: expected http://host:port")
    return parts.netloc

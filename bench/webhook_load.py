"""Webhook load benchmark: the real server against a static-TwiML aiohttp baseline.

Both run as separate processes on 127.0.0.1; this process is the carrier. A "call" is the
incoming webhook then two menu steps (keys 1, 1 on the 95598 demo line: the fault queue),
each signed the way Twilio signs. Two measurements per target, repeated, medians quoted:

- saturation (closed loop): N workers each run calls back to back; achieved requests/s;
- latency (open loop): calls arrive on a fixed schedule at a target request rate; each
  request's latency is counted from its *scheduled* send time, so a slow answer delays the
  clock it is measured against (no coordinated omission).

    .venv/bin/python bench/webhook_load.py --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import importlib.util
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis
from twilio.request_validator import RequestValidator

from routing.keys import Keys

ROOT = Path(__file__).resolve().parent.parent
BASELINE_SCRIPT = Path(__file__).resolve().parent / "webhook_baseline.py"
DEFAULT_DOC = ROOT / "docs" / "webhook-benchmarks.md"
RESULTS_BEGIN = "<!-- results:begin (written by bench/webhook_load.py) -->"
RESULTS_END = "<!-- results:end -->"

AUTH_TOKEN = "bench-auth-token-" + "0" * 16
ACCOUNT_SID = "AC" + "b" * 32
DIALLED = "95598"
CALLER = "+8613700000000"  # not a configured caller, so not VIP
KEYS_PRESSED = ("1", "1")  # 故障报修 > 停电: ends in <Enqueue> to the fault queue
STEPS_PER_CALL = 1 + len(KEYS_PRESSED)

GOAL_RPS = 3000.0
GOAL_RATIO = 0.25
GOAL_P99_MS = 10.0

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
REQUEST_TIMEOUT_S = 10.0
MAX_ERRORS_KEPT = 5
MAX_IN_FLIGHT_CALLS = 5000

_GATHER_ACTION = re.compile(r'<Gather\b[^>]*?\baction="([^"]+)"')


class BenchError(RuntimeError):
    """The run cannot give trustworthy figures (a bad answer, a server that did not start)."""


# --- processes under test -------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pin(pid: int, cpus: set[int] | None) -> None:
    """Pin every thread of a process (threads started later inherit from their creator)."""
    if cpus is None:
        return
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(task.name), cpus)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    """A process under test and how to check its answers."""

    name: str
    base_url: str
    final_verb: str  # the verb the last menu step must answer with
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


async def wait_healthy(target: Target, session: aiohttp.ClientSession) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if target.process.poll() is not None:
            raise BenchError(f"{target.name} exited at start:\n{target.log_tail()}")
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with session.get(target.base_url + "/healthz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise BenchError(f"{target.name} not healthy after {START_TIMEOUT_S}s:\n{target.log_tail()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_S)


def server_loop() -> str:
    """The event loop `hotline serve` runs on (`hotline.cli.new_event_loop`): uvloop where it
    is installed. The baseline is run on the same one, so the two compare like for like."""
    return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


@contextlib.contextmanager
def launched(
    name: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    final_verb: str,
    workdir: Path,
    cpus: set[int] | None,
) -> Iterator[Target]:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        pin(process.pid, cpus)
        yield Target(name, f"http://127.0.0.1:{port}", final_verb, process, log_path)
    finally:
        stop(process)


# --- one call, as the carrier places it -----------------------------------------------


@dataclass
class Tally:
    """What one measurement saw: latencies in seconds, errors, counted requests."""

    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)  # generator start delay per call
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    counted: int = 0

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.first_errors) < MAX_ERRORS_KEPT:
            self.first_errors.append(message)


class Carrier:
    """Signs and posts webhooks like Twilio, and checks every answer is TwiML."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.validator = RequestValidator(AUTH_TOKEN)

    async def post(self, url: str, params: dict[str, str]) -> str:
        signature = self.validator.compute_signature(url, params)
        async with self.session.post(
            url, data=params, headers={"X-Twilio-Signature": signature}
        ) as response:
            body = await response.text()
            if response.status != 200:
                raise BenchError(f"{url}: HTTP {response.status}: {body[:200]}")
            if response.content_type != "application/xml" or "<Response" not in body:
                raise BenchError(f"{url}: not TwiML ({response.content_type}): {body[:200]}")
            return body

    async def call(
        self,
        target: Target,
        tally: Tally,
        schedule: Sequence[float] | None,
        count_after: float = 0.0,
    ) -> None:
        """Dial, then press each key; `schedule` gives each request's planned send time."""
        loop = asyncio.get_running_loop()
        params = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": CALLER,
            "To": DIALLED,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        url = target.base_url + "/twilio/voice"
        for step in range(STEPS_PER_CALL):
            if step > 0:
                params = {**params, "Digits": KEYS_PRESSED[step - 1]}
            if schedule is not None:
                delay = schedule[step] - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                planned = schedule[step]
            else:
                planned = loop.time()
            try:
                body = await self.post(url, params)
            except (BenchError, aiohttp.ClientError, TimeoutError) as error:
                tally.error(f"{target.name} step {step}: {error!r}")
                return
            done = loop.time()
            if done >= count_after:
                tally.latencies.append(done - planned)
                tally.counted += 1
            if step + 1 < STEPS_PER_CALL:
                match = _GATHER_ACTION.search(body)
                if match is None:
                    tally.error(f"{target.name} step {step}: no <Gather action>: {body[:200]}")
                    return
                url = html.unescape(match.group(1))
            elif f"<{target.final_verb}" not in body:
                tally.error(f"{target.name}: last step is not <{target.final_verb}>: {body[:200]}")


# --- the two measurements -------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """CPU use over a measurement, as a fraction of one core."""

    generator: float
    target: float
    redis: float

    def render(self) -> str:
        return f"gen {self.generator:.0%}, target {self.target:.0%}, redis {self.redis:.0%}"


class UsageMeter:
    def __init__(self, target: Target, redis: aioredis.Redis) -> None:
        self.target = target
        self.redis = redis

    async def _redis_cpu(self) -> float:
        info = await self.redis.info("cpu")
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])

    @contextlib.asynccontextmanager
    async def measure(self) -> AsyncIterator[list[Usage]]:
        out: list[Usage] = []
        wall, gen = time.monotonic(), time.process_time()
        target, redis = cpu_seconds(self.target.process.pid), await self._redis_cpu()
        yield out
        elapsed = time.monotonic() - wall
        out.append(
            Usage(
                generator=(time.process_time() - gen) / elapsed,
                target=(cpu_seconds(self.target.process.pid) - target) / elapsed,
                redis=(await self._redis_cpu() - redis) / elapsed,
            )
        )


@dataclass(frozen=True)
class Saturation:
    rps: float
    usage: Usage
    errors: int


@dataclass(frozen=True)
class Latency:
    offered_rps: float
    achieved_rps: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    lag_p99_ms: float
    usage: Usage
    errors: int


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def check(tally: Tally, target: Target, what: str, failures: list[str] | None = None) -> None:
    """A dead target stops the run; bad answers go to `failures` (or stop it when None)."""
    if target.process.poll() is not None:
        raise BenchError(f"{target.name} died during {what}:\n{target.log_tail()}")
    if tally.errors and failures is not None:
        shown = "\n  ".join(tally.first_errors)
        failures.append(f"{target.name} {what}: {tally.errors} bad answer(s), e.g.\n  {shown}")
    elif tally.errors:
        shown = "\n  ".join(tally.first_errors)
        raise BenchError(
            f"{target.name} {what}: {tally.errors} bad answer(s), e.g.\n  {shown}\n"
            f"{target.name} log, last lines:\n{target.log_tail()}"
        )


async def saturate(
    carrier: Carrier,
    target: Target,
    meter: UsageMeter,
    workers: int,
    seconds: float,
    failures: list[str],
) -> Saturation:
    """Closed loop: `workers` callers back to back; requests/s after a 1 s warm-up."""
    loop = asyncio.get_running_loop()
    tally = Tally()
    start = loop.time()
    warm_end, deadline = start + 1.0, start + 1.0 + seconds
    max_calls = int(100_000 * seconds)  # a bound far above any plausible rate

    async def worker() -> None:
        for _ in range(max_calls):
            if loop.time() >= deadline:
                return
            await carrier.call(target, tally, None, count_after=warm_end)

    async with meter.measure() as usage:
        await asyncio.wait_for(
            asyncio.gather(*(worker() for _ in range(workers))),
            timeout=seconds + 1.0 + REQUEST_TIMEOUT_S * STEPS_PER_CALL + 5.0,
        )
    elapsed = loop.time() - warm_end
    check(tally, target, "saturation", failures)
    return Saturation(tally.counted / elapsed, usage[0], tally.errors)


async def open_loop(
    carrier: Carrier,
    target: Target,
    meter: UsageMeter,
    rate: float,
    seconds: float,
    think: float,
    failures: list[str],
) -> Latency:
    """Open loop: one call every STEPS/rate s; step k planned `k * think` after its call."""
    loop = asyncio.get_running_loop()
    tally = Tally()
    calls = max(1, round(rate * seconds / STEPS_PER_CALL))
    interval = STEPS_PER_CALL / rate
    start = loop.time() + 0.05
    running: set[asyncio.Task[None]] = set()

    async def placed(planned: float) -> None:
        tally.lags.append(loop.time() - planned)
        schedule = [planned + step * think for step in range(STEPS_PER_CALL)]
        await carrier.call(target, tally, schedule)

    async with meter.measure() as usage:
        for index in range(calls):
            planned = start + index * interval
            delay = planned - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(running) >= MAX_IN_FLIGHT_CALLS:
                tally.error(f"{target.name}: {len(running)} calls in flight, stopping early")
                break
            task = asyncio.create_task(placed(planned))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.wait_for(
                asyncio.gather(*running), timeout=think * STEPS_PER_CALL + 2 * REQUEST_TIMEOUT_S
            )
    elapsed = loop.time() - start
    check(tally, target, "latency run", failures)
    ordered = sorted(tally.latencies) or [float("nan")]
    lags = sorted(tally.lags) or [float("nan")]
    return Latency(
        offered_rps=rate,
        achieved_rps=tally.counted / elapsed,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        p999_ms=percentile(ordered, 0.999) * 1000,
        max_ms=ordered[-1] * 1000,
        lag_p99_ms=percentile(lags, 0.99) * 1000,
        usage=usage[0],
        errors=tally.errors,
    )


# --- the run --------------------------------------------------------------------------


@dataclass
class Results:
    saturation: dict[str, list[Saturation]] = field(default_factory=dict)
    latency: dict[str, list[Latency]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def median_rps(self, name: str) -> float:
        return statistics.median(s.rps for s in self.saturation[name])

    def median_latency(self, name: str, attribute: str) -> float:
        return statistics.median(float(getattr(run, attribute)) for run in self.latency[name])


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    python: str
    redis: str
    aiohttp: str
    loop: str

    @classmethod
    def read(cls, redis_version: str, loop: str) -> Machine:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        meminfo = Path("/proc/meminfo").read_text()
        kib = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.MULTILINE)
        return cls(
            cpu=model.group(1).strip() if model else platform.processor() or "unknown",
            cores=os.cpu_count() or 1,
            memory_gib=int(kib.group(1)) / 2**20 if kib else 0.0,
            python=platform.python_version(),
            redis=redis_version,
            aiohttp=package_version("aiohttp"),
            loop=f"{loop} (server and baseline)",
        )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(
    results: Results, args: argparse.Namespace, machine: Machine, loads: list[str]
) -> list[str]:
    """The results as Markdown lines (also printed)."""
    names = list(results.saturation)
    server, baseline = "server", "baseline"
    rps, base_rps = results.median_rps(server), results.median_rps(baseline)
    ratio = rps / base_rps if base_rps else 0.0
    p99 = results.median_latency(server, "p99_ms")
    pinning = (
        f"generator on CPU {sorted(args.generator_cpus)}, server and baseline on CPU "
        f"{sorted(args.target_cpus)}, Redis unpinned"
        if args.target_cpus
        else "no CPU pinning"
    )
    lines = [
        f"- machine: {machine.cpu}, {machine.cores} cores, {machine.memory_gib:.1f} GiB; "
        f"Python {machine.python}, aiohttp {machine.aiohttp}, Redis {machine.redis}; "
        f"target event loop: {machine.loop}",
        f"- {pinning}; load average (1/5/15 min) during the run: {', '.join(loads)}",
        f"- repetitions: {args.repeat}; figures are medians over them",
        "",
        f"**Saturation (closed loop, {args.workers} concurrent callers, "
        f"{args.saturation_seconds:g} s each)**, menu-step requests/s:",
        "",
        "| target | median req/s | runs | CPU use (median run) "
        "| target CPU µs per request | CPU-bound ceiling req/s |",
        "|---|---:|---|---|---:|---:|",
    ]
    for name in names:
        runs = results.saturation[name]
        middle = sorted(runs, key=lambda s: s.rps)[len(runs) // 2]
        each = ", ".join(f"{s.rps:,.0f}" for s in runs)
        cost = statistics.median(s.usage.target / s.rps for s in runs if s.rps > 0)
        lines.append(
            f"| {name} | {results.median_rps(name):,.0f} | {each} | {middle.usage.render()} "
            f"| {cost * 1e6:,.0f} | {1 / cost:,.0f} |"
        )
    bound = [
        name
        for name in names
        if statistics.median(s.usage.generator for s in results.saturation[name]) >= 0.9
    ]
    if bound:
        lines += [
            "",
            f"**Generator-bound** (load generator at >= 90% of its core): {', '.join(bound)}; "
            "those req/s are lower bounds of what the target can do.",
        ]
    lines += [
        "",
        f"server / baseline = **{ratio:.2f}**. The CPU-bound ceiling is 1 / (target CPU "
        "seconds per request): the rate one fully available core would reach if CPU were "
        "the only limit; it is less sensitive to other load on the machine than req/s.",
        "",
        f"**Latency (open loop, {args.rate:g} requests/s offered for {args.latency_seconds:g} s, "
        f"{args.think * 1000:g} ms between a call's steps)**, from the scheduled send time:",
        "",
        "| target | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | p99 of each run "
        "| generator lag p99 ms | CPU use (median run) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for name in names:
        lat_runs = results.latency[name]
        lat_middle = sorted(lat_runs, key=lambda r: r.p99_ms)[len(lat_runs) // 2]
        each = ", ".join(f"{r.p99_ms:.2f}" for r in lat_runs)
        lines.append(
            f"| {name} | {results.median_latency(name, 'achieved_rps'):,.0f} "
            f"| {results.median_latency(name, 'p50_ms'):.2f} "
            f"| {results.median_latency(name, 'p99_ms'):.2f} "
            f"| {results.median_latency(name, 'p999_ms'):.2f} "
            f"| {results.median_latency(name, 'max_ms'):.2f} | {each} "
            f"| {results.median_latency(name, 'lag_p99_ms'):.2f} | {lat_middle.usage.render()} |"
        )
    met_rps = rps >= GOAL_RPS and ratio >= GOAL_RATIO
    lines += [
        "",
        "**Goals** (one server process):",
        "",
        f"- >= {GOAL_RPS:,.0f} menu-step requests/s and >= {GOAL_RATIO} of the baseline: "
        f"{rps:,.0f} req/s, {ratio:.2f} of the baseline: **{'met' if met_rps else 'NOT met'}**",
        f"- p99 <= {GOAL_P99_MS:g} ms at {args.rate:g} requests/s: {p99:.2f} ms: "
        f"**{'met' if p99 <= GOAL_P99_MS else 'NOT met'}**",
    ]
    if results.failures:
        lines += [
            "",
            f"**THIS RUN HAD BAD ANSWERS ({len(results.failures)} measurement(s)); "
            "its figures do not count:**",
            "",
            *(f"    {line}" for failure in results.failures for line in failure.splitlines()),
        ]
    return lines


def write_doc(
    path: Path,
    command: str,
    lines: list[str],
    *,
    begin: str = RESULTS_BEGIN,
    end: str = RESULTS_END,
) -> None:
    """Replace the results section (between `begin` and `end`) of the doc, or add it."""
    section = "\n".join([begin, "", "```sh", command, "```", "", *lines, "", end])
    if path.exists():
        text = path.read_text()
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            tail = rest.split(end, 1)[1]
            path.write_text(head + section + tail)
            return
        path.write_text(text.rstrip() + "\n\n" + section + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Webhook benchmarks\n\n" + section + "\n")


async def clean_redis(redis: aioredis.Redis, prefix: str) -> int:
    deleted = 0
    batch: list[str] = []
    async for key in redis.scan_iter(match=Keys(prefix).pattern(), count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += await redis.delete(*batch)
            batch = []
    if batch:
        deleted += await redis.delete(*batch)
    return deleted


async def measure(
    args: argparse.Namespace, targets: list[Target], redis: aioredis.Redis
) -> tuple[Results, list[str]]:
    results = Results()
    loads = [load_average()]
    connector = aiohttp.TCPConnector(limit=args.connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        carrier = Carrier(session)
        for target in targets:
            await wait_healthy(target, session)
            pin(target.process.pid, args.target_cpus)  # threads started during start-up
            tally = Tally()
            for _ in range(args.warmup_calls):
                await carrier.call(target, tally, None)
            check(tally, target, "warm-up")
            results.saturation[target.name] = []
            results.latency[target.name] = []
        for repetition in range(1, args.repeat + 1):
            for target in targets:
                meter = UsageMeter(target, redis)
                sat = await saturate(
                    carrier, target, meter, args.workers, args.saturation_seconds, results.failures
                )
                results.saturation[target.name].append(sat)
                print(
                    f"[{repetition}/{args.repeat}] {target.name:8} saturation "
                    f"{sat.rps:8,.0f} req/s, {sat.errors} errors ({sat.usage.render()})",
                    flush=True,
                )
            for target in targets:
                meter = UsageMeter(target, redis)
                lat = await open_loop(
                    carrier,
                    target,
                    meter,
                    args.rate,
                    args.latency_seconds,
                    args.think,
                    results.failures,
                )
                results.latency[target.name].append(lat)
                print(
                    f"[{repetition}/{args.repeat}] {target.name:8} @{lat.offered_rps:g}/s "
                    f"p50 {lat.p50_ms:.2f} p99 {lat.p99_ms:.2f} p99.9 {lat.p999_ms:.2f} "
                    f"max {lat.max_ms:.2f} ms, lag p99 {lat.lag_p99_ms:.2f} ms, "
                    f"{lat.errors} errors "
                    f"({lat.usage.render()})",
                    flush=True,
                )
            loads.append(load_average())
    return results, loads


async def run(args: argparse.Namespace) -> int:
    if args.generator_cpus:
        os.sched_setaffinity(0, args.generator_cpus)
    prefix = "bench-" + secrets.token_hex(4)
    redis = aioredis.Redis.from_url(args.redis_url, decode_responses=True)
    try:
        redis_version = str((await redis.info("server"))["redis_version"])
        with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
            workdir = Path(tmp)
            server_port, baseline_port = free_port(), free_port()
            env = {
                **os.environ,
                "HOTLINE_HOST": "127.0.0.1",
                "HOTLINE_PORT": str(server_port),
                "HOTLINE_PUBLIC_URL": f"http://127.0.0.1:{server_port}",
                "REDIS_URL": args.redis_url,
                "HOTLINE_REDIS_PREFIX": prefix,
                "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
                "HOTLINE_DATA_DIR": str(workdir),
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "HOTLINE_CARRIER": "local",
                "HOTLINE_LOG_LEVEL": "WARNING",
                # Router events are written to SQL by a sink process in production; this
                # measures the webhook process alone (see docs/benchmarks.md).
                "HOTLINE_EVENT_SINK": "0",
                "HOTLINE_DEMO_USERS": "0",
            }
            env.pop("TWILIO_ACCOUNT_SID", None)
            env.pop("HOTLINE_CONFIG", None)
            server_cmd = [sys.executable, "-m", "hotline", "serve"]
            baseline_cmd = [sys.executable, str(BASELINE_SCRIPT), "--port", str(baseline_port)]
            if server_loop() == "uvloop":
                baseline_cmd.append("--uvloop")
            with (
                launched(
                    "server", server_cmd, env, server_port, "Enqueue", workdir, args.target_cpus
                ) as server,
                launched(
                    "baseline",
                    baseline_cmd,
                    dict(os.environ),
                    baseline_port,
                    "Gather",
                    workdir,
                    args.target_cpus,
                ) as baseline,
            ):
                results, loads = await measure(args, [server, baseline], redis)
        machine = Machine.read(redis_version, server_loop())
    finally:
        deleted = await clean_redis(redis, prefix)
        await redis.aclose()
        print(f"redis: deleted {deleted} key(s) under {prefix!r}", flush=True)
    lines = report(results, args, machine, loads)
    print("\n" + "\n".join(lines))
    if args.doc:
        command = ".venv/bin/python bench/webhook_load.py " + " ".join(sys.argv[1:])
        write_doc(Path(args.doc), command.strip(), lines)
        print(f"\nwrote {args.doc}")
    if results.failures:
        print("\nBENCHMARK FAILED: bad answers:\n" + "\n".join(results.failures), file=sys.stderr)
        return 1
    return 0


def cpu_set(raw: str) -> set[int] | None:
    return {int(cpu) for cpu in raw.split(",")} if raw else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cores = os.cpu_count() or 1
    pinning = cores >= 2
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (median quoted)")
    parser.add_argument("--workers", type=int, default=32, help="closed-loop callers")
    parser.add_argument("--saturation-seconds", type=float, default=8.0)
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop requests/s")
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument(
        "--think", type=float, default=0.2, help="seconds between a call's steps (open loop)"
    )
    parser.add_argument("--connections", type=int, default=256, help="client pool size")
    parser.add_argument("--warmup-calls", type=int, default=200)
    parser.add_argument(
        "--generator-cpus",
        type=cpu_set,
        default=cpu_set("0") if pinning else None,
        help="CPUs for this process, e.g. 0 ('' = no pinning)",
    )
    parser.add_argument(
        "--target-cpus",
        type=cpu_set,
        default=cpu_set(str(cores - 1)) if pinning else None,
        help="CPUs for server and baseline, e.g. 1 ('' = no pinning)",
    )
    parser.add_argument(
        "--doc", default=str(DEFAULT_DOC), help="Markdown file to update ('' = none)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    bounds = [
        (1 <= args.repeat <= 9, "--repeat: 1-9"),
        (1 <= args.workers <= 1024, "--workers: 1-1024"),
        (0 < args.saturation_seconds <= 120, "--saturation-seconds: up to 120"),
        (0 < args.rate <= 20_000, "--rate: up to 20000"),
        (0 < args.latency_seconds <= 300, "--latency-seconds: up to 300"),
        (0 <= args.think <= 5, "--think: 0-5 s"),
        (args.redis_url.startswith("redis://127.0.0.1"), "--redis-url: 127.0.0.1 only"),
    ]
    for ok, message in bounds:
        if not ok:
            print(f"bad argument: {message}", file=sys.stderr)
            return 2
    try:
        return asyncio.run(run(args))
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

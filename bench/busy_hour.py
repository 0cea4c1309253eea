"""A national centre's busy hour, scaled to this machine: whole calls, start to end.

Callers arrive as a Poisson process at `--rate` calls per second (the national 95598 peak is
about 110/s; one 2-core machine carries a stated fraction of it, and CPU per call tells
how many cores the whole peak needs). Each dials 95598, hears the demo's menu and presses
its way to a queue (or to a self-service leaf) by a fixed mix, holds with the queue's real
hold loop (its waitUrl segments, its announcements), and talks to a simulated agent for a
lognormal time; the router's own wrap-up follows. Two `hotline serve` processes run behind
a real nginx (the production site, docs/deploy/nginx-hotline.conf) on one Redis and one
PostgreSQL database of the run's own; this process is the carrier and every agent's phone.

The agents are staffed by Erlang C for 80% answered within 20 s, all of them eligible at
once in every queue (each holds, in each queue, a grade its tier plan's first step
admits), so the floor is one pooled M/M/c system whose service level Erlang C predicts.
The run warms up first (the agents' busy count needs about three handle times to settle),
then measures `--minutes` at steady state, then lets every call end and checks that none
was lost: every call ended once, every answered call has one work order and one call
record, no agent or waiting call is left behind.

    .venv/bin/python bench/busy_hour.py                      # 12 calls/s, 6 + 10 minutes
    .venv/bin/python bench/busy_hour.py --rate 5 --warmup-minutes 1 --minutes 1 --no-doc
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import redis.asyncio as aioredis
from aiohttp.test_utils import unused_port
from twilio.request_validator import RequestValidator

from bench.webhook_load import Machine, clean_redis, cpu_seconds, load_average, write_doc
from hotline.settings import DEMO_CONFIG
from ivr.menus.loading import config_to_yaml, load_config_file
from ivr.menus.schema import Config
from local_carrier import Answer, CallHandle, LocalCarrier, ScriptedAgent
from local_carrier.webhook_poster import WebhookPoster, WebhookResponse
from queues.db import create_engine, create_sessionmaker
from queues.staffing import agents_needed, average_speed_of_answer, service_level
from routing.keys import Keys
from routing.router import Router
from tests.app_fixtures import ACCOUNT_SID, AUTH_TOKEN
from tests.e2e.nginx_balancer import NginxBalancer, nginx_binary
from tests.e2e.server_processes import (
    Deployment,
    ServerProcess,
    carrier_rest,
    start_server,
)
from tests.faults.invariants import Rules, check_nothing_lost
from tests.local_carrier.scripted_caller import Press, ScriptedCaller

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- busy-hour:begin (written by bench/busy_hour.py) -->"
END = "<!-- busy-hour:end -->"
NATIONAL_PEAK_CPS = 110.0
SERVERS = 2
THRESHOLD_S = 20.0  # the service level's "answered within"
TARGET_SL = 0.8
#: Each agent's grade in each queue: one the queue's first tier-plan step admits, so every
#: agent is eligible for every call at once (the demo's plans are left as they are).
GRADES = {"vip": 4, "complaint": 4, "fault": 3, "billing": 2, "business": 2, "general": 1}
RING_S = (2.0, 5.0)  # an agent picks up after this long (uniform)
LONGEST_TALK_S = 600.0  # a 95598 call seldom runs past ten minutes


@dataclass(frozen=True)
class Route:
    """A way through the 95598 menu: the keys pressed, the queue it ends in (None: a
    self-service leaf that ends the call) and its share of the callers."""

    keys: tuple[str, ...]
    queue: str | None
    share: float


#: The mix of a power-supply busy hour: faults first, then bills, business and complaints.
MIX = (
    Route(("1", "1"), "fault", 0.30),  # 故障报修 > 停电
    Route(("1", "2"), "fault", 0.10),  # 电压异常
    Route(("1", "3"), "fault", 0.05),  # 安全隐患
    Route(("2", "1"), "billing", 0.12),  # 电费查询
    Route(("2", "3"), "billing", 0.05),  # 电费争议
    Route(("2", "2"), None, 0.04),  # 缴费方式: told, then goodbye
    Route(("3", "1"), "business", 0.06),  # 新装增容
    Route(("3", "2"), "business", 0.04),  # 过户更名
    Route(("3", "3"), "business", 0.03),  # 峰谷电价及其他
    Route(("4", "1"), "complaint", 0.04),  # 投诉
    Route(("4", "2"), "complaint", 0.01),  # 举报
    Route(("0",), "general", 0.10),  # 人工服务
    Route(("9",), None, 0.06),  # 停电信息查询: told, then goodbye
)


@dataclass(frozen=True)
class Plan:
    rate: float
    warmup_s: float
    measure_s: float
    talk_mean_s: float
    talk_sd_s: float
    agents: int
    handle_s: float  # planned: ring + talk + the queues' wrap-ups, weighted by the mix
    traffic: float  # erlangs offered to the agents

    @property
    def agent_share(self) -> float:
        return sum(route.share for route in MIX if route.queue)


def wrap_ups(config: Config) -> dict[str, float]:
    return {name: float(spec.routing.wrap_up_s) for name, spec in config.queues.items()}


def planned(args: argparse.Namespace) -> Plan:
    demo = load_config_file(DEMO_CONFIG)
    wraps = wrap_ups(demo)
    routed = [route for route in MIX if route.queue]
    share = sum(route.share for route in routed)
    wrap = sum(route.share * wraps[route.queue or ""] for route in routed) / share
    handle = statistics.fmean(RING_S) + args.talk_mean + wrap
    traffic = args.rate * share * handle
    agents = args.agents or agents_needed(traffic, handle, THRESHOLD_S, TARGET_SL)
    return Plan(
        rate=args.rate,
        warmup_s=args.warmup_minutes * 60,
        measure_s=args.minutes * 60,
        talk_mean_s=args.talk_mean,
        talk_sd_s=args.talk_sd,
        agents=agents,
        handle_s=handle,
        traffic=traffic,
    )


def bench_config(agents: int) -> Config:
    """The demo config as shipped, with `agents` agents instead of its eight."""
    document: dict[str, Any] = load_config_file(DEMO_CONFIG).model_dump(mode="json")
    document["agents"] = [
        {"id": agent_id(n), "name": f"坐席{n:05d}", "skills": GRADES} for n in range(agents)
    ]
    return Config.model_validate(document)


def agent_id(n: int) -> str:
    return f"b{n:05d}"


def lognormal(rng: random.Random, mean: float, sd: float) -> float:
    sigma = math.sqrt(math.log(1 + (sd / mean) ** 2))
    return rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)


def agent_phone(rng: random.Random, identity: str, plan: Plan) -> ScriptedAgent:
    """Answers every ring after a few seconds and talks a lognormal time; enough calls for
    the whole run (the last behaviour repeats, should a busy agent run out)."""
    calls = math.ceil((plan.warmup_s + plan.measure_s) / plan.handle_s * 3) + 10
    script = [
        Answer(
            after=rng.uniform(*RING_S),
            talk=min(LONGEST_TALK_S, lognormal(rng, plan.talk_mean_s, plan.talk_sd_s)),
        )
        for _ in range(calls)
    ]
    return ScriptedAgent(identity, script)


@dataclass
class Webhook:
    sent_at: float  # the event loop's clock
    latency_s: float
    status: int
    route: str  # the path: /twilio/voice, /twilio/menu, ...


class TimedPoster(WebhookPoster):
    """The carrier's webhooks, each timed from send to the whole answer read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timings: list[Webhook] = []
        self.failures = 0

    async def request(self, url: str, params: Any, method: str = "POST") -> WebhookResponse:
        sent_at = asyncio.get_running_loop().time()
        started = time.perf_counter()  # the loop's clock counts whole milliseconds on uvloop
        try:
            response = await super().request(url, params, method)
        except Exception:
            self.failures += 1
            raise
        latency = time.perf_counter() - started
        route = urlsplit(url).path
        self.timings.append(Webhook(sent_at, latency, response.status, route))
        return response


@dataclass
class Placed:
    handle: CallHandle
    route: Route
    at: float  # the event loop's clock when it was dialled


@dataclass
class CallFigures:
    """One agent-routed call, from the carrier's events (simulated seconds = real here)."""

    queue: str
    offered_after_s: float | None  # joined the queue → the agent's phone rang
    answered_after_s: float | None  # joined the queue → talking
    ring_s: float | None
    talk_s: float | None


def figures(placed: Placed) -> CallFigures | None:
    """The call's waits and times; None for a call that never reached a queue. A caller
    the menu sends to a queue with an agent free is rung at once (no <Enqueue>): their
    wait starts and ends at that first ring."""
    events = placed.handle.events
    dials = [e.at for e in events if e.kind == "dial"]
    queued = next((e.at for e in events if e.kind == "enqueued"), dials[0] if dials else None)
    if placed.route.queue is None or queued is None:
        return None
    bridged = next((e.at for e in events if e.kind == "bridged"), None)
    # Talk ends with the agent's leg (the caller then hears the goodbye and hangs up).
    ended = next(
        (e.at for e in events if e.kind == "dial-leg" and bridged is not None and e.at >= bridged),
        None,
    )
    rung = next((at for at in dials if at >= queued), None)
    answering = [at for at in dials if bridged is not None and at <= bridged]
    return CallFigures(
        queue=placed.route.queue,
        offered_after_s=None if rung is None else rung - queued,
        answered_after_s=None if bridged is None else bridged - queued,
        ring_s=None if bridged is None or not answering else bridged - answering[-1],
        talk_s=None if bridged is None or ended is None else ended - bridged,
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class CpuMeter:
    """CPU seconds used so far by each part of the deployment (from /proc and Redis)."""

    def __init__(self, servers: list[ServerProcess], nginx_pid: int, redis: aioredis.Redis) -> None:
        self.servers = servers
        self.nginx_pid = nginx_pid
        self.redis = redis

    def _children(self, parent: int) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
        return found

    def _postgres(self) -> float:
        total = 0.0
        for comm in Path("/proc").glob("[0-9]*/comm"):
            try:
                if comm.read_text().strip() == "postgres":
                    total += cpu_seconds(int(comm.parent.name))
            except (OSError, ValueError):
                continue
        return total

    async def read(self) -> dict[str, float]:
        info = await self.redis.info("cpu")
        nginx = [self.nginx_pid, *self._children(self.nginx_pid)]
        return {
            "hotline serve (2)": sum(cpu_seconds(s.process.pid) for s in self.servers),
            "carrier and agents (this process)": time.process_time(),
            "redis": float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
            "postgresql": self._postgres(),
            "nginx": sum(cpu_seconds(pid) for pid in nginx),
        }


def calibration_ms(rounds: int = 5000, repeats: int = 5) -> float:
    """CPU ms for a fixed piece of Python work (signing Twilio webhooks), measured in the
    same run: the unit CPU per call is also quoted in, so runs on machines of different
    speed can be compared."""
    validator = RequestValidator(AUTH_TOKEN)
    params = {f"Param{n}": f"value-{n}" for n in range(20)}
    times = []
    for _ in range(repeats):
        started = time.process_time()
        for n in range(rounds):
            validator.compute_signature(f"https://hotline.example/ivr/{n}", params)
        times.append((time.process_time() - started) * 1000 / rounds)
    return statistics.median(times)


async def profile(pid: int, seconds: float, out: Path) -> list[str]:
    """Sample one server with py-spy; the functions where it spends its time, by self
    samples (empty when py-spy is not installed)."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.access(binary, os.X_OK):
        return []
    process = await asyncio.create_subprocess_exec(
        binary, "record", "--pid", str(pid), "--duration", str(int(seconds)),
        "--format", "raw", "--output", str(out), "--nonblocking", "--rate", "50",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await process.wait()
    return summarize_profile(out) if process.returncode == 0 else []


def summarize_profile(out: Path) -> list[str]:
    """py-spy's raw (collapsed) stacks as two tables: by package, by function."""
    if not out.exists():
        return []
    own: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaf = frames[-1]
        own[leaf] += count
        by_package[package_of(leaf)] += count
    if not total:
        return []
    lines = ["| where (own samples) | share |", "|---|---:|"]
    lines += [f"| {name} | {n / total:.1%} |" for name, n in by_package.most_common(8)]
    lines += ["", "| function (own samples) | share |", "|---|---:|"]
    lines += [f"| `{name[:90]}` | {n / total:.1%} |" for name, n in own.most_common(12)]
    return lines


def package_of(frame: str) -> str:
    """py-spy's `function (package/module.py:line)` frame, named by its top package."""
    _, _, where = frame.partition("(")
    path = where.rsplit(":", 1)[0]
    top = path.split("/", 1)[0] if "/" in path else path.removesuffix(".py")
    return top or "(native)"


@dataclass
class Run:
    plan: Plan
    placed: list[Placed] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds within the window
    idle: dict[str, float] = field(default_factory=dict)  # cores used before any call
    webhooks: list[Webhook] = field(default_factory=list)
    webhook_failures: int = 0
    lost: str = ""  # what the end-of-run checks found; empty: nothing lost
    answered: int = 0
    orders: int = 0
    profile: list[str] = field(default_factory=list)
    idle_profile: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)  # the events of calls left on the line
    calibration_ms: float = 0.0
    loads: list[str] = field(default_factory=list)

    def in_window(self) -> list[Placed]:
        start, end = self.window
        return [p for p in self.placed if start <= p.at < end]


async def written(base: str, timeout_s: float = 300.0) -> None:
    """Wait until `/healthz` says no router event waits to be written to SQL."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            async with http.get(base + "/healthz") as response:
                if (await response.json()).get("unwritten") == 0:
                    return
            await asyncio.sleep(1.0)
    raise RuntimeError(f"the sign-ins' events were not written within {timeout_s:.0f} s")


async def arrive(
    carrier: LocalCarrier, run: Run, rng: random.Random, until: float, stop: asyncio.Event
) -> None:
    """Callers on a Poisson schedule until `until` (the loop's clock): each arrival is
    placed at its scheduled instant, however long the previous one took."""
    loop = asyncio.get_running_loop()
    at = loop.time()
    routes, shares = list(MIX), [route.share for route in MIX]
    while not stop.is_set():
        at += rng.expovariate(run.plan.rate)
        if at >= until:
            return
        await asyncio.sleep(max(0.0, at - loop.time()))
        route = rng.choices(routes, shares)[0]
        steps: list[Any] = [Press(key, barge_in=rng.random() < 0.5) for key in route.keys]
        number = f"+86135{len(run.placed):08d}"
        handle = await carrier.place_call(number, "95598", ScriptedCaller(steps))
        run.placed.append(Placed(handle, route, at))


async def execute(args: argparse.Namespace, plan: Plan, folder: Path) -> Run:
    run = Run(plan, calibration_ms=calibration_ms())
    rng = random.Random(args.seed)
    prefix = f"busy-{uuid.uuid4().hex[:10]}"
    database = f"hotline_busy_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(args.postgres_admin)
    await admin.execute(f'CREATE DATABASE "{database}"')
    base = args.postgres_admin.rsplit("/", 1)[0]
    database_url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{database}"
    redis = aioredis.Redis.from_url(args.redis_url, decode_responses=True)
    config = bench_config(plan.agents)
    config_path = folder / "busy-hour.yaml"
    config_path.write_text(config_to_yaml(config), encoding="utf-8")
    servers: list[ServerProcess] = []
    binary = nginx_binary()
    if binary is None:
        raise SystemExit("nginx is not installed (apt-get install nginx)")
    balancer = NginxBalancer(binary, folder / "nginx")
    http = aiohttp.ClientSession()
    engine = create_engine(database_url)
    try:
        deployment = Deployment(
            redis_url=args.redis_url,
            redis_prefix=prefix,
            database_url=database_url,
            config=config_path,
            carrier_port=unused_port(),
            public_url=balancer.url,
            settings={"HOTLINE_AGENT_ABSENT_S": "0"},  # the agents' phones are simulated
        )
        for index in range(SERVERS):
            servers.append(await start_server(deployment, unused_port(), folder / f"s{index}.log"))
        await balancer.start([server.base for server in servers])
        poster = TimedPoster([balancer.url], AUTH_TOKEN, http, public_url=balancer.url)
        carrier = LocalCarrier(
            [balancer.url], AUTH_TOKEN, ACCOUNT_SID, speed=1.0,
            public_url=balancer.url, poster=poster,
        )  # fmt: skip
        async with carrier_rest(carrier, deployment.carrier_port):
            router = Router(redis, Keys(prefix))
            for agent in config.agents:
                carrier.register_agent(agent.id, agent_phone(rng, agent.id, plan))
                await router.login(agent.id, agent.skills, order=agent.order)
            print(f"{plan.agents} agents signed in; arrivals for "
                  f"{(plan.warmup_s + plan.measure_s) / 60:.0f} min", flush=True)  # fmt: skip
            await _run_calls(args, run, carrier, rng, servers, balancer, redis, folder)
            run.webhooks = poster.timings
            run.webhook_failures = poster.failures
            await _check(run, redis, Keys(prefix), engine, config)
            await carrier.aclose()
    finally:
        await balancer.stop()
        for server in servers:
            await server.stop()
        await http.close()
        await engine.dispose()
        await clean_redis(redis, prefix)
        await redis.aclose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    return run


async def _run_calls(
    args: argparse.Namespace,
    run: Run,
    carrier: LocalCarrier,
    rng: random.Random,
    servers: list[ServerProcess],
    balancer: NginxBalancer,
    redis: aioredis.Redis,
    folder: Path,
) -> None:
    loop = asyncio.get_running_loop()
    plan = run.plan
    assert balancer.pid is not None
    meter = CpuMeter(servers, balancer.pid, redis)
    # The baseline, same run: what the deployment burns with every agent signed in and no
    # call (its timers, polls and stream reads), to tell the per-call CPU from the floor;
    # taken once the sign-ins' events are in SQL.
    await written(balancer.url)
    started_idle = loop.time()
    before = await meter.read()
    if args.profile_s:
        seconds = min(args.idle_s, args.profile_s)
        run.idle_profile = await profile(servers[0].process.pid, seconds, folder / "idle.txt")
    await asyncio.sleep(max(0.0, args.idle_s - (loop.time() - started_idle)))
    after = await meter.read()
    run.idle = {part: (after[part] - before[part]) / args.idle_s for part in before}
    started = loop.time()
    window = (started + plan.warmup_s, started + plan.warmup_s + plan.measure_s)
    run.window = window
    stop = asyncio.Event()
    arrivals = asyncio.create_task(arrive(carrier, run, rng, window[1], stop))
    await asyncio.sleep(max(0.0, window[0] - loop.time()))
    before = await meter.read()
    run.loads.append(load_average())
    sampled = None
    if args.profile_s:
        middle = plan.measure_s / 2 - args.profile_s / 2
        await asyncio.sleep(max(0.0, middle))
        sampled = asyncio.create_task(
            profile(servers[0].process.pid, args.profile_s, folder / "profile.txt")
        )
    await arrivals
    after = await meter.read()
    run.loads.append(load_average())
    run.cpu = {part: after[part] - before[part] for part in before}
    if sampled is not None:
        run.profile = await sampled
    print(f"{len(run.placed)} calls placed; letting them end", flush=True)
    pending = [p.handle.task for p in run.placed if not p.handle.done]
    if pending:
        await asyncio.wait(pending, timeout=args.drain_s)


async def _check(run: Run, redis: aioredis.Redis, keys: Keys, engine: Any, config: Config) -> None:
    rules = Rules(
        agents=[agent.id for agent in config.agents],
        queues=sorted(config.queues),
        max_wait_s=max(spec.routing.max_wait_s for spec in config.queues.values()),
        speed=1.0,
    )
    try:
        tally = await check_nothing_lost(
            [p.handle for p in run.placed], redis, keys, create_sessionmaker(engine), rules,
            settle_s=120,
        )  # fmt: skip
    except AssertionError as error:
        run.lost = str(error)[:2000]
        for placed in run.placed:
            if not placed.handle.done and len(run.unfinished) < 5:
                events = ", ".join(f"{e.kind}@{e.at:.1f}" for e in placed.handle.events)
                run.unfinished.append(f"{placed.handle.sid} {placed.route.keys}: {events}")
        return
    run.answered, run.orders = tally.answered, tally.orders


def report(run: Run, machine: Machine, command: str) -> list[str]:
    plan = run.plan
    start, end = run.window
    measured_s = end - start
    placed = run.in_window()
    routed = [f for f in (figures(p) for p in placed) if f is not None]
    answered = [f for f in routed if f.answered_after_s is not None]
    offered = [f.offered_after_s for f in routed if f.offered_after_s is not None]
    wraps = wrap_ups(bench_config(1))
    handle = [
        (f.ring_s or 0) + (f.talk_s or 0) + wraps[f.queue] for f in answered if f.talk_s is not None
    ]
    handle_s = statistics.fmean(handle) if handle else plan.handle_s
    routed_rate = len(routed) / measured_s
    traffic = routed_rate * handle_s
    predicted_sl = service_level(plan.agents, traffic, handle_s, THRESHOLD_S)
    planned_sl = service_level(plan.agents, plan.traffic, plan.handle_s, THRESHOLD_S)
    predicted_asa = average_speed_of_answer(plan.agents, traffic, handle_s)
    sl_offered = sum(w <= THRESHOLD_S for w in offered) / max(1, len(routed))
    sl_answered = sum((f.answered_after_s or math.inf) <= THRESHOLD_S for f in routed) / max(
        1, len(routed)
    )
    window_hooks = [w for w in run.webhooks if start <= w.sent_at < end]
    latencies = [w.latency_s * 1000 for w in window_hooks]
    calls = len(placed)
    cpu_total = sum(run.cpu.values())
    servers_part = "hotline serve (2)"
    server_ms = run.cpu[servers_part] * 1000 / max(1, calls)
    whole_ms = cpu_total * 1000 / max(1, calls)
    server_idle_cores = run.idle.get(servers_part, 0.0)
    marginal_ms = (run.cpu[servers_part] - server_idle_cores * measured_s) * 1000 / max(1, calls)
    cores_at_peak = whole_ms / 1000 * NATIONAL_PEAK_CPS
    server_cores_at_peak = server_ms / 1000 * NATIONAL_PEAK_CPS
    verdict = "**zero loss**" if not run.lost else f"**LOST**: {run.lost}"
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {machine.cores} cores "
        f"({machine.cpu}), {machine.memory_gib:.0f} GiB, Python {machine.python}, Redis "
        f"{machine.redis}; load average {run.loads[0]} at the window's start, "
        f"{run.loads[-1]} at its end. Calibration (CPU for signing one Twilio webhook in "
        f"Python, same run): {run.calibration_ms:.3f} ms.",
        "",
        f"Plan: Poisson arrivals at {plan.rate:g} calls/s ({plan.rate / NATIONAL_PEAK_CPS:.0%} "
        f"of the national peak of {NATIONAL_PEAK_CPS:g}/s); {plan.agent_share:.0%} reach an "
        f"agent, the rest end at a self-service leaf; talk lognormal, mean "
        f"{plan.talk_mean_s:g} s, sd {plan.talk_sd_s:g} s; ring {RING_S[0]:g}-{RING_S[1]:g} s; "
        f"the demo's wrap-ups (15-60 s by queue); planned handle time {plan.handle_s:.0f} s, "
        f"{plan.traffic:.0f} erlangs, **{plan.agents} agents** (Erlang C for "
        f"{TARGET_SL:.0%}/{THRESHOLD_S:g} s). Warm-up {plan.warmup_s / 60:g} min, measured "
        f"{plan.measure_s / 60:g} min, then every call left to end.",
        "",
        "| measured over the window | figure |",
        "|---|---:|",
        f"| calls arrived | {calls} ({calls / measured_s:.1f}/s sustained) |",
        f"| whole run: calls, answered, work orders | {len(run.placed)}, {run.answered}, "
        f"{run.orders} — {verdict} |",
        f"| webhooks (through nginx), p50 / p99 / max | {len(latencies)}: "
        f"{percentile(latencies, 0.5):.1f} / {percentile(latencies, 0.99):.1f} / "
        f"{max(latencies):.0f} ms |",
        f"| webhooks that failed or answered ≥ 400 | {run.webhook_failures} failed, "
        f"{sum(w.status >= 400 for w in run.webhooks)} ≥ 400 |",
        f"| CPU per whole call: the two servers | **{server_ms:.1f} ms** "
        f"({server_ms / run.calibration_ms:.0f} calibration units) |",
        f"| of which above the servers' idle floor (baseline, same run: "
        f"{server_idle_cores:.3f} cores with no call) | {marginal_ms:.1f} ms |",
        f"| CPU per whole call: everything on the machine | {whole_ms:.1f} ms |",
        f"| cores the national peak would need (servers / everything) | "
        f"{server_cores_at_peak:.1f} / {cores_at_peak:.1f} |",
        f"| service level, rung within {THRESHOLD_S:g} s | **{sl_offered:.1%}** (Erlang C: "
        f"**{predicted_sl:.1%}** for the traffic measured, {planned_sl:.1%} as planned) |",
        f"| service level, talking within {THRESHOLD_S:g} s (ring included) | {sl_answered:.1%} |",
        f"| speed of answer, mean wait to ring | "
        f"{statistics.fmean(offered) if offered else 0:.1f} s (Erlang C: {predicted_asa:.1f} s) |",
        f"| handle time measured (ring + talk + wrap-up) | {handle_s:.0f} s; traffic "
        f"{traffic:.0f} erlangs on {plan.agents} agents |",
    ]
    by_route: dict[str, list[float]] = {}
    for hook in window_hooks:
        by_route.setdefault(hook.route, []).append(hook.latency_s * 1000)
    lines += ["", "Webhooks by route over the window (through nginx):", ""]
    lines += ["| route | requests | p50 | p99 | max |", "|---|---:|---:|---:|---:|"]
    lines += [
        f"| `{route}` | {len(values)} | {percentile(values, 0.5):.1f} ms | "
        f"{percentile(values, 0.99):.1f} ms | {max(values):.0f} ms |"
        for route, values in sorted(by_route.items(), key=lambda item: -len(item[1]))
    ]
    lines += ["", "CPU within the window, by process (cores: CPU seconds per second):", ""]
    lines += ["| process | CPU s | cores | cores before any call |", "|---|---:|---:|---:|"]
    lines += [
        f"| {part} | {seconds:.1f} | {seconds / measured_s:.2f} | {run.idle.get(part, 0):.3f} |"
        for part, seconds in run.cpu.items()
    ]
    if run.profile:
        lines += ["", "Where one server's time goes (py-spy, sampled mid-window):", ""]
        lines += run.profile
    if run.idle_profile:
        lines += ["", "And before any call, with every agent signed in (the idle floor):", ""]
        lines += run.idle_profile
    if run.unfinished:
        lines += ["", "Calls still on the line at the end, with the carrier's events:", ""]
        lines += [f"- {line}" for line in run.unfinished]
    lines += ["", f"Command: `{command}`"]
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=12.0, help="calls per second")
    parser.add_argument("--minutes", type=float, default=10.0, help="measured minutes")
    parser.add_argument("--warmup-minutes", type=float, default=6.0)
    parser.add_argument("--talk-mean", type=float, default=100.0, help="seconds")
    parser.add_argument("--talk-sd", type=float, default=70.0, help="seconds")
    parser.add_argument("--agents", type=int, default=0, help="default: Erlang C for 80/20")
    parser.add_argument("--drain-s", type=float, default=900.0)
    parser.add_argument("--idle-s", type=float, default=30.0, help="baseline: no calls")
    parser.add_argument("--profile-s", type=float, default=60.0, help="0: no py-spy sample")
    parser.add_argument("--seed", type=int, default=95598)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres-admin", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument("--keep", action="store_true", help="keep the servers' and nginx's logs")
    return parser


async def main_async(args: argparse.Namespace) -> int:
    plan = planned(args)
    redis = aioredis.Redis.from_url(args.redis_url, decode_responses=True)
    try:
        version = str((await redis.info("server"))["redis_version"])
    finally:
        await redis.aclose()
    machine = Machine.read(version, "uvloop")
    folder = Path(tempfile.mkdtemp(prefix="busy-hour-"))
    try:
        run = await execute(args, plan, folder)
    finally:
        if args.keep:
            print(f"logs kept in {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    command = " ".join(["bench/busy_hour.py", *sys.argv[1:]])
    lines = report(run, machine, command)
    print("\n".join(lines))
    if not args.no_doc:
        write_doc(args.doc, command, lines, begin=BEGIN, end=END)
    return 1 if run.lost else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())

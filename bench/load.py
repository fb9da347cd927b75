"""Load test: many simulated users against ``guanxi serve --workers <cores>`` on the 1M data set.

    python -m bench.load [--users 200] [--duration 300] [--accounts 1000000] [--dbs postgresql]

Each simulated user signs in with its own API token as one of the data set's people
(:class:`bench.generate.People`) — reps (own records), team leads and the sales director
(their teams, the whole sales department) and administrators — and, after a think time
(a person reading the screen: 5–15 s by default, ``--think 0.5,2.5`` for a frantic one),
does one of: list the newest accounts, query
accounts or contacts with a filter, search, open a record, create an account, or open one of
the accounts it created and change it (``If-Match``; only its own, so a ``412`` would be a
lost-update bug, not a race between two simulated people). Every request's latency and
status is kept; any answer but the expected one counts as an error. The figures go to
``bench/load.md`` (``bench.run`` appends that file to docs/benchmarks.md) and stdout.

The clients are asyncio tasks with one keep-alive connection each, in one process sharing the
machine's cores with the server and the database: their CPU is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import orjson

from bench.generate import Spec, Target, ensure_dataset, log_stderr, reset
from bench.report import machine, pg_version
from bench.run import DEFAULT_PG_URL, ROOT
from bench.scenarios import new_accounts
from bench.server import make_token, running_server
from guanxi.modules.customers import fake
from guanxi.modules.customers.roles import GRANTS

OUTPUT = Path(__file__).with_name("load.md")
HEADING = "## Load test\n\n"
INDUSTRIES = ("it", "manufacturing", "retail", "finance", "healthcare", "education")
THINK_S = (5.0, 15.0)  # seconds between one user's actions, uniform (--think)
RAMP_S = 10.0  # users start spread over this many seconds; samples count from its end
TARGET_P95_MS = 200.0
# Action → weight (how often a user does it).
MIX = {
    "list": 25,
    "query accounts": 15,
    "query contacts": 10,
    "search": 10,
    "get": 20,
    "create": 10,
    "update": 10,
}


@dataclass
class Persona:
    kind: str  # rep, manager, admin
    user_id: UUID | None  # None: the bench administrator
    role: str | None = None  # the customers module's demo role the user holds

    def unwritable(self) -> set[str]:
        """Account fields the role hides or makes read-only: a real screen leaves them out."""
        rules = GRANTS[self.role].fields if self.role else {}
        return {key.split(".", 1)[1] for key in rules if key.startswith("account.")}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)


def personas(people: Any, users: int) -> list[Persona]:
    """75 % reps, 20 % managers (team leads and the director), 5 % administrators."""
    admins = max(1, users // 20)
    managers = users // 5
    reps = users - admins - managers
    heads = [(lead, "Sales rep") for lead in people.leads] + [(people.director, "Sales director")]
    return (
        [Persona("rep", people.reps[i % len(people.reps)], "Sales rep") for i in range(reps)]
        + [Persona("manager", *heads[i % len(heads)]) for i in range(managers)]
        + [Persona("admin", None) for _ in range(admins)]
    )


class User:
    def __init__(self, n: int, persona: Persona, client: httpx.AsyncClient, tally: Tally) -> None:
        self.n = n
        self.persona = persona
        self.client = client
        self.tally = tally
        self.rng = random.Random(n)
        self.seen: list[str] = []  # account ids from this user's pages
        self.mine: dict[str, int] = {}  # accounts this user created → their version
        self.serial = 10_000_000 + n * 100_000  # account payloads nobody else uses
        self.recording = False

    async def call(
        self, action: str, method: str, url: str, expect: int, body: Any = None, **kw: Any
    ) -> Any:
        content = orjson.dumps(body) if body is not None else None
        headers = {"content-type": "application/json", **kw.pop("headers", {})}
        t0 = time.perf_counter()
        try:
            response = await self.client.request(
                method, url, content=content, headers=headers, **kw
            )
        except httpx.HTTPError as exc:
            if self.recording:
                self.tally.statuses[action][type(exc).__name__] += 1
                self.tally.errors.append(f"{action}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - t0
        if self.recording:
            self.tally.latencies[action].append(elapsed)
            self.tally.statuses[action][str(response.status_code)] += 1
            if response.status_code != expect:
                self.tally.errors.append(
                    f"{action}: {method} {url} → {response.status_code} {response.text[:300]}"
                )
        return response.json() if response.status_code == expect else None

    async def act(self, action: str) -> None:
        rng = self.rng
        if action == "list":
            page = await self.call(
                action, "GET", "/api/v1/records/account?sort=-created_at&limit=50", 200
            )
            if page:
                self.seen = [r["id"] for r in page["records"]] or self.seen
        elif action == "query accounts":
            body = {
                "filter": {"field": "industry", "op": "eq", "value": rng.choice(INDUSTRIES)},
                "sort": [{"field": "created_at", "direction": "desc"}],
                "limit": 50,
            }
            await self.call(action, "POST", "/api/v1/records/account/query", 200, body)
        elif action == "query contacts":
            body = {
                "filter": {
                    "field": "account.industry",
                    "op": "eq",
                    "value": rng.choice(INDUSTRIES),
                },
                "sort": [{"field": "name", "direction": "asc"}],
                "limit": 50,
            }
            await self.call(action, "POST", "/api/v1/records/contact/query", 200, body)
        elif action == "search":
            q = rng.choice(fake.BRANDS)
            await self.call(action, "GET", "/api/v1/search", 200, params={"q": q})
        elif action == "get":
            if not self.seen:
                await self.act("list")
                return
            record_id = rng.choice(self.seen)
            await self.call(action, "GET", f"/api/v1/records/account/{record_id}", 200)
        elif action == "create":
            self.serial += 1
            payload = new_accounts(1, self.serial, self.serial)[0]
            for name in self.persona.unwritable():
                payload.pop(name, None)
            made = await self.call(action, "POST", "/api/v1/records/account", 201, payload)
            if made:
                self.mine[made["id"]] = made["version"]
        elif action == "update":
            if not self.mine:
                await self.act("create")
                return
            record_id = rng.choice(list(self.mine))
            body = {
                "description": f"跟进 {rng.randrange(10**6)}",
                "employees": rng.randrange(10, 5000),
            }
            done = await self.call(
                action,
                "PATCH",
                f"/api/v1/records/account/{record_id}",
                200,
                body,
                headers={"if-match": f'"{self.mine[record_id]}"'},
            )
            if done:
                self.mine[record_id] = done["version"]

    async def run(
        self, start: float, record_from: float, stop: float, think: tuple[float, float]
    ) -> None:
        actions, weights = list(MIX), list(MIX.values())
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        while time.monotonic() < stop:
            self.recording = time.monotonic() >= record_from
            await self.act(self.rng.choices(actions, weights)[0])
            await asyncio.sleep(self.rng.uniform(*think))


async def drive(
    base_url: str,
    tokens: list[tuple[Persona, str]],
    duration: float,
    think: tuple[float, float] = THINK_S,
) -> Tally:
    tally = Tally()
    began = time.monotonic()
    record_from = began + RAMP_S
    stop = record_from + duration
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(
            base_url=base_url,
            headers={"authorization": f"Bearer {token}"},
            timeout=60.0,
            limits=limits,
        )
        for _, token in tokens
    ]
    users = [
        User(n, persona, client, tally)
        for n, ((persona, _), client) in enumerate(zip(tokens, clients, strict=True))
    ]
    try:
        await asyncio.gather(
            *(
                u.run(began + RAMP_S * n / len(users), record_from, stop, think)
                for n, u in enumerate(users)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    return tally


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile in ms."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000


def render(
    tally: Tally,
    *,
    label: str,
    server_version: str,
    users: list[Persona],
    workers: int,
    duration: float,
    accounts: int,
    load: tuple[float, float],
    when: datetime,
    think: tuple[float, float],
) -> str:
    kinds = Counter(p.kind for p in users)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    all_samples = [s for samples in tally.latencies.values() for s in samples]
    errors = sum(
        n
        for action, counts in tally.statuses.items()
        for status, n in counts.items()
        if status not in ("200", "201")
    )
    p95 = percentile(all_samples, 0.95)
    lines = [
        f"### {len(users)} users, {think[0]:g}–{think[1]:g} s between actions",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC at commit {commit} with `python -m bench.load`"
        f" ([`bench/load.py`](../bench/load.py)): {len(users)} simulated users"
        f" ({kinds['rep']} reps, {kinds['manager']} team leads and directors,"
        f" {kinds['admin']} administrators, each with its own API token and data scope) for"
        f" {duration:.0f} s after a {RAMP_S:.0f} s ramp-up, against `guanxi serve --workers"
        f" {workers}` on {label} ({server_version}) with {accounts:,} accounts and"
        f" {2 * accounts:,} contacts; {machine()}. Each user waits"
        f" {think[0]:g}–{think[1]:g} s between actions. Load average (1 min) before → after:"
        f" {load[0]:.1f} → {load[1]:.1f}.",
        "",
        f"**p95 {p95:,.0f} ms {'≤' if p95 <= TARGET_P95_MS else '>'} {TARGET_P95_MS:.0f} ms"
        f" target, {errors} errors** in {len(all_samples):,} requests"
        f" ({len(all_samples) / duration:,.0f} requests/s).",
        "",
        "| action | requests | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for action in [*MIX, "all"]:
        samples = all_samples if action == "all" else tally.latencies.get(action, [])
        counts: Counter[str] = Counter()
        for name, statuses in tally.statuses.items():
            if action in ("all", name):
                counts.update(statuses)
        bad = sum(n for status, n in counts.items() if status not in ("200", "201"))
        lines.append(
            f"| {action} | {len(samples):,} | {percentile(samples, 0.5):,.1f} |"
            f" {percentile(samples, 0.95):,.1f} | {percentile(samples, 0.99):,.1f} |"
            f" {max(samples, default=math.nan) * 1000:,.1f} | {bad} |"
        )
    if tally.errors:
        lines += ["", "First errors:", ""]
        lines += [f"- `{e}`" for e in tally.errors[:10]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds measured")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--pg-url", default=os.environ.get("GUANXI_BENCH_POSTGRES_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--pg-schema", default="bench")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--think", default=",".join(f"{t:g}" for t in THINK_S), help="min,max seconds"
    )
    parser.add_argument("--append", action="store_true", help="add to --output, keep what is there")
    args = parser.parse_args(argv)
    low, high = (float(t) for t in args.think.split(","))
    spec = Spec(args.accounts)
    target = (
        Target.postgresql(args.pg_url, args.pg_schema)
        if args.db == "postgresql"
        else Target.sqlite(args.data_dir, spec)
    )
    dataset = ensure_dataset(target, spec, args.data_dir, log=log_stderr)
    assert dataset.people, "the data set predates its sales organisation: regenerate it"
    users = personas(dataset.people, args.users)
    log_stderr(f"making {len(users)} tokens")
    tokens = [(p, make_token(dataset, p.user_id)) for p in users]
    load_before = os.getloadavg()[0]
    when = datetime.now(UTC)
    try:
        with running_server(dataset, args.data_dir, workers=args.workers) as server:
            log_stderr(f"{len(users)} users for {args.duration:.0f} s against {server.base_url}")
            tally = asyncio.run(drive(server.base_url, tokens, args.duration, (low, high)))
    finally:
        reset(dataset)
    report = render(
        tally,
        label=target.label,
        server_version=pg_version(target) if args.db == "postgresql" else "SQLite",
        users=users,
        workers=args.workers,
        duration=args.duration,
        accounts=args.accounts,
        load=(load_before, os.getloadavg()[0]),
        when=when,
        think=(low, high),
    )
    print(report)
    kept = args.output.read_text(encoding="utf-8") if args.append and args.output.exists() else ""
    args.output.write_text(kept + ("\n" if kept else HEADING) + report, encoding="utf-8")
    log_stderr(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

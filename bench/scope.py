"""Data scope cost: a rep's 50-record list against the same list as an administrator.

The access issue's target: listing 50 accounts as a rep with "own + subordinates" scope on
1M accounts stays within 1.5x of the same list as an admin. This builds its own data set
(an organisation of managers and reps owning the accounts round-robin), serves the real
app on 127.0.0.1 and times ``POST /api/v1/records/account/query`` for each persona.

    .venv/bin/python -m bench.scope --accounts 1000000 --dbs sqlite,postgresql
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import insert, text

from guanxi.bootstrap import migrate
from guanxi.kernel.db import Database
from guanxi.kernel.ids import uuid7
from guanxi.modules.customers import fake
from guanxi.platform.access import org
from guanxi.platform.access.users import create_token, create_user
from guanxi.platform.metadata.registry import Registry

PG_URL = os.environ.get("GUANXI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_scope"
MANAGERS = 10
REPS_PER_MANAGER = 10
BATCH = 20_000
INDUSTRIES = [
    "it",
    "manufacturing",
    "retail",
    "finance",
    "healthcare",
    "education",
    "real_estate",
    "logistics",
    "energy",
    "other",
]
QUERIES: dict[str, dict[str, Any]] = {
    "newest 50": {"sort": [{"field": "created_at", "direction": "desc"}], "limit": 50},
    "industry = it, newest 50": {
        "filter": {"field": "industry", "op": "eq", "value": "it"},
        "sort": [{"field": "created_at", "direction": "desc"}],
        "limit": 50,
    },
}


@dataclass
class People:
    admin: UUID
    director: UUID
    manager: UUID
    rep: UUID
    owners: list[UUID]


def build(db: Database, accounts: int, seed: int = 7) -> People:
    """Schema, an organisation (director → managers → reps) and accounts owned by the reps."""
    migrate(db)
    now = datetime.now(UTC)
    registry = Registry()
    with db.write() as conn:
        snap = registry.snapshot(conn)
        role = org.create_role(
            conn,
            snap,
            name="Sales rep",
            objects={
                "account": {
                    "read": True,
                    "create": True,
                    "update": True,
                    "scope": "own_and_subordinates",
                }
            },
            fields={},
            rights=[],
            require_2fa=False,
            description=None,
            now=now,
        )
        admin = create_user(
            conn,
            email="bench.admin@example.com",
            name="Admin",
            password=None,
            now=now,
            is_admin=True,
        )

        def person(email: str, manager: UUID | None) -> UUID:
            user_id = create_user(
                conn, email=email, name=email.split("@")[0], password=None, now=now
            )
            org.set_placement(conn, user_id, department_id=None, manager_id=manager, now=now)
            org.set_roles(conn, user_id, [role])
            return user_id

        director = person("director@example.com", None)
        managers = [person(f"manager{m}@example.com", director) for m in range(MANAGERS)]
        reps = [
            person(f"rep{m}.{r}@example.com", managers[m])
            for m in range(MANAGERS)
            for r in range(REPS_PER_MANAGER)
        ]
    owners = reps + managers
    rng = random.Random(seed)
    start = now - timedelta(days=730)
    step = timedelta(days=730) / max(accounts, 1)
    with db.engine.connect() as conn:
        table = registry.snapshot(conn).table("account")
    for offset in range(0, accounts, BATCH):
        rows = []
        for i in range(offset, min(offset + BATCH, accounts)):
            at = start + step * i
            rows.append(
                {
                    "id": uuid7(),
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                    "created_by_id": admin,
                    "updated_by_id": admin,
                    "owner_id": owners[i % len(owners)],
                    "deleted_at": None,
                    "name": fake.company(rng, i).name,
                    "industry": INDUSTRIES[i % len(INDUSTRIES)],
                    "level": ("key", "important", "normal")[i % 3],
                }
            )
        with db.write() as conn:
            conn.execute(insert(table), rows)
    with db.write() as conn:
        conn.execute(text("ANALYZE"))
    return People(admin=admin, director=director, manager=managers[0], rep=reps[0], owners=owners)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(url: str, schema: str | None) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, GUANXI_DATABASE_URL=url, GUANXI_LOG_LEVEL="warning")
    if schema:
        env["GUANXI_DATABASE_SCHEMA"] = schema
    command = [
        sys.executable,
        "-m",
        "guanxi.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def medians_ms(
    clients: dict[str, httpx.Client], body: dict[str, Any], n: int
) -> dict[str, tuple[float, int]]:
    """Median latency per persona, their requests interleaved so that whatever else the
    machine does at the time weighs on every persona alike."""
    for client in clients.values():
        for _ in range(20):  # warm-up: caches, compiled statements
            client.post("/api/v1/records/account/query", json=body)
    samples: dict[str, list[float]] = {name: [] for name in clients}
    counts: dict[str, int] = {}
    for _ in range(n):
        for name, client in clients.items():
            t0 = time.perf_counter()
            response = client.post("/api/v1/records/account/query", json=body)
            samples[name].append(time.perf_counter() - t0)
            response.raise_for_status()
            counts[name] = len(response.json()["records"])
    return {name: (statistics.median(samples[name]) * 1000, counts[name]) for name in clients}


def run(kind: str, accounts: int, requests: int) -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="guanxi-scope-"))
    if kind == "sqlite":
        url, schema = f"sqlite:///{workdir / 'scope.db'}", None
    else:
        url, schema = PG_URL, SCHEMA
        with Database(PG_URL).engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    db = Database(url, schema=schema)
    started = time.perf_counter()
    people = build(db, accounts)
    built = time.perf_counter() - started
    with db.write() as conn:
        tokens = {
            name: create_token(conn, user, name="bench", now=datetime.now(UTC))[1]
            for name, user in (
                ("admin", people.admin),
                ("manager (11 owners)", people.manager),
                ("rep (own only)", people.rep),
            )
        }
    db.dispose()
    lines = [
        f"**{kind}**, {accounts:,} accounts over {len(people.owners)} owners (built in {built:.0f} s):",
        "",
    ]
    lines += [
        "| query | admin ms | manager ms | rep ms | rep ÷ admin |",
        "|---|---:|---:|---:|---:|",
    ]
    with serve(url, schema) as base:
        clients = {
            persona: httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
            for persona, token in tokens.items()
        }
        for label, body in QUERIES.items():
            timings = {}
            for persona, (ms, returned) in medians_ms(clients, body, requests).items():
                assert returned == 50, (persona, returned)
                timings[persona] = ms
            admin, manager, rep = timings.values()
            lines.append(
                f"| {label} | {admin:.2f} | {manager:.2f} | {rep:.2f} | {rep / admin:.2f}× |"
            )
        for client in clients.values():
            client.close()
    if kind == "postgresql":
        with Database(PG_URL).engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--dbs", default="sqlite,postgresql")
    args = parser.parse_args()
    out = []
    for kind in args.dbs.split(","):
        out += run(kind.strip(), args.accounts, args.requests)
    print("\n".join(out))


if __name__ == "__main__":
    main()

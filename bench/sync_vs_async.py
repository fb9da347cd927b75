r"""Sync vs async request path benchmark (input to ADR 0001).

Times one CRM-shaped request path, served two ways, on both supported databases:

* ``sync``:  ``def`` endpoints + sync SQLAlchemy engine (FastAPI runs them in its threadpool)
* ``async``: ``async def`` endpoints + SQLAlchemy asyncio (aiosqlite / psycopg async)

Endpoints (identical SQL on both stacks):

* ``GET  /accounts?city=X``: ``WHERE city = ? ORDER BY created_at DESC LIMIT 50``, orjson body
* ``POST /accounts``: insert one row in a transaction (``INSERT .. RETURNING``), return it

Each app is served by uvicorn (1 worker) in a subprocess on 127.0.0.1 and driven by httpx
client threads (one keep-alive connection per thread). Loopback only, bounded request counts.

Usage::

    .venv/bin/python bench/sync_vs_async.py [--rows 100000] [--requests 2000] \
        [--concurrency 1,8] [--rounds 2] [--dbs sqlite,postgres]

Each round serves every stack once (the order alternates between rounds); latencies are pooled
over rounds. PostgreSQL tables live in a throw-away schema that is dropped at the end.

Extra packages for the async side: ``aiosqlite`` and ``greenlet``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import random
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SAWarning

SEED = 20_260_101
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LIST_LIMIT = 50
POOL_SIZE = 10
MAX_OVERFLOW = 5
WARMUP_REQUESTS = 100
READY_TIMEOUT_S = 30.0

# Seed rows are created strictly before SEED_END; rows created by POST use "now", so anything
# at or after SEED_END is benchmark residue and is deleted between servers.
SEED_START = datetime(2020, 1, 1)
SEED_END = datetime(2023, 1, 1)

CITIES = (
    "Amsterdam", "Athens", "Bangkok", "Barcelona", "Beijing", "Berlin", "Bogota", "Boston",
    "Brussels", "Buenos Aires", "Cairo", "Chengdu", "Chicago", "Copenhagen", "Delhi", "Dubai",
    "Dublin", "Hamburg", "Hong Kong", "Istanbul", "Jakarta", "Johannesburg", "Lagos", "Lima",
    "Lisbon", "London", "Madrid", "Manila", "Melbourne", "Mexico City", "Milan", "Montreal",
    "Mumbai", "Nairobi", "Osaka", "Paris", "Prague", "Seoul", "Shanghai", "Singapore",
)  # fmt: skip
INDUSTRIES = (
    "Agriculture", "Banking", "Biotech", "Construction", "Consulting", "Education", "Energy",
    "Healthcare", "Hospitality", "Insurance", "Logistics", "Manufacturing", "Media", "Retail",
    "Software", "Telecom",
)  # fmt: skip
NAME_A = ("Blue", "Golden", "Northern", "Rapid", "Silver", "Summit", "United", "Vertex", "Zen")
NAME_B = ("Analytics", "Dynamics", "Foods", "Holdings", "Labs", "Logistics", "Systems", "Works")
NAME_C = ("AG", "BV", "Co", "GmbH", "Inc", "Ltd", "LLC", "SA")

# SQLite has no native DECIMAL; SQLAlchemy warns once per process. Same values on both stacks.
warnings.filterwarnings("ignore", category=SAWarning, message=r".*Decimal objects natively.*")


# --------------------------------------------------------------------------------------------
# schema and data
# --------------------------------------------------------------------------------------------


def make_table(schema: str | None) -> sa.Table:
    metadata = sa.MetaData(schema=schema)
    table = sa.Table(
        "account",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("industry", sa.Text, nullable=False),
        sa.Column("annual_revenue", sa.Numeric(16, 2), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
    )
    sa.Index("ix_account_city_created_at", table.c.city, table.c.created_at)
    return table


def seed_rows(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    span_s = int((SEED_END - SEED_START).total_seconds())
    for _ in range(count):
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": f"{rng.choice(NAME_A)} {rng.choice(NAME_B)} {rng.choice(NAME_C)}",
            "city": rng.choice(CITIES),
            "industry": rng.choice(INDUSTRIES),
            "annual_revenue": Decimal(rng.randrange(10_000_00, 5_000_000_000_00)).scaleb(-2),
            "created_at": SEED_START + timedelta(seconds=rng.randrange(span_s)),
            "version": 1,
        }


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_sync_engine(url: str) -> Engine:
    engine = sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


def create_and_seed(url: str, schema: str | None, rows: int) -> None:
    engine = make_sync_engine(url)
    table = make_table(schema)
    rng = random.Random(SEED)
    try:
        with engine.begin() as conn:
            if schema is not None:
                conn.execute(sa.schema.CreateSchema(schema))
            table.metadata.create_all(conn)
            batch: list[dict[str, Any]] = []
            for row in seed_rows(rng, rows):
                batch.append(row)
                if len(batch) == 5000:
                    conn.execute(table.insert(), batch)
                    batch.clear()
            if batch:
                conn.execute(table.insert(), batch)
        maintain(engine, table)
    finally:
        engine.dispose()


def reset(url: str, schema: str | None) -> None:
    """Delete rows created by POST so every server sees the same data set."""
    engine = make_sync_engine(url)
    table = make_table(schema)
    try:
        with engine.begin() as conn:
            conn.execute(table.delete().where(table.c.created_at >= SEED_END))
        maintain(engine, table)
    finally:
        engine.dispose()


def maintain(engine: Engine, table: sa.Table) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.exec_driver_sql(f'VACUUM ANALYZE "{table.schema}"."{table.name}"')


def drop_pg_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# the two apps (same SQL, same rendering; only the execution model differs)
# --------------------------------------------------------------------------------------------


class AccountIn(BaseModel):
    name: str
    city: str
    industry: str
    annual_revenue: Decimal


def render(row: sa.RowMapping) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "city": row["city"],
        "industry": row["industry"],
        "annual_revenue": str(row["annual_revenue"]),
        "created_at": row["created_at"].isoformat(),
        "version": row["version"],
    }


def json_response(payload: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status_code, media_type="application/json")


def statements(table: sa.Table) -> tuple[sa.Select[Any], sa.Insert]:
    list_stmt = (
        sa.select(*table.c)
        .where(table.c.city == sa.bindparam("city"))
        .order_by(table.c.created_at.desc())
        .limit(LIST_LIMIT)
    )
    insert_stmt = table.insert().returning(*table.c)
    return list_stmt, insert_stmt


def new_row(body: AccountIn) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": body.name,
        "city": body.city,
        "industry": body.industry,
        "annual_revenue": body.annual_revenue,
        "created_at": datetime.now(UTC).replace(tzinfo=None),
        "version": 1,
    }


def build_sync_app(url: str, schema: str | None) -> FastAPI:
    engine = make_sync_engine(url)
    list_stmt, insert_stmt = statements(make_table(schema))
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> Response:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return json_response({"ok": True, "pool": type(engine.pool).__name__})

    @app.get("/accounts")
    def list_accounts(city: str) -> Response:
        with engine.connect() as conn:
            rows = conn.execute(list_stmt, {"city": city}).mappings().all()
        return json_response([render(r) for r in rows])

    @app.post("/accounts")
    def create_account(body: AccountIn) -> Response:
        with engine.begin() as conn:
            row = conn.execute(insert_stmt, new_row(body)).mappings().one()
        return json_response(render(row), status_code=201)

    return app


def build_async_app(url: str, schema: str | None) -> FastAPI:
    from sqlalchemy.ext.asyncio import create_async_engine

    if url.startswith("sqlite"):
        url = url.replace("sqlite://", "sqlite+aiosqlite://", 1)
    engine = create_async_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    list_stmt, insert_stmt = statements(make_table(schema))
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> Response:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        return json_response({"ok": True, "pool": type(engine.pool).__name__})

    @app.get("/accounts")
    async def list_accounts(city: str) -> Response:
        async with engine.connect() as conn:
            result = await conn.execute(list_stmt, {"city": city})
            rows = result.mappings().all()
        return json_response([render(r) for r in rows])

    @app.post("/accounts")
    async def create_account(body: AccountIn) -> Response:
        async with engine.begin() as conn:
            result = await conn.execute(insert_stmt, new_row(body))
            row = result.mappings().one()
        return json_response(render(row), status_code=201)

    return app


def serve_main(argv: Sequence[str]) -> None:
    """Child-process entry point: ``_serve STACK URL SCHEMA PORT``."""
    import uvicorn

    stack, url, schema_arg, port = argv
    schema = schema_arg or None
    builder = build_sync_app if stack == "sync" else build_async_app
    app = builder(url, schema)
    uvicorn.run(
        app, host="127.0.0.1", port=int(port), workers=1, log_level="warning", access_log=False
    )


# --------------------------------------------------------------------------------------------
# server process + load driver
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(stack: str, url: str, schema: str | None, log_dir: Path) -> Iterator[str]:
    port = free_port()
    log_path = log_dir / f"server-{stack}-{port}.log"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "_serve",
        stack,
        url,
        schema or "",
        str(port),
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {READY_TIMEOUT_S}s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Result:
    db: str
    stack: str
    endpoint: str
    concurrency: int
    requests: int
    median_ms: float
    p95_ms: float
    rps: float
    rps_min: float
    rps_max: float
    errors: int


@dataclass(frozen=True)
class Sample:
    latencies_s: list[float]
    wall_s: float
    errors: int


Key = tuple[str, str, str, int]  # db, stack, endpoint, concurrency


Sender = Callable[[httpx.Client, int], httpx.Response]


def make_sender(endpoint: str, total: int, seed: int) -> tuple[Sender, int]:
    rng = random.Random(seed)
    if endpoint == "list":
        cities = [rng.choice(CITIES) for _ in range(total)]

        def send_list(client: httpx.Client, i: int) -> httpx.Response:
            return client.get("/accounts", params={"city": cities[i]})

        return send_list, 200

    bodies = [
        orjson.dumps(
            {
                "name": f"{rng.choice(NAME_A)} {rng.choice(NAME_B)} {rng.choice(NAME_C)}",
                "city": rng.choice(CITIES),
                "industry": rng.choice(INDUSTRIES),
                "annual_revenue": str(Decimal(rng.randrange(10_000_00, 10**11)).scaleb(-2)),
            }
        )
        for _ in range(total)
    ]
    headers = {"content-type": "application/json"}

    def send_create(client: httpx.Client, i: int) -> httpx.Response:
        return client.post("/accounts", content=bodies[i], headers=headers)

    return send_create, 201


def drive(
    base: str, endpoint: str, total: int, concurrency: int, seed: int
) -> tuple[list[float], float, int]:
    """Send ``total`` requests from ``concurrency`` threads; return latencies, wall s, errors."""
    send, expected = make_sender(endpoint, total, seed)
    latencies = [0.0] * total
    errors = [0] * concurrency
    counter = itertools.count()
    lock = threading.Lock()
    start_gate = threading.Barrier(concurrency + 1)

    def worker(slot: int) -> None:
        with httpx.Client(base_url=base, timeout=30.0) as client:
            client.get("/healthz")  # open the keep-alive connection before timing
            start_gate.wait()
            while True:
                with lock:
                    i = next(counter)
                if i >= total:
                    return
                t0 = time.perf_counter()
                try:
                    ok = send(client, i).status_code == expected
                except httpx.HTTPError:
                    ok = False
                latencies[i] = time.perf_counter() - t0
                if not ok:
                    errors[slot] += 1

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(concurrency)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0, sum(errors)


def measure(base: str, endpoint: str, total: int, concurrency: int) -> Sample:
    drive(base, endpoint, WARMUP_REQUESTS, concurrency, seed=SEED + 1)
    latencies, wall, errors = drive(base, endpoint, total, concurrency, seed=SEED + 2)
    return Sample(latencies_s=latencies, wall_s=wall, errors=errors)


def summarize(key: Key, samples: Sequence[Sample]) -> Result:
    """Pool latencies over rounds; throughput = all requests / all wall time."""
    ms = sorted(x * 1000 for s in samples for x in s.latencies_s)
    per_round = [len(s.latencies_s) / s.wall_s for s in samples]
    db, stack, endpoint, concurrency = key
    return Result(
        db=db,
        stack=stack,
        endpoint=endpoint,
        concurrency=concurrency,
        requests=len(ms),
        median_ms=statistics.median(ms),
        p95_ms=statistics.quantiles(ms, n=100, method="inclusive")[94],
        rps=len(ms) / sum(s.wall_s for s in samples),
        rps_min=min(per_round),
        rps_max=max(per_round),
        errors=sum(s.errors for s in samples),
    )


# --------------------------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------------------------


def markdown_table(results: Sequence[Result]) -> str:
    lines = [
        "| db | stack | endpoint | conc | requests | median ms | p95 ms | req/s "
        "| req/s per round (min–max) | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.db} | {r.stack} | {r.endpoint} | {r.concurrency} | {r.requests} "
            f"| {r.median_ms:.2f} | {r.p95_ms:.2f} | {r.rps:.0f} "
            f"| {r.rps_min:.0f}–{r.rps_max:.0f} | {r.errors} |"
        )
    return "\n".join(lines)


def ratio_table(results: Sequence[Result]) -> str:
    by_key = {(r.db, r.stack, r.endpoint, r.concurrency): r for r in results}
    lines = [
        "| db | endpoint | conc | async/sync req/s | async/sync median | async/sync p95 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for (db, stack, endpoint, conc), s in by_key.items():
        a = by_key.get((db, "async", endpoint, conc))
        if stack != "sync" or a is None:
            continue
        lines.append(
            f"| {db} | {endpoint} | {conc} | {a.rps / s.rps:.2f} "
            f"| {a.median_ms / s.median_ms:.2f} | {a.p95_ms / s.p95_ms:.2f} |"
        )
    return "\n".join(lines)


def environment(pg_url: str | None) -> str:
    import fastapi
    import uvicorn

    pg_version = "n/a"
    if pg_url is not None:
        engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
        with engine.connect() as conn:
            pg_version = str(conn.exec_driver_sql("SHOW server_version").scalar())
        engine.dispose()
    return (
        f"python {platform.python_version()}, fastapi {fastapi.__version__}, "
        f"uvicorn {uvicorn.__version__}, sqlalchemy {sa.__version__}, "
        f"sqlite {sqlite3.sqlite_version}, postgresql {pg_version}, "
        f"cpus {os.cpu_count()}, {platform.machine()} {platform.system()}"
    )


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000, help="seed rows per database")
    p.add_argument("--requests", type=int, default=2000, help="timed requests per cell")
    p.add_argument("--concurrency", default="1,8", help="comma-separated client concurrency")
    p.add_argument("--dbs", default="sqlite,postgres", help="subset of sqlite,postgres")
    p.add_argument("--stacks", default="sync,async", help="order in which stacks are served")
    p.add_argument("--rounds", type=int, default=2, help="repeats; serving order alternates")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = p.parse_args(argv)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    args.dbs = [d for d in args.dbs.split(",") if d]
    args.stacks = [s for s in args.stacks.split(",") if s]
    if not set(args.dbs) <= {"sqlite", "postgres"} or not set(args.stacks) <= {"sync", "async"}:
        p.error("unknown --dbs or --stacks value")
    return args


def run_stack(
    db: str,
    stack: str,
    url: str,
    schema: str | None,
    tmp_dir: Path,
    args: argparse.Namespace,
    samples: dict[Key, list[Sample]],
) -> None:
    with server(stack, url, schema, tmp_dir) as base:
        for endpoint in ("list", "create"):
            for conc in args.concurrency:
                sample = measure(base, endpoint, args.requests, conc)
                samples.setdefault((db, stack, endpoint, conc), []).append(sample)
                print(
                    f"[{db}] {stack:5} {endpoint:6} c={conc}: "
                    f"{len(sample.latencies_s) / sample.wall_s:.0f} req/s, "
                    f"median {statistics.median(sample.latencies_s) * 1000:.2f} ms, "
                    f"errors {sample.errors}",
                    file=sys.stderr,
                )


def sort_key(item: tuple[Key, list[Sample]]) -> tuple[int, int, int, int]:
    db, stack, endpoint, conc = item[0]
    return (
        ("sqlite", "postgres").index(db),
        ("sync", "async").index(stack),
        ("list", "create").index(endpoint),
        conc,
    )


def main(argv: Sequence[str]) -> None:
    if argv[:1] == ["_serve"]:
        serve_main(argv[1:])
        return
    args = parse_args(argv)
    pg_schema = f"bench_sva_{os.getpid()}_{secrets.token_hex(3)}"
    use_pg = "postgres" in args.dbs
    samples: dict[Key, list[Sample]] = {}

    with tempfile.TemporaryDirectory(prefix="guanxi-bench-") as tmp:
        tmp_dir = Path(tmp)
        targets: list[tuple[str, str, str | None]] = []
        if "sqlite" in args.dbs:
            targets.append(("sqlite", f"sqlite:///{tmp_dir / 'bench.db'}", None))
        if use_pg:
            targets.append(("postgres", args.pg_url, pg_schema))
        try:
            for db, url, schema in targets:
                t0 = time.perf_counter()
                create_and_seed(url, schema, args.rows)
                print(
                    f"[{db}] seeded {args.rows} rows in {time.perf_counter() - t0:.1f}s",
                    file=sys.stderr,
                )
                for rnd in range(args.rounds):
                    # alternate the serving order so neither stack always runs on a warmer cache
                    order = args.stacks if rnd % 2 == 0 else args.stacks[::-1]
                    for stack in order:
                        run_stack(db, stack, url, schema, tmp_dir, args, samples)
                        reset(url, schema)
        finally:
            if use_pg:
                drop_pg_schema(args.pg_url, pg_schema)

    print(f"\nEnvironment: {environment(args.pg_url if use_pg else None)}")
    print(
        f"Rows: {args.rows}, rounds: {args.rounds}, timed requests per cell and round: "
        f"{args.requests} (+{WARMUP_REQUESTS} warm-up), uvicorn 1 worker, "
        f"pool {POOL_SIZE}+{MAX_OVERFLOW}\n"
    )
    results = [summarize(key, group) for key, group in sorted(samples.items(), key=sort_key)]
    print(markdown_table(results))
    print()
    print(ratio_table(results))


if __name__ == "__main__":
    main(sys.argv[1:])

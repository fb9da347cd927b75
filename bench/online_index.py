r"""Reads and writes of a big PostgreSQL table while a field's index is built (ADR 0020).

Usage::

    python -m bench.online_index --rows 1000000 [--url postgresql://…] [--write bench/online_index.md]

In a schema of its own (``bench_index``, dropped at the end) it makes an object through
the app's metadata service, COPYs ``--rows`` records into its table, and serves it with
the real server (``guanxi serve``, one worker). A reader thread (GET one record) and a
writer thread (POST one record) run at a steady pace throughout, while the script:

* adds an indexed field, then a unique field (``POST /api/v1/meta/objects/gadget/fields``:
  the column commits at once, the index is built with CREATE INDEX CONCURRENTLY);
* makes an existing field with a value in every record unique (``PATCH``: a real build);
* for contrast, does what the in-transaction path did, from the script itself: ALTER
  TABLE ADD COLUMN and a plain CREATE UNIQUE INDEX on the existing field in one
  transaction.

For each, the time of the change and the readers' and writers' p99 and worst latency in
the seconds before it and while it ran. The pace (one request per ``--pace`` seconds per
thread) keeps the two client threads from taking the machine's cores from the build.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

import guanxi as guanxi_package
from bench.server import Client, free_port
from guanxi.bootstrap import migrate
from guanxi.kernel.db import Database
from guanxi.platform.access.users import create_token, create_user
from guanxi.platform.metadata import service
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn

SCHEMA = "bench_index"
OBJECT = "gadget"
TABLE = f"o_{OBJECT}"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BEFORE_S = 3.0  # seconds of traffic measured before each change
READY_TIMEOUT_S = 60.0


@dataclass
class Sample:
    at: float  # monotonic start
    seconds: float
    ok: bool


@dataclass
class Traffic:
    """A thread sending one request per ``pace`` seconds until stopped."""

    name: str
    send: Callable[[Client], bool]
    pace: float
    samples: list[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, make_client: Callable[[], Client]) -> None:
        with make_client() as client:
            next_at = time.monotonic()
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    ok = self.send(client)
                except OSError:
                    ok = False
                self.samples.append(Sample(started, time.monotonic() - started, ok))
                next_at = max(next_at + self.pace, time.monotonic())
                self.stop.wait(max(0.0, next_at - time.monotonic()))

    def before(self, start: float) -> list[Sample]:
        """The requests of the ``BEFORE_S`` seconds that ended before ``start``."""
        return [s for s in self.samples if start - BEFORE_S <= s.at and s.at + s.seconds < start]

    def during(self, start: float, end: float) -> list[Sample]:
        """The requests that were running at some moment between ``start`` and ``end``
        (one that waited for a lock from before the start counts)."""
        return [s for s in self.samples if s.at < end and s.at + s.seconds >= start]


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def figures(samples: list[Sample]) -> str:
    values = [s.seconds * 1000 for s in samples]
    if not values:
        return "–"
    failed = sum(not s.ok for s in samples)
    worst = max(values)
    bad = f", {failed} failed" if failed else ""
    return f"{p99(values):.0f} / {worst:.0f}{bad}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def fresh_schema(url: str) -> None:
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()


def drop_schema(url: str) -> None:
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def prepare(db: Database) -> str:
    """System tables, the object and its fields (through the metadata service), an
    administrator; returns the administrator's API token."""
    migrate(db, modules=[])
    now = datetime.now(UTC)
    registry = Registry()
    with db.write() as conn:
        service.create_object(
            conn, registry, ObjectIn(name=OBJECT, label={"en": "Gadget"}), now=now
        )
        for spec in (
            FieldIn(name="title", type="text", label={"en": "Title"}),
            FieldIn(name="code", type="text", label={"en": "Code"}),
            FieldIn(name="amount", type="integer", label={"en": "Amount"}),
        ):
            service.create_field(conn, registry, OBJECT, spec, now=now)
        user = create_user(
            conn,
            email="bench.index@example.com",
            name="Bench",
            password=None,
            now=now,
            is_admin=True,
        )
        _, token = create_token(conn, user, name="bench-index", now=now)
    return token


def load(url: str, rows: int) -> list[str]:
    """COPY ``rows`` records; returns a sample of their ids for the reader."""
    started = time.monotonic()
    now = datetime.now(UTC)
    sample: list[str] = []
    every = max(1, rows // 2000)
    with psycopg.connect(url, options=f"-c search_path={SCHEMA},public") as conn:
        with (
            conn.cursor() as cur,
            cur.copy(
                f"COPY {TABLE} (id, version, created_at, updated_at, title, code, amount) FROM STDIN"
            ) as copy,
        ):
            for n in range(rows):
                rid = uuid.uuid4()
                if n % every == 0:
                    sample.append(str(rid))
                copy.write_row((rid, 1, now, now, f"Gadget {n}", f"G-{n:08d}", n % 1000))
        conn.execute(f"ANALYZE {TABLE}")
    log(f"loaded {rows} rows in {time.monotonic() - started:.1f} s")
    return sample


@contextmanager
def serve(url: str, workdir: Path) -> Iterator[str]:
    """``guanxi serve`` on the bench schema; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
    # The server runs this script's guanxi (a worktree's, say), not whichever one is
    # installed: the path must not be relative, as the server starts in ``workdir``.
    source = str(Path(guanxi_package.__file__).resolve().parents[1])
    env |= {
        "PYTHONPATH": os.pathsep.join([source, env.get("PYTHONPATH", "")]),
        "GUANXI_DATABASE_URL": url,
        "GUANXI_DATABASE_SCHEMA": SCHEMA,
        "GUANXI_LOG_LEVEL": "warning",
    }
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server-online-index.log"
    guanxi = Path(sys.executable).with_name("guanxi")
    with log_path.open("wb") as out:
        # A fixed command line: this interpreter's own guanxi script.
        proc = subprocess.Popen(
            [str(guanxi), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{log_path.read_text()}")
            try:
                with Client(base, {}, 2.0) as probe:
                    if probe.get("/api/v1/health").status_code == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)  # a process starting: nothing to wait on but time
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Row:
    change: str
    seconds: float
    status: str
    reads_before: str
    reads_during: str
    writes_before: str
    writes_during: str


def measure(change: str, run: Callable[[], str], reader: Traffic, writer: Traffic) -> Row:
    time.sleep(BEFORE_S)  # let the threads gather the "before" figures
    started = time.monotonic()
    status = run()
    ended = time.monotonic()
    time.sleep(0.5)  # a request held up by the change has ended: it is counted
    row = Row(
        change,
        ended - started,
        status,
        figures(reader.before(started)),
        figures(reader.during(started, ended)),
        figures(writer.before(started)),
        figures(writer.during(started, ended)),
    )
    log(f"{change}: {row.seconds:.2f} s, {status}")
    return row


def table(rows: list[Row]) -> str:
    lines = [
        "| change | took (s) | answer | reads before p99 / max (ms) | reads during | "
        "writes before p99 / max (ms) | writes during |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.change} | {r.seconds:.2f} | {r.status} | {r.reads_before} | {r.reads_during}"
            f" | {r.writes_before} | {r.writes_during} |"
        )
    return "\n".join(lines)


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default=os.environ.get("GUANXI_TEST_POSTGRES_URL") or DEFAULT_URL)
    parser.add_argument("--pace", type=float, default=0.02, help="seconds between requests")
    parser.add_argument("--write", type=Path, help="markdown file for the figures of this run")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()

    fresh_schema(args.url)
    db = Database(args.url, schema=SCHEMA)
    try:
        token = prepare(db)
        ids = load(args.url, args.rows)
        rows = run_changes(args, db, token, ids)
    finally:
        db.dispose()
        drop_schema(args.url)
    report = table(rows)
    print(report)
    if args.write:
        args.write.write_text(
            "## Adding indexed and unique fields to a big PostgreSQL table (ADR 0020)\n\n"
            f"`python -m bench.online_index --rows {args.rows}` on "
            f"{datetime.now(UTC):%Y-%m-%d} at commit `{commit()}`: one server worker, a "
            f"reader (GET one record) and a writer (POST one record), each sending a request "
            f"every {args.pace * 1000:.0f} ms; latencies in the {BEFORE_S:.0f} s before each "
            "change and while it ran. The last row is the old in-transaction build, run from "
            "the script for contrast (ALTER TABLE ADD COLUMN and CREATE UNIQUE INDEX in one "
            "transaction).\n\n" + report + "\n"
        )


def run_changes(args: argparse.Namespace, db: Database, token: str, ids: list[str]) -> list[Row]:
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)
    made = iter(range(10**9))

    def read(client: Client) -> bool:
        return client.get(f"/api/v1/records/{OBJECT}/{rng.choice(ids)}").status_code == 200

    def write(client: Client) -> bool:
        n = next(made)
        body = {"title": f"New {n}", "code": f"N-{n:08d}", "amount": n % 1000}
        return client.post(f"/api/v1/records/{OBJECT}", json=body).status_code == 201

    with serve(args.url, args.workdir) as base:
        reader = Traffic("reads", read, args.pace)
        writer = Traffic("writes", write, args.pace)
        threads = [
            threading.Thread(target=traffic.run, args=(lambda: Client(base, headers, 600.0),))
            for traffic in (reader, writer)
        ]
        for thread in threads:
            thread.start()
        try:
            with Client(base, headers, 3600.0) as admin:

                def add(name: str, **flags: bool) -> Callable[[], str]:
                    def call() -> str:
                        spec = {"name": name, "type": "text", "label": {"en": name}, **flags}
                        reply = admin.post(f"/api/v1/meta/objects/{OBJECT}/fields", json=spec)
                        return str(reply.status_code)

                    return call

                def make_unique() -> str:
                    reply = admin.request(
                        "PATCH",
                        f"/api/v1/meta/objects/{OBJECT}/fields/code",
                        b'{"unique": true}',
                        {"content-type": "application/json"},
                    )
                    return str(reply.status_code)

                def in_transaction() -> str:
                    with db.engine.begin() as conn:
                        conn.execute(text(f"ALTER TABLE {TABLE} ADD COLUMN old_way VARCHAR(255)"))
                        conn.execute(
                            text(
                                f"CREATE UNIQUE INDEX old_way_ux ON {TABLE} (code) WHERE deleted_at IS NULL"
                            )
                        )
                    return "(script)"

                rows = [
                    measure("new indexed field (POST)", add("batch", indexed=True), reader, writer),
                    measure("new unique field (POST)", add("serial", unique=True), reader, writer),
                    measure("existing field made unique (PATCH)", make_unique, reader, writer),
                    measure(
                        "old way: ADD COLUMN + CREATE UNIQUE INDEX (code), one transaction",
                        in_transaction,
                        reader,
                        writer,
                    ),
                ]
                time.sleep(1.0)
        finally:
            for traffic in (reader, writer):
                traffic.stop.set()
            for thread in threads:
                thread.join(60)
    return rows


if __name__ == "__main__":
    main()

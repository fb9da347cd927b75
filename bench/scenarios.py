"""The measurements: list-view pages, single creates, bulk inserts and global search.

Each API measurement has a raw-database counterpart run through the driver itself
(``sqlite3`` / ``psycopg``) with the same rows, columns and SQL semantics, so the report can
show what the application adds on top of the database.
"""

from __future__ import annotations

import math
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
import psycopg
from sqlalchemy import event

from bench.cpu import CpuMeter
from bench.generate import (
    Dataset,
    RowBuilder,
    Target,
    account_payload,
    bind_processors,
    copy_sql,
    insert_sql,
    to_params,
)
from bench.server import Reply, Server, make_token
from bench.timing import Timing, concurrently, repeat
from guanxi.kernel.ids import uuid7
from guanxi.modules.customers import fake
from guanxi.platform.access.fields import hidden_fields
from guanxi.platform.access.policy import SUPERUSER, Policy, load_policy
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records import reader
from guanxi.platform.search.index import pending
from guanxi.platform.search.indexer import Indexer

PAGE = 50
JSON = {"content-type": "application/json"}
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Budget:
    """Bounded request counts (``--quick`` uses smaller ones)."""

    page_requests: int = 300
    search_requests: int = 40
    creates: int = 2000
    create_threads: int = 4
    bulk_batches: int = 20
    bulk_size: int = 1000
    max_seconds: float = 60.0  # per timed loop; slow cases stop early (at least 5 samples)

    @classmethod
    def quick(cls) -> Budget:
        return cls(
            page_requests=100,
            search_requests=15,
            creates=400,
            create_threads=4,
            bulk_batches=5,
            bulk_size=1000,
            max_seconds=20.0,
        )


# -- raw driver access ------------------------------------------------------------------------


class Raw:
    """A plain driver connection to the benchmark database (autocommit; explicit BEGIN)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.sqlite: sqlite3.Connection | None = None
        self.pg: psycopg.Connection[Any] | None = None
        if target.kind == "sqlite":
            self.sqlite = target.connect_sqlite()
            # The same settings the app gives its connections (guanxi.kernel.db).
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "busy_timeout=10000",
                "cache_size=-65536",
                "temp_store=MEMORY",
            ):
                self.sqlite.execute(f"PRAGMA {pragma}")
        else:
            self.pg = target.connect_pg()
            self.pg.autocommit = True

    @property
    def mark(self) -> str:
        return "?" if self.sqlite else "%s"

    def uuid(self, value: UUID) -> Any:
        """A uuid as the table stores it (32 hex digits on SQLite)."""
        return value.hex if self.sqlite else value

    def fetch(self, sql: str, params: Any) -> list[Any]:
        if self.sqlite:
            return self.sqlite.execute(sql, params).fetchall()
        assert self.pg
        return self.pg.execute(sql, params).fetchall()

    def explain(self, sql: str, params: Any) -> str:
        if self.sqlite:
            rows = self.sqlite.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            return "\n".join(str(r[3]) for r in rows)
        assert self.pg
        rows = self.pg.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params).fetchall()
        return "\n".join(str(r[0]) for r in rows)

    def close(self) -> None:
        if self.sqlite:
            self.sqlite.close()
        if self.pg:
            self.pg.close()


def _check(response: Reply, status: int) -> Reply:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.method} {response.url} → {response.status_code}: {response.text[:500]}"
        )
    return response


def _ids(rows: list[Any]) -> list[str]:
    """Record ids of raw rows (first column), as the API renders them."""
    return [str(r[0] if isinstance(r[0], UUID) else UUID(hex=r[0])) for r in rows]


# -- (a) filtered, sorted list pages --------------------------------------------------------


Persona = Literal["rep", "admin"]


@dataclass(frozen=True)
class PageQuery:
    key: str
    title: str
    object_name: str
    body: dict[str, Any]
    # (raw, column names, the owners the persona's scope covers or None for all) → SQL
    raw_sql: Callable[[Raw, list[str], list[UUID] | None], tuple[str, list[Any]]]
    persona: Persona = "admin"


def _owned(raw: Raw, column: str, owners: list[UUID] | None) -> tuple[str, list[Any]]:
    """`` AND <column> IN (…)`` for a rep's team (the ids a careful engineer would pass)."""
    if owners is None:
        return "", []
    marks = ", ".join(raw.mark for _ in owners)
    return f" AND {column} IN ({marks})", [raw.uuid(u) for u in owners]


def _accounts_sql(raw: Raw, columns: list[str], owners: list[UUID] | None) -> tuple[str, list[Any]]:
    m = raw.mark
    cols = ", ".join(columns)
    scope, ids = _owned(raw, "owner_id", owners)
    sql = (
        f"SELECT {cols} FROM o_account"
        f" WHERE deleted_at IS NULL{scope} AND industry = {m} AND level = {m}"
        f" ORDER BY created_at DESC, id DESC LIMIT {PAGE}"
    )
    return sql, [*ids, "it", "key"]


def _contacts_sql(raw: Raw, columns: list[str], owners: list[UUID] | None) -> tuple[str, list[Any]]:
    m = raw.mark
    cols = ", ".join(f"c.{c}" for c in columns)
    # The app's order: NULLs first (ADR 0004), SQLite's native order; PostgreSQL must say so.
    nulls = " NULLS FIRST" if raw.pg else ""
    # A rep may filter only through accounts they may read, so the account side is scoped too.
    # On SQLite the owner list is kept off its index (unary +): with it SQLite reads the
    # team's 200,000 contacts and sorts them (1.4 s on 1M accounts, 2026-12-07) instead of
    # walking the name index.
    scope, ids = _owned(raw, "+c.owner_id" if raw.sqlite else "c.owner_id", owners)
    account_scope, account_ids = _owned(raw, "a.owner_id", owners)
    # A semi-join, as a careful engineer writes it: with a plain JOIN SQLite starts from the
    # account side and sorts every match (333 ms on 1M accounts, 2026-11-23).
    sql = (
        f"SELECT {cols} FROM o_contact c"
        f" WHERE c.deleted_at IS NULL{scope} AND EXISTS (SELECT 1 FROM o_account a"
        f" WHERE a.id = c.account{account_scope} AND a.industry = {m})"
        f" ORDER BY c.name{nulls}, c.id LIMIT {PAGE}"
    )
    return sql, [*ids, *account_ids, "healthcare"]


ACCOUNTS_FILTER: dict[str, Any] = {
    "and": [
        {"field": "industry", "op": "eq", "value": "it"},
        {"field": "level", "op": "eq", "value": "key"},
    ]
}
NEWEST: list[dict[str, Any]] = [{"field": "created_at", "direction": "desc"}]
REP = "a rep (Sales rep role: own and subordinates, annual revenue hidden) leading a team of 10"


def _page_queries() -> list[PageQuery]:
    """The rep's pages first (the headline), then the same pages as the administrator."""
    queries = []
    for persona in ("rep", "admin"):
        who = REP if persona == "rep" else "the administrator"
        queries += [
            PageQuery(
                key=f"{persona} accounts",
                title=f"Accounts: industry = it AND level = key, newest first, as {who}",
                object_name="account",
                body={"filter": ACCOUNTS_FILTER, "sort": NEWEST, "limit": PAGE},
                raw_sql=_accounts_sql,
                persona=persona,
            ),
            PageQuery(
                key=f"{persona} contacts",
                title=f"Contacts whose account.industry = healthcare, by name, as {who}",
                object_name="contact",
                body={
                    "filter": {"field": "account.industry", "op": "eq", "value": "healthcare"},
                    "sort": [{"field": "name", "direction": "asc"}],
                    "limit": PAGE,
                },
                raw_sql=_contacts_sql,
                persona=persona,
            ),
        ]
    return queries


PAGE_QUERIES = _page_queries()


@dataclass
class PageResult:
    query: PageQuery
    raw_sql: str
    app_sql: str
    raw: Timing
    app_sql_driver: Timing
    service: Timing
    api: Timing
    same_records: bool
    plans: dict[str, str] = field(default_factory=dict)


class InProcess:
    """The records service called directly (no HTTP), on the app's own engine."""

    def __init__(self, target: Target) -> None:
        self.db = target.database()
        self.registry = Registry()
        self.statements: list[tuple[str, Any]] = []
        self.capturing = False
        event.listen(self.db.engine, "before_cursor_execute", self._capture)

    def _capture(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        if self.capturing:
            self.statements.append((statement, parameters))

    def policy(self, user_id: UUID | None) -> Policy:
        if user_id is None:
            return SUPERUSER
        with self.db.read() as conn:
            return load_policy(conn, user_id, superuser=False)

    def query(self, q: PageQuery, policy: Policy = SUPERUSER) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            snap = self.registry.snapshot(conn)
            page = reader.query(
                conn,
                snap,
                snap.object(q.object_name),
                ZONE,
                datetime.now(UTC),
                filter=q.body["filter"],
                sort=q.body["sort"],
                limit=q.body["limit"],
                policy=policy,
            )
        return page.records

    def columns(self, q: PageQuery, policy: Policy) -> tuple[list[str], set[str]]:
        """The table's columns the API shows this user (all but ``deleted_at`` and the
        columns of fields hidden from them), and the hidden fields' names."""
        with self.db.read() as conn:
            snap = self.registry.snapshot(conn)
        obj = snap.object(q.object_name)
        hidden = {
            name for object_name, name in hidden_fields(snap, policy) if object_name == obj.name
        }
        hidden_columns = {
            column
            for name in hidden
            if (f := obj.get_field(name)) is not None
            for column in field_type(f.type).column_names(f)
        }
        columns = [
            c.name
            for c in snap.table(q.object_name).columns
            if c.name != "deleted_at" and c.name not in hidden_columns
        ]
        return columns, hidden

    def app_sql(self, q: PageQuery, table_name: str, policy: Policy) -> tuple[str, Any]:
        """The SQL the records service runs for the page (captured from the engine)."""
        self.statements.clear()
        self.capturing = True
        try:
            self.query(q, policy)
        finally:
            self.capturing = False
        found = [(s, p) for s, p in self.statements if table_name in s and "LIMIT" in s]
        assert len(found) == 1, f"expected one page statement, got {self.statements}"
        return found[0]

    def close(self) -> None:
        self.db.dispose()


def persona_user(dataset: Dataset, persona: Persona) -> UUID | None:
    """The user a persona signs in as (None: the administrator, a superuser)."""
    if persona == "admin":
        return None
    assert dataset.people, "the data set predates its sales organisation: regenerate it"
    return dataset.people.leads[0]


def persona_owners(dataset: Dataset, persona: Persona) -> list[UUID] | None:
    if persona == "admin":
        return None
    assert dataset.people
    return dataset.people.team(0)


def measure_pages(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> list[PageResult]:
    results = []
    raw = Raw(dataset.target)
    local = InProcess(dataset.target)
    tokens = {
        persona: make_token(dataset, persona_user(dataset, persona)) for persona in ("rep", "admin")
    }
    try:
        for q in PAGE_QUERIES:
            log(f"  page: {q.key}")
            policy = local.policy(persona_user(dataset, q.persona))
            with local.db.read() as conn:
                table = local.registry.snapshot(conn).table(q.object_name)
            columns, hidden = local.columns(q, policy)
            sql, params = q.raw_sql(raw, columns, persona_owners(dataset, q.persona))
            app_sql, app_params = local.app_sql(q, table.name, policy)
            payload = orjson.dumps(q.body)
            url = f"/api/v1/records/{q.object_name}/query"
            with server.client(token=tokens[q.persona]) as client:

                def api_call(_: int, url: str = url, payload: bytes = payload) -> Any:
                    return _check(client.post(url, content=payload, headers=JSON), 200)

                api_records = api_call(0).json()["records"]
                api_ids = [r["id"] for r in api_records]
                raw_ids = _ids(raw.fetch(sql, params))
                service_ids = [r["id"] for r in local.query(q, policy)]
                # The same records, and none of the fields hidden from the user.
                same = (
                    api_ids == raw_ids == service_ids
                    and len(raw_ids) == PAGE
                    and not any(name in r for r in api_records for name in hidden)
                )

                def raw_call(_: int, sql: str = sql, params: Any = params) -> Any:
                    return raw.fetch(sql, params)

                def app_sql_call(_: int, sql: str = app_sql, params: Any = app_params) -> Any:
                    return raw.fetch(sql, params)

                def service_call(_: int, q: PageQuery = q, policy: Policy = policy) -> Any:
                    return local.query(q, policy)

                n, limit = budget.page_requests, budget.max_seconds
                results.append(
                    PageResult(
                        query=q,
                        raw_sql=sql,
                        app_sql=app_sql,
                        raw=repeat(raw_call, n, warmup=10, max_seconds=limit),
                        app_sql_driver=repeat(app_sql_call, n, warmup=10, max_seconds=limit),
                        service=repeat(service_call, n, warmup=10, max_seconds=limit),
                        api=repeat(api_call, n, warmup=10, max_seconds=limit),
                        same_records=same,
                        plans={
                            "raw": raw.explain(sql, params),
                            "app": raw.explain(app_sql, app_params),
                        },
                    )
                )
    finally:
        local.close()
        raw.close()
    return results


# -- (a') a page with its total count ------------------------------------------------------


@dataclass
class TotalResult:
    key: str
    title: str
    persona: Persona
    alone: Timing  # the page without its count
    counted: Timing  # the same page with ``"with_total": true``
    total: int | None
    relation: str | None  # "eq" (exact) or "gte" (at least ``total``; see ADR 0019)
    estimate: int | None

    @property
    def ratio(self) -> float:
        return self.counted.median_ms / self.alone.median_ms


def measure_totals(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> list[TotalResult]:
    """The accounts list page with and without its total count, filtered and unfiltered, as
    the rep and as the administrator, the two timed alternately request by request."""
    results = []
    for persona in ("rep", "admin"):
        token = make_token(dataset, persona_user(dataset, persona))
        for key, title, body in (
            ("unfiltered", "all accounts, newest first", {"sort": NEWEST, "limit": PAGE}),
            (
                "filtered",
                "industry = it AND level = key, newest first",
                {"filter": ACCOUNTS_FILTER, "sort": NEWEST, "limit": PAGE},
            ),
        ):
            log(f"  total: {persona} {key}")
            alone = orjson.dumps(body)
            counted = orjson.dumps({**body, "with_total": True})
            with server.client(token=token) as client:
                url = "/api/v1/records/account/query"
                first = _check(client.post(url, content=counted, headers=JSON), 200).json()
                samples: dict[bytes, list[float]] = {alone: [], counted: []}
                for i in range(budget.page_requests + 10):
                    for payload in (alone, counted) if i % 2 else (counted, alone):
                        t0 = time.perf_counter()
                        _check(client.post(url, content=payload, headers=JSON), 200)
                        if i >= 10:
                            samples[payload].append(time.perf_counter() - t0)
            results.append(
                TotalResult(
                    key=f"{persona} {key}",
                    title=title,
                    persona=persona,
                    alone=Timing(tuple(samples[alone]), sum(samples[alone])),
                    counted=Timing(tuple(samples[counted]), sum(samples[counted])),
                    total=first.get("total"),
                    relation=first.get("total_relation"),
                    estimate=first.get("total_estimate"),
                )
            )
    return results


# -- (d) global search ------------------------------------------------------------------------


@dataclass
class SearchResult:
    label: str
    q: str
    timing: Timing
    hits: int


def search_terms(raw: Raw, spec_accounts: int) -> list[tuple[str, str]]:
    """Five realistic searches, taken from records in the middle of the data set."""
    offset = spec_accounts // 2
    m = raw.mark
    names = [
        str(r[0])
        for r in raw.fetch(
            f"SELECT name FROM o_account ORDER BY created_at LIMIT 200 OFFSET {m}", [offset]
        )
    ]
    chinese = next(n for n in names if not n[0].isascii())
    brand = next(b for b in fake.BRANDS if b in chinese)
    english = next(n for n in names if n[0].isascii())
    contact = raw.fetch(
        f"SELECT email, mobile FROM o_contact ORDER BY created_at LIMIT 1 OFFSET {m}",
        [offset * 2],
    )[0]
    handle = str(contact[0]).split("@")[0]
    digits = str(contact[1])[-8:]
    person = next(
        str(r[0])
        for r in raw.fetch(
            f"SELECT name FROM o_contact ORDER BY created_at LIMIT 200 OFFSET {m}", [offset * 2]
        )
        if len(str(r[0])) == 2 and not str(r[0]).isascii()
    )
    return [
        (f"Chinese: 2 characters of a company name ({chinese})", brand),
        ("Chinese: a contact's 2-character name", person),
        (f"English: a company name word, lower case ({english})", english.split()[0].lower()),
        ("E-mail fragment: a contact's mailbox name", handle),
        ("Phone fragment: the last 8 digits of a mobile", digits),
    ]


def measure_search(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> list[SearchResult]:
    raw = Raw(dataset.target)
    try:
        terms = search_terms(raw, dataset.spec.accounts)
    finally:
        raw.close()
    results = []
    with server.client() as client:
        for label, q in terms:
            log(f"  search: {q}")
            url = f"/api/v1/search?q={quote(q)}"

            def call(_: int, url: str = url) -> Any:
                return _check(client.get(url), 200)

            body = call(0).json()
            hits = sum(len(group["records"]) for group in body["results"])
            timing = repeat(call, budget.search_requests, warmup=2, max_seconds=budget.max_seconds)
            results.append(SearchResult(label, q, timing, hits))
    return results


# -- (b) single creates and (c) bulk inserts -------------------------------------------------


def new_accounts(count: int, seed: int, first_serial: int) -> list[dict[str, Any]]:
    """Fresh account payloads, as a client would send them (demo-like, new serials)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    for serial in range(first_serial, first_serial + count):
        payload, _ = account_payload(rng, serial, now)
        out.append(payload)
    return out


@dataclass
class CreateResult:
    sequential: Timing
    concurrent: Timing
    threads: int
    scaled: Timing | None = None  # the same clients against ``workers`` server processes
    workers: int = 1
    # CPU ms per create (server processes, PostgreSQL's processes) under ``concurrent``
    # and ``scaled``: who spent the two cores' time.
    concurrent_cpu: CpuPerCreate | None = None
    scaled_cpu: CpuPerCreate | None = None


@dataclass(frozen=True)
class CpuPerCreate:
    server_ms: float
    database_ms: float


def measure_creates(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> CreateResult:
    n = budget.creates
    threads = budget.create_threads
    bodies = [
        orjson.dumps(p)
        for p in new_accounts(2 * n + 50, dataset.spec.seed + 1, 10 * dataset.spec.accounts)
    ]
    log(f"  creates: {n} sequential")
    with server.client() as client:

        def create(i: int) -> Any:
            return _check(
                client.post("/api/v1/records/account", content=bodies[i], headers=JSON), 201
            )

        sequential = repeat(create, n, warmup=20)
    log(f"  creates: {n} over {threads} threads")
    concurrent, cpu = _concurrent_creates(server, bodies, n + 20, n, threads)
    return CreateResult(sequential, concurrent, threads, concurrent_cpu=cpu)


def measure_scaled_creates(
    server: Server, dataset: Dataset, budget: Budget, workers: int, log: Callable[[str], None]
) -> tuple[Timing, CpuPerCreate]:
    """Concurrent creates against a server started with several workers (processes), as
    production runs it: one per core. Like every scenario it starts with the search index
    caught up: the bulk calls measured before it with the indexer off left their rows
    queued, and indexing 20,000 of them is not part of creating accounts."""
    _index_now(dataset)
    n, threads = budget.creates, budget.create_threads
    bodies = [
        orjson.dumps(p)
        for p in new_accounts(n + 50, dataset.spec.seed + 2, 20 * dataset.spec.accounts)
    ]
    log(f"  creates: {n} over {threads} threads, {workers} server workers")
    with server.client() as client:
        for body in bodies[n:]:  # warm every worker's caches
            _check(client.post("/api/v1/records/account", content=body, headers=JSON), 201)
    return _concurrent_creates(server, bodies, 0, n, threads)


def _concurrent_creates(
    server: Server, bodies: list[bytes], offset: int, n: int, threads: int
) -> tuple[Timing, CpuPerCreate]:
    clients = [server.client() for _ in range(threads)]
    meter = CpuMeter(server.pid)
    try:

        def make_worker(t: int) -> Callable[[int], object]:
            client = clients[t]

            def create_one(i: int) -> Any:
                response = client.post(
                    "/api/v1/records/account", content=bodies[offset + i], headers=JSON
                )
                return _check(response, 201)

            return create_one

        meter.start()
        timing = concurrently(make_worker, threads, n // threads)
        meter.stop()
        return timing, CpuPerCreate(
            1000 * meter.server / timing.n, 1000 * meter.database / timing.n
        )
    finally:
        for c in clients:
            c.close()


@dataclass
class BulkResult:
    api: Timing  # one sample per call of ``size`` records
    raw: Timing  # one sample per driver bulk load of the same ``size`` rows
    size: int
    # From the first call until the search index queue was empty again (the app indexes
    # in the background, ADR 0007): the rate at which records become searchable too.
    indexed_wall: float = math.nan
    # The same calls against a server whose indexer is off: the insert path alone, as the
    # database's own load (which builds no search index) does it.
    alone: Timing | None = None

    @property
    def indexed_rows_per_s(self) -> float:
        return self.api.n * self.size / self.indexed_wall

    @property
    def alone_rows_per_s(self) -> float:
        return math.nan if self.alone is None else self.alone.per_second * self.size

    @property
    def api_rows_per_s(self) -> float:
        return self.api.per_second * self.size

    @property
    def raw_rows_per_s(self) -> float:
        return self.raw.per_second * self.size


def measure_bulk(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> BulkResult:
    size, batches = budget.bulk_size, budget.bulk_batches
    payloads = new_accounts(size * batches, dataset.spec.seed + 2, 20 * dataset.spec.accounts)
    chunks = [payloads[i * size : (i + 1) * size] for i in range(batches)]
    log(f"  bulk: {batches} API calls of {size}")
    started = time.perf_counter()
    api = _bulk_calls(server, dataset, chunks)
    _wait_for_index(dataset)
    indexed_wall = time.perf_counter() - started
    log(f"  bulk: {batches} raw loads of {size}")
    raw = _raw_bulk(dataset, chunks)
    return BulkResult(api, raw, size, indexed_wall)


def measure_bulk_alone(
    server: Server, dataset: Dataset, budget: Budget, log: Callable[[str], None]
) -> Timing:
    """The bulk calls against a server started with its indexer off."""
    size, batches = budget.bulk_size, budget.bulk_batches
    payloads = new_accounts(size * batches, dataset.spec.seed + 3, 30 * dataset.spec.accounts)
    log(f"  bulk: {batches} API calls of {size}, indexer off")
    return _bulk_calls(
        server, dataset, [payloads[i * size : (i + 1) * size] for i in range(batches)]
    )


def _bulk_calls(server: Server, dataset: Dataset, chunks: list[list[dict[str, Any]]]) -> Timing:
    """One timed bulk call per chunk, after a 10-record warm-up (indexed before the clock)."""
    bodies = [orjson.dumps({"records": c, "return_records": False}) for c in chunks]
    url = "/api/v1/records/account/bulk"
    with server.client(timeout=600) as client:
        warm_up = orjson.dumps({"records": chunks[0][:10], "return_records": False})
        _check(client.post(url, content=warm_up, headers=JSON), 201)
        _index_now(dataset)
        return repeat(
            lambda i: _check(client.post(url, content=bodies[i], headers=JSON), 201), len(chunks)
        )


def _index_now(dataset: Dataset) -> None:
    """Index what is queued from here (taking turns with the server's indexer, if on)."""
    db = dataset.target.database()
    try:
        Indexer(db, Registry()).catch_up()
    finally:
        db.dispose()


def _wait_for_index(dataset: Dataset, timeout: float = 600) -> None:
    """Until the server's indexer has emptied the search index queue."""
    db = dataset.target.database()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with db.read() as conn:
                if not pending(conn):
                    return
            time.sleep(0.01)
        raise RuntimeError("the search index queue did not empty")
    finally:
        db.dispose()


def _raw_bulk(dataset: Dataset, chunks: list[list[dict[str, Any]]]) -> Timing:
    """The same rows through the database's own bulk path, one transaction per chunk.

    Rows are converted to column values and driver parameters before the clock starts
    (ids are new, created_at is now, so ``reset`` removes them); the timing is the load.
    """
    target = dataset.target
    db = target.database()
    try:
        with db.read() as conn:
            snap = Registry().snapshot(conn)
        builder = RowBuilder(snap, "account")
        dialect = db.engine.dialect
    finally:
        db.dispose()
    processors = bind_processors(builder.table, dialect)
    now = datetime.now(UTC)
    prepared = []
    serial = 0
    for chunk in chunks:
        rows = []
        for payload in chunk:
            serial += 1
            values = builder.values(payload)
            rows.append(
                builder.row(
                    values,
                    record_id=uuid7(),
                    created_at=now,
                    owner_id=dataset.admin_id,
                    serial=dataset.spec.accounts * 3 + serial,
                )
            )
        prepared.append(to_params(rows, builder.columns, processors))
    raw = Raw(target)
    try:
        if raw.sqlite:
            conn_s = raw.sqlite
            sql = insert_sql(builder.table)

            def load_sqlite(i: int) -> None:
                conn_s.execute("BEGIN IMMEDIATE")
                conn_s.executemany(sql, prepared[i])
                conn_s.execute("COMMIT")

            return repeat(load_sqlite, len(prepared))
        assert raw.pg
        conn_p = raw.pg
        copy = copy_sql(builder.table)

        def load_pg(i: int) -> None:
            with conn_p.transaction(), conn_p.cursor() as cur, cur.copy(copy) as c:
                for row in prepared[i]:
                    c.write_row(row)

        return repeat(load_pg, len(prepared))
    finally:
        raw.close()


def measure_health(server: Server, budget: Budget) -> Timing:
    with server.client() as client:
        return repeat(
            lambda _: _check(client.get("/api/v1/health"), 200), budget.page_requests, warmup=10
        )

"""The markdown report (printed, and written to docs/benchmarks.md)."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
from collections.abc import Sequence
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.generate import Dataset, Target
from bench.scenarios import (
    Budget,
    BulkResult,
    CreateResult,
    PageResult,
    SearchResult,
    TotalResult,
)
from bench.timing import Timing

NOTES = Path(__file__).with_name("notes.md")  # maintainers' reading of the targets, kept
FAULTS = Path(__file__).with_name("faults.md")  # the fault tests' figures (tests/faults), kept
ONLINE_INDEX = Path(__file__).with_name("online_index.md")  # bench.online_index's last run
LOAD = Path(__file__).with_name("load.md")  # bench.load's last run
WEB = Path(__file__).with_name("web.md")  # bench.web's last run
DEDUPE = Path(__file__).with_name("dedupe.md")  # bench.dedupe's last run
TIMERS = Path(__file__).with_name("timers.md")  # bench.timers' last run
AUTOMATION = Path(__file__).with_name("automation.md")  # bench.automation's last run
TARGET_PAGE_SLACK_MS = 1.0  # API page ≤ raw SQL + /health round trip + this (medians)
TARGET_TOTAL_RATIO = 2.0  # a page with its total count ≤ this × the page alone
TARGET_PAGE_MS = 25.0  # only flags a slow hand-written query in the breakdown
TARGET_CREATES = 500.0
TARGET_BULK_RATIO = 2.0


@dataclass
class DbResults:
    dataset: Dataset
    server_version: str
    health: Timing
    pages: list[PageResult]
    searches: list[SearchResult]
    creates: CreateResult
    bulk: BulkResult
    load: tuple[float, float]  # 1-minute load average before and after measuring
    measured_at: datetime | None = None  # when measuring began (older saved results: None)
    cpu_speed: tuple[float, float] | None = None  # ms of timing.cpu_speed_ms, before / after
    totals: list[TotalResult] | None = None  # pages with and without their count


def page_budget_ms(r: DbResults, p: PageResult) -> float:
    """The restated page target: raw SQL + the HTTP floor + 1 ms, medians of one run."""
    return p.raw.median_ms + r.health.median_ms + TARGET_PAGE_SLACK_MS


def _row(name: str, cells: Sequence[str]) -> str:
    """One Markdown table row: the row's name, then a cell per database."""
    return f"| {name} | " + " | ".join(cells) + " |"


def _ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def _rate(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.0f}"


def _ratio(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}×"


def _ok(met: bool) -> str:
    return "**met**" if met else "**not met**"


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = int(f.readline().split()[1])
            memory = f", {kib / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}"


def pg_version(target: Target) -> str:
    with closing(target.connect_pg()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        settings = conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings"
            " WHERE name IN ('shared_buffers', 'work_mem', 'synchronous_commit') ORDER BY name"
        ).fetchall()
    shown = ", ".join(f"{name}={value}" for name, value in settings)
    return f"PostgreSQL {row[0] if row else '?'} ({shown})"


def software() -> str:
    parts = [f"Python {platform.python_version()}"]
    for package in ("fastapi", "uvicorn", "sqlalchemy", "psycopg"):
        with suppress(PackageNotFoundError):
            parts.append(f"{package} {version(package)}")
    parts.append(f"SQLite {sqlite3.sqlite_version}")
    return ", ".join(parts)


def render(results: list[DbResults], budget: Budget, quick: bool, command: str) -> str:
    started = min((r.measured_at for r in results if r.measured_at), default=None)
    when = (started or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    spec = results[0].dataset.spec if results else None
    lines: list[str] = ["# Benchmarks", ""]
    if quick:
        lines += ["> **Quick smoke run** (small data set): not the numbers of record.", ""]
    lines += [
        f"Measured {when} with `{command}` (code in [`bench/`](../bench/)).",
        "",
        "## Setup",
        "",
        f"- **Machine:** {machine()}. Client, server and database share these cores, so"
        " every number includes the cost of the other two.",
        f"- **Software:** {software()}.",
    ]
    for r in results:
        if r.dataset.target.kind == "postgresql":
            lines.append(f"- **PostgreSQL:** {r.server_version}, server defaults, same machine.")
    if spec:
        lines += [
            f"- **Data:** {spec.accounts:,} accounts and {spec.contacts:,} contacts"
            f" ({spec.contacts_per_account} per account), seed {spec.seed}: the demo's"
            " generator (`guanxi.modules.customers.fake`): ~80 % Chinese company names,"
            " 85 % Chinese person names, 12 cities, E.164 phones, e-mails; created_at"
            " spread over two years.",
        ]
    for r in results:
        d = r.dataset
        lines.append(
            f"  - {d.target.label}: {_size(d.size_bytes)} on disk, generated and loaded in"
            f" {d.load_seconds:,.0f} s ({d.generated_at})."
        )
    loads = ", ".join(
        f"{r.dataset.target.label} {r.load[0]:.1f} → {r.load[1]:.1f}" for r in results
    )
    speeds = ", ".join(
        f"{r.dataset.target.label} {r.cpu_speed[0]:.0f} → {r.cpu_speed[1]:.0f} ms"
        for r in results
        if r.cpu_speed is not None
    )
    lines += [
        f"- **Load average** (1 min) before → after each database's measurements: {loads}."
        " Anything above ~1 means other work shared the 2 cores during the run.",
        *(
            [
                f"- **CPU speed** (`bench.timing.cpu_speed_ms`, a fixed pure-Python loop; lower"
                f" is faster) before → after: {speeds}. On this VM it varies by up to half"
                " from hour to hour; compare reports measured at similar speeds."
            ]
            if speeds
            else []
        ),
        "- **Server:** the real app, `guanxi serve` (one uvicorn worker, uvloop/httptools) on"
        " 127.0.0.1, log level `warning` (no access log). **Client:** one keep-alive"
        " standard-library `http.client` connection per client thread, in the benchmark"
        " process (`bench.server.Client`: ~0.5 ms less per request than `httpx`, time that"
        " would otherwise be counted against the API).",
        "",
        "## Targets",
        "",
        "| target | " + " | ".join(r.dataset.target.label for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    lines += _target_rows(results)
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    lines += ["", "## Results", ""]
    lines += _pages(results)
    lines += _totals(results)
    lines += _creates(results, budget)
    lines += _bulk(results)
    lines += _search(results)
    lines += _method(budget)
    lines += _plans(results)
    # Measured by their own scripts, at other times.
    for kept in (WEB, LOAD, ONLINE_INDEX, DEDUPE, TIMERS, AUTOMATION):
        if kept.exists():
            lines += ["", kept.read_text(encoding="utf-8").strip()]
    if FAULTS.exists():
        lines += ["", FAULTS.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def _page_cell(r: DbResults, persona: str) -> str:
    cells = []
    for p in r.pages:
        if p.query.persona != persona:
            continue
        budget = page_budget_ms(r, p)
        api = p.api.median_ms
        verdict = _ok(api <= budget)
        if api > budget:
            verdict += f", by {_ms(api - budget)} ms"
        cells.append(
            f"{p.query.object_name}s: {_ms(api)} ≤ {_ms(p.raw.median_ms)} +"
            f" {_ms(r.health.median_ms)} + {TARGET_PAGE_SLACK_MS:.0f} = {_ms(budget)} ms {verdict}"
        )
    return "; ".join(cells)


def _target_rows(results: list[DbResults]) -> list[str]:
    rows: dict[str, list[str]] = {
        "**Page via the API ≤ raw SQL + `/health` + 1 ms (medians), as a sales rep**"
        " (own and subordinates, one hidden field)": [],
        "Page via the API ≤ raw SQL + `/health` + 1 ms (medians), as the administrator": [],
        f"Page with its total count ≤ {TARGET_TOTAL_RATIO:.0f}× the page alone (accounts)": [],
        "≥ 500 single creates/s, one client": [],
        "Bulk insert within 2× of the database's own bulk load": [],
    }
    keys = list(rows)
    for r in results:
        rows[keys[0]].append(_page_cell(r, "rep"))
        rows[keys[1]].append(_page_cell(r, "admin"))
        rows[keys[2]].append(
            "; ".join(
                f"{t.key}: {_ratio(t.ratio)} {_ok(t.ratio <= TARGET_TOTAL_RATIO)}"
                for t in r.totals or []
            )
            or "not measured"
        )
        seq, conc = r.creates.sequential.per_second, r.creates.concurrent.per_second
        cell = (
            f"{_rate(seq)}/s {_ok(seq >= TARGET_CREATES)}"
            f" ({r.creates.threads} clients: {_rate(conc)}/s"
        )
        if r.creates.scaled is not None:
            cell += (
                f"; with {r.creates.workers} server workers: {_rate(r.creates.scaled.per_second)}/s"
            )
        rows[keys[3]].append(cell + ")")
        factor = r.bulk.raw_rows_per_s / r.bulk.api_rows_per_s
        cell = f"{_ratio(factor)} slower {_ok(factor <= TARGET_BULK_RATIO)}"
        if r.bulk.alone is not None:  # the verdict stays with the default (indexer on)
            cell += f" (indexer off: {_ratio(r.bulk.raw_rows_per_s / r.bulk.alone_rows_per_s)})"
        rows[keys[4]].append(cell)
    return [_row(name, cells) for name, cells in rows.items()]


def _pages(results: list[DbResults]) -> list[str]:
    labels = [r.dataset.target.label for r in results]
    out = [
        "### (a) Filtered, sorted page of 50 records",
        "",
        "Latency per page in ms (median / p95). *Raw SQL* is the hand-written query through the"
        " driver; *app's SQL* is the exact statement the records service generates, also run"
        " through the bare driver; *service* is `reader.query` called in-process (transaction,"
        " metadata check, SQL, rendering to JSON-ready dicts); *API* is"
        " `POST /api/v1/records/{object}/query` over HTTP.",
        "",
    ]
    for i, q in enumerate(results[0].pages if results else []):
        out += [
            f"**{q.query.title}** — `{_body(q)}`",
            "",
            "| | " + " | ".join(labels) + " |",
            "|---|" + "---:|" * len(labels),
        ]
        variants = [
            ("raw SQL (driver)", "raw"),
            ("app's SQL (driver)", "app_sql_driver"),
            ("service, in-process", "service"),
            ("HTTP API", "api"),
        ]
        for name, attr in variants:
            cells = []
            for r in results:
                t: Timing = getattr(r.pages[i], attr)
                cells.append(f"{_ms(t.median_ms)} / {_ms(t.p95_ms)}")
            out.append(_row(name, cells))
        budget_cells = [
            f"{_ms(page_budget_ms(r, r.pages[i]))} ({_ms(r.pages[i].api.median_ms - page_budget_ms(r, r.pages[i]))})"
            for r in results
        ]
        out.append(
            "| **budget: raw + `/health` + 1 ms (API − budget)** | "
            + " | ".join(budget_cells)
            + " |"
        )
        ratio_cells = [_ratio(r.pages[i].api.median_ms / r.pages[i].raw.median_ms) for r in results]
        out.append("| API ÷ raw SQL (median) | " + " | ".join(ratio_cells) + " |")
        same = [("yes" if r.pages[i].same_records else "**NO**") for r in results]
        out.append(
            "| same 50 records in API and raw SQL, no hidden field | " + " | ".join(same) + " |"
        )
        out.append(
            "| requests timed | " + " | ".join(str(r.pages[i].api.n) for r in results) + " |"
        )
        out.append("")
    out += _breakdown(results)
    floor = [f"{_ms(r.health.median_ms)} / {_ms(r.health.p95_ms)}" for r in results]
    out += [
        "For scale, the HTTP floor — `GET /api/v1/health` (auth-free, one `SELECT 1`):"
        " " + ", ".join(f"{lbl} {v} ms" for lbl, v in zip(labels, floor, strict=True)) + ".",
        "",
    ]
    return out


def _totals(results: list[DbResults]) -> list[str]:
    labels = [r.dataset.target.label for r in results]
    first = results[0].totals if results else None
    if not first:
        return []
    out = [
        "### (a′) A page with its total count",
        "",
        '`POST /api/v1/records/account/query` with and without `"with_total": true`, the two'
        " alternating request by request (median / p95 ms). Totals are exact up to"
        ' `GUANXI_COUNT_LIMIT` (1,000) matches; above it the answer says `"total_relation":'
        ' "gte"` and, on PostgreSQL, gives the planner\'s estimate (ADR 0019).',
        "",
        "| page | | " + " | ".join(labels) + " |",
        "|---|---|" + "---:|" * len(labels),
    ]
    for i, t in enumerate(first):

        def cell(r: DbResults, attr: str, i: int = i) -> str:
            timing: Timing = getattr((r.totals or [])[i], attr)
            return f"{_ms(timing.median_ms)} / {_ms(timing.p95_ms)}"

        def answer(r: DbResults, i: int = i) -> str:
            got = (r.totals or [])[i]
            text = f"{got.total:,}" if got.total is not None else "–"
            if got.relation == "gte":
                text = f"≥ {text}" + (f" (about {got.estimate:,})" if got.estimate else "")
            return text

        name = f"{t.key}: {t.title}"
        out.append(_row(name, ["page alone", *(cell(r, "alone") for r in results)]))
        out.append(_row("", ["with total", *(cell(r, "counted") for r in results)]))
        out.append(_row("", ["total", *(answer(r) for r in results)]))
        out.append(
            _row("", ["**with ÷ alone**", *(_ratio((r.totals or [])[i].ratio) for r in results)])
        )
    out.append("")
    return out


def _breakdown(results: list[DbResults]) -> list[str]:
    """Where a page's median time goes, from the four variants, plus what stands out."""
    out = [
        "Where a page's time goes (differences of medians, ms): the database (app's SQL"
        " through the driver), how much the app's SQL costs over the hand-written one, the"
        " service's Python work (service − app's SQL) and HTTP + FastAPI + client"
        " (API − service).",
        "",
        "| database | query | database | app's SQL − raw | service Python | HTTP + framework |",
        "|---|---|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    for r in results:
        label = r.dataset.target.label
        for p in r.pages:
            raw, sql = p.raw.median_ms, p.app_sql_driver.median_ms
            service, api = p.service.median_ms, p.api.median_ms
            out.append(
                f"| {label} | {p.query.key} | {_ms(sql)} | {_ms(sql - raw)} |"
                f" {_ms(service - sql)} | {_ms(api - service)} |"
            )
            if raw > TARGET_PAGE_MS:
                notes.append(
                    f"- {label}, {p.query.key}: the hand-written SQL alone takes {_ms(raw)} ms,"
                    f" over the {TARGET_PAGE_MS:.0f} ms budget — the database's plan (below),"
                    " not the application layer, decides this one."
                )
            if sql > 1.5 * raw + 1.0:
                notes.append(
                    f"- {label}, {p.query.key}: the app's SQL takes {_ms(sql)} ms against"
                    f" {_ms(raw)} ms for the hand-written query ({_ratio(sql / raw)}): its plan"
                    " differs (below)."
                )
    out.append("")
    if notes:
        out += ["What stands out:", "", *notes, ""]
    return out


def _body(q: PageResult) -> str:
    import orjson

    return orjson.dumps(q.query.body).decode()


def _creates(results: list[DbResults], budget: Budget) -> list[str]:
    labels = [r.dataset.target.label for r in results]
    out = [
        "### (b) Single-record creates",
        "",
        "`POST /api/v1/records/account` with one demo-like account (name, picklists, phone,"
        " e-mail, website, currency, address, tags, datetime).",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    seq = [r.creates.sequential for r in results]
    conc = [r.creates.concurrent for r in results]
    out.append("| 1 client: creates/s | " + " | ".join(_rate(t.per_second) for t in seq) + " |")
    out.append(
        "| 1 client: latency median / p95 ms | "
        + " | ".join(f"{_ms(t.median_ms)} / {_ms(t.p95_ms)}" for t in seq)
        + " |"
    )
    threads = results[0].creates.threads if results else budget.create_threads
    out.append(
        f"| {threads} clients: creates/s | " + " | ".join(_rate(t.per_second) for t in conc) + " |"
    )
    out.append(
        f"| {threads} clients: latency median / p95 ms | "
        + " | ".join(f"{_ms(t.median_ms)} / {_ms(t.p95_ms)}" for t in conc)
        + " |"
    )
    if all(r.creates.scaled is not None for r in results) and results:
        workers = results[0].creates.workers
        scaled = [r.creates.scaled for r in results if r.creates.scaled is not None]
        out.append(
            f"| {threads} clients, {workers} server workers: creates/s | "
            + " | ".join(_rate(t.per_second) for t in scaled)
            + " |"
        )
        out.append(
            f"| {threads} clients, {workers} server workers: latency median / p95 ms | "
            + " | ".join(f"{_ms(t.median_ms)} / {_ms(t.p95_ms)}" for t in scaled)
            + " |"
        )
    cpu_rows = [
        (f"{threads} clients", [r.creates.concurrent_cpu for r in results]),
        (
            f"{threads} clients, {results[0].creates.workers if results else 1} server workers",
            [r.creates.scaled_cpu for r in results],
        ),
    ]
    for label, cpus in cpu_rows:
        if results and all(c is not None for c in cpus):
            cells = [
                f"{_ms(c.server_ms)} / "
                + (_ms(c.database_ms) if r.dataset.target.kind == "postgresql" else "—")
                for r, c in zip(results, cpus, strict=True)
                if c is not None
            ]
            out.append(
                f"| {label}: CPU ms per create, server / PostgreSQL | " + " | ".join(cells) + " |"
            )
    out.append(
        "| requests timed (1 client + concurrent) | "
        + " | ".join(f"{a.n} + {b.n}" for a, b in zip(seq, conc, strict=True))
        + " |"
    )
    out.append("")
    return out


def _bulk(results: list[DbResults]) -> list[str]:
    labels = [r.dataset.target.label for r in results]
    bulks = [r.bulk for r in results]
    out = [
        "### (c) Bulk insert",
        "",
        "The same account rows, 1,000 per call or transaction: through"
        ' `POST /api/v1/records/account/bulk` (`"return_records": false`) versus the'
        " database's own bulk path into the same table with all its indexes (PostgreSQL"
        " `COPY`, SQLite `executemany`).",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
        _row("API: rows/s", [_rate(b.api_rows_per_s) for b in bulks]),
        _row("API: ms per 1,000-row call (median)", [_ms(b.api.median_ms) for b in bulks]),
        _row("database bulk load: rows/s", [_rate(b.raw_rows_per_s) for b in bulks]),
        _row("database: ms per 1,000 rows (median)", [_ms(b.raw.median_ms) for b in bulks]),
        _row(
            "**database ÷ API rows/s**",
            [_ratio(b.raw_rows_per_s / b.api_rows_per_s) for b in bulks],
        ),
        _row(
            "API with the server's indexer off: rows/s", [_rate(b.alone_rows_per_s) for b in bulks]
        ),
        _row(
            "database ÷ API, indexer off",
            [_ratio(b.raw_rows_per_s / b.alone_rows_per_s) for b in bulks],
        ),
        _row(
            "API, until searchable (index queue empty): rows/s",
            [_rate(b.indexed_rows_per_s) for b in bulks],
        ),
        _row(
            "database ÷ API until searchable",
            [_ratio(b.raw_rows_per_s / b.indexed_rows_per_s) for b in bulks],
        ),
        _row("rows per side", [f"{b.api.n * b.size:,}" for b in bulks]),
        "",
    ]
    return out


def _search(results: list[DbResults]) -> list[str]:
    labels = [r.dataset.target.label for r in results]
    out = [
        "### (d) Global search",
        "",
        "`GET /api/v1/search?q=…` (default 5 matches per object, accounts and contacts;"
        " substring match on names, e-mails, phones and account numbers). Latency in ms,"
        " median / p95; hits = records returned.",
        "",
        "| query | q | " + " | ".join(labels) + " |",
        "|---|---|" + "---:|" * len(labels),
    ]
    for i, s in enumerate(results[0].searches if results else []):
        cells = []
        for r in results:
            hit = r.searches[i]
            cells.append(
                f"{_ms(hit.timing.median_ms)} / {_ms(hit.timing.p95_ms)}"
                f" ({hit.hits} hits, n={hit.timing.n})"
            )
        qs = {r.searches[i].q for r in results}
        out.append(f"| {s.label} | `{' / '.join(sorted(qs))}` | " + " | ".join(cells) + " |")
    out.append("")
    return out


def _method(budget: Budget) -> list[str]:
    return [
        "## Method",
        "",
        "- **Data set** (`bench/generate.py`): the schema is made by the app"
        " (`guanxi.bootstrap.migrate`) on a new SQLite file or a new PostgreSQL schema"
        " (`bench`, passed as `Database(url, schema=…)` and `GUANXI_DATABASE_SCHEMA`). Rows are"
        " the demo's fake records turned into columns by the app's field types, converted by the"
        " SQLAlchemy table's type processors, and bulk-loaded (SQLite `executemany`,"
        " PostgreSQL `COPY`) with the secondary indexes dropped and then recreated from their"
        " own DDL; then `ANALYZE` / `VACUUM ANALYZE`. All system columns are filled (uuid7 ids,"
        " version 1, created by the bench administrator). Records belong round-robin to a"
        " sales organisation (`bench.generate.People`): a director over 10 team leads over 10"
        ' reps each, leads and reps holding the customers module\'s "Sales rep" role (own and'
        " subordinates, annual revenue hidden). The database is cached under"
        " `bench/data/` (git-ignored) with a marker of size and seed; rows that a run creates"
        " are newer than the data set and are deleted before the next run.",
        f"- **Pages (a):** {budget.page_requests} sequential requests per variant after 10"
        " warm-ups, one keep-alive connection. Raw SQL selects the same columns (every column"
        " but `deleted_at` and the columns of fields hidden from the user) with the same WHERE"
        " (including `deleted_at IS NULL`, and for the rep `owner_id IN` the 11 ids of their"
        " team, on the contact and on the account it filters through), ORDER BY (with the `id`"
        " tie-breaker the API adds) and LIMIT, and fetches all rows; the API's first page is"
        " checked to hold the same 50 records and no hidden field. The rep is the first team"
        " lead, signed in with an API token like the administrator. The target budget is the"
        " hand-written query's median plus the median of `GET /api/v1/health` (measured just"
        " before the pages) plus 1 ms.",
        f"- **Creates (b):** {budget.creates} sequential requests after 20 warm-ups, then"
        f" {budget.creates} more spread over {budget.create_threads} client threads (one"
        " connection each); creates/s = requests ÷ wall time. Then the same concurrent load"
        " against a second server started with one worker process per core (`guanxi serve"
        " --workers N`, how production runs it); the client threads share those cores."
        " During the concurrent loads the user + system CPU time of the server's processes"
        " and of PostgreSQL's is read from `/proc` (`bench/cpu.py`) and divided by the"
        " creates: where the cores' time went.",
        f"- **Bulk (c):** {budget.bulk_batches} calls of {budget.bulk_size} records after a"
        " 10-record warm-up call; the database side loads the same records, converted to"
        " driver parameters before the clock starts, one transaction per 1,000 rows with the"
        " app's connection settings (SQLite: WAL, synchronous=NORMAL, foreign keys on).",
        f"- **Search (d):** up to {budget.search_requests} sequential requests per term after 2"
        " warm-ups. The terms are taken from records in the middle of the data set.",
        f"- Slow loops stop after {budget.max_seconds:.0f} s (at least 5 samples); *n* shows"
        " how many were timed. p95 is the nearest-rank 95th percentile.",
        "- **Profiles:** `python -m bench.profile --scenario create|page|lookup-page|bulk|search"
        " [--db postgresql]` runs the same server under `py-spy` (install it into the venv) and"
        " prints each function's share of the sampled time.",
        "- **Trying a change:** `python -m bench.run --only pages,search,creates,bulk"
        " [--dbs sqlite]` measures just those on the cached data sets and prints one line per"
        " number, leaving this report alone.",
        "",
    ]


def _plans(results: list[DbResults]) -> list[str]:
    out = ["## Query plans", ""]
    for r in results:
        for p in r.pages:
            out += [
                "<details>",
                f"<summary>{r.dataset.target.label}: {p.query.key}</summary>",
                "",
                "Raw SQL:",
                "",
                "```sql",
                p.raw_sql,
                "```",
                "",
                "```",
                p.plans.get("raw", ""),
                "```",
                "",
                "App's SQL:",
                "",
                "```sql",
                p.app_sql,
                "```",
                "",
                "```",
                p.plans.get("app", ""),
                "```",
                "",
                "</details>",
                "",
            ]
    return out

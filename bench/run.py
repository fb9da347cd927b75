"""Run the benchmarks: ``python -m bench.run [--quick] [--dbs sqlite,postgresql] …``.

For each database: make (or reuse) the data set, start the real server on a free loopback
port, measure list pages, search, single creates and bulk inserts against the raw database,
then print the markdown report and write it to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shlex
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import Spec, Target, ensure_dataset, log_stderr, reset
from bench.report import DbResults, pg_version, render
from bench.scenarios import (
    Budget,
    measure_bulk,
    measure_bulk_alone,
    measure_creates,
    measure_health,
    measure_pages,
    measure_scaled_creates,
    measure_search,
    measure_totals,
)
from bench.server import running_server
from bench.timing import cpu_speed_ms

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
QUICK_ACCOUNTS = 20_000
DBS = ("sqlite", "postgresql")


SCENARIOS = ("pages", "totals", "search", "creates", "bulk")
INDEXER_OFF = {"GUANXI_SEARCH_INDEX_INTERVAL": "0"}  # the bulk insert path on its own


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Guanxi benchmarks against the raw database."
    )
    parser.add_argument("--accounts", type=int, default=1_000_000, help="accounts to generate")
    parser.add_argument("--contacts-per-account", type=int, default=2, help="contacts each")
    parser.add_argument("--seed", type=int, default=Spec(1).seed, help="data set seed")
    parser.add_argument(
        "--dbs", default=",".join(DBS), help="comma-separated: sqlite,postgresql (default both)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_ACCOUNTS:,} accounts, fewer requests, report not in docs/",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT / "bench" / "data", help="generated databases"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("GUANXI_BENCH_POSTGRES_URL", DEFAULT_PG_URL),
        help="PostgreSQL server (env GUANXI_BENCH_POSTGRES_URL)",
    )
    parser.add_argument(
        "--pg-schema", default=None, help="schema for the data set (default bench, bench_quick)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="report file (default docs/benchmarks.md; bench/data/benchmarks-quick.md if --quick)",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rebuild the data sets even if cached"
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="make the data sets, measure nothing"
    )
    parser.add_argument(
        "--only",
        default=None,
        help=f"comma-separated subset of {','.join(SCENARIOS)}: print a short summary,"
        " leave the report alone (for trying a change)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="only re-render the report from the last run's saved results",
    )
    args = parser.parse_args(argv)
    if args.quick and args.accounts == parser.get_default("accounts"):
        args.accounts = QUICK_ACCOUNTS
    args.dbs = [d.strip() for d in args.dbs.split(",") if d.strip()]
    unknown = set(args.dbs) - set(DBS)
    if unknown or not args.dbs:
        parser.error(f"--dbs takes {', '.join(DBS)}")
    if args.accounts < 1000 or args.contacts_per_account < 1:
        parser.error("use at least 1000 accounts and 1 contact per account")
    if args.only is not None:
        args.only = [s.strip() for s in args.only.split(",") if s.strip()]
        if not args.only or set(args.only) - set(SCENARIOS):
            parser.error(f"--only takes {', '.join(SCENARIOS)}")
    if args.pg_schema is None:
        args.pg_schema = "bench_quick" if args.quick else "bench"
    if args.output is None:
        args.output = (
            args.data_dir / "benchmarks-quick.md" if args.quick else ROOT / "docs" / "benchmarks.md"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.only:
        focus(args, Budget.quick() if args.quick else Budget())
        return 0
    data_dir: Path = args.data_dir
    saved = data_dir / ("results-quick.pickle" if args.quick else "results.pickle")
    if args.render_only:
        with saved.open("rb") as f:
            results, budget, command = pickle.load(f)  # noqa: S301 - our own file
    else:
        budget = Budget.quick() if args.quick else Budget()
        results = measure(args, budget)
        given = list(argv if argv is not None else sys.argv[1:])
        command = "python -m bench.run" + (" " + shlex.join(given) if given else "")
        if results:
            with saved.open("wb") as f:
                pickle.dump((results, budget, command), f)
    if not results:
        return 0
    report = render(results, budget, args.quick, command)
    print(report)
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    log_stderr(f"report written to {output}")
    return 0


def measure(args: argparse.Namespace, budget: Budget) -> list[DbResults]:
    """Make or reuse each database's data set and run every measurement against it."""
    log = log_stderr
    spec = Spec(args.accounts, args.contacts_per_account, args.seed)
    data_dir: Path = args.data_dir
    results: list[DbResults] = []
    for kind in args.dbs:
        target = (
            Target.sqlite(data_dir, spec)
            if kind == "sqlite"
            else Target.postgresql(args.pg_url, args.pg_schema)
        )
        dataset = ensure_dataset(target, spec, data_dir, force=args.regenerate, log=log)
        if args.generate_only:
            continue
        log(f"measuring {target.label}")
        measured_at = datetime.now(UTC)
        load_before = os.getloadavg()[0]
        speed_before = cpu_speed_ms()
        try:
            with running_server(dataset, data_dir) as server:
                health = measure_health(server, budget)
                pages = measure_pages(server, dataset, budget, log)
                totals = measure_totals(server, dataset, budget, log)
                searches = measure_search(server, dataset, budget, log)
                creates = measure_creates(server, dataset, budget, log)
                bulk = measure_bulk(server, dataset, budget, log)
            with running_server(dataset, data_dir, settings=INDEXER_OFF) as server:
                bulk.alone = measure_bulk_alone(server, dataset, budget, log)
            workers = os.cpu_count() or 1
            if workers > 1:
                with running_server(dataset, data_dir, workers=workers) as server:
                    creates.scaled, creates.scaled_cpu = measure_scaled_creates(
                        server, dataset, budget, workers, log
                    )
                    creates.workers = workers
        finally:
            reset(dataset)
        results.append(
            DbResults(
                dataset=dataset,
                server_version=pg_version(target) if kind == "postgresql" else "",
                health=health,
                pages=pages,
                searches=searches,
                creates=creates,
                bulk=bulk,
                load=(load_before, os.getloadavg()[0]),
                measured_at=measured_at,
                cpu_speed=(speed_before, cpu_speed_ms()),
                totals=totals,
            )
        )
    return results


def focus(args: argparse.Namespace, budget: Budget) -> None:
    """Measure only ``args.only`` on each database and print one line per number."""
    spec = Spec(args.accounts, args.contacts_per_account, args.seed)
    for kind in args.dbs:
        target = (
            Target.sqlite(args.data_dir, spec)
            if kind == "sqlite"
            else Target.postgresql(args.pg_url, args.pg_schema)
        )
        dataset = ensure_dataset(target, spec, args.data_dir, log=log_stderr)
        label = target.label
        try:
            with running_server(dataset, args.data_dir) as server:
                if "pages" in args.only:
                    health = measure_health(server, budget).median_ms
                    for page in measure_pages(server, dataset, budget, log_stderr):
                        budget_ms = page.raw.median_ms + health + 1.0
                        print(
                            f"{label} page {page.query.key}: API {page.api.median_ms:.2f} ms,"
                            f" raw {page.raw.median_ms:.2f} ms, /health {health:.2f} ms,"
                            f" budget {budget_ms:.2f} ms"
                        )
                if "totals" in args.only:
                    for t in measure_totals(server, dataset, budget, log_stderr):
                        print(
                            f"{label} total {t.key}: {t.alone.median_ms:.2f} ms alone,"
                            f" {t.counted.median_ms:.2f} ms counted ({t.ratio:.2f}x),"
                            f" total {t.relation} {t.total} ~{t.estimate}"
                        )
                if "search" in args.only:
                    for found in measure_search(server, dataset, budget, log_stderr):
                        print(f"{label} search {found.q}: {found.timing.median_ms:.2f} ms")
                if "creates" in args.only:
                    creates = measure_creates(server, dataset, budget, log_stderr)
                    cpu = creates.concurrent_cpu
                    assert cpu is not None
                    print(
                        f"{label} creates: {creates.sequential.per_second:.0f}/s (1 client),"
                        f" {creates.concurrent.per_second:.0f}/s ({creates.threads} clients;"
                        f" CPU per create: server {cpu.server_ms:.2f} ms,"
                        f" PostgreSQL {cpu.database_ms:.2f} ms)"
                    )
                if "bulk" in args.only:
                    bulk = measure_bulk(server, dataset, budget, log_stderr)
            workers = os.cpu_count() or 1
            if "creates" in args.only and workers > 1:
                with running_server(dataset, args.data_dir, workers=workers) as server:
                    scaled, cpu = measure_scaled_creates(
                        server, dataset, budget, workers, log_stderr
                    )
                print(
                    f"{label} creates: {scaled.per_second:.0f}/s ({workers} server workers;"
                    f" CPU per create: server {cpu.server_ms:.2f} ms,"
                    f" PostgreSQL {cpu.database_ms:.2f} ms)"
                )
            if "bulk" in args.only:
                with running_server(dataset, args.data_dir, settings=INDEXER_OFF) as server:
                    bulk.alone = measure_bulk_alone(server, dataset, budget, log_stderr)
                print(
                    f"{label} bulk: {bulk.raw_rows_per_s / bulk.api_rows_per_s:.1f}x the"
                    f" database's load, {bulk.raw_rows_per_s / bulk.indexed_rows_per_s:.1f}x"
                    f" until searchable, {bulk.raw_rows_per_s / bulk.alone_rows_per_s:.1f}x"
                    " with the indexer off"
                )
        finally:
            reset(dataset)


if __name__ == "__main__":
    sys.exit(main())

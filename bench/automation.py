"""Automation rules on the write path: ``python -m bench.automation [--records N] [--dbs …]``.

The issue's target: 10,000 record updates against 50 active rules at ≥ 2,000 updates/s,
at most 1.5× the time of the same updates with no rules. On each database, on the
installed ``account`` object with the installation's write hooks (modules', SLA clocks,
automation, the outbox):

1. the raw database: ``UPDATE o_account SET description = ?, version = version + 1``, one
   transaction per record, the same driver, no service;
2. the records service with no rules: one ``update_current`` per transaction (history,
   validation, hooks), then the same as bulk updates of 100 records per transaction;
3. the same with 50 active account rules that look at every update and fire on none
   (25 ``field_changed`` on fields the updates leave alone, 25 ``updated`` with conditions
   the records do not meet): the evaluation's cost;
4. the same with one more rule that fires on every update and sets a field (an acting
   rule: what a rule costs when it does something).

Two untimed passes over every row come first; every run starts from a vacuumed table on
PostgreSQL; a bulk run is the median of three.

Writes ``bench/automation.md``, which the report (``docs/benchmarks.md``) includes.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update

import bench  # noqa: F401  (registration check off, as for every benchmark)
from bench.dedupe import DEFAULT_PG_URL, scratch_database
from guanxi.bootstrap import migrate
from guanxi.kernel.db import Database
from guanxi.modules import installed, write_hooks
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process import automation, engine
from guanxi.platform.process.automation_schemas import RuleIn
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHooks
from guanxi.platform.records.service import create_many
from guanxi.platform.records.updates import update_current, update_many

REPORT = Path(__file__).with_name("automation.md")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
BULK = 100
FIELDS_LEFT_ALONE = ("level", "industry", "status", "source", "tier", "phone", "email")


def rules_that_look(count: int) -> list[dict[str, Any]]:
    """Rules that look at every account update and fire on none of the measured ones."""
    made = []
    for n in range(count):
        if n % 2 == 0:
            field = FIELDS_LEFT_ALONE[n // 2 % len(FIELDS_LEFT_ALONE)]
            trigger: dict[str, Any] = {"type": "field_changed", "field": field}
            condition = None
        else:
            trigger = {"type": "updated"}
            condition = {
                "and": [
                    {"field": "level", "op": "eq", "value": "key"},
                    {"field": "employees", "op": "gt", "value": n},
                ]
            }
        made.append(
            {
                "object": "account",
                "name": f"rule {n}",
                "trigger": trigger,
                "condition": condition,
                "actions": [{"type": "update_fields", "values": {"tier": "a"}}],
            }
        )
    return made


def measure(label: str, work: Callable[[], int]) -> tuple[str, int, float]:
    start = time.perf_counter()
    done = work()
    return label, done, time.perf_counter() - start


def run_db(kind: str, records: int) -> list[tuple[str, int, float]]:
    pg_url = os.environ.get("GUANXI_TEST_POSTGRES_URL") or DEFAULT_PG_URL
    with scratch_database(kind, pg_url, "automation") as db:
        migrate(db)
        registry = Registry()
        relay = engine.relay(db, lambda: NOW, allow_private=True)
        hooks = write_hooks(installed(), relay.hook)
        with db.write() as conn:
            ctx = Ctx.open(conn, registry, SYSTEM, NOW, hooks=hooks)
            made = []
            for start in range(0, records, 5000):
                batch = [
                    {"name": f"基准客户{n:06d}", "level": "normal"}
                    for n in range(start, min(records, start + 5000))
                ]
                made += create_many(ctx, "account", batch, return_records=False).records
        with db.read() as conn:
            table = registry.snapshot(conn).table("account")
            ids = [row.id for row in conn.execute(table.select().with_only_columns(table.c.id))]
        results: list[tuple[str, int, float]] = []

        def timed(label: str, work: Callable[[], int]) -> tuple[str, int, float]:
            # Each run rewrites every row. On PostgreSQL the dead row versions the runs
            # before left would slow the next one down, so each starts from a vacuumed,
            # analysed table: the same state for every run. SQLite rewrites in place.
            if kind == "postgresql":
                with db.read() as conn:
                    table = registry.snapshot(conn).table("account")
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql(f'VACUUM ANALYZE "{table.name}"')
            return measure(label, work)

        def raw(round_: int) -> int:
            with db.read() as conn:
                table = registry.snapshot(conn).table("account")
            statement = (
                update(table)
                .where(table.c.id == bindparam("rid"))
                .values(description=bindparam("d"), version=table.c.version + 1)
            )
            for n, record_id in enumerate(ids):
                with db.write() as conn:
                    conn.execute(statement, {"d": f"raw {round_} {n}", "rid": record_id})
            return len(ids)

        def singles(round_: int, with_hooks: WriteHooks) -> int:
            for n, record_id in enumerate(ids):
                with db.write() as conn:
                    ctx = Ctx.open(conn, registry, SYSTEM, NOW, hooks=with_hooks)
                    update_current(ctx, "account", record_id, {"description": f"s {round_} {n}"})
            return len(ids)

        def bulk(round_: int, with_hooks: WriteHooks) -> int:
            versions = _versions(db, registry, ids)
            for start in range(0, len(ids), BULK):
                part = ids[start : start + BULK]
                with db.write() as conn:
                    ctx = Ctx.open(conn, registry, SYSTEM, NOW, hooks=with_hooks)
                    update_many(
                        ctx,
                        "account",
                        [
                            {"id": str(i), "version": versions[i], "description": f"b {round_} {i}"}
                            for i in part
                        ],
                    )
            return len(ids)

        def bulk_median(label: str, round_: int) -> tuple[str, int, float]:
            # A bulk run takes seconds, so one busy moment of the machine moves it far: the
            # median of three is reported.
            runs = [timed(label, partial(bulk, round_ * 10 + n, hooks)) for n in range(3)]
            return sorted(runs, key=itemgetter(2))[1]

        # A freshly loaded table is packed: the first passes over every row pay for growing
        # it (new pages, index entries), later ones update in place in the space vacuum
        # freed. Two untimed passes first, so every run finds the table as a table that
        # lives on does, and none pays for the load before it.
        for warm in range(2):
            bulk(-1 - warm, hooks)
        results.append(timed("raw UPDATE, one per transaction", lambda: raw(1)))
        results.append(timed("service, no rules, one per transaction", lambda: singles(1, hooks)))
        results.append(bulk_median(f"service, no rules, {BULK} per transaction", 1))
        with db.write() as conn:
            ctx = Ctx.open(conn, registry, SYSTEM, NOW)
            for body in rules_that_look(50):
                automation.create_rule(ctx, RuleIn.model_validate(body))
        results.append(timed("service, 50 rules, one per transaction", lambda: singles(2, hooks)))
        results.append(bulk_median(f"service, 50 rules, {BULK} per transaction", 2))
        with db.write() as conn:
            ctx = Ctx.open(conn, registry, SYSTEM, NOW)
            acting = {
                "object": "account",
                "name": "acting",
                "trigger": {"type": "field_changed", "field": "description"},
                "actions": [{"type": "update_fields", "values": {"tier": "a"}}],
            }
            automation.create_rule(ctx, RuleIn.model_validate(acting))
        results.append(
            timed(
                "service, 50 rules + 1 that sets a field, one per transaction",
                lambda: singles(3, hooks),
            )
        )
        return results


def _versions(db: Database, registry: Registry, ids: list[Any]) -> dict[Any, int]:
    with db.read() as conn:
        table = registry.snapshot(conn).table("account")
        return {
            row.id: row.version
            for row in conn.execute(table.select().with_only_columns(table.c.id, table.c.version))
        }


def report(by_db: dict[str, list[tuple[str, int, float]]], records: int) -> str:
    lines = [
        "## Automation rules on the write path",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.automation --records {records}`"
        " (code in [`bench/automation.py`](../bench/automation.py)). Target: ≥ 2,000 updates/s with"
        " 50 active rules, ≤ 1.5× the same updates with none.",
        "",
    ]
    for kind, results in by_db.items():
        base = {
            label.split(",")[-1].strip(): seconds
            for label, _, seconds in results
            if "no rules" in label
        }
        raw = results[0][2]
        lines += [
            f"### {kind}",
            "",
            "| run | updates/s | × raw | × no rules |",
            "|---|---:|---:|---:|",
        ]
        for label, done, seconds in results:
            per = label.split(",")[-1].strip()
            against = base.get(per)
            ratio = (
                f"{seconds / against:.2f}"
                if against and "no rules" not in label and "raw" not in label
                else ""
            )
            lines.append(f"| {label} | {done / seconds:,.0f} | {seconds / raw:.2f} | {ratio} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--dbs", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    by_db = {kind: run_db(kind, args.records) for kind in args.dbs.split(",")}
    text_ = report(by_db, args.records)
    print(text_)
    REPORT.write_text(text_ + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

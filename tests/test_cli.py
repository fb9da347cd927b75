"""The `guanxi` command line, as an operator uses it (SQLite in a temporary folder; the
field-index check also on PostgreSQL)."""

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from guanxi.cli import app
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.metadata import service
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GUANXI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_migrate_admin_token_doctor_and_demo(env: CliRunner) -> None:
    doctor = env.invoke(app, ["doctor"])
    assert doctor.exit_code == 1 and "PENDING" in doctor.output

    migrated = env.invoke(app, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "module customers: installed version 2" in migrated.output
    assert "module sales: installed version 2" in migrated.output
    assert "module customers" not in env.invoke(app, ["migrate"]).output  # nothing to do
    created = env.invoke(
        app, ["admin", "create", "--email", "boss@example.com", "--password", "s3cret-pass"]
    )
    assert created.exit_code == 0, created.output
    duplicate = env.invoke(
        app, ["admin", "create", "--email", "boss@example.com", "--password", "s3cret-pass"]
    )
    assert duplicate.exit_code == 1 and "exists" in duplicate.output

    token = env.invoke(app, ["admin", "token", "--email", "boss@example.com"])
    assert token.exit_code == 0 and token.output.strip().startswith("gx_")
    unknown = env.invoke(app, ["admin", "token", "--email", "nobody@example.com"])
    assert unknown.exit_code == 1

    doctor = env.invoke(app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "up to date" in doctor.output and "module customers: version 2" in doctor.output

    demo = env.invoke(app, ["demo", "--size", "5"])
    assert demo.exit_code == 0, demo.output
    assert "'account': 5" in demo.output
    again = env.invoke(app, ["demo", "--size", "5"])
    assert "already present" in again.output

    rep = env.invoke(
        app,
        [
            "admin",
            "create",
            "--email",
            "new.rep@example.com",
            "--password",
            "Passw0rd!",
            "--role",
            "Sales rep",
        ],
    )
    assert rep.exit_code == 0 and rep.output.startswith("user new.rep@example.com"), rep.output
    missing = env.invoke(
        app,
        [
            "admin",
            "create",
            "--email",
            "x@example.com",
            "--password",
            "Passw0rd!",
            "--role",
            "Astronaut",
        ],
    )
    assert missing.exit_code == 1 and "no role" in missing.output
    rep_token = env.invoke(app, ["admin", "token", "--email", "new.rep@example.com"])
    assert rep_token.exit_code == 0
    reset = env.invoke(
        app, ["admin", "password", "--email", "new.rep@example.com", "--password", "N3w-secret"]
    )
    assert reset.exit_code == 0, reset.output
    assert "0 session(s) ended, 1 API token(s) revoked" in reset.output


def test_search_reindex_rebuilds_the_index_of_every_object_or_one(env: CliRunner) -> None:
    assert env.invoke(app, ["migrate"]).exit_code == 0
    assert env.invoke(app, ["demo", "--size", "5"]).exit_code == 0
    everything = env.invoke(app, ["search", "reindex"])
    assert everything.exit_code == 0, everything.output
    # The demo's accounts, and those its converted leads made.
    accounts = re.search(r"^account: (\d+) records indexed$", everything.output, re.M)
    assert accounts is not None and int(accounts.group(1)) >= 5
    assert "contact: " in everything.output and "lead: 5 records indexed" in everything.output
    one = env.invoke(app, ["search", "reindex", "--object", "account"])
    assert one.exit_code == 0 and one.output.strip() == accounts.group(0)
    unknown = env.invoke(app, ["search", "reindex", "--object", "nothing"])
    assert unknown.exit_code == 1 and "no object" in unknown.output


def test_demo_loads_more_accounts_than_one_bulk_call_takes(
    env: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guanxi.modules.customers import demo

    monkeypatch.setattr(demo, "MAX_BULK", 4)  # as if 10 accounts were 2,500 or more
    assert env.invoke(app, ["migrate"]).exit_code == 0
    loaded = env.invoke(app, ["demo", "--size", "10"])
    assert loaded.exit_code == 0, loaded.output
    assert "'account': 10" in loaded.output


def test_demo_loads_each_modules_demo_after_the_modules_it_requires(
    env: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import guanxi.modules
    from guanxi.modules import DemoRun, Module, customers
    from guanxi.platform.records.context import Ctx

    def visits(ctx: Ctx, run: DemoRun) -> dict[str, int]:
        accounts = ctx.conn.execute(select(func.count()).select_from(ctx.snap.table("account")))
        return {"visits_after_accounts": accounts.scalar() or 0, "reps": len(run.org.sales_reps)}

    later = Module(name="visits", requires=["customers"], demo=visits)
    monkeypatch.setattr(guanxi.modules, "installed", lambda: [later, customers.MODULE])
    loaded = env.invoke(app, ["demo", "--size", "3"])
    assert loaded.exit_code == 0, loaded.output
    assert "'account': 3" in loaded.output
    assert "'visits_after_accounts': 3, 'reps': 4" in loaded.output


def test_doctor_names_a_module_whose_upgrade_is_pending(
    env: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    import guanxi.modules
    from guanxi.modules import customers

    assert env.invoke(app, ["migrate"]).exit_code == 0
    now = customers.MODULE.version
    newer = dataclasses.replace(customers.MODULE, version=now + 1)
    monkeypatch.setattr(guanxi.modules, "installed", lambda: [newer])
    doctor = env.invoke(app, ["doctor"])
    assert doctor.exit_code == 1
    assert f"module customers: PENDING (at {now}, newest {now + 1})" in doctor.output
    assert env.invoke(app, ["migrate"]).output.startswith(
        f"module customers: upgraded from version {now} to {now + 1}"
    )
    assert env.invoke(app, ["doctor"]).exit_code == 0


def test_doctor_finishes_a_field_index_a_killed_process_left_pending(
    empty_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """PostgreSQL (ADR 0020): a field committed without its index is reported and built."""
    if empty_db.is_sqlite:
        pytest.skip("SQLite builds a field's indexes inside its transaction")
    monkeypatch.setenv("GUANXI_DATABASE_URL", empty_db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GUANXI_DATABASE_SCHEMA", str(empty_db.schema))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    now = FixedClock(datetime(2026, 12, 7, tzinfo=UTC)).now()
    with empty_db.write() as conn:
        service.create_object(conn, Registry(), ObjectIn(name="kit", label={"en": "Kit"}), now=now)
    with empty_db.engine.begin() as conn:  # not Database.write: nothing builds after it
        spec = FieldIn(name="serial", type="text", label={"en": "Serial"}, unique=True)
        service.create_field(conn, Registry(), "kit", spec, now=now)
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "field index ux_o_kit_serial: was pending, now built" in doctor.output
    again = runner.invoke(app, ["doctor"])
    assert "field indexes: none pending" in again.output


def test_a_scheduled_job_runs_from_the_command_line(env: CliRunner) -> None:
    assert env.invoke(app, ["migrate"]).exit_code == 0
    listed = env.invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0 and "reclaim_idle_accounts\tsales\t30 1 * * *" in listed.output
    assert "sla_sweep\tplatform\tevery 0:01:00" in listed.output  # the engine's own job
    swept = env.invoke(app, ["jobs", "run", "sla_sweep"])
    assert swept.exit_code == 0 and "sla_sweep: {'warned': 0, 'breached': 0}" in swept.output
    ran = env.invoke(app, ["jobs", "run", "reclaim_idle_accounts"])
    assert ran.exit_code == 0, ran.output
    assert "reclaim_idle_accounts: {'reclaimed': [], 'warned': []}" in ran.output
    unknown = env.invoke(app, ["jobs", "run", "no_such_job"])
    assert unknown.exit_code == 1 and "no job named" in unknown.output
    # By hand is not at its time: the list shows runs by the queue's consumers only.
    assert (
        "sla_sweep\tplatform\tevery 0:01:00\tnever\t-" in env.invoke(app, ["jobs", "list"]).output
    )


def test_the_worker_runs_until_sigterm(env: CliRunner, tmp_path: Path) -> None:
    assert env.invoke(app, ["migrate"]).exit_code == 0
    environment = {**os.environ, "GUANXI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "guanxi.cli", "worker", "--threads", "1"],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert worker.stdout is not None
        started = next(line for line in worker.stdout if line.startswith("worker:"))
        assert "worker: consuming SQLite" in started and "cli-queue.db" in started
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        worker.kill()
    assert worker.returncode == 0, output
    assert "worker: stopping after the work in progress" in output

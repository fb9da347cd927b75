"""The ``guanxi`` command line."""

from __future__ import annotations

import sys

import typer

from guanxi.config import Settings
from guanxi.kernel.clock import SystemClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DEMO_PASSWORD

app = typer.Typer(help="Guanxi (关系) CRM", no_args_is_help=True, add_completion=False)
admin = typer.Typer(help="Administrator accounts and tokens", no_args_is_help=True)
app.add_typer(admin, name="admin")
search = typer.Typer(help="The global search index", no_args_is_help=True)
app.add_typer(search, name="search")
jobs = typer.Typer(help="The modules' scheduled jobs", no_args_is_help=True)
app.add_typer(jobs, name="jobs")


def _db() -> tuple[Settings, Database]:
    settings = Settings()
    return settings, Database(settings.database_url, schema=settings.database_schema)


@app.command()
def migrate() -> None:
    """Create or upgrade the database (system tables and standard objects)."""
    from guanxi.bootstrap import migrate as run
    from guanxi.modules import installed

    _, db = _db()
    for done in run(db, modules=installed()):
        if done.before is None:
            typer.echo(f"module {done.module}: installed version {done.after}")
        elif done.before != done.after:
            typer.echo(f"module {done.module}: upgraded from version {done.before} to {done.after}")
    typer.echo(f"database is up to date ({db.dialect})")


@app.command()
def serve(
    host: str = typer.Option(
        None, help="interface to listen on (default GUANXI_HOST or 127.0.0.1)"
    ),
    port: int = typer.Option(None, help="port (default GUANXI_PORT or 8000)"),
    workers: int = typer.Option(None, help="server processes (default GUANXI_WORKERS or 1)"),
) -> None:
    """Serve the web application and API."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "guanxi.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )


@app.command()
def demo(
    size: int = typer.Option(200, help="records of each module's main object"),
) -> None:
    """Load a realistic bilingual demo data set (skipped when data already exists)."""
    from sqlalchemy import func, select

    from guanxi.bootstrap import migrate as run
    from guanxi.modules import (
        DemoRun,
        in_dependency_order,
        installed,
        role_grants,
        write_hooks,
    )
    from guanxi.platform.access import demo as demo_org
    from guanxi.platform.access.actor import Actor
    from guanxi.platform.access.tables import gx_user
    from guanxi.platform.access.users import create_user
    from guanxi.platform.metadata.registry import Registry
    from guanxi.platform.records.context import Ctx

    _, db = _db()
    modules = in_dependency_order(installed())
    run(db, modules=modules)
    registry = Registry()
    clock = SystemClock()
    with db.write() as conn:
        ctx = Ctx.open(conn, registry, Actor(user_id=None), clock.now())
        demo_objects = [d.spec.name for m in modules if m.demo for d in m.objects]
        if any(
            conn.execute(select(func.count()).select_from(ctx.snap.table(name))).scalar()
            for name in demo_objects
        ):
            typer.echo("demo data already present")
            return
        admin_row = conn.execute(
            select(gx_user.c.id).where(gx_user.c.email == "admin@example.com")
        ).first()
        if admin_row is None:
            user_id = create_user(
                conn,
                email="admin@example.com",
                name="管理员 Admin",
                password=DEMO_PASSWORD,
                now=clock.now(),
                is_admin=True,
            )
        else:
            user_id = admin_row.id
        people = demo_org.load(conn, ctx.snap, now=clock.now(), grants=role_grants(modules))
        ctx = Ctx.open(
            conn,
            registry,
            Actor(user_id=user_id, name="Admin", is_admin=True),
            clock.now(),
            hooks=write_hooks(modules),  # demo data keeps the modules' rules too
        )
        counts: dict[str, int] = {}
        for module in modules:  # in dependency order: lookups find their targets
            if module.demo is not None:
                counts.update(module.demo(ctx, DemoRun(org=people, size=size)))
    typer.echo(
        f"demo data loaded: {counts}; sign in as admin@example.com / {DEMO_PASSWORD} "
        f"(or ceo.chen, director.li, rep.zhang … @example.com, same password)"
    )


@admin.command("create")
def admin_create(
    email: str = typer.Option(..., help="e-mail address, used to sign in"),
    password: str = typer.Option(..., help="8+ characters mixing letters, digits or symbols"),
    name: str = typer.Option("Administrator", help="display name"),
    role: list[str] = typer.Option(
        [], help="role name to give (repeatable); implies --no-superuser"
    ),
    superuser: bool = typer.Option(True, help="every right, no data scope (the default)"),
) -> None:
    """Create a user: an administrator by default, or a user with the given roles."""
    from sqlalchemy import select

    from guanxi.kernel.errors import DomainError
    from guanxi.platform.access import audit, org
    from guanxi.platform.access.tables import gx_role
    from guanxi.platform.access.users import create_user

    _, db = _db()
    now = SystemClock().now()
    try:
        with db.write() as conn:
            role_ids = []
            for role_name in role:
                role_id = conn.execute(
                    select(gx_role.c.id).where(gx_role.c.name == role_name)
                ).scalar()
                if role_id is None:
                    typer.echo(f"error: no role named {role_name!r}", err=True)
                    raise typer.Exit(1)
                role_ids.append(role_id)
            user_id = create_user(
                conn,
                email=email,
                name=name,
                password=password,
                now=now,
                is_admin=superuser and not role,
            )
            org.set_roles(conn, user_id, role_ids)
            audit.record(
                conn,
                "user.create",
                now=now,
                actor_id=None,
                target=str(user_id),
                details={"email": email, "via": "cli"},
            )
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    kind = "administrator" if superuser and not role else "user"
    typer.echo(f"{kind} {email} created ({user_id})")


@admin.command("token")
def admin_token(
    email: str = typer.Option(..., help="the user the token acts as"),
    name: str = typer.Option("cli", help="a name to recognise the token by"),
) -> None:
    """Print a new API token for a user (shown once; stored only as a hash)."""
    from guanxi.kernel.errors import DomainError
    from guanxi.platform.access.users import create_token, user_by_email

    _, db = _db()
    try:
        with db.write() as conn:
            user = user_by_email(conn, email)
            _, secret = create_token(conn, user.id, name=name, now=SystemClock().now())
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(secret)


@admin.command("password")
def admin_password(email: str = typer.Option(...), password: str = typer.Option(...)) -> None:
    """Reset a user's password (and lift a sign-in lockout); their sessions end and their
    API tokens are revoked."""
    from sqlalchemy import update

    from guanxi.kernel.errors import DomainError
    from guanxi.platform.access import audit
    from guanxi.platform.access.tables import gx_user
    from guanxi.platform.access.users import set_password, user_by_email

    _, db = _db()
    now = SystemClock().now()
    try:
        with db.write() as conn:
            user_id = user_by_email(conn, email).id
            ended = set_password(conn, user_id, password, now=now)
            conn.execute(
                update(gx_user)
                .where(gx_user.c.id == user_id)
                .values(failed_logins=0, locked_until=None)
            )
            audit.record(
                conn,
                "user.password_reset",
                now=now,
                actor_id=None,
                target=str(user_id),
                details={"via": "cli", **ended},
            )
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"password changed; {ended['sessions_ended']} session(s) ended, "
        f"{ended['tokens_revoked']} API token(s) revoked"
    )


@search.command("reindex")
def search_reindex(
    object_name: str = typer.Option(
        None, "--object", help="only this object (default: every object)"
    ),
) -> None:
    """Rebuild the search index from the records (after a restore or a direct data load).

    One transaction: searches see the old index until it commits; on SQLite, writes wait."""
    from guanxi.platform.metadata.registry import Registry
    from guanxi.platform.search.index import reindex

    _, db = _db()
    with db.write() as conn:
        snap = Registry().snapshot(conn)
        names = [object_name] if object_name else sorted(snap.objects)
        if object_name and object_name not in snap.objects:
            typer.echo(f"error: no object named {object_name!r}", err=True)
            raise typer.Exit(1)
        for name in names:
            typer.echo(f"{name}: {reindex(conn, snap, name)} records indexed")
    if not db.is_sqlite:  # fresh statistics, so the planner knows how common each gram is
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE gx_search"
            )


@jobs.command("list")
def jobs_list() -> None:
    """The scheduled jobs of the process engine and the installed modules, with their times
    and their latest run (slot, outcome) as the queue's consumers ran them."""
    from guanxi.modules import installed, scheduled_jobs
    from guanxi.platform.process.jobs import last_runs

    found = scheduled_jobs(installed())
    _, db = _db()
    with db.read() as conn:
        runs = last_runs(conn, [job.name for _, job in found])
    for owner, job in found:
        when = job.cron if job.cron is not None else f"every {job.every}"
        run = runs.get(job.name)
        last = f"{run.slot_at.isoformat()}\t{run.outcome}" if run else "never\t-"
        typer.echo(f"{job.name}\t{owner}\t{when}\t{last}")


@jobs.command("run")
def jobs_run(name: str = typer.Argument(..., help="the job's name (guanxi jobs list)")) -> None:
    """Run one scheduled job now, as the system, in one transaction (by hand: the queue's
    consumers run each job at its times)."""
    from guanxi.modules import installed, scheduled_jobs, write_hooks
    from guanxi.platform.access.actor import SYSTEM
    from guanxi.platform.metadata.registry import Registry
    from guanxi.platform.records.context import Ctx

    modules = installed()
    found = [job for _, job in scheduled_jobs(modules) if job.name == name]
    if not found:
        typer.echo(f"error: no job named {name!r}", err=True)
        raise typer.Exit(1)
    _, db = _db()
    with db.write() as conn:
        ctx = Ctx.open(conn, Registry(), SYSTEM, SystemClock().now(), hooks=write_hooks(modules))
        result = found[0].run(ctx)
    typer.echo(f"{name}: {result}")


@app.command()
def worker(
    threads: int = typer.Option(
        None, help="threads running tasks (default GUANXI_QUEUE_WORKERS or 2)"
    ),
) -> None:
    """Run the queue's consumer: scheduled jobs, timers and queued tasks, until SIGTERM or
    SIGINT. With GUANXI_QUEUE_URL=redis://… run it on as many machines as needed (and
    GUANXI_QUEUE_CONSUMER=false for `guanxi serve`)."""
    import logging
    import signal
    import threading

    from guanxi.app import outbox_relay
    from guanxi.modules import installed, scheduled_jobs, write_hooks
    from guanxi.platform.metadata.registry import Registry
    from guanxi.platform.process.background import open_wired_queue
    from guanxi.platform.process.engine import TIMER_HANDLERS
    from guanxi.platform.process.runtime import Runtime

    settings, db = _db()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    modules = installed()
    clock = SystemClock()
    outbox = outbox_relay(settings, db, clock.now)
    hooks = write_hooks(modules, outbox.hook)
    runtime = Runtime(db, Registry(), clock, hooks, settings.files_dir)
    jobs = [job for _, job in scheduled_jobs(modules)]
    queue = open_wired_queue(settings.queue_url, runtime, jobs, TIMER_HANDLERS, outbox)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    queue.start(threads or settings.queue_workers)
    typer.echo(f"worker: consuming {queue.description}; stop with SIGTERM or Ctrl-C")
    stopping.wait()
    typer.echo("worker: stopping after the work in progress")
    queue.close()
    db.dispose()


@app.command()
def doctor() -> None:
    """Check the database connection, versions and pending migrations."""
    import platform

    import sqlalchemy

    from guanxi import __version__
    from guanxi.kernel.migrate import pending

    _, db = _db()
    ok = True
    typer.echo(
        f"guanxi {__version__}, Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}"
    )
    typer.echo(f"database: {db.url.render_as_string(hide_password=True)}")
    try:
        with db.engine.connect() as conn:
            server = conn.exec_driver_sql(
                "select sqlite_version()" if db.is_sqlite else "show server_version"
            ).scalar()
        typer.echo(f"  reachable: {db.dialect} {server}")
        current, head = pending(db)
        if current == head:
            typer.echo(f"  migrations: up to date ({head})")
            ok = _doctor_modules(db)
            ok = _doctor_indexes(db) and ok
        else:
            ok = False
            typer.echo(
                f"  migrations: PENDING (at {current}, newest {head}) — run `guanxi migrate`"
            )
    except Exception as exc:  # report any connection problem, don't crash
        ok = False
        typer.echo(f"  NOT reachable: {type(exc).__name__}: {exc}")
    sys.exit(0 if ok else 1)


def _doctor_modules(db: Database) -> bool:
    """Each installed module's version in the database against the code's."""
    from sqlalchemy import select

    from guanxi.modules import installed
    from guanxi.platform.metadata.tables import gx_module

    with db.read() as conn:
        rows = conn.execute(select(gx_module.c.name, gx_module.c.version))
        recorded = {name: version for name, version in rows}
    ok = True
    for module in installed():
        have = recorded.get(module.name)
        if have == module.version:
            typer.echo(f"  module {module.name}: version {have}")
        else:
            ok = False
            typer.echo(
                f"  module {module.name}: PENDING (at {have}, newest {module.version})"
                " — run `guanxi migrate`"
            )
    return ok


def _doctor_indexes(db: Database) -> bool:
    """Finishes the field indexes a killed process left half-built (ADR 0020)."""
    from guanxi.platform.metadata.online_index import Outcome, finish_pending, pending_names

    if not pending_names(db.engine):
        typer.echo("  field indexes: none pending")
        return True
    ok = True
    for name, outcome in finish_pending(db.engine).items():
        if outcome is Outcome.BUILT:
            typer.echo(f"  field index {name}: was pending, now built")
        elif outcome is Outcome.UNDONE:
            typer.echo(f"  field index {name}: duplicates found, its field change undone")
        else:
            ok = False
            typer.echo(f"  field index {name}: PENDING, being built by another process")
    return ok


if __name__ == "__main__":
    app()

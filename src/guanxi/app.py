"""create_app(settings): the one place where the application is wired."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from guanxi import __version__
from guanxi.api import (
    admin,
    approvals,
    assignment,
    attachments,
    auth,
    automation,
    calendars,
    directory,
    files,
    layouts,
    meta,
    notifications,
    openapi,
    outbox,
    records,
    search,
    sla,
    system,
    views,
    webhooks,
)
from guanxi.api.limits import BodyLimit
from guanxi.config import Settings
from guanxi.kernel.clock import Clock, SystemClock
from guanxi.kernel.db import Database
from guanxi.modules import (
    Module,
    in_dependency_order,
    installed,
    object_order,
    scheduled_jobs,
    write_hooks,
)
from guanxi.platform.access.oidc import OidcConfig, OidcProvider
from guanxi.platform.metadata.online_index import finish_pending
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process import background, engine
from guanxi.platform.process.engine import TIMER_HANDLERS
from guanxi.platform.process.notifications import Smtp
from guanxi.platform.process.outbox import Relay, Timing
from guanxi.platform.process.queue import TaskQueue
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.search.indexer import Indexer
from guanxi.web import problems, spa
from guanxi.web.deps import ModuleInfo, Services
from guanxi.web.responses import ORJSONResponse


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    modules: Sequence[Module] | None = None,
) -> FastAPI:
    """The application, serving the platform's endpoints and those of ``modules``
    (``installed()`` unless given)."""
    settings = settings or Settings()
    modules = in_dependency_order(installed() if modules is None else modules)
    database = db or Database(
        settings.database_url,
        schema=settings.database_schema,
        echo=settings.sql_echo,
        query_timeout=settings.query_timeout,
    )
    registry = Registry()
    now = (clock or SystemClock()).now
    relay = outbox_relay(settings, database, now)
    services = Services(
        settings=settings,
        db=database,
        registry=registry,
        clock=clock or SystemClock(),
        indexer=Indexer(
            database,
            registry,
            interval=settings.search_index_interval,
            max_lag=settings.search_index_max_lag,
        ),
        oidc=_oidc(settings),
        hooks=write_hooks(modules, relay.hook),
        relay=relay,
        modules=tuple(_module_info(m) for m in modules),
    )
    queue = services.queue = _queue(settings, database, registry, services.clock, modules, relay)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Indexes a killed process left half-built (ADR 0020); the other processes
        # starting at the same time skip the ones this one is building.
        await run_in_threadpool(finish_pending, database.engine)
        if settings.search_index_interval > 0:
            services.indexer.start()
        if settings.queue_consumer:  # jobs, timers and tasks (ADR 0029)
            queue.start(settings.queue_workers)
        try:
            yield
        finally:
            queue.close()
            services.indexer.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Guanxi",
        version=__version__,
        openapi_url=None,  # served below, rebuilt when metadata changes
        docs_url=None,
        redoc_url=None,
        default_response_class=ORJSONResponse,
    )
    # Bodies beyond this are refused (413) as they arrive, not read and then judged; an
    # upload may be its own limit plus the multipart framing.
    app.add_middleware(
        BodyLimit, max_bytes=max(settings.max_request_mb, settings.max_upload_mb + 1) << 20
    )
    app.state.services = services
    problems.install(app)
    # Most requests are record reads and writes: their routes are matched first.
    for endpoints in (
        records,
        search,
        system,
        auth,
        admin,
        directory,
        meta,
        layouts,
        views,
        files,
        attachments,
        assignment,
        calendars,
        sla,
        webhooks,
        outbox,
        automation,
        approvals,
        notifications,
    ):
        app.include_router(endpoints.router)
    for module in modules:
        for router in module.routers:
            app.include_router(router)

    openapi.install(app)  # the fixed endpoints, plus what the caller may read

    spa.install(app)  # last: its catch-all serves index.html for the app's deep links;
    # it also serves the API reference at /api/docs, built with the app
    return app


def _queue(
    settings: Settings,
    db: Database,
    registry: Registry,
    clock: Clock,
    modules: Sequence[Module],
    relay: Relay,
) -> TaskQueue:
    """The task queue with the process engine's standing work attached: the same wiring as
    ``guanxi worker``, whose consumer runs it when this process does not."""
    runtime = Runtime(db, registry, clock, write_hooks(modules, relay.hook), settings.files_dir)
    jobs = [job for _, job in scheduled_jobs(modules)]
    return background.open_wired_queue(settings.queue_url, runtime, jobs, TIMER_HANDLERS, relay)


def outbox_relay(settings: Settings, db: Database, now: Callable[[], datetime]) -> Relay:
    """The outbox's handlers (webhooks, e-mail, chat robots) as the settings configure them; ``guanxi worker``
    makes its own the same way."""
    timing = Timing(
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        first_retry=timedelta(seconds=settings.outbox_retry_seconds),
    )
    return engine.relay(
        db, now, allow_private=settings.webhook_allow_private, timing=timing, smtp=_smtp(settings)
    )


def _module_info(module: Module) -> ModuleInfo:
    name = module.name
    return ModuleInfo(
        name=name,
        label=dict(module.label) if module.label else {"en": name, "zh-CN": name},
        objects=tuple(object_order(module)),
    )


def _oidc(settings: Settings) -> OidcProvider | None:
    """Single sign-on when an issuer and client credentials are configured."""
    if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
        return None
    return OidcProvider(
        OidcConfig(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            redirect_uri=settings.public_url.rstrip("/") + "/api/v1/auth/oidc/callback",
            allow_unverified_email=settings.oidc_allow_unverified_email,
        )
    )


def _smtp(settings: Settings) -> Smtp:
    """Where notification e-mail goes (nowhere while GUANXI_SMTP_HOST is empty)."""
    return Smtp(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        sender=settings.smtp_from,
        app_url=settings.public_url,
    )

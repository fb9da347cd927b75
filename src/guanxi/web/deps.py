"""Request dependencies: the wired services, the acting user and the unit of work."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection

from guanxi.config import Settings
from guanxi.kernel.clock import Clock
from guanxi.kernel.db import Database
from guanxi.kernel.errors import PermissionDenied, Unauthenticated
from guanxi.platform.access.actor import SYSTEM, Actor
from guanxi.platform.access.oidc import OidcProvider
from guanxi.platform.access.sessions import authenticate_session
from guanxi.platform.access.users import authenticate_token
from guanxi.platform.metadata.context import use_remote_images, use_timezone
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process.outbox import Relay
from guanxi.platform.process.queue import TaskQueue
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import NO_HOOKS, WriteHooks
from guanxi.platform.search.indexer import Indexer

SESSION_COOKIE = "gx_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = "this token is read-only"


@dataclass(frozen=True)
class Credentials:
    """What a request presented (a bearer token or a session cookie), checked inside the
    request's own transaction so a revoked credential fails on its very next request."""

    token: str | None = None
    session: str | None = None
    csrf: str | None = None
    unsafe: bool = False  # a write: cookie sessions must echo their CSRF token
    ip: str | None = None
    user_agent: str | None = None
    path: str = ""


@dataclass(frozen=True)
class ModuleInfo:
    """What the web app shows of an installed module: its navigation group's heading and
    the order of its objects there (the order the module declares them)."""

    name: str
    label: dict[str, str]
    objects: tuple[str, ...]


@dataclass
class Services:
    """Everything a request may use, built once by ``create_app``."""

    settings: Settings
    db: Database
    registry: Registry
    clock: Clock
    indexer: Indexer
    oidc: OidcProvider | None = None
    hooks: WriteHooks = NO_HOOKS  # every module's, assembled by create_app
    relay: Relay | None = None  # the outbox's handlers (webhooks), set by create_app
    modules: tuple[ModuleInfo, ...] = ()  # in dependency order, set by create_app
    queue: TaskQueue | None = None  # jobs, timers and tasks (ADR 0029), set by create_app

    def _actor(self, conn: Connection, credentials: Credentials) -> Actor:
        if credentials.token is not None:
            return self._enforce_2fa(
                authenticate_token(conn, credentials.token, now=self.clock.now()), credentials
            )
        if credentials.session is None:
            raise Unauthenticated("sign in or send Authorization: Bearer <token>")
        actor = authenticate_session(conn, credentials.session, now=self.clock.now())
        if credentials.unsafe and not (
            credentials.csrf
            and actor.csrf_token
            and hmac.compare_digest(credentials.csrf, actor.csrf_token)
        ):
            raise PermissionDenied("a cookie-authenticated write needs the X-CSRF-Token header")
        return self._enforce_2fa(actor, credentials)

    @staticmethod
    def _enforce_2fa(actor: Actor, credentials: Credentials) -> Actor:
        """A role may demand two-factor sign-in: until it is on, only /auth works."""
        if (
            actor.policy.require_2fa
            and not actor.has_2fa
            and not credentials.path.startswith("/api/v1/auth/")
        ):
            raise PermissionDenied(
                "your role requires two-factor sign-in: set it up with POST /api/v1/auth/2fa/setup",
                extra={"two_factor_required": True},
            )
        return actor

    @contextmanager
    def write(self, credentials: Credentials, *, read_only_ok: bool = False) -> Iterator[Ctx]:
        """One write transaction for the whole request: commit at the end or roll back.

        Every write endpoint comes through here, so here an actor that may not write (a
        token with scope ``read``) is refused, before anything is written. Only the few
        writes a read-only token may still cause pass ``read_only_ok`` — an export's audit
        entry, ending its own credential — and the endpoint then decides what exactly it
        lets through.

        The search indexer leaves its work until writes pause (ADR 0010)."""
        with (
            self.indexer.writing(),
            self.db.write() as conn,
            self._context(conn, credentials) as ctx,
        ):
            if not (ctx.actor.can_write or read_only_ok):
                raise PermissionDenied(READ_ONLY)
            yield ctx

    @contextmanager
    def system_write(self, *, ip: str | None, user_agent: str | None) -> Iterator[Ctx]:
        """One write transaction for a request no one signed in to (a website posting a
        lead form), acting as the system: the endpoint decides what such a caller may do."""
        with (
            self.indexer.writing(),
            self.db.write() as conn,
            use_timezone(SYSTEM.time_zone),
            use_remote_images(self.settings.rich_text_remote_images),
        ):
            yield Ctx.open(
                conn,
                self.registry,
                SYSTEM,
                self.clock.now(),
                ip=ip,
                user_agent=user_agent,
                hooks=self.hooks,
                files_dir=self.settings.files_dir,
            )

    @contextmanager
    def read(self, credentials: Credentials) -> Iterator[Ctx]:
        """One read transaction (a consistent snapshot on PostgreSQL)."""
        with self.db.read() as conn, self._context(conn, credentials) as ctx:
            yield ctx

    @contextmanager
    def _context(self, conn: Connection, credentials: Credentials) -> Iterator[Ctx]:
        actor = self._actor(conn, credentials)
        with (
            use_timezone(actor.time_zone),
            use_remote_images(self.settings.rich_text_remote_images),
        ):
            yield Ctx.open(
                conn,
                self.registry,
                actor,
                self.clock.now(),
                ip=credentials.ip,
                user_agent=credentials.user_agent,
                hooks=self.hooks,
                files_dir=self.settings.files_dir,
            )

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self.db.read() as conn:
            yield conn


# The two dependencies below are async on purpose: they do no I/O, and FastAPI would run
# a plain function in the thread pool, costing a thread hop on every request.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_credentials(request: Request) -> Credentials:
    """``Authorization: Bearer <token>`` or the session cookie; 401 when neither is sent."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    session = request.cookies.get(SESSION_COOKIE)
    if scheme.lower() == "bearer" and token.strip():
        return Credentials(
            token=token.strip(),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            path=request.url.path,
        )
    if not session:
        raise Unauthenticated("sign in or send Authorization: Bearer <token>")
    return Credentials(
        session=session,
        csrf=request.headers.get(CSRF_HEADER),
        unsafe=request.method not in SAFE_METHODS,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        path=request.url.path,
    )


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


ActorDep = Annotated[Credentials, Depends(get_credentials)]


P = ParamSpec("P")
R = TypeVar("R")


def inline_on_sqlite(endpoint: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run a short database-bound endpoint on the event loop when the database is SQLite,
    in the threadpool otherwise (ADR 0009).

    SQLite answers in-process in microseconds, and handing the work to a pool thread and
    back cost more than the work itself (~0.35 ms of a ~1 ms create). PostgreSQL waits on
    the network, so there the thread lets other requests go on meanwhile. Only for
    endpoints whose work is bounded (one record, one page): bulk calls, exports and
    metadata changes stay in the threadpool so they never hold up other requests. The
    endpoint must take ``services: ServicesDep``.
    """

    @functools.wraps(endpoint)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        services = kwargs["services"]
        assert isinstance(services, Services)
        if services.db.is_sqlite:
            return endpoint(*args, **kwargs)
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run

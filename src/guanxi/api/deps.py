"""Request dependencies: the wired services, the acting user and the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from guanxi.config import Settings
from guanxi.kernel.clock import Clock
from guanxi.kernel.db import Database
from guanxi.kernel.errors import Unauthenticated
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.users import authenticate_token
from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records.service import Ctx


@dataclass(frozen=True)
class Credentials:
    """The bearer token of a request, checked inside the request's own transaction."""

    token: str


@dataclass
class Services:
    """Everything a request may use, built once by ``create_app``."""

    settings: Settings
    db: Database
    registry: Registry
    clock: Clock

    def _actor(self, conn: Connection, credentials: Credentials) -> Actor:
        return authenticate_token(conn, credentials.token, now=self.clock.now())

    @contextmanager
    def write(self, credentials: Credentials) -> Iterator[Ctx]:
        """One write transaction for the whole request: commit at the end or roll back."""
        with self.db.write() as conn:
            actor = self._actor(conn, credentials)
            with use_timezone(actor.time_zone):
                yield Ctx.open(conn, self.registry, actor, self.clock.now())

    @contextmanager
    def read(self, credentials: Credentials) -> Iterator[Ctx]:
        with self.db.read() as conn:
            actor = self._actor(conn, credentials)
            with use_timezone(actor.time_zone):
                yield Ctx.open(conn, self.registry, actor, self.clock.now())

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self.db.read() as conn:
            yield conn


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_credentials(request: Request) -> Credentials:
    """``Authorization: Bearer <token>``; 401 when missing (validity is checked in the transaction)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send Authorization: Bearer <token>")
    return Credentials(token.strip())


ActorDep = Annotated[Credentials, Depends(get_credentials)]

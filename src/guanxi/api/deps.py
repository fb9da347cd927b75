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


@dataclass
class Services:
    """Everything a request may use, built once by ``create_app``."""

    settings: Settings
    db: Database
    registry: Registry
    clock: Clock

    @contextmanager
    def write(self, actor: Actor) -> Iterator[Ctx]:
        """One write transaction for the whole request: commit at the end or roll back."""
        with use_timezone(actor.time_zone), self.db.write() as conn:
            yield Ctx.open(conn, self.registry, actor, self.clock.now())

    @contextmanager
    def read(self, actor: Actor) -> Iterator[Ctx]:
        with use_timezone(actor.time_zone), self.db.read() as conn:
            yield Ctx.open(conn, self.registry, actor, self.clock.now())

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self.db.read() as conn:
            yield conn


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_actor(request: Request, services: ServicesDep) -> Actor:
    """The user behind ``Authorization: Bearer <token>``; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send Authorization: Bearer <token>")
    with services.db.read() as conn:
        return authenticate_token(conn, token.strip(), now=services.clock.now())


ActorDep = Annotated[Actor, Depends(get_actor)]

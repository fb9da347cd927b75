"""Write hooks: a module's own rules around record writes (ADR 0014).

A module lists its hooks in its declaration; the records service will call ``before``
inside the write's transaction, ahead of validation (it may refuse with a domain error),
and ``after`` once the row and its history are written, still in that transaction. Until
the service calls them they are declared only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from uuid import UUID

from guanxi.platform.records.context import Ctx

WriteAction = Literal["create", "update", "delete", "restore"]


@dataclass(frozen=True)
class WriteEvent:
    """One record being written: which object, how, and the values given."""

    object: str
    action: WriteAction
    record_id: UUID | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


class WriteHook(Protocol):
    """Rules a module runs around writes of the objects it names."""

    @property
    def objects(self) -> Collection[str]:
        """The objects whose writes this hook sees."""
        ...

    def before(self, ctx: Ctx, event: WriteEvent) -> None: ...

    def after(self, ctx: Ctx, event: WriteEvent) -> None: ...

"""Write hooks: the one point where modules (and the process engine) see every write.

Every path of the records service that changes a record calls the hooks of its object:
single and bulk creates (the PostgreSQL one-statement create included), updates single
and bulk, soft deletes, restores, purges, and what a lookup's ``on_delete`` rule does to
the records that refer to a deleted or purged one (``cascade`` deletes them, ``set_null``
updates them). ``before`` runs inside the write's transaction ahead of the write: it may
refuse with a domain error (``ValidationFailed`` answers 422 naming the field) or change
``event.values`` of a create or an update. ``after`` runs once the row and its history
are written, still in the transaction, and sees what changed and what it was before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from guanxi.platform.records.context import Ctx

WriteAction = Literal["create", "update", "delete", "restore", "purge"]
EVERY_OBJECT = "*"  # a hook watching it sees the writes of every object


@dataclass
class WriteEvent:
    """One record being written.

    - ``values``: a create's values, or the values an update writes (before hooks may
      change them; after hooks see only the fields that changed);
    - ``old``: after an update, the changed fields' values before it;
    - ``stored``: the record as it was before an update, delete, restore or purge;
    - ``cause``: for a write a lookup's ``on_delete`` rule made, the write that led to it;
    - ``index``: the record's position in a bulk call.
    """

    object: str
    action: WriteAction
    record_id: UUID | None = None
    values: dict[str, Any] = field(default_factory=dict)
    old: Mapping[str, Any] = field(default_factory=dict)
    stored: Mapping[str, Any] | None = None
    cause: WriteEvent | None = None
    index: int | None = None


class WriteHook(Protocol):
    """Rules a module runs around writes of the objects it names."""

    @property
    def objects(self) -> Collection[str]:
        """The objects whose writes this hook sees (``"*"``: all of them)."""
        ...

    def before(self, ctx: Ctx, event: WriteEvent) -> None: ...

    def after(self, ctx: Ctx, event: WriteEvent) -> None: ...


class WriteHooks:
    """The hooks of an installation, by the object they watch, in registration order."""

    def __init__(self, hooks: Iterable[WriteHook] = ()) -> None:
        every = tuple(hooks)
        self._by_object: dict[str, tuple[WriteHook, ...]] = {}
        self._everywhere = tuple(h for h in every if EVERY_OBJECT in h.objects)
        for hook in every:
            for name in hook.objects:
                if name != EVERY_OBJECT:
                    self._by_object[name] = (*self._by_object.get(name, ()), hook)

    def watching(self, object_name: str) -> tuple[WriteHook, ...]:
        """The hooks that see writes of ``object_name`` (empty: the service skips the
        work of describing its writes)."""
        own = self._by_object.get(object_name, ())
        if not self._everywhere:  # the common case, on every write: no tuple to build
            return own
        return (*own, *(h for h in self._everywhere if h not in own))

    def before(self, ctx: Ctx, events: Iterable[WriteEvent]) -> None:
        for event in events:
            for hook in self.watching(event.object):
                hook.before(ctx, event)

    def after(self, ctx: Ctx, events: Iterable[WriteEvent]) -> None:
        for event in events:
            for hook in self.watching(event.object):
                hook.after(ctx, event)


NO_HOOKS = WriteHooks()

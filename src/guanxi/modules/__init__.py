"""Business modules, and the registry the app, the CLI and the migrations are built from.

A module is one package whose ``MODULE`` declares everything it brings (ADR 0014): its
standard objects and how their shipped fields changed between its versions, what the
demo roles may do with them, its HTTP routers, its write hooks, its scheduled jobs and
its demo data. Nothing outside a module names its objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter

from guanxi.platform.access.demo import DemoOrg, RoleGrants, merge_grants
from guanxi.platform.metadata.service import ObjectDeclaration
from guanxi.platform.metadata.upgrade import Change, FieldChange, ObjectChange, check_changes
from guanxi.platform.process import engine
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHook, WriteHooks

__all__ = [
    "DemoRun",
    "FieldChange",
    "Module",
    "ObjectChange",
    "RoleGrants",
    "ScheduledJob",
    "WriteHook",
    "in_dependency_order",
    "installed",
    "role_grants",
    "scheduled_jobs",
    "write_hooks",
]


@dataclass(frozen=True)
class DemoRun:
    """What a module's demo data is made for: the demo organisation's people, a size
    (records of its main object) and a seed, so the data is the same on every run."""

    org: DemoOrg
    size: int = 200
    seed: int = 20261123


# Writes through the records service; returns how many records of each object it made.
DemoData = Callable[[Ctx, DemoRun], Mapping[str, int]]


@dataclass(frozen=True)
class Module:
    """Everything one business module brings; ``version`` counts releases of ``objects``
    that changed a shipped field or object, each such change listed in ``changes``."""

    name: str
    objects: Sequence[ObjectDeclaration] = ()
    version: int = 1
    changes: Sequence[Change] = ()
    # What people call the module ({"en": "Sales", "zh-CN": "销售"}): the heading of its
    # objects in the navigation. None: the name.
    label: Mapping[str, str] | None = None
    requires: Sequence[str] = ()  # modules whose objects this one's lookups target
    grants: Mapping[str, RoleGrants] = field(default_factory=dict)  # by demo role
    routers: Sequence[APIRouter] = ()
    write_hooks: Sequence[WriteHook] = ()  # called by the records service on every write
    jobs: Sequence[ScheduledJob] = ()  # run by the process engine once it lands
    demo: DemoData | None = None

    def __post_init__(self) -> None:
        check_changes(self.name, self.version, self.objects, self.changes)
        if self.label is not None and not {"en", "zh-CN"} <= set(self.label):
            raise ValueError(f"module {self.name}: the label needs en and zh-CN")
        names = [job.name for job in self.jobs]
        if len(names) != len(set(names)):
            raise ValueError(f"module {self.name}: two jobs share a name")


def installed() -> list[Module]:
    """The modules this installation runs, in dependency order."""
    from guanxi.modules import customers, sales

    return in_dependency_order([customers.MODULE, sales.MODULE])


def in_dependency_order(modules: Iterable[Module]) -> list[Module]:
    """Each module after the ones it requires, otherwise in the order given."""
    pending = list(modules)
    known = {m.name for m in pending}
    if len(known) != len(pending):
        raise ValueError("two modules share a name")
    for module in pending:
        missing = set(module.requires) - known
        if missing:
            raise ValueError(f"module {module.name} requires {sorted(missing)}, not installed")
    ordered: list[Module] = []
    placed: set[str] = set()
    while pending:
        ready = next((m for m in pending if set(m.requires) <= placed), None)
        if ready is None:
            raise ValueError(f"modules require each other: {[m.name for m in pending]}")
        ordered.append(ready)
        placed.add(ready.name)
        pending.remove(ready)
    return ordered


def object_order(module: Module) -> list[str]:
    """The module's objects in the order it declares them, each once (an object extended
    later keeps its first place): the order of its navigation group."""
    return list(dict.fromkeys(declaration.spec.name for declaration in module.objects))


def role_grants(modules: Iterable[Module]) -> dict[str, RoleGrants]:
    """The demo roles' grants, assembled from every module's."""
    return merge_grants(module.grants for module in modules)


def write_hooks(modules: Iterable[Module], *last: WriteHook) -> WriteHooks:
    """Every module's write hooks (in dependency order), then the process engine's own
    (SLA clocks), then ``last`` (the outbox, which sees what the others wrote), for the
    records service."""
    return WriteHooks(
        (*(hook for module in modules for hook in module.write_hooks), *engine.WRITE_HOOKS, *last)
    )


def scheduled_jobs(modules: Iterable[Module]) -> list[tuple[str, ScheduledJob]]:
    """The process engine's jobs and every module's, each with who declares it."""
    jobs = [(engine.OWNER, job) for job in engine.JOBS]
    jobs += [(module.name, job) for module in modules for job in module.jobs]
    names = [job.name for _, job in jobs]
    if len(names) != len(set(names)):
        raise ValueError("two scheduled jobs share a name")
    return jobs

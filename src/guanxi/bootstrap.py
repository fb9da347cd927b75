"""Bringing a database up to date: system-table migrations, then the modules' objects."""

from __future__ import annotations

from collections.abc import Sequence

from guanxi.kernel.clock import Clock, SystemClock
from guanxi.kernel.db import Database
from guanxi.kernel.migrate import upgrade
from guanxi.modules import Module, in_dependency_order, installed
from guanxi.platform.metadata.counters import ensure_sequences
from guanxi.platform.metadata.ddl import sync_table_indexes
from guanxi.platform.metadata.online_index import finish_pending
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.upgrade import Installed, install
from guanxi.platform.query.check import check_formula
from guanxi.platform.search.index import reindex

# The migration that made the search index: applying it to a database with records means
# indexing them (object tables are runtime DDL, so the migration itself cannot).
SEARCH_INDEX_REVISION = "0005"


def migrate(
    db: Database,
    registry: Registry | None = None,
    clock: Clock | None = None,
    *,
    modules: Sequence[Module] | None = None,
) -> list[Installed]:
    """Idempotent: safe to run on every start and from several processes.

    Installs or upgrades each module's objects (``installed()`` unless ``modules`` are
    given), in dependency order, and says what it did for each."""
    applied = upgrade(db)
    registry = registry or Registry()
    now = (clock or SystemClock()).now()
    done = []
    with db.write() as conn:
        for module in in_dependency_order(installed() if modules is None else modules):
            done.append(
                install(
                    conn,
                    registry,
                    module.name,
                    module.objects,
                    version=module.version,
                    changes=module.changes,
                    now=now,
                    formula_check=check_formula,
                )
            )
        snap = registry.snapshot(conn)
        for obj in snap.objects.values():
            sync_table_indexes(conn, obj)
            ensure_sequences(conn, obj.fields)
        if SEARCH_INDEX_REVISION in applied:
            for name in snap.objects:
                reindex(conn, snap, name)
    finish_pending(db.engine)  # indexes a killed process left half-built (ADR 0020)
    return done

"""The sales module's child objects (a quote's lines, a price book's entries, a contract's
instalments) are not in the navigation: a fresh install declares them so, and an existing
install gets it from the module's upgrade to version 2, once."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select, update

from guanxi.bootstrap import migrate
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.kernel.migrate import SCRIPTS
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import ObjectPatch
from guanxi.platform.metadata.service import update_object
from guanxi.platform.metadata.tables import gx_module

CHILDREN = {"quote_line", "price_book_entry", "payment_plan"}


def hidden(db: Database) -> set[str]:
    with db.read() as conn:
        return {o.name for o in Registry().snapshot(conn).objects.values() if not o.nav}


def sales_version(db: Database) -> int | None:
    with db.read() as conn:
        return conn.execute(select(gx_module.c.version).where(gx_module.c.name == "sales")).scalar()


def as_installed_before_navigation(db: Database) -> None:
    """The database as the code before this change left it: system tables at 0018 (no
    navigation setting) and version 1 of the sales module."""
    with db.engine.connect() as conn, conn.begin():
        cfg = Config()
        cfg.set_main_option("script_location", str(SCRIPTS))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0018")
    with db.write() as conn:
        conn.execute(update(gx_module).where(gx_module.c.name == "sales").values(version=1))


def test_a_fresh_install_leaves_the_child_objects_out(installed_db: Database) -> None:
    assert hidden(installed_db) == CHILDREN
    assert sales_version(installed_db) == 2


def test_an_existing_install_hides_them_on_upgrade_and_keeps_an_administrators_choice(
    installed_db: Database, clock: FixedClock
) -> None:
    as_installed_before_navigation(installed_db)

    done = {i.module: (i.before, i.after) for i in migrate(installed_db, clock=clock)}

    assert done == {"customers": (2, 2), "sales": (1, 2)}
    assert hidden(installed_db) == CHILDREN
    # The administrator wants the payment plans back in the menu; the next start agrees.
    with installed_db.write() as conn:
        update_object(conn, Registry(), "payment_plan", ObjectPatch(nav=True), now=clock.now())
    migrate(installed_db, clock=clock)
    assert hidden(installed_db) == CHILDREN - {"payment_plan"}

"""What each demo role may do with the sales module's objects."""

from __future__ import annotations

from guanxi.platform.access.demo import CRUD, READ, RoleGrants

# What reps work on every day, in their own and their team's records.
WORKING = (
    "lead",
    "opportunity",
    "activity",
    "task",
    "quote",
    "quote_line",
    "contract",
    "payment_plan",
    "payment",
    "invoice",
)
CATALOGUE = ("product", "price_book", "price_book_entry")


def _grant(
    names: tuple[str, ...], base: dict[str, bool], scope: str, **extra: bool
) -> dict[str, dict[str, object]]:
    return {name: {**base, **extra, "scope": scope} for name in names}


EVERYTHING = (*WORKING, *CATALOGUE, "sales_target")

GRANTS = {
    "CEO": RoleGrants(objects=_grant(EVERYTHING, CRUD, "all", delete=True, export=True)),
    "Sales director": RoleGrants(
        objects={
            **_grant(
                (*WORKING, "sales_target"),
                CRUD,
                "department_and_children",
                delete=True,
                export=True,
            ),
            **_grant(CATALOGUE, CRUD, "all"),
        }
    ),
    "Sales rep": RoleGrants(
        objects={
            **_grant(WORKING, CRUD, "own_and_subordinates", export=True),
            **_grant(CATALOGUE, READ, "all"),
            **_grant(("sales_target",), READ, "own"),
        }
    ),
    "Service agent": RoleGrants(
        objects={
            **_grant(("activity", "task"), CRUD, "own"),
            **_grant(("contract", "payment_plan", "payment"), READ, "all"),
            **_grant(CATALOGUE, READ, "all"),
        }
    ),
    "Marketing": RoleGrants(
        objects={
            **_grant(("lead",), CRUD, "all", export=True),
            **_grant(("opportunity", "activity"), READ, "all", export=True),
            **_grant(CATALOGUE, READ, "all"),
        }
    ),
    # Finance approves large contracts and collects: it reads every deal and contract and
    # records payments and invoices.
    "Finance": RoleGrants(
        objects={
            **_grant(("opportunity", "quote", "quote_line", "contract"), READ, "all", export=True),
            **_grant(("payment_plan", "payment", "invoice"), CRUD, "all", export=True),
            **_grant(CATALOGUE, READ, "all"),
        }
    ),
}

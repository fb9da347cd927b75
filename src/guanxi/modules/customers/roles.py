"""What each demo role may do with accounts and contacts."""

from __future__ import annotations

from guanxi.platform.access.demo import CRUD, READ, RoleGrants


def _both(scope: str, **overrides: bool) -> dict[str, dict[str, object]]:
    grant = {**CRUD, **overrides, "scope": scope}
    return {"account": dict(grant), "contact": dict(grant)}


HIDE_REVENUE = {"account.annual_revenue": "hidden"}

GRANTS = {
    "CEO": RoleGrants(objects=_both("all", delete=True, export=True)),
    "Sales director": RoleGrants(
        objects=_both("department_and_children", delete=True, export=True)
    ),
    # Reps may export their own customers (their scope, without the hidden revenue).
    "Sales rep": RoleGrants(
        objects=_both("own_and_subordinates", export=True),
        fields={**HIDE_REVENUE, "account.level": "read_only"},
    ),
    "Service agent": RoleGrants(
        objects={"account": {**READ, "scope": "all"}, "contact": {**CRUD, "scope": "all"}},
        fields=HIDE_REVENUE,
    ),
    "Marketing": RoleGrants(
        objects={name: {**READ, "export": True, "scope": "all"} for name in ("account", "contact")}
    ),
    # Finance reads every customer it bills and collects from.
    "Finance": RoleGrants(
        objects={name: {**READ, "scope": "all"} for name in ("account", "contact")}
    ),
}

"""Direct tests of the policy: how roles compile, and the SQL predicates they give."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Column, MetaData, Table, Uuid, select
from sqlalchemy.dialects import postgresql, sqlite

from guanxi.platform.access.policy import (
    EDIT,
    HIDDEN,
    READ_ONLY,
    SUPERUSER,
    compile_roles,
    covering,
)

USER = UUID("01a24d53-3e71-795e-a8e2-4c1892b199b8")
DEALS = Table("o_deal", MetaData(), Column("id", Uuid()), Column("owner_id", Uuid()))


def role(
    scope: str = "own",
    *ops: str,
    fields: dict[str, str] | None = None,
    rights: list[str] | None = None,
    **more: Any,
) -> SimpleNamespace:
    grant = {op: True for op in ops} | {"scope": scope}
    return SimpleNamespace(
        objects={"deal": grant, **more},
        fields={f"deal.{k}": v for k, v in (fields or {}).items()},
        rights=rights or [],
        require_2fa=False,
    )


def sql(predicate: Any, dialect: Any = None) -> str:
    return str(
        select(DEALS.c.id)
        .where(predicate)
        .compile(dialect=dialect or sqlite.dialect(), compile_kwargs={"literal_binds": False})
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ({"own"}, {"own"}),
        ({"own", "department"}, {"department"}),
        ({"department", "department_and_children"}, {"department_and_children"}),
        ({"own_and_subordinates", "department"}, {"own_and_subordinates", "department"}),
        ({"own", "all", "department"}, {"all"}),
        (set(), set()),
    ],
)
def test_a_scope_inside_another_of_the_same_operation_adds_nothing(
    given: set[str], kept: set[str]
) -> None:
    assert covering(given) == kept


def test_each_operation_keeps_the_scopes_of_the_roles_that_grant_it() -> None:
    policy = compile_roles(USER, [role("all", "read"), role("own", "update", "delete")])
    grant = policy.grants["deal"]
    assert grant.scopes == {
        "read": {"all"},
        "update": {"own"},
        "delete": {"own"},
    }
    assert grant.scope == "all"  # what /auth/me shows: the widest
    assert policy.can("read", "deal") and policy.can("delete", "deal")
    assert not policy.can("export", "deal") and not policy.can("read", "other")


def test_an_operation_no_role_grants_matches_no_row_and_all_matches_every_row() -> None:
    policy = compile_roles(USER, [role("all", "read")])
    assert sql(policy.predicate("update", "deal", DEALS)).endswith("WHERE 0 = 1")
    assert sql(policy.predicate("read", "deal", DEALS)).endswith("WHERE 1 = 1")
    assert sql(SUPERUSER.predicate("purge", "deal", DEALS)).endswith("WHERE 1 = 1")


def test_shares_extend_read_export_and_update_but_never_delete_share_or_transfer() -> None:
    policy = compile_roles(USER, [role("own", "read", "update", "delete", "export")])
    for action, shares in (
        ("read", ["read", "edit"]),
        ("export", ["read", "edit"]),
        ("update", ["edit"]),
    ):
        text = sql(policy.predicate(action, "deal", DEALS), postgresql.dialect())
        assert "gx_share" in text, action
        compiled = select(DEALS.c.id).where(policy.predicate(action, "deal", DEALS)).compile()
        assert [v for v in compiled.params.values() if isinstance(v, list)] == [shares], action
    for action in ("delete", "restore", "purge", "share"):
        assert "gx_share" not in sql(policy.predicate(action, "deal", DEALS)), action
    assert "gx_share" not in sql(policy.transfer_predicate("deal", DEALS))


def test_several_scopes_of_one_operation_are_ored_each_with_its_own_subquery() -> None:
    policy = compile_roles(
        USER, [role("own_and_subordinates", "update"), role("department", "update")]
    )
    text = sql(policy.predicate("update", "deal", DEALS))
    assert text.count("owner_id IN") == 2
    assert "chain_o_deal_update" in text  # CTE names carry the operation
    read_and_export = compile_roles(USER, [role("own_and_subordinates", "read", "export")])
    both = select(DEALS.c.id).where(
        read_and_export.predicate("read", "deal", DEALS),
        read_and_export.predicate("export", "deal", DEALS),
    )
    assert "chain_o_deal_export" in sql(both.whereclause) or "chain_o_deal_export" in str(both)


def test_a_field_is_visible_when_a_reading_role_does_not_hide_it() -> None:
    viewer_hides = compile_roles(
        USER, [role("all", "read", fields={"budget": "hidden"}), role("own", "update")]
    )
    assert not viewer_hides.field_visible("deal", "budget")
    # The updating role sets no rule: it may write the field blind.
    assert viewer_hides.field_level("deal", "budget", "update") == EDIT
    two_readers = compile_roles(
        USER, [role("all", "read", fields={"budget": "hidden"}), role("own", "read")]
    )
    assert two_readers.field_visible("deal", "budget")


def test_a_role_that_only_reads_never_lifts_another_roles_read_only() -> None:
    policy = compile_roles(
        USER,
        [role("all", "read"), role("own", "read", "update", fields={"budget": "read_only"})],
    )
    assert policy.field_visible("deal", "budget")
    assert policy.field_level("deal", "budget", "update") == READ_ONLY
    assert not policy.field_writable("deal", "budget")


def test_field_rules_bind_a_role_that_creates_without_reading() -> None:
    policy = compile_roles(
        USER,
        [
            role("all", "read", "update"),
            role("own", "create", fields={"budget": "hidden", "stage": "read_only"}),
        ],
    )
    assert policy.field_level("deal", "budget", "create") == READ_ONLY  # visible, not writable
    assert policy.field_level("deal", "stage", "create") == READ_ONLY
    assert policy.field_writable("deal", "budget", "update")
    creator_only = compile_roles(
        USER, [role("all", "read", fields={"budget": "hidden"}), role("own", "create")]
    )
    assert creator_only.field_level("deal", "budget", "create") == EDIT
    hidden_everywhere = compile_roles(
        USER,
        [
            role("all", "read", fields={"budget": "hidden"}),
            role("own", "create", fields={"budget": "read_only"}),
        ],
    )
    assert hidden_everywhere.field_level("deal", "budget", "create") == HIDDEN


def test_the_transfer_right_lets_an_editor_change_any_owner_it_may_edit() -> None:
    plain = compile_roles(USER, [role("own", "read", "update")])
    text = sql(plain.transfer_predicate("deal", DEALS))
    assert "owner_id = " in text
    mover = compile_roles(USER, [role("own", "read", "update", rights=["transfer_records"])])
    assert sql(mover.transfer_predicate("deal", DEALS)) == sql(
        mover.predicate("update", "deal", DEALS)
    )


def test_no_field_is_writable_by_an_operation_no_role_grants() -> None:
    reader = compile_roles(USER, [role("all", "read")])
    assert reader.field_level("deal", "budget", "update") == READ_ONLY
    assert not reader.field_writable("deal", "budget", "create")

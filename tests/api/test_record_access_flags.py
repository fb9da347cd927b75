"""What the user may do, said where they read: ``_access`` on records, ``editable`` on
fields and ``access`` on objects."""

from __future__ import annotations

from typing import Any

from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona
from tests.statements import count_queries


def account_of(admin: Api, demo_org: DemoOrg, owner: str, name: str) -> dict[str, Any]:
    body = {"name": name, "owner_id": str(demo_org.users[owner])}
    return admin.ok("POST", "/records/account", 201, json=body)


def test_a_rep_may_edit_their_own_record_but_not_a_colleagues_shared_one(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    own = account_of(admin, demo_org, "rep_zhang", "自己的客户")
    theirs = account_of(admin, demo_org, "rep_wang", "同事的客户")
    persona("rep_wang").ok(
        "POST",
        f"/records/account/{theirs['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "read"},
    )
    zhang = persona("rep_zhang")
    # Reps create, read and update their own accounts; no role of theirs deletes.
    mine = {"update": True, "delete": False, "share": True}
    shared = {"update": False, "delete": False, "share": False}
    assert zhang.ok("GET", f"/records/account/{own['id']}")["_access"] == mine
    assert zhang.ok("GET", f"/records/account/{theirs['id']}")["_access"] == shared
    listed = zhang.ok("POST", "/records/account/query", json={"sort": ["name"]})["records"]
    assert {r["name"]: r["_access"] for r in listed} == {
        "自己的客户": mine,
        "同事的客户": shared,
    }
    got = zhang.ok("GET", "/records/account", params={"access": "false"})["records"]
    assert all("_access" not in r for r in got)
    assert "_access" not in zhang.ok("GET", f"/records/account/{own['id']}?access=false")
    everything = {"update": True, "delete": True, "share": True}
    assert admin.ok("GET", f"/records/account/{theirs['id']}")["_access"] == everything


def test_an_edit_share_lets_one_update_but_neither_delete_nor_share(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    theirs = account_of(admin, demo_org, "rep_wang", "可编辑共享")
    persona("rep_wang").ok(
        "POST",
        f"/records/account/{theirs['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "edit"},
    )
    record = persona("rep_zhang").ok("GET", f"/records/account/{theirs['id']}")
    assert record["_access"] == {"update": True, "delete": False, "share": False}


def test_access_costs_no_extra_statement(
    admin: Api, persona: Persona, demo_org: DemoOrg, installed_db: Database
) -> None:
    account_of(admin, demo_org, "rep_zhang", "计数客户")
    zhang = persona("rep_zhang")
    zhang.ok("POST", "/records/account/query", json={})  # warm the caches

    def selects(body: dict[str, Any]) -> int:
        with count_queries(installed_db) as statements:
            zhang.ok("POST", "/records/account/query", json=body)
        return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])

    assert selects({"access": True}) == selects({"access": False})


def test_exports_carry_no_access(admin: Api, demo_org: DemoOrg) -> None:
    account_of(admin, demo_org, "rep_zhang", "导出客户")
    response = admin.post("/records/account/export", json={})
    assert response.status_code == 200 and "_access" not in response.text


def test_fields_say_whether_the_user_may_set_them(persona: Persona, admin: Api) -> None:
    zhang = persona("rep_zhang")
    fields = {f["name"]: f for f in zhang.ok("GET", "/meta/objects/account")["fields"]}
    assert fields["level"]["editable"] == {"create": False, "update": False}  # read-only
    assert fields["name"]["editable"] == {"create": True, "update": True}
    assert fields["account_no"]["editable"] == {"create": False, "update": False}  # auto-number
    assert "annual_revenue" not in fields
    listed = {f["name"]: f for f in zhang.ok("GET", "/meta/objects/account/fields")["fields"]}
    assert listed["level"]["editable"] == fields["level"]["editable"]
    one = zhang.ok("GET", "/meta/objects/account/fields/level")
    assert one["editable"] == {"create": False, "update": False}
    admin_fields = {f["name"]: f for f in admin.ok("GET", "/meta/objects/account")["fields"]}
    assert admin_fields["level"]["editable"] == {"create": True, "update": True}


def test_objects_say_which_operations_the_user_has(persona: Persona) -> None:
    zhang, marketer = persona("rep_zhang"), persona("marketer_ma")
    assert zhang.ok("GET", "/meta/objects/account")["access"] == {
        "create": True,
        "read": True,
        "update": True,
        "delete": False,
        "import": False,
        "export": True,  # their own customers, without the hidden revenue
    }
    objects = {o["name"]: o for o in marketer.ok("GET", "/meta/objects")["objects"]}
    assert objects["contact"]["access"]["read"] is True
    assert objects["contact"]["access"]["update"] is False
    assert objects["contact"]["access"]["export"] is True

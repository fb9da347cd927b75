"""Whether an object is listed in the navigation is part of its metadata: modules leave
their child objects out, administrators change it like the icon, and the object list
names each installed module's objects (in its order) so the web app can group them."""

from __future__ import annotations

from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona

PROJECT = {"name": "project", "label": {"en": "Project", "zh-CN": "项目"}}


def _objects(api: Api) -> dict[str, dict[str, object]]:
    return {o["name"]: o for o in api.ok("GET", "/meta/objects")["objects"]}


def test_an_object_is_listed_unless_said_otherwise_and_the_setting_round_trips(
    admin: Api,
) -> None:
    assert admin.ok("POST", "/meta/objects", 201, json=PROJECT)["nav"] is True
    admin.ok("POST", "/meta/objects", 201, json={**PROJECT, "name": "project_task", "nav": False})
    assert _objects(admin)["project_task"]["nav"] is False

    assert admin.ok("PATCH", "/meta/objects/project", json={"nav": False})["nav"] is False
    assert admin.ok("GET", "/meta/objects/project")["nav"] is False
    assert _objects(admin)["project"]["nav"] is False
    # A change of something else leaves the setting as it is.
    admin.ok("PATCH", "/meta/objects/project", json={"icon": "rocket"})
    assert admin.ok("GET", "/meta/objects/project")["nav"] is False
    admin.ok("PATCH", "/meta/objects/project", json={"nav": True})
    assert _objects(admin)["project"]["nav"] is True

    # Only a boolean: "no" is not read as true or false.
    refused = admin.request("PATCH", "/meta/objects/project", json={"nav": "no"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "nav"
    assert admin.ok("GET", "/meta/objects/project")["nav"] is True


def test_only_those_who_manage_metadata_change_the_navigation(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    rep = persona("rep_zhang")
    refused = rep.request("PATCH", "/meta/objects/account", json={"nav": False})
    assert refused.status_code == 403 and "manage_metadata" in refused.json()["detail"]
    assert _objects(admin)["account"]["nav"] is True

    # The right, not being a superuser, is what counts.
    designers = admin.ok(
        "POST", "/admin/roles", 201, json={"name": "Designers", "rights": ["manage_metadata"]}
    )
    zhou = str(demo_org.users["manager_zhou"])
    roles = [r["id"] for r in admin.ok("GET", f"/admin/users/{zhou}")["roles"]]
    admin.ok("PATCH", f"/admin/users/{zhou}", json={"role_ids": [*roles, designers["id"]]})
    manager = persona("manager_zhou")
    assert manager.ok("PATCH", "/meta/objects/invoice", json={"nav": False})["nav"] is False
    # Hidden from the navigation, not from people: the rep still reads invoices.
    assert _objects(rep)["invoice"]["nav"] is False
    assert rep.ok("POST", "/records/invoice/query", json={"limit": 1})["records"] is not None


def test_the_standard_modules_leave_child_objects_out_and_name_their_objects_in_order(
    admin: Api, persona: Persona
) -> None:
    objects = _objects(admin)
    hidden = {name for name, o in objects.items() if o["nav"] is False}
    assert hidden == {"quote_line", "price_book_entry", "payment_plan"}

    modules = admin.ok("GET", "/meta/objects")["modules"]
    assert [(m["name"], m["label"]) for m in modules] == [
        ("customers", {"en": "Customers", "zh-CN": "客户"}),
        ("sales", {"en": "Sales", "zh-CN": "销售"}),
    ]
    customers, sales = modules
    assert customers["objects"] == ["account", "contact"]
    # The order the module declares them; the account it extends stays the customers'.
    assert sales["objects"][:4] == ["opportunity", "lead", "activity", "task"]
    assert "account" not in sales["objects"] and "quote_line" in sales["objects"]
    assert {o["module"] for o in objects.values()} == {"customers", "sales"}

    # Each caller hears only of the objects they may read.
    marketer = persona("marketer_ma")
    listed = {name for m in marketer.ok("GET", "/meta/objects")["modules"] for name in m["objects"]}
    assert listed == set(_objects(marketer)) and listed < set(objects)

"""Saved list views: personal, or shared with everyone or with roles; each reader sees
what they may see of them."""

from __future__ import annotations

from typing import Any

from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona
from tests.statements import count_queries

VIEWS = "/views/account"


def view_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": {"en": "My key accounts", "zh-CN": "我的重点客户"},
        "filter": {"and": [{"field": "level", "op": "eq", "value": "key"}]},
        "columns": [{"field": "name", "width": 240}, {"field": "industry"}],
        "sort": ["-created_at", {"field": "name", "direction": "asc"}],
        "page_size": 25,
        "kanban_field": "status",
    }
    body.update(changes)
    return body


def names(api: Api) -> list[str]:
    return [v["name"]["en"] for v in api.ok("GET", VIEWS)["views"]]


def test_a_personal_view_is_created_read_changed_and_deleted(rep_zhang: Api) -> None:
    created = rep_zhang.request("POST", VIEWS, json=view_body())
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    view = created.json()
    assert view["object"] == "account" and view["visibility"] == "personal"
    assert view["filter"] == {"and": [{"field": "level", "op": "eq", "value": "key"}]}
    assert view["filter_hidden"] is False
    assert view["columns"] == [
        {"field": "name", "width": 240},
        {"field": "industry", "width": None},
    ]
    assert view["sort"] == ["-created_at", "name"]
    assert view["page_size"] == 25 and view["kanban_field"] == "status"
    assert view["role_ids"] == [] and view["editable"] is True and view["version"] == 1
    assert rep_zhang.ok("GET", VIEWS)["views"] == [view]
    path = f"{VIEWS}/{view['id']}"
    assert rep_zhang.ok("GET", path) == view

    changed = rep_zhang.request(
        "PATCH", path, json={"filter": None, "page_size": 100}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["filter"] is None and changed.json()["page_size"] == 100
    assert changed.json()["columns"] == view["columns"] and changed.json()["version"] == 2
    renamed = rep_zhang.ok("PATCH", path, json={"version": 2, "name": "Key"})
    assert renamed["name"] == {"en": "Key", "zh-CN": "Key"} and renamed["version"] == 3

    stale = rep_zhang.request("PATCH", path, json={"version": 1, "page_size": 10})
    assert stale.status_code == 412 and stale.json()["current_version"] == 3
    missing = rep_zhang.request("PATCH", path, json={"page_size": 10})
    assert missing.status_code == 428
    assert rep_zhang.ok("GET", path)["page_size"] == 100

    rep_zhang.ok("DELETE", path, 204)
    assert rep_zhang.get(path).status_code == 404
    assert rep_zhang.ok("GET", VIEWS)["views"] == []


def test_a_personal_view_is_nobody_elses(admin: Api, persona: Persona) -> None:
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    view = zhang.ok("POST", VIEWS, 201, json=view_body())
    path = f"{VIEWS}/{view['id']}"
    for other in (wang, admin):
        assert other.ok("GET", VIEWS)["views"] == []
        assert other.get(path).status_code == 404
        assert other.patch(path, json={"version": 1, "page_size": 10}).status_code == 404
        assert other.delete(path).status_code == 404
    assert zhang.ok("GET", path)["page_size"] == 25


def test_sharing_a_view_needs_the_metadata_right(rep_zhang: Api) -> None:
    for visibility in ("everyone", "roles"):
        refused = rep_zhang.post(VIEWS, json=view_body(visibility=visibility))
        assert refused.status_code == 403, refused.text
    view = rep_zhang.ok("POST", VIEWS, 201, json=view_body())
    shared = rep_zhang.patch(f"{VIEWS}/{view['id']}", json={"version": 1, "visibility": "everyone"})
    assert shared.status_code == 403
    assert rep_zhang.ok("GET", VIEWS)["views"][0]["visibility"] == "personal"


def test_a_view_shared_with_a_role_is_seen_by_that_role_only(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    reps = str(demo_org.roles["Sales rep"])
    view = admin.ok(
        "POST", VIEWS, 201, json=view_body(name="For reps", visibility="roles", role_ids=[reps])
    )
    assert view["role_ids"] == [reps]
    admin.ok("POST", VIEWS, 201, json=view_body(name="For all", visibility="everyone"))
    admin.ok("POST", VIEWS, 201, json=view_body(name="Admin's own"))
    zhang, director = persona("rep_zhang"), persona("director_li")
    assert names(zhang) == ["For reps", "For all"]
    assert names(director) == ["For all"]
    assert names(admin) == ["For reps", "For all", "Admin's own"]

    path = f"{VIEWS}/{view['id']}"
    seen = zhang.ok("GET", path)
    assert seen["editable"] is False and seen["owner_id"] == view["owner_id"]
    assert zhang.patch(path, json={"version": 1, "page_size": 10}).status_code == 403
    assert zhang.delete(path).status_code == 403
    assert director.get(path).status_code == 404

    # Moved to another role: the reps no longer see it, the directors do.
    directors = str(demo_org.roles["Sales director"])
    admin.ok("PATCH", path, json={"version": 1, "role_ids": [directors]})
    assert names(zhang) == ["For all"]
    assert names(director) == ["For reps", "For all"]
    admin.ok("DELETE", path, 204)
    assert names(director) == ["For all"]


def test_a_view_is_checked_with_the_lists_own_compiler(rep_zhang: Api, admin: Api) -> None:
    bad_operator = rep_zhang.post(
        VIEWS,
        json=view_body(
            filter={
                "and": [
                    {"field": "industry", "op": "eq", "value": "it"},
                    {"field": "industry", "op": "resembles", "value": "it"},
                ]
            }
        ),
    )
    assert bad_operator.status_code == 422
    problem = bad_operator.json()
    assert problem["errors"][0]["field"] == "industry"
    assert problem["location"] == "filter.and[1]"
    # A field hidden from the user is refused as one that does not exist, as the list does.
    for name in ("annual_revenue", "no_such_field"):
        answers = [
            api.post(path, json={"filter": {"field": name, "op": "gt", "value": "1"}, **extra})
            for api, path, extra in (
                (rep_zhang, VIEWS, {"name": "x"}),
                (rep_zhang, "/records/account/query", {}),
            )
        ]
        assert [a.status_code for a in answers] == [422, 422]
        assert answers[0].json()["errors"] == answers[1].json()["errors"]
        assert answers[0].json()["errors"][0]["field"] == name
    assert (
        admin.post(
            VIEWS, json=view_body(filter={"field": "annual_revenue", "op": "gt", "value": "1"})
        ).status_code
        == 201
    )

    others = rep_zhang.post(
        VIEWS,
        json=view_body(
            columns=[{"field": "name"}, {"field": "annual_revenue"}, {"field": "name"}],
            sort=["-salary", "name"],
            kanban_field="industry.x",
            role_ids=["0190a4c2-0000-7000-8000-000000000000"],
        ),
    )
    assert others.status_code == 422
    assert {e["field"]: e["code"] for e in others.json()["errors"]} == {
        "columns[1].field": "unknown_field",
        "columns[2].field": "duplicate",
        "sort[0]": "unknown_field",
        "kanban_field": "invalid",
        "role_ids": "invalid",
    }
    not_picklist = rep_zhang.post(VIEWS, json=view_body(kanban_field="name"))
    assert not_picklist.json()["errors"][0]["field"] == "kanban_field"
    unknown_role = admin.post(
        VIEWS,
        json=view_body(visibility="roles", role_ids=["0190a4c2-0000-7000-8000-000000000000"]),
    )
    assert unknown_role.json()["errors"] == [
        {
            "field": "role_ids[0]",
            "code": "not_found",
            "message": "no role with id 0190a4c2-0000-7000-8000-000000000000",
        }
    ]
    no_roles = admin.post(VIEWS, json=view_body(visibility="roles"))
    assert no_roles.json()["errors"][0]["field"] == "role_ids"
    assert rep_zhang.post(VIEWS, json=view_body(page_size=0)).status_code == 422
    assert rep_zhang.ok("GET", VIEWS)["views"] == []


def test_a_reader_is_not_shown_what_they_may_not_see_of_a_shared_view(
    admin: Api, persona: Persona
) -> None:
    view = admin.ok(
        "POST",
        VIEWS,
        201,
        json=view_body(
            name="Big accounts",
            visibility="everyone",
            filter={"field": "annual_revenue", "op": "gt", "value": "1000000"},
            columns=[{"field": "name", "width": 200}, {"field": "annual_revenue", "width": 120}],
            sort=["-annual_revenue", "name"],
        ),
    )
    zhang, director = persona("rep_zhang"), persona("director_li")
    seen = zhang.ok("GET", f"{VIEWS}/{view['id']}")
    assert seen["columns"] == [{"field": "name", "width": 200}]
    assert seen["sort"] == ["name"]
    assert seen["filter"] is None and seen["filter_hidden"] is True
    assert "annual_revenue" not in str(zhang.ok("GET", VIEWS))
    full = director.ok("GET", f"{VIEWS}/{view['id']}")
    assert full["filter_hidden"] is False and len(full["columns"]) == 2
    assert full["sort"] == ["-annual_revenue", "name"]


def test_views_are_of_objects_the_user_may_read(admin: Api, rep_zhang: Api) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "payroll", "label": "Payroll"})
    assert rep_zhang.get("/views/payroll").status_code == 403
    assert rep_zhang.post("/views/payroll", json={"name": "x"}).status_code == 403
    assert rep_zhang.get("/views/nothing").status_code == 404
    assert admin.ok("POST", "/views/payroll", 201, json={"name": "x"})["columns"] == []


def test_listing_views_costs_the_same_statements_however_many_there_are(
    admin: Api, installed_db: Database, demo_org: DemoOrg
) -> None:
    reps = str(demo_org.roles["Sales rep"])

    def listed() -> int:
        with count_queries(installed_db) as statements:
            admin.ok("GET", VIEWS)
        return len(statements)

    admin.ok("POST", VIEWS, 201, json=view_body(visibility="roles", role_ids=[reps]))
    one = listed()
    for _ in range(5):
        admin.ok("POST", VIEWS, 201, json=view_body(visibility="roles", role_ids=[reps]))
        admin.ok("POST", VIEWS, 201, json=view_body())
    assert len(admin.ok("GET", VIEWS)["views"]) == 11
    assert listed() == one

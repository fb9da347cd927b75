"""Who sees and changes what, tried over HTTP with the demo organisation."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.search.indexer import Indexer
from tests.api.conftest import Api, Persona
from tests.statements import count_queries


def account_for(
    admin: Api, owner: str, demo_org: DemoOrg, name: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "name": name,
        "owner_id": str(demo_org.users[owner]),
        "annual_revenue": "5000000",
        **extra,
    }
    return admin.ok("POST", "/records/account", 201, json=body)


def names(api: Api, object_name: str = "account", **query: Any) -> set[str]:
    page = api.ok("POST", f"/records/{object_name}/query", json={"limit": 1000, **query})
    return {r["name"] for r in page["records"]}


def test_reps_see_only_their_own_customers_and_managers_see_their_teams(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    owners = {
        "rep_zhang": "张伟的客户",
        "rep_wang": "王芳的客户",
        "rep_liu": "刘洋的客户",
        "manager_zhou": "周经理的客户",
    }
    records = {owner: account_for(admin, owner, demo_org, name) for owner, name in owners.items()}
    zhang, wang = persona("rep_zhang"), persona("rep_wang")

    assert names(zhang) == {"张伟的客户"}
    assert names(wang) == {"王芳的客户"}
    assert names(persona("manager_zhou")) == {"张伟的客户", "王芳的客户", "周经理的客户"}
    assert names(persona("director_li")) == {"张伟的客户", "王芳的客户", "周经理的客户"}
    assert names(persona("director_huang")) == {"刘洋的客户"}
    assert names(persona("ceo_chen")) == set(owners.values())

    theirs = records["rep_wang"]["id"]
    assert zhang.get(f"/records/account/{theirs}").status_code == 404
    assert (
        zhang.patch(f"/records/account/{theirs}", json={"name": "x", "version": 1}).status_code
        == 404
    )
    assert (
        zhang.delete(f"/records/account/{theirs}").status_code == 403
    )  # reps may not delete at all
    assert (
        persona("director_huang").delete(f"/records/account/{theirs}").status_code == 404
    )  # may delete, not this one
    assert zhang.get(f"/records/account/{theirs}/history").status_code == 404
    assert zhang.ok("GET", "/search", params={"q": "王芳"})["results"] == []
    assert (
        zhang.ok("GET", "/search", params={"q": "张伟"})["results"][0]["records"][0]["title"]
        == "张伟的客户"
    )


def test_a_lookup_to_an_unreadable_record_shows_only_that_it_exists(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    hidden_account = account_for(admin, "rep_wang", demo_org, "机密客户 Secret Co")
    admin.ok(
        "POST",
        "/records/contact",
        201,
        json={
            "name": "赵六",
            "account": hidden_account["id"],
            "owner_id": str(demo_org.users["rep_zhang"]),
        },
    )
    zhang = persona("rep_zhang")
    page = zhang.ok(
        "POST",
        "/records/contact/query",
        json={"include": ["account"], "fields": ["name", "account", "account.name"]},
    )
    contact = page["records"][0]
    assert contact["account"] == hidden_account["id"]
    assert contact["_related"]["account"] == {"id": hidden_account["id"], "accessible": False}
    assert contact["account.name"] is None
    leak = zhang.ok(
        "POST",
        "/records/contact/query",
        json={"filter": {"field": "account.name", "op": "contains", "value": "Secret"}},
    )
    assert leak["records"] == []
    linking = zhang.post("/records/contact", json={"name": "钱七", "account": hidden_account["id"]})
    assert linking.status_code == 422 and linking.json()["errors"][0]["field"] == "account"


def test_sharing_grants_and_unsharing_removes_access(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    record = account_for(admin, "rep_wang", demo_org, "共享客户")
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    share = wang.ok(
        "POST",
        f"/records/account/{record['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "read"},
    )
    assert names(zhang) == {"共享客户"}
    assert zhang.ok("GET", f"/records/account/{record['id']}")["name"] == "共享客户"
    assert (
        zhang.patch(
            f"/records/account/{record['id']}", json={"name": "改名", "version": 1}
        ).status_code
        == 404
    )
    assert (
        zhang.post(
            f"/records/account/{record['id']}/shares",
            json={"user_id": str(demo_org.users["rep_liu"])},
        ).status_code
        == 404
    )

    wang.ok("DELETE", f"/records/account/{record['id']}/shares/{share['id']}", 204)
    assert names(zhang) == set()
    assert zhang.get(f"/records/account/{record['id']}").status_code == 404

    team = demo_org.teams["key_accounts"]
    wang.ok(
        "POST",
        f"/records/account/{record['id']}/shares",
        201,
        json={"team_id": str(team), "access": "edit"},
    )
    updated = zhang.ok(
        "PATCH", f"/records/account/{record['id']}", json={"name": "团队共享客户", "version": 1}
    )
    assert updated["name"] == "团队共享客户"


def test_sharing_needs_the_update_permission_not_only_a_wide_scope(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    """Marketing reads every account but may change none, so it may not share one either
    (an edit share would let someone else change it)."""
    record = account_for(admin, "rep_wang", demo_org, "市场部看得到的客户")
    path = f"/records/account/{record['id']}"
    ma, zhang, wang = persona("marketer_ma"), persona("rep_zhang"), persona("rep_wang")
    assert ma.ok("GET", path)["name"] == "市场部看得到的客户"

    refused = ma.post(
        f"{path}/shares", json={"user_id": str(demo_org.users["rep_zhang"]), "access": "edit"}
    )
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "update" in refused.json()["detail"]
    assert zhang.patch(path, json={"name": "被改了", "version": 1}).status_code == 404
    assert names(zhang) == set()

    share = wang.ok(
        "POST",
        f"{path}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "read"},
    )
    assert ma.delete(f"{path}/shares/{share['id']}").status_code == 403
    assert names(zhang) == {"市场部看得到的客户"}


def test_a_hidden_field_never_appears_and_read_only_fields_refuse_writes(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    record = account_for(admin, "rep_zhang", demo_org, "张伟的大客户", level="key")
    admin.ok(
        "PATCH",
        f"/records/account/{record['id']}",
        json={"annual_revenue": "9000000", "version": 1},
    )
    zhang = persona("rep_zhang")

    assert "annual_revenue" not in zhang.ok("GET", f"/records/account/{record['id']}")
    listed = zhang.ok("POST", "/records/account/query", json={})["records"][0]
    assert "annual_revenue" not in listed
    history = zhang.ok("GET", f"/records/account/{record['id']}/history")["entries"]
    assert all(e["field"] != "annual_revenue" for e in history)
    fields = [f["name"] for f in zhang.ok("GET", "/meta/objects/account/fields")["fields"]]
    assert "annual_revenue" not in fields and "industry" in fields
    for attempt in (
        zhang.post(
            "/records/account/query",
            json={"filter": {"field": "annual_revenue", "op": "gt", "value": 1}},
        ),
        zhang.post("/records/account/query", json={"sort": [{"field": "annual_revenue"}]}),
        zhang.post("/records/account/query", json={"fields": ["annual_revenue"]}),
        zhang.post("/records/account", json={"name": "x", "annual_revenue": "1"}),
    ):
        assert attempt.status_code == 422
        assert (
            "annual_revenue" in attempt.text and "has no field" in attempt.text
        )  # same as a field that does not exist
    search_hit = zhang.ok("GET", "/search", params={"q": "大客户"})["results"][0]["records"][0]
    assert "annual_revenue" not in search_hit["fields"]

    refused = zhang.patch(
        f"/records/account/{record['id']}", json={"level": "normal", "version": 2}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "level", "code": "read_only", "message": "is read-only"}
    ]
    assert (
        persona("director_li").ok("GET", f"/records/account/{record['id']}")["annual_revenue"][
            "amount"
        ]
        == "9000000.00"
    )


def test_users_who_see_different_fields_never_share_a_read_plan(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    """Reads reuse a select list per field visibility (reader.read_plan): whoever reads
    first, each user gets the fields their own roles show."""
    record = account_for(admin, "rep_zhang", demo_org, "先读后读科技", level="key")
    director, zhang = persona("director_li"), persona("rep_zhang")
    for _ in range(2):
        assert "annual_revenue" in director.ok("GET", f"/records/account/{record['id']}")
        assert "annual_revenue" not in zhang.ok("GET", f"/records/account/{record['id']}")
        assert (
            "annual_revenue" in director.ok("POST", "/records/account/query", json={})["records"][0]
        )
        assert (
            "annual_revenue"
            not in zhang.ok("POST", "/records/account/query", json={})["records"][0]
        )


def test_counts_and_cursors_are_right_under_scope(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    rows = []
    for i in range(30):
        owner = ["rep_zhang", "rep_wang", "rep_liu"][i % 3]
        rows.append(
            {"name": f"客户{i:02d}", "owner_id": str(demo_org.users[owner]), "employees": i}
        )
    admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})
    zhang = persona("rep_zhang")
    expected = [r["name"] for r in rows if r["owner_id"] == str(demo_org.users["rep_zhang"])]
    seen: list[str] = []
    cursor = None
    while True:
        page = zhang.ok(
            "POST",
            "/records/account/query",
            json={
                "sort": [{"field": "employees"}],
                "limit": 3,
                "with_total": True,
                "cursor": cursor,
            },
        )
        assert page["total"] == 10
        seen += [r["name"] for r in page["records"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected


def test_ownership_transfer_hands_the_record_over(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    record = account_for(admin, "rep_zhang", demo_org, "转移客户")
    zhang = persona("rep_zhang")
    moved = zhang.ok(
        "PATCH",
        f"/records/account/{record['id']}",
        json={"owner_id": str(demo_org.users["rep_liu"]), "version": 1},
    )
    assert moved["owner_id"] == str(demo_org.users["rep_liu"])
    assert zhang.get(f"/records/account/{record['id']}").status_code == 404
    assert names(persona("rep_liu")) == {"转移客户"}
    history = admin.ok("GET", f"/records/account/{record['id']}/history")["entries"]
    assert history[-1]["field"] == "owner_id"
    assert history[-1]["old"] == str(demo_org.users["rep_zhang"]) and history[-1]["new"] == str(
        demo_org.users["rep_liu"]
    )


def test_exports_need_the_right_and_respect_scope_and_hidden_fields(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    account_for(admin, "rep_zhang", demo_org, '=HYPERLINK("http://evil")')
    account_for(admin, "rep_liu", demo_org, "华南客户")
    assert persona("agent_sun").post("/records/account/export", json={}).status_code == 403
    director = persona("director_li")
    director_role = demo_org.roles["Sales director"]
    assert director_role
    response = director.post("/records/account/export", json={"fields": ["name", "annual_revenue"]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith("name,annual_revenue")
    assert len(lines) == 2 and "'=HYPERLINK" in lines[1] and "5000000.00 CNY" in lines[1]
    marketer = persona("marketer_ma").post("/records/account/export", json={})
    assert marketer.status_code == 200 and "华南客户" in marketer.content.decode("utf-8-sig")
    entries = persona("ceo_chen").ok("GET", "/admin/audit", params={"action": "export"})["entries"]
    assert [e["details"]["rows"] for e in entries] == [2, 1]


def test_query_budgets_hold_under_scope(
    admin: Api, persona: Persona, demo_org: DemoOrg, installed_db: Database
) -> None:
    """A rep's list, get and search cost the same few statements as an admin's (no N+1)."""
    rows = [{"name": f"客户{i}", "owner_id": str(demo_org.users["rep_zhang"])} for i in range(40)]
    created = admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})["records"]
    Indexer(installed_db, Registry()).catch_up()  # a search's own catching up is not its budget
    zhang = persona("rep_zhang")
    with installed_db.read() as conn:
        objects = Registry().snapshot(conn).objects.values()
    searchable = sum(1 for o in objects if any(f.searchable for f in o.active_fields))
    budgets = {
        "list": (
            lambda: zhang.ok(
                "POST", "/records/account/query", json={"limit": 40, "with_total": True}
            ),
            5,
        ),
        "get": (lambda: zhang.ok("GET", f"/records/account/{created[0]['id']}"), 4),
        "search": (
            lambda: zhang.ok("GET", "/search", params={"q": "客户"}),
            3 + searchable,
        ),  # credentials, versions, the index; then one per searchable object
    }
    for name, (call, budget) in budgets.items():
        with count_queries(installed_db) as statements:
            call()
        selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert len(selects) <= budget, (name, selects)


def test_role_changes_apply_on_the_very_next_request(
    admin: Api, persona: Persona, demo_org: DemoOrg, installed_db: Database
) -> None:
    """Compiled permissions are cached per user, and a role change invalidates them at once."""
    record = account_for(admin, "rep_zhang", demo_org, "张伟的客户", industry="it")
    zhang = persona("rep_zhang")
    path = f"/records/account/{record['id']}"
    assert zhang.ok("GET", path)["industry"] == "it"
    with count_queries(installed_db) as statements:
        zhang.ok("GET", path)
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 2, selects  # credentials (+ versions) and the record itself

    role_id = demo_org.roles["Sales rep"]
    role = next(r for r in admin.ok("GET", "/admin/roles")["roles"] if r["id"] == str(role_id))
    admin.ok(
        "PATCH",
        f"/admin/roles/{role_id}",
        json={"fields": {**role["fields"], "account.industry": "hidden"}},
    )
    assert "industry" not in zhang.ok("GET", path)

    admin.ok("PATCH", f"/admin/users/{demo_org.users['rep_zhang']}", json={"role_ids": []})
    assert zhang.get(path).status_code == 403


def test_an_xlsx_export_holds_the_same_records_with_formulas_kept_as_text(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    account_for(admin, "rep_zhang", demo_org, '=HYPERLINK("http://evil")', employees=120)
    account_for(admin, "rep_liu", demo_org, "华南客户")
    zhang = persona("rep_zhang")
    response = zhang.post("/records/account/export", params={"format": "xlsx"}, json={})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert response.headers["content-disposition"].endswith('.xlsx"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    # The rep's own account only, the formula as a string, revenue (hidden) nowhere.
    assert "HYPERLINK" in strings and "华南客户" not in strings
    assert "annual_revenue" not in strings
    assert "<f>" not in sheet  # no cell is a formula
    assert "<v>120</v>" in sheet  # whole numbers stay numbers
    assert (
        zhang.post("/records/account/export", params={"format": "pdf"}, json={}).status_code == 422
    )

"""Layouts: an object's record page and form as sections of fields, saved or derived."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from tests.api.conftest import Api, Persona

DETAIL = "/meta/objects/account/layouts/detail"
FORM = "/meta/objects/account/layouts/form"


def _label(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


def layout_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sections": [
            {
                "key": "main",
                "title": _label("Main", "基本信息"),
                "columns": 2,
                "fields": ["name", "industry", "annual_revenue", "owner_id"],
            },
            {
                "key": "notes",
                "title": _label("Notes", "备注"),
                "columns": 1,
                "fields": ["description"],
            },
        ],
        "related_lists": [{"object": "contact", "field": "account", "columns": ["name", "mobile"]}],
        "highlights": ["industry", "annual_revenue", "owner_id"],
    }
    body.update(changes)
    return body


def fields_of(layout: dict[str, Any]) -> list[str]:
    return [name for section in layout["sections"] for name in section["fields"]]


def test_the_default_detail_layout_is_derived_from_the_fields(admin: Api) -> None:
    layout = admin.ok("GET", DETAIL)
    assert layout["is_default"] is True and layout["version"] == 0
    assert layout["object"] == "account" and layout["kind"] == "detail"
    details, description, system = layout["sections"]
    assert details["fields"][:4] == ["name", "account_no", "industry", "level"]
    assert details["columns"] == 2 and details["title"] == _label("Details", "详细信息")
    assert description["columns"] == 1 and description["fields"] == ["address", "description"]
    assert system["key"] == "system" and {"owner_id", "created_at", "updated_at"} <= set(
        system["fields"]
    )
    assert layout["highlights"] == ["industry", "level", "status", "source"]
    by_object = {r["object"]: r for r in layout["related_lists"]}
    assert {"contact", "opportunity", "activity", "contract"} <= set(by_object)
    contacts = by_object["contact"]
    assert contacts["object"] == "contact" and contacts["field"] == "account"
    assert contacts["columns"][0] == "name" and "account" not in contacts["columns"]
    assert contacts["title"] == _label("Contacts", "联系人")


def test_the_default_form_leaves_out_what_no_one_types(admin: Api) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": "shout", "type": "formula", "label": "Shout", "expression": "UPPER(name)"},
    )
    form = admin.ok("GET", FORM)
    placed = fields_of(form)
    assert placed[0] == "name" and "industry" in placed
    assert not {"account_no", "shout", "created_at", "owner_id"} & set(placed)
    assert form["highlights"] == [] and form["related_lists"] == []
    assert "shout" in fields_of(admin.ok("GET", DETAIL))


def test_a_saved_layout_is_read_back_with_its_version(admin: Api, client: TestClient) -> None:
    saved = admin.request("PUT", DETAIL, json=layout_body(version=0))
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == '"1"'
    layout = saved.json()
    assert layout["is_default"] is False and layout["version"] == 1
    assert layout["updated_at"].startswith("2026-11-23T10:30")
    assert layout["updated_by_id"]
    assert admin.ok("GET", DETAIL) == layout
    assert fields_of(layout) == ["name", "industry", "annual_revenue", "owner_id", "description"]
    assert layout["highlights"] == ["industry", "annual_revenue", "owner_id"]
    assert layout["related_lists"] == [
        {
            "object": "contact",
            "field": "account",
            "columns": ["name", "mobile"],
            "title": _label("Contacts", "联系人"),
        }
    ]
    # If-Match works as for records; the other kind is untouched.
    again = admin.request(
        "PUT", DETAIL, json=layout_body(highlights=["industry"]), headers={"If-Match": '"1"'}
    )
    assert again.status_code == 200 and again.json()["version"] == 2
    assert admin.ok("GET", FORM)["is_default"] is True
    # Forgetting it derives the layout again.
    admin.ok("DELETE", DETAIL, 204)
    assert admin.ok("GET", DETAIL)["is_default"] is True


def test_a_stale_or_missing_version_is_refused_and_nothing_is_saved(admin: Api) -> None:
    admin.ok("PUT", DETAIL, json=layout_body(version=0))
    stale = admin.request("PUT", DETAIL, json=layout_body(version=0, highlights=[]))
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_conflict" and stale.json()["current_version"] == 1
    by_header = admin.request("PUT", DETAIL, json=layout_body(), headers={"If-Match": '"7"'})
    assert by_header.status_code == 412
    missing = admin.request("PUT", DETAIL, json=layout_body())
    assert missing.status_code == 428 and missing.json()["errors"][0]["field"] == "version"
    assert admin.ok("GET", DETAIL)["highlights"] == ["industry", "annual_revenue", "owner_id"]


def test_saving_a_layout_needs_the_metadata_right(admin: Api, rep_zhang: Api) -> None:
    refused = rep_zhang.request("PUT", DETAIL, json=layout_body(version=0))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert rep_zhang.request("DELETE", DETAIL).status_code == 403
    assert admin.ok("GET", DETAIL)["is_default"] is True
    assert rep_zhang.ok("GET", DETAIL)["is_default"] is True  # reading is for every reader


def test_every_bad_part_is_named_by_its_place(admin: Api) -> None:
    body = layout_body(version=0)
    body["sections"][0]["fields"][2] = "no_such_field"
    body["sections"][1]["fields"].append("industry")  # placed twice
    body["sections"][1]["key"] = "main"
    body["related_lists"] = [
        {"object": "contact", "field": "name", "columns": ["name"]},
        {"object": "nothing", "field": "account", "columns": ["name"]},
        {"object": "contact", "field": "account", "columns": ["name", "salary"]},
    ]
    body["highlights"] = ["industry", "nope"]
    response = admin.request("PUT", DETAIL, json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed"
    named = {e["field"]: e["code"] for e in problem["errors"]}
    assert named == {
        "sections[0].fields[2]": "unknown_field",
        "sections[1].key": "duplicate",
        "sections[1].fields[1]": "duplicate",
        "related_lists[0].field": "invalid",
        "related_lists[1].object": "not_found",
        "related_lists[2].columns[1]": "unknown_field",
        "highlights[1]": "unknown_field",
    }
    assert problem["detail"].startswith("the layout is not valid: sections[0].fields[2]")

    columns = layout_body(version=0)
    columns["sections"][0]["columns"] = 4
    too_wide = admin.request("PUT", DETAIL, json=columns)
    assert too_wide.status_code == 422
    assert too_wide.json()["errors"][0]["field"] == "sections.0.columns"

    form = admin.request(
        "PUT",
        FORM,
        json={
            "version": 0,
            "kind": "detail",
            "sections": [
                {"key": "a", "title": "A", "fields": ["name", "account_no", "created_at"]}
            ],
            "highlights": ["industry"],
        },
    )
    assert form.status_code == 422
    assert {e["field"]: e["code"] for e in form.json()["errors"]} == {
        "kind": "invalid",
        "sections[0].fields[1]": "read_only",
        "sections[0].fields[2]": "unknown_field",
        "highlights": "invalid",
    }
    assert admin.get("/meta/objects/account/layouts/list").status_code == 422
    assert admin.get("/meta/objects/nothing/layouts/detail").status_code == 404


def test_an_archived_field_drops_out_but_stays_saved(admin: Api) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": "region_code", "type": "text", "label": _label("Region", "区域")},
    )
    body = layout_body(version=0)
    body["sections"][0]["fields"].append("region_code")
    body["highlights"].append("region_code")
    admin.ok("PUT", DETAIL, json=body)
    admin.ok("DELETE", "/meta/objects/account/fields/region_code", 204)
    layout = admin.ok("GET", DETAIL)
    assert "region_code" not in fields_of(layout) and "region_code" not in layout["highlights"]
    # Saving it again with the archived field is fine: it comes back with a restore.
    admin.ok("PUT", DETAIL, json={**body, "version": 1})
    admin.ok("POST", "/meta/objects/account/fields/region_code/restore")
    layout = admin.ok("GET", DETAIL)
    assert "region_code" in fields_of(layout) and "region_code" in layout["highlights"]


def test_what_a_user_may_not_see_drops_out_of_their_layout(admin: Api, persona: Persona) -> None:
    # A custom object reps may not read, looking up accounts.
    admin.ok("POST", "/meta/objects", 201, json={"name": "payroll", "label": "Payroll"})
    admin.ok(
        "POST",
        "/meta/objects/payroll/fields",
        201,
        json={"name": "account", "type": "lookup", "label": "Account", "target": "account"},
    )
    zhang, director = persona("rep_zhang"), persona("director_li")
    # The derived layout: no annual revenue for the rep, no payroll list.
    derived = zhang.ok("GET", DETAIL)
    assert "annual_revenue" not in fields_of(derived)
    lists = {r["object"] for r in derived["related_lists"]}
    assert "contact" in lists and "payroll" not in lists
    assert "annual_revenue" in fields_of(director.ok("GET", DETAIL))
    assert {"contact", "payroll"} <= {r["object"] for r in admin.ok("GET", DETAIL)["related_lists"]}

    body = layout_body(version=0)
    body["related_lists"].append({"object": "payroll", "field": "account", "columns": ["account"]})
    body["sections"][0]["fields"].remove("annual_revenue")
    body["sections"].append(
        {"key": "money", "title": "Money", "fields": ["annual_revenue"]}  # only hidden ones
    )
    admin.ok("PUT", DETAIL, json=body)
    shown = zhang.ok("GET", DETAIL)
    assert "annual_revenue" not in fields_of(shown)
    assert "annual_revenue" not in shown["highlights"]
    assert [s["key"] for s in shown["sections"]] == ["main", "notes"]  # emptied: gone
    assert [s["key"] for s in director.ok("GET", DETAIL)["sections"]] == ["main", "notes", "money"]
    assert [r["object"] for r in shown["related_lists"]] == ["contact"]
    assert "annual_revenue" not in str(zhang.ok("GET", FORM))
    seen = director.ok("GET", DETAIL)
    assert "annual_revenue" in fields_of(seen) and "annual_revenue" in seen["highlights"]
    # A related list loses the columns its reader may not see.
    admin.ok(
        "POST",
        "/meta/objects/contact/fields",
        201,
        json={
            "name": "employer_revenue",
            "type": "formula",
            "label": "R",
            "expression": "account.annual_revenue * 2",
        },
    )
    body["related_lists"][0]["columns"] = ["name", "employer_revenue"]
    admin.ok("PUT", DETAIL, json={**body, "version": 1})
    (contacts,) = zhang.ok("GET", DETAIL)["related_lists"]
    assert contacts["columns"] == ["name"]


def test_a_form_offers_required_fields_added_after_it_was_saved(admin: Api) -> None:
    admin.ok(
        "PUT",
        FORM,
        json={"version": 0, "sections": [{"key": "a", "title": "A", "fields": ["industry"]}]},
    )
    form = admin.ok("GET", FORM)
    assert form["sections"][0]["fields"] == ["industry", "name"]  # name is required


def test_a_saved_layout_is_live_in_every_server_process(
    admin: Api, installed_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    other = create_app(
        Settings(files_dir=tmp_path / "other", search_index_interval=0),
        db=installed_db,
        clock=clock,
    )
    with TestClient(other) as second:
        elsewhere = Api(second, admin.headers["Authorization"].removeprefix("Bearer "))
        assert elsewhere.ok("GET", DETAIL)["is_default"] is True
        admin.ok("PUT", DETAIL, json=layout_body(version=0))
        assert elsewhere.ok("GET", DETAIL)["version"] == 1

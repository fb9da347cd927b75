"""Nothing reveals a hidden field: not the formulas that read it, not error messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.records import service, updates
from tests.api.conftest import Api, Persona


def _label(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


def add_revenue_formulas(admin: Api) -> None:
    """Formulas that read the annual revenue reps may not see, directly, through another
    formula and through a lookup; and one that reads nothing hidden."""
    for object_name, name, expression in (
        ("account", "revenue_band", "IF(annual_revenue > 1000000, 'big', 'small')"),
        ("account", "band_note", "revenue_band & ' account'"),
        ("account", "shout", "UPPER(name)"),
        ("contact", "employer_revenue", "account.annual_revenue * 2"),
        ("contact", "employer_band", "account.band_note"),
    ):
        admin.ok(
            "POST",
            f"/meta/objects/{object_name}/fields",
            201,
            json={
                "name": name,
                "type": "formula",
                "label": _label(name, name),
                "expression": expression,
            },
        )


HIDDEN_FROM_REPS = {
    "account": {"revenue_band", "band_note"},
    "contact": {"employer_revenue", "employer_band"},
}


def account_of(admin: Api, demo_org: DemoOrg, owner: str, name: str) -> dict[str, Any]:
    body = {"name": name, "owner_id": str(demo_org.users[owner]), "annual_revenue": "5000000"}
    return admin.ok("POST", "/records/account", 201, json=body)


def contact_at(
    admin: Api, demo_org: DemoOrg, owner: str, account: dict[str, Any]
) -> dict[str, Any]:
    body = {"name": "李雷", "owner_id": str(demo_org.users[owner]), "account": account["id"]}
    return admin.ok("POST", "/records/contact", 201, json=body)


def problem_text(response: Any, name: str, stand_in: str) -> str:
    """The problem body with the field name replaced, for comparing two answers."""
    body = response.json()
    body.pop("instance", None)
    return json.dumps(body, ensure_ascii=False, sort_keys=True).replace(name, stand_in)


def test_formulas_reading_a_hidden_field_are_hidden_everywhere_the_field_is(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    add_revenue_formulas(admin)
    account = account_of(admin, demo_org, "rep_zhang", "张伟的大客户")
    contact = contact_at(admin, demo_org, "rep_zhang", account)
    zhang, director = persona("rep_zhang"), persona("director_li")

    for object_name, record in (("account", account), ("contact", contact)):
        hidden = HIDDEN_FROM_REPS[object_name]
        path = f"/records/{object_name}/{record['id']}"
        shown = zhang.ok("GET", path)
        assert not hidden & set(shown), shown
        listed = zhang.ok("POST", f"/records/{object_name}/query", json={})["records"][0]
        assert not hidden & set(listed), listed
        fields = zhang.ok("GET", f"/meta/objects/{object_name}/fields")["fields"]
        assert not hidden & {f["name"] for f in fields}
        described = zhang.ok("GET", f"/meta/objects/{object_name}")["fields"]
        assert not hidden & {f["name"] for f in described}
        assert "annual_revenue" not in json.dumps(fields)  # no expression names it either
        everything = zhang.ok("GET", "/meta/objects")["objects"]
        assert "annual_revenue" not in json.dumps(everything)
        for name in hidden:
            assert zhang.get(f"/meta/objects/{object_name}/fields/{name}").status_code == 404
            for attempt, missing in (
                (
                    {"filter": {"field": name, "op": "eq", "value": "big"}},
                    {"filter": {"field": "no_such_field", "op": "eq", "value": "big"}},
                ),
                ({"sort": [{"field": name}]}, {"sort": [{"field": "no_such_field"}]}),
                ({"fields": [name]}, {"fields": ["no_such_field"]}),
            ):
                refused = zhang.post(f"/records/{object_name}/query", json=attempt)
                unknown = zhang.post(f"/records/{object_name}/query", json=missing)
                assert refused.status_code == unknown.status_code == 422
                assert problem_text(refused, name, "X") == problem_text(
                    unknown, "no_such_field", "X"
                )
        # What the director sees: the same formulas, computed.
        seen = director.ok("GET", path)
        assert hidden <= set(seen)
    assert zhang.ok("GET", f"/records/account/{account['id']}")["shout"] == "张伟的大客户"
    assert "expression" in next(
        f for f in zhang.ok("GET", "/meta/objects/account/fields")["fields"] if f["name"] == "shout"
    )
    directed = director.ok("GET", f"/records/contact/{contact['id']}")
    assert directed["employer_band"] == "big account"
    assert directed["employer_revenue"] == "10000000"
    through = zhang.post(
        "/records/contact/query",
        json={"filter": {"field": "account.revenue_band", "op": "eq", "value": "big"}},
    )
    missing = zhang.post(
        "/records/contact/query",
        json={"filter": {"field": "account.no_such_field", "op": "eq", "value": "big"}},
    )
    assert problem_text(through, "revenue_band", "X") == problem_text(missing, "no_such_field", "X")


def test_an_export_leaves_out_formulas_reading_a_hidden_field(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    add_revenue_formulas(admin)
    account_of(admin, demo_org, "rep_zhang", "出口科技")
    role_id = demo_org.roles["Marketing"]
    admin.ok(
        "PATCH", f"/admin/roles/{role_id}", json={"fields": {"account.annual_revenue": "hidden"}}
    )
    marketer = persona("marketer_ma")
    response = marketer.post("/records/account/export", json={})
    assert response.status_code == 200, response.text
    header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "shout" in header
    assert not {"annual_revenue", "revenue_band", "band_note"} & set(header)
    refused = marketer.post("/records/account/export", json={"fields": ["name", "band_note"]})
    assert refused.status_code == 422
    assert "has no field 'band_note'" in refused.text


def test_errors_on_a_hidden_field_read_exactly_like_a_missing_one(
    persona: Persona, demo_org: DemoOrg
) -> None:
    zhang = persona("rep_zhang")
    attempts = [
        {"filter": {"field": "F", "op": "gt", "value": 1}},
        {"filter": {"field": "F", "op": "eq", "value": "x"}},
        {"filter": {"field": "F", "op": "is_null"}},
        {"filter": {"field": "F", "op": "in", "value": [1, 2]}},
        {"filter": {"field": "F", "op": "no_such_op", "value": 1}},
        {"filter": {"field": "F.amount", "op": "gt", "value": 1}},
        {
            "filter": {
                "or": [
                    {"field": "name", "op": "eq", "value": "a"},
                    {"field": "F", "op": "gt", "value": 1},
                ]
            }
        },
        {"sort": [{"field": "F"}]},
        {"sort": [{"field": "F", "direction": "desc"}]},
        {"sort": "F"},
        {"fields": ["name", "F"]},
        {"fields": ["F.amount"]},
    ]
    for attempt in attempts:
        text = json.dumps(attempt)
        hidden = zhang.post(
            "/records/account/query", json=json.loads(text.replace('"F', '"annual_revenue'))
        )
        missing = zhang.post(
            "/records/account/query", json=json.loads(text.replace('"F', '"no_such_field'))
        )
        assert hidden.status_code == missing.status_code, attempt
        assert problem_text(hidden, "annual_revenue", "X") == problem_text(
            missing, "no_such_field", "X"
        ), attempt
        through = zhang.post(
            "/records/contact/query",
            json=json.loads(text.replace('"F', '"account.annual_revenue')),
        )
        nothing = zhang.post(
            "/records/contact/query",
            json=json.loads(text.replace('"F', '"account.no_such_field')),
        )
        assert through.status_code == nothing.status_code, attempt
        assert problem_text(through, "annual_revenue", "X") == problem_text(
            nothing, "no_such_field", "X"
        ), attempt


def hide_from_directors(admin: Api, demo_org: DemoOrg, *fields: str) -> None:
    role_id = demo_org.roles["Sales director"]
    admin.ok("PATCH", f"/admin/roles/{role_id}", json={"fields": dict.fromkeys(fields, "hidden")})


def test_restoring_a_record_whose_hidden_unique_value_is_taken_names_neither(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    admin.ok(
        "POST",
        "/meta/objects/contact/fields",
        201,
        json={
            "name": "id_card",
            "type": "text",
            "label": _label("ID card", "身份证号"),
            "unique": True,
        },
    )
    hide_from_directors(admin, demo_org, "contact.id_card")
    owner = str(demo_org.users["rep_zhang"])
    first = admin.ok(
        "POST",
        "/records/contact",
        201,
        json={"name": "韩梅梅", "owner_id": owner, "id_card": "110101199001011234"},
    )
    director = persona("director_li")
    assert director.delete(f"/records/contact/{first['id']}").status_code == 204
    admin.ok(
        "POST",
        "/records/contact",
        201,
        json={"name": "韩梅", "owner_id": owner, "id_card": "110101199001011234"},
    )

    refused = director.post(f"/records/contact/{first['id']}/restore")
    assert refused.status_code == 409, refused.text
    assert "id_card" not in refused.text and "110101199001011234" not in refused.text
    assert refused.json()["errors"] == [
        {
            "field": "record",
            "code": "duplicate",
            "message": "a unique value is already used by another record",
        }
    ]
    # Whoever may see the field is told which one it is.
    told = admin.post(f"/records/contact/{first['id']}/restore")
    assert told.status_code == 409 and told.json()["errors"][0]["field"] == "id_card"


@pytest.fixture
def concurrent_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if another request wrote the same unique value between the check and the write:
    only the database's unique index catches the clash."""
    for writes in (service, updates):
        monkeypatch.setattr(writes, "check_unique", lambda *args, **kwargs: [])


def test_a_clash_only_the_database_finds_shows_none_of_its_text(
    admin: Api, concurrent_writer: None
) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "credit_code",
            "type": "text",
            "label": _label("Credit code", "信用代码"),
            "unique": True,
        },
    )
    admin.ok("POST", "/records/account", 201, json={"name": "甲", "credit_code": "91310000MA1"})
    second = admin.ok("POST", "/records/account", 201, json={"name": "乙"})
    for response in (
        admin.post("/records/account", json={"name": "丙", "credit_code": "91310000MA1"}),
        admin.patch(
            f"/records/account/{second['id']}", json={"credit_code": "91310000MA1", "version": 1}
        ),
    ):
        assert response.status_code == 409, response.text
        for revealing in ("credit_code", "91310000MA1", "o_account", "constraint", "ix_"):
            assert revealing not in response.text
        assert response.json()["errors"] == [
            {
                "field": "record",
                "code": "integrity",
                "message": "a unique value is already used by another record",
            }
        ]


def test_a_write_naming_a_hidden_formula_is_told_what_a_missing_field_is_told(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    add_revenue_formulas(admin)
    account = account_of(admin, demo_org, "rep_zhang", "张伟的客户")
    zhang = persona("rep_zhang")
    for name in ("revenue_band", "no_such_field"):
        created = zhang.post("/records/account", json={"name": "新客户", name: "x"})
        changed = zhang.patch(
            f"/records/account/{account['id']}", json={name: "x", "version": account["version"]}
        )
        if name == "revenue_band":
            answers = (problem_text(created, name, "X"), problem_text(changed, name, "X"))
        else:
            assert answers == (problem_text(created, name, "X"), problem_text(changed, name, "X"))
    assert created.status_code == changed.status_code == 422

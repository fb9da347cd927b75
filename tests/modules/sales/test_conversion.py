"""Converting a lead: account, contact and opportunity in one step, the lead kept as a record."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, Persona


def lead(api: Api, **values: Any) -> dict[str, Any]:
    body = {
        "name": "李雷",
        "company": "字节跳动（北京）",
        "title": "采购经理",
        "mobile": "13800138000",
        "email": "lilei@example.com",
        "industry": "it",
        "source": "web_form",
        **values,
    }
    return api.ok("POST", "/records/lead", 201, json=body)


def convert(api: Api, lead_id: str, status: int = 200, **body: Any) -> Any:
    return api.ok("POST", f"/sales/leads/{lead_id}/convert", status, json=body)


def test_conversion_makes_account_contact_and_opportunity_from_the_lead(admin: Api) -> None:
    new = lead(admin)
    call = admin.ok(
        "POST", "/records/activity", 201, json={"subject": "首次电话", "lead": new["id"]}
    )
    made = convert(
        admin,
        new["id"],
        opportunity={
            "name": "字节跳动 CRM 采购",
            "amount": "120000.00",
            "close_date": "2026-12-31",
        },
    )
    account = admin.ok("GET", f"/records/account/{made['account_id']}")
    contact = admin.ok("GET", f"/records/contact/{made['contact_id']}")
    deal = admin.ok("GET", f"/records/opportunity/{made['opportunity_id']}")
    assert account["name"] == "字节跳动（北京）" and account["industry"] == "it"
    assert account["source"] is None  # "web_form" is not one of an account's sources
    assert (contact["name"], contact["title"], contact["account"]) == (
        "李雷",
        "采购经理",
        made["account_id"],
    )
    assert deal["account"] == made["account_id"] and deal["contact"] == made["contact_id"]
    assert deal["amount"]["amount"] == "120000.00" and deal["source"] == "web_form"
    converted = admin.ok("GET", f"/records/lead/{new['id']}")
    assert (
        converted["status"] == "converted"
        and converted["converted_at"] == "2026-11-23T10:30:00+08:00"
    )
    assert converted["converted_account"] == made["account_id"]
    assert converted["converted_opportunity"] == made["opportunity_id"]
    moved = admin.ok("GET", f"/records/activity/{call['id']}")
    assert (moved["lead"], moved["account"], moved["contact"], moved["opportunity"]) == (
        new["id"],
        made["account_id"],
        made["contact_id"],
        made["opportunity_id"],
    )


def test_conversion_onto_an_existing_account_adds_a_contact_there(admin: Api) -> None:
    existing = admin.ok("POST", "/records/account", 201, json={"name": "北京字节跳动科技有限公司"})
    made = convert(admin, lead(admin)["id"], account_id=existing["id"])
    assert made["account_id"] == existing["id"] and made["opportunity_id"] is None
    assert admin.ok("GET", f"/records/contact/{made['contact_id']}")["account"] == existing["id"]
    names = [a["name"] for a in admin.ok("GET", "/records/account")["records"]]
    assert names == ["北京字节跳动科技有限公司"]


def test_a_converted_lead_is_read_only_and_cannot_be_converted_twice(admin: Api) -> None:
    new = lead(admin)
    convert(admin, new["id"])
    again = admin.post(f"/sales/leads/{new['id']}/convert", json={})
    assert again.status_code == 409 and again.json()["code"] == "lead_already_converted"
    current = admin.ok("GET", f"/records/lead/{new['id']}")
    edit = admin.patch(
        f"/records/lead/{new['id']}", json={"name": "韩梅梅", "version": current["version"]}
    )
    assert edit.status_code == 409 and edit.json()["code"] == "lead_converted"
    assert len(admin.ok("GET", "/records/account")["records"]) == 1


def test_a_failed_conversion_leaves_nothing_behind(admin: Api) -> None:
    new = lead(admin)
    bad = admin.post(
        f"/sales/leads/{new['id']}/convert",
        json={"opportunity": {"name": "坏商机", "amount": "很多"}},
    )
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["amount"]
    assert admin.ok("GET", "/records/account")["records"] == []
    assert admin.ok("GET", "/records/contact")["records"] == []
    assert admin.ok("GET", f"/records/lead/{new['id']}")["status"] == "new"


def test_a_rep_converts_only_leads_they_may_edit_onto_accounts_they_may_see(
    admin: Api, persona: Persona
) -> None:
    zhang, liu = persona("rep_zhang"), persona("rep_liu")
    theirs = lead(liu)
    assert zhang.post(f"/sales/leads/{theirs['id']}/convert", json={}).status_code == 404
    hidden = liu.ok("POST", "/records/account", 201, json={"name": "刘的客户"})
    mine = lead(zhang)
    refused = zhang.post(f"/sales/leads/{mine['id']}/convert", json={"account_id": hidden["id"]})
    assert refused.status_code == 404
    made = convert(zhang, mine["id"])
    assert zhang.ok("GET", f"/records/account/{made['account_id']}")["owner_id"] == mine["owner_id"]


def test_the_field_mapping_is_a_setting_checked_against_the_objects(
    admin: Api, persona: Persona
) -> None:
    shown = admin.ok("GET", "/sales/settings/lead-conversion")
    assert shown["version"] == 0 and shown["mapping"]["account"]["name"] == "company"
    bad = admin.request(
        "PUT",
        "/sales/settings/lead-conversion",
        json={"account": {"name": "company", "employees": "email", "nothing": "name"}, "deal": {}},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "account.employees",
        "account.nothing",
        "deal",
    }
    mapping = {"account": {"name": "company", "description": "title"}, "contact": {"name": "name"}}
    saved = admin.request(
        "PUT", "/sales/settings/lead-conversion", json=mapping, headers={"If-Match": '"0"'}
    )
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = admin.request(
        "PUT", "/sales/settings/lead-conversion", json=mapping, headers={"If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert (
        persona("rep_zhang")
        .request("PUT", "/sales/settings/lead-conversion", json=mapping)
        .status_code
        == 403
    )
    made = convert(admin, lead(admin)["id"])
    account = admin.ok("GET", f"/records/account/{made['account_id']}")
    assert account["description"] == "采购经理" and account["industry"] is None


def test_the_duplicate_check_finds_the_account_a_lead_from_a_short_name_belongs_to(
    admin: Api, persona: Persona
) -> None:
    bytedance = admin.ok("POST", "/records/account", 201, json={"name": "北京字节跳动科技有限公司"})
    admin.ok("POST", "/records/account", 201, json={"name": "北京百度网讯科技有限公司"})
    person = admin.ok(
        "POST",
        "/records/contact",
        201,
        json={"name": "李雷", "account": bytedance["id"], "mobile": "+86 138 0013 8000"},
    )
    new = lead(admin, company="字节跳动（北京）", mobile="13800138000")
    found = admin.ok("GET", f"/sales/leads/{new['id']}/duplicates")
    best = found["accounts"][0]
    assert (best["id"], best["name"]) == (bytedance["id"], "北京字节跳动科技有限公司")
    assert best["score"] >= 0.85 and "same_company_key" in best["reasons"]
    assert "北京百度网讯科技有限公司" not in [a["name"] for a in found["accounts"]]
    assert found["contacts"][0]["id"] == person["id"]
    # Converted onto what was found: no second account.
    made = convert(admin, new["id"], account_id=best["id"], contact_id=person["id"])
    assert (made["account_id"], made["contact_id"]) == (bytedance["id"], person["id"])
    # A rep only hears of customers they may see.
    liu_lead = lead(persona("rep_liu"), company="字节跳动（北京）")
    assert (
        persona("rep_liu").ok("GET", f"/sales/leads/{liu_lead['id']}/duplicates")["accounts"] == []
    )


def test_registering_a_customer_checks_it_first(admin: Api) -> None:
    admin.ok("POST", "/records/account", 201, json={"name": "北京字节跳动科技有限公司"})
    found = admin.ok(
        "POST", "/sales/accounts/duplicates", json={"name": "字节跳动 (北京) 有限公司"}
    )
    assert [a["name"] for a in found["accounts"]] == ["北京字节跳动科技有限公司"]
    assert (
        admin.ok("POST", "/sales/accounts/duplicates", json={"name": "腾讯科技"})["accounts"] == []
    )

"""Contracts: made from won deals and accepted quotes, their lifecycle, renewals."""

from __future__ import annotations

import itertools
from typing import Any

from guanxi.kernel.clock import FixedClock
from tests.api.conftest import Api, Persona


def money(amount: str, currency: str = "CNY") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def account(api: Api, name: str = "北京字节跳动科技有限公司") -> dict[str, Any]:
    return api.ok("POST", "/records/account", 201, json={"name": name})


def won_deal(api: Api, stage: str = "won") -> dict[str, Any]:
    acme = account(api)
    contact = api.ok(
        "POST", "/records/contact", 201, json={"name": "张一鸣", "account": acme["id"]}
    )
    return api.ok(
        "POST",
        "/records/opportunity",
        201,
        json={
            "name": "字节跳动 CRM 项目",
            "account": acme["id"],
            "contact": contact["id"],
            "stage": stage,
            "amount": "120000.00",
        },
    )


# A customer is registered once (sales.registration): each contract's its own.
CUSTOMERS = (f"上海某某{n}号贸易有限公司" for n in itertools.count(1))


def contract(api: Api, **values: Any) -> dict[str, Any]:
    acme = account(api, next(CUSTOMERS))
    return api.ok(
        "POST",
        "/records/contract",
        201,
        json={"name": "年度服务合同", "account": acme["id"], "amount": "10000", **values},
    )


def test_a_won_opportunity_becomes_a_draft_contract_once(rep_zhang: Api) -> None:
    deal = won_deal(rep_zhang)
    made = rep_zhang.ok(
        "POST",
        f"/sales/contracts/from-opportunity/{deal['id']}",
        201,
        json={"end_date": "2027-11-30"},
    )
    assert made["status"] == "draft" and made["name"] == deal["name"]
    assert made["account"] == deal["account"] and made["contact"] == deal["contact"]
    assert made["amount"] == money("120000.00") and made["outstanding"] == money("120000.00")
    assert made["opportunity"] == deal["id"] and made["end_date"] == "2027-11-30"
    assert made["contract_no"].startswith("HT-2026-")
    again = rep_zhang.post(f"/sales/contracts/from-opportunity/{deal['id']}")
    assert again.status_code == 409 and again.json()["code"] == "contract_exists"


def test_an_open_opportunity_or_a_draft_quote_is_refused(admin: Api) -> None:
    deal = won_deal(admin, stage="negotiation")
    refused = admin.post(
        f"/sales/contracts/from-opportunity/{deal['id']}", headers={"Accept-Language": "zh-CN"}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "opportunity_not_won" and "赢单" in refused.json()["title"]
    q = admin.ok("POST", "/records/quote", 201, json={"name": "报价"})
    refused = admin.post(f"/sales/contracts/from-quote/{q['id']}")
    assert refused.status_code == 409 and refused.json()["code"] == "quote_not_accepted"


def test_an_accepted_quote_becomes_a_contract_for_its_total(admin: Api) -> None:
    acme = account(admin)
    q = admin.ok(
        "POST",
        "/records/quote",
        201,
        json={
            "name": "CRM 报价",
            "account": acme["id"],
            "discount_percent": "10",
            "tax_rate": "13",
        },
    )
    admin.ok(
        "POST",
        "/records/quote_line",
        201,
        json={
            "quote": q["id"],
            "name": "授权",
            "quantity": "3",
            "unit_price": "1999.99",
            "discount_percent": "5",
        },
    )
    current = admin.ok("GET", f"/records/quote/{q['id']}")
    admin.ok(
        "PATCH",
        f"/records/quote/{q['id']}",
        json={"status": "accepted", "version": current["version"]},
    )
    made = admin.ok("POST", f"/sales/contracts/from-quote/{q['id']}", 201)
    assert made["amount"] == money("5796.87") and made["quote"] == q["id"]
    assert made["account"] == acme["id"]


def test_the_status_follows_the_lifecycle_and_ends_are_final(admin: Api) -> None:
    c = contract(admin)
    c = admin.ok(
        "PATCH",
        f"/records/contract/{c['id']}",
        json={"status": "pending_approval", "version": c["version"]},
    )
    c = admin.ok(
        "PATCH", f"/records/contract/{c['id']}", json={"status": "active", "version": c["version"]}
    )
    skipped = admin.patch(
        f"/records/contract/{c['id']}",
        json={"status": "draft", "version": c["version"]},
        headers={"Accept-Language": "zh-CN"},
    )
    assert skipped.status_code == 422
    assert skipped.json()["errors"][0]["field"] == "status"
    assert skipped.json()["errors"][0]["code"] == "status_transition"
    c = admin.ok(
        "PATCH",
        f"/records/contract/{c['id']}",
        json={"status": "terminated", "version": c["version"]},
    )
    final = admin.patch(
        f"/records/contract/{c['id']}", json={"status": "active", "version": c["version"]}
    )
    assert final.status_code == 422 and final.json()["errors"][0]["field"] == "status"
    # draft → active directly, until approvals land
    other = contract(admin)
    admin.ok("PATCH", f"/records/contract/{other['id']}", json={"status": "active", "version": 1})


def test_a_renewal_reminder_is_made_once_per_end_date_and_ended_contracts_expire(
    admin: Api, persona: Persona, clock: FixedClock
) -> None:
    rep = persona("rep_zhang")
    c = contract(rep, status="active", end_date="2026-12-31", renewal_reminder_days=30)
    tasks = lambda: rep.ok("GET", "/records/task")["records"]  # noqa: E731
    assert admin.ok("POST", "/sales/contracts/run-reminders") == {"expired": 0, "reminders": 0}
    clock.advance(days=8)  # 2026-12-01: 30 days before the end
    assert admin.ok("POST", "/sales/contracts/run-reminders")["reminders"] == 1
    assert admin.ok("POST", "/sales/contracts/run-reminders")["reminders"] == 0
    made = tasks()
    assert len(made) == 1 and c["contract_no"] in made[0]["subject"]
    assert made[0]["assignee"] == c["owner_id"] and made[0]["owner_id"] == c["owner_id"]
    assert rep.post("/sales/contracts/run-reminders").status_code == 403
    clock.advance(days=31)  # 2027-01-01: past the end
    assert admin.ok("POST", "/sales/contracts/run-reminders") == {"expired": 1, "reminders": 0}
    assert rep.ok("GET", f"/records/contract/{c['id']}")["status"] == "expired"
    assert len(tasks()) == 1

"""Leads to cash (线索到回款) in one walk, as issue #15's "done when" tells it, over the API.

A website visitor's enquiry is handed to a rep by round-robin; its duplicate check finds
the customer the rep already has; the rep converts it onto that customer, moves the deal
to won, quotes (as a PDF with Chinese text), makes the contract, and collects it in two
instalments; the customer's page then shows all of it on its timeline, with totals that
agree everywhere they are shown. Each step's own edge cases are tested beside its code.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader

from guanxi.kernel.clock import FixedClock
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona

CUSTOMER = "北京字节跳动科技有限公司"


def patch(api: Api, object_name: str, record: dict[str, Any], **values: Any) -> dict[str, Any]:
    return api.ok(
        "PATCH",
        f"/records/{object_name}/{record['id']}",
        json=values,
        headers={"If-Match": f'"{record["version"]}"'},
    )


def test_a_web_enquiry_becomes_a_collected_contract_on_the_customer_page(
    admin: Api, persona: Persona, client: TestClient, demo_org: DemoOrg, clock: FixedClock
) -> None:
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    customer = zhang.ok("POST", "/records/account", 201, json={"name": CUSTOMER})

    # 1. The website's form hands enquiries out in turn.
    rule = admin.ok(
        "POST",
        "/assignment-rules",
        201,
        json={
            "object": "lead",
            "name": {"en": "Website leads", "zh-CN": "官网线索"},
            "strategy": "round_robin",
            "members": {
                "type": "users",
                "ids": [str(demo_org.users[r]) for r in ("rep_zhang", "rep_wang")],
            },
        },
    )
    form = admin.ok(
        "POST",
        "/sales/forms",
        201,
        json={
            "name": "官网咨询",
            "fields": ["company", "name", "mobile", "email"],
            "consent_text": "我同意按隐私政策处理我的信息。",
            "assignment_rule_id": rule["id"],
        },
    )
    for company, name, address in (
        ("字节跳动（北京）", "李雷", "1"),
        ("上海某贸易公司", "韩梅梅", "2"),
    ):
        sent = {"company": company, "name": name, "mobile": "13800138000", "consent": True}
        answer = client.post(form["submit_url"], json=sent, headers={"X-Forwarded-For": address})
        assert answer.status_code == 201, answer.text
    (lead,) = zhang.ok("POST", "/records/lead/query", json={})["records"]
    assert lead["company"] == "字节跳动（北京）" and lead["source"] == "web_form"
    assert [x["name"] for x in wang.ok("POST", "/records/lead/query", json={})["records"]] == [
        "韩梅梅"
    ]

    # 2. Its duplicate check finds the customer under its registered name.
    found = zhang.ok("GET", f"/sales/leads/{lead['id']}/duplicates")
    assert found["accounts"][0]["id"] == customer["id"]
    assert found["accounts"][0]["name"] == CUSTOMER

    # 3. Converted onto that customer, with a new contact and deal.
    clock.advance(minutes=5)
    made = zhang.ok(
        "POST",
        f"/sales/leads/{lead['id']}/convert",
        json={
            "account_id": customer["id"],
            "opportunity": {
                "name": "字节跳动 CRM 采购",
                "amount": "120000",
                "close_date": "2026-12-31",
            },
        },
    )
    assert made["account_id"] == customer["id"]
    contact = zhang.ok("GET", f"/records/contact/{made['contact_id']}")
    assert contact["name"] == "李雷" and contact["account"] == customer["id"]

    # 4. The deal moves through the stages to won.
    deal = zhang.ok("GET", f"/records/opportunity/{made['opportunity_id']}")
    for stage in ("qualification", "proposal", "negotiation", "won"):
        clock.advance(days=3)
        deal = patch(zhang, "opportunity", deal, stage=stage)
    assert deal["probability"] == "100.00" and deal["forecast_category"] == "closed"
    stages = zhang.ok("GET", f"/sales/opportunities/{deal['id']}/stages")["stages"]
    assert [s["stage"] for s in stages] == [
        "prospecting",
        "qualification",
        "proposal",
        "negotiation",
        "won",
    ]

    # 5. A quote, printed with its Chinese text, accepted.
    quote = zhang.ok(
        "POST",
        "/records/quote",
        201,
        json={
            "name": "CRM 企业版报价",
            "account": customer["id"],
            "contact": contact["id"],
            "opportunity": deal["id"],
            "tax_rate": "13",
        },
    )
    for product, quantity, price in (
        ("关系 CRM 企业版授权", "50", "1800"),
        ("实施服务", "1", "16194.69"),
    ):
        zhang.ok(
            "POST",
            "/records/quote_line",
            201,
            json={"quote": quote["id"], "name": product, "quantity": quantity, "unit_price": price},
        )
    quote = zhang.ok("GET", f"/records/quote/{quote['id']}")
    assert quote["total"]["amount"] == "120000.00"  # (90,000 + 16,194.69) × 1.13
    pdf = zhang.get(f"/sales/quotes/{quote['id']}/pdf", params={"language": "zh-CN"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "报价单" in text and CUSTOMER in text and "关系 CRM 企业版授权" in text
    assert "壹拾贰万元整" in text  # the total in capital numerals
    quote = patch(zhang, "quote", quote, status="accepted")

    # 6. The contract, from the accepted quote, signed and collected in two instalments.
    contract = zhang.ok(
        "POST", f"/sales/contracts/from-quote/{quote['id']}", 201, json={"end_date": "2027-12-31"}
    )
    assert contract["amount"]["amount"] == "120000.00" and contract["account"] == customer["id"]
    contract = patch(zhang, "contract", contract, status="active", signed_on="2026-11-25")
    plan = zhang.ok(
        "POST",
        f"/sales/contracts/{contract['id']}/payment-plan",
        201,
        json={
            "instalments": [
                {"due_date": "2026-12-15", "amount": "72000"},
                {"due_date": "2027-03-31", "amount": "48000"},
            ]
        },
    )
    assert [i["name"] for i in plan["instalments"]] == ["第 1 期", "第 2 期"]
    for instalment, paid_on in zip(plan["instalments"], ("2026-12-10", "2027-03-20"), strict=True):
        clock.advance(days=1)
        zhang.ok(
            "POST",
            "/records/payment",
            201,
            json={
                "payment_plan": instalment["id"],
                "amount": instalment["amount"]["amount"],
                "paid_on": paid_on,
            },
        )
    statuses = zhang.ok(
        "POST",
        "/records/payment_plan/query",
        json={"filter": {"field": "contract", "op": "eq", "value": contract["id"]}},
    )["records"]
    assert sorted(i["status"] for i in statuses) == ["paid", "paid"]
    summary = zhang.ok("GET", f"/sales/contracts/{contract['id']}/summary")
    assert (summary["contracted"], summary["collected"], summary["outstanding"]) == (
        "120000.00",
        "120000.00",
        "0.00",
    )
    assert summary["overdue"] == "0.00" and summary["next_due"] is None

    # 7. The customer's page: every step on its timeline, the same totals everywhere.
    account = zhang.ok("GET", f"/records/account/{customer['id']}")
    assert account["contracted_amount"] == "120000.00"
    assert account["collected_amount"] == "120000.00"
    totals = zhang.ok("GET", f"/sales/accounts/{customer['id']}/summary")
    assert (totals["contracted"], totals["collected"], totals["outstanding"]) == (
        "120000.00",
        "120000.00",
        "0.00",
    )
    entries = zhang.ok("GET", f"/records/account/{customer['id']}/timeline", params={"limit": 100})[
        "entries"
    ]
    related = {(e["object"], e["record"]["id"]) for e in entries if e["type"] == "related_created"}
    payments = zhang.ok(
        "POST",
        "/records/payment/query",
        json={"filter": {"field": "contract", "op": "eq", "value": contract["id"]}},
    )["records"]
    assert len(payments) == 2
    expected = {
        ("contact", contact["id"]),
        ("opportunity", deal["id"]),
        ("quote", quote["id"]),
        ("contract", contract["id"]),
        *(("payment", p["id"]) for p in payments),
    }
    assert expected <= related, expected - related
    # the rep's colleague sees none of it
    assert wang.get(f"/sales/accounts/{customer['id']}/summary").status_code == 404

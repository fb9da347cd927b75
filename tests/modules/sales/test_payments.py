"""Cash: instalments, payments matched to them, over-payment, invoices, summaries."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from guanxi.kernel.clock import FixedClock
from tests.api.conftest import Api, Persona


def money(amount: str, currency: str = "CNY") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def signed(
    api: Api, amount: str = "100000.00", name: str = "北京字节跳动科技有限公司"
) -> dict[str, Any]:
    acme = api.ok("POST", "/records/account", 201, json={"name": name})
    return api.ok(
        "POST",
        "/records/contract",
        201,
        json={"name": "CRM 年度合同", "account": acme["id"], "amount": amount, "status": "active"},
    )


def plan(api: Api, contract: dict[str, Any], *instalments: tuple[str, str]) -> list[dict[str, Any]]:
    body = {"instalments": [{"due_date": d, "amount": a} for d, a in instalments]}
    made = api.ok("POST", f"/sales/contracts/{contract['id']}/payment-plan", 201, json=body)
    return list(made["instalments"])


def pay(api: Api, instalment: dict[str, Any], amount: str, on: str = "2026-11-20") -> Any:
    return api.post(
        "/records/payment",
        json={"payment_plan": instalment["id"], "amount": amount, "paid_on": on},
    )


def test_a_contract_is_paid_in_two_instalments_one_partly_first(rep_zhang: Api) -> None:
    c = signed(rep_zhang)
    first, second = plan(rep_zhang, c, ("2026-11-30", "30000.00"), ("2027-03-31", "70000.00"))
    assert (first["instalment"], second["instalment"]) == (1, 2)
    assert first["account"] == c["account"] and first["status"] == "open"
    payment = pay(rep_zhang, first, "10000.00")
    assert payment.status_code == 201, payment.text
    assert payment.json()["contract"] == c["id"] and payment.json()["account"] == c["account"]
    assert rep_zhang.ok("GET", f"/records/payment_plan/{first['id']}")["status"] == "partial"
    assert pay(rep_zhang, first, "20000.00").status_code == 201
    assert pay(rep_zhang, second, "70000.00").status_code == 201
    for instalment in (first, second):
        assert rep_zhang.ok("GET", f"/records/payment_plan/{instalment['id']}")["status"] == "paid"
    now = rep_zhang.ok("GET", f"/records/contract/{c['id']}")
    assert now["collected"] == "100000.00" and now["outstanding"] == money("0.00")
    acme = rep_zhang.ok("GET", f"/records/account/{c['account']}")
    assert acme["contracted_amount"] == "100000.00" and acme["collected_amount"] == "100000.00"


def test_over_payment_is_refused_naming_the_amount_and_what_remains(rep_zhang: Api) -> None:
    c = signed(rep_zhang, "50000.00")
    (first,) = plan(rep_zhang, c, ("2026-12-31", "20000.00"))
    assert pay(rep_zhang, first, "15000.00").status_code == 201
    refused = pay(rep_zhang, first, "5000.01")
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error["field"] == "amount" and error["code"] == "overpayment"
    assert "5000.00" in error["message"] and "剩余" in error["message"]  # zhang reads Chinese
    # a payment not matched to an instalment is held to the contract
    loose = rep_zhang.post(
        "/records/payment",
        json={"contract": c["id"], "amount": "35000.01", "paid_on": "2026-11-20"},
    )
    assert loose.status_code == 422 and "35000.00" in loose.json()["errors"][0]["message"]
    assert len(rep_zhang.ok("GET", "/records/payment")["records"]) == 1  # nothing written


def test_instalments_may_not_add_up_to_more_than_the_contract(admin: Api) -> None:
    c = signed(admin, "1000.00")
    plan(admin, c, ("2026-12-01", "600.00"))
    refused = admin.post(
        f"/sales/contracts/{c['id']}/payment-plan",
        json={"instalments": [{"due_date": "2027-01-01", "amount": "400.01"}]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "amount"
    made = admin.ok(
        "POST",
        f"/sales/contracts/{c['id']}/payment-plan",
        201,
        json={"instalments": [{"due_date": "2027-01-01", "amount": "300.00"}]},
    )
    assert made["scheduled"] == "900.00" and made["unscheduled"] == "100.00"
    assert made["instalments"][0]["instalment"] == 2


def test_deleting_a_payment_reopens_its_instalment(admin: Api) -> None:
    c = signed(admin, "1000.00")
    (first,) = plan(admin, c, ("2026-12-01", "1000.00"))
    payment = pay(admin, first, "1000.00").json()
    assert admin.ok("GET", f"/records/payment_plan/{first['id']}")["status"] == "paid"
    admin.ok("DELETE", f"/records/payment/{payment['id']}", 204)
    assert admin.ok("GET", f"/records/payment_plan/{first['id']}")["status"] == "open"
    assert admin.ok("GET", f"/records/contract/{c['id']}")["outstanding"] == money("1000.00")
    admin.ok("POST", f"/records/payment/{payment['id']}/restore")
    assert admin.ok("GET", f"/records/payment_plan/{first['id']}")["status"] == "paid"


def test_payments_at_the_same_time_cannot_over_pay_together(admin: Api) -> None:
    """Six payments of 4,000 at once against 10,000: the contract row orders them."""
    c = signed(admin, "10000.00")
    start = threading.Barrier(6)

    def one(n: int) -> Any:
        start.wait(timeout=30)
        return admin.post(
            "/records/payment",
            json={"contract": c["id"], "amount": "4000.00", "paid_on": "2026-11-20"},
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(one, range(6)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 201, 422, 422, 422, 422], [a.text for a in answers]
    assert admin.ok("GET", f"/records/contract/{c['id']}")["collected"] == "8000.00"


def test_invoices_may_not_exceed_the_contract(admin: Api) -> None:
    c = signed(admin, "1000.00")
    first = admin.ok(
        "POST",
        "/records/invoice",
        201,
        json={"invoice_no": "No.0001", "contract": c["id"], "amount": "800.00"},
    )
    assert first["account"] == c["account"]
    refused = admin.post(
        "/records/invoice", json={"invoice_no": "No.0002", "contract": c["id"], "amount": "200.01"}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "over_invoiced"
    admin.ok("PATCH", f"/records/invoice/{first['id']}", json={"status": "voided", "version": 1})
    admin.ok(
        "POST",
        "/records/invoice",
        201,
        json={"invoice_no": "No.0002", "contract": c["id"], "amount": "1000.00"},
    )
    assert admin.ok("GET", f"/records/contract/{c['id']}")["invoiced"] == "1000.00"


def test_the_summary_shows_overdue_instalments_as_the_clock_moves(
    rep_zhang: Api, persona: Persona, clock: FixedClock
) -> None:
    c = signed(rep_zhang, "100000.00")
    first, second = plan(rep_zhang, c, ("2026-11-30", "30000.00"), ("2027-03-31", "70000.00"))
    assert pay(rep_zhang, first, "10000.00").status_code == 201
    summary = rep_zhang.ok("GET", f"/sales/contracts/{c['id']}/summary")
    assert summary["overdue"] == "0.00" and summary["overdue_instalments"] == []
    assert summary["next_due"]["id"] == first["id"]
    assert summary["next_due"]["remaining"] == "20000.00"
    clock.advance(days=8)  # 2026-12-01 in Shanghai: the first instalment is a day late
    summary = rep_zhang.ok("GET", f"/sales/contracts/{c['id']}/summary")
    assert {k: summary[k] for k in ("contracted", "collected", "outstanding", "overdue")} == {
        "contracted": "100000.00",
        "collected": "10000.00",
        "outstanding": "90000.00",
        "overdue": "20000.00",
    }
    (late,) = summary["overdue_instalments"]
    assert late["id"] == first["id"] and late["days_overdue"] == 1
    assert summary["next_due"]["id"] == second["id"]
    by_account = rep_zhang.ok("GET", f"/sales/accounts/{c['account']}/summary")
    assert by_account["overdue"] == "20000.00" and by_account["contracted"] == "100000.00"
    # a rep of another team sees neither the contract nor the account's numbers
    other = persona("rep_liu")
    assert other.get(f"/sales/contracts/{c['id']}/summary").status_code == 404

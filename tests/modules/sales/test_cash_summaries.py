"""What the cash screens read: a plan checked as a whole, a contract's instalments with
what remains of each, an account's pipeline beside its contracts."""

from __future__ import annotations

from guanxi.kernel.clock import FixedClock
from tests.api.conftest import Api, Persona
from tests.modules.sales.test_payments import pay, plan, signed


def test_a_plan_whose_instalments_together_exceed_the_contract_is_refused_whole(
    rep_zhang: Api,
) -> None:
    c = signed(rep_zhang, "1000.00")
    body = {
        "instalments": [
            {"due_date": "2026-12-01", "amount": "600.00"},
            {"due_date": "2027-01-01", "amount": "300.00"},
            {"due_date": "2027-02-01", "amount": "100.01"},
        ]
    }
    refused = rep_zhang.post(f"/sales/contracts/{c['id']}/payment-plan", json=body)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (2, "amount", "over_planned")
    assert "1000.01" in error["message"] and "超过合同金额" in error["message"]
    summary = rep_zhang.ok("GET", f"/sales/contracts/{c['id']}/summary")
    assert summary["instalments"] == [] and summary["unscheduled"] == "1000.00"
    # with an instalment stored, the request is held to what is left
    plan(rep_zhang, c, ("2026-12-01", "400.00"))
    body = {"instalments": [{"due_date": "2027-01-01", "amount": "350.00"}] * 2}
    refused = rep_zhang.post(f"/sales/contracts/{c['id']}/payment-plan", json=body)
    assert [e["index"] for e in refused.json()["errors"]] == [1]


def test_the_contract_summary_lists_every_instalment_with_what_remains(
    rep_zhang: Api, clock: FixedClock
) -> None:
    c = signed(rep_zhang, "100000.00")
    first, second = plan(rep_zhang, c, ("2026-11-30", "30000.00"), ("2027-03-31", "60000.00"))
    assert pay(rep_zhang, first, "30000.00").status_code == 201
    assert pay(rep_zhang, second, "10000.00").status_code == 201
    summary = rep_zhang.ok("GET", f"/sales/contracts/{c['id']}/summary")
    assert (summary["scheduled"], summary["unscheduled"]) == ("90000.00", "10000.00")
    assert [
        (i["id"], i["status"], i["collected"], i["remaining"], i["days_overdue"])
        for i in summary["instalments"]
    ] == [
        (first["id"], "paid", "30000.00", "0.00", 0),
        (second["id"], "partial", "10000.00", "50000.00", 0),
    ]
    clock.advance(days=140)  # 2027-04-12: the second instalment is 12 days late
    late = rep_zhang.ok("GET", f"/sales/contracts/{c['id']}/summary")["instalments"]
    assert [i["days_overdue"] for i in late] == [0, 12]


def test_the_account_summary_adds_its_open_pipeline_and_this_years_wins(
    rep_zhang: Api, persona: Persona
) -> None:
    acme = rep_zhang.ok("POST", "/records/account", 201, json={"name": "上海哔哩哔哩科技有限公司"})

    def deal(name: str, amount: str, currency: str = "CNY", **more: str) -> None:
        money = {"amount": amount, "currency": currency}
        body = {"name": name, "account": acme["id"], "amount": money, **more}
        rep_zhang.ok("POST", "/records/opportunity", 201, json=body)

    deal("续约", "120000.50", stage="negotiation")
    deal("增购", "30000.00")
    deal("海外版", "5000.00", "USD", stage="proposal")
    deal("年度采购", "80000.00", stage="won")  # closes today, 2026-11-23
    deal("去年的单", "70000.00", stage="won", close_date="2025-06-30")
    deal("丢单", "9000.00", stage="lost", lost_reason="price")
    summary = rep_zhang.ok("GET", f"/sales/accounts/{acme['id']}/summary")
    assert {
        k: summary[k]
        for k in (
            "open_pipeline",
            "open_deals",
            "won_this_year",
            "won_deals",
            "deals_in_other_currencies",
            "contracted",
        )
    } == {
        "open_pipeline": "150000.50",
        "open_deals": 2,
        "won_this_year": "80000.00",
        "won_deals": 1,
        "deals_in_other_currencies": 1,
        "contracted": "0.00",
    }
    assert "instalments" not in summary
    # another team's rep may not read the account at all
    assert persona("rep_liu").get(f"/sales/accounts/{acme['id']}/summary").status_code == 404

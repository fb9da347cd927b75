"""The forecast equals sums worked out by hand, and covers only the deals the caller's
data scope shows: a rep their own, a manager their team's, a director their department's,
the CEO everyone's."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.kernel.db import Database
from tests.api.conftest import Api, Persona
from tests.statements import count_queries

ZHANG, WANG, ZHOU, LIU = "张伟 Zhang Wei", "王芳 Wang Fang", "周经理 Zhou Qiang", "刘洋 Liu Yang"
EAST, SOUTH = "华东销售部 East China sales", "华南销售部 South China sales"


def deal(api: Api, name: str, amount: Any, close_date: str, **values: Any) -> None:
    body = {"name": name, "amount": amount, "close_date": close_date, **values}
    api.ok("POST", "/records/opportunity", 201, json=body)


@pytest.fixture
def deals(persona: Persona) -> None:
    """Fixed deals; the comments say where each lands in 2026-Q4 (probability: the
    stage's unless given)."""
    zhang = persona("rep_zhang")
    deal(zhang, "Z1", "100000", "2026-12-15", stage="proposal")  # best case; ×50% = 50000
    deal(zhang, "Z2", "40000", "2026-11-30", stage="negotiation")  # commit; ×75% = 30000
    deal(zhang, "Z3", "12345.67", "2026-10-31")  # prospecting: pipeline; ×10% = 1234.567
    deal(zhang, "Z4", "200000", "2026-10-15", stage="won")  # closed
    deal(zhang, "Z5", "50000", "2026-11-01", stage="lost", lost_reason="price")  # nowhere
    deal(zhang, "Z6", "70000", "2027-01-05", stage="proposal")  # next year
    deal(
        zhang, "Z7", "9000", "2026-12-01", stage="qualification", forecast_category="omitted"
    )  # left out by the rep
    deal(zhang, "Z8", {"amount": "5000", "currency": "USD"}, "2026-12-01", stage="proposal")
    wang = persona("rep_wang")
    deal(wang, "W1", "60000", "2026-12-31", stage="negotiation", probability="80")  # 48000
    deal(wang, "W2", "30000", "2026-11-10", stage="won")
    zhou = persona("manager_zhou")
    deal(zhou, "M1", "20000.10", "2026-10-01", stage="qualification")  # ×25% = 5000.025
    liu = persona("rep_liu")
    deal(liu, "L1", "300000", "2026-11-15", stage="proposal")  # ×50% = 150000
    deal(liu, "L2", "150000", "2026-12-01", stage="won")


def figures(row: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (row["pipeline"], row["best_case"], row["commit"], row["closed"], row["weighted"])


def by_label(answer: dict[str, Any]) -> dict[str, tuple[str, str, str, str, str]]:
    return {g["label"]: figures(g) for g in answer["groups"]}


# pipeline, best case, commit, closed, weighted
ZHANG_Q4 = ("12345.67", "100000.00", "40000.00", "200000.00", "81234.57")  # 81234.567
WANG_Q4 = ("0.00", "0.00", "60000.00", "30000.00", "48000.00")
ZHOU_Q4 = ("20000.10", "0.00", "0.00", "0.00", "5000.03")  # 5000.025, half up
EAST_Q4 = ("32345.77", "100000.00", "100000.00", "230000.00", "134234.59")  # 134234.592
SOUTH_Q4 = ("0.00", "300000.00", "0.00", "150000.00", "150000.00")


def test_a_rep_forecasts_only_their_own_deals(persona: Persona, deals: None) -> None:
    answer = persona("rep_zhang").ok("GET", "/sales/forecast?period=2026-Q4&group_by=owner")
    assert answer["period"] == "2026-Q4"
    assert (answer["start"], answer["end"]) == ("2026-10-01", "2026-12-31")
    assert answer["currency"] == "CNY"
    assert by_label(answer) == {ZHANG: ZHANG_Q4}
    assert figures(answer["totals"]) == ZHANG_Q4
    assert answer["other_currencies"] == [{"currency": "USD", "deals": 1}]


def test_a_manager_forecasts_their_own_and_their_reports_deals(
    persona: Persona, deals: None, demo_org: Any
) -> None:
    answer = persona("manager_zhou").ok("GET", "/sales/forecast?period=2026-Q4")
    assert by_label(answer) == {ZHANG: ZHANG_Q4, WANG: WANG_Q4, ZHOU: ZHOU_Q4}
    assert figures(answer["totals"]) == EAST_Q4
    keys = {g["label"]: g["key"] for g in answer["groups"]}
    assert keys[WANG] == str(demo_org.users["rep_wang"])


def test_a_director_forecasts_the_department(persona: Persona, deals: None) -> None:
    li = persona("director_li")
    answer = li.ok("GET", "/sales/forecast?period=2026-Q4&group_by=department")
    assert by_label(answer) == {EAST: EAST_Q4}
    assert figures(answer["totals"]) == EAST_Q4
    by_owner = li.ok("GET", "/sales/forecast?period=2026-Q4&group_by=owner")
    assert set(by_label(by_owner)) == {ZHANG, WANG, ZHOU}


def test_the_ceo_forecasts_everything(persona: Persona, deals: None) -> None:
    answer = persona("ceo_chen").ok("GET", "/sales/forecast?period=2026-Q4&group_by=department")
    assert by_label(answer) == {EAST: EAST_Q4, SOUTH: SOUTH_Q4}
    assert figures(answer["totals"]) == (
        "32345.77",
        "400000.00",
        "100000.00",
        "380000.00",
        "284234.59",  # 134234.592 + 150000
    )


def test_a_month_and_a_year_count_the_deals_closing_in_them(persona: Persona, deals: None) -> None:
    ceo = persona("ceo_chen")
    november = ceo.ok("GET", "/sales/forecast?period=2026-11")
    assert by_label(november) == {
        ZHANG: ("0.00", "0.00", "40000.00", "0.00", "30000.00"),  # Z2; Z5 was lost
        WANG: ("0.00", "0.00", "0.00", "30000.00", "0.00"),  # W2
        LIU: ("0.00", "300000.00", "0.00", "0.00", "150000.00"),  # L1
    }
    next_year = persona("rep_zhang").ok("GET", "/sales/forecast?period=2027")
    assert figures(next_year["totals"]) == ("0.00", "70000.00", "0.00", "0.00", "35000.00")
    dollars = persona("rep_zhang").ok("GET", "/sales/forecast?period=2026-q4&currency=USD")
    assert dollars["period"] == "2026-Q4"
    assert figures(dollars["totals"]) == ("0.00", "5000.00", "0.00", "0.00", "2500.00")


def test_the_forecast_is_one_statement_over_the_deals(
    persona: Persona, deals: None, installed_db: Database
) -> None:
    ceo = persona("ceo_chen")
    with count_queries(installed_db) as statements:
        ceo.ok("GET", "/sales/forecast?period=2026-Q4&group_by=department")
    assert len([s for s in statements if "o_opportunity" in s]) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=2026-Q5", "period"),
        ("period=2026-13", "period"),
        ("period=Q4", "period"),
        ("period=9999-12", "period"),
        ("", "period"),
        ("period=2026-Q4&group_by=team", "group_by"),
    ],
)
def test_a_bad_period_or_grouping_is_named(admin: Api, query: str, field: str) -> None:
    response = admin.get(f"/sales/forecast?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_who_may_not_read_deals_gets_no_forecast(persona: Persona) -> None:
    assert persona("agent_sun").get("/sales/forecast?period=2026-Q4").status_code == 403

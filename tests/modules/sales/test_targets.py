"""Targets' attainment equals sums worked out by hand: won deals or collected payments of a
salesperson, or of a department's people including its sub-departments, in the target's
period; each caller sees the targets their scope shows."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona


def won(api: Api, amount: Any, close_date: str, stage: str = "won") -> None:
    body = {"name": "商机", "amount": amount, "close_date": close_date, "stage": stage}
    api.ok("POST", "/records/opportunity", 201, json=body)


def paid(api: Api, amount: str, paid_on: str) -> None:
    api.ok("POST", "/records/payment", 201, json={"amount": amount, "paid_on": paid_on})


def target(admin: Api, owner: str, org: DemoOrg, **values: Any) -> dict[str, Any]:
    body = {"owner_id": str(org.users[owner]), **values}
    return admin.ok("POST", "/records/sales_target", 201, json=body)


@pytest.fixture
def targets(admin: Api, persona: Persona, demo_org: DemoOrg) -> None:
    zhang, wang, zhou, liu = (
        persona("rep_zhang"),
        persona("rep_wang"),
        persona("manager_zhou"),
        persona("rep_liu"),
    )
    won(zhang, "200000", "2026-10-15")
    won(zhang, "80000", "2026-11-20")
    won(zhang, {"amount": "5000", "currency": "USD"}, "2026-11-05")  # not in yuan
    won(zhang, "100000", "2026-11-25", stage="proposal")  # not won yet
    won(zhang, "999", "2027-01-02")  # next year
    won(wang, "30000", "2026-11-10")
    won(zhou, "15000.50", "2026-12-05")
    won(liu, "150000", "2026-12-01")
    paid(zhang, "50000", "2026-10-20")
    paid(zhang, "25000.25", "2026-11-03")
    paid(wang, "10000", "2026-12-24")
    paid(liu, "70000", "2026-11-11")
    users, departments = demo_org.users, demo_org.departments
    for owner, values in [
        ("rep_zhang", {"name": "张伟 Q4 赢单", "period": "2026-Q4", "amount": "400000"}),
        ("rep_zhang", {"name": "张伟 11月 赢单", "period": "2026-11", "amount": "100000"}),
        (
            "rep_zhang",
            {
                "name": "张伟 Q4 回款",
                "measure": "collected",
                "period": "2026-q4",
                "amount": "100000",
            },
        ),
        ("rep_zhang", {"name": "张伟 2027 Q1", "period": "2027-Q1", "amount": "1"}),
    ]:
        target(admin, owner, demo_org, assignee=str(users["rep_zhang"]), **values)
    target(
        admin,
        "director_li",
        demo_org,
        name="华东 Q4 赢单",
        period="2026-Q4",
        department_id=str(departments["east"]),
        amount="500000",
    )
    target(
        admin,
        "ceo_chen",
        demo_org,
        name="销售中心 Q4 回款",
        measure="collected",
        period="2026-Q4",
        department_id=str(departments["sales"]),  # East and South China below it
        amount="200000",
    )
    target(
        admin,
        "director_huang",
        demo_org,
        name="华南 12月 赢单",
        period="2026-12",
        department_id=str(departments["south"]),
        amount="100000",
    )


def figures(answer: dict[str, Any]) -> dict[str, tuple[str, str, str, str, str | None]]:
    return {
        t["name"]: (t["measure"], t["period"], t["target"], t["actual"], t["attainment"])
        for t in answer["targets"]
    }


ZHANG_Q4 = ("won_amount", "2026-Q4", "400000.00", "280000.00", "70.00")
ZHANG_NOV = ("won_amount", "2026-11", "100000.00", "80000.00", "80.00")
ZHANG_COLLECTED = ("collected", "2026-Q4", "100000.00", "75000.25", "75.00")  # 75.0025
# 280000 + 30000 (Wang) + 15000.50 (Zhou) = 325000.50; 65.0001 %
EAST_Q4 = ("won_amount", "2026-Q4", "500000.00", "325000.50", "65.00")
# 75000.25 (Zhang) + 10000 (Wang) + 70000 (Liu) = 155000.25; 77.500125 %
SALES_COLLECTED = ("collected", "2026-Q4", "200000.00", "155000.25", "77.50")
SOUTH_DEC = ("won_amount", "2026-12", "100000.00", "150000.00", "150.00")


def test_a_rep_sees_the_attainment_of_their_own_targets(
    persona: Persona, targets: None, demo_org: DemoOrg
) -> None:
    answer = persona("rep_zhang").ok("GET", "/sales/targets/attainment?period=2026-Q4")
    assert answer["period"] == "2026-Q4"
    assert figures(answer) == {
        "张伟 Q4 赢单": ZHANG_Q4,
        "张伟 11月 赢单": ZHANG_NOV,
        "张伟 Q4 回款": ZHANG_COLLECTED,
    }
    first = answer["targets"][0]
    assert first["assignee"] == {"id": str(demo_org.users["rep_zhang"]), "name": "张伟 Zhang Wei"}
    assert first["department"] is None and first["currency"] == "CNY"


def test_a_department_target_counts_its_people_and_sub_departments(
    persona: Persona, targets: None, demo_org: DemoOrg
) -> None:
    li = figures(persona("director_li").ok("GET", "/sales/targets/attainment?period=2026-Q4"))
    assert li == {
        "张伟 Q4 赢单": ZHANG_Q4,
        "张伟 11月 赢单": ZHANG_NOV,
        "张伟 Q4 回款": ZHANG_COLLECTED,
        "华东 Q4 赢单": EAST_Q4,
    }
    answer = persona("ceo_chen").ok("GET", "/sales/targets/attainment?period=2026-Q4")
    assert figures(answer) == {
        "张伟 Q4 赢单": ZHANG_Q4,
        "张伟 11月 赢单": ZHANG_NOV,
        "张伟 Q4 回款": ZHANG_COLLECTED,
        "华东 Q4 赢单": EAST_Q4,
        "销售中心 Q4 回款": SALES_COLLECTED,
        "华南 12月 赢单": SOUTH_DEC,
    }
    sales = next(t for t in answer["targets"] if t["name"] == "销售中心 Q4 回款")
    assert sales["department"] == {
        "id": str(demo_org.departments["sales"]),
        "name": "销售中心 Sales",
    }
    assert sales["assignee"] is None


def test_a_month_holds_its_own_targets_and_a_year_all_of_its_own(
    persona: Persona, targets: None
) -> None:
    ceo = persona("ceo_chen")
    november = figures(ceo.ok("GET", "/sales/targets/attainment?period=2026-11"))
    assert november == {"张伟 11月 赢单": ZHANG_NOV}
    year = figures(ceo.ok("GET", "/sales/targets/attainment?period=2026"))
    assert set(year) == {
        "张伟 Q4 赢单",
        "张伟 11月 赢单",
        "张伟 Q4 回款",
        "华东 Q4 赢单",
        "销售中心 Q4 回款",
        "华南 12月 赢单",
    }
    assert year["华南 12月 赢单"] == SOUTH_DEC


def test_a_targets_period_and_department_are_checked(admin: Api) -> None:
    response = admin.post("/records/sales_target", json={"name": "x", "period": "Q4", "amount": 1})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["period"]
    response = admin.post(
        "/records/sales_target",
        json={"name": "x", "period": "2026-Q4", "amount": 1, "department_id": "华东"},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["department_id"]
    response = admin.get("/sales/targets/attainment?period=2026-Q0")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["period"]


def test_a_zero_target_has_no_attainment(admin: Api) -> None:
    admin.ok(
        "POST", "/records/sales_target", 201, json={"name": "零", "period": "2026-11", "amount": 0}
    )
    (only,) = admin.ok("GET", "/sales/targets/attainment?period=2026-11")["targets"]
    assert (only["target"], only["actual"], only["attainment"]) == ("0.00", "0.00", None)


def test_a_team_target_counts_its_members_across_departments(
    admin: Api, persona: Persona, targets: None, demo_org: DemoOrg
) -> None:
    # 重点客户小组: Zhang (East) and Liu (South); Q4 won 280000 + 150000
    team = str(demo_org.teams["key_accounts"])
    target(
        admin,
        "ceo_chen",
        demo_org,
        name="重点客户小组 Q4",
        period="2026-Q4",
        team_id=team,
        amount="500000",
    )
    answer = persona("ceo_chen").ok("GET", "/sales/targets/attainment?period=2026-Q4")
    made = next(t for t in answer["targets"] if t["name"] == "重点客户小组 Q4")
    assert (made["actual"], made["attainment"]) == ("430000.00", "86.00")
    assert made["team"] == {"id": team, "name": "重点客户小组 Key accounts"}
    assert made["assignee"] is None and made["department"] is None


def test_a_target_has_one_holder_and_an_existing_team(admin: Api, demo_org: DemoOrg) -> None:
    body = {"name": "x", "period": "2026-Q4", "amount": 1}
    both = admin.post(
        "/records/sales_target",
        json={
            **body,
            "department_id": str(demo_org.departments["east"]),
            "team_id": str(demo_org.teams["key_accounts"]),
        },
    )
    assert both.status_code == 422
    assert [(e["field"], e["code"]) for e in both.json()["errors"]] == [("team_id", "one_holder")]
    unknown = admin.post(
        "/records/sales_target", json={**body, "team_id": "01a24fec-0000-7000-8000-000000000000"}
    )
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["team_id"]

"""Opportunities follow their stages: probability, forecast category, closing, the stage
history with time in stage, and the kanban's counts and sums per stage."""

from __future__ import annotations

from typing import Any

from guanxi.kernel.clock import FixedClock
from tests.api.conftest import Api, Persona


def account(api: Api, name: str = "北京字节跳动科技有限公司") -> dict[str, Any]:
    return api.ok("POST", "/records/account", 201, json={"name": name})


def deal(api: Api, **values: Any) -> dict[str, Any]:
    return api.ok("POST", "/records/opportunity", 201, json={"name": "飞书企业版", **values})


def move(api: Api, record: dict[str, Any], **values: Any) -> dict[str, Any]:
    return api.ok(
        "PATCH",
        f"/records/opportunity/{record['id']}",
        json={**values, "version": record["version"]},
    )


def test_a_new_deal_takes_its_stages_probability_and_forecast_category(admin: Api) -> None:
    new = deal(admin)
    assert new["stage"] == "prospecting"
    assert (new["probability"], new["forecast_category"]) == ("10.00", "pipeline")
    assert new["stage_changed_at"] == "2026-11-23T10:30:00+08:00"
    assert new["closed_at"] is None


def test_entering_a_stage_sets_probability_and_category_unless_the_write_gives_them(
    admin: Api, clock: FixedClock
) -> None:
    record = deal(admin, stage="qualification")
    clock.advance(days=2)
    record = move(admin, record, stage="negotiation")
    assert (record["probability"], record["forecast_category"]) == ("75.00", "commit")
    assert record["stage_changed_at"] == "2026-11-25T10:30:00+08:00"
    record = move(admin, record, stage="proposal", probability="60", forecast_category="commit")
    assert (record["probability"], record["forecast_category"]) == ("60.00", "commit")
    # Editing other fields leaves the rep's own probability alone.
    clock.advance(days=1)
    record = move(admin, record, next_step="发送合同草稿")
    assert record["probability"] == "60.00"
    assert record["stage_changed_at"] == "2026-11-25T10:30:00+08:00"


def test_a_lost_deal_needs_its_reason(admin: Api) -> None:
    record = deal(admin, stage="proposal")
    response = admin.patch(
        f"/records/opportunity/{record['id']}", json={"stage": "lost", "version": record["version"]}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["lost_reason"]
    lost = move(admin, record, stage="lost", lost_reason="competitor", competitor="销售易")
    assert (lost["probability"], lost["forecast_category"]) == ("0.00", "omitted")
    assert lost["closed_at"] == "2026-11-23T10:30:00+08:00"
    assert lost["competitor"] == "销售易"


def test_a_won_deal_needs_its_amount_and_makes_the_account_an_active_customer(
    admin: Api, clock: FixedClock
) -> None:
    acme = account(admin)
    assert acme["status"] == "prospect"
    record = deal(admin, account=acme["id"], stage="negotiation", close_date="2026-12-20")
    response = admin.patch(
        f"/records/opportunity/{record['id']}", json={"stage": "won", "version": record["version"]}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["amount"]
    assert response.headers["content-type"].startswith("application/problem+json")
    clock.advance(hours=3)
    won = move(admin, record, stage="won", amount="120000.00")
    assert (won["probability"], won["forecast_category"]) == ("100.00", "closed")
    assert won["closed_at"] == "2026-11-23T13:30:00+08:00"
    assert won["close_date"] == "2026-11-23"  # the day it was won, not the day hoped for
    customer = admin.ok("GET", f"/records/account/{acme['id']}")
    assert customer["status"] == "active"
    assert customer["last_won_at"] == "2026-11-23T13:30:00+08:00"


def test_a_reopened_deal_is_no_longer_closed(admin: Api) -> None:
    record = deal(admin, stage="lost", lost_reason="timing")
    assert record["closed_at"] == "2026-11-23T10:30:00+08:00"
    reopened = move(admin, record, stage="qualification")
    assert reopened["closed_at"] is None
    assert (reopened["probability"], reopened["forecast_category"]) == ("25.00", "pipeline")


def test_a_rep_who_may_only_read_the_account_still_wins_a_deal_on_it(
    admin: Api, persona: Persona, demo_org: Any
) -> None:
    acme = account(admin)  # the administrator's account, shared with rep_zhang to read
    admin.ok(
        "POST",
        f"/records/account/{acme['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "read"},
    )
    zhang = persona("rep_zhang")
    record = deal(zhang, account=acme["id"], amount="50000")
    move(zhang, record, stage="won")
    assert admin.ok("GET", f"/records/account/{acme['id']}")["status"] == "active"


def test_stage_history_shows_each_stage_with_its_days_and_who_moved_it(
    persona: Persona, clock: FixedClock, demo_org: Any
) -> None:
    zhang = persona("rep_zhang")
    record = deal(zhang, amount="80000")
    clock.advance(days=3)
    record = move(zhang, record, stage="qualification")
    clock.advance(days=4, hours=12)
    record = move(zhang, record, stage="proposal")
    clock.advance(days=2)
    history = zhang.ok("GET", f"/sales/opportunities/{record['id']}/stages")
    me = str(demo_org.users["rep_zhang"])
    assert history["stage"] == "proposal"
    assert [
        (s["stage"], s["entered_at"], s["left_at"], s["days"], s["by"]) for s in history["stages"]
    ] == [
        ("prospecting", "2026-11-23T10:30:00+08:00", "2026-11-26T10:30:00+08:00", 3.0, me),
        ("qualification", "2026-11-26T10:30:00+08:00", "2026-11-30T22:30:00+08:00", 4.5, me),
        ("proposal", "2026-11-30T22:30:00+08:00", None, 2.0, me),
    ]
    assert history["stages"][1]["label"] == {"en": "Qualification", "zh-CN": "需求确认"}


def test_stage_history_is_only_for_those_who_may_read_the_deal(
    persona: Persona, admin: Api
) -> None:
    record = deal(persona("rep_liu"))  # South China: not in rep_zhang's scope
    response = persona("rep_zhang").get(f"/sales/opportunities/{record['id']}/stages")
    assert response.status_code == 404
    assert persona("director_huang").ok("GET", f"/sales/opportunities/{record['id']}/stages")
    assert admin.get(f"/sales/opportunities/{deal(admin)['id']}/stages").status_code == 200


def test_kanban_counts_and_sums_each_stage_within_the_callers_scope(persona: Persona) -> None:
    zhang, wang, liu = persona("rep_zhang"), persona("rep_wang"), persona("rep_liu")
    deal(zhang, stage="proposal", amount="100000.50")
    deal(zhang, stage="proposal", amount="20000")
    deal(zhang, stage="negotiation", amount="300000")
    deal(wang, stage="proposal", amount="7000")
    deal(liu, stage="proposal", amount="999999")
    body = {
        "group_by": [{"field": "stage"}],
        "measures": [{"op": "count"}, {"op": "sum", "field": "amount"}],
    }

    def board(api: Api) -> dict[str, Any]:
        groups = api.ok("POST", "/records/opportunity/aggregate", json=body)["groups"]
        return {g["key"][0]: (g["values"]["count"], g["values"]["sum_amount"]) for g in groups}

    assert board(zhang) == {"proposal": (2, "120000.50"), "negotiation": (1, "300000.00")}
    assert board(persona("manager_zhou")) == {
        "proposal": (3, "127000.50"),
        "negotiation": (1, "300000.00"),
    }


def test_an_imported_past_win_keeps_its_times_and_does_not_move_the_last_win_back(
    admin: Api,
) -> None:
    acme = account(admin)
    deal(admin, account=acme["id"], stage="won", amount="1000")
    past = deal(
        admin,
        account=acme["id"],
        stage="won",
        amount="2000",
        close_date="2026-03-01",
        closed_at="2026-03-01T10:00:00+08:00",
        stage_changed_at="2026-03-01T10:00:00+08:00",
    )
    assert past["closed_at"] == "2026-03-01T10:00:00+08:00"
    assert past["stage_changed_at"] == "2026-03-01T10:00:00+08:00"
    assert past["close_date"] == "2026-03-01"
    customer = admin.ok("GET", f"/records/account/{acme['id']}")
    assert customer["last_won_at"] == "2026-11-23T10:30:00+08:00"

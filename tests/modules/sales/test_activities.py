"""Activities keep their account's, contact's and lead's follow-up dates current."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, Persona


def account(api: Api, name: str = "北京字节跳动科技有限公司") -> dict[str, Any]:
    return api.ok("POST", "/records/account", 201, json={"name": name})


def log(api: Api, **values: Any) -> dict[str, Any]:
    return api.ok("POST", "/records/activity", 201, json={"subject": "电话沟通", **values})


def test_logging_a_call_moves_the_accounts_last_activity_and_next_follow_up(
    admin: Api,
) -> None:
    acme = account(admin)
    contact = admin.ok(
        "POST", "/records/contact", 201, json={"name": "张一鸣", "account": acme["id"]}
    )
    log(
        admin,
        account=acme["id"],
        contact=contact["id"],
        occurred_at="2026-11-20T09:00:00Z",
        next_follow_up="2026-11-30",
    )
    log(admin, account=acme["id"], occurred_at="2026-11-22T09:00:00Z", next_follow_up="2026-11-25")
    now = admin.ok("GET", f"/records/account/{acme['id']}")
    assert now["last_activity_at"] == "2026-11-22T17:00:00+08:00"
    assert now["next_follow_up"] == "2026-11-25"
    person = admin.ok("GET", f"/records/contact/{contact['id']}")
    assert (
        person["last_activity_at"] == "2026-11-20T17:00:00+08:00"
        and person["next_follow_up"] == "2026-11-30"
    )


def test_an_activity_without_a_time_happened_now_and_past_follow_ups_are_not_next(
    admin: Api,
) -> None:
    acme = account(admin)
    log(admin, account=acme["id"], next_follow_up="2026-11-01")  # already past (today is 11-23)
    now = admin.ok("GET", f"/records/account/{acme['id']}")
    assert now["last_activity_at"] == "2026-11-23T10:30:00+08:00"
    assert now["next_follow_up"] is None


def test_deleting_or_moving_an_activity_takes_its_dates_with_it(admin: Api) -> None:
    first, second = account(admin, "甲公司"), account(admin, "乙公司")
    early = log(admin, account=first["id"], occurred_at="2026-11-10T09:00:00Z")
    late = log(
        admin, account=first["id"], occurred_at="2026-11-21T09:00:00Z", next_follow_up="2026-12-01"
    )
    admin.ok("DELETE", f"/records/activity/{late['id']}", 204)
    now = admin.ok("GET", f"/records/account/{first['id']}")
    assert now["last_activity_at"] == "2026-11-10T17:00:00+08:00" and now["next_follow_up"] is None
    admin.ok(
        "PATCH",
        f"/records/activity/{early['id']}",
        json={"account": second["id"], "version": early["version"]},
    )
    assert admin.ok("GET", f"/records/account/{first['id']}")["last_activity_at"] is None
    assert (
        admin.ok("GET", f"/records/account/{second['id']}")["last_activity_at"]
        == "2026-11-10T17:00:00+08:00"
    )


def test_an_agent_who_may_only_read_an_account_still_moves_its_last_activity(
    admin: Api, persona: Persona
) -> None:
    acme = account(admin)
    sun = persona("agent_sun")
    log(sun, account=acme["id"], occurred_at="2026-11-22T09:00:00Z")
    assert (
        sun.ok("GET", f"/records/account/{acme['id']}")["last_activity_at"]
        == "2026-11-22T17:00:00+08:00"
    )
    assert sun.patch(
        f"/records/account/{acme['id']}", json={"name": "改名", "version": 2}
    ).status_code in {403, 404}

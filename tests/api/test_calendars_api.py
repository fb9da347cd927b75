"""Business calendars over HTTP: working hours, holidays and 调休 from the holidays package,
editable days, the default calendar, versions and who may manage them."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.sla_factories import OFFICE, WEEKDAYS, office_calendar


def test_a_calendar_is_seeded_with_china_s_holidays_and_make_up_days(admin: Api) -> None:
    created = admin.post(
        "/calendars",
        json={
            "name": {"en": "Shanghai office", "zh-CN": "上海办公室"},
            "time_zone": "Asia/Shanghai",
            "working_hours": {day: OFFICE for day in WEEKDAYS},
            "holidays_from": {"country": "CN", "years": [2026]},
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    calendar = created.json()
    assert calendar["is_default"] is True  # the first calendar is the default
    assert calendar["working_hours"]["mon"] == OFFICE and "sat" not in calendar["working_hours"]
    days = admin.ok("GET", f"/calendars/{calendar['id']}/days", params={"year": 2026})["days"]
    by_date = {d["date"]: d for d in days}
    national_day = by_date["2026-10-01"]
    assert national_day["kind"] == "holiday" and national_day["source"] == "package"
    assert national_day["name"]["zh-CN"] == "国庆节" and national_day["name"]["en"]
    for worked in ("2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"):
        assert by_date[worked]["kind"] == "workday", worked
        assert by_date[worked]["name"]["zh-CN"] == "调休上班"
    assert by_date["2026-02-17"]["kind"] == "holiday"  # Spring Festival


def test_days_are_edited_by_hand_and_the_package_does_not_overwrite_them(admin: Api) -> None:
    calendar = office_calendar(admin)
    path = f"/calendars/{calendar['id']}"
    # The company gives 24 December off, and works Saturday 26 December instead.
    off = admin.ok(
        "PUT",
        f"{path}/days/2026-12-24",
        json={"kind": "holiday", "name": {"en": "Company day", "zh-CN": "公司假日"}},
    )
    assert off == {
        "date": "2026-12-24",
        "kind": "holiday",
        "name": {"en": "Company day", "zh-CN": "公司假日"},
        "source": "manual",
    }
    admin.ok("PUT", f"{path}/days/2026-12-26", json={"kind": "workday"})
    # National Day's first day made a working day by hand survives a fresh import.
    admin.ok("PUT", f"{path}/days/2026-10-01", json={"kind": "workday"})
    admin.ok(
        "POST", f"{path}/days/import", json={"country": "CN", "years": [2026], "replace": True}
    )
    days = {d["date"]: d for d in admin.ok("GET", f"{path}/days", params={"year": 2026})["days"]}
    assert days["2026-10-01"]["kind"] == "workday" and days["2026-10-01"]["source"] == "manual"
    assert days["2026-10-02"]["source"] == "package"
    admin.ok("DELETE", f"{path}/days/2026-12-24", 204)
    assert admin.delete(f"{path}/days/2026-12-24").status_code == 404
    assert admin.ok("GET", path)["version"] > calendar["version"]  # every change moves it


def test_a_calendar_that_could_not_count_time_is_refused_naming_each_problem(admin: Api) -> None:
    refused = admin.post(
        "/calendars",
        json={
            "name": {"en": "Broken"},
            "time_zone": "Mars/Olympus",
            "working_hours": {
                "mon": [{"start": "12:00", "end": "09:00"}],
                "tue": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}],
            },
            "holidays_from": {"country": "XX", "years": [2026]},
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("time_zone", "invalid"),
        ("working_hours.mon[0]", "invalid"),
        ("working_hours.tue", "invalid"),
        ("holidays_from.country", "not_found"),
    }
    shapeless = admin.post(
        "/calendars",
        json={
            "name": {"en": "x"},
            "time_zone": "UTC",
            "working_hours": {"mon": [{"start": "9am", "end": "17:00"}]},
        },
    )
    assert shapeless.status_code == 422
    empty = admin.post(
        "/calendars", json={"name": {"en": "x"}, "time_zone": "UTC", "working_hours": {}}
    )
    assert [(e["field"], e["code"]) for e in empty.json()["errors"]] == [
        ("working_hours", "required")
    ]


def test_one_calendar_is_the_default_and_changes_need_the_version_read(admin: Api) -> None:
    first = office_calendar(admin)
    second = office_calendar(admin, name={"en": "New York"}, time_zone="America/New_York")
    assert second["is_default"] is False
    path = f"/calendars/{second['id']}"
    assert admin.patch(path, json={"is_default": True}).status_code == 428
    stale = admin.patch(path, json={"is_default": True}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    made = admin.request("PATCH", path, json={"is_default": True}, headers={"If-Match": '"1"'})
    assert made.status_code == 200 and made.headers["etag"] == '"2"'
    listed = admin.ok("GET", "/calendars")["calendars"]
    assert [c["id"] for c in listed] == [second["id"], first["id"]]
    assert [c["is_default"] for c in listed] == [True, False]
    # The default stays one until another takes its place.
    kept = admin.patch(path, json={"version": 2, "is_default": False})
    assert kept.status_code == 422 and kept.json()["errors"][0]["field"] == "is_default"
    admin.ok("DELETE", f"/calendars/{first['id']}", 204)
    assert admin.get(f"/calendars/{first['id']}").status_code == 404


def test_calendars_are_managed_by_administrators_only(admin: Api, rep_zhang: Api) -> None:
    calendar = office_calendar(admin)
    for method, path in (
        ("GET", "/calendars"),
        ("GET", f"/calendars/{calendar['id']}"),
        ("GET", f"/calendars/{calendar['id']}/days"),
        ("DELETE", f"/calendars/{calendar['id']}"),
    ):
        refused = rep_zhang.request(method, path)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    put = rep_zhang.request(
        "PUT", f"/calendars/{calendar['id']}/days/2026-12-24", json={"kind": "holiday"}
    )
    assert put.status_code == 403

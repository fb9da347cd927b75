"""SLA policies and clocks over HTTP: clocks start as a ticket is created, pause while it
waits on the customer, are met by a reply or a resolution, warn and breach at the right
business times (lunch breaks, National Day, 调休), and are worked out again from the
original start when the priority, the policy or the calendar changes. Time is a
FixedClock moved by the test; nothing sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.modules import installed, scheduled_jobs
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process.sla_clocks import sla_sweep
from guanxi.platform.records.context import Ctx
from tests.api.conftest import Api, Persona
from tests.api.sla_factories import (
    change,
    clocks,
    make_tickets,
    new_ticket,
    office_calendar,
    support_policy,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(clock: FixedClock, *parts: int) -> None:
    """Move the test's clock to a Shanghai wall time."""
    year, month, day, hour, minute = parts
    target = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    clock.advance(seconds=(target - clock.now()).total_seconds())


def test_clocks_start_with_the_ticket_and_skip_the_lunch_break(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    policy = support_policy(admin)
    ticket = new_ticket(admin, priority="high")  # Monday 23 November 2026, 10:30
    sla = admin.ok("GET", f"/records/ticket/{ticket}/sla")
    assert sla["policy"] == {"id": policy["id"], "name": policy["name"]}
    first, resolution = sla["clocks"]
    assert first["metric"] == "first_response" and resolution["metric"] == "resolution"
    assert first["started_at"] == "2026-11-23T10:30:00+08:00"
    assert first["due_at"] == "2026-11-23T11:30:00+08:00"
    assert first["warn_at"] == "2026-11-23T11:00:00+08:00"
    # 8 hours: 10:30–12:00, 13:30–18:00, then 09:00–11:00 the next day.
    assert resolution["due_at"] == "2026-11-24T11:00:00+08:00"
    assert (first["state"], first["remaining_minutes"], first["elapsed_minutes"]) == (
        "running",
        60,
        0,
    )
    at(clock, 2026, 11, 23, 11, 10)
    assert clocks(admin, ticket)["first_response"]["state"] == "warning"
    at(clock, 2026, 11, 23, 12, 45)  # lunch: the first response is overdue by 30 minutes
    late = clocks(admin, ticket)["first_response"]
    assert (late["state"], late["remaining_minutes"]) == ("breached", -30)
    assert clocks(admin, ticket)["resolution"]["remaining_minutes"] == 480 - 90


def test_a_reply_meets_the_first_response_and_a_resolution_stops_the_other_clock(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(admin)
    ticket = new_ticket(admin, priority="urgent")
    at(clock, 2026, 11, 23, 10, 50)
    change(admin, ticket, replied_at="2026-11-23T10:50:00+08:00")
    first = clocks(admin, ticket)["first_response"]
    assert first["state"] == "met" and first["met_at"] == "2026-11-23T10:50:00+08:00"
    assert first["remaining_minutes"] == 10 and first["breached_at"] is None
    at(clock, 2026, 11, 23, 14, 0)
    change(admin, ticket, status="resolved")
    resolution = clocks(admin, ticket)["resolution"]
    assert resolution["state"] == "met" and resolution["elapsed_minutes"] == 90 + 30
    # Reopened an hour later: the resolved hour does not count against the target.
    at(clock, 2026, 11, 23, 15, 0)
    change(admin, ticket, status="open")
    reopened = clocks(admin, ticket)["resolution"]
    assert reopened["state"] == "running" and reopened["met_at"] is None
    assert reopened["due_at"] == "2026-11-23T17:00:00+08:00"  # 16:00 + the hour resolved


def test_leaving_new_meets_the_first_response_when_no_reply_field_is_set(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(admin)
    ticket = new_ticket(admin)
    at(clock, 2026, 11, 23, 11, 0)
    change(admin, ticket, status="open")
    assert clocks(admin, ticket)["first_response"]["met_at"] == "2026-11-23T11:00:00+08:00"


def test_warning_and_breach_come_at_the_right_business_times_over_national_day_with_a_pause(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(admin)
    at(clock, 2026, 9, 30, 11, 0)  # the day before the National Day holidays
    ticket = new_ticket(admin, priority="high", status="open")
    # Waiting on the customer from 14:00 to 15:30: an hour and a half that does not count.
    at(clock, 2026, 9, 30, 14, 0)
    change(admin, ticket, status="waiting")
    paused = clocks(admin, ticket)["resolution"]
    assert paused["state"] == "paused" and paused["due_at"] is None
    assert paused["paused_since"] == "2026-09-30T14:00:00+08:00"
    assert paused["remaining_minutes"] == 480 - 90
    at(clock, 2026, 9, 30, 15, 30)
    change(admin, ticket, status="open")
    running = clocks(admin, ticket)["resolution"]
    # 30 Sep: 11:00–12:00, 13:30–14:00, 15:30–18:00 (4 h); 1–7 Oct off; 8 Oct:
    # 09:00–12:00 and 13:30–14:30.
    assert running["due_at"] == "2026-10-08T14:30:00+08:00"
    assert running["warn_at"] == "2026-10-08T14:00:00+08:00"
    at(clock, 2026, 10, 8, 13, 59)
    assert clocks(admin, ticket)["resolution"]["state"] == "running"
    at(clock, 2026, 10, 8, 14, 0)
    assert clocks(admin, ticket)["resolution"]["state"] == "warning"
    at(clock, 2026, 10, 8, 14, 30)
    breached = clocks(admin, ticket)["resolution"]
    assert breached["state"] == "breached" and breached["remaining_minutes"] == 0


def test_a_saturday_worked_in_exchange_for_a_holiday_counts(admin: Api, clock: FixedClock) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(admin)
    at(clock, 2026, 10, 9, 17, 0)  # Friday; Saturday 10 October is a make-up working day
    ticket = new_ticket(admin, priority="high")
    # The hour left on Friday is exactly the first response's target: due at closing time.
    assert clocks(admin, ticket)["first_response"]["due_at"] == "2026-10-09T18:00:00+08:00"
    # The other seven of the resolution's eight hours are worked on Saturday.
    assert clocks(admin, ticket)["resolution"]["due_at"] == "2026-10-10T17:30:00+08:00"


def test_a_new_priority_works_the_due_times_out_again_from_the_original_start(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(admin)
    ticket = new_ticket(admin)  # normal: 4 hours to respond
    assert clocks(admin, ticket)["first_response"]["due_at"] == "2026-11-23T16:00:00+08:00"
    at(clock, 2026, 11, 23, 10, 45)
    change(admin, ticket, priority="urgent")
    first = clocks(admin, ticket)["first_response"]
    assert first["due_at"] == "2026-11-23T11:00:00+08:00"  # 30 minutes from 10:30
    assert first["started_at"] == "2026-11-23T10:30:00+08:00"
    assert (first["target_minutes"], first["state"]) == (30, "warning")
    at(clock, 2026, 11, 23, 11, 30)
    change(admin, ticket, priority="normal")  # lowered again: no longer overdue
    again = clocks(admin, ticket)["first_response"]
    assert again["state"] == "running" and again["breached_at"] is None


def test_changing_the_policy_or_the_calendar_recomputes_running_clocks(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    calendar = office_calendar(admin)
    policy = support_policy(admin)
    ticket = new_ticket(admin, priority="high")
    path = f"/sla/policies/{policy['id']}"
    changed = admin.patch(
        path,
        json={
            "targets": [{"value": "high", "first_response_minutes": 120, "resolution_minutes": 480}]
        },
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert clocks(admin, ticket)["first_response"]["due_at"] == "2026-11-23T14:00:00+08:00"
    # The company takes the afternoon of 23 November off: no working time after 12:00.
    admin.ok(
        "PATCH",
        f"/calendars/{calendar['id']}",
        json={
            "version": calendar["version"],
            "working_hours": {
                "mon": [{"start": "09:00", "end": "12:00"}],
                **{
                    day: [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "18:00"}]
                    for day in ("tue", "wed", "thu", "fri")
                },
            },
        },
    )
    assert clocks(admin, ticket)["first_response"]["due_at"] == "2026-11-24T09:30:00+08:00"
    admin.ok("PUT", f"/calendars/{calendar['id']}/days/2026-11-24", json={"kind": "holiday"})
    assert clocks(admin, ticket)["first_response"]["due_at"] == "2026-11-25T09:30:00+08:00"


def test_an_sla_policy_that_could_not_run_is_refused_naming_each_problem(admin: Api) -> None:
    make_tickets(admin)
    missing = "0190f000-0000-7000-8000-000000000000"
    no_calendar = admin.post(
        "/sla/policies",
        json={
            "object": "ticket",
            "name": {"en": "x"},
            "default_target": {"resolution_minutes": 60},
            "resolved_statuses": ["resolved"],
        },
    )
    assert no_calendar.status_code == 422
    assert [e["field"] for e in no_calendar.json()["errors"]] == ["calendar_id"]
    office_calendar(admin)
    refused = admin.post(
        "/sla/policies",
        json={
            "object": "ticket",
            "name": {"zh-CN": "客服时效"},
            "condition": {"field": "colour", "op": "eq", "value": "red"},
            "calendar_id": missing,
            "target_field": "priority",
            "targets": [
                {"value": "urgent", "first_response_minutes": 30},
                {"value": "someday", "resolution_minutes": 60},
                {"value": "urgent", "resolution_minutes": 60},
            ],
            "paused_statuses": ["waiting", "snoozed"],
            "resolved_statuses": ["resolved", "waiting"],
            "first_response_when": {"field_set": "nothing"},
            "on_breach": [
                {"type": "reassign", "user_id": missing},
                {"type": "set_field", "field": "priority", "value": "yesterday"},
            ],
        },
        headers={"Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("calendar_id", "not_found"),
        ("condition", "unknown_field"),
        ("targets[1].value", "invalid"),
        ("targets[2].value", "duplicate"),
        ("paused_statuses[1]", "invalid"),
        ("paused_statuses", "invalid"),
        ("first_response_when.field_set", "unknown_field"),
        ("on_breach[0].user_id", "not_found"),
        ("on_breach[1].value", "invalid"),
    }
    not_a_picklist = admin.post(
        "/sla/policies",
        json={
            "object": "ticket",
            "name": {"en": "x"},
            "target_field": "name",
            "targets": [{"value": "a", "resolution_minutes": 60}],
        },
    )
    assert {(e["field"], e["code"]) for e in not_a_picklist.json()["errors"]} == {
        ("target_field", "invalid"),
        ("resolved_statuses", "required"),
    }
    shapeless = admin.post(
        "/sla/policies",
        json={"object": "ticket", "name": {"en": "x"}, "default_target": {"resolution_minutes": 0}},
    )
    assert shapeless.status_code == 422


def test_policies_are_listed_changed_with_versions_and_deleted_with_their_clocks(
    admin: Api, rep_zhang: Api
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    policy = support_policy(admin)
    assert policy["status_field"] == "status" and policy["position"] == 0
    assert policy["on_breach"] == [{"type": "notify_owner"}]
    assert admin.ok("GET", "/sla/policies", params={"object": "ticket"})["policies"] == [policy]
    path = f"/sla/policies/{policy['id']}"
    assert admin.patch(path, json={"warn_before_minutes": 10}).status_code == 428
    stale = admin.patch(path, json={"version": 3, "warn_before_minutes": 10})
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    for method, where in (("GET", "/sla/policies"), ("GET", path), ("DELETE", path)):
        assert rep_zhang.request(method, where).status_code == 403
    ticket = new_ticket(admin)
    assert len(clocks(admin, ticket)) == 2
    admin.ok("PATCH", path, json={"version": 1, "active": False})
    assert admin.ok("GET", f"/records/ticket/{ticket}/sla")["clocks"] == []
    admin.ok("DELETE", path, 204)
    assert admin.get(path).status_code == 404


def test_only_the_first_matching_policy_times_a_record_and_leaving_it_stops_the_clocks(
    admin: Api,
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    gold = support_policy(
        admin,
        name={"en": "Gold customers", "zh-CN": "金牌客户"},
        condition={"field": "tier", "op": "eq", "value": "gold"},
        target_field=None,
        targets=[],
        default_target={"first_response_minutes": 15, "resolution_minutes": 120},
    )
    support_policy(admin)  # everyone else
    ticket = new_ticket(admin, tier="gold")
    sla = admin.ok("GET", f"/records/ticket/{ticket}/sla")
    assert sla["policy"]["id"] == gold["id"]
    assert sla["clocks"][0]["target_minutes"] == 15
    change(admin, ticket, tier="silver")  # now the general policy, from the same start
    moved = clocks(admin, ticket)["first_response"]
    assert moved["target_minutes"] == 240 and moved["started_at"] == "2026-11-23T10:30:00+08:00"


def test_a_record_s_clocks_are_shown_only_to_those_who_may_read_it(
    admin: Api, persona: Persona
) -> None:
    office_calendar(admin)
    admin.ok(
        "POST",
        "/sla/policies",
        201,
        json={
            "object": "task",
            "name": {"en": "Tasks", "zh-CN": "待办时效"},
            "target_field": "priority",
            "targets": [{"value": "high", "first_response_minutes": 60, "resolution_minutes": 480}],
            "default_target": {"resolution_minutes": 960},
            "resolved_statuses": ["done", "cancelled"],
            "first_response_when": {"status_leaves": ["open"]},
        },
    )
    rep_zhang, rep_liu, manager = persona("rep_zhang"), persona("rep_liu"), persona("manager_zhou")
    task = rep_zhang.ok(
        "POST", "/records/task", 201, json={"subject": "回访客户", "priority": "high"}
    )
    path = f"/records/task/{task['id']}/sla"
    assert [c["metric"] for c in rep_zhang.ok("GET", path)["clocks"]] == [
        "first_response",
        "resolution",
    ]
    assert manager.get(path).status_code == 200  # the rep's manager reads the rep's tasks
    hidden = rep_liu.get(path)  # another region's rep: as if it did not exist
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert rep_liu.get(f"/records/task/{task['id']}").status_code == 404
    gone = rep_zhang.get("/records/task/0190f000-0000-7000-8000-000000000000/sla")
    assert gone.status_code == 404


def test_a_ticket_in_the_recycle_bin_is_paused_and_resumes_when_restored(
    admin: Api, clock: FixedClock
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(admin)
    ticket = new_ticket(admin, priority="high")
    at(clock, 2026, 11, 23, 11, 0)
    admin.ok("DELETE", f"/records/ticket/{ticket}", 204)
    at(clock, 2026, 11, 23, 16, 0)
    admin.ok("POST", f"/records/ticket/{ticket}/restore")
    first = clocks(admin, ticket)["first_response"]
    # 30 minutes ran before the delete; the other 30 run from 16:00.
    assert first["due_at"] == "2026-11-23T16:30:00+08:00"
    assert first["state"] == "warning"  # within the 30 minutes before the due time
    assert timedelta(minutes=first["remaining_minutes"]) == timedelta(minutes=30)


def test_the_sweep_records_warnings_and_breaches_as_they_come_due(
    admin: Api, clock: FixedClock, installed_db: Database
) -> None:
    make_tickets(admin)
    office_calendar(admin)
    support_policy(
        admin,
        on_breach=[
            {"type": "notify_owner"},
            {"type": "set_field", "field": "priority", "value": "urgent"},
        ],
    )
    ticket = new_ticket(admin, priority="high")  # first response due 11:30, warned at 11:00
    (owner, sweep) = next((o, j) for o, j in scheduled_jobs(installed()) if j.name == "sla_sweep")
    assert owner == "platform" and sweep.every == timedelta(minutes=1)

    def run() -> object:
        with installed_db.write() as conn:
            return sweep.run(Ctx.open(conn, Registry(), SYSTEM, clock.now()))

    assert run() == {"warned": 0, "breached": 0}
    at(clock, 2026, 11, 23, 11, 5)
    assert run() == {"warned": 1, "breached": 0}
    at(clock, 2026, 11, 23, 14, 0)  # after lunch: the first response is half an hour late
    assert run() == {"warned": 0, "breached": 1}
    assert run() == {"warned": 0, "breached": 0}  # recorded once
    first = clocks(admin, ticket)["first_response"]
    assert first["warned_at"] == "2026-11-23T11:00:00+08:00"
    assert first["breached_at"] == "2026-11-23T11:30:00+08:00"  # when it came due
    assert first["escalation"] == {
        "status": "pending",
        "breached_at": "2026-11-23T03:30:00+00:00",
        "actions": [
            {"type": "notify_owner"},
            {"type": "set_field", "field": "priority", "value": "urgent"},
        ],
    }
    with installed_db.write() as conn:
        assert sla_sweep(Ctx.open(conn, Registry(), SYSTEM, clock.now()), clock.now()) == {
            "warned": 0,
            "breached": 0,
        }

"""SLA escalations are carried out once: a ticket on the Shanghai office calendar warns and
breaches, the sweep records it, the timer pump performs the policy's actions as the
system — the owner is told in the app, the ticket is reassigned, a field is set — and
records each outcome on the clock; a second sweep or pump does nothing more, and a failing
action is recorded, not retried. Time is a FixedClock; nothing sleeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.modules import installed, write_hooks
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process.engine import TIMER_HANDLERS
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.sla_clocks import run_sweep
from guanxi.platform.process.sla_escalation import HANDLER, escalate
from guanxi.platform.process.tables import gx_timer
from guanxi.platform.process.timers import TimerPump
from tests.api.conftest import Api, Persona
from tests.api.sla_factories import (
    change,
    clocks,
    make_tickets,
    new_ticket,
    office_calendar,
    support_policy,
)
from tests.api.test_sla_api import at


class Engine:
    """The background work of a running installation, driven by the test: the minute
    sweep and the timer pump, on the test's clock."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.runtime = Runtime(db, Registry(), clock, write_hooks(installed()))
        self.pump = TimerPump(self.runtime, TIMER_HANDLERS)

    def sweep(self) -> dict[str, int]:
        with self.runtime.as_system() as ctx:
            return run_sweep(ctx)

    def tick(self) -> int:
        """A sweep, then every timer due."""
        self.sweep()
        fired = 0
        while taken := self.pump.fire_due():
            fired += taken
        return fired


def _sla_notes(api: Api) -> list[dict[str, Any]]:
    return [n for n in api.ok("GET", "/notifications")["notifications"] if n["kind"] == "sla"]


@dataclass
class Desk:
    """The support desk: tickets on the Shanghai office calendar, the demo users, and the
    engine's background work."""

    admin: Api
    persona: Persona
    users: dict[str, UUID]
    engine: Engine

    def policy(self, **settings: Any) -> None:
        support_policy(self.admin, **settings)

    def ticket(self, priority: str, owner: str = "rep_zhang") -> str:
        return new_ticket(self.admin, priority=priority, owner_id=str(self.users[owner]))


@pytest.fixture
def desk(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock, installed_db: Database
) -> Desk:
    make_tickets(admin)
    office_calendar(admin)
    return Desk(admin, persona, demo_org.users, Engine(installed_db, clock))


def test_a_breach_notifies_the_owner_in_the_app_once_however_often_the_sweep_runs(
    desk: Desk, clock: FixedClock
) -> None:
    admin, persona, engine = desk.admin, desk.persona, desk.engine
    desk.policy(on_breach=[{"type": "notify_owner"}])
    zhang = persona("rep_zhang")
    ticket = desk.ticket("high")
    assert engine.tick() == 0
    at(clock, 2026, 11, 23, 11, 29)  # first response due 11:30
    assert engine.tick() == 0 and _sla_notes(zhang) == []
    at(clock, 2026, 11, 23, 11, 31)
    assert engine.tick() == 1
    assert engine.tick() == 0  # the sweep again, the pump again: nothing more
    (note,) = _sla_notes(zhang)
    assert note["link"] == {"object": "ticket", "record_id": ticket}
    assert "打印机坏了" in note["title"]
    escalation = clocks(admin, ticket)["first_response"]["escalation"]
    assert escalation["status"] == "done"
    assert escalation["breached_at"] == "2026-11-23T03:30:00+00:00"
    assert escalation["done_at"] == "2026-11-23T03:31:00+00:00"
    assert escalation["outcomes"] == [
        {
            "action": 0,
            "type": "notify_owner",
            "status": "done",
            "notified": [str(desk.users["rep_zhang"])],
            "in_app": 1,
        }
    ]
    at(clock, 2026, 11, 23, 15, 0)  # later writes and sweeps leave it done
    change(admin, ticket, name="打印机还是坏的")
    assert engine.tick() == 0 and len(_sla_notes(zhang)) == 1
    assert clocks(admin, ticket)["first_response"]["escalation"]["status"] == "done"


def test_reassigning_and_setting_a_field_change_the_ticket_and_the_new_owner_is_told(
    desk: Desk, clock: FixedClock
) -> None:
    admin, persona, engine = desk.admin, desk.persona, desk.engine
    wang = desk.users["rep_wang"]
    desk.policy(
        on_breach=[
            {"type": "set_field", "field": "priority", "value": "urgent"},
            {"type": "reassign", "user_id": str(wang)},
            {"type": "notify_owner"},
        ],
    )
    ticket = desk.ticket("normal")
    engine.tick()
    at(clock, 2026, 11, 23, 16, 1)  # normal: 4 business hours to respond from 10:30
    # The first response's escalation; its new priority's shorter targets then breach the
    # resolution clock as well, whose escalation is its own.
    assert engine.tick() == 2
    record = admin.ok("GET", "/records/ticket/" + ticket)
    assert record["priority"] == "urgent" and record["owner_id"] == str(wang)
    assert len(_sla_notes(persona("rep_wang"))) == 2
    assert _sla_notes(persona("rep_zhang")) == []
    escalation = clocks(admin, ticket)["first_response"]["escalation"]
    assert escalation["status"] == "done"
    assert [(o["type"], o["status"]) for o in escalation["outcomes"]] == [
        ("set_field", "done"),
        ("reassign", "done"),
        ("notify_owner", "done"),
    ]
    history = admin.ok("GET", f"/records/ticket/{ticket}/timeline")
    assert "priority" in str(history)  # written through the records service, with history
    assert clocks(admin, ticket)["resolution"]["escalation"]["status"] == "done"
    assert engine.tick() == 0


def test_a_failing_action_is_recorded_with_its_error_rolls_back_the_others_and_is_not_retried(
    desk: Desk, clock: FixedClock
) -> None:
    admin, persona, engine = desk.admin, desk.persona, desk.engine
    desk.policy(
        on_breach=[
            {"type": "notify_owner"},
            {"type": "set_field", "field": "replied_at", "value": "not a time"},
        ],
    )
    ticket = desk.ticket("high")
    engine.tick()
    at(clock, 2026, 11, 23, 11, 31)
    assert engine.tick() == 1
    escalation = clocks(admin, ticket)["first_response"]["escalation"]
    assert escalation["status"] == "failed"
    assert "replied_at" in escalation["error"]
    assert [(o["type"], o["status"]) for o in escalation["outcomes"]] == [
        ("notify_owner", "rolled_back"),
        ("set_field", "failed"),
    ]
    assert _sla_notes(persona("rep_zhang")) == []  # rolled back with the failed action
    at(clock, 2026, 11, 23, 16, 0)
    assert engine.tick() == 0
    assert clocks(admin, ticket)["first_response"]["escalation"]["status"] == "failed"


def test_the_warning_notifies_the_owner_once_when_the_policy_asks(
    desk: Desk, clock: FixedClock
) -> None:
    admin, persona, engine = desk.admin, desk.persona, desk.engine
    desk.policy(on_warning=[{"type": "notify_owner"}], on_breach=[])
    zhang = persona("rep_zhang")
    ticket = desk.ticket("high")
    engine.tick()
    at(clock, 2026, 11, 23, 11, 1)  # warned 30 minutes before 11:30
    assert engine.tick() == 1
    assert engine.tick() == 0
    (note,) = _sla_notes(zhang)
    assert note["title"].startswith("SLA warning") or note["title"].startswith("服务时效即将")
    first = clocks(admin, ticket)["first_response"]
    assert first["escalation"]["warning"]["status"] == "done"
    assert first["escalation"]["warning"]["warned_at"] == "2026-11-23T03:00:00+00:00"
    at(clock, 2026, 11, 23, 11, 31)  # the breach owes nothing here (no on_breach)
    engine.tick()
    assert len(_sla_notes(zhang)) == 1
    first = clocks(admin, ticket)["first_response"]
    assert first["escalation"]["status"] == "done"
    assert first["escalation"]["warning"]["status"] == "done"


def test_a_breach_a_write_shows_is_carried_out_without_the_sweep_and_one_met_first_is_skipped(
    desk: Desk, clock: FixedClock
) -> None:
    admin, persona, engine = desk.admin, desk.persona, desk.engine
    desk.policy(on_breach=[{"type": "notify_owner"}])
    zhang = persona("rep_zhang")
    ticket = desk.ticket("normal")
    late = desk.ticket("high")
    at(clock, 2026, 11, 23, 11, 0)
    # Urgent: 30 minutes to respond from 10:30, so the write itself finds it breached.
    change(admin, ticket, priority="urgent")
    # The late ticket is answered after its 11:30 due time, before any sweep saw it.
    at(clock, 2026, 11, 23, 11, 40)
    change(admin, late, status="open")
    fired = 0
    while taken := engine.pump.fire_due():  # the pump alone: no sweep
        fired += taken
    assert fired == 2  # the urgent ticket's first response, and the late one's
    assert [n["link"]["record_id"] for n in _sla_notes(zhang)] == [ticket]
    skipped = clocks(admin, late)["first_response"]["escalation"]
    assert skipped["status"] == "skipped" and skipped["reason"] == "the target was met first"
    assert engine.tick() == 0


def test_an_on_warning_action_is_checked_like_a_breach_action(admin: Api) -> None:
    make_tickets(admin)
    office_calendar(admin)
    body = {
        "object": "ticket",
        "name": {"en": "Bad", "zh-CN": "错误"},
        "default_target": {"first_response_minutes": 60},
        "on_warning": [
            {"type": "set_field", "field": "nope", "value": 1},
            {"type": "reassign", "user_id": str(UUID(int=7))},
        ],
    }
    problem = admin.post("/sla/policies", json=body)
    assert problem.status_code == 422
    assert {e["field"] for e in problem.json()["errors"]} == {
        "on_warning[0].field",
        "on_warning[1].user_id",
    }


class Crash(Exception):
    """The worker dies before its transaction commits."""


def test_a_crash_before_the_commit_performs_nothing_and_the_timer_carries_it_out_later(
    desk: Desk, clock: FixedClock
) -> None:
    desk.policy(on_breach=[{"type": "notify_owner"}])
    zhang = desk.persona("rep_zhang")
    ticket = desk.ticket("high")
    desk.engine.tick()
    at(clock, 2026, 11, 23, 11, 31)
    assert desk.engine.sweep() == {"warned": 1, "breached": 1}  # no sweep saw 11:00
    runtime = desk.engine.runtime
    with pytest.raises(Crash), runtime.db.write() as conn:
        (payload,) = conn.execute(
            select(gx_timer.c.payload).where(
                gx_timer.c.handler == HANDLER, gx_timer.c.state == "pending"
            )
        ).scalars()
        assert escalate(runtime.system_ctx(conn), payload) == "done"
        raise Crash
    assert _sla_notes(zhang) == []
    assert clocks(desk.admin, ticket)["first_response"]["escalation"]["status"] == "pending"
    assert desk.engine.tick() == 1
    assert len(_sla_notes(zhang)) == 1
    assert clocks(desk.admin, ticket)["first_response"]["escalation"]["status"] == "done"

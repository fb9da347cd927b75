"""Factories for the calendar and SLA tests: a 工单 (ticket) object with priority, tier and
status picklists made as an administrator would, and calendars and policies over it."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

OFFICE = [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "18:00"}]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def make_tickets(admin: Api) -> None:
    """A custom object ``ticket`` (工单): name, priority, tier, status, first reply."""
    admin.ok(
        "POST",
        "/meta/objects",
        201,
        json={"name": "ticket", "label": {"en": "Ticket", "zh-CN": "工单"}},
    )
    fields: list[dict[str, Any]] = [
        {"name": "name", "type": "text", "label": {"en": "Subject", "zh-CN": "主题"}},
        {
            "name": "replied_at",
            "type": "datetime",
            "label": {"en": "First reply", "zh-CN": "首次回复"},
        },
    ]
    for name, zh, values, default in (
        ("priority", "优先级", ("urgent", "high", "normal"), "normal"),
        ("tier", "客户等级", ("gold", "silver"), None),
        ("status", "状态", ("new", "open", "waiting", "resolved", "closed"), "new"),
    ):
        spec: dict[str, Any] = {
            "name": name,
            "type": "picklist",
            "label": {"en": name.title(), "zh-CN": zh},
            "options": [{"value": v, "label": {"en": v, "zh-CN": v}} for v in values],
        }
        if default:
            spec["default"] = default
        fields.append(spec)
    for spec in fields:
        admin.ok("POST", "/meta/objects/ticket/fields", 201, json=spec)


def office_calendar(admin: Api, **extra: Any) -> dict[str, Any]:
    """Shanghai office hours (lunch 12:00–13:30) with China's 2026 holidays and 调休."""
    body: dict[str, Any] = {
        "name": {"en": "Shanghai office", "zh-CN": "上海办公室"},
        "time_zone": "Asia/Shanghai",
        "working_hours": {day: OFFICE for day in WEEKDAYS},
        "holidays_from": {"country": "CN", "years": [2026]},
        **extra,
    }
    calendar: dict[str, Any] = admin.ok("POST", "/calendars", 201, json=body)
    return calendar


def support_policy(admin: Api, **extra: Any) -> dict[str, Any]:
    """Urgent: 30 min to respond, 4 h to resolve; high: 1 h / 8 h; others 4 h / 3 days
    (of business time); paused while waiting on the customer; warned 30 min ahead."""
    body: dict[str, Any] = {
        "object": "ticket",
        "name": {"en": "Support", "zh-CN": "客服时效"},
        "target_field": "priority",
        "targets": [
            {"value": "urgent", "first_response_minutes": 30, "resolution_minutes": 240},
            {"value": "high", "first_response_minutes": 60, "resolution_minutes": 480},
        ],
        "default_target": {"first_response_minutes": 240, "resolution_minutes": 3 * 450},
        "paused_statuses": ["waiting"],
        "resolved_statuses": ["resolved", "closed"],
        "first_response_when": {"field_set": "replied_at", "status_leaves": ["new"]},
        "warn_before_minutes": 30,
        "on_breach": [{"type": "notify_owner"}],
        **extra,
    }
    policy: dict[str, Any] = admin.ok("POST", "/sla/policies", 201, json=body)
    return policy


def new_ticket(api: Api, **values: Any) -> str:
    record_id: str = api.ok("POST", "/records/ticket", 201, json={"name": "打印机坏了", **values})[
        "id"
    ]
    return record_id


def change(api: Api, record_id: str, **values: Any) -> dict[str, Any]:
    current = api.ok("GET", f"/records/ticket/{record_id}")
    record: dict[str, Any] = api.ok(
        "PATCH", f"/records/ticket/{record_id}", json={"version": current["version"], **values}
    )
    return record


def clocks(api: Api, record_id: str) -> dict[str, dict[str, Any]]:
    """The record's clocks by metric."""
    sla = api.ok("GET", f"/records/ticket/{record_id}/sla")
    return {c["metric"]: c for c in sla["clocks"]}

"""Assignment rules over HTTP, as an administrator sets them up and a manager runs one."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from guanxi.kernel.db import Database
from tests.api.conftest import Api

RULES = "/assignment-rules"


def make_inquiries(admin: Api) -> None:
    """A custom object 询盘 with region and status picklists, made as an administrator would."""
    admin.ok(
        "POST",
        "/meta/objects",
        201,
        json={"name": "inquiry", "label": {"en": "Inquiry", "zh-CN": "询盘"}},
    )
    admin.ok(
        "POST",
        "/meta/objects/inquiry/fields",
        201,
        json={"name": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}},
    )
    for name, zh, values in (
        ("region", "区域", ("east", "south")),
        ("status", "状态", ("new", "converted")),
    ):
        admin.ok(
            "POST",
            "/meta/objects/inquiry/fields",
            201,
            json={
                "name": name,
                "type": "picklist",
                "label": {"en": name.title(), "zh-CN": zh},
                "options": [{"value": v, "label": {"en": v, "zh-CN": v}} for v in values],
            },
        )


def make_user(admin: Api, name: str, **extra: Any) -> str:
    body = {"email": f"{name}@example.com", "name": name, "password": "correct horse 1", **extra}
    user_id: str = admin.ok("POST", "/admin/users", 201, json=body)["id"]
    return user_id


def new_inquiry(api: Api, **values: Any) -> str:
    record_id: str = api.ok("POST", "/records/inquiry", 201, json={"name": "询盘", **values})["id"]
    return record_id


def assigner(api: Api, rule_id: str) -> Callable[[str], str | None]:
    """Run the rule on a record, as a manager's "assign" does; the new owner's id."""

    def run(record_id: str) -> str | None:
        path = f"{RULES}/{rule_id}/assign"
        owner: str | None = api.ok("POST", path, json={"record_id": record_id})["owner_id"]
        return owner

    return run


def owner_of(api: Api, record_id: str) -> str | None:
    owner: str | None = api.ok("GET", f"/records/inquiry/{record_id}")["owner_id"]
    return owner


def test_a_rule_is_created_read_changed_and_deleted(admin: Api) -> None:
    make_inquiries(admin)
    a, b = make_user(admin, "a"), make_user(admin, "b")
    body = {
        "object": "inquiry",
        "name": {"en": "Web inquiries", "zh-CN": "网站询盘"},
        "strategy": "round_robin",
        "members": {"type": "users", "ids": [a, b]},
    }
    created = admin.post(RULES, json=body)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    rule = created.json()
    assert rule["object"] == "inquiry" and rule["strategy"] == "round_robin"
    assert rule["members"] == {"type": "users", "ids": [a, b]}
    assert rule["criteria"] == [] and rule["fallback"] is None and rule["open_condition"] is None
    assert rule["active"] is True and rule["version"] == 1
    assert rule["created_at"] == "2026-11-23T10:30:00+08:00"
    path = f"{RULES}/{rule['id']}"
    assert admin.ok("GET", path) == rule
    assert admin.ok("GET", RULES)["rules"] == [rule]
    assert admin.ok("GET", RULES, params={"object": "account"})["rules"] == []

    changed = admin.request(
        "PATCH",
        path,
        json={
            "strategy": "load_balanced",
            "open_condition": {"field": "status", "op": "ne", "value": "converted"},
        },
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["strategy"] == "load_balanced"
    assert changed.json()["members"] == rule["members"]
    switched = admin.ok(
        "PATCH",
        path,
        json={
            "version": 2,
            "strategy": "criteria",
            "criteria": [
                {
                    "condition": {"field": "region", "op": "eq", "value": "east"},
                    "strategy": "round_robin",
                    "members": {"type": "users", "ids": [a]},
                }
            ],
        },
    )
    # A new strategy drops what it does not read.
    assert switched["members"] is None and switched["open_condition"] is None
    assert switched["criteria"][0]["members"] == {"type": "users", "ids": [a]}

    stale = admin.patch(path, json={"version": 1, "active": False})
    assert stale.status_code == 412 and stale.json()["current_version"] == 3
    assert admin.patch(path, json={"active": False}).status_code == 428
    admin.ok("DELETE", path, 204)
    assert admin.get(path).status_code == 404
    assert admin.ok("GET", RULES)["rules"] == []


def test_rules_are_managed_by_administrators_only(admin: Api, rep_zhang: Api) -> None:
    make_inquiries(admin)
    a = make_user(admin, "a")
    rule = admin.ok(
        "POST",
        RULES,
        201,
        json={
            "object": "inquiry",
            "name": {"en": "Inquiries"},
            "strategy": "round_robin",
            "members": {"type": "users", "ids": [a]},
        },
    )
    for method, path in (("GET", RULES), ("GET", f"{RULES}/{rule['id']}")):
        refused = rep_zhang.request(method, path)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert rep_zhang.post(RULES, json={}).status_code in {403, 422}
    assert rep_zhang.delete(f"{RULES}/{rule['id']}").status_code == 403
    # Running it needs what changing an inquiry's owner needs, which the rep lacks.
    record_id = new_inquiry(admin)
    ran = rep_zhang.post(f"{RULES}/{rule['id']}/assign", json={"record_id": record_id})
    assert ran.status_code == 403
    assert owner_of(admin, record_id) != a


def test_a_rule_that_could_not_run_is_refused_naming_each_problem(admin: Api) -> None:
    make_inquiries(admin)
    a = make_user(admin, "a")
    missing = "0190f000-0000-7000-8000-000000000000"
    refused = admin.post(
        RULES,
        json={
            "object": "inquiry",
            "name": {"zh-CN": "询盘分配"},
            "strategy": "criteria",
            "criteria": [
                {
                    "condition": {"field": "colour", "op": "eq", "value": "red"},
                    "strategy": "round_robin",
                    "members": {"type": "users", "ids": [a, missing]},
                },
                {
                    "condition": {"field": "status", "op": "eq", "value": "new"},
                    "strategy": "load_balanced",
                    "members": {"type": "role", "id": missing},
                },
            ],
            "fallback": {"strategy": "round_robin", "members": {"type": "team", "id": missing}},
        },
        headers={"Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "validation_failed"
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("criteria[0].condition", "unknown_field"),
        ("criteria[0].members.ids[1]", "not_found"),
        ("criteria[1].members.id", "not_found"),
        ("fallback.members.id", "not_found"),
    }
    unknown = admin.post(
        RULES,
        json={"object": "nothing", "name": {"en": "x"}, "strategy": "round_robin"},
    )
    assert unknown.status_code == 422
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [("object", "not_found")]
    shapeless = admin.post(
        RULES,
        json={
            "object": "inquiry",
            "name": {"en": "x"},
            "strategy": "sometimes",
            "members": {"type": "users", "ids": []},
        },
    )
    assert shapeless.status_code == 422
    assert admin.ok("GET", RULES)["rules"] == []


def test_manual_assignment_takes_turns_skips_the_inactive_and_routes_by_criteria(
    admin: Api,
) -> None:
    make_inquiries(admin)
    east = admin.ok("POST", "/admin/departments", 201, json={"name": "华东销售"})["id"]
    e1 = make_user(admin, "e1", department_id=east)
    e2 = make_user(admin, "e2", department_id=east)
    e3 = make_user(admin, "e3", department_id=east)
    other = make_user(admin, "other")
    rule = admin.ok(
        "POST",
        RULES,
        201,
        json={
            "object": "inquiry",
            "name": {"en": "By region", "zh-CN": "按区域"},
            "strategy": "criteria",
            "criteria": [
                {
                    "condition": {"field": "region", "op": "eq", "value": "east"},
                    "strategy": "round_robin",
                    "members": {"type": "department", "id": east},
                }
            ],
            "fallback": {"strategy": "round_robin", "members": {"type": "users", "ids": [other]}},
        },
    )
    assign = f"{RULES}/{rule['id']}/assign"
    in_turn = sorted([e1, e2, e3])  # a department takes turns by user id
    run = assigner(admin, rule["id"])

    east_records = [new_inquiry(admin, region="east") for _ in range(3)]
    assert [run(r) for r in east_records] == in_turn
    assert [owner_of(admin, r) for r in east_records] == in_turn
    admin.ok("PATCH", f"/admin/users/{in_turn[0]}", json={"active": False})
    assert run(new_inquiry(admin, region="east")) == in_turn[1]
    assert run(new_inquiry(admin, region="south")) == other
    history = admin.ok("GET", f"/records/inquiry/{east_records[0]}/history")
    assert any(h["field"] == "owner_id" and h["new"] == in_turn[0] for h in history["entries"])

    admin.ok("PATCH", f"{RULES}/{rule['id']}", json={"version": 1, "active": False})
    kept = new_inquiry(admin, region="east")
    assert run(kept) is None
    assert owner_of(admin, kept) != in_turn[2]
    admin.ok("PATCH", f"{RULES}/{rule['id']}", json={"version": 2, "active": True})
    missing = admin.post(assign, json={"record_id": "0190f000-0000-7000-8000-000000000000"})
    assert missing.status_code == 404


def test_parallel_requests_on_one_rule_share_the_records_evenly(
    admin: Api, installed_db: Database
) -> None:
    """Twenty requests at once, each its own transaction on its own connection; on
    PostgreSQL they really overlap and the rule's state row orders them."""
    make_inquiries(admin)
    members = [make_user(admin, f"m{n}") for n in range(4)]
    rule = admin.ok(
        "POST",
        RULES,
        201,
        json={
            "object": "inquiry",
            "name": {"en": "Round robin"},
            "strategy": "round_robin",
            "members": {"type": "users", "ids": members},
        },
    )
    created = admin.ok(
        "POST",
        "/records/inquiry/bulk",
        201,
        json={"records": [{"name": f"l{n}"} for n in range(20)]},
    )
    record_ids = [r["id"] for r in created["records"]]
    start = threading.Barrier(len(record_ids))

    def one(record_id: str) -> Any:
        start.wait(timeout=30)
        return admin.post(f"{RULES}/{rule['id']}/assign", json={"record_id": record_id})

    with ThreadPoolExecutor(max_workers=len(record_ids)) as pool:
        answers = list(pool.map(one, record_ids))
    assert [a.status_code for a in answers] == [200] * len(record_ids), [a.text for a in answers]
    assert Counter(a.json()["owner_id"] for a in answers) == {m: 5 for m in members}
    assert Counter(owner_of(admin, r) for r in record_ids) == {m: 5 for m in members}


def test_a_team_named_by_a_criterion_takes_turns_by_user_id_without_its_inactive_members(
    admin: Api,
) -> None:
    make_inquiries(admin)
    t1, t2, t3 = sorted(make_user(admin, name) for name in ("t1", "t2", "t3"))
    outsider = make_user(admin, "outsider")
    team = admin.ok(
        "POST", "/admin/teams", 201, json={"name": "华东小组", "member_ids": [t3, t1, t2]}
    )["id"]
    listed = next(t for t in admin.ok("GET", "/admin/teams")["teams"] if t["id"] == team)
    assert listed["member_ids"] == [t1, t2, t3] and listed["active_member_count"] == 3
    rule = admin.ok(
        "POST",
        RULES,
        201,
        json={
            "object": "inquiry",
            "name": {"en": "East to the team", "zh-CN": "华东给小组"},
            "strategy": "criteria",
            "criteria": [
                {
                    "condition": {"field": "region", "op": "in", "value": ["east"]},
                    "strategy": "round_robin",
                    "members": {"type": "team", "id": team},
                }
            ],
            "fallback": {
                "strategy": "round_robin",
                "members": {"type": "users", "ids": [outsider]},
            },
        },
    )
    assert rule["criteria"][0]["members"] == {"type": "team", "id": team}
    run = assigner(admin, rule["id"])
    assert [run(new_inquiry(admin, region="east")) for _ in range(2)] == [t1, t2]
    admin.ok("PATCH", f"/admin/users/{t3}", json={"active": False})
    assert [run(new_inquiry(admin, region="east")) for _ in range(2)] == [t1, t2]
    assert run(new_inquiry(admin, region="south")) == outsider

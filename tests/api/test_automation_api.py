"""Automation rules over HTTP, as an administrator sets them up and a sales rep sets them
off: "when an account's level becomes key, create a task for its owner and one for the
manager" runs once per change, never for a rolled-back one, and shows in the rule's run
history; conditions, starts-matching, loops, failures, versions and date triggers behave
as a demanding admin expects, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.modules import installed, write_hooks
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process.automation_runner import sweep_cron, sweep_dates
from guanxi.platform.records import updates
from guanxi.platform.records.context import Ctx
from tests.api.conftest import Api, Persona

KEY_ACCOUNT_RULE: dict[str, Any] = {
    "object": "account",
    "name": {"en": "Key account follow-up", "zh-CN": "重点客户跟进"},
    "trigger": {"type": "field_changed", "field": "level", "to": "key"},
    "actions": [
        {
            "type": "create_task",
            "subject": "拜访重点客户 {{name}}",
            "due_in_days": 3,
            "assignee": "owner",
            "priority": "high",
        },
        {"type": "create_task", "subject": "Review key account {{name}}", "assignee": "manager"},
    ],
}


def rule(admin: Api, **changes: Any) -> dict[str, Any]:
    made: dict[str, Any] = admin.ok(
        "POST", "/automation/rules", 201, json={**KEY_ACCOUNT_RULE, **changes}
    )
    return made


def runs(admin: Api, made: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin.ok("GET", f"/automation/rules/{made['id']}/runs")["runs"]
    return found


def tasks_of(api: Api, account_id: str) -> list[dict[str, Any]]:
    tree = {"field": "account", "op": "eq", "value": account_id}
    import json

    found: list[dict[str, Any]] = api.ok(
        "GET", "/records/task", params={"filter": json.dumps(tree), "sort": "created_at"}
    )["records"]
    return found


def set_level(api: Api, account: dict[str, Any], level: str) -> dict[str, Any]:
    changed: dict[str, Any] = api.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"level": level, "version": account["version"]},
    )
    return changed


def test_a_key_account_gets_tasks_for_its_owner_and_manager_once_per_change(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    made = rule(admin)
    assert made["version"] == 1 and made["trigger"] == {
        "type": "field_changed",
        "field": "level",
        "to": "key",
    }
    rep = persona("rep_zhang")
    account = rep.ok("POST", "/records/account", 201, json={"name": "宁波港集团有限公司"})
    assert tasks_of(rep, account["id"]) == [] and runs(admin, made) == []

    account = set_level(admin, account, "key")  # the level is the sales director's to set
    tasks = tasks_of(admin, account["id"])
    assert [(t["subject"], t["assignee"], t["priority"]) for t in tasks] == [
        ("拜访重点客户 宁波港集团有限公司", str(demo_org.users["rep_zhang"]), "high"),
        ("Review key account 宁波港集团有限公司", str(demo_org.users["manager_zhou"]), "normal"),
    ]
    assert tasks[0]["due_at"].startswith("2026-11-26")  # three days on, in Shanghai
    assert [t["subject"] for t in tasks_of(rep, account["id"])] == [
        "拜访重点客户 宁波港集团有限公司"
    ]

    rep.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"phone": "0574-87654321", "version": account["version"]},
    )  # not the level: nothing runs
    [one] = runs(admin, made)
    assert (one["status"], one["trigger"], one["version"], one["record_id"]) == (
        "succeeded",
        "updated",
        1,
        account["id"],
    )
    assert one["actor_id"] not in (None, str(demo_org.users["rep_zhang"]))
    assert [(a["type"], a["status"]) for a in one["actions"]] == [("create_task", "done")] * 2
    assert one["actions"][0]["record_id"] == tasks[0]["id"]

    account = rep.ok("GET", f"/records/account/{account['id']}")
    account = set_level(admin, set_level(admin, account, "normal"), "key")  # key again
    assert len(runs(admin, made)) == 2 and len(tasks_of(admin, account["id"])) == 4


def test_a_rolled_back_change_runs_nothing(
    admin: Api, installed_db: Database, clock: FixedClock
) -> None:
    made = rule(admin)
    account = admin.ok("POST", "/records/account", 201, json={"name": "回滚测试有限公司"})
    registry = Registry()
    with pytest.raises(RuntimeError), installed_db.write() as conn:
        ctx = Ctx.open(conn, registry, SYSTEM, clock.now(), hooks=write_hooks(installed()))
        updates.update_record(
            ctx, "account", UUID(account["id"]), {"level": "key"}, expected_version=1
        )
        assert len(tasks_of(admin, account["id"])) == 0  # another connection sees nothing yet
        raise RuntimeError("the request failed after the write")
    assert runs(admin, made) == [] and tasks_of(admin, account["id"]) == []


def test_starts_matching_runs_only_when_the_record_starts_to_meet_the_condition(admin: Api) -> None:
    made = rule(
        admin,
        trigger={"type": "updated"},
        condition={
            "and": [
                {"field": "level", "op": "eq", "value": "key"},
                {"field": "industry", "op": "eq", "value": "manufacturing"},
            ]
        },
        run_when="starts_matching",
        actions=[
            {
                "type": "update_fields",
                "values": {
                    "description": "重点制造业客户 {{name}}",
                    "next_follow_up": {"today": 7},
                },
            }
        ],
    )
    account = admin.ok("POST", "/records/account", 201, json={"name": "三一重工", "level": "key"})
    account = admin.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"phone": "0731-84567890", "version": account["version"]},
    )
    assert runs(admin, made) == []
    account = admin.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"industry": "manufacturing", "version": account["version"]},
    )
    assert account["description"] == "重点制造业客户 三一重工"
    assert account["next_follow_up"] == "2026-11-30"
    admin.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"phone": "0731-84567891", "version": account["version"]},
    )
    assert len(runs(admin, made)) == 1  # still matching: not again


def test_a_rule_that_writes_its_own_record_runs_once_per_write(admin: Api) -> None:
    made = rule(
        admin,
        trigger={"type": "updated"},
        actions=[{"type": "update_fields", "values": {"description": "touched: {{phone}}"}}],
    )
    account = admin.ok("POST", "/records/account", 201, json={"name": "循环测试有限公司"})
    account = admin.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"phone": "021-62345678", "version": account["version"]},
    )
    assert account["description"] == f"touched: {account['phone']}" and account["version"] == 3
    assert len(runs(admin, made)) == 1


def test_a_failing_action_rolls_back_the_rule_not_the_users_write(admin: Api) -> None:
    made = rule(
        admin,
        trigger={"type": "created"},
        actions=[
            {"type": "update_fields", "values": {"description": "first"}},
            {"type": "update_fields", "values": {"employees": -5}},  # min 0
        ],
    )
    account = admin.ok("POST", "/records/account", 201, json={"name": "失败测试有限公司"})
    stored = admin.ok("GET", f"/records/account/{account['id']}")
    assert stored["description"] is None and stored["version"] == 1
    [failed] = runs(admin, made)
    assert failed["status"] == "failed" and "employees" in failed["error"]
    assert [a["status"] for a in failed["actions"]] == ["rolled_back", "failed"]


def test_a_change_publishes_a_new_version_and_keeps_the_old(admin: Api) -> None:
    made = rule(admin)
    stale = admin.patch(f"/automation/rules/{made['id']}", json={"active": False, "version": 7})
    assert stale.status_code == 412
    v2 = admin.ok(
        "PATCH",
        f"/automation/rules/{made['id']}",
        json={
            "trigger": {"type": "field_changed", "field": "level", "from": "normal", "to": "key"}
        },
        headers={"If-Match": '"1"'},
    )
    assert v2["version"] == 2 and v2["trigger"]["from"] == "normal"
    v1 = admin.ok("GET", f"/automation/rules/{made['id']}", params={"version": 1})
    assert "from" not in v1["trigger"] and v1["published_version"] == 2
    account = admin.ok(
        "POST", "/records/account", 201, json={"name": "版本测试", "level": "important"}
    )
    set_level(admin, account, "key")  # from important: v2 does not fire
    assert runs(admin, made) == []
    account = admin.ok(
        "POST", "/records/account", 201, json={"name": "版本测试二", "level": "normal"}
    )
    set_level(admin, account, "key")
    assert [r["version"] for r in runs(admin, made)] == [2]


def test_every_problem_names_its_place(admin: Api) -> None:
    refused = admin.post(
        "/automation/rules",
        json={
            **KEY_ACCOUNT_RULE,
            "trigger": {"type": "field_changed", "field": "level", "to": 42},
            "condition": {"field": "nothing", "op": "eq", "value": 1},
            "actions": [
                {
                    "type": "update_fields",
                    "values": {"no_such": 1, "account_no": "X", "note": "{{missing}}"},
                },
                {"type": "create_record", "object": "nowhere", "values": {}},
                {"type": "webhook", "webhook_id": "01a25098-f7e5-755f-8d8c-59279a42fdf4"},
            ],
        },
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {
        "trigger.to",
        "condition.nothing",
        "actions[0].values.no_such",
        "actions[0].values.account_no",
        "actions[0].values.note",
        "actions[1].object",
        "actions[2].webhook_id",
    } <= fields, fields
    through_lookup = admin.post(
        "/automation/rules",
        json={
            "object": "contact",
            "name": "x",
            "trigger": {"type": "updated"},
            "run_when": "starts_matching",
            "condition": {"field": "account.level", "op": "eq", "value": "key"},
            "actions": [{"type": "update_fields", "values": {"description": "x"}}],
        },
    )
    assert through_lookup.status_code == 422
    assert through_lookup.json()["errors"][0]["field"] == "run_when"
    assert (
        admin.post(
            "/automation/rules", json={**KEY_ACCOUNT_RULE, "trigger": {"type": "cron"}}
        ).status_code
        == 422
    )


def test_a_condition_through_a_lookup_is_decided_in_sql(admin: Api) -> None:
    made = rule(
        admin,
        object="contact",
        trigger={"type": "created"},
        condition={"field": "account.level", "op": "eq", "value": "key"},
        actions=[{"type": "update_fields", "values": {"description": "重点客户的联系人"}}],
    )
    key = admin.ok("POST", "/records/account", 201, json={"name": "重点公司", "level": "key"})
    other = admin.ok("POST", "/records/account", 201, json={"name": "普通公司", "level": "normal"})
    a = admin.ok("POST", "/records/contact", 201, json={"name": "李雷", "account": key["id"]})
    b = admin.ok("POST", "/records/contact", 201, json={"name": "韩梅梅", "account": other["id"]})
    assert admin.ok("GET", f"/records/contact/{a['id']}")["description"] == "重点客户的联系人"
    assert admin.ok("GET", f"/records/contact/{b['id']}")["description"] is None
    assert len(runs(admin, made)) == 1


def test_a_date_rule_runs_once_per_record_and_day(
    admin: Api, installed_db: Database, clock: FixedClock
) -> None:
    made = rule(
        admin,
        trigger={"type": "date", "field": "next_follow_up", "offset_days": -1},
        condition={"field": "level", "op": "in", "value": ["key", "important"]},
        actions=[{"type": "create_task", "subject": "明天跟进 {{name}}"}],
    )
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    due = admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "明日公司", "level": "key", "next_follow_up": tomorrow},
    )
    admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "普通明日", "level": "normal", "next_follow_up": tomorrow},
    )
    admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "后天公司", "level": "key", "next_follow_up": "2026-12-31"},
    )

    def sweep() -> str:
        with installed_db.write() as conn:
            ctx = Ctx.open(conn, Registry(), SYSTEM, clock.now(), hooks=write_hooks(installed()))
            return sweep_dates(ctx)

    assert sweep() == "1 runs"
    assert sweep() == "0 runs"  # once per record and date
    [task] = tasks_of(admin, due["id"])
    assert task["subject"] == "明天跟进 明日公司"
    [ran] = runs(admin, made)
    assert (ran["trigger"], ran["slot"]) == ("date", tomorrow)


def test_only_automation_managers_manage_rules(persona: Persona) -> None:
    rep = persona("rep_zhang")
    assert rep.get("/automation/rules").status_code == 403
    assert rep.post("/automation/rules", json=KEY_ACCOUNT_RULE).status_code == 403


def test_a_cron_rule_runs_at_its_times_for_the_records_it_matches(
    admin: Api, installed_db: Database, clock: FixedClock
) -> None:
    admin.ok("POST", "/records/account", 201, json={"name": "周一公司", "level": "key"})
    admin.ok("POST", "/records/account", 201, json={"name": "普通周一", "level": "normal"})
    made = rule(
        admin,
        trigger={"type": "cron", "cron": "0 9 * * 1"},  # Mondays at 9:00 (Shanghai)
        condition={"field": "level", "op": "eq", "value": "key"},
        actions=[{"type": "create_task", "subject": "每周回访 {{name}}"}],
    )

    def sweep() -> str:
        with installed_db.write() as conn:
            ctx = Ctx.open(conn, Registry(), SYSTEM, clock.now(), hooks=write_hooks(installed()))
            return sweep_cron(ctx)

    assert sweep() == "0 runs"  # Monday 9:00 came before the rule: not this week
    clock.advance(seconds=7 * 24 * 3600 - 90 * 60)  # next Monday, 9:00
    assert sweep() == "1 runs"
    assert sweep() == "0 runs"  # once per record and time
    clock.advance(seconds=7 * 24 * 3600)
    assert sweep() == "1 runs"
    assert [(r["trigger"], r["slot"]) for r in runs(admin, made)] == [
        ("cron", "2026-12-07T01:00:00+00:00"),
        ("cron", "2026-11-30T01:00:00+00:00"),
    ]
    refused = admin.post(
        "/automation/rules",
        json={**KEY_ACCOUNT_RULE, "trigger": {"type": "cron", "cron": "61 * * * *"}},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "trigger.cron"


def test_a_key_account_makes_a_task_for_its_owner_and_tells_the_manager(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    """The issue's rule, as written: a task for the owner, a notification to the manager,
    once per change, in the rule's run history."""
    made = rule(
        admin,
        actions=[
            {"type": "create_task", "subject": "跟进重点客户 {{name}}", "assignee": "owner"},
            {
                "type": "notify",
                "to": ["manager"],
                "title": "{{name}} 已成为重点客户",
                "body": "负责人的跟进任务已创建",
            },
        ],
    )
    rep, manager = persona("rep_zhang"), persona("manager_zhou")
    account = rep.ok("POST", "/records/account", 201, json={"name": "温州电气集团"})
    set_level(admin, account, "key")
    [task] = tasks_of(rep, account["id"])
    assert task["subject"] == "跟进重点客户 温州电气集团"
    assert task["assignee"] == str(demo_org.users["rep_zhang"])
    [told] = manager.ok("GET", "/notifications")["notifications"]
    assert told["title"] == "温州电气集团 已成为重点客户"
    assert told["link"]["record_id"] == account["id"]
    assert rep.ok("GET", "/notifications")["notifications"] == []
    [ran] = runs(admin, made)
    assert [(a["type"], a["status"]) for a in ran["actions"]] == [
        ("create_task", "done"),
        ("notify", "done"),
    ]
    assert ran["actions"][1]["notified"] == [str(demo_org.users["manager_zhou"])]


def test_a_large_contract_is_submitted_for_approval_by_a_rule(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    manager = str(demo_org.users["manager_zhou"])
    process = admin.ok(
        "POST",
        "/approvals/processes",
        201,
        json={
            "object": "contract",
            "name": "大额合同审批",
            "steps": [{"name": "经理", "approvers": [{"type": "user", "id": manager}]}],
        },
    )
    made = rule(
        admin,
        object="contract",
        trigger={"type": "created"},
        condition={"field": "amount", "op": "gt", "value": "1000000"},
        actions=[
            {
                "type": "submit_for_approval",
                "process_id": process["id"],
                "comment": "{{name}} 超过一百万，自动提交",
            }
        ],
    )
    rep = persona("rep_zhang")
    account = rep.ok("POST", "/records/account", 201, json={"name": "自动审批测试有限公司"})
    big = rep.ok(
        "POST",
        "/records/contract",
        201,
        json={"name": "大单", "account": account["id"], "amount": "2000000"},
    )
    small = rep.ok(
        "POST",
        "/records/contract",
        201,
        json={"name": "小单", "account": account["id"], "amount": "50000"},
    )
    [asked] = persona("manager_zhou").ok("GET", "/approvals/inbox")["approvals"]
    assert asked["record"]["id"] == big["id"]
    locked = rep.patch(
        f"/records/contract/{big['id']}", json={"name": "改", "version": big["version"]}
    )
    assert locked.status_code == 409 and locked.json()["code"] == "approval_pending"
    rep.ok(
        "PATCH",
        f"/records/contract/{small['id']}",
        json={"name": "小单二", "version": small["version"]},
    )
    [ran] = runs(admin, made)
    assert ran["actions"][0]["approval_id"] == asked["id"]
    assert ran["actor_id"] == str(demo_org.users["rep_zhang"])  # the submitter


def test_the_list_shows_each_rules_last_run(admin: Api) -> None:
    ran = rule(admin)
    idle = rule(
        admin,
        name={"en": "Never set off", "zh-CN": "未运行"},
        trigger={"type": "field_changed", "field": "level", "to": "important"},
    )
    account = admin.ok("POST", "/records/account", 201, json={"name": "列表最近运行"})
    set_level(admin, account, "key")
    listed = {r["id"]: r for r in admin.ok("GET", "/automation/rules")["rules"]}
    newest = runs(admin, ran)[0]
    # The admin's own account has no manager to give the second task: the run failed.
    assert listed[ran["id"]]["last_run"] == {
        "status": "failed",
        "started_at": newest["started_at"],
    }
    assert listed[idle["id"]]["last_run"] is None

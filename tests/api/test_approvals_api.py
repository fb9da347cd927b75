"""Approval processes over HTTP, as an administrator sets one up and a sales team lives
with it: a large contract goes to the rep's manager and then finance, in sequence; it
cannot be changed while pending; a rejection returns it (or sends it a step back); a
recall works; small contracts skip finance; "all" and "any" steps, reassignment, the
inbox, self-approval and two approvers answering at once behave as a demanding admin
expects, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from itertools import count
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access import org
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.access.tables import gx_department
from guanxi.platform.access.users import create_token, create_user
from guanxi.platform.metadata.registry import Registry
from tests.api.conftest import Api, Persona
from tests.statements import count_queries

PROCESSES = "/approvals/processes"
CUSTOMERS = (f"杭州某某{n}号科技有限公司" for n in count(1))


@pytest.fixture
def finance(
    admin: Api, installed_db: Database, clock: FixedClock, demo_org: DemoOrg
) -> dict[str, Any]:
    """财务总监 Qian, the one holder of a "Finance director" role, and her API client."""
    with installed_db.write() as conn:
        role = org.create_role(
            conn,
            Registry().snapshot(conn),
            name="Finance director",
            objects={},
            fields={},
            rights=[],
            require_2fa=False,
            description=None,
            now=clock.now(),
        )
        user = create_user(
            conn, email="qian.cfo@example.com", name="钱财务", password=None, now=clock.now()
        )
        org.set_roles(conn, user, [role])
        _, token = create_token(conn, user, name="tests", now=clock.now())
    return {"role": str(role), "id": str(user), "api": Api(admin.client, token)}


def contract_process(finance: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "object": "contract",
        "name": {"en": "Contract approval", "zh-CN": "合同审批"},
        "entry_condition": {"field": "status", "op": "eq", "value": "draft"},
        "steps": [
            {"name": {"en": "Manager", "zh-CN": "直属经理"}, "approvers": [{"type": "manager"}]},
            {
                "name": {"en": "Finance director", "zh-CN": "财务总监"},
                "condition": {"field": "amount", "op": "gt", "value": "1000000"},
                "approvers": [{"type": "role", "id": finance["role"]}],
                "mode": "any",
            },
        ],
        "on_submit": [{"type": "update_fields", "values": {"status": "pending_approval"}}],
        "on_approve": [{"type": "update_fields", "values": {"status": "active"}}],
        "on_reject": [{"type": "update_fields", "values": {"status": "draft"}}],
        "on_recall": [{"type": "update_fields", "values": {"status": "draft"}}],
        "active": True,
        **changes,
    }


def process(admin: Api, body: dict[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = admin.ok("POST", PROCESSES, 201, json=body)
    return made


def contract(api: Api, amount: str) -> dict[str, Any]:
    account = api.ok("POST", "/records/account", 201, json={"name": next(CUSTOMERS)})
    made: dict[str, Any] = api.ok(
        "POST",
        "/records/contract",
        201,
        json={"name": "年度框架合同", "account": account["id"], "amount": amount},
    )
    return made


def submit(api: Api, record: dict[str, Any], **body: Any) -> dict[str, Any]:
    made: dict[str, Any] = api.ok(
        "POST", f"/records/contract/{record['id']}/approval", 201, json=body
    )
    return made


def inbox(api: Api) -> list[str]:
    return [a["id"] for a in api.ok("GET", "/approvals/inbox")["approvals"]]


def act(api: Api, request: dict[str, Any], action: str, status: int = 200, **body: Any) -> Any:
    return api.ok("POST", f"/approvals/{request['id']}/{action}", status, json=body)


def record_of(api: Api, record: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", f"/records/contract/{record['id']}")
    return found


def test_a_large_contract_goes_to_the_manager_then_finance_and_stays_locked_until_approved(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any], clock: FixedClock
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, wang = persona("rep_zhang"), persona("manager_zhou"), persona("rep_wang")
    cfo = finance["api"]
    deal = contract(zhang, "1200000")
    clock.advance(minutes=1)
    request = submit(zhang, deal, comment="大客户年度合同,请审批")
    assert request["state"] == "pending" and request["step"] == 0
    assert [(s["index"], [a["id"] for a in s["approvers"]]) for s in request["steps"]] == [
        (0, [str(demo_org.users["manager_zhou"])]),
        (1, [finance["id"]]),
    ]
    locked = record_of(zhang, deal)
    assert locked["status"] == "pending_approval"  # the submission's own action wrote it

    # Nobody edits or deletes it while pending: 409 naming the approval.
    for answer in (
        zhang.patch(
            f"/records/contract/{deal['id']}",
            json={"amount": "1.00", "version": locked["version"]},
        ),
        admin.delete(f"/records/contract/{deal['id']}"),
        admin.patch(f"/records/contract/{deal['id']}", json={"name": "x", "version": 2}),
    ):
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "approval_pending"
        assert answer.json()["approval_id"] == request["id"]
    again = zhang.post(f"/records/contract/{deal['id']}/approval", json={})
    assert again.status_code == 409 and again.json()["approval_id"] == request["id"]

    # The manager first: only his inbox shows it; finance may not act yet.
    assert inbox(zhou) == [request["id"]]
    assert inbox(cfo) == [] and inbox(zhang) == [] and inbox(wang) == []
    assert act(cfo, request, "approve", 403)["code"] == "permission_denied"
    clock.advance(minutes=5)
    after_manager = act(zhou, request, "approve", comment="同意,价格合理")
    assert after_manager["state"] == "pending" and after_manager["step"] == 1
    assert inbox(zhou) == [] and inbox(cfo) == [request["id"]]
    shown = cfo.ok("GET", "/approvals/inbox")["approvals"][0]
    assert shown["record"] == {"id": deal["id"], "name": "年度框架合同"}
    assert shown["submitted_by"]["id"] == str(demo_org.users["rep_zhang"])
    assert shown["step"]["name"] == {"en": "Finance director", "zh-CN": "财务总监"}
    assert act(zhou, request, "approve", 403)["code"] == "permission_denied"
    assert record_of(zhang, deal)["status"] == "pending_approval"

    clock.advance(minutes=5)
    done = act(cfo, request, "approve", comment="财务审核通过")
    assert done["state"] == "approved" and done["decided_at"] is not None
    assert inbox(cfo) == []
    approved = record_of(zhang, deal)
    assert approved["status"] == "active"  # the final approval action
    zhang.ok(
        "PATCH",
        f"/records/contract/{deal['id']}",
        json={"signed_on": "2026-12-01", "version": approved["version"]},
    )
    assert act(cfo, request, "approve", 409)["code"] == "conflict"

    # The whole trail, newest first, on the record's timeline.
    entries = zhang.ok("GET", f"/records/contract/{deal['id']}/timeline")["entries"]
    trail = [e for e in entries if e["type"] == "approval"]
    assert [(e["action"], e["actor"]["id"], e.get("comment")) for e in reversed(trail)] == [
        ("submitted", str(demo_org.users["rep_zhang"]), "大客户年度合同,请审批"),
        ("approved", str(demo_org.users["manager_zhou"]), "同意,价格合理"),
        ("approved", finance["id"], "财务审核通过"),
        ("request_approved", finance["id"], None),
    ]
    assert trail[1]["step"] == {"index": 1, "name": {"en": "Finance director", "zh-CN": "财务总监"}}
    assert trail[1]["original_approver"]["id"] == finance["id"]
    assert all(e["approval_id"] == request["id"] for e in trail)
    assert [e["at"] for e in reversed(trail)] == sorted(e["at"] for e in trail)
    # The final action's write follows the approval that caused it.
    types = [e["type"] if e["type"] != "approval" else e["action"] for e in entries]
    assert types.index("updated") < types.index("request_approved")


def test_a_small_contract_skips_finance_by_the_step_condition(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any]
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou = persona("rep_zhang"), persona("manager_zhou")
    deal = contract(zhang, "50000")
    request = submit(zhang, deal)
    assert [s["index"] for s in request["steps"]] == [0]
    assert [t["action"] for t in request["trail"]] == ["submitted", "step_skipped"]
    assert request["trail"][1]["step"]["index"] == 1
    done = act(zhou, request, "approve")
    assert done["state"] == "approved" and inbox(finance["api"]) == []
    assert record_of(zhang, deal)["status"] == "active"


def test_a_rejection_returns_the_contract_or_sends_it_back_a_step(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any]
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, cfo = persona("rep_zhang"), persona("manager_zhou"), finance["api"]
    deal = contract(zhang, "2000000")
    request = submit(zhang, deal)
    act(zhou, request, "approve")
    bad = act(cfo, request, "reject", 422, to_step=1, comment="x")
    assert bad["errors"][0]["field"] == "to_step"
    back = act(cfo, request, "reject", to_step=0, comment="请经理再核实付款条件")
    assert back["state"] == "pending" and back["step"] == 0
    assert inbox(zhou) == [request["id"]] and inbox(cfo) == []
    ended = act(zhou, request, "reject", comment="条款不符合公司政策")
    assert ended["state"] == "rejected" and inbox(zhou) == []
    returned = record_of(zhang, deal)
    assert returned["status"] == "draft"
    zhang.ok(
        "PATCH",
        f"/records/contract/{deal['id']}",
        json={"terms": "按季度付款", "version": returned["version"]},
    )
    trail = [(t["action"], t.get("to_step")) for t in ended["trail"]]
    assert trail == [
        ("submitted", None),
        ("approved", None),
        ("rejected", 0),
        ("rejected", None),
        ("request_rejected", None),
    ]
    # Resubmitted after the change, it starts again from the first step.
    again = submit(zhang, deal)
    assert again["id"] != request["id"] and again["step"] == 0


def test_the_submitter_recalls_a_pending_request(
    admin: Api, persona: Persona, finance: dict[str, Any]
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, wang = persona("rep_zhang"), persona("manager_zhou"), persona("rep_wang")
    deal = contract(zhang, "1500000")
    request = submit(zhang, deal)
    assert act(zhou, request, "recall", 403)["code"] == "permission_denied"
    assert act(wang, request, "recall", 404)["code"] == "not_found"  # not theirs to see
    recalled = act(zhang, request, "recall", comment="金额有误,撤回修改")
    assert recalled["state"] == "recalled"
    assert [t["state"] for t in recalled["tasks"]] == ["cancelled"]
    assert inbox(zhou) == []
    assert act(zhang, request, "recall", 409)["code"] == "conflict"
    assert act(zhou, request, "approve", 409)["code"] == "conflict"
    found = record_of(zhang, deal)
    assert found["status"] == "draft"
    zhang.ok(
        "PATCH",
        f"/records/contract/{deal['id']}",
        json={"amount": "1400000", "version": found["version"]},
    )
    latest = zhang.ok("GET", f"/records/contract/{deal['id']}/approval")
    assert latest["id"] == request["id"] and latest["trail"][-1]["comment"] == "金额有误,撤回修改"


def steps_of(demo_org: DemoOrg, mode: str, *names: str) -> dict[str, Any]:
    return {
        "object": "contract",
        "name": f"{mode} approval",
        "steps": [
            {
                "name": "Directors",
                "approvers": [{"type": "user", "id": str(demo_org.users[n])} for n in names],
                "mode": mode,
            }
        ],
        "on_approve": [{"type": "update_fields", "values": {"status": "active"}}],
    }


def test_an_all_step_needs_every_approver_and_an_any_step_the_first(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    zhang, li, chen = persona("rep_zhang"), persona("director_li"), persona("ceo_chen")
    every = process(admin, steps_of(demo_org, "all", "director_li", "ceo_chen"))
    first = process(admin, steps_of(demo_org, "any", "director_li", "ceo_chen"))

    deal = contract(zhang, "300000")
    request = submit(zhang, deal, process_id=every["id"])
    assert inbox(li) == [request["id"]] and inbox(chen) == [request["id"]]
    assert act(li, request, "approve")["state"] == "pending"
    assert inbox(li) == [] and inbox(chen) == [request["id"]]
    assert act(chen, request, "approve")["state"] == "approved"

    other = contract(zhang, "300000")
    request = submit(zhang, other, process_id=first["id"])
    done = act(chen, request, "approve", comment="同意")
    assert done["state"] == "approved"
    assert sorted(t["state"] for t in done["tasks"]) == ["approved", "cancelled"]
    assert inbox(li) == []
    assert act(li, request, "approve", 409)["code"] == "conflict"


def test_a_sequential_step_asks_its_approvers_one_after_another(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    zhang, li, chen = persona("rep_zhang"), persona("director_li"), persona("ceo_chen")
    made = process(admin, steps_of(demo_org, "sequential", "director_li", "ceo_chen"))
    request = submit(zhang, contract(zhang, "300000"), process_id=made["id"])
    assert inbox(li) == [request["id"]] and inbox(chen) == []
    assert act(chen, request, "approve", 409)["code"] == "conflict"  # not his turn yet
    act(li, request, "approve")
    assert inbox(chen) == [request["id"]]
    assert act(chen, request, "approve")["state"] == "approved"


def test_an_approver_reassigns_and_the_trail_keeps_whom_the_step_named(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any]
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, li = persona("rep_zhang"), persona("manager_zhou"), persona("director_li")
    deal = contract(zhang, "80000")
    request = submit(zhang, deal)
    li_id, zhou_id = str(demo_org.users["director_li"]), str(demo_org.users["manager_zhou"])
    self_ = act(zhou, request, "reassign", 422, to=str(demo_org.users["rep_zhang"]))
    assert self_["errors"][0]["field"] == "to"
    assert act(li, request, "reassign", 404, to=li_id)["code"] == "not_found"  # not his
    act(zhou, request, "reassign", to=li_id, comment="出差中,请李总监代审")
    assert inbox(zhou) == [] and inbox(li) == [request["id"]]
    assert li.ok("GET", "/approvals/inbox")["approvals"][0]["original_approver"]["id"] == zhou_id
    done = act(li, request, "approve", comment="代周经理审批通过")
    assert done["state"] == "approved"
    trail = done["trail"]
    assert [t["action"] for t in trail] == [
        "submitted",
        "step_skipped",  # a small contract: no finance step
        "reassigned",
        "approved",
        "request_approved",
    ]
    assert trail[2]["actor"]["id"] == zhou_id and trail[2]["to_user"]["id"] == li_id
    assert trail[2]["comment"] == "出差中,请李总监代审"
    assert trail[3]["actor"]["id"] == li_id and trail[3]["original_approver"]["id"] == zhou_id

    # An administrator hands a waiting decision on for an approver who is away.
    request = submit(zhang, contract(zhang, "90000"))
    chen_id = str(demo_org.users["ceo_chen"])
    act(admin, request, "reassign", to=chen_id, **{"from": zhou_id})
    assert inbox(persona("ceo_chen")) == [request["id"]] and inbox(zhou) == []


def test_self_approval_is_refused_naming_the_step(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    zhang = persona("rep_zhang")
    body = steps_of(demo_org, "any", "rep_zhang")
    body["steps"].insert(0, {"name": "Manager", "approvers": [{"type": "manager", "levels": 1}]})
    made = process(admin, body)
    refused = zhang.post(
        f"/records/contract/{contract(zhang, '10')['id']}/approval",
        json={"process_id": made["id"]},
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["steps[1].approvers"]
    assert "submitter" in refused.json()["errors"][0]["message"]
    # With another approver beside the submitter, the submitter is simply left out.
    body["steps"][1]["approvers"].append({"type": "user", "id": str(demo_org.users["ceo_chen"])})
    admin.ok("PATCH", f"{PROCESSES}/{made['id']}", json={"steps": body["steps"], "version": 1})
    request = submit(zhang, contract(zhang, "10"), process_id=made["id"])
    assert [a["id"] for a in request["steps"][1]["approvers"]] == [str(demo_org.users["ceo_chen"])]


def test_processes_are_checked_versioned_and_kept_while_requests_run(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any]
) -> None:
    zhang = persona("rep_zhang")
    assert zhang.post(PROCESSES, json=contract_process(finance)).status_code == 403
    wrong = admin.post(
        PROCESSES,
        json=contract_process(
            finance,
            entry_condition={"field": "nope", "op": "eq", "value": 1},
            steps=[
                {"name": "A", "approvers": [{"type": "user", "id": str(finance["role"])}]},
                {"name": "B", "approvers": [{"type": "field", "field": "amount"}]},
                {"name": "C", "approvers": [{"type": "role", "id": finance["id"]}]},
            ],
            on_approve=[{"type": "update_fields", "values": {"colour": "red"}}],
        ),
    )
    assert wrong.status_code == 422, wrong.text
    fields = {e["field"] for e in wrong.json()["errors"]}
    assert {
        "steps[0].approvers[0].id",
        "steps[1].approvers[0].field",
        "steps[2].approvers[0].id",
        "on_approve[0].values.colour",
    } <= fields
    assert any(f.startswith("entry_condition") for f in fields)

    made = process(admin, contract_process(finance))
    assert made["version"] == 1 and made["steps"][0]["mode"] == "sequential"
    listed = admin.ok("GET", PROCESSES, params={"object": "contract"})["processes"]
    assert [p["id"] for p in listed] == [made["id"]]
    request = submit(zhang, contract(zhang, "5000000"))
    assert admin.patch(f"{PROCESSES}/{made['id']}", json={"active": False}).status_code == 428
    stale = admin.patch(f"{PROCESSES}/{made['id']}", json={"active": False, "version": 9})
    assert stale.status_code == 412
    one_step = [
        {"name": "CEO", "approvers": [{"type": "user", "id": str(demo_org.users["ceo_chen"])}]}
    ]
    changed = admin.ok(
        "PATCH", f"{PROCESSES}/{made['id']}", headers={"If-Match": '"1"'}, json={"steps": one_step}
    )
    assert changed["version"] == 2 and len(changed["steps"]) == 1
    assert admin.ok("GET", f"{PROCESSES}/{made['id']}", params={"version": 1})["steps"][1][
        "name"
    ] == {"en": "Finance director", "zh-CN": "财务总监"}
    # The running request stays on version 1: manager, then finance.
    act(persona("manager_zhou"), request, "approve")
    assert inbox(finance["api"]) == [request["id"]]
    busy = admin.delete(f"{PROCESSES}/{made['id']}")
    assert busy.status_code == 409 and busy.json()["approval_id"] == request["id"]
    act(finance["api"], request, "approve")
    admin.ok("DELETE", f"{PROCESSES}/{made['id']}", 204)
    assert admin.get(f"{PROCESSES}/{made['id']}").status_code == 404


def test_no_applicable_process_or_an_unmet_entry_condition_is_refused(
    admin: Api, persona: Persona, finance: dict[str, Any]
) -> None:
    zhang = persona("rep_zhang")
    deal = contract(zhang, "100")
    none = zhang.post(f"/records/contract/{deal['id']}/approval", json={})
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "process_id"
    process(
        admin,
        contract_process(
            finance, entry_condition={"field": "status", "op": "eq", "value": "active"}
        ),
    )
    unmet = zhang.post(f"/records/contract/{deal['id']}/approval", json={})
    assert unmet.status_code == 422 and unmet.json()["errors"][0]["field"] == "process_id"
    assert zhang.ok("GET", f"/records/contract/{deal['id']}")["status"] == "draft"


def test_two_approvers_answering_an_any_step_at_once_one_decides(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    """Each answer its own transaction on its own connection; on PostgreSQL they really
    overlap and the request's row lock orders them."""
    zhang = persona("rep_zhang")
    approvers = ["director_li", "ceo_chen", "director_huang", "manager_zhou"]
    made = process(admin, steps_of(demo_org, "any", *approvers))
    clients = [persona(name) for name in approvers]
    for _ in range(3):
        request = submit(zhang, contract(zhang, "700000"), process_id=made["id"])
        start = threading.Barrier(len(clients))

        def one(
            api: Api, request: dict[str, Any] = request, start: threading.Barrier = start
        ) -> Any:
            start.wait(timeout=30)
            return api.post(f"/approvals/{request['id']}/approve", json={"comment": "同意"})

        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            answers = list(pool.map(one, clients))
        assert sorted(a.status_code for a in answers) == [200, 409, 409, 409], [
            a.text for a in answers
        ]
        shown = admin.ok("GET", f"/approvals/{request['id']}")
        assert shown["state"] == "approved"
        assert sorted(t["state"] for t in shown["tasks"]) == ["approved"] + ["cancelled"] * 3
        assert [t["action"] for t in shown["trail"]] == [
            "submitted",
            "approved",
            "request_approved",
        ]


def test_department_heads_managers_up_the_line_and_user_fields_approve(
    admin: Api,
    persona: Persona,
    demo_org: DemoOrg,
    installed_db: Database,
    clock: FixedClock,
) -> None:
    with installed_db.write() as conn:
        conn.execute(
            update(gx_department)
            .where(gx_department.c.id == demo_org.departments["east"])
            .values(head_id=demo_org.users["director_huang"])
        )
    zhang, li, huang = persona("rep_zhang"), persona("director_li"), persona("director_huang")
    line = process(
        admin,
        {
            "object": "contract",
            "name": "Up the line",
            "steps": [
                {"name": "Head", "approvers": [{"type": "department_head"}]},
                {"name": "Director", "approvers": [{"type": "manager", "levels": 2}]},
                {"name": "CEO", "approvers": [{"type": "manager", "levels": 3}]},
            ],
        },
    )
    request = submit(zhang, contract(zhang, "100"), process_id=line["id"])
    named = {n: str(u) for n, u in demo_org.users.items()}
    assert [[a["id"] for a in s["approvers"]] for s in request["steps"]] == [
        [named["director_huang"]],
        [named["director_li"]],
        [named["ceo_chen"]],
    ]
    act(huang, request, "approve")
    act(li, request, "approve")
    assert act(persona("ceo_chen"), request, "approve")["state"] == "approved"

    owner = process(
        admin,
        {
            "object": "contract",
            "name": "Owner signs off",
            "steps": [{"name": "Owner", "approvers": [{"type": "field", "field": "owner_id"}]}],
        },
    )
    account = admin.ok("POST", "/records/account", 201, json={"name": next(CUSTOMERS)})
    theirs = admin.ok(
        "POST",
        "/records/contract",
        201,
        json={
            "name": "代签合同",
            "account": account["id"],
            "amount": "100",
            "owner_id": named["rep_zhang"],
        },
    )
    request = submit(admin, theirs, process_id=owner["id"])
    assert inbox(zhang) == [request["id"]]
    assert act(zhang, request, "approve")["state"] == "approved"


def test_the_timeline_pages_through_the_trail_and_the_writes(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any], clock: FixedClock
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou = persona("rep_zhang"), persona("manager_zhou")
    deal = contract(zhang, "60000")
    clock.advance(minutes=1)
    request = submit(zhang, deal)
    clock.advance(minutes=1)
    act(zhou, request, "approve")
    whole = zhang.ok("GET", f"/records/contract/{deal['id']}/timeline")["entries"]
    paged: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = zhang.ok("GET", f"/records/contract/{deal['id']}/timeline", params=params)
        paged += page["entries"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [e["id"] for e in paged] == [e["id"] for e in whole]
    assert [e.get("action", e["type"]) for e in whole] == [
        "updated",  # the final action: status active
        "request_approved",
        "approved",
        "updated",  # the submission's action: status pending approval
        "step_skipped",
        "submitted",
        "created",
    ]


# -- notifications, delegation while away, files on comments ------------------------------------
def approval_notes(api: Api) -> list[dict[str, Any]]:
    found = api.ok("GET", "/notifications")["notifications"]
    return [n for n in found if n["kind"] == "approval"]


def away(api: Api, delegate: str, clock: FixedClock, days: int = 3, **params: Any) -> Any:
    """Name ``delegate`` from an hour ago for ``days`` days."""
    start = clock.now() - timedelta(hours=1)
    body = {
        "delegate_id": delegate,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=days)).isoformat(),
    }
    return api.ok("PUT", "/approvals/delegation", json=body, params=params)


def test_approvers_are_told_when_a_decision_becomes_theirs_and_submitters_how_it_ended(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any]
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, cfo = persona("rep_zhang"), persona("manager_zhou"), finance["api"]
    deal = contract(zhang, "1200000")
    request = submit(zhang, deal)
    (asked,) = approval_notes(zhou)
    assert asked["link"] == {"object": "contract", "record_id": deal["id"]}
    assert "年度框架合同" in asked["title"]
    assert approval_notes(cfo) == []  # not his turn yet
    act(zhou, request, "approve")
    assert len(approval_notes(cfo)) == 1 and approval_notes(zhang) == []
    act(cfo, request, "approve")
    (approved,) = approval_notes(zhang)
    assert approved["link"]["record_id"] == deal["id"]
    assert approved["title"] in ("Approved: 年度框架合同", "审批已通过:年度框架合同")

    # Rejected, sent back and handed on: the submitter hears of each; the approver who
    # receives it is asked.
    other = submit(zhang, contract(zhang, "2000000"))
    act(zhou, other, "approve")
    act(cfo, other, "reject", to_step=0, comment="请经理再核实付款条件")
    assert len(approval_notes(zhang)) == 2
    assert approval_notes(zhang)[0]["body"] == "请经理再核实付款条件"
    assert len(approval_notes(zhou)) == 3  # the first request, this one, and its return
    li_id = str(demo_org.users["director_li"])
    act(zhou, other, "reassign", to=li_id)
    assert len(approval_notes(persona("director_li"))) == 1
    assert len(approval_notes(zhang)) == 3
    act(persona("director_li"), other, "reject")
    assert len(approval_notes(zhang)) == 4

    # A user who turned approval notices off in the app gets none.
    zhou.ok("PUT", "/notifications/preferences", json={"kinds": {"approval": {"in_app": False}}})
    submit(zhang, contract(zhang, "90000"))
    assert len(approval_notes(zhou)) == 3


def test_a_delegate_decides_while_the_approver_is_away_and_the_trail_says_for_whom(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any], clock: FixedClock
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, li = persona("rep_zhang"), persona("manager_zhou"), persona("director_li")
    zhou_id, li_id = str(demo_org.users["manager_zhou"]), str(demo_org.users["director_li"])
    waiting = submit(zhang, contract(zhang, "80000"))  # before he leaves: his to decide
    assert zhou.ok("GET", "/approvals/delegation") == {"delegation": None}
    set_ = away(zhou, li_id, clock)["delegation"]
    assert set_["delegate"]["id"] == li_id and set_["user"]["id"] == zhou_id and set_["active"]

    # New requests go to the delegate at once; he is told, the trail says why.
    request = submit(zhang, contract(zhang, "90000"))
    assert [(t["approver"]["id"], t["original_approver"]["id"]) for t in request["tasks"]] == [
        (li_id, zhou_id)
    ]
    delegated = request["trail"][-1]
    assert delegated["action"] == "delegated"
    assert delegated["original_approver"]["id"] == zhou_id
    assert delegated["to_user"]["id"] == li_id
    assert len(approval_notes(li)) == 1 and len(approval_notes(zhou)) == 1  # the earlier one

    # The one already waiting for him shows in the delegate's inbox, on his behalf.
    shown = {a["id"]: a for a in li.ok("GET", "/approvals/inbox")["approvals"]}
    assert set(shown) == {waiting["id"], request["id"]}
    assert shown[waiting["id"]]["on_behalf_of"]["id"] == zhou_id
    assert shown[request["id"]]["on_behalf_of"] is None
    done = act(li, waiting, "approve", comment="代周经理审批")
    assert done["state"] == "approved"
    approved = next(t for t in done["trail"] if t["action"] == "approved")
    assert approved["actor"]["id"] == li_id and approved["original_approver"]["id"] == zhou_id
    assert done["tasks"][0]["approver"]["id"] == li_id
    assert act(li, request, "approve")["state"] == "approved"

    # Once the delegation ends, what waits for him is his again.
    third = submit(zhang, contract(zhang, "70000"))
    assert inbox(li) == [third["id"]]
    clock.advance(days=4)
    later = submit(zhang, contract(zhang, "60000"))
    assert inbox(zhou) == [later["id"]]
    assert zhou.ok("GET", "/approvals/delegation")["delegation"]["active"] is False
    assert act(li, later, "approve", 404)["code"] == "not_found"  # not his to see any more


def test_a_delegate_who_submitted_is_passed_over_and_delegations_are_checked(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any], clock: FixedClock
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou = persona("rep_zhang"), persona("manager_zhou")
    zhang_id, zhou_id = str(demo_org.users["rep_zhang"]), str(demo_org.users["manager_zhou"])
    away(zhou, zhang_id, clock)
    request = submit(zhang, contract(zhang, "80000"))
    assert request["tasks"][0]["approver"]["id"] == zhou_id  # never to the submitter
    assert inbox(zhang) == [] and inbox(zhou) == [request["id"]]
    assert act(zhang, request, "approve", 403)["code"] == "permission_denied"

    start = clock.now()
    problems = zhou.request(
        "PUT",
        "/approvals/delegation",
        json={
            "delegate_id": zhou_id,
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(days=1)).isoformat(),
        },
    )
    assert problems.status_code == 422
    assert {e["field"] for e in problems.json()["errors"]} == {"delegate_id", "ends_at"}
    naive = zhou.request(
        "PUT",
        "/approvals/delegation",
        json={"delegate_id": zhang_id, "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-02"},
    )
    assert naive.status_code == 422

    # Another user's delegation is for those who manage users.
    li_id = str(demo_org.users["director_li"])
    refused = zhang.request("GET", "/approvals/delegation", params={"user_id": zhou_id})
    assert refused.status_code == 403
    for_him = away(admin, li_id, clock, user_id=zhou_id)["delegation"]
    assert for_him["user"]["id"] == zhou_id and for_him["delegate"]["id"] == li_id
    assert zhou.ok("GET", "/approvals/delegation")["delegation"]["delegate"]["id"] == li_id
    zhou.ok("DELETE", "/approvals/delegation", 204)
    assert zhou.request("DELETE", "/approvals/delegation").status_code == 404
    assert zhou.ok("GET", "/approvals/delegation") == {"delegation": None}


def upload(api: Api, name: str) -> str:
    stored: dict[str, Any] = api.ok(
        "POST", "/files", 201, files={"file": (name, b"%PDF-1.4 scan", "application/pdf")}
    )
    return str(stored["id"])


def test_files_on_a_comment_are_attached_to_the_record_and_listed_on_the_trail(
    admin: Api, persona: Persona, demo_org: DemoOrg, finance: dict[str, Any]
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, wang = persona("rep_zhang"), persona("manager_zhou"), persona("rep_wang")
    deal = contract(zhang, "1200000")
    request = submit(zhang, deal)
    scan = upload(zhou, "付款条件审核.pdf")
    others = upload(wang, "别人的文件.pdf")

    # Someone else's file, or no file at all: refused naming each, nothing decided.
    bad = act(
        zhou,
        request,
        "approve",
        422,
        attachment_ids=[scan, others, str(UUID(int=5)), scan],
    )
    assert [e["field"] for e in bad["errors"]] == [
        "attachment_ids[1]",
        "attachment_ids[2]",
        "attachment_ids[3]",
    ]
    assert inbox(zhou) == [request["id"]]
    path = f"/records/contract/{deal['id']}/attachments"
    assert zhang.ok("GET", path)["attachments"] == []

    decided = act(zhou, request, "approve", comment="见附件", attachment_ids=[scan])
    approved = next(t for t in decided["trail"] if t["action"] == "approved")
    (listed,) = approved["attachments"]
    assert listed["file"] == {
        "id": scan,
        "name": "付款条件审核.pdf",
        "content_type": "application/pdf",
        "size": 13,
    }
    (attached,) = zhang.ok("GET", path)["attachments"]
    assert attached["id"] == listed["id"] and attached["file"]["id"] == scan
    assert attached["created_by"]["id"] == str(demo_org.users["manager_zhou"])
    timeline = zhang.ok("GET", f"/records/contract/{deal['id']}/timeline")["entries"]
    on_timeline = next(e for e in timeline if e.get("action") == "approved")
    assert on_timeline["attachments"] == approved["attachments"]
    assert any(e["type"] == "attachment_added" for e in timeline)

    # The record's own attachment is named as it is, not attached twice; rejecting and
    # reassigning take files too.
    rejected = act(
        finance["api"], request, "reject", 422, attachment_ids=[listed["id"]]
    )  # finance may not read the contract: not a file he may use
    assert rejected["errors"][0]["field"] == "attachment_ids[0]"
    recalled = act(zhang, request, "recall", attachment_ids=[listed["id"]])
    assert recalled["trail"][-1]["attachments"][0]["id"] == listed["id"]
    assert len(zhang.ok("GET", path)["attachments"]) == 1
    again = submit(zhang, contract(zhang, "80000"))
    note = upload(zhou, "出差说明.pdf")
    moved = act(
        zhou, again, "reassign", to=str(demo_org.users["director_li"]), attachment_ids=[note]
    )
    assert moved["trail"][-1]["attachments"][0]["file"]["name"] == "出差说明.pdf"


def test_the_submitter_follows_their_own_requests_newest_first_with_who_holds_each(
    admin: Api, persona: Persona, finance: dict[str, Any], clock: FixedClock
) -> None:
    process(admin, contract_process(finance))
    zhang, zhou, wang = persona("rep_zhang"), persona("manager_zhou"), persona("rep_wang")
    small, large = contract(zhang, "60000"), contract(zhang, "1500000")
    done = submit(zhang, small)
    act(zhou, done, "approve")  # the small one skips finance: approved
    clock.advance(minutes=1)
    waiting = submit(zhang, large)

    mine = zhang.ok("GET", "/approvals/inbox", params={"view": "submitted"})["approvals"]
    assert [a["id"] for a in mine] == [waiting["id"], done["id"]]
    assert mine[0]["state"] == "pending" and mine[0]["step"]["name"]["en"] == "Manager"
    assert [p["name"] for p in mine[0]["approvers"]] == ["周经理 Zhou Qiang"]
    assert mine[0]["record"] == {"id": large["id"], "name": "年度框架合同"}
    # Named in the approver's words though they may not list the object's metadata.
    assert mine[0]["object_label"] == {"en": "Contract", "zh-CN": "合同"}
    shown = zhou.ok("GET", f"/approvals/{waiting['id']}")
    assert shown["record_name"] == "年度框架合同" and shown["object_label"]["zh-CN"] == "合同"
    assert zhou.ok("GET", "/approvals/inbox")["approvals"][0]["object_label"]["en"] == "Contract"
    assert mine[1]["state"] == "approved" and mine[1]["step"] is None
    assert mine[1]["approvers"] == [] and mine[1]["decided_at"] is not None
    # Someone else's view holds none of them; the default view stays the decisions awaiting.
    assert wang.ok("GET", "/approvals/inbox", params={"view": "submitted"})["approvals"] == []
    assert inbox(zhou) == [waiting["id"]]
    assert zhang.ok("GET", "/approvals/inbox", params={"view": "sent"}, status=422)


def test_a_record_offers_the_processes_it_could_be_submitted_to_now(
    admin: Api, persona: Persona, finance: dict[str, Any]
) -> None:
    zhang, zhou = persona("rep_zhang"), persona("manager_zhou")
    deal = contract(zhang, "60000")
    path = f"/records/contract/{deal['id']}/approval/processes"
    assert zhang.ok("GET", path)["processes"] == []  # no process of contracts yet
    made = process(admin, contract_process(finance))
    process(admin, contract_process(finance, name="Switched off", active=False))
    assert zhang.ok("GET", path)["processes"] == [{"id": made["id"], "name": made["name"]}]
    request = submit(zhang, deal)
    assert zhang.ok("GET", path)["processes"] == []  # pending: nothing to submit to
    act(zhou, request, "approve")
    # Approved, the contract is active: the entry condition (a draft) no longer holds.
    assert record_of(zhang, deal)["status"] == "active"
    assert zhang.ok("GET", path)["processes"] == []


def test_the_submitted_view_costs_the_same_for_three_requests_as_for_one(
    admin: Api, persona: Persona, finance: dict[str, Any], installed_db: Database
) -> None:
    process(admin, contract_process(finance))
    zhang = persona("rep_zhang")
    submit(zhang, contract(zhang, "60000"))

    def cost() -> int:
        with count_queries(installed_db) as statements:
            zhang.ok("GET", "/approvals/inbox", params={"view": "submitted"})
        return len(statements)

    one = cost()
    for _ in range(2):
        submit(zhang, contract(zhang, "60000"))
    assert cost() == one

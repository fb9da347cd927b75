"""Customer pools (公海): members see and claim accounts without an owner, within the
pool's claim limit and cool-down; idle accounts go back, their owners warned first."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import pytest

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.modules import installed, write_hooks
from guanxi.modules.sales import MODULE
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records.context import Ctx
from tests.api.conftest import Api, Persona


def make_pool(admin: Api, demo_org: DemoOrg, **settings: Any) -> dict[str, Any]:
    body = {
        "name": "华东公海 East China pool",
        "member_roles": [str(demo_org.roles["Sales rep"])],
        "claim_limit": 50,
        "cooldown_days": 30,
        **settings,
    }
    return admin.ok("POST", "/sales/pools", 201, json=body)


def pooled(admin: Api, pool: dict[str, Any], name: str = "北京字节跳动科技有限公司") -> str:
    """An account entered by the administrator and returned to the pool."""
    account = admin.ok("POST", "/records/account", 201, json={"name": name})
    admin.ok("POST", f"/sales/accounts/{account['id']}/release", json={"pool_id": pool["id"]})
    return str(account["id"])


def claim(api: Api, pool: dict[str, Any], account_id: str) -> Any:
    return api.post(f"/sales/pools/{pool['id']}/claim", json={"account_id": account_id})


def pool_ids(api: Api, pool: dict[str, Any]) -> list[str]:
    page = api.ok("GET", f"/sales/pools/{pool['id']}/accounts")
    return [r["id"] for r in page["records"]]


def reclaim(admin: Api, pool: dict[str, Any]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = admin.ok("POST", f"/sales/pools/{pool['id']}/reclaim")
    return result


def test_a_member_sees_the_pools_accounts_and_claims_one(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org)
    first, second = pooled(admin, pool), pooled(admin, pool, "深圳市腾讯计算机系统有限公司")
    zhang = persona("rep_zhang")
    assert [p["id"] for p in zhang.ok("GET", "/sales/pools")["pools"]] == [pool["id"]]
    assert sorted(pool_ids(zhang, pool)) == sorted([first, second])
    # The list is the records engine's: sorting, fields and totals work as on /records.
    page = zhang.ok(
        "GET", f"/sales/pools/{pool['id']}/accounts?sort=name&fields=name&limit=1&with_total=true"
    )
    assert page["total"] == 2 and page["next_cursor"] and len(page["records"]) == 1
    tencent = zhang.ok(
        "GET",
        f"/sales/pools/{pool['id']}/accounts",
        params={"filter": '{"field": "name", "op": "contains", "value": "腾讯"}'},
    )
    assert [r["id"] for r in tencent["records"]] == [second]
    rest = zhang.ok(
        "GET",
        f"/sales/pools/{pool['id']}/accounts",
        params={"sort": "name", "fields": "name", "cursor": page["next_cursor"]},
    )
    assert len(rest["records"]) == 1 and rest["records"][0]["id"] != page["records"][0]["id"]
    # The rep's field permissions hold: annual revenue is hidden from reps.
    full = zhang.ok("GET", f"/sales/pools/{pool['id']}/accounts")["records"]
    assert full and all("annual_revenue" not in r and "name" in r for r in full)
    # Outside the pool the accounts are nobody's, so not in the rep's own list.
    assert zhang.ok("GET", "/records/account")["records"] == []

    taken = claim(zhang, pool, first)
    assert taken.status_code == 200, taken.text
    account = taken.json()
    assert account["owner_id"] == str(demo_org.users["rep_zhang"])
    assert account["pool_state"] == "owned" and account["pool"] == pool["id"]
    assert account["claimed_at"] == "2026-11-23T10:30:00+08:00"
    assert account["protected_until"] is None  # the pool grants no protection by default
    assert pool_ids(zhang, pool) == [second]
    assert [r["id"] for r in zhang.ok("GET", "/records/account")["records"]] == [first]


def test_the_claim_limit_counts_the_accounts_a_rep_owns(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org, claim_limit=2)
    zhang = persona("rep_zhang")
    zhang.ok("POST", "/records/account", 201, json={"name": "自己录入的客户"})  # owned: counts
    ids = [pooled(admin, pool, f"公司{i}") for i in range(3)]
    assert claim(zhang, pool, ids[0]).status_code == 200
    refused = claim(zhang, pool, ids[1])
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "claim_limit_reached"
    assert problem["claim_limit"] == 2 and problem["owned"] == 2
    assert problem["title"].startswith("You already own as many accounts")
    chinese = zhang.post(
        f"/sales/pools/{pool['id']}/claim",
        json={"account_id": ids[1]},
        headers={"Accept-Language": "zh-CN"},
    ).json()
    assert chinese["title"] == "您名下的客户数已达到该公海的领取上限,请先退回客户再领取。"
    assert sorted(pool_ids(zhang, pool)) == sorted(ids[1:])  # nothing moved
    # Another rep is counted on their own.
    assert claim(persona("rep_wang"), pool, ids[1]).status_code == 200
    # Giving one back makes room.
    zhang.ok("POST", f"/sales/accounts/{ids[0]}/release", json={"reason": "不再跟进"})
    assert claim(zhang, pool, ids[2]).status_code == 200


def test_the_previous_owner_waits_out_the_cool_down(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(admin, demo_org, cooldown_days=30)
    account_id = pooled(admin, pool)
    zhang = persona("rep_zhang")
    assert claim(zhang, pool, account_id).status_code == 200
    clock.advance(days=2)
    zhang.ok("POST", f"/sales/accounts/{account_id}/release")
    clock.advance(days=29)
    refused = claim(zhang, pool, account_id)
    assert refused.status_code == 409
    assert refused.json()["code"] == "claim_cooldown"
    assert refused.json()["available_at"] == "2026-12-25T10:30:00+08:00"
    clock.advance(days=1)
    assert claim(zhang, pool, account_id).status_code == 200


def test_a_colleague_may_claim_what_someone_else_released(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org)
    account_id = pooled(admin, pool)
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    assert claim(zhang, pool, account_id).status_code == 200
    zhang.ok("POST", f"/sales/accounts/{account_id}/release")
    assert claim(wang, pool, account_id).status_code == 200
    again = claim(zhang, pool, account_id)
    assert again.status_code == 409 and again.json()["code"] == "already_claimed"


def _at_once(calls: dict[str, Any]) -> dict[str, Any]:
    """Each call in a thread of its own, all let go at the same moment."""
    start = threading.Barrier(len(calls))
    answers: dict[str, Any] = {}

    def run(name: str) -> None:
        start.wait()
        answers[name] = calls[name]()

    threads = [threading.Thread(target=run, args=(name,)) for name in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_of_two_claims_at_once_exactly_one_wins(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org)
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    for round_ in range(3):
        account_id = pooled(admin, pool, f"抢手客户{round_}")
        answers = _at_once(
            {
                "zhang": partial(claim, zhang, pool, account_id),
                "wang": partial(claim, wang, pool, account_id),
            }
        )
        codes = sorted(answer.status_code for answer in answers.values())
        assert codes == [200, 409], [a.text for a in answers.values()]
        loser = next(a for a in answers.values() if a.status_code == 409)
        assert loser.json()["code"] == "already_claimed"
        winner = next(a for a in answers.values() if a.status_code == 200).json()
        stored = admin.ok("GET", f"/records/account/{account_id}")
        assert stored["owner_id"] == winner["owner_id"] and stored["version"] == 3


def test_release_returns_the_account_with_its_previous_owner(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(admin, demo_org)
    account_id = pooled(admin, pool)
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    claim(zhang, pool, account_id)
    # Not hers, not in her scope: for her it does not exist.
    assert wang.post(f"/sales/accounts/{account_id}/release").status_code == 404
    clock.advance(days=1)
    released = zhang.ok("POST", f"/sales/accounts/{account_id}/release", json={"reason": "无需求"})
    assert released["id"] == account_id
    stored = admin.ok("GET", f"/records/account/{account_id}")
    assert stored["owner_id"] is None and stored["pool_state"] == "in_pool"
    assert stored["pool"] == pool["id"]
    assert stored["previous_owner"] == str(demo_org.users["rep_zhang"])
    assert stored["released_at"] == "2026-11-24T10:30:00+08:00"
    again = zhang.post(f"/sales/accounts/{account_id}/release")
    assert again.status_code == 404  # no longer hers
    assert admin.post(f"/sales/accounts/{account_id}/release").json()["code"] == "account_in_pool"


def test_a_manager_may_release_a_reps_account(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org)
    account_id = pooled(admin, pool)
    claim(persona("rep_zhang"), pool, account_id)
    persona("manager_zhou").ok("POST", f"/sales/accounts/{account_id}/release")
    assert admin.ok("GET", f"/records/account/{account_id}")["owner_id"] is None


def test_an_idle_account_is_reclaimed_after_a_single_warning(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(
        admin, demo_org, reclaim={"days_without_activity": 30, "warn_days": 3}, cooldown_days=0
    )
    account_id = pooled(admin, pool, "杭州阿里巴巴网络技术有限公司")
    zhang = persona("rep_zhang")
    claim(zhang, pool, account_id)

    def tasks() -> list[dict[str, Any]]:
        found = zhang.ok("GET", "/records/task")["records"]
        return [t for t in found if t["account"] == account_id]

    clock.advance(days=26)
    assert reclaim(admin, pool) == {"reclaimed": [], "warned": []}
    clock.advance(days=1)  # three days before
    assert reclaim(admin, pool) == {"reclaimed": [], "warned": [account_id]}
    [task] = tasks()
    assert task["subject"] == (
        "客户「杭州阿里巴巴网络技术有限公司」将于 2026-12-23 退回公海 / "
        "杭州阿里巴巴网络技术有限公司 returns to the pool on 2026-12-23"
    )
    assert task["due_at"] == "2026-12-23T10:30:00+08:00"
    assert task["assignee"] == task["owner_id"] == str(demo_org.users["rep_zhang"])
    clock.advance(days=1)
    assert reclaim(admin, pool) == {"reclaimed": [], "warned": []}  # warned once
    assert len(tasks()) == 1
    clock.advance(days=2)
    assert reclaim(admin, pool) == {"reclaimed": [account_id], "warned": []}
    stored = admin.ok("GET", f"/records/account/{account_id}")
    assert stored["owner_id"] is None and stored["pool_state"] == "in_pool"
    assert stored["previous_owner"] == str(demo_org.users["rep_zhang"])
    assert pool_ids(zhang, pool) == [account_id]
    assert reclaim(admin, pool) == {"reclaimed": [], "warned": []}


def test_an_activity_puts_the_reclaim_date_back(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(admin, demo_org, reclaim={"days_without_activity": 30, "warn_days": 3})
    account_id = pooled(admin, pool)
    zhang = persona("rep_zhang")
    claim(zhang, pool, account_id)
    clock.advance(days=20)
    zhang.ok("POST", "/records/activity", 201, json={"subject": "电话沟通", "account": account_id})
    clock.advance(days=15)  # 35 days after the claim, 15 after the call
    assert reclaim(admin, pool) == {"reclaimed": [], "warned": []}
    clock.advance(days=12)  # 27 days after the call
    assert reclaim(admin, pool) == {"reclaimed": [], "warned": [account_id]}
    clock.advance(days=3)
    assert reclaim(admin, pool)["reclaimed"] == [account_id]


def test_an_account_without_a_won_deal_goes_back(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(admin, demo_org, reclaim={"days_without_won": 90})
    idle, winning = pooled(admin, pool, "甲公司"), pooled(admin, pool, "乙公司")
    zhang = persona("rep_zhang")
    claim(zhang, pool, idle)
    claim(zhang, pool, winning)
    clock.advance(days=60)
    for account_id in (idle, winning):  # calls alone do not keep an account
        zhang.ok("POST", "/records/activity", 201, json={"subject": "拜访", "account": account_id})
    won = admin.ok("GET", f"/records/account/{winning}")
    admin.ok(
        "PATCH",
        f"/records/account/{winning}",
        json={"last_won_at": "2026-12-20T09:00:00+08:00", "version": won["version"]},
    )
    clock.advance(days=30)
    assert reclaim(admin, pool) == {"reclaimed": [idle], "warned": []}
    assert admin.ok("GET", f"/records/account/{winning}")["owner_id"] == str(
        demo_org.users["rep_zhang"]
    )


def test_the_declared_job_sweeps_every_pool_and_the_default_takes_accounts_from_no_pool(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock, installed_db: Database
) -> None:
    rules = {"days_without_activity": 30}
    pool = make_pool(admin, demo_org, reclaim=rules)
    default = make_pool(admin, demo_org, name="默认公海 Default pool", default=True, reclaim=rules)
    account_id = pooled(admin, pool)
    zhang = persona("rep_zhang")
    claim(zhang, pool, account_id)
    # Entered by hand, never in a pool; its registration protects it for 90 days.
    own = zhang.ok("POST", "/records/account", 201, json={"name": "自有客户"})
    assert own["protected_until"] == "2027-02-21T10:30:00+08:00"
    [job] = [j for j in MODULE.jobs if j.name == "reclaim_idle_accounts"]

    def run_job() -> Any:
        with installed_db.write() as conn:
            ctx = Ctx.open(conn, Registry(), SYSTEM, clock.now(), hooks=write_hooks(installed()))
            return job.run(ctx)

    clock.advance(days=31)
    assert run_job() == {"reclaimed": [account_id], "warned": []}
    clock.advance(days=60)  # protection over (90 days)
    assert run_job() == {"reclaimed": [own["id"]], "warned": []}
    stored = admin.ok("GET", f"/records/account/{own['id']}")
    assert stored["pool"] == default["id"] and stored["owner_id"] is None


def test_registration_protects_a_new_account_for_the_configured_days(
    persona: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhang = persona("rep_zhang")
    made = zhang.ok("POST", "/records/account", 201, json={"name": "新报备客户"})
    assert made["protected_until"] == "2027-02-21T10:30:00+08:00"
    monkeypatch.setenv("GUANXI_REGISTRATION_PROTECTION_DAYS", "30")
    made = zhang.ok("POST", "/records/account", 201, json={"name": "另一个客户"})
    assert made["protected_until"] == "2026-12-23T10:30:00+08:00"


def test_a_claimed_account_is_protected_for_the_pools_protection_days(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(admin, demo_org, protection_days=45, reclaim={"days_without_activity": 30})
    account_id = pooled(admin, pool)
    claimed = claim(persona("rep_zhang"), pool, account_id).json()
    assert claimed["protected_until"] == "2027-01-07T10:30:00+08:00"
    clock.advance(days=31)
    assert reclaim(admin, pool)["reclaimed"] == []
    clock.advance(days=14)
    assert reclaim(admin, pool)["reclaimed"] == [account_id]


def test_who_is_not_a_member_neither_sees_nor_claims(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org)
    account_id = pooled(admin, pool)
    sun = persona("agent_sun")  # a service agent: reads every account, but no member
    assert sun.ok("GET", "/sales/pools")["pools"] == []
    assert sun.get(f"/sales/pools/{pool['id']}").status_code == 404
    assert sun.get(f"/sales/pools/{pool['id']}/accounts").status_code == 404
    assert claim(sun, pool, account_id).status_code == 404
    assert admin.ok("GET", f"/records/account/{account_id}")["owner_id"] is None


def test_only_a_manager_of_pools_configures_them(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    zhang = persona("rep_zhang")
    body = {"name": "x", "member_roles": [str(demo_org.roles["Sales rep"])]}
    assert zhang.post("/sales/pools", json=body).status_code == 403
    pool = make_pool(admin, demo_org)
    assert zhang.ok("GET", f"/sales/pools/{pool['id']}")["claim_limit"] == 50
    assert (
        zhang.patch(
            f"/sales/pools/{pool['id']}", json={"claim_limit": 99, "version": 1}
        ).status_code
        == 403
    )
    changed = admin.ok(
        "PATCH",
        f"/sales/pools/{pool['id']}",
        json={"claim_limit": 10, "reclaim": {"days_without_won": 60}},
        headers={"If-Match": '"1"'},
    )
    assert changed["claim_limit"] == 10 and changed["version"] == 2
    assert changed["reclaim"] == {
        "days_without_activity": None,
        "days_without_won": 60,
        "warn_days": 0,
    }
    stale = admin.patch(f"/sales/pools/{pool['id']}", json={"name": "y", "version": 1})
    assert stale.status_code == 412
    assert admin.patch(f"/sales/pools/{pool['id']}", json={"name": "y"}).status_code == 428
    unknown = admin.post("/sales/pools", json={**body, "member_roles": [pool["id"]]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "member_roles[0]"


def test_every_move_is_in_the_accounts_history(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    pool = make_pool(admin, demo_org, reclaim={"days_without_activity": 30})
    account_id = pooled(admin, pool)
    zhang = persona("rep_zhang")
    claim(zhang, pool, account_id)
    clock.advance(days=30)
    reclaim(admin, pool)
    history = admin.ok("GET", f"/records/account/{account_id}/history")["entries"]
    moves = [
        (h["old"], h["new"], h["changed_by"], h["changed_at"])
        for h in history
        if h["field"] == "owner_id"
    ]
    zhang_id, admin_id = str(demo_org.users["rep_zhang"]), history[0]["changed_by"]
    assert moves == [
        (admin_id, None, admin_id, "2026-11-23T10:30:00+08:00"),  # released by the admin
        (None, zhang_id, zhang_id, "2026-11-23T10:30:00+08:00"),  # claimed
        (zhang_id, None, admin_id, "2026-12-23T10:30:00+08:00"),  # reclaimed (admin ran it)
    ]
    states = [h["new"] for h in history if h["field"] == "pool_state"]
    assert states == ["in_pool", "owned", "in_pool"]
    events = admin.ok("GET", f"/sales/accounts/{account_id}/pool-events")["events"]
    assert [(e["action"], e["user_id"], e["actor_id"]) for e in events] == [
        ("release", admin_id, admin_id),
        ("claim", zhang_id, zhang_id),
        ("reclaim", zhang_id, admin_id),
    ]
    assert persona("rep_wang").get(f"/sales/accounts/{account_id}/pool-events").status_code == 404

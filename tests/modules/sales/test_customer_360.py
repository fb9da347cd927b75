"""The account's timeline is its 360° view: what was made for it, newest first."""

from __future__ import annotations

from guanxi.kernel.clock import FixedClock
from tests.api.conftest import Api, Persona


def test_the_account_timeline_shows_contacts_deals_activities_and_tasks(
    admin: Api, clock: FixedClock
) -> None:
    acme = admin.ok("POST", "/records/account", 201, json={"name": "北京字节跳动科技有限公司"})
    made = []
    for object_name, body in (
        ("contact", {"name": "张一鸣"}),
        ("opportunity", {"name": "CRM 采购", "amount": "100000"}),
        ("activity", {"subject": "首次拜访", "kind": "visit"}),
        ("task", {"subject": "发送报价"}),
    ):
        clock.advance(minutes=1)
        made.append(
            admin.ok("POST", f"/records/{object_name}", 201, json={**body, "account": acme["id"]})
        )
    entries = admin.ok("GET", f"/records/account/{acme['id']}/timeline")["entries"]
    related = [
        (e["object"], e["record"]["name"]) for e in entries if e["type"] == "related_created"
    ]
    assert related == [
        ("task", "发送报价"),
        ("activity", "首次拜访"),
        ("opportunity", "CRM 采购"),
        ("contact", "张一鸣"),
    ]
    assert entries[-1]["type"] == "created"  # the account itself, oldest
    first = entries[0]
    assert first["field"] == "account" and first["record"]["id"] == made[-1]["id"]
    assert first["actor"]["name"] == "王管理员"
    plain = admin.ok("GET", f"/records/account/{acme['id']}/timeline", params={"related": "false"})
    assert {e["type"] for e in plain["entries"]} == {"created", "updated"}


def test_pages_of_the_360_view_follow_each_other(admin: Api, clock: FixedClock) -> None:
    acme = admin.ok("POST", "/records/account", 201, json={"name": "甲公司"})
    for i in range(7):
        clock.advance(seconds=1)
        admin.ok(
            "POST", "/records/activity", 201, json={"subject": f"电话{i}", "account": acme["id"]}
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = admin.ok("GET", f"/records/account/{acme['id']}/timeline", params=params)
        seen += [e["id"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = admin.ok("GET", f"/records/account/{acme['id']}/timeline", params={"limit": 200})
    assert seen == [e["id"] for e in everything["entries"]] and len(set(seen)) == len(seen)


def test_a_rep_sees_only_related_records_in_their_scope(admin: Api, persona: Persona) -> None:
    zhang, zhou = persona("rep_zhang"), persona("manager_zhou")  # Zhou manages Zhang
    shared = zhang.ok("POST", "/records/account", 201, json={"name": "共享客户"})
    for api, subject in ((zhang, "张的拜访"), (zhou, "周的电话")):
        body = {"subject": subject, "account": shared["id"]}
        api.ok("POST", "/records/activity", 201, json=body)
    entries = zhang.ok("GET", f"/records/account/{shared['id']}/timeline")["entries"]
    assert [e["record"]["name"] for e in entries if e["type"] == "related_created"] == ["张的拜访"]
    seen_by_zhou = zhou.ok("GET", f"/records/account/{shared['id']}/timeline")["entries"]
    assert len([e for e in seen_by_zhou if e["type"] == "related_created"]) == 2

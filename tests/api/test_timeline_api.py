"""A record's timeline over HTTP: writes, shares and attachments, newest first."""

from __future__ import annotations

from typing import Any

from guanxi.kernel.clock import FixedClock
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona


def account_of(admin: Api, demo_org: DemoOrg, owner: str, name: str) -> dict[str, Any]:
    body = {"name": name, "owner_id": str(demo_org.users[owner]), "annual_revenue": "100.00"}
    return admin.ok("POST", "/records/account", 201, json=body)


def timeline(api: Api, record: dict[str, Any], **params: Any) -> Any:
    return api.ok("GET", f"/records/account/{record['id']}/timeline", params=params)


def test_writes_come_newest_first_one_entry_per_write(
    admin: Api, demo_org: DemoOrg, clock: FixedClock
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "星辰科技")
    clock.advance(minutes=1)
    admin.ok(
        "PATCH",
        f"/records/account/{record['id']}",
        json={"name": "星辰科技集团", "industry": "it", "version": 1},
    )
    clock.advance(minutes=1)
    admin.ok("DELETE", f"/records/account/{record['id']}", 204)
    clock.advance(minutes=1)
    admin.ok("POST", f"/records/account/{record['id']}/restore")

    entries = timeline(admin, record)["entries"]
    assert [e["type"] for e in entries] == ["restored", "deleted", "updated", "created"]
    updated = entries[2]
    assert sorted((c["field"], c["old"], c["new"]) for c in updated["changes"]) == [
        ("industry", None, "it"),
        ("name", "星辰科技", "星辰科技集团"),
    ]
    assert updated["actor"]["name"] == "王管理员"
    assert entries[0]["at"] > entries[1]["at"] > entries[2]["at"] > entries[3]["at"]
    assert len({e["id"] for e in entries}) == 4


def test_pages_follow_each_other_without_gaps_or_repeats(
    admin: Api, demo_org: DemoOrg, clock: FixedClock
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "分页客户")
    for version in range(1, 6):
        clock.advance(seconds=1)
        admin.ok(
            "PATCH",
            f"/records/account/{record['id']}",
            json={"employees": version, "version": version},
        )
    whole = timeline(admin, record)["entries"]
    assert len(whole) == 6 and whole[0]["changes"] == [{"field": "employees", "old": 4, "new": 5}]
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = timeline(admin, record, limit=4, **({"cursor": cursor} if cursor else {}))
        seen += page["entries"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    bad = admin.get(f"/records/account/{record['id']}/timeline", params={"cursor": "nonsense"})
    assert bad.status_code == 422


def test_hidden_field_changes_are_left_out(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "隐藏字段")
    clock.advance(minutes=1)
    admin.ok(
        "PATCH",
        f"/records/account/{record['id']}",
        json={"annual_revenue": "999.00", "phone": "+862188881234", "version": 1},
    )
    clock.advance(minutes=1)
    admin.ok(
        "PATCH", f"/records/account/{record['id']}", json={"annual_revenue": "1.00", "version": 2}
    )
    zhang = persona("rep_zhang")
    entries = timeline(zhang, record)["entries"]
    # The write that changed only the hidden field is not there at all.
    assert [e["type"] for e in entries] == ["updated", "created"]
    assert [c["field"] for c in entries[0]["changes"]] == ["phone"]
    assert "annual_revenue" not in str(entries)
    assert "annual_revenue" in str(timeline(admin, record))


def test_a_record_out_of_scope_is_not_found(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    theirs = account_of(admin, demo_org, "rep_liu", "别人的客户")
    zhang = persona("rep_zhang")
    missing = zhang.get("/records/account/01a24e9e-0000-7000-8000-000000000000/timeline")
    forbidden = zhang.get(f"/records/account/{theirs['id']}/timeline")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json()["code"] == missing.json()["code"]


def test_shares_show_to_those_who_may_share(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    record = account_of(admin, demo_org, "rep_wang", "共享客户")
    wang, zhang = persona("rep_wang"), persona("rep_zhang")
    clock.advance(minutes=1)
    wang.ok(
        "POST",
        f"/records/account/{record['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "read"},
    )
    entries = timeline(wang, record)["entries"]
    assert [e["type"] for e in entries] == ["shared", "created"]
    shared = entries[0]
    assert shared["shared_with"] == {
        "type": "user",
        "id": str(demo_org.users["rep_zhang"]),
        "name": "张伟 Zhang Wei",
    }
    assert shared["access"] == "read"
    assert shared["actor"]["id"] == str(demo_org.users["rep_wang"])
    # Zhang reads the record through the share but may not share it: no share entries,
    # as he may not list its shares either.
    assert [e["type"] for e in timeline(zhang, record)["entries"]] == ["created"]
    first = timeline(wang, record, limit=1)
    rest = timeline(wang, record, limit=1, cursor=first["next_cursor"])
    assert [e["type"] for e in first["entries"] + rest["entries"]] == ["shared", "created"]
    assert rest["next_cursor"] is None


def test_attaching_a_file_is_an_attachment_entry(
    admin: Api, demo_org: DemoOrg, clock: FixedClock
) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": "contract_scan", "type": "file", "label": "Contract scan"},
    )
    record = account_of(admin, demo_org, "rep_zhang", "附件客户")
    uploaded = admin.ok(
        "POST", "/files", 201, files={"file": ("合同.pdf", b"%PDF-1.4 fake", "application/pdf")}
    )
    clock.advance(minutes=1)
    admin.ok(
        "PATCH",
        f"/records/account/{record['id']}",
        json={"contract_scan": uploaded["id"], "version": 1},
    )
    clock.advance(minutes=1)
    admin.ok(
        "PATCH", f"/records/account/{record['id']}", json={"contract_scan": None, "version": 2}
    )
    entries = timeline(admin, record)["entries"]
    assert [e["type"] for e in entries] == ["attachment_removed", "attachment_added", "created"]
    added = entries[1]["changes"][0]
    assert added["field"] == "contract_scan" and added["old"] is None
    assert added["new"] == {
        "id": uploaded["id"],
        "name": "合同.pdf",
        "content_type": "application/pdf",
        "size": len(b"%PDF-1.4 fake"),
    }

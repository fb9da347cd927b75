"""Files attached to records: who may list, attach, download and remove them, the
timeline, and what deleting and purging the record does to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.files.tables import gx_attachment, gx_file
from tests.api.conftest import Api, Persona
from tests.statements import count_queries


def account_of(admin: Api, demo_org: DemoOrg, owner: str, name: str) -> dict[str, Any]:
    body = {"name": name, "owner_id": str(demo_org.users[owner])}
    return admin.ok("POST", "/records/account", 201, json=body)


def path_of(record: dict[str, Any]) -> str:
    return f"/records/account/{record['id']}/attachments"


def attach(api: Api, record: dict[str, Any], name: str, content: bytes, ctype: str) -> Any:
    return api.ok("POST", path_of(record), 201, files={"file": (name, content, ctype)})


def test_attach_list_download_and_remove_round_trip(
    rep_zhang: Api, admin: Api, demo_org: DemoOrg, clock: FixedClock
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "星辰科技")
    assert rep_zhang.ok("GET", path_of(record)) == {"attachments": [], "next_cursor": None}
    clock.advance(minutes=1)
    scan = attach(rep_zhang, record, "合同 扫描.pdf", b"%PDF-1.4 contract", "application/pdf")
    assert scan["file"]["name"] == "合同 扫描.pdf"
    assert scan["file"]["content_type"] == "application/pdf" and scan["file"]["size"] == 17
    assert scan["created_by"] == {"id": str(demo_org.users["rep_zhang"]), "name": "张伟 Zhang Wei"}
    assert scan["created_at"].startswith("2026-11-23T10:31:00")
    clock.advance(minutes=1)
    card = attach(rep_zhang, record, "../名片.png", b"\x89PNG card", "image/png")
    assert card["file"]["name"] == "名片.png"  # the safe-name rule of every upload

    listed = rep_zhang.ok("GET", path_of(record))
    assert [a["id"] for a in listed["attachments"]] == [card["id"], scan["id"]]
    assert listed["attachments"][1] == scan
    download = rep_zhang.get(f"/files/{scan['file']['id']}")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 contract"

    clock.advance(minutes=1)
    rep_zhang.ok("DELETE", f"{path_of(record)}/{scan['id']}", 204)
    assert [a["id"] for a in rep_zhang.ok("GET", path_of(record))["attachments"]] == [card["id"]]
    again = rep_zhang.delete(f"{path_of(record)}/{scan['id']}")
    assert again.status_code == 404 and again.json()["code"] == "not_found"


def test_the_timeline_shows_attaching_and_removing_with_the_file(
    rep_zhang: Api, admin: Api, demo_org: DemoOrg, clock: FixedClock
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "时间线客户")
    clock.advance(minutes=1)
    scan = attach(rep_zhang, record, "合同.pdf", b"%PDF", "application/pdf")
    clock.advance(minutes=1)
    rep_zhang.ok("DELETE", f"{path_of(record)}/{scan['id']}", 204)

    entries = rep_zhang.ok("GET", f"/records/account/{record['id']}/timeline")["entries"]
    assert [e["type"] for e in entries] == ["attachment_removed", "attachment_added", "created"]
    expected = [{"id": scan["id"], "file": scan["file"]}]
    assert entries[0]["attachments"] == expected and entries[1]["attachments"] == expected
    assert entries[0]["actor"]["name"] == "张伟 Zhang Wei"
    # Pages of one entry each follow the same keyset.
    cursor, seen = None, []
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = rep_zhang.ok("GET", f"/records/account/{record['id']}/timeline", params=params)
        seen += page["entries"]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == entries
    # The record itself is not changed: an open form stays current.
    assert rep_zhang.ok("GET", f"/records/account/{record['id']}")["version"] == 1
    history = rep_zhang.ok("GET", f"/records/account/{record['id']}/history")["entries"]
    assert [h["action"] for h in history] == ["create", "attach", "detach"]
    assert history[2]["old"]["name"] == "合同.pdf"


def test_a_rep_cannot_list_attach_remove_or_download_outside_their_scope(
    persona: Persona, admin: Api, demo_org: DemoOrg
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "华东客户")
    scan = attach(admin, record, "合同.pdf", b"%PDF secret", "application/pdf")
    liu = persona("rep_liu")  # South China: not in their scope
    for response in (
        liu.get(path_of(record)),
        liu.post(path_of(record), files={"file": ("x.txt", b"x", "text/plain")}),
        liu.delete(f"{path_of(record)}/{scan['id']}"),
        liu.get(f"/files/{scan['file']['id']}"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert len(admin.ok("GET", path_of(record))["attachments"]) == 1


def test_a_read_only_sharee_may_list_and_download_but_not_attach_or_remove(
    persona: Persona, admin: Api, demo_org: DemoOrg
) -> None:
    zhang, liu, sun = persona("rep_zhang"), persona("rep_liu"), persona("agent_sun")
    record = account_of(admin, demo_org, "rep_zhang", "共享客户")
    scan = attach(zhang, record, "合同.pdf", b"%PDF shared", "application/pdf")
    zhang.ok(
        "POST",
        f"/records/account/{record['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_liu"]), "access": "read"},
    )
    # A share for reading, and a role that reads every account but changes none.
    for reader in (liu, sun):
        assert [a["id"] for a in reader.ok("GET", path_of(record))["attachments"]] == [scan["id"]]
        assert reader.get(f"/files/{scan['file']['id']}").content == b"%PDF shared"
        refused = reader.post(path_of(record), files={"file": ("x.txt", b"x", "text/plain")})
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        assert reader.delete(f"{path_of(record)}/{scan['id']}").status_code == 403
    assert len(zhang.ok("GET", path_of(record))["attachments"]) == 1


def test_an_edit_sharee_may_attach(persona: Persona, admin: Api, demo_org: DemoOrg) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "编辑共享")
    persona("rep_zhang").ok(
        "POST",
        f"/records/account/{record['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_liu"]), "access": "edit"},
    )
    attach(persona("rep_liu"), record, "报价.pdf", b"%PDF", "application/pdf")


def test_a_read_only_token_may_list_but_not_attach(
    client: Any, installed_db: Database, clock: FixedClock, admin: Api, demo_org: DemoOrg
) -> None:
    from guanxi.platform.access.users import create_token

    record = account_of(admin, demo_org, "rep_zhang", "只读令牌")
    with installed_db.write() as conn:
        _, token = create_token(
            conn, demo_org.users["rep_zhang"], name="ro", now=clock.now(), scope="read"
        )
    reader = Api(client, token)
    reader.ok("GET", path_of(record))
    refused = reader.post(path_of(record), files={"file": ("x.txt", b"x", "text/plain")})
    assert refused.status_code == 403


def test_too_large_or_missing_uploads_are_refused_naming_the_file_field(
    admin: Api, demo_org: DemoOrg, installed_db: Database
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "大文件")
    big = admin.post(path_of(record), files={"file": ("big.bin", b"x" * ((1 << 20) + 1))})
    assert big.status_code == 422
    assert big.headers["content-type"] == "application/problem+json"
    assert big.json()["errors"][0]["field"] == "file"
    assert big.json()["errors"][0]["code"] == "too_large"
    missing = admin.post(path_of(record), data={"other": "x"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
    assert admin.ok("GET", path_of(record))["attachments"] == []
    with installed_db.read() as conn:
        assert conn.execute(select(func.count()).select_from(gx_file)).scalar_one() == 0


def test_unknown_objects_records_and_cursors(admin: Api, demo_org: DemoOrg) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "光标")
    assert (
        admin.get("/records/nothing/0190a000-0000-7000-8000-000000000000/attachments").status_code
        == 404
    )
    missing = admin.get("/records/account/0190a000-0000-7000-8000-000000000000/attachments")
    assert missing.status_code == 404
    bad = admin.get(path_of(record), params={"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_pages_follow_each_other_with_a_bounded_number_of_statements(
    admin: Api, demo_org: DemoOrg, clock: FixedClock, installed_db: Database
) -> None:
    record = account_of(admin, demo_org, "rep_zhang", "分页")
    made = []
    for n in range(5):
        if n != 2:  # two at the same instant: the id orders them
            clock.advance(seconds=1)
        made.append(attach(admin, record, f"{n}.txt", b"n", "text/plain")["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        with count_queries(installed_db) as statements:
            page = admin.ok("GET", path_of(record), params=params)
        assert len(statements) <= 6, statements  # credentials, snapshot, record, page
        seen += [a["id"] for a in page["attachments"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == made[::-1]


def test_deleting_keeps_attachments_and_purging_removes_them_with_their_files(
    admin: Api, demo_org: DemoOrg, installed_db: Database, tmp_path: Path
) -> None:
    admin.ok(
        "POST",
        "/meta/objects/contact/fields",
        201,
        json={"name": "card", "type": "file", "label": {"en": "Card", "zh-CN": "名片"}},
    )
    record = account_of(admin, demo_org, "rep_zhang", "清理")
    kept = attach(admin, record, "合同.pdf", b"%PDF kept", "application/pdf")
    shared = attach(admin, record, "名片.png", b"\x89PNG shared", "image/png")
    removed = attach(admin, record, "旧合同.pdf", b"%PDF old", "application/pdf")
    admin.ok("DELETE", f"{path_of(record)}/{removed['id']}", 204)
    # Another record's file field refers to one of the files: it stays.
    admin.ok("POST", "/records/contact", 201, json={"name": "刘洋", "card": shared["file"]["id"]})
    stored = sorted((tmp_path / "files").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 3

    admin.ok("DELETE", f"/records/account/{record['id']}", 204)
    assert admin.get(path_of(record)).status_code == 404  # in the recycle bin
    admin.ok("POST", f"/records/account/{record['id']}/restore")
    assert len(admin.ok("GET", path_of(record))["attachments"]) == 2

    admin.ok("DELETE", f"/records/account/{record['id']}", 204)
    admin.ok("DELETE", f"/recycle-bin/account/{record['id']}", 204)
    with installed_db.read() as conn:
        assert conn.execute(select(func.count()).select_from(gx_attachment)).scalar_one() == 0
        left = set(conn.execute(select(gx_file.c.id)).scalars())
    assert {str(i) for i in left} == {shared["file"]["id"]}
    assert admin.get(f"/files/{kept['file']['id']}").status_code == 404
    assert admin.get(f"/files/{removed['file']['id']}").status_code == 404
    assert admin.get(f"/files/{shared['file']['id']}").content == b"\x89PNG shared"
    files_left = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert [p.name for p in files_left] == [shared["file"]["id"].replace("-", "")]

"""Global search over HTTP: what each persona finds, and what it never finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from guanxi.api import search as search_api
from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.search import indexer as indexer_module
from guanxi.platform.search import service
from guanxi.platform.search.indexer import Indexer
from guanxi.platform.search.tables import gx_search
from tests.api.conftest import Api, Persona
from tests.stepping import SteppedTime


def titles(api: Api, q: str, **params: Any) -> dict[str, set[str]]:
    body = api.ok("GET", "/search", params={"q": q, **params})
    return {g["object"]: {r["title"] for r in g["records"]} for g in body["results"]}


def test_the_response_keeps_its_shape(admin: Api) -> None:
    record = admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "杭州华信物流有限公司", "email": "info@huaxin.cn", "phone": "0571-2746 8188"},
    )
    body = admin.ok("GET", "/search", params={"q": "华信", "limit": 2})
    assert body == {
        "query": "华信",
        "results": [
            {
                "object": "account",
                "label": {"en": "Account", "zh-CN": "客户"},
                "records": [
                    {
                        "id": record["id"],
                        "title": "杭州华信物流有限公司",
                        "matched": ["name"],
                        "fields": {
                            "name": "杭州华信物流有限公司",
                            "account_no": record["account_no"],
                            "phone": "+8657127468188",
                            "email": "info@huaxin.cn",
                        },
                    }
                ],
            }
        ],
        "index_pending": False,
    }
    assert admin.ok("GET", "/search", params={"q": "571 2746"})["results"][0]["records"][0][
        "matched"
    ] == ["phone"]
    assert admin.get("/search", params={"q": " "}).status_code == 422
    assert admin.get("/search", params={"q": "x" * 101}).status_code == 422


def test_two_character_names_case_insensitive_latin_emails_and_phones(admin: Api) -> None:
    admin.ok(
        "POST",
        "/records/contact/bulk",
        201,
        json={
            "records": [
                {"name": "张伟", "mobile": "+86 139 1234 5678", "email": "zhang.wei@acme.cn"},
                {"name": "Grace LEWIS", "mobile": "13800138000"},
            ]
        },
    )
    assert titles(admin, "张伟") == {"contact": {"张伟"}}
    assert titles(admin, "lewis") == {"contact": {"Grace LEWIS"}}
    assert titles(admin, "ace le") == {"contact": {"Grace LEWIS"}}
    assert titles(admin, "wei@ACME") == {"contact": {"张伟"}}
    assert titles(admin, "139-1234") == {"contact": {"张伟"}}
    assert titles(admin, "+86 139 1234 5678") == {"contact": {"张伟"}}
    assert titles(admin, "1380013") == {"contact": {"Grace LEWIS"}}


def test_query_syntax_characters_are_plain_text(admin: Api) -> None:
    admin.ok("POST", "/records/account", 201, json={"name": 'A "quoted" AND* NEAR(b) -c:d'})
    for q in ('"', "*", "AND", "NEAR(", "-", ":", '"quoted" AND*', "NEAR(b) -c:d", "a' OR 1=1 --"):
        assert admin.get("/search", params={"q": q}).status_code == 200, q
    assert titles(admin, '"quoted" AND*') == {"account": {'A "quoted" AND* NEAR(b) -c:d'}}
    assert titles(admin, "NEAR(b) -c:d") == {"account": {'A "quoted" AND* NEAR(b) -c:d'}}


def test_a_rep_never_finds_another_reps_accounts(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    for owner, name in (("rep_zhang", "星辰张伟专属客户"), ("rep_wang", "星辰王芳专属客户")):
        admin.ok(
            "POST",
            "/records/account",
            201,
            json={"name": name, "owner_id": str(demo_org.users[owner])},
        )
    zhang = persona("rep_zhang")
    assert titles(zhang, "王芳专属") == {}
    assert titles(zhang, "星辰") == {"account": {"星辰张伟专属客户"}}
    assert titles(persona("rep_wang"), "专属客户") == {"account": {"星辰王芳专属客户"}}
    assert titles(persona("manager_zhou"), "专属客户") == {
        "account": {"星辰张伟专属客户", "星辰王芳专属客户"}
    }


def test_a_hidden_field_never_makes_a_record_match_nor_appears(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    rep_role = demo_org.roles["Sales rep"]
    admin.ok(
        "PATCH",
        f"/admin/roles/{rep_role}",
        json={
            "fields": {
                "account.annual_revenue": "hidden",
                "account.email": "hidden",
                "contact.mobile": "hidden",
            }
        },
    )
    zhang = str(demo_org.users["rep_zhang"])
    admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "张伟的客户", "email": "boss@secretdomain.cn", "owner_id": zhang},
    )
    admin.ok(
        "POST",
        "/records/contact",
        201,
        json={"name": "赵六", "mobile": "13912345678", "owner_id": zhang},
    )
    rep = persona("rep_zhang")
    assert titles(rep, "secretdomain") == {}
    assert titles(rep, "139 1234") == {}
    assert titles(admin, "secretdomain") == {"account": {"张伟的客户"}}
    assert titles(admin, "139 1234") == {"contact": {"赵六"}}
    hit = rep.ok("GET", "/search", params={"q": "张伟的"})["results"][0]["records"][0]
    assert "email" not in hit["fields"] and hit["matched"] == ["name"]
    contact = rep.ok("GET", "/search", params={"q": "赵六"})["results"][0]["records"][0]
    assert "mobile" not in contact["fields"]


def test_records_made_renamed_deleted_and_restored_through_the_api(admin: Api) -> None:
    record = admin.ok("POST", "/records/account", 201, json={"name": "苏州启明智能制造"})
    assert titles(admin, "启明") == {"account": {"苏州启明智能制造"}}
    admin.ok("PATCH", f"/records/account/{record['id']}", json={"name": "苏州天成", "version": 1})
    assert titles(admin, "启明") == {}
    assert titles(admin, "天成") == {"account": {"苏州天成"}}
    admin.ok("DELETE", f"/records/account/{record['id']}", 204)
    assert titles(admin, "天成") == {}
    admin.ok("POST", f"/records/account/{record['id']}/restore")
    assert titles(admin, "天成") == {"account": {"苏州天成"}}


def test_a_field_made_searchable_by_an_administrator_is_found(admin: Api) -> None:
    admin.ok("POST", "/records/contact", 201, json={"name": "钱七", "title": "采购总监"})
    assert titles(admin, "采购") == {}
    admin.ok("PATCH", "/meta/objects/contact/fields/title", json={"searchable": True})
    assert titles(admin, "采购") == {"contact": {"钱七"}}


def test_a_narrow_scope_still_finds_its_records_behind_many_candidates(
    admin: Api, persona: Persona, demo_org: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CANDIDATES", 3)  # so a handful of records is "many"
    wang = str(demo_org.users["rep_wang"])
    admin.ok(
        "POST",
        "/records/account/bulk",
        201,
        json={"records": [{"name": f"上海星辰{i}号", "owner_id": wang} for i in range(6)]},
    )
    admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "上海星辰张伟店", "owner_id": str(demo_org.users["rep_zhang"])},
    )
    assert titles(persona("rep_zhang"), "上海星辰") == {"account": {"上海星辰张伟店"}}
    assert len(titles(admin, "上海星辰")["account"]) == 5


def test_the_server_indexes_new_records_in_the_background(
    admin: Api, installed_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    """The app starts an indexer with the server: records are indexed without any search."""
    settings = Settings(files_dir=tmp_path / "files", search_index_interval=0.5)
    app = create_app(settings, db=installed_db, clock=clock)
    services = app.state.services
    # The app's own indexer, on a clock the test moves: it looks when the test says so.
    time = SteppedTime()
    services.indexer = Indexer(
        installed_db, services.registry, interval=0.5, monotonic=time, wait=time.wait
    )
    with TestClient(app) as client:
        try:
            writer = Api(client, admin.headers["Authorization"].removeprefix("Bearer "))
            writer.ok(
                "POST", "/records/account/bulk", 201, json={"records": [{"name": "后台索引"}]}
            )
            assert indexed(installed_db) == 0
            time.look()
            assert indexed(installed_db) == 1
        finally:
            time.stop()


def test_write_requests_hold_the_background_indexer_off_and_reads_do_not(
    admin: Api, installed_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    """The thread yields to writes (ADR 0010); a look an hour after them indexes at once."""
    settings = Settings(files_dir=tmp_path / "files", search_index_interval=3600)
    app = create_app(settings, db=installed_db, clock=clock)
    user = Api(TestClient(app), admin.headers["Authorization"].removeprefix("Bearer "))
    indexer = app.state.services.indexer
    user.ok("GET", "/records/account")
    assert not indexer.yielding()
    user.ok("POST", "/records/account", 201, json={"name": "前台写入"})
    assert indexer.yielding()


def indexed(db: Database) -> int:
    with db.read() as conn:
        return len(conn.execute(select(gx_search.c.id)).all())


def test_a_search_during_a_large_backlog_answers_and_says_the_index_is_catching_up(
    admin: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_api, "SEARCH_CATCH_UP", 1)
    for batch in range(2):
        rows = [{"name": f"积压{batch}号{i}"} for i in range(3)]
        admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})
    first = admin.ok("GET", "/search", params={"q": "积压"})
    assert first["index_pending"] is True
    assert {r["title"] for r in first["results"][0]["records"]} == {f"积压0号{i}" for i in range(3)}
    second = admin.ok("GET", "/search", params={"q": "积压", "limit": 10})
    assert second["index_pending"] is False
    assert len(second["results"][0]["records"]) == 6


def test_search_still_answers_when_indexing_fails(
    admin: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    admin.ok("POST", "/records/account", 201, json={"name": "已索引科技"})
    assert admin.ok("GET", "/search", params={"q": "科技"})["index_pending"] is False
    admin.ok("POST", "/records/account", 201, json={"name": "未索引科技"})

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(indexer_module, "drain", broken)
    body = admin.ok("GET", "/search", params={"q": "科技"})
    assert body["index_pending"] is True
    assert {r["title"] for r in body["results"][0]["records"]} == {"已索引科技"}
    assert "catching up the index failed" in caplog.text

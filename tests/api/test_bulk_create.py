"""Bulk create as a client meets it: exact values, per-row errors, clashes the database finds."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.platform.records import inserts, service
from tests.api.conftest import Api
from tests.api.test_custom_object_journey import make_equipment

TRICKY = ["\\N", "NULL", "a\tb", "back\\slash \\.", "引号\"'", "\\\\N", "x\\ty"]
# More rows than FEW_ROWS, so the batch goes through executemany / COPY.
BATCH = [f"{text}{n}" for n in range(2) for text in TRICKY]


def test_tabs_newlines_backslashes_and_null_like_text_are_stored_exactly(admin: Api) -> None:
    rows = [
        {
            "name": text,
            "description": f"line 1\n{text}\r\nline 3\\.\n",
            "tags": [text, "tab\there"],
            "address": {"street": f"{text}路1号", "city": "\\N"},
        }
        for text in BATCH
    ]
    assert len(rows) >= inserts.FEW_ROWS
    created = admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})["records"]
    for text, record in zip(BATCH, created, strict=True):
        stored = admin.ok("GET", f"/records/account/{record['id']}?access=false")
        assert stored == record
        assert stored["name"] == text
        assert stored["description"] == f"line 1\n{text}\nline 3\\."
        assert stored["tags"] == [text, "tab\there"]
        assert stored["address"]["street"] == f"{text}路1号"
        assert stored["address"]["city"] == "\\N"


def test_returned_records_are_what_a_read_returns(admin: Api) -> None:
    rows: list[dict[str, Any]] = [
        {
            "name": "  杭州云帆电子商务有限公司 ",
            "industry": "retail",
            "level": "key",
            "phone": "0571-8888 1234",
            "email": "Info@YunFan.CN",
            "website": "yunfan.cn",
            "annual_revenue": {"amount": "27236000.5", "currency": "USD"},
            "employees": "120",
            "address": {"country": "cn", "province": "浙江省", "postcode": "310000"},
            "tags": ["VIP", " VIP ", "华东"],
            "last_activity_at": "2026-11-23T18:00:00",
        },
        {"name": "Acme", "phone": "+8613800138000", "annual_revenue": 99.9, "tags": []},
    ]
    created = admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})["records"]
    read = [admin.ok("GET", f"/records/account/{r['id']}?access=false") for r in created]
    assert read == created
    first, second = created
    assert first["name"] == "杭州云帆电子商务有限公司"
    assert first["phone"] == "+8657188881234"
    assert first["annual_revenue"] == {"amount": "27236000.50", "currency": "USD"}
    assert first["employees"] == 120 and first["status"] == "prospect"
    assert first["last_activity_at"] == "2026-11-23T18:00:00+08:00"
    assert second["annual_revenue"] == {"amount": "99.90", "currency": "CNY"}
    assert second["tags"] is None and second["account_no"] == "ACC-2026-000002"


def test_with_all_or_none_false_good_rows_land_and_bad_rows_are_named(admin: Api) -> None:
    make_equipment(admin)
    rows = [
        {"serial_no": "EQ-1", "price": "10.50", "installed_on": "2026-02-28"},
        {"serial_no": "EQ-2", "price": "1.005"},
        {"serial_no": "EQ-1", "status": "active"},
        {"serial_no": "EQ-4", "status": "broken", "installed_on": "2026-02-30"},
        {"serial_no": "EQ-5", "status": "repair", "price": 7},
        {"price": "3"},
        *({"serial_no": f"EQ-{n}", "price": n} for n in range(6, 6 + inserts.FEW_ROWS)),
    ]
    response = admin.post("/records/equipment/bulk", json={"records": rows, "all_or_none": False})
    assert response.status_code == 207
    body = response.json()
    good = ["EQ-1", "EQ-5", *(f"EQ-{n}" for n in range(6, 6 + inserts.FEW_ROWS))]
    assert [r["serial_no"] for r in body["records"]] == good
    assert sorted((e["index"], e["field"], e["code"]) for e in body["errors"]) == [
        (1, "price", "scale"),
        (2, "serial_no", "duplicate"),
        (3, "installed_on", "type"),
        (3, "status", "invalid_option"),
        (5, "serial_no", "required"),
    ]
    listed = admin.ok(
        "POST",
        "/records/equipment/query",
        json={"sort": ["serial_no"], "with_total": True, "access": False},
    )
    assert listed["total"] == len(good)
    assert {r["serial_no"]: r for r in listed["records"]} == {
        r["serial_no"]: r for r in body["records"]
    }
    assert body["records"][1]["price"] == "7.00"


@pytest.fixture
def concurrent_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if another request wrote the same unique values between the check and the insert:
    only the database's unique index can catch the clash."""
    monkeypatch.setattr(service, "check_unique", lambda *args, **kwargs: [])


def test_a_clash_only_the_database_finds_is_409_and_nothing_is_written(
    admin: Api, concurrent_writer: None
) -> None:
    make_equipment(admin)
    admin.ok("POST", "/records/equipment/bulk", 201, json={"records": [{"serial_no": "EQ-1"}]})
    others = [{"serial_no": f"OK-{n}"} for n in range(inserts.FEW_ROWS)]  # the driver path
    for rows in (
        [{"serial_no": "EQ-2"}, *others, {"serial_no": "EQ-2"}],  # within the batch
        [*others, {"serial_no": "EQ-1"}],  # with a stored record
        [{"serial_no": "EQ-3"}, {"serial_no": "EQ-1"}],  # a few rows: insert()
    ):
        for all_or_none in (True, False):
            response = admin.post(
                "/records/equipment/bulk", json={"records": rows, "all_or_none": all_or_none}
            )
            assert response.status_code == 409, response.text
            problem = response.json()
            assert problem["code"] == "conflict"
            [error] = problem["errors"]
            assert (error["field"], error["code"]) == ("record", "integrity")
            assert "unique" in error["message"].lower()
    listed = admin.ok("POST", "/records/equipment/query", json={"with_total": True})
    assert listed["total"] == 1 and listed["records"][0]["serial_no"] == "EQ-1"


def test_a_row_that_is_not_an_object_is_named_by_its_index(admin: Api) -> None:
    rows: list[Any] = [{"name": "甲公司"}, "乙公司", None, [1], {"name": "丁公司"}]
    response = admin.post("/records/account/bulk", json={"records": rows})
    assert response.status_code == 422
    assert [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]] == [
        (1, "record", "type"),
        (2, "record", "type"),
        (3, "record", "type"),
    ]
    assert admin.ok("POST", "/records/account/query", json={"with_total": True})["total"] == 0
    assert admin.post("/records/account/bulk", json={"records": "甲公司"}).status_code == 422

"""Odd input to the record, audit and token endpoints is a 422 naming the bad parameter, never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.tables import gx_api_token
from tests.api.conftest import Api


def fields_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("tree", ["[]", "1", '"x"', "null", "true"])
def test_a_filter_that_is_not_an_object_is_named(admin: Api, tree: str) -> None:
    listed = admin.get("/records/account", params={"filter": tree})
    if tree == "null":  # no filter at all
        assert listed.status_code == 200, listed.text
        return
    assert fields_of(listed) == ["filter"]
    # the same answer as the query endpoint gives for the same tree
    queried = admin.post("/records/account/query", json={"filter": json.loads(tree)})
    assert listed.json()["errors"] == queried.json()["errors"]


@pytest.fixture
def account(admin: Api) -> dict[str, Any]:
    return admin.ok("POST", "/records/account", 201, json={"name": "Acme"})  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "if_match", ['"' + "9" * 5000 + '"', '"9223372036854775808"', '"0"', "W/", '"-1"']
)
def test_an_if_match_that_is_no_version_is_named(
    admin: Api, account: dict[str, Any], if_match: str
) -> None:
    response = admin.patch(
        f"/records/account/{account['id']}", json={"name": "B"}, headers={"If-Match": if_match}
    )
    assert fields_of(response) == ["If-Match"]
    assert admin.ok("GET", f"/records/account/{account['id']}")["name"] == "Acme"


@pytest.mark.parametrize("version", [True, False, "1", 1.0, 0, -1, 2**63, [1], {"v": 1}])
def test_a_body_version_that_is_no_version_is_named(
    admin: Api, account: dict[str, Any], version: Any
) -> None:
    response = admin.patch(
        f"/records/account/{account['id']}", json={"name": "B", "version": version}
    )
    assert fields_of(response) == ["version"]
    assert "must be an integer" in response.json()["errors"][0]["message"]
    bulk = admin.patch(
        "/records/account/bulk",
        json={"records": [{"id": account["id"], "name": "B", "version": version}]},
    )
    assert fields_of(bulk) == ["version"]
    assert bulk.json()["errors"][0]["index"] == 0
    assert admin.ok("GET", f"/records/account/{account['id']}")["name"] == "Acme"


def test_a_good_version_still_updates(admin: Api, account: dict[str, Any]) -> None:
    url = f"/records/account/{account['id']}"
    assert admin.ok("PATCH", url, json={"name": "B", "version": 1})["version"] == 2
    assert admin.ok("PATCH", url, json={"name": "C"}, headers={"If-Match": '"2"'})["name"] == "C"
    missing = admin.patch(url, json={"name": "D", "version": None})
    assert missing.status_code == 428
    stale = admin.patch(url, json={"name": "D", "version": 2**63 - 1})
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"before_id": 2**63}, "before_id", "must be a 64-bit integer"),
        ({"before_id": -(2**63) - 1}, "before_id", "must be a 64-bit integer"),
        ({"since": "2020-01-01T00:00:00"}, "since", "needs a time zone offset"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since", "must be between"),
        ({"since": "1699-12-31T23:59:59Z"}, "since", "must be between"),
        ({"since": "9999-12-31T23:59:59-12:00"}, "since", "must be between"),
    ],
)
def test_an_audit_page_outside_what_is_stored_is_named(
    admin: Api, params: dict[str, Any], field: str, message: str
) -> None:
    response = admin.get("/admin/audit", params=params)
    assert fields_of(response) == [field]
    assert message in response.json()["errors"][0]["message"]


def test_an_audit_page_at_the_edges_is_answered(admin: Api) -> None:
    for params in (
        {"before_id": 2**63 - 1},
        {"since": "1700-01-01T00:00:00Z"},
        {"since": "4000-12-31T23:59:59Z"},
        {"since": "2020-01-01T08:00:00+08:00"},
    ):
        admin.ok("GET", "/admin/audit", params=params)
    assert (
        admin.ok("GET", "/admin/audit", params={"since": "4000-12-31T23:59:59Z"})["entries"] == []
    )


@pytest.mark.parametrize(
    "expires_at", ["9999-12-31T23:59:59-12:00", "4001-01-01T00:00:00Z", "2030-01-01T00:00:00"]
)
def test_a_token_expiry_outside_what_is_stored_is_named(admin: Api, expires_at: str) -> None:
    response = admin.post(
        "/auth/tokens",
        json={"name": "far", "expires_at": expires_at, "current_password": "correct horse 1"},
    )
    assert fields_of(response) == ["expires_at"]
    assert [t["name"] for t in admin.ok("GET", "/auth/tokens")["tokens"]] == ["tests"]


def test_a_stored_far_future_expiry_is_listed_in_utc(
    admin: Api, installed_db: Database, clock: FixedClock
) -> None:
    admin.ok(
        "POST",
        "/auth/tokens",
        201,
        json={
            "name": "later",
            "expires_at": "4000-12-31T00:00:00Z",
            "current_password": "correct horse 1",  # the admin persona's
        },
    )
    [me] = [t for t in admin.ok("GET", "/auth/tokens")["tokens"] if t["name"] == "tests"]
    with installed_db.write() as conn:  # stored before expiries were checked
        conn.execute(
            update(gx_api_token)
            .where(gx_api_token.c.id == UUID(me["id"]))
            .values(expires_at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
        )
    listed = {t["name"]: t["expires_at"] for t in admin.ok("GET", "/auth/tokens")["tokens"]}
    assert listed == {"tests": "9999-12-31T23:00:00+00:00", "later": "4000-12-31T08:00:00+08:00"}


@pytest.mark.parametrize("position", [1e30, 2**63, -1, 1_000_001, 1.5, True, "3"])
def test_a_field_position_outside_0_to_a_million_is_named(admin: Api, position: Any) -> None:
    spec = {"name": "rank", "type": "text", "label": "Rank", "position": position}
    assert fields_of(admin.post("/meta/objects/account/fields", json=spec)) == ["position"]
    admin.ok("POST", "/meta/objects/account/fields", 201, json={**spec, "position": 1_000_000})
    patched = admin.patch("/meta/objects/account/fields/rank", json={"position": position})
    assert fields_of(patched) == ["position"]
    assert admin.ok("PATCH", "/meta/objects/account/fields/rank", json={"position": 0})


def numbered_object(admin: Api, start: Any) -> Any:
    admin.ok("POST", "/meta/objects", 201, json={"name": "agreement", "label": "Agreement"})
    spec = {"name": "no", "type": "auto_number", "label": "No.", "format": "HT-{0}"}
    return admin.post("/meta/objects/agreement/fields", json={**spec, "start": start})


@pytest.mark.parametrize("start", [1e30, 2**63 - 1, 10**9 + 1, -1, 2.0, True])
def test_an_auto_number_start_outside_0_to_10_9_is_named(admin: Api, start: Any) -> None:
    assert fields_of(numbered_object(admin, start)) == ["start"]


def test_the_largest_auto_number_start_keeps_counting(admin: Api) -> None:
    assert numbered_object(admin, 10**9).status_code == 201
    numbers = [admin.ok("POST", "/records/agreement", 201, json={})["no"] for _ in range(2)]
    assert numbers == [f"HT-{10**9}", f"HT-{10**9 + 1}"]

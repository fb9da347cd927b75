"""``with_total`` through the API: exact up to GUANXI_COUNT_LIMIT, "at least" beyond it,
always within the caller's data scope (ADR 0019). The limit here is 3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona
from tests.api.test_openapi import document

LIMIT = 3


@pytest.fixture
def client(installed_db: Database, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(files_dir=tmp_path / "files", search_index_interval=0, count_limit=LIMIT)
    with TestClient(create_app(settings, db=installed_db, clock=clock)) as test_client:
        yield test_client


def _accounts(admin: Api, demo_org: DemoOrg, owner: str, count: int, tag: str) -> list[str]:
    rows = [
        {"name": f"{tag}{i}", "owner_id": str(demo_org.users[owner]), "employees": i}
        for i in range(count)
    ]
    created = admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})
    return [r["id"] for r in created["records"]]


def _totals(api: Api, **body: Any) -> tuple[Any, Any, Any]:
    page = api.ok("POST", "/records/account/query", json={"with_total": True, **body})
    return page["total"], page["total_relation"], page["total_estimate"]


def test_past_the_limit_the_total_says_at_least_with_an_estimate_on_postgresql(
    admin: Api, demo_org: DemoOrg, installed_db: Database
) -> None:
    _accounts(admin, demo_org, "rep_liu", 5, "华南")
    total, relation, estimate = _totals(admin, limit=2)
    assert (total, relation) == (LIMIT, "gte")
    if installed_db.engine.dialect.name == "postgresql":
        assert isinstance(estimate, int) and estimate >= LIMIT + 1
    else:  # SQLite has no row estimate
        assert estimate is None
    listed = admin.ok("GET", "/records/account", params={"with_total": "true", "limit": 2})
    assert (listed["total"], listed["total_relation"]) == (LIMIT, "gte")
    assert len(listed["records"]) == 2 and listed["next_cursor"]

    three = {"field": "employees", "op": "lte", "value": 2}
    assert _totals(admin, filter=three) == (3, "eq", None)
    assert _totals(admin, filter={"field": "employees", "op": "gt", "value": 2}) == (2, "eq", None)
    plain = admin.ok("POST", "/records/account/query", json={"limit": 1})
    assert (plain["total"], plain["total_relation"], plain["total_estimate"]) == (None, None, None)


def test_a_reps_total_counts_only_their_records_and_follows_writes(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    mine = _accounts(admin, demo_org, "rep_zhang", 3, "华东")
    _accounts(admin, demo_org, "rep_liu", 5, "华南")
    zhang = persona("rep_zhang")
    assert _totals(zhang) == (3, "eq", None)
    assert _totals(admin)[:2] == (LIMIT, "gte")

    mine += _accounts(admin, demo_org, "rep_zhang", 1, "新")
    assert _totals(zhang)[:2] == (LIMIT, "gte")
    admin.ok("DELETE", f"/records/account/{mine[0]}", 204)
    assert _totals(zhang) == (3, "eq", None)
    admin.ok("DELETE", f"/records/account/{mine[1]}", 204)
    assert _totals(zhang) == (2, "eq", None)
    # Their manager's scope takes in both reps under him, still within the limit's meaning.
    assert _totals(persona("manager_zhou")) == (2, "eq", None)


def test_the_total_is_the_same_on_every_page(admin: Api, demo_org: DemoOrg) -> None:
    _accounts(admin, demo_org, "rep_wang", 3, "华东")
    cursor = None
    totals = []
    while True:
        page = admin.ok(
            "POST",
            "/records/account/query",
            json={"with_total": True, "limit": 1, "sort": ["employees"], "cursor": cursor},
        )
        totals.append((page["total"], page["total_relation"]))
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert totals == [(3, "eq")] * 3


def test_the_document_describes_the_totals_fields(admin: Api) -> None:
    listing = document(admin)["paths"]["/api/v1/records/account"]["get"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["properties"]["total_relation"]["enum"] == ["eq", "gte", None]
    assert page["properties"]["total_estimate"]["type"] == ["integer", "null"]


def test_the_count_limit_defaults_to_ten_thousand_and_is_at_least_one() -> None:
    assert Settings(_env_file=None).count_limit == 1_000
    with pytest.raises(ValueError, match="count_limit"):
        Settings(_env_file=None, count_limit=0)

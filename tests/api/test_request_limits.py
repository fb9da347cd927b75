"""Bounded work for every request: lookup paths, joins, and the database's time budget.

A low-privilege user probing the API found filters that reached through more lookups
than a path may, filter trees whose joins made a PostgreSQL backend grow without bound,
and queries that could hold a SQLite server's event loop for as long as they ran.
"""

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
from tests.api.conftest import Api
from tests.statements import count_queries


def cond(path: str, op: str = "eq", value: Any = "x") -> dict[str, Any]:
    return {"field": path, "op": op, "value": value}


@pytest.fixture
def chain(admin: Api) -> Api:
    """Accounts with a ``parent`` account: paths as deep as anyone likes
    (``account.parent.parent.parent.name``), and a contact at the bottom."""
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": "parent", "type": "lookup", "label": {"en": "Parent"}, "target": "account"},
    )
    top = admin.ok("POST", "/records/account", 201, json={"name": "集团"})["id"]
    middle = admin.ok("POST", "/records/account", 201, json={"name": "华东", "parent": top})["id"]
    low = admin.ok("POST", "/records/account", 201, json={"name": "上海", "parent": middle})["id"]
    admin.ok("POST", "/records/contact", 201, json={"name": "李雷", "account": low})
    return admin


def query(api: Api, body: dict[str, Any]) -> Any:
    return api.post("/records/contact/query", json=body)


def test_a_filter_through_four_lookups_is_refused_naming_the_path_and_the_limit(
    chain: Api,
) -> None:
    path = "account.parent.parent.parent.name"
    response = query(chain, {"filter": cond(path)})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == path
    assert "3 lookups" in problem["errors"][0]["message"]


@pytest.mark.parametrize("lookups", [4, 5, 7, 12])
def test_deeper_paths_are_refused_in_filters_under_not_and_or(chain: Api, lookups: int) -> None:
    path = "account" + ".parent" * (lookups - 1) + ".name"
    for flt in (
        cond(path),
        {"not": cond(path)},
        {"or": [cond("name"), cond(path, "ne")]},
        cond(path, "is_null", False),
    ):
        response = query(chain, {"filter": flt})
        assert response.status_code == 422, (flt, response.text)
        assert response.json()["errors"][0]["field"] == path


def test_every_place_that_takes_a_path_refuses_four_lookups(chain: Api) -> None:
    path = "account.parent.parent.parent.name"
    for body in (
        {"sort": [{"field": path}]},
        {"fields": ["name", path]},
        {"filter": {"not": cond(path, "is_null", True)}},
    ):
        response = query(chain, body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["code"] == "too_many_lookups"


def test_three_lookups_still_reach_their_record(chain: Api) -> None:
    path = "account.parent.parent.name"
    page = chain.ok(
        "POST",
        "/records/contact/query",
        json={"filter": cond(path, "eq", "集团"), "fields": ["name", path], "sort": [path]},
    )
    assert [(r["name"], r[path]) for r in page["records"]] == [("李雷", "集团")]


def test_a_formula_cannot_carry_a_filter_past_three_lookups(chain: Api) -> None:
    chain.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "group_name",
            "type": "formula",
            "label": {"en": "Group"},
            "expression": "parent.parent.name",
        },
    )
    assert (
        chain.ok(
            "POST",
            "/records/contact/query",
            json={"filter": cond("account.group_name", "eq", "集团")},
        )["records"][0]["name"]
        == "李雷"
    )
    too_deep = {"name": "far", "type": "formula", "label": {"en": "Far"}}
    response = chain.post(
        "/meta/objects/contact/fields",
        json={**too_deep, "expression": "account.parent.parent.parent.name"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "expression"
    # account.parent.group_name is account.parent.parent.parent.name: four lookups.
    for flt in (cond("account.parent.group_name"), {"not": cond("account.parent.group_name")}):
        response = query(chain, {"filter": flt})
        assert response.status_code == 422, (flt, response.text)


def test_an_or_of_many_conditions_through_lookups_is_refused_before_it_reaches_the_database(
    chain: Api,
) -> None:
    deep = {"or": [cond("account.parent.parent.name", "eq", f"n{i}") for i in range(400)]}
    response = query(chain, {"filter": deep})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == "too_many_joins"
    # Under NOT the same conditions are LEFT JOINs, one per distinct path: few, and allowed.
    negated = {"not": deep}
    assert chain.ok("POST", "/records/contact/query", json={"filter": negated})["records"]


def test_a_handful_of_conditions_through_lookups_is_fine(chain: Api) -> None:
    flt = {"or": [cond("account.parent.parent.name", "eq", f"n{i}") for i in range(10)]}
    flt["or"].append(cond("account.parent.parent.name", "eq", "集团"))
    assert len(chain.ok("POST", "/records/contact/query", json={"filter": flt})["records"]) == 1


def test_naming_a_lookup_to_include_many_times_embeds_it_with_one_query(
    chain: Api, installed_db: Database
) -> None:
    body = {"include": ["account"] * 1000, "fields": ["name", "account"]}
    with count_queries(installed_db) as statements:
        page = chain.ok("POST", "/records/contact/query", json=body)
    assert page["records"][0]["_related"]["account"]["name"] == "上海"
    assert sum("o_account" in s for s in statements) == 1


# -- the database's time limit -----------------------------------------------------------


@pytest.fixture
def hurried(admin: Api, installed_db: Database, clock: FixedClock, tmp_path: Path) -> Iterator[Api]:
    """Admin Wang on a second app over the same database whose query time limit is 50 ms,
    with 2,000 contacts to search through."""
    for start in range(0, 2000, 1000):
        rows = [{"name": f"联系人 {i}"} for i in range(start, start + 1000)]
        admin.ok("POST", "/records/contact/bulk", 201, json={"records": rows})
    url = installed_db.url.render_as_string(hide_password=False)
    db = Database(url, schema=installed_db.schema, query_timeout=0.05)
    settings = Settings(files_dir=tmp_path / "files", search_index_interval=0)
    with TestClient(create_app(settings, db=db, clock=clock)) as client:
        yield Api(client, admin.headers["Authorization"].removeprefix("Bearer "))
    db.dispose()


def test_a_request_past_the_query_time_limit_answers_503_and_the_server_goes_on(
    hurried: Api,
) -> None:
    # 499 substring conditions on each of 2,000 records, counted: a million comparisons.
    costly = {"or": [cond("name", "contains", f"不存在{i}") for i in range(499)]}
    response = hurried.post("/records/contact/query", json={"filter": costly, "with_total": True})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "query_timeout"
    # The next request on the same server (and, on SQLite, the same event loop) is served.
    assert hurried.ok("GET", "/records/contact?limit=1")["records"]

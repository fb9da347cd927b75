"""Where record requests run: on the event loop on SQLite, in the threadpool on PostgreSQL
(ADR 0009), with the same answers either way."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from guanxi.kernel.db import Database
from guanxi.platform.records import reads, service
from tests.api.conftest import Api


def test_record_requests_run_on_the_event_loop_only_on_sqlite(
    admin: Api, installed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_pool: dict[str, bool] = {}

    def spy(name: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            in_pool[name] = not on_the_event_loop()
            return function(*args, **kwargs)

        return run

    monkeypatch.setattr(service, "create", spy("create", service.create))
    monkeypatch.setattr(reads, "list_records", spy("page", reads.list_records))
    created = admin.ok("POST", "/records/account", 201, json={"name": "甲"})
    page = admin.ok("POST", "/records/account/query", json={})
    assert page["records"][0]["id"] == created["id"]
    monkeypatch.setattr(service, "create_many", spy("bulk", service.create_many))
    admin.ok("POST", "/records/account/bulk", 201, json={"records": [{"name": "乙"}]})
    postgres = installed_db.dialect == "postgresql"
    # Bulk calls never hold up the event loop.
    assert in_pool == {"create": postgres, "page": postgres, "bulk": True}


def on_the_event_loop() -> bool:
    """Whether the caller runs in the event loop's thread (a worker thread has no loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True

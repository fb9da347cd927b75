"""A module's write hook sees every write of its objects over the API, and may refuse it."""

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
from guanxi.kernel.errors import invalid
from guanxi.modules import Module, installed
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent
from tests.api.conftest import Api, _persona


class Recorder:
    """Watches accounts and notes: records what it sees, refuses what the test says, and
    fills in an account's industry when a create leaves it empty."""

    objects = ("account", "note")

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, dict[str, Any], dict[str, Any], str | None]] = []
        self.refuse: set[tuple[str, str]] = set()

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if (event.object, event.action) in self.refuse:
            raise invalid("name", f"the test module refuses this {event.action}")
        if event.object == "account" and event.action == "create":
            event.values["industry"] = event.values.get("industry") or "it"

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        cause = None if event.cause is None else f"{event.cause.action} {event.cause.object}"
        self.seen.append(
            (
                event.object,
                event.action,
                str(event.record_id),
                dict(event.values),
                dict(event.old),
                cause,
            )
        )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def admin(
    installed_db: Database, clock: FixedClock, tmp_path: Path, recorder: Recorder
) -> Iterator[Api]:
    app = create_app(
        Settings(files_dir=tmp_path / "files", search_index_interval=0),
        db=installed_db,
        clock=clock,
        modules=[*installed(), Module(name="watcher", write_hooks=[recorder])],
    )
    with TestClient(app) as client:
        yield Api(
            client, _persona(installed_db, clock, "hook.admin@example.com", "钩子", is_admin=True)
        )


def _notes(admin: Api) -> None:
    """A custom object whose lookup to account is cleared when the account goes."""
    admin.ok("POST", "/meta/objects", 201, json={"name": "note", "label": {"en": "Note"}})
    for field in (
        {"name": "name", "type": "text", "label": {"en": "Name"}},
        {
            "name": "account",
            "type": "lookup",
            "label": {"en": "Account"},
            "target": "account",
            "on_delete": "set_null",
        },
    ):
        admin.ok("POST", "/meta/objects/note/fields", 201, json=field)


def test_a_hook_sees_creates_updates_deletes_restores_and_cleared_links(
    admin: Api, recorder: Recorder
) -> None:
    _notes(admin)
    one = admin.ok("POST", "/records/account", 201, json={"name": "上海星辰科技"})
    assert one["industry"] == "it"  # changed by the before hook, inside the write
    bulk = admin.ok(
        "POST", "/records/account/bulk", 201, json={"records": [{"name": "甲"}, {"name": "乙"}]}
    )["records"]
    admin.ok("PATCH", f"/records/account/{one['id']}", json={"name": "星辰", "version": 1})
    note = admin.ok("POST", "/records/note", 201, json={"name": "n", "account": one["id"]})
    admin.ok("DELETE", f"/records/account/{one['id']}", 204)
    admin.ok("POST", f"/records/account/{one['id']}/restore")
    seen = [(o, a, i, v, old, c) for o, a, i, v, old, c in recorder.seen]
    assert [(o, a, i) for o, a, i, *_ in seen] == [
        ("account", "create", one["id"]),
        ("account", "create", bulk[0]["id"]),
        ("account", "create", bulk[1]["id"]),
        ("account", "update", one["id"]),
        ("note", "create", note["id"]),
        ("note", "update", note["id"]),  # set_null, before the account goes
        ("account", "delete", one["id"]),
        ("account", "restore", one["id"]),
    ]
    assert seen[3][3:5] == ({"name": "星辰"}, {"name": "上海星辰科技"})
    assert seen[5][3:] == ({"account": None}, {"account": seen[5][4]["account"]}, "delete account")
    assert str(seen[5][4]["account"]) == one["id"]


@pytest.mark.parametrize(
    ("refused", "attempt"),
    [
        ("create", lambda admin, ids: admin.post("/records/account", json={"name": "x"})),
        (
            "create",
            lambda admin, ids: admin.post(
                "/records/account/bulk", json={"records": [{"name": "x"}, {"name": "y"}]}
            ),
        ),
        (
            "update",
            lambda admin, ids: admin.patch(
                f"/records/account/{ids['account']}", json={"name": "z", "version": 1}
            ),
        ),
        ("delete", lambda admin, ids: admin.delete(f"/records/account/{ids['account']}")),
        ("restore", lambda admin, ids: admin.post(f"/records/account/{ids['binned']}/restore")),
        ("purge", lambda admin, ids: admin.delete(f"/recycle-bin/account/{ids['binned']}")),
        ("note update", lambda admin, ids: admin.delete(f"/records/account/{ids['account']}")),
    ],
)
def test_a_hook_refuses_each_kind_of_write_with_a_422_and_nothing_is_written(
    admin: Api, recorder: Recorder, refused: str, attempt: Any
) -> None:
    _notes(admin)
    account = admin.ok("POST", "/records/account", 201, json={"name": "留下"})
    binned = admin.ok("POST", "/records/account", 201, json={"name": "回收站"})
    admin.ok("DELETE", f"/records/account/{binned['id']}", 204)
    admin.ok("POST", "/records/note", 201, json={"name": "n", "account": account["id"]})
    before = admin.ok("POST", "/records/account/query", json={"limit": 100})["records"]
    obj, _, action = refused.rpartition(" ")
    recorder.refuse.add((obj or "account", action))
    recorder.seen.clear()
    answer = attempt(admin, {"account": account["id"], "binned": binned["id"]})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["errors"][0]["field"] == "name"
    assert f"refuses this {action}" in problem["errors"][0]["message"]
    assert recorder.seen == []  # no after hook ran: nothing was written
    assert admin.ok("POST", "/records/account/query", json={"limit": 100})["records"] == before

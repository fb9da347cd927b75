"""CONTRIBUTING.md stays true: its sample module builds as written and runs, and its list
of architecture decisions names every ADR."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

import guanxi.modules
from guanxi.app import create_app
from guanxi.bootstrap import migrate
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.kernel.errors import ValidationFailed
from guanxi.modules import DemoRun, Module, installed, role_grants
from guanxi.platform.access import demo as demo_org
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.users import create_token, create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.service import create_many

ROOT = Path(__file__).resolve().parents[2]
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
SAMPLE = re.compile(r"```python\n# modules/visits/(\w+\.py)\n(.*?)```", re.DOTALL)


def sample_files() -> dict[str, str]:
    """File name → source, for each code block of the template that starts with its path."""
    return {name: code for name, code in SAMPLE.findall(CONTRIBUTING.read_text("utf-8"))}


@pytest.fixture
def visits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The template's sample written out as the package ``guanxi.modules.visits``."""
    package = tmp_path / "visits"
    package.mkdir()
    for name, code in sample_files().items():
        (package / name).write_text(code, encoding="utf-8")
    monkeypatch.setattr(guanxi.modules, "__path__", [*guanxi.modules.__path__, str(tmp_path)])
    try:
        yield importlib.import_module("guanxi.modules.visits")
    finally:
        for name in [n for n in sys.modules if n.startswith("guanxi.modules.visits")]:
            del sys.modules[name]


def test_the_template_has_every_file_it_describes() -> None:
    assert set(sample_files()) == {
        "__init__.py",
        "objects.py",
        "repository.py",
        "service.py",
        "router.py",
        "hooks.py",
        "demo.py",
    }


def test_the_template_module_installs_serves_its_endpoint_and_loads_demo_data(
    visits: ModuleType, empty_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    module: Module = visits.MODULE
    modules = [*installed(), module]
    done = migrate(empty_db, clock=clock, modules=modules)
    assert [(d.module, d.before, d.after) for d in done] == [
        *((m.name, None, m.version) for m in installed()),
        ("visits", None, 1),
    ]
    registry = Registry()
    with empty_db.write() as conn:
        org = demo_org.load(
            conn, registry.snapshot(conn), now=clock.now(), grants=role_grants(modules)
        )
        tokens = {
            name: create_token(conn, org.users[name], name="tests", now=clock.now())[1]
            for name in ("rep_zhang", "marketer_ma")
        }
        admin_id = create_user(
            conn,
            email="wang.admin@example.com",
            name="王管理员",
            password="correct horse 1",
            now=clock.now(),
            is_admin=True,
        )
        ctx = Ctx.open(conn, registry, Actor(user_id=admin_id, is_admin=True), clock.now())
        accounts = create_many(
            ctx,
            "account",
            [
                {"name": "上海星辰科技", "owner_id": str(org.users["rep_zhang"])},
                {"name": "深圳蓝海贸易", "owner_id": str(org.users["rep_liu"])},
            ],
        ).records
        loaded = module.demo(ctx, DemoRun(org=org, size=10)) if module.demo else {}
        assert loaded == {"visit": 2}
        # The job and the hook are declared for the engines that will run them; they work.
        (job,) = module.jobs
        counts = job.run(ctx)
        assert job.cron == "0 8 * * 1" and isinstance(counts, dict) and sum(counts.values()) == 2
        (hook,) = module.write_hooks
        tomorrow = (ctx.now + timedelta(days=1)).date().isoformat()
        with pytest.raises(ValidationFailed) as refused:
            hook.before(ctx, WriteEvent("visit", "create", values={"visited_on": tomorrow}))
        assert refused.value.errors[0].field == "visited_on"
        hook.before(ctx, WriteEvent("visit", "create", values={"account": accounts[0]["id"]}))

    app = create_app(
        Settings(files_dir=tmp_path / "files", search_index_interval=0),
        db=empty_db,
        clock=clock,
        modules=modules,
    )
    with TestClient(app) as client:

        def by_kind(token: str) -> tuple[int, dict[str, int]]:
            answer = client.get(
                "/api/v1/visits/by-kind", headers={"Authorization": f"Bearer {token}"}
            )
            return answer.status_code, answer.json()

        status, zhang_sees = by_kind(tokens["rep_zhang"])  # own accounts' visit only
        assert status == 200 and sum(zhang_sees.values()) == 1, zhang_sees
        status, problem = by_kind(tokens["marketer_ma"])  # no grant on visits
        assert status == 403 and problem["code"] == "permission_denied"
        assert client.get("/api/v1/visits/by-kind").status_code == 401
        spec = client.get("/api/openapi.json").json()
        assert "/api/v1/visits/by-kind" in spec["paths"]


def test_the_list_of_decisions_names_every_adr() -> None:
    text = CONTRIBUTING.read_text("utf-8")
    missing = [
        adr.name for adr in sorted((ROOT / "docs" / "adr").glob("*.md")) if adr.name not in text
    ]
    assert missing == []

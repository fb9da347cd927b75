"""HTTP fixtures: a running app on each database, with named personas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.modules import installed, role_grants
from guanxi.platform.access import demo
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.access.users import create_token, create_user
from guanxi.platform.metadata.registry import Registry


class Api:
    """A signed-in API client; methods return the httpx response."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None


@pytest.fixture
def client(installed_db: Database, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(
        # No indexer thread: its polling would show in statement counts, and a search
        # indexes what is queued first anyway (test_search_api checks the thread).
        Settings(files_dir=tmp_path / "files", max_upload_mb=1, search_index_interval=0),
        db=installed_db,
        clock=clock,
    )
    with TestClient(app) as test_client:
        yield test_client


def _persona(
    db: Database, clock: FixedClock, email: str, name: str, *, is_admin: bool, scope: str = "write"
) -> str:
    with db.write() as conn:
        user_id = create_user(
            conn,
            email=email,
            name=name,
            password="correct horse 1",
            now=clock.now(),
            is_admin=is_admin,
        )
        _, token = create_token(conn, user_id, name="tests", now=clock.now(), scope=scope)
    return token


@pytest.fixture
def admin(client: TestClient, installed_db: Database, clock: FixedClock) -> Api:
    """管理员 Admin Wang: may define objects and fields."""
    return Api(
        client, _persona(installed_db, clock, "wang.admin@example.com", "王管理员", is_admin=True)
    )


@pytest.fixture
def demo_org(installed_db: Database, clock: FixedClock) -> DemoOrg:
    """The demo organisation: ceo_chen, director_li (east), director_huang (south),
    manager_zhou → rep_zhang, rep_wang (east), rep_liu, rep_zhao (south), agent_sun, marketer_ma."""
    registry = Registry()
    with installed_db.write() as conn:
        return demo.load(
            conn, registry.snapshot(conn), now=clock.now(), grants=role_grants(installed())
        )


Persona = Callable[[str], Api]


@pytest.fixture
def persona(
    client: TestClient, installed_db: Database, clock: FixedClock, demo_org: DemoOrg
) -> Callable[[str], Api]:
    """``persona("rep_zhang")``: an API client signed in as that demo user."""

    def signed_in(name: str) -> Api:
        with installed_db.write() as conn:
            _, token = create_token(conn, demo_org.users[name], name="tests", now=clock.now())
        return Api(client, token)

    return signed_in


@pytest.fixture
def rep_zhang(persona: Persona) -> Api:
    """销售代表 张伟 (East China sales, reports to manager_zhou): no administrator rights."""
    return persona("rep_zhang")

"""Single sign-on through an OpenID Connect provider (a real one, on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import SystemClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from tests.api.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def sso_client(
    installed_db: Database, demo_org: DemoOrg, provider: Provider, tmp_path: Path
) -> Iterator[TestClient]:
    settings = Settings(
        files_dir=tmp_path,
        public_url="http://testserver",
        oidc_issuer=provider.base_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    # The ID token carries real timestamps, so this app runs on the real clock.
    with TestClient(create_app(settings, db=installed_db, clock=SystemClock())) as client:
        yield client


def sign_in(client: TestClient) -> httpx.Response:
    start = client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 302
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_a_known_user_signs_in_through_the_identity_provider(sso_client: TestClient) -> None:
    done = sign_in(sso_client)
    assert done.status_code == 302, done.text
    me = sso_client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["email"] == "rep.zhang@example.com"


def test_an_unknown_e_mail_is_refused(sso_client: TestClient, provider: Provider) -> None:
    provider.email = "stranger@elsewhere.com"
    assert sign_in(sso_client).status_code == 401
    assert sso_client.get("/api/v1/auth/me").status_code == 401


def test_a_forged_state_is_refused(sso_client: TestClient) -> None:
    sso_client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    forged = sso_client.get(
        "/api/v1/auth/oidc/callback?code=abc&state=forged", follow_redirects=False
    )
    assert forged.status_code == 401


def test_sso_is_off_unless_configured(client: TestClient) -> None:
    assert client.get("/api/v1/auth/oidc/login", follow_redirects=False).status_code == 404

"""Single sign-on through an OpenID Connect provider (a real one, on loopback)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import SystemClock
from guanxi.kernel.db import Database
from guanxi.platform.access import audit, org
from guanxi.platform.access.demo import DEMO_PASSWORD, DemoOrg
from tests.api.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, new_key, running_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def sso_settings(provider: Provider, files: Path, **extra: Any) -> Settings:
    return Settings(
        files_dir=files,
        public_url="http://testserver",
        oidc_issuer=provider.base_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        **extra,
    )


@pytest.fixture
def sso_client(
    installed_db: Database, demo_org: DemoOrg, provider: Provider, tmp_path: Path
) -> Iterator[TestClient]:
    settings = sso_settings(provider, tmp_path)
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


def assert_refused(client: TestClient, response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert reason in response.json()["detail"]
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_known_user_signs_in_through_the_identity_provider(sso_client: TestClient) -> None:
    done = sign_in(sso_client)
    assert done.status_code == 302, done.text
    me = sso_client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["email"] == "rep.zhang@example.com"


def test_an_unknown_e_mail_is_refused(sso_client: TestClient, provider: Provider) -> None:
    provider.email = "stranger@elsewhere.com"
    assert sign_in(sso_client).status_code == 401
    assert sso_client.get("/api/v1/auth/me").status_code == 401


def audit_log(db: Database, action: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        return audit.entries(
            conn,
            action=action,
            actor_id=None,
            since=None,
            before_id=None,
            limit=100,
            zone=ZoneInfo("Asia/Shanghai"),
        )


def signed_in_as(client: TestClient) -> str | None:
    me = client.get("/api/v1/auth/me")
    return me.json()["email"] if me.status_code == 200 else None


def test_a_provider_account_signs_in_its_user_even_after_an_e_mail_change(
    sso_client: TestClient, provider: Provider, installed_db: Database
) -> None:
    provider.claims = {"sub": "zhang-wei-0001"}
    assert sign_in(sso_client).status_code == 302  # matched by e-mail, and bound
    assert signed_in_as(sso_client) == "rep.zhang@example.com"
    [bound] = audit_log(installed_db, "login.sso")
    assert bound["details"]["bound"] is True and bound["details"]["subject"] == "zhang-wei-0001"

    # The address changes at the provider, and in Guanxi: the account is still the same.
    provider.email = "zhang.wei@newco.example"
    sso_client.cookies.clear()
    assert sign_in(sso_client).status_code == 302
    assert signed_in_as(sso_client) == "rep.zhang@example.com"
    csrf = sso_client.get("/api/v1/auth/me").json()["csrf_token"]
    sso_client.patch(
        "/api/v1/auth/me",
        json={"email": "zhang.wei@example.com", "current_password": DEMO_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    ).raise_for_status()
    sso_client.cookies.clear()
    assert sign_in(sso_client).status_code == 302
    assert signed_in_as(sso_client) == "zhang.wei@example.com"


def test_another_provider_account_claiming_a_bound_users_e_mail_is_refused(
    sso_client: TestClient, provider: Provider, installed_db: Database
) -> None:
    provider.claims = {"sub": "zhang-wei-0001"}
    assert sign_in(sso_client).status_code == 302
    sso_client.cookies.clear()
    # A second account at the provider (a recycled address, an admin's mistake) with the
    # same, verified e-mail is somebody else.
    provider.claims = {"sub": "impostor-0002"}
    assert_refused(sso_client, sign_in(sso_client), "no active Guanxi user")
    [failed] = audit_log(installed_db, "login.failed")
    assert failed["details"]["reason"] == "sso_other_subject"
    assert failed["details"]["subject"] == "impostor-0002"
    provider.claims = {"sub": "zhang-wei-0001"}
    assert sign_in(sso_client).status_code == 302


def test_single_sign_on_respects_deactivation_and_lockout(
    sso_client: TestClient, provider: Provider, installed_db: Database, demo_org: DemoOrg
) -> None:
    provider.claims = {"sub": "zhang-wei-0001"}
    assert sign_in(sso_client).status_code == 302  # bound while all was well
    sso_client.cookies.clear()
    zhang = demo_org.users["rep_zhang"]
    with installed_db.write() as conn:
        org.set_active(conn, zhang, False, now=SystemClock().now())
    assert_refused(sso_client, sign_in(sso_client), "no active Guanxi user")
    assert audit_log(installed_db, "login.failed")[0]["details"]["reason"] == "sso_inactive"

    with installed_db.write() as conn:
        org.set_active(conn, zhang, True, now=SystemClock().now())
    for _ in range(5):
        wrong = {"email": "rep.zhang@example.com", "password": "wrong-password-1"}
        assert sso_client.post("/api/v1/auth/login", json=wrong).status_code == 401
    assert_refused(sso_client, sign_in(sso_client), "no active Guanxi user")
    [locked] = audit_log(installed_db, "login.locked")
    assert locked["target"] == "rep.zhang@example.com"
    assert locked["details"]["subject"] == "zhang-wei-0001"
    assert len(audit_log(installed_db, "login.sso")) == 1  # the first sign-in only


def test_a_forged_state_is_refused(sso_client: TestClient) -> None:
    sso_client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    forged = sso_client.get(
        "/api/v1/auth/oidc/callback?code=abc&state=forged", follow_redirects=False
    )
    assert forged.status_code == 401


def test_sso_is_off_unless_configured(client: TestClient) -> None:
    assert client.get("/api/v1/auth/oidc/login", follow_redirects=False).status_code == 404


# Changes to the ID token's claims, given the current time.
ClaimChanges = Callable[[int], dict[str, Any]]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param(lambda now: {"nonce": "another-attempts-nonce"}, "nonce", id="wrong nonce"),
        pytest.param(lambda now: {"nonce": None}, "nonce", id="no nonce"),
        pytest.param(lambda now: {"aud": "another-app"}, "aud", id="another audience"),
        pytest.param(
            lambda now: {"aud": ["another-app", "a-third-app"], "azp": "another-app"},
            "aud",
            id="audiences without us",
        ),
        pytest.param(lambda now: {"iss": "https://idp.example.com"}, "iss", id="another issuer"),
        pytest.param(lambda now: {"iat": now - 900, "exp": now - 120}, "expired", id="expired"),
        pytest.param(
            lambda now: {"iat": now + 600, "exp": now + 900}, "iat", id="issued in the future"
        ),
        pytest.param(lambda now: {"nbf": now + 600}, "nbf", id="not yet valid"),
        pytest.param(lambda now: {"sub": None}, "sub", id="no subject"),
        pytest.param(
            lambda now: {"aud": [CLIENT_ID, "another-app"], "azp": "another-app"},
            "azp",
            id="issued to another party",
        ),
        pytest.param(
            lambda now: {"aud": [CLIENT_ID, "another-app"]}, "azp", id="shared without azp"
        ),
        pytest.param(lambda now: {"email_verified": False}, "e-mail", id="unverified e-mail"),
        # Users are matched by e-mail: one the provider does not vouch for could be anyone's.
        pytest.param(lambda now: {"email_verified": None}, "e-mail", id="e-mail not vouched for"),
        pytest.param(lambda now: {"email_verified": "true"}, "e-mail", id="verified as text"),
    ],
)
def test_an_id_token_with_wrong_claims_is_refused(
    sso_client: TestClient, provider: Provider, changes: ClaimChanges, reason: str
) -> None:
    provider.claims = changes(int(time.time()))
    assert_refused(sso_client, sign_in(sso_client), reason)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(lambda now: {"aud": [CLIENT_ID]}, id="audience as a list"),
        pytest.param(
            lambda now: {"aud": [CLIENT_ID, "another-app"], "azp": CLIENT_ID},
            id="shared audience, issued to us",
        ),
        pytest.param(lambda now: {"iat": now + 30, "nbf": now + 30}, id="provider clock ahead"),
    ],
)
def test_standard_variations_of_the_id_token_are_accepted(
    sso_client: TestClient, provider: Provider, changes: ClaimChanges
) -> None:
    provider.claims = changes(int(time.time()))
    assert sign_in(sso_client).status_code == 302
    assert sso_client.get("/api/v1/auth/me").json()["email"] == "rep.zhang@example.com"


def test_an_id_token_signed_with_another_key_is_refused(
    sso_client: TestClient, provider: Provider
) -> None:
    provider.signing_key = new_key()  # same key ID as the published key
    assert_refused(sso_client, sign_in(sso_client), "bad_signature")


def test_an_unsigned_id_token_is_refused(sso_client: TestClient, provider: Provider) -> None:
    provider.signing_key = None
    assert_refused(sso_client, sign_in(sso_client), "unsupported_algorithm")


def test_a_code_the_provider_does_not_accept_is_refused(sso_client: TestClient) -> None:
    start = sso_client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    back = urlsplit(httpx.get(start.headers["location"]).headers["location"])
    params = {**dict(parse_qsl(back.query)), "code": "made-up"}
    done = sso_client.get(back.path, params=params, follow_redirects=False)
    assert_refused(sso_client, done, "refused the sign-in: invalid_grant")


def test_a_provider_that_never_vouches_for_e_mails_can_be_allowed(
    installed_db: Database, demo_org: DemoOrg, provider: Provider, tmp_path: Path
) -> None:
    provider.claims = {"email_verified": None}
    settings = sso_settings(provider, tmp_path, oidc_allow_unverified_email=True)
    with TestClient(create_app(settings, db=installed_db, clock=SystemClock())) as client:
        assert sign_in(client).status_code == 302
        # An explicit "no" still binds no one (张伟 is bound now; 王芳 is not).
        provider.email = "rep.wang@example.com"
        provider.claims = {"email_verified": False}
        client.cookies.clear()
        assert_refused(client, sign_in(client), "e-mail")


def test_keys_the_provider_rotated_to_are_fetched(
    sso_client: TestClient, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sign_in(sso_client).status_code == 302  # discovery and keys are cached now
    sso_client.cookies.clear()
    provider.key = provider.signing_key = new_key("rotated-key")
    # Within a minute of the last fetch, an unknown key is refused without asking again …
    assert_refused(sso_client, sign_in(sso_client), "invalid_key_id")
    # … after it, the provider's current keys are fetched once and the token checks out.
    monkeypatch.setattr("guanxi.platform.access.oidc.KEYS_REFRESH", 0.0)
    assert sign_in(sso_client).status_code == 302
    assert sso_client.get("/api/v1/auth/me").json()["email"] == "rep.zhang@example.com"


def test_a_discovery_document_for_another_issuer_is_refused(
    sso_client: TestClient, provider: Provider
) -> None:
    provider.issuer = "https://idp.example.com"
    start = sso_client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 502, start.text
    assert start.headers["content-type"] == "application/problem+json"
    assert "another issuer" in start.json()["detail"]


def test_an_unreachable_provider_is_a_bad_gateway(
    sso_client: TestClient, provider: Provider
) -> None:
    provider.up = False
    start = sso_client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 502, start.text
    assert start.json()["code"] == "bad_gateway"
    assert "discovery document could not be fetched" in start.json()["detail"]

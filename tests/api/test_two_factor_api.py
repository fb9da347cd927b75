"""Two-factor sign-in: set-up, codes at sign-in, recovery codes, and roles that demand it."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient

from guanxi.kernel.clock import FixedClock
from guanxi.platform.access.demo import DEMO_PASSWORD, DemoOrg
from tests.api.conftest import Api, Persona


def enable(api: Api, clock: FixedClock) -> tuple[str, list[str]]:
    setup = api.ok("POST", "/auth/2fa/setup")
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    wrong = api.post("/auth/2fa/enable", json={"otp": "000000"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "otp"
    code = pyotp.TOTP(setup["secret"]).at(clock.now())
    enabled = api.ok("POST", "/auth/2fa/enable", json={"otp": code})
    assert len(enabled["recovery_codes"]) == 10
    return setup["secret"], enabled["recovery_codes"]


def test_sign_in_needs_the_code_once_two_factor_is_on(
    client: TestClient, persona: Persona, clock: FixedClock, demo_org: DemoOrg
) -> None:
    secret, recovery = enable(persona("rep_zhao"), clock)
    credentials = {"email": "rep.zhao@example.com", "password": DEMO_PASSWORD}
    asked = client.post("/api/v1/auth/login", json=credentials)
    assert asked.status_code == 401 and asked.json()["otp_required"] is True
    assert (
        client.post("/api/v1/auth/login", json={**credentials, "otp": "123456"}).status_code == 401
    )
    code = pyotp.TOTP(secret).at(clock.now())
    assert client.post("/api/v1/auth/login", json={**credentials, "otp": code}).status_code == 200
    assert client.get("/api/v1/auth/me").json()["two_factor"] is True
    assert (
        client.post("/api/v1/auth/login", json={**credentials, "otp": recovery[0]}).status_code
        == 200
    )
    assert (
        client.post("/api/v1/auth/login", json={**credentials, "otp": recovery[0]}).status_code
        == 401
    )  # used up


def test_a_role_can_require_two_factor(
    admin: Api, persona: Persona, demo_org: DemoOrg, clock: FixedClock
) -> None:
    admin.ok(
        "PATCH", f"/admin/roles/{demo_org.roles['Sales director']}", json={"require_2fa": True}
    )
    director = persona("director_li")
    blocked = director.post("/records/account/query", json={})
    assert blocked.status_code == 403 and blocked.json()["two_factor_required"] is True
    enable(director, clock)
    assert director.ok("POST", "/records/account/query", json={})["records"] == []
    assert director.post("/auth/2fa/disable", json={"otp": "000000"}).status_code == 403
    actions = {e["action"] for e in persona("ceo_chen").ok("GET", "/admin/audit")["entries"]}
    assert "2fa.enable" in actions

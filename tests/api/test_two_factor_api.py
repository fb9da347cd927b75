"""Two-factor sign-in: set-up, codes at sign-in, recovery codes, and roles that demand it.

A code is accepted once, re-enrolment needs the current authenticator (or a recovery code),
and wrong codes lock code checks for a while, like wrong passwords lock sign-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from guanxi.kernel.clock import FixedClock
from guanxi.platform.access.demo import DEMO_PASSWORD, DemoOrg
from tests.api.conftest import Api, Persona

ZHAO = {"email": "rep.zhao@example.com", "password": DEMO_PASSWORD}


def code(secret: str, clock: FixedClock, steps_back: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now(), counter_offset=-steps_back)


def wrong_code(secret: str, clock: FixedClock) -> str:
    """Six digits that match no code the server would accept right now."""
    valid = {pyotp.TOTP(secret).at(clock.now(), counter_offset=i) for i in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enable(api: Api, clock: FixedClock) -> tuple[str, list[str]]:
    setup = api.ok("POST", "/auth/2fa/setup", json={"current_password": DEMO_PASSWORD})
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert setup["current_otp_required"] is False
    wrong = api.post("/auth/2fa/enable", json={"otp": wrong_code(setup["secret"], clock)})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "otp"
    enabled = api.ok("POST", "/auth/2fa/enable", json={"otp": code(setup["secret"], clock)})
    assert len(enabled["recovery_codes"]) == 10
    return setup["secret"], enabled["recovery_codes"]


def login(client: TestClient, otp: str | None = None) -> Any:
    return client.post("/api/v1/auth/login", json={**ZHAO, "otp": otp})


def test_sign_in_needs_the_code_once_two_factor_is_on(
    client: TestClient, persona: Persona, clock: FixedClock, demo_org: DemoOrg
) -> None:
    secret, recovery = enable(persona("rep_zhao"), clock)
    clock.advance(seconds=30)  # the code that turned it on is spent
    asked = client.post("/api/v1/auth/login", json=ZHAO)
    assert asked.status_code == 401 and asked.json()["otp_required"] is True
    assert login(client, wrong_code(secret, clock)).status_code == 401
    assert login(client, code(secret, clock)).status_code == 200
    assert client.get("/api/v1/auth/me").json()["two_factor"] is True
    assert login(client, recovery[0]).status_code == 200
    assert login(client, recovery[0]).status_code == 401  # used up


def test_turning_on_two_factor_needs_the_current_password(
    persona: Persona, clock: FixedClock, demo_org: DemoOrg
) -> None:
    # Set-up hands out the secret: a stolen session or token must not get one to confirm.
    zhao = persona("rep_zhao")
    missing = zhao.post("/auth/2fa/setup", json={})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["current_password"]
    wrong = zhao.post("/auth/2fa/setup", json={"current_password": "not-my-password-1"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "wrong_password"
    assert "secret" not in wrong.json()
    no_setup = zhao.post("/auth/2fa/enable", json={"otp": "123456"})
    assert no_setup.status_code == 409
    assert zhao.ok("GET", "/auth/me")["two_factor"] is False
    enable(zhao, clock)


def test_a_code_is_accepted_only_once(
    client: TestClient, persona: Persona, clock: FixedClock, demo_org: DemoOrg
) -> None:
    zhao = persona("rep_zhao")
    secret, _ = enable(zhao, clock)
    assert login(client, code(secret, clock)).status_code == 401  # it just turned 2FA on
    clock.advance(seconds=30)
    fresh = code(secret, clock)
    assert login(client, fresh).status_code == 200
    assert login(client, fresh).status_code == 401
    # The previous step's code is still inside the clock-drift window, but older.
    assert login(client, code(secret, clock, steps_back=1)).status_code == 401
    replayed = zhao.post("/auth/2fa/disable", json={"otp": fresh})
    assert replayed.status_code == 422 and replayed.json()["errors"][0]["code"] == "wrong_code"
    clock.advance(seconds=30)
    assert zhao.ok("POST", "/auth/2fa/disable", json={"otp": code(secret, clock)}) == {
        "enabled": False
    }


def test_re_enrolment_needs_the_current_authenticator_or_a_recovery_code(
    client: TestClient, persona: Persona, clock: FixedClock, demo_org: DemoOrg
) -> None:
    zhao = persona("rep_zhao")
    old_secret, old_recovery = enable(zhao, clock)
    clock.advance(seconds=30)
    setup = zhao.ok("POST", "/auth/2fa/setup", json={"current_password": DEMO_PASSWORD})
    assert setup["current_otp_required"] is True
    new_code = code(setup["secret"], clock)
    missing = zhao.post("/auth/2fa/enable", json={"otp": new_code})
    assert missing.status_code == 422
    assert missing.json()["errors"][0] == {
        "field": "current_otp",
        "code": "required",
        "message": missing.json()["errors"][0]["message"],
    }
    wrong = zhao.post(
        "/auth/2fa/enable", json={"otp": new_code, "current_otp": wrong_code(old_secret, clock)}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_otp"
    # Nothing changed: the old authenticator still signs in, the new one does not.
    assert login(client, new_code).status_code == 401
    assert login(client, code(old_secret, clock)).status_code == 200

    clock.advance(seconds=30)
    replaced = zhao.ok(
        "POST",
        "/auth/2fa/enable",
        json={"otp": code(setup["secret"], clock), "current_otp": code(old_secret, clock)},
    )
    assert set(replaced["recovery_codes"]).isdisjoint(old_recovery)
    clock.advance(seconds=30)
    assert login(client, code(old_secret, clock)).status_code == 401
    assert login(client, old_recovery[1]).status_code == 401
    assert login(client, code(setup["secret"], clock)).status_code == 200

    # Lost phone: an unused recovery code stands in for the current authenticator.
    again = zhao.ok("POST", "/auth/2fa/setup", json={"current_password": DEMO_PASSWORD})
    zhao.ok(
        "POST",
        "/auth/2fa/enable",
        json={"otp": code(again["secret"], clock), "current_otp": replaced["recovery_codes"][0]},
    )
    clock.advance(seconds=30)
    assert login(client, code(again["secret"], clock)).status_code == 200


def test_five_wrong_codes_lock_code_checks_for_fifteen_minutes(
    client: TestClient, persona: Persona, clock: FixedClock, demo_org: DemoOrg
) -> None:
    zhao = persona("rep_zhao")
    secret, recovery = enable(zhao, clock)
    clock.advance(seconds=30)
    bad = wrong_code(secret, clock)
    for _ in range(4):
        assert zhao.post("/auth/2fa/disable", json={"otp": bad}).status_code == 422
    setup = zhao.ok("POST", "/auth/2fa/setup", json={"current_password": DEMO_PASSWORD})
    fifth = zhao.post(
        "/auth/2fa/enable", json={"otp": code(setup["secret"], clock), "current_otp": bad}
    )
    # Too many attempts, not a bad credential: 429, and when to come back.
    assert fifth.status_code == 429
    assert fifth.headers["content-type"].startswith("application/problem+json")
    assert fifth.headers["retry-after"] == str(15 * 60)
    body = fifth.json()
    assert body["code"] == "too_many_attempts"
    assert body["otp_locked"] is True and "try again" in body["detail"]
    assert datetime.fromisoformat(body["locked_until"]) == clock.now() + timedelta(minutes=15)

    # Locked: even the right code or a recovery code is refused, wherever it is checked.
    clock.advance(minutes=5)
    right = zhao.post("/auth/2fa/disable", json={"otp": code(secret, clock)})
    assert right.status_code == 429 and right.json()["otp_locked"] is True
    assert right.headers["retry-after"] == str(10 * 60)
    assert login(client, recovery[0]).status_code == 401
    assert zhao.ok("GET", "/auth/me")["two_factor"] is True

    ceo = persona("ceo_chen")
    actions = [
        e["action"] for e in ceo.ok("GET", "/admin/audit", params={"action": "2fa.*"})["entries"]
    ]
    assert actions.count("2fa.failed") == 5
    assert "2fa.lockout" in actions and "2fa.locked" in actions

    clock.advance(minutes=10)
    assert login(client, code(secret, clock)).status_code == 200
    clock.advance(seconds=30)
    assert zhao.ok("POST", "/auth/2fa/disable", json={"otp": code(secret, clock)}) == {
        "enabled": False
    }


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

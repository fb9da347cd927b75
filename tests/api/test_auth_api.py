"""Signing in, sessions with CSRF, tokens and lockout, and the audit trail they leave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access import sessions
from guanxi.platform.access.demo import DEMO_PASSWORD, DemoOrg
from tests.api.conftest import Api, Persona

PERSONA_PASSWORD = "correct horse 1"  # what conftest's admin persona signs in with


def login(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> tuple[int, dict]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return response.status_code, response.json()


def test_a_revoked_token_fails_on_its_very_next_request(rep_zhang: Api) -> None:
    created = rep_zhang.ok(
        "POST", "/auth/tokens", 201, json={"name": "script", "current_password": DEMO_PASSWORD}
    )
    script = Api(rep_zhang.client, created["token"])
    assert script.ok("GET", "/auth/me")["email"] == "rep.zhang@example.com"
    tokens = {t["id"]: t for t in rep_zhang.ok("GET", "/auth/tokens")["tokens"]}
    assert tokens[created["id"]]["created_at"].endswith("+08:00")  # in the user's zone
    rep_zhang.ok("DELETE", f"/auth/tokens/{created['id']}", 204)
    assert script.get("/auth/me").status_code == 401


def test_read_only_tokens_cannot_write(rep_zhang: Api) -> None:
    created = rep_zhang.ok(
        "POST",
        "/auth/tokens",
        201,
        json={"name": "reporting", "scope": "read", "current_password": DEMO_PASSWORD},
    )
    reader = Api(rep_zhang.client, created["token"])
    assert reader.ok("POST", "/records/account/query", json={})["records"] == []
    assert reader.post("/records/account", json={"name": "x"}).status_code == 403


def test_five_wrong_passwords_lock_the_account_and_the_audit_log_shows_it(
    client: TestClient, demo_org: DemoOrg, persona: Persona, clock: FixedClock, admin: Api
) -> None:
    for _ in range(5):
        assert login(client, "rep.wang@example.com", "wrong-password-1")[0] == 401
    status, body = login(client, "rep.wang@example.com")
    assert status == 401 and body["detail"] == "wrong e-mail or password"
    ceo = persona("ceo_chen")
    actions = [
        e["action"] for e in ceo.ok("GET", "/admin/audit", params={"action": "login.*"})["entries"]
    ]
    assert actions[:3] == ["login.locked", "login.lockout", "login.failed"]
    assert actions.count("login.failed") == 5
    entries = ceo.ok("GET", "/admin/audit", params={"action": "login.*"})["entries"]
    assert all(e["at"].endswith("+08:00") for e in entries)  # in the reader's zone
    wang = admin.ok("GET", f"/admin/users/{demo_org.users['rep_wang']}")
    assert wang["locked_until"].endswith("+08:00")
    assert persona("rep_zhang").get("/admin/audit").status_code == 403
    clock.advance(minutes=16)
    assert login(client, "rep.wang@example.com")[0] == 200


def test_unknown_users_and_wrong_passwords_get_the_same_answer(
    client: TestClient, demo_org: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    # … and cost the same work: a password hash is checked for an unknown e-mail too, so
    # the answer's timing does not tell who has an account (3 ms against 190 ms before).
    checked: list[str] = []
    verify = sessions.verify_password

    def counted(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(sessions, "verify_password", counted)
    assert (
        login(client, "nobody@example.com", "whatever-1")[1]["detail"]
        == login(client, "rep.wang@example.com", "whatever-2")[1]["detail"]
    )
    assert checked == ["whatever-1", "whatever-2"]


def test_locked_account_and_unknown_email_answer_alike(
    client: TestClient, demo_org: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        assert login(client, "rep.wang@example.com", "wrong-password-1")[0] == 401
    checked: list[str] = []
    verify = sessions.verify_password

    def counted(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(sessions, "verify_password", counted)
    sign_in = {"password": DEMO_PASSWORD}  # rep.wang's right password changes nothing
    locked = client.post("/api/v1/auth/login", json={**sign_in, "email": "rep.wang@example.com"})
    unknown = client.post("/api/v1/auth/login", json={**sign_in, "email": "nobody@example.com"})
    assert locked.status_code == unknown.status_code == 401
    assert locked.json() == unknown.json()
    assert locked.headers == unknown.headers
    # The same work too, one password hash checked each, so timing tells nothing either.
    assert checked == [DEMO_PASSWORD, DEMO_PASSWORD]


def test_a_new_token_needs_the_current_password(rep_zhang: Api) -> None:
    missing = rep_zhang.post("/auth/tokens", json={"name": "script"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["current_password"]
    wrong = rep_zhang.post(
        "/auth/tokens", json={"name": "script", "current_password": "not-my-password-1"}
    )
    assert wrong.status_code == 422
    assert [(e["field"], e["code"]) for e in wrong.json()["errors"]] == [
        ("current_password", "wrong_password")
    ]
    assert [t["name"] for t in rep_zhang.ok("GET", "/auth/tokens")["tokens"]] == ["tests"]
    rep_zhang.ok(
        "POST", "/auth/tokens", 201, json={"name": "script", "current_password": DEMO_PASSWORD}
    )


def test_guessing_the_current_password_locks_the_account_like_wrong_sign_ins(
    client: TestClient, rep_zhang: Api, persona: Persona, clock: FixedClock
) -> None:
    guess = {"name": "stolen", "current_password": "not-my-password-1"}
    for _ in range(4):
        assert rep_zhang.post("/auth/tokens", json=guess).status_code == 422
    fifth = rep_zhang.post("/auth/tokens", json=guess)
    assert fifth.status_code == 429 and fifth.headers["retry-after"] == str(15 * 60)
    assert fifth.json()["code"] == "too_many_attempts"
    assert fifth.json()["locked_until"].endswith("+08:00")
    right = {"name": "mine", "current_password": DEMO_PASSWORD}
    assert rep_zhang.post("/auth/tokens", json=right).status_code == 429
    assert login(client, "rep.zhang@example.com")[0] == 401  # sign-in is locked as well
    actions = [
        e["action"]
        for e in persona("ceo_chen").ok("GET", "/admin/audit", params={"action": "reauth.*"})[
            "entries"
        ]
    ]
    assert (
        actions[:2] == ["reauth.locked", "reauth.lockout"] and actions.count("reauth.failed") == 5
    )

    clock.advance(minutes=15)
    rep_zhang.ok("POST", "/auth/tokens", 201, json=right)


def test_changing_your_own_e_mail_needs_the_current_password(
    client: TestClient, rep_zhang: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    new = "zhang.wei@example.com"
    missing = rep_zhang.patch("/auth/me", json={"email": new})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["current_password"]
    wrong = rep_zhang.patch("/auth/me", json={"email": new, "current_password": "nope-nope-1"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "wrong_password"
    assert rep_zhang.ok("GET", "/auth/me")["email"] == "rep.zhang@example.com"
    taken = rep_zhang.patch(
        "/auth/me", json={"email": "rep.wang@example.com", "current_password": DEMO_PASSWORD}
    )
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "email"

    changed = rep_zhang.ok(
        "PATCH",
        "/auth/me",
        json={"email": "Zhang.Wei@example.com", "current_password": DEMO_PASSWORD},
    )
    assert changed["email"] == new
    assert login(client, "rep.zhang@example.com")[0] == 401
    assert login(client, new)[0] == 200
    [entry] = persona("ceo_chen").ok("GET", "/admin/audit", params={"action": "user.email"})[
        "entries"
    ]
    assert entry["details"] == {"from": "rep.zhang@example.com", "to": new}
    assert entry["target"] == str(demo_org.users["rep_zhang"])


def test_session_cookies_are_secure_when_users_come_over_https(
    installed_db: Database, demo_org: DemoOrg, clock: FixedClock, tmp_path: Path
) -> None:
    # Behind a proxy the app itself may be spoken to in plain HTTP.
    settings = Settings(
        files_dir=tmp_path, public_url="https://crm.example.com", search_index_interval=0
    )
    with TestClient(create_app(settings, db=installed_db, clock=clock)) as client:
        answer = client.post(
            "/api/v1/auth/login",
            json={"email": "rep.zhang@example.com", "password": DEMO_PASSWORD},
        )
        assert answer.status_code == 200
        cookie = answer.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_cookie_sessions_need_the_csrf_token_to_write(
    client: TestClient, demo_org: DemoOrg
) -> None:
    status, body = login(client, "rep.zhang@example.com")
    assert status == 200
    cookie = client.cookies.get("gx_session")
    assert cookie
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["name"].startswith("张伟")
    refused = client.post("/api/v1/records/account", json={"name": "无CSRF"})
    assert refused.status_code == 403
    ok = client.post(
        "/api/v1/records/account",
        json={"name": "有CSRF"},
        headers={"X-CSRF-Token": body["csrf_token"]},
    )
    assert ok.status_code == 201
    assert (
        client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code
        == 204
    )
    client.cookies.set("gx_session", cookie)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_cookie_flags(client: TestClient, demo_org: DemoOrg) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": "rep.zhang@example.com", "password": DEMO_PASSWORD}
    )
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_log_out_everywhere_ends_every_session(client: TestClient, demo_org: DemoOrg) -> None:
    login(client, "rep.liu@example.com")
    first_cookie = client.cookies.get("gx_session")
    _, second = login(client, "rep.liu@example.com")
    assert (
        client.post(
            "/api/v1/auth/logout?everywhere=true", headers={"X-CSRF-Token": second["csrf_token"]}
        ).status_code
        == 204
    )
    client.cookies.set("gx_session", first_cookie)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_admins_build_the_organisation_over_the_api(admin: Api, client: TestClient) -> None:
    department = admin.ok(
        "POST", "/admin/departments", 201, json={"name": "华东销售部", "parent_id": None}
    )
    role = admin.ok(
        "POST",
        "/admin/roles",
        201,
        json={
            "name": "Sales rep",
            "objects": {
                "account": {
                    "create": True,
                    "read": True,
                    "update": True,
                    "delete": False,
                    "import": False,
                    "export": False,
                    "scope": "own_and_subordinates",
                }
            },
            "fields": {"account.annual_revenue": "hidden"},
        },
    )
    user = admin.ok(
        "POST",
        "/admin/users",
        201,
        json={
            "email": "new.rep@example.com",
            "name": "新销售",
            "password": "Passw0rd!",
            "department_id": department["id"],
            "manager_id": None,
            "role_ids": [role["id"]],
        },
    )
    assert login(client, "new.rep@example.com", "Passw0rd!")[0] == 200
    me = client.get("/api/v1/auth/me").json()
    assert me["id"] == user["id"] and me["department_id"] == department["id"]
    assert me["objects"]["account"] == {
        "operations": ["create", "read", "update"],
        "scope": "own_and_subordinates",
    }
    bad = admin.post(
        "/admin/roles",
        json={
            "name": "Broken",
            "objects": {"account": {"read": True, "scope": "galaxy"}},
            "fields": {"account.nope": "hidden"},
        },
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "objects.account.scope",
        "fields.account.nope",
    }
    weak = admin.post(
        "/admin/users", json={"email": "weak@example.com", "name": "弱", "password": "12345678"}
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    audit = admin.ok("GET", "/admin/audit")["entries"]
    assert {"role.create", "user.create", "department.create"} <= {e["action"] for e in audit}


def test_a_read_only_token_writes_nothing_anywhere(
    admin: Api, client: TestClient, demo_org: DemoOrg
) -> None:
    """Even an administrator's read token: no tokens, users, roles, fields, shares, files,
    2FA changes or sessions ended; reads (and an export, with its audit entry) still work."""
    created = admin.ok(
        "POST",
        "/auth/tokens",
        201,
        json={"name": "reporting", "scope": "read", "current_password": PERSONA_PASSWORD},
    )
    reader = Api(client, created["token"])
    account = admin.ok("POST", "/records/account", 201, json={"name": "只读测试"})
    share = admin.ok(
        "POST",
        f"/records/account/{account['id']}/shares",
        201,
        json={"user_id": str(demo_org.users["rep_zhang"]), "access": "read"},
    )
    other_token = admin.ok(
        "POST", "/auth/tokens", 201, json={"name": "other", "current_password": PERSONA_PASSWORD}
    )
    zhang = f"/admin/users/{demo_org.users['rep_zhang']}"
    password = {"current_password": PERSONA_PASSWORD}
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/auth/tokens", {"json": {"name": "x", "scope": "write", **password}}),
        ("POST", "/auth/tokens", {"json": {"name": "x", "scope": "read", **password}}),
        ("PATCH", "/auth/me", {"json": {"email": "reader@example.com", **password}}),
        ("DELETE", f"/auth/tokens/{other_token['id']}", {}),
        ("POST", "/auth/logout?everywhere=true", {}),
        ("POST", "/auth/2fa/setup", {"json": password}),
        ("POST", "/auth/2fa/enable", {"json": {"otp": "123456"}}),
        ("POST", "/auth/2fa/disable", {"json": {"otp": "123456"}}),
        ("POST", "/admin/users", {"json": {"email": "x@example.com", "name": "X"}}),
        ("PATCH", zhang, {"json": {"password": "Taken-0ver!"}}),
        ("POST", "/admin/roles", {"json": {"name": "Everything", "rights": ["manage_users"]}}),
        ("PATCH", f"/admin/roles/{demo_org.roles['Sales rep']}", {"json": {"rights": []}}),
        ("POST", "/admin/departments", {"json": {"name": "影子部门"}}),
        ("POST", "/admin/teams", {"json": {"name": "影子小组"}}),
        ("POST", "/meta/objects", {"json": {"name": "shadow", "label": "Shadow"}}),
        (
            "POST",
            "/meta/objects/contact/fields",
            {"json": {"name": "backdoor", "type": "text", "label": "Backdoor"}},
        ),
        ("DELETE", "/meta/objects/account/fields/industry", {}),
        (
            "POST",
            f"/records/account/{account['id']}/shares",
            {"json": {"user_id": str(demo_org.users["rep_wang"]), "access": "edit"}},
        ),
        ("DELETE", f"/records/account/{account['id']}/shares/{share['id']}", {}),
        ("POST", "/files", {"files": {"file": ("a.txt", b"hello", "text/plain")}}),
        ("PATCH", f"/records/account/{account['id']}", {"json": {"name": "改", "version": 1}}),
    ]
    for method, path, kwargs in attempts:
        response = reader.request(method, path, **kwargs)
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "read-only" in response.json()["detail"], (method, path)

    tokens = {t["name"]: t for t in admin.ok("GET", "/auth/tokens")["tokens"]}
    assert set(tokens) == {"tests", "reporting", "other"}
    assert not tokens["other"]["revoked"]
    assert admin.ok("GET", zhang)["roles"][0]["name"] == "Sales rep"
    assert admin.get("/meta/objects/contact/fields/backdoor").status_code == 404
    assert len(admin.ok("GET", f"/records/account/{account['id']}/shares")["shares"]) == 1
    assert login(client, "rep.zhang@example.com")[0] == 200  # the password is unchanged

    assert reader.ok("GET", "/auth/me")["is_admin"] is True
    assert reader.ok("GET", zhang)["email"] == "rep.zhang@example.com"
    export = reader.post("/records/account/export", json={})
    assert export.status_code == 200 and "只读测试" in export.text
    # Ending its own credential gives nothing away: a read token may revoke itself.
    reader.ok("DELETE", f"/auth/tokens/{created['id']}", 204)
    assert reader.get("/auth/me").status_code == 401


def test_your_preferences_change_without_a_password_and_bad_ones_name_their_field(
    rep_zhang: Api,
) -> None:
    me = rep_zhang.ok("GET", "/auth/me")
    assert (me["locale"], me["time_zone"], me["list_density"]) == (
        "zh-CN",
        "Asia/Shanghai",
        "comfortable",
    )
    changed = rep_zhang.ok(
        "PATCH",
        "/auth/me",
        json={"locale": "en", "time_zone": "Europe/Berlin", "list_density": "compact"},
    )
    assert (changed["locale"], changed["time_zone"], changed["list_density"]) == (
        "en",
        "Europe/Berlin",
        "compact",
    )
    assert rep_zhang.ok("GET", "/auth/me")["time_zone"] == "Europe/Berlin"
    for body, field in (
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"list_density": "cosy"}, "list_density"),
        ({"locale": "fr"}, "locale"),
    ):
        response = rep_zhang.patch("/auth/me", json=body)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field]
    # Nothing of a refused change was kept.
    assert rep_zhang.ok("GET", "/auth/me")["list_density"] == "compact"


def test_the_sign_in_page_learns_whether_single_sign_on_is_offered(client: TestClient) -> None:
    answer = client.get("/api/v1/auth/options")
    assert answer.status_code == 200
    assert answer.json() == {"sso": {"enabled": False, "login_url": None}}

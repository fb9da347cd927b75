"""Administration limits: what the manage_users right reaches, and what a password reset ends."""

from __future__ import annotations

from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DEMO_PASSWORD, DemoOrg
from guanxi.platform.access.users import create_token
from tests.api.conftest import Api, Persona

PERSONA_PASSWORD = "correct horse 1"  # what conftest's admin persona signs in with


def login(client: TestClient, email: str, password: str) -> tuple[int, dict]:
    """Sign in afresh: the client then holds only the new session's cookie."""
    client.cookies.clear()
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return response.status_code, response.json()


def use_session(client: TestClient, secret: str | None) -> None:
    """Send this session cookie from now on (and no other)."""
    assert secret
    client.cookies.clear()
    client.cookies.set("gx_session", secret)


@pytest.fixture
def user_admin(admin: Api, client: TestClient, installed_db: Database, clock: FixedClock) -> Api:
    """何人事 (HR): holds the manage_users right and nothing else."""
    role = admin.ok(
        "POST", "/admin/roles", 201, json={"name": "User admin", "rights": ["manage_users"]}
    )
    user = admin.ok(
        "POST",
        "/admin/users",
        201,
        json={
            "email": "hr.he@example.com",
            "name": "何人事",
            "password": "Hr-pass-2026",
            "role_ids": [role["id"]],
        },
    )
    with installed_db.write() as conn:
        _, token = create_token(conn, UUID(user["id"]), name="tests", now=clock.now())
    return Api(client, token)


def test_only_a_superuser_may_change_a_superuser(
    admin: Api, user_admin: Api, client: TestClient, demo_org: DemoOrg
) -> None:
    admin_id = admin.ok("GET", "/auth/me")["id"]
    for change in (
        {"password": "Taken-0ver!"},
        {"active": False},
        {"role_ids": []},
        {"department_id": str(demo_org.departments["hq"])},
    ):
        response = user_admin.patch(f"/admin/users/{admin_id}", json=change)
        assert response.status_code == 403, (change, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "superuser" in response.json()["detail"]
    assert login(client, "wang.admin@example.com", "Taken-0ver!")[0] == 401
    assert login(client, "wang.admin@example.com", PERSONA_PASSWORD)[0] == 200
    unchanged = admin.ok("GET", f"/admin/users/{admin_id}")
    assert unchanged["active"] and unchanged["is_admin"] and unchanged["department_id"] is None

    # No one becomes a superuser over the API (only `guanxi admin create` makes one).
    hr_id = user_admin.ok("GET", "/auth/me")["id"]
    assert user_admin.patch(f"/admin/users/{hr_id}", json={"is_admin": True}).status_code == 422

    # Nor may HR take over someone holding a right HR lacks (the CEO reads the audit log).
    ceo = user_admin.patch(
        f"/admin/users/{demo_org.users['ceo_chen']}", json={"password": "Taken-0ver!"}
    )
    assert ceo.status_code == 403 and "view_audit_log" in ceo.json()["detail"]
    assert login(client, "ceo.chen@example.com", DEMO_PASSWORD)[0] == 200

    # Ordinary users are still HR's to manage, and a superuser may change a superuser.
    user_admin.ok(
        "PATCH", f"/admin/users/{demo_org.users['rep_zhang']}", json={"password": "N3w-pass!"}
    )
    assert login(client, "rep.zhang@example.com", "N3w-pass!")[0] == 200
    admin.ok("PATCH", f"/admin/users/{admin_id}", json={"manager_id": None})


def test_a_user_manager_hands_out_only_the_rights_they_hold(
    user_admin: Api, demo_org: DemoOrg
) -> None:
    wider = user_admin.post(
        "/admin/roles", json={"name": "Backdoor", "rights": ["manage_users", "view_audit_log"]}
    )
    assert wider.status_code == 403 and "view_audit_log" in wider.json()["detail"]
    helpdesk = user_admin.ok(
        "POST", "/admin/roles", 201, json={"name": "Helpdesk", "rights": ["manage_users"]}
    )
    widened = user_admin.patch(
        f"/admin/roles/{helpdesk['id']}", json={"rights": ["manage_users", "manage_metadata"]}
    )
    assert widened.status_code == 403 and "manage_metadata" in widened.json()["detail"]
    user_admin.ok("PATCH", f"/admin/roles/{helpdesk['id']}", json={"description": "resets"})
    # A right the role already carries is not handed out again by an unrelated change.
    user_admin.ok(
        "PATCH",
        f"/admin/roles/{helpdesk['id']}",
        json={"rights": ["manage_users"], "description": "resets passwords"},
    )

    ceo_role = str(demo_org.roles["CEO"])  # carries view_audit_log
    hr_id = user_admin.ok("GET", "/auth/me")["id"]
    for target in (hr_id, str(demo_org.users["rep_zhang"])):
        response = user_admin.patch(f"/admin/users/{target}", json={"role_ids": [ceo_role]})
        assert response.status_code == 403, response.text
        assert "view_audit_log" in response.json()["detail"]
    crony = user_admin.post(
        "/admin/users",
        json={"email": "crony@example.com", "name": "Crony", "role_ids": [ceo_role]},
    )
    assert crony.status_code == 403
    assert user_admin.ok("GET", "/auth/me")["rights"] == ["manage_users"]
    assert user_admin.get("/admin/audit").status_code == 403

    user_admin.ok(
        "PATCH",
        f"/admin/users/{demo_org.users['rep_zhang']}",
        json={"role_ids": [str(demo_org.roles["Sales director"]), helpdesk["id"]]},
    )


def test_a_password_reset_ends_the_users_sessions_and_revokes_their_tokens(
    admin: Api, persona: Persona, client: TestClient, demo_org: DemoOrg
) -> None:
    zhang = persona("rep_zhang")
    assert login(client, "rep.zhang@example.com", DEMO_PASSWORD)[0] == 200
    session = client.cookies.get("gx_session")
    zhang_id = str(demo_org.users["rep_zhang"])

    admin.ok("PATCH", f"/admin/users/{zhang_id}", json={"password": "N3w-secret!"})

    assert zhang.get("/auth/me").status_code == 401
    use_session(client, session)
    assert client.get("/api/v1/auth/me").status_code == 401
    assert login(client, "rep.zhang@example.com", DEMO_PASSWORD)[0] == 401
    assert login(client, "rep.zhang@example.com", "N3w-secret!")[0] == 200
    entry = admin.ok("GET", "/admin/audit", params={"action": "user.password_reset"})["entries"][0]
    assert entry["target"] == zhang_id
    assert entry["details"] == {"sessions_ended": 1, "tokens_revoked": 1}


def test_changing_your_own_password_keeps_only_the_credential_in_use(
    admin: Api, client: TestClient
) -> None:
    admin_id = admin.ok("GET", "/auth/me")["id"]
    script = Api(
        client,
        admin.ok(
            "POST",
            "/auth/tokens",
            201,
            json={"name": "script", "current_password": PERSONA_PASSWORD},
        )["token"],
    )
    assert login(client, "wang.admin@example.com", PERSONA_PASSWORD)[0] == 200
    session = client.cookies.get("gx_session")

    # With a token: that token goes on working; other tokens and sessions end.
    script.ok("PATCH", f"/admin/users/{admin_id}", json={"password": "Fresh-pass-1"})
    assert script.ok("GET", "/auth/me")["id"] == admin_id
    assert admin.get("/auth/me").status_code == 401
    use_session(client, session)
    assert client.get("/api/v1/auth/me").status_code == 401

    # Signed in: the session making the change stays; the other one and the token end.
    login(client, "wang.admin@example.com", "Fresh-pass-1")
    first_session = client.cookies.get("gx_session")
    _, second = login(client, "wang.admin@example.com", "Fresh-pass-1")
    changed = client.patch(
        f"/api/v1/admin/users/{admin_id}",
        json={"password": "Fresher-pass-2"},
        headers={"X-CSRF-Token": second["csrf_token"]},
    )
    assert changed.status_code == 200, changed.text
    assert client.get("/api/v1/auth/me").status_code == 200
    assert script.get("/auth/me").status_code == 401
    use_session(client, first_session)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_role_setting_sent_as_null_is_refused_not_a_server_error(admin: Api) -> None:
    role = admin.ok("POST", "/admin/roles", 201, json={"name": "Readers", "rights": []})
    for name in ("rights", "objects", "fields", "require_2fa"):
        answer = admin.patch(f"/admin/roles/{role['id']}", json={name: None})
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["errors"][0]["field"] == name
    cleared = admin.patch(f"/admin/roles/{role['id']}", json={"description": None})
    assert cleared.status_code == 200


def test_a_user_needs_a_real_e_mail_address(admin: Api) -> None:
    for email in ("not-an-email", "a@b", "张三"):
        answer = admin.post(
            "/admin/users", json={"email": email, "name": "某人", "password": "Some-pass-2026"}
        )
        assert answer.status_code == 422, (email, answer.text)
        assert answer.json()["errors"][0]["field"] == "email"


def test_a_user_manager_cannot_strip_a_right_they_do_not_hold(
    user_admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    # The CEO role carries view_audit_log, which HR lacks: taking it away, or anything
    # else about the role, is no more HR's business than handing it out.
    ceo_role = f"/admin/roles/{demo_org.roles['CEO']}"
    for change in (
        {"rights": []},
        {"rights": ["view_audit_log"], "description": "the boss"},
        {"objects": {}},
        {"require_2fa": True},  # would shut the CEO out until they set up 2FA
        {"description": "renamed by HR"},
    ):
        response = user_admin.patch(ceo_role, json=change)
        assert response.status_code == 403, (change, response.text)
        assert "view_audit_log" in response.json()["detail"]
    # Nor may HR take the role from the one who holds it, or delete it (there is no way to
    # delete a role over the API at all).
    ceo_chen = f"/admin/users/{demo_org.users['ceo_chen']}"
    stripped = user_admin.patch(ceo_chen, json={"role_ids": []})
    assert stripped.status_code == 403 and "view_audit_log" in stripped.json()["detail"]
    assert user_admin.delete(ceo_role).status_code == 405

    ceo = persona("ceo_chen")
    assert ceo.ok("GET", "/auth/me")["rights"] == ["view_audit_log"]
    assert ceo.get("/admin/audit").status_code == 200
    [role] = [r for r in user_admin.ok("GET", "/admin/roles")["roles"] if r["name"] == "CEO"]
    assert role["description"] is None and not role["require_2fa"]

    # Roles carrying only rights HR holds stay HR's to change, rights included.
    user_admin.ok(
        "PATCH", f"/admin/roles/{demo_org.roles['Sales rep']}", json={"description": "reps"}
    )


def test_reactivating_a_user_revives_none_of_their_old_sessions_or_tokens(
    admin: Api, persona: Persona, client: TestClient, demo_org: DemoOrg
) -> None:
    zhang = persona("rep_zhang")
    assert login(client, "rep.zhang@example.com", DEMO_PASSWORD)[0] == 200
    session = client.cookies.get("gx_session")
    zhang_id = demo_org.users["rep_zhang"]

    admin.ok("PATCH", f"/admin/users/{zhang_id}", json={"active": False})
    assert zhang.get("/auth/me").status_code == 401
    admin.ok("PATCH", f"/admin/users/{zhang_id}", json={"active": True})

    assert zhang.get("/auth/me").status_code == 401
    use_session(client, session)
    assert client.get("/api/v1/auth/me").status_code == 401
    tokens = admin.ok("GET", f"/admin/users/{zhang_id}")
    assert tokens["active"] is True
    entry = admin.ok("GET", "/admin/audit", params={"action": "user.deactivate"})["entries"][0]
    assert entry["details"] == {"sessions_ended": 1, "tokens_revoked": 1}
    # Signing in again works, and gives a fresh session.
    assert login(client, "rep.zhang@example.com", DEMO_PASSWORD)[0] == 200


def _all_pages(api: Api, **params: str) -> list[dict]:
    users: list[dict] = []
    cursor = None
    while True:
        page = api.ok(
            "GET", "/admin/users", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        users += page["users"]
        cursor = page["next_cursor"]
        if cursor is None:
            return users


def test_administrators_page_users_by_name_as_one_user_is_described(
    admin: Api, demo_org: DemoOrg, installed_db: Database
) -> None:
    users = _all_pages(admin, limit="3")
    names = [u["name"] for u in users]
    assert names == sorted(names) and len(names) == len(demo_org.users) + 1  # and the admin
    zhang = next(u for u in users if u["id"] == str(demo_org.users["rep_zhang"]))
    assert zhang == admin.ok("GET", f"/admin/users/{zhang['id']}")
    assert [r["name"] for r in zhang["roles"]] == ["Sales rep"]

    # A page costs the same few queries however many users it holds: no query per user.
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(installed_db.engine, "before_cursor_execute", seen)
    try:
        admin.ok("GET", "/admin/users", params={"limit": "2"})
        small = [s for s in statements if "gx_user" in s]
        statements.clear()
        admin.ok("GET", "/admin/users", params={"limit": "20"})
        large = [s for s in statements if "gx_user" in s]
    finally:
        event.remove(installed_db.engine, "before_cursor_execute", seen)
    assert len(large) == len(small)


def test_the_admin_user_list_filters_by_text_department_state_and_role(
    admin: Api, demo_org: DemoOrg
) -> None:
    def names(**params: str) -> set[str]:
        return {u["name"] for u in _all_pages(admin, **params)}

    # Part of the name or of the e-mail address, any case; wildcards are text.
    assert names(q="WANG") == {"王芳 Wang Fang", "王管理员"}
    assert names(q="rep.liu@") == {"刘洋 Liu Yang"}
    assert names(q="%") == set()
    # A department takes in the departments under it.
    assert names(department_id=str(demo_org.departments["south"])) == {
        "黄总监 Huang Wei (South)",
        "刘洋 Liu Yang",
        "赵敏 Zhao Min",
    }
    assert len(names(department_id=str(demo_org.departments["sales"]))) == 7
    rep_liu = str(demo_org.users["rep_liu"])
    admin.ok("PATCH", f"/admin/users/{rep_liu}", json={"active": False})
    assert names(active="false") == {"刘洋 Liu Yang"}
    assert "刘洋 Liu Yang" not in names(active="true")
    reps = names(role_id=str(demo_org.roles["Sales rep"]), active="true")
    assert reps == {"周经理 Zhou Qiang", "张伟 Zhang Wei", "王芳 Wang Fang", "赵敏 Zhao Min"}


def test_the_admin_user_list_needs_manage_users_and_names_bad_input(
    admin: Api, rep_zhang: Api
) -> None:
    response = rep_zhang.get("/admin/users")
    assert response.status_code == 403
    assert "manage_users" in response.json()["detail"]
    for params, field in (
        ({"cursor": "nope"}, "cursor"),
        ({"department_id": "01a207ed-c2a6-7c79-b99f-09071c643810"}, "department_id"),
    ):
        response = admin.get("/admin/users", params=params)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_audit_log_reads_a_time_window(admin: Api, clock: FixedClock) -> None:
    def made(name: str) -> str:
        at = clock.now().isoformat()
        admin.ok("POST", "/admin/departments", 201, json={"name": name})
        clock.advance(hours=1)
        return at

    first, second, third = made("一部"), made("二部"), made("三部")

    def names(**params: str) -> list[str]:
        entries = admin.ok("GET", "/admin/audit", params={"action": "department.create", **params})[
            "entries"
        ]
        return [e["details"]["name"] for e in entries]

    assert names(since=second) == ["三部", "二部"]
    assert names(until=second) == ["一部"]  # until is exclusive
    assert names(since=first, until=third) == ["二部", "一部"]
    response = admin.get("/admin/audit", params={"until": "2026-12-07T10:00:00"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["until"]


def test_user_managers_list_teams_by_name_with_members_and_how_many_are_active(
    admin: Api, user_admin: Api, rep_zhang: Api, demo_org: DemoOrg, installed_db: Database
) -> None:
    zhang, wang, liu = (str(demo_org.users[n]) for n in ("rep_zhang", "rep_wang", "rep_liu"))
    east = admin.ok(
        "POST",
        "/admin/teams",
        201,
        json={"name": "华东攻坚队 East push", "member_ids": [wang, zhang]},
    )["id"]
    admin.ok("POST", "/admin/teams", 201, json={"name": "空的小组 Empty", "member_ids": []})
    admin.ok("PATCH", f"/admin/users/{wang}", json={"active": False})

    teams = user_admin.ok("GET", "/admin/teams")["teams"]
    assert [t["name"] for t in teams] == [
        "华东攻坚队 East push",
        "空的小组 Empty",
        "重点客户小组 Key accounts",
    ]
    assert teams[0] == {
        "id": east,
        "name": "华东攻坚队 East push",
        "member_ids": sorted([wang, zhang]),  # the order the team takes turns in
        "active_member_count": 1,
    }
    assert teams[1]["member_ids"] == [] and teams[1]["active_member_count"] == 0
    assert teams[2]["member_ids"] == sorted([zhang, liu])

    # The same queries for one team or many: no query per team.
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(installed_db.engine, "before_cursor_execute", seen)
    try:
        admin.ok("GET", "/admin/teams")
        before = [s for s in statements if "gx_team" in s]
        admin.ok("POST", "/admin/teams", 201, json={"name": "第四组 Fourth", "member_ids": [liu]})
        statements.clear()
        assert len(admin.ok("GET", "/admin/teams")["teams"]) == 4
        after = [s for s in statements if "gx_team" in s]
    finally:
        event.remove(installed_db.engine, "before_cursor_execute", seen)
    assert len(after) == len(before) == 2

    response = rep_zhang.get("/admin/teams")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "manage_users" in response.json()["detail"]

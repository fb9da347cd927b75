"""The user directory: every signed-in user finds colleagues by name, without admin rights."""

from __future__ import annotations

from fastapi.testclient import TestClient

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access import org
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.access.directory import initials
from tests.api.conftest import Api


def test_a_rep_finds_colleagues_by_part_of_a_name_with_department_and_initials(
    rep_zhang: Api,
) -> None:
    found = rep_zhang.ok("GET", "/directory/users", params={"q": "wang"})
    assert [u["name"] for u in found["users"]] == ["王芳 Wang Fang"]
    wang = found["users"][0]
    assert wang["initials"] == "王芳"
    assert wang["department"]["name"] == "华东销售部 East China sales"
    assert wang["active"] is True
    # A badge, not a personnel file: nothing an administrator keeps.
    assert set(wang) == {"id", "name", "initials", "department", "active"}


def test_the_directory_pages_by_name_and_resolves_ids(rep_zhang: Api, demo_org: DemoOrg) -> None:
    names: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = rep_zhang.ok("GET", "/directory/users", params=params)
        names += [u["name"] for u in page["users"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(names) == len(demo_org.users) and names == sorted(names)
    wanted = [demo_org.users["ceo_chen"], demo_org.users["rep_liu"]]
    picked = rep_zhang.ok(
        "GET", "/directory/users", params={"ids": ",".join(str(u) for u in wanted)}
    )
    assert {u["id"] for u in picked["users"]} == {str(u) for u in wanted}


def test_inactive_users_stay_named_but_leave_the_picker(
    rep_zhang: Api, demo_org: DemoOrg, installed_db: Database, clock: FixedClock
) -> None:
    with installed_db.write() as conn:
        org.set_active(conn, demo_org.users["rep_zhao"], False, now=clock.now())
    everyone = rep_zhang.ok("GET", "/directory/users", params={"q": "zhao"})
    assert [(u["name"], u["active"]) for u in everyone["users"]] == [("赵敏 Zhao Min", False)]
    active = rep_zhang.ok("GET", "/directory/users", params={"q": "zhao", "active": "true"})
    assert active["users"] == []


def test_a_search_pattern_is_text_and_bad_input_names_its_field(rep_zhang: Api) -> None:
    assert rep_zhang.ok("GET", "/directory/users", params={"q": "%"})["users"] == []
    assert rep_zhang.ok("GET", "/directory/users", params={"q": "_"})["users"] == []
    for params, field in (({"ids": "not-an-id"}, "ids"), ({"cursor": "nope"}, "cursor")):
        response = rep_zhang.get("/directory/users", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field


def test_signing_in_is_needed(client: TestClient) -> None:
    assert client.get("/api/v1/directory/users").status_code == 401


def test_initials_follow_how_names_are_written() -> None:
    assert initials("张伟 Zhang Wei") == "张伟"
    assert initials("欧阳小明") == "小明"
    assert initials("Bench Admin") == "BA"
    assert initials("madonna") == "M"
    assert initials("  ") == "?"

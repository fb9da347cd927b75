"""The customers' duplicate check (customers/duplicates.py) on both databases: what a
user finds when a lead or a new account looks like customers already there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from sqlalchemy import update

from guanxi.kernel.db import Database
from guanxi.modules.customers.duplicates import Duplicates, fill_name_keys, find_duplicates
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.records.context import Ctx
from guanxi.web.deps import Credentials
from tests.api.conftest import Api, Persona


@contextmanager
def _as(client: TestClient, user: Api, *, write: bool = False) -> Iterator[Ctx]:
    """A unit of work as the user behind ``user``'s token, the way a request opens one."""
    services = client.app.state.services  # type: ignore[attr-defined]
    credentials = Credentials(token=user.headers["Authorization"].removeprefix("Bearer "))
    with (services.write if write else services.read)(credentials) as ctx:
        yield ctx


def _check(client: TestClient, user: Api, **given: Any) -> Duplicates:
    with _as(client, user) as ctx:
        return find_duplicates(ctx, **given)


def _account(user: Api, name: str, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = user.ok("POST", "/records/account", 201, json={"name": name, **values})
    return record


def test_a_lead_from_bytedance_beijing_finds_the_registered_account(
    client: TestClient, admin: Api
) -> None:
    bytedance = _account(admin, "北京字节跳动科技有限公司")
    _account(admin, "北京百度网讯科技有限公司")
    assert bytedance["name_key"] == "字节跳动"
    found = _check(client, admin, company="字节跳动（北京）").accounts
    assert [(c.id, c.name, c.score, c.reasons) for c in found] == [
        (bytedance["id"], "北京字节跳动科技有限公司", 1.0, ["same_company_key"])
    ]


def test_candidates_come_best_first_with_their_reasons(client: TestClient, admin: Api) -> None:
    terminal = _account(admin, "华为终端有限公司")
    huawei = _account(admin, "华为技术有限公司")
    _account(admin, "华润万家有限公司")
    found = _check(client, admin, company="华为技术（深圳）").accounts
    assert [(c.id, c.score, c.reasons) for c in found] == [
        (huawei["id"], 1.0, ["same_company_key"]),
        (terminal["id"], 0.75, ["company_key_contains"]),
    ]
    # A shorter name on file is found from a longer one too.
    longer = _check(client, admin, company="华为终端").accounts
    assert [c.id for c in longer] == [terminal["id"], huawei["id"]]
    assert _check(client, admin, company="华为", limit=1).accounts[0].id == huawei["id"]


def test_the_key_follows_the_name_and_cannot_be_set_by_hand(admin: Api) -> None:
    record = _account(admin, "Tencent Technology (Shenzhen) Co., Ltd.")
    assert record["name_key"] == "tencent"
    path = f"/records/account/{record['id']}"
    renamed = admin.ok("PATCH", path, json={"name": "腾讯科技（深圳）有限公司", "version": 1})
    assert renamed["name_key"] == "腾讯"
    forced = admin.ok("PATCH", path, json={"name_key": "阿里巴巴", "version": 2})
    assert forced["name_key"] == "腾讯"
    bulk = admin.ok(
        "POST",
        "/records/account/bulk",
        201,
        json={"records": [{"name": "ＡＢＣ Ｃｏ．，Ｌｔｄ．"}]},
    )
    assert bulk["records"][0]["name_key"] == "abc"


def test_phones_and_emails_match_whatever_way_they_are_written(
    client: TestClient, admin: Api
) -> None:
    account = _account(
        admin, "杭州云帆电子商务有限公司", phone="0571-8888 1234", email="Info@YunFan.cn"
    )
    contact = admin.ok(
        "POST",
        "/records/contact",
        201,
        json={
            "name": "李娜",
            "account": account["id"],
            "mobile": "138 0013 8000",
            "email": "li.na@yunfan.cn",
        },
    )
    admin.ok("POST", "/records/contact", 201, json={"name": "李娜", "mobile": "13900139000"})
    found = _check(
        client,
        admin,
        company="云端数据",
        person_name="李 娜",
        phone="+86 571 88881234",
        email=" INFO@yunfan.cn ",
    )
    assert [(c.id, c.reasons) for c in found.accounts] == [
        (account["id"], ["same_phone", "same_email"])
    ]
    assert found.accounts[0].score == 0.995
    by_mobile = _check(client, admin, person_name="李娜", phone="+8613800138000").contacts
    assert [(c.name, c.reasons) for c in by_mobile] == [
        ("李娜", ["same_person_name", "same_phone"]),
        ("李娜", ["same_person_name"]),
    ]
    assert by_mobile[0].id == contact["id"] and by_mobile[0].score == 0.95
    assert _check(client, admin, phone="not a number", email="nobody") == Duplicates()


def test_a_rep_does_not_see_a_duplicate_outside_their_scope(
    client: TestClient, persona: Persona
) -> None:
    zhang, liu = persona("rep_zhang"), persona("rep_liu")
    dji = _account(zhang, "深圳市大疆创新科技有限公司", phone="0755-26656677")
    zhang.ok("POST", "/records/contact", 201, json={"name": "王强", "account": dji["id"]})
    assert [c.id for c in _check(client, zhang, company="大疆创新").accounts] == [dji["id"]]
    hidden = _check(client, liu, company="大疆创新", person_name="王强", phone="075526656677")
    assert hidden == Duplicates()
    # Their manager's scope covers the rep's customers.
    manager = persona("manager_zhou")
    assert [c.id for c in _check(client, manager, company="大疆创新").accounts] == [dji["id"]]


def test_accounts_without_a_key_are_found_by_name_and_filled_in(
    client: TestClient, admin: Api, installed_db: Database
) -> None:
    old = _account(admin, "宁德时代新能源科技股份有限公司")
    with installed_db.write() as conn:  # as it was before the key existed
        table = Registry().snapshot(conn).table("account")
        conn.execute(update(table).values(name_key=None))
    exact = _check(client, admin, company="宁德时代新能源科技股份有限公司").accounts
    assert [c.id for c in exact] == [old["id"]]
    assert _check(client, admin, company="宁德时代").accounts == []
    with _as(client, admin, write=True) as ctx:
        assert fill_name_keys(ctx) == 1
        assert fill_name_keys(ctx) == 0
    record = admin.ok("GET", f"/records/account/{old['id']}")
    assert record["name_key"] == "宁德时代新能源" and record["version"] == 1
    assert [c.id for c in _check(client, admin, company="宁德时代新能源").accounts] == [old["id"]]


def test_deleted_accounts_are_not_candidates(client: TestClient, admin: Api) -> None:
    gone = _account(admin, "小米科技有限责任公司")
    admin.ok("DELETE", f"/records/account/{gone['id']}", status=204)
    assert _check(client, admin, company="小米").accounts == []
    assert UUID(gone["id"])

"""Customer registration (客户报备): one customer is registered once, by whoever came first."""

from __future__ import annotations

import pytest

from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona
from tests.modules.sales.test_pools import make_pool


def test_a_rep_cannot_register_a_colleagues_customer_under_another_form_of_its_name(
    persona: Persona,
) -> None:
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    zhang.ok("POST", "/records/account", 201, json={"name": "北京字节跳动科技有限公司"})
    refused = wang.post("/records/account", json={"name": "字节跳动（北京）"})
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "already_registered"
    (error,) = problem["errors"]
    assert error["field"] == "name"
    assert (
        error["message"]
        == "客户「北京字节跳动科技有限公司」已由 张伟 Zhang Wei 报备,请联系对方或由管理员转移"
    )
    # Wang may not read Zhang's account: told who has it, not its id
    assert problem["registered"] == {
        "id": None,
        "name": "北京字节跳动科技有限公司",
        "owner": "张伟 Zhang Wei",
        "in_pool": False,
    }
    assert wang.ok("POST", "/records/account/query", json={})["records"] == []


def test_whoever_may_read_it_is_given_its_id_and_a_rename_onto_it_is_refused(
    persona: Persona,
) -> None:
    zhang, zhou = persona("rep_zhang"), persona("manager_zhou")  # Zhou manages Zhang
    first = zhang.ok("POST", "/records/account", 201, json={"name": "华为技术有限公司"})
    refused = zhou.post("/records/account", json={"name": "华为技术"})
    assert refused.status_code == 409 and refused.json()["registered"]["id"] == first["id"]
    other = zhou.ok("POST", "/records/account", 201, json={"name": "中兴通讯股份有限公司"})
    renamed = zhou.patch(
        f"/records/account/{other['id']}",
        json={"name": "华为技术有限公司"},
        headers={"If-Match": f'"{other["version"]}"'},
    )
    assert renamed.status_code == 409 and renamed.json()["errors"][0]["field"] == "name"
    # its own name, written again, is no duplicate of itself
    zhang.ok(
        "PATCH",
        f"/records/account/{first['id']}",
        json={"name": "华为技术有限公司"},
        headers={"If-Match": f'"{first["version"]}"'},
    )


def test_a_customer_in_the_pool_is_to_be_claimed_not_registered_again(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    pool = make_pool(admin, demo_org)
    account = admin.ok(
        "POST", "/records/account", 201, json={"name": "深圳市腾讯计算机系统有限公司"}
    )
    admin.ok("POST", f"/sales/accounts/{account['id']}/release", json={"pool_id": pool["id"]})
    zhang = persona("rep_zhang")
    refused = zhang.post("/records/account", json={"name": "腾讯（深圳）"})
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["message"] == (
        "客户「深圳市腾讯计算机系统有限公司」在公海中,请从公海领取"
    )
    assert refused.json()["registered"]["in_pool"] is True


def test_a_deleted_account_frees_its_name_and_the_check_can_be_turned_off(
    admin: Api, persona: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    gone = zhang.ok("POST", "/records/account", 201, json={"name": "上海某某有限公司"})
    admin.ok("DELETE", f"/records/account/{gone['id']}", 204)
    wang.ok("POST", "/records/account", 201, json={"name": "上海某某有限公司"})
    monkeypatch.setenv("GUANXI_REGISTRATION_DUPLICATES", "off")
    zhang.ok("POST", "/records/account", 201, json={"name": "上海某某有限公司"})


def test_a_lead_converted_into_a_new_account_is_checked_too(persona: Persona) -> None:
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    zhang.ok("POST", "/records/account", 201, json={"name": "北京字节跳动科技有限公司"})
    lead = wang.ok(
        "POST", "/records/lead", 201, json={"name": "李雷", "company": "字节跳动（北京）"}
    )
    refused = wang.post(f"/sales/leads/{lead['id']}/convert", json={})
    assert refused.status_code == 409 and refused.json()["code"] == "already_registered"
    assert wang.ok("GET", f"/records/lead/{lead['id']}")["status"] != "converted"  # rolled back

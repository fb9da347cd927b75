"""Web-to-lead: a form configured in Guanxi, posted to by a website with no sign-in."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona

FORMS = "/sales/forms"
CONSENT = "我同意贵公司按隐私政策处理我的信息。I agree to the privacy policy."


def rotation(admin: Api, demo_org: DemoOrg, *reps: str) -> str:
    ids = [str(demo_org.users[r]) for r in reps]
    rule = admin.ok(
        "POST",
        "/assignment-rules",
        201,
        json={
            "object": "lead",
            "name": {"en": "Website leads", "zh-CN": "官网线索"},
            "strategy": "round_robin",
            "members": {"type": "users", "ids": ids},
        },
    )
    return str(rule["id"])


def make_form(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"name": "官网咨询表单", "fields": ["company", "name", "mobile", "email"], **extra}
    return api.ok("POST", FORMS, 201, json=body)


def post(client: TestClient, form: dict[str, Any], data: Any = None, **kwargs: Any) -> Any:
    return client.post(form["submit_url"], json=data, **kwargs)


def leads(admin: Api) -> list[dict[str, Any]]:
    return admin.ok("POST", "/records/lead/query", json={"limit": 200})["records"]


def test_a_submission_becomes_a_lead_with_its_source_utm_and_consent(
    admin: Api, client: TestClient
) -> None:
    form = make_form(admin, consent_text=CONSENT, required=["company", "mobile"])
    assert form["form_key"] and form["submit_url"] == f"/api/v1/public/forms/{form['form_key']}"
    sent = {
        "company": "字节跳动（北京）",
        "name": "李雷",
        "mobile": "13800138000",
        "email": "lilei@example.com",
        "utm_source": "baidu",
        "utm_medium": "cpc",
        "utm_campaign": "双十二",
        "consent": True,
        "homepage": "",
    }
    answer = post(client, form, sent)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"status": "received"}  # nothing of what was sent comes back
    assert answer.headers["access-control-allow-origin"] == "*"
    (lead,) = leads(admin)
    assert lead["company"] == "字节跳动（北京）" and lead["name"] == "李雷"
    assert lead["source"] == "web_form" and lead["status"] == "new"
    assert lead["web_form"] == form["form_key"]
    assert (lead["utm_source"], lead["utm_medium"], lead["utm_campaign"]) == (
        "baidu",
        "cpc",
        "双十二",
    )
    assert lead["consent_text"] == CONSENT and lead["consent_at"] == "2026-11-23T10:30:00+08:00"


def test_an_html_form_post_is_taken_too(admin: Api, client: TestClient) -> None:
    form = make_form(admin)
    answer = client.post(
        form["submit_url"],
        content="company=%E6%B5%8B%E8%AF%95%E5%85%AC%E5%8F%B8&name=Han+Meimei&mobile=13900139000",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 201, answer.text
    assert [(x["company"], x["name"]) for x in leads(admin)] == [("测试公司", "Han Meimei")]


def test_missing_fields_and_consent_are_named_and_nothing_is_made(
    admin: Api, client: TestClient
) -> None:
    form = make_form(admin, consent_text=CONSENT, required=["company", "mobile"])
    answer = post(client, form, {"name": "李雷", "company": " "})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in answer.json()["errors"]} == {"company", "mobile", "consent"}
    bad = post(
        client,
        form,
        {
            "name": "李雷",
            "company": "某公司",
            "mobile": "13800138000",
            "email": "不是邮箱",
            "consent": "on",
        },
    )
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["email"]
    assert leads(admin) == []


def test_the_honeypot_is_answered_as_accepted_and_makes_nothing(
    admin: Api, client: TestClient
) -> None:
    form = make_form(admin)
    answer = post(
        client, form, {"name": "bot", "company": "spam", "homepage": "http://spam.example"}
    )
    assert answer.status_code == 201 and answer.json() == {"status": "received"}
    assert leads(admin) == []


def test_an_address_is_limited_and_told_when_to_come_back(
    admin: Api, client: TestClient, clock: FixedClock
) -> None:
    form = make_form(admin)
    for i in range(10):
        assert post(client, form, {"name": f"访客{i}"}).status_code == 201
    refused = post(client, form, {"name": "第十一位"})
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_submissions"
    assert int(refused.headers["retry-after"]) == 601
    assert len(leads(admin)) == 10
    clock.advance(minutes=10, seconds=1)  # the first submission left the window
    assert post(client, form, {"name": "第十一位"}).status_code == 201


def test_an_unknown_or_switched_off_form_is_not_found(admin: Api, client: TestClient) -> None:
    form = make_form(admin)
    assert client.post("/api/v1/public/forms/nope", json={"name": "x"}).status_code == 404
    admin.ok("PATCH", f"{FORMS}/{form['id']}", json={"active": False})
    assert post(client, form, {"name": "x"}).status_code == 404


def test_the_public_description_draws_the_form_in_the_visitors_language(
    admin: Api, client: TestClient
) -> None:
    form = make_form(admin, fields=["name", "company", "industry"], required=["company"])
    shown = client.get(form["submit_url"], headers={"Accept-Language": "zh-CN"}).json()
    assert [(f["name"], f["label"], f["required"]) for f in shown["fields"]] == [
        ("name", "姓名", True),
        ("company", "公司名称", True),
        ("industry", "行业", False),
    ]
    assert shown["fields"][2]["options"][0] == {"value": "it", "label": "IT/软件"}
    assert shown["honeypot"] == "homepage" and "owner_id" not in shown


def test_settings_are_checked_against_the_lead_object(admin: Api, persona: Persona) -> None:
    bad = admin.post(
        FORMS,
        json={
            "name": "坏表单",
            "fields": ["name", "status", "nonsense"],
            "required": ["mobile"],
            "defaults": {"source": "nowhere"},
            "assignment_rule_id": "01900000-0000-7000-8000-000000000000",
        },
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "fields.1",
        "fields.2",
        "required.0",
        "defaults.source",
        "assignment_rule_id",
    }
    assert (
        persona("agent_sun").post(FORMS, json={"name": "x", "fields": ["name"]}).status_code == 403
    )


def test_a_rep_manages_only_their_own_forms(admin: Api, persona: Persona) -> None:
    zhang, wang = persona("rep_zhang"), persona("rep_wang")
    mine = make_form(zhang)
    assert [f["id"] for f in zhang.ok("GET", FORMS)["forms"]] == [mine["id"]]
    assert wang.ok("GET", FORMS)["forms"] == []
    assert wang.get(f"{FORMS}/{mine['id']}").status_code == 404
    stale = zhang.patch(
        f"{FORMS}/{mine['id']}", json={"name": "新名字"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert len(admin.ok("GET", FORMS)["forms"]) == 1


def test_submissions_are_handed_out_in_turn(
    admin: Api, client: TestClient, demo_org: DemoOrg
) -> None:
    rule = rotation(admin, demo_org, "rep_zhang", "rep_wang", "rep_liu")
    form = make_form(admin, assignment_rule_id=rule)
    for i in range(6):
        assert (
            post(
                client, form, {"name": f"访客{i}"}, headers={"X-Forwarded-For": str(i)}
            ).status_code
            == 201
        )
    owners = [lead["owner_id"] for lead in sorted(leads(admin), key=lambda x: x["name"])]
    reps = [str(demo_org.users[r]) for r in ("rep_zhang", "rep_wang", "rep_liu")]
    assert owners == reps + reps


def test_parallel_submissions_keep_the_rotation_on_postgresql(
    admin: Api, client: TestClient, demo_org: DemoOrg, installed_db: Database
) -> None:
    if installed_db.is_sqlite:
        pytest.skip("SQLite writers take turns for every write")
    rule = rotation(admin, demo_org, "rep_zhang", "rep_wang", "rep_liu", "rep_zhao")
    form = make_form(admin, assignment_rule_id=rule)

    def submit(i: int) -> int:
        return int(post(client, form, {"name": f"并发访客{i}"}).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(submit, range(10)))
    # The rate limit counts per address and every test request comes from one.
    assert codes == [201] * 10
    counts = Counter(lead["owner_id"] for lead in leads(admin))
    assert sorted(counts.values()) == [2, 2, 3, 3]

"""Webhooks over HTTP, as an integrator sees them: a subscription is made with a secret
shown once; account events reach a real receiver on 127.0.0.1 after the commit, signed,
with one idempotency key per delivery across retries; failures are logged, retried with
back-off, replayed on demand and finally switch the webhook off; private addresses are
refused unless the installation allows them. Time is a FixedClock; nothing sleeps."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.process import outbox, webhooks
from guanxi.web.deps import Services
from tests.api.conftest import Api, Persona, _persona
from tests.receiver import Receiver, receiving


@pytest.fixture
def local(installed_db: Database, clock: FixedClock, tmp_path: Path) -> Iterator[Api]:
    """An administrator on an installation that lets webhooks call 127.0.0.1."""
    app = create_app(
        Settings(files_dir=tmp_path / "files", search_index_interval=0, webhook_allow_private=True),
        db=installed_db,
        clock=clock,
    )
    with TestClient(app) as client:
        yield Api(client, _persona(installed_db, clock, "ops@example.com", "运维", is_admin=True))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def services(api: Api) -> Services:
    found: Services = api.client.app.state.services  # type: ignore[attr-defined]
    return found


def deliver(api: Api) -> outbox.Dispatched:
    """What the worker does after a commit: dispatch what is due."""
    relay = services(api).relay
    assert relay is not None
    return relay.run()


def subscribe(api: Api, url: str, **body: Any) -> dict[str, Any]:
    body = {"url": url, "object": "account", "events": ["created", "updated"], **body}
    made: dict[str, Any] = api.ok("POST", "/webhooks", 201, json=body)
    return made


def verify(secret: str, request: Any) -> dict[str, Any]:
    """What a receiver does: check the signature over the raw body, then read it."""
    parts = dict(p.split("=", 1) for p in request.headers["guanxi-signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    body: dict[str, Any] = orjson.loads(request.body)
    return body


def test_events_arrive_signed_once_per_key_after_commit(
    local: Api, receiver: Receiver, clock: FixedClock
) -> None:
    hook = subscribe(local, receiver.url, description="ERP 同步")
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["events"] == ["created", "updated"]
    shown = local.ok("GET", f"/webhooks/{hook['id']}")
    assert "secret" not in shown and shown["active"] is True
    assert all("secret" not in w for w in local.ok("GET", "/webhooks")["webhooks"])

    account = local.ok("POST", "/records/account", 201, json={"name": "杭州星辰科技有限公司"})
    local.ok(
        "PATCH",
        f"/records/account/{account['id']}",
        json={"name": "杭州星辰科技集团", "version": account["version"]},
    )
    local.ok("DELETE", f"/records/account/{account['id']}", 204)  # not subscribed
    assert deliver(local) == (2, 0, False)

    created, updated = (verify(secret, r) for r in receiver.requests)
    assert created["event"] == "created" and created["object"] == "account"
    assert created["record"]["name"] == "杭州星辰科技有限公司"
    assert created["webhook_id"] == hook["id"] and created["record_id"] == account["id"]
    assert updated["changes"]["name"] == {"old": "杭州星辰科技有限公司", "new": "杭州星辰科技集团"}
    first = receiver.requests[0]
    assert first.headers["idempotency-key"] == created["id"]
    assert first.headers["content-type"] == "application/json"
    assert f"t={int(clock.now().timestamp())}," in first.headers["guanxi-signature"]

    log = local.ok("GET", f"/webhooks/{hook['id']}/deliveries")["deliveries"]
    assert [(d["event"], d["state"], d["attempts"], d["result"]) for d in log] == [
        ("updated", "delivered", 1, "HTTP 200"),
        ("created", "delivered", 1, "HTTP 200"),
    ]
    assert deliver(local) == (0, 0, False)  # nothing twice


def test_a_failing_receiver_gets_the_same_key_until_it_accepts(
    local: Api, receiver: Receiver, clock: FixedClock
) -> None:
    hook = subscribe(local, receiver.url, events=["created"])
    receiver.answers = [500, 503]
    local.ok("POST", "/records/account", 201, json={"name": "苏州工业园区物流有限公司"})
    assert deliver(local) == (0, 1, False)
    [waiting] = local.ok("GET", f"/webhooks/{hook['id']}/deliveries")["deliveries"]
    assert waiting["state"] == "pending" and waiting["error"].endswith("HTTP 500")
    assert local.ok("GET", f"/webhooks/{hook['id']}")["failures"] == 1
    clock.advance(seconds=outbox.FIRST_RETRY.total_seconds())
    assert deliver(local) == (0, 1, False)
    clock.advance(seconds=2 * outbox.FIRST_RETRY.total_seconds())
    assert deliver(local) == (1, 0, False)

    keys = {r.headers["idempotency-key"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and keys == {waiting["idempotency_key"]}
    assert len(receiver.accepted()) == 1  # exactly once, as the receiver sees it
    [done] = local.ok("GET", f"/webhooks/{hook['id']}/deliveries")["deliveries"]
    assert (done["state"], done["attempts"], done["error"]) == ("delivered", 3, None)
    assert local.ok("GET", f"/webhooks/{hook['id']}")["failures"] == 0


def test_a_replay_is_a_new_delivery_of_the_same_event(local: Api, receiver: Receiver) -> None:
    hook = subscribe(local, receiver.url, events=["created"])
    local.ok("POST", "/records/account", 201, json={"name": "成都天府软件有限公司"})
    deliver(local)
    [first] = local.ok("GET", f"/webhooks/{hook['id']}/deliveries")["deliveries"]
    again = local.ok("POST", f"/webhooks/{hook['id']}/deliveries/{first['id']}/replay", 201)
    assert again["state"] == "pending" and again["idempotency_key"] != first["idempotency_key"]
    deliver(local)
    bodies = [verify(hook["secret"], r) for r in receiver.requests]
    assert [b["record_id"] for b in bodies] == [first["record_id"]] * 2
    assert local.post(f"/webhooks/{hook['id']}/deliveries/999999/replay").status_code == 404


def test_repeated_failures_switch_the_webhook_off_until_it_is_switched_on(
    local: Api, receiver: Receiver, clock: FixedClock
) -> None:
    hook = subscribe(local, receiver.url, events=["created"])
    receiver.answers = [500] * webhooks.DISABLE_AFTER
    for n in range(2):
        local.ok("POST", "/records/account", 201, json={"name": f"失败测试{n}号有限公司"})
    while len(receiver.requests) < webhooks.DISABLE_AFTER:
        deliver(local)
        clock.advance(seconds=outbox.MAX_BACKOFF.total_seconds())
    shown = local.ok("GET", f"/webhooks/{hook['id']}")
    assert shown["active"] is False and "20 failed attempts" in shown["disabled_reason"]
    deliver(local)  # what still waited ends without a call
    assert len(receiver.requests) == webhooks.DISABLE_AFTER
    states = {
        d["state"] for d in local.ok("GET", f"/webhooks/{hook['id']}/deliveries")["deliveries"]
    }
    assert states == {"failed"}
    local.ok("POST", "/records/account", 201, json={"name": "关掉以后有限公司"})
    assert len(local.ok("GET", f"/webhooks/{hook['id']}/deliveries")["deliveries"]) == 2

    on = local.ok(
        "PATCH", f"/webhooks/{hook['id']}", json={"active": True, "version": shown["version"]}
    )
    assert (on["active"], on["failures"], on["disabled_reason"]) == (True, 0, None)
    local.ok("POST", "/records/account", 201, json={"name": "重新开启有限公司"})
    assert deliver(local).delivered == 1


def test_private_and_local_addresses_are_refused(admin: Api) -> None:
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",  # the cloud metadata service
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "ftp://example.com/hook",
        "not a url",
    ):
        refused = admin.post(
            "/webhooks", json={"url": url, "object": "account", "events": ["created"]}
        )
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["errors"][0]["field"] == "url"
    assert admin.ok("GET", "/webhooks")["webhooks"] == []


def test_bad_bodies_name_the_field(admin: Api) -> None:
    cases = {
        "object": {"url": "https://example.com/h", "object": "nothing", "events": ["created"]},
        "events": {"url": "https://example.com/h", "object": "account", "events": ["opened"]},
    }
    for field, body in cases.items():
        refused = admin.post("/webhooks", json=body)
        assert refused.status_code == 422
        assert field in {e["field"].split(".")[0] for e in refused.json()["errors"]}


def test_a_stale_change_is_refused_and_the_secret_can_be_renewed(
    local: Api, receiver: Receiver
) -> None:
    hook = subscribe(local, receiver.url)
    changed = local.ok(
        "PATCH",
        f"/webhooks/{hook['id']}",
        json={"events": ["updated"]},
        headers={"If-Match": '"1"'},
    )
    assert changed["events"] == ["updated"] and changed["version"] == 2
    stale = local.patch(f"/webhooks/{hook['id']}", json={"active": False, "version": 1})
    assert stale.status_code == 412
    assert local.patch(f"/webhooks/{hook['id']}", json={"active": False}).status_code == 428
    renewed = local.ok("POST", f"/webhooks/{hook['id']}/secret")
    assert renewed["secret"] != hook["secret"]
    local.ok("DELETE", f"/webhooks/{hook['id']}", 204)
    assert local.get(f"/webhooks/{hook['id']}").status_code == 404


def test_only_automation_managers_see_webhooks(persona: Persona) -> None:
    rep = persona("rep_zhang")
    assert rep.get("/webhooks").status_code == 403
    body = {"url": "https://example.com/h", "object": "account", "events": ["created"]}
    assert rep.post("/webhooks", json=body).status_code == 403


def test_the_outbox_log_shows_failures_and_retries_them_under_the_same_key(
    local: Api, receiver: Receiver, clock: FixedClock, persona: Persona
) -> None:
    subscribe(local, receiver.url, events=["created"])
    receiver.answers = [502]
    local.ok("POST", "/records/account", 201, json={"name": "深圳前海贸易有限公司"})
    deliver(local)
    [waiting] = local.ok("GET", "/admin/outbox", params={"state": "pending"})["messages"]
    assert (waiting["handler"], waiting["event"], waiting["attempts"]) == ("webhook", "created", 1)
    assert waiting["error"].endswith("HTTP 502") and waiting["due_at"] is not None
    local.ok("POST", f"/admin/outbox/{waiting['id']}/retry")  # now, not in 30 s
    assert deliver(local) == (1, 0, False)
    assert {r.headers["idempotency-key"] for r in receiver.requests} == {waiting["idempotency_key"]}
    [done] = local.ok("GET", "/admin/outbox", params={"handler": "webhook"})["messages"]
    assert done["state"] == "done" and done["result"] == "HTTP 200"
    assert local.post(f"/admin/outbox/{done['id']}/retry").status_code == 404
    assert persona("rep_zhang").get("/admin/outbox").status_code == 403


def test_a_contract_approved_reaches_the_receiver_once_though_it_failed_twice(
    local: Api, receiver: Receiver, clock: FixedClock, persona: Persona, demo_org: DemoOrg
) -> None:
    """The process engine's story: a contract submitted for approval, approved by the
    manager; the change to active goes out signed and, as the receiver sees it, once."""
    hook = subscribe(local, receiver.url, object="contract", events=["updated"])
    manager = str(demo_org.users["manager_zhou"])
    local.ok(
        "POST",
        "/approvals/processes",
        201,
        json={
            "object": "contract",
            "name": "合同审批",
            "steps": [{"name": "经理", "approvers": [{"type": "user", "id": manager}]}],
            "on_submit": [{"type": "update_fields", "values": {"status": "pending_approval"}}],
            "on_approve": [{"type": "update_fields", "values": {"status": "active"}}],
        },
    )
    rep = persona("rep_zhang")
    account = rep.ok("POST", "/records/account", 201, json={"name": "审批回调测试有限公司"})
    deal = rep.ok(
        "POST",
        "/records/contract",
        201,
        json={"name": "年度框架合同", "account": account["id"], "amount": "1500000"},
    )
    request = rep.ok("POST", f"/records/contract/{deal['id']}/approval", 201, json={})
    deliver(local)  # draft → pending_approval (and the approver's notice e-mail: no SMTP here)
    assert len(receiver.requests) == 1
    receiver.answers = [500, 500]
    persona("manager_zhou").ok(
        "POST", f"/approvals/{request['id']}/approve", json={"comment": "同意"}
    )
    for _ in range(3):
        deliver(local)
        clock.advance(seconds=outbox.MAX_BACKOFF.total_seconds())
    final = [
        r for r in receiver.requests if orjson.loads(r.body)["changes"]["status"]["new"] == "active"
    ]
    assert len(final) == 3 and len({r.headers["idempotency-key"] for r in final}) == 1
    accepted = [
        verify(hook["secret"], r)
        for r in receiver.accepted()
        if orjson.loads(r.body)["changes"]["status"]["new"] == "active"
    ]
    assert len(accepted) == 1 and accepted[0]["record"]["status"] == "active"
    assert accepted[0]["record_id"] == deal["id"]

"""Notifications as users and integrators meet them: an in-app centre where each user
sees only their own, read one by one or all at once; e-mail through a real SMTP server
on 127.0.0.1 in the recipient's language, sent after commit and recognisable across
retries by its Message-ID; chat robots signed as DingTalk and Feishu document; per-user
channel preferences; and a live stream of server-sent events. Time is a FixedClock for
the outbox; the stream is read with a bounded wait, never a sleep."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import orjson
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from guanxi.api import notifications as notifications_api
from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.tables import gx_api_token, gx_user
from guanxi.platform.process import notifications
from guanxi.platform.process.outbox import Dispatched
from guanxi.platform.process.tables import gx_notification, gx_outbox
from guanxi.web.deps import Credentials, Services
from tests.api.conftest import Api, _persona
from tests.receiver import Receiver, receiving


@dataclass
class Mailbox:
    """What a real SMTP server on 127.0.0.1 accepted; ``refuse`` first answers 451."""

    port: int = 0
    mails: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        content = envelope.original_content or b""
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.mails.append(mail)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Office:
    admin: Api
    bob: Api  # reads Chinese
    alice: Api  # reads English
    ids: dict[str, UUID]
    db: Database

    @property
    def services(self) -> Services:
        found: Services = self.admin.client.app.state.services  # type: ignore[attr-defined]
        return found

    def deliver(self) -> Dispatched:
        relay = self.services.relay
        assert relay is not None
        return relay.run()


@pytest.fixture
def office(
    installed_db: Database, clock: FixedClock, tmp_path: Path, mailbox: Mailbox
) -> Iterator[Office]:
    app = create_app(
        Settings(
            files_dir=tmp_path / "files",
            search_index_interval=0,
            webhook_allow_private=True,
            smtp_host="127.0.0.1",
            smtp_port=mailbox.port,
            smtp_starttls=False,
            smtp_from="Guanxi CRM <crm@guanxi.example>",
            public_url="https://crm.example.com",
        ),
        db=installed_db,
        clock=clock,
    )
    with TestClient(app) as client:
        admin = Api(client, _persona(installed_db, clock, "ops@example.com", "运维", is_admin=True))
        bob = Api(client, _persona(installed_db, clock, "bob@example.com", "张伟", is_admin=False))
        alice = Api(
            client, _persona(installed_db, clock, "alice@example.com", "Alice", is_admin=False)
        )
        alice.ok("PATCH", "/auth/me", json={"locale": "en"})
        with installed_db.read() as conn:
            ids = {row.email.split("@")[0]: row.id for row in conn.execute(select(gx_user))}
        yield Office(admin, bob, alice, ids, installed_db)


def send(office: Office, *users: str, **body: Any) -> list[str]:
    body = {
        "user_ids": [str(office.ids[u]) for u in users],
        "title": {"en": "Contract approved", "zh-CN": "合同已批准"},
        **body,
    }
    made: list[str] = office.admin.ok("POST", "/notifications", 201, json=body)["ids"]
    return made


def test_each_user_sees_and_reads_only_their_own(office: Office, clock: FixedClock) -> None:
    account = office.admin.ok("POST", "/records/account", 201, json={"name": "华为"})
    first = send(office, "bob", "alice", link={"object": "account", "record_id": account["id"]})
    clock.advance(minutes=1)
    second = send(office, "bob", title="Quarter closes Friday", body="请提交预测")

    mine = office.bob.ok("GET", "/notifications")
    assert [n["id"] for n in mine["notifications"]] == [second[0], first[0]]  # newest first
    assert mine["unread"] == 2
    newest, oldest = mine["notifications"]
    assert oldest["title"] == "合同已批准"  # bob reads Chinese
    assert oldest["link"] == {"object": "account", "record_id": account["id"]}
    assert oldest["actor"]["name"] == "运维"
    assert newest["body"] == "请提交预测"
    english = office.alice.ok("GET", "/notifications")["notifications"]
    assert [n["title"] for n in english] == ["Contract approved"]
    assert office.admin.ok("GET", "/notifications")["notifications"] == []

    # Another user's notification is not there to read.
    assert office.alice.post(f"/notifications/{oldest['id']}/read").status_code == 404
    assert office.bob.ok("POST", f"/notifications/{oldest['id']}/read")["unread"] == 1
    assert office.bob.ok("GET", "/notifications/unread-count") == {"unread": 1}
    page = office.bob.ok("GET", "/notifications", params={"limit": 1})
    assert page["next_before"] == second[0]
    rest = office.bob.ok("GET", "/notifications", params={"before": page["next_before"]})
    assert [n["read"] for n in rest["notifications"]] == [True]
    assert office.bob.ok("GET", "/notifications", params={"unread": "true"})["unread"] == 1
    assert office.bob.ok("POST", "/notifications/read-all") == {"read": 1, "unread": 0}
    assert office.alice.ok("GET", "/notifications/unread-count") == {"unread": 1}

    # Notifying someone else takes manage_automation; yourself, not.
    refused = office.bob.post(
        "/notifications", json={"user_ids": [str(office.ids["alice"])], "title": "hi"}
    )
    assert refused.status_code == 403
    office.bob.ok(
        "POST", "/notifications", 201, json={"user_ids": [str(office.ids["bob"])], "title": "备忘"}
    )


def test_a_rolled_back_write_notifies_nobody(office: Office) -> None:
    class Undone(Exception):
        pass

    with (
        pytest.raises(Undone),
        office.services.write(Credentials(token=office.admin.headers["Authorization"][7:])) as ctx,
    ):
        notifications.notify(ctx, [office.ids["bob"]], kind="approval", title="合同已批准")
        raise Undone
    with office.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(gx_notification)).scalar() == 0
        queued = select(func.count()).select_from(gx_outbox).where(gx_outbox.c.handler == "email")
        assert conn.execute(queued).scalar() == 0


def test_email_arrives_in_each_language_with_one_message_id_across_retries(
    office: Office, mailbox: Mailbox, clock: FixedClock
) -> None:
    account = office.admin.ok("POST", "/records/account", 201, json={"name": "华为"})
    mailbox.refuse = 1  # the server turns the first attempt away
    send(
        office,
        "bob",
        "alice",
        kind="approval",  # by e-mail unless the user says otherwise
        title={"en": "Approve <Huawei> & co", "zh-CN": "请审批 <华为>"},
        body="金额 1,200,000",
        link={"object": "account", "record_id": account["id"]},
    )
    assert mailbox.mails == []  # nothing before the dispatch that follows the commit
    first = office.deliver()
    assert (first.delivered, first.failed) == (1, 1)
    clock.advance(minutes=5)
    assert office.deliver().delivered == 1
    by_to = {m["To"]: m for m in mailbox.mails}
    assert set(by_to) == {"bob@example.com", "alice@example.com"}
    with office.db.read() as conn:
        keys = {
            r.target_id: r.key
            for r in conn.execute(select(gx_outbox).where(gx_outbox.c.handler == "email"))
        }
    bob_mail = by_to["bob@example.com"]
    assert bob_mail["Message-ID"] == f"<{keys[office.ids['bob']]}@guanxi.example>"
    assert bob_mail["From"] == "Guanxi CRM <crm@guanxi.example>"
    assert bob_mail["Subject"] == "请审批 <华为>"
    text = bob_mail.get_body(("plain",))
    assert text is not None
    assert f"https://crm.example.com/o/account/{account['id']}" in text.get_content()
    assert "在 Guanxi 中打开" in text.get_content()
    page = by_to["alice@example.com"].get_body(("html",))
    assert page is not None
    html = page.get_content()
    assert "Approve &lt;Huawei&gt; &amp; co" in html and "<Huawei>" not in html
    assert "Open in Guanxi" in html


def test_preferences_choose_the_channels_per_kind(office: Office, mailbox: Mailbox) -> None:
    prefs = office.bob.ok("GET", "/notifications/preferences")["kinds"]
    assert prefs["approval"] == {"in_app": True, "email": True, "robot": False}
    assert prefs["system"] == {"in_app": True, "email": False, "robot": False}
    changed = office.bob.ok(
        "PUT",
        "/notifications/preferences",
        json={"kinds": {"approval": {"email": False}, "system": {"in_app": False}}},
    )["kinds"]
    assert changed["approval"] == {"in_app": True, "email": False, "robot": False}
    assert office.alice.ok("GET", "/notifications/preferences")["kinds"]["approval"]["email"]

    send(office, "bob", kind="approval")
    send(office, "bob", kind="system")
    office.deliver()
    assert mailbox.mails == []
    assert office.bob.ok("GET", "/notifications")["unread"] == 1  # the approval only
    bad = office.bob.request("PUT", "/notifications/preferences", json={"kinds": {"A B": {}}})
    assert bad.status_code == 422


def test_chat_robots_are_signed_as_each_vendor_documents(office: Office, clock: FixedClock) -> None:
    with receiving() as receiver:
        robots = {
            vendor: office.admin.ok(
                "POST",
                "/notifications/robots",
                201,
                json={
                    "vendor": vendor,
                    "name": f"{vendor} 销售群",
                    "url": f"{receiver.url}?{'key' if vendor == 'wecom' else 'access_token'}=T",
                    "secret": None if vendor == "wecom" else f"SEC{vendor}",
                },
            )
            for vendor in ("dingtalk", "feishu", "wecom")
        }
        assert all(r["signed"] != (v == "wecom") for v, r in robots.items())
        assert "secret" not in robots["dingtalk"]
        office.bob.ok(
            "PUT", "/notifications/preferences", json={"kinds": {"system": {"robot": True}}}
        )
        send(office, "bob", "alice", title="新线索：华为")  # alice keeps the robot off
        assert office.deliver().delivered == 3
        posts = received(receiver)
    at = int(clock.now().timestamp())

    query = parse_qs(urlsplit(posts["dingtalk"].path).query)
    assert query["timestamp"] == [str(at * 1000)]
    expected = hmac.new(b"SECdingtalk", f"{at * 1000}\nSECdingtalk".encode(), hashlib.sha256)
    assert query["sign"] == [base64.b64encode(expected.digest()).decode()]
    assert orjson.loads(posts["dingtalk"].body)["text"]["content"] == "新线索：华为\n@张伟"

    feishu = orjson.loads(posts["feishu"].body)
    key = f"{at}\nSECfeishu".encode()
    assert feishu["timestamp"] == str(at)
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu["msg_type"] == "text" and feishu["content"]["text"].startswith("新线索")

    wecom = posts["wecom"]
    assert parse_qs(urlsplit(wecom.path).query) == {"key": ["T"]}
    assert orjson.loads(wecom.body)["msgtype"] == "text"


def received(receiver: Receiver) -> dict[str, Any]:
    by_vendor = {}
    for request in receiver.requests:
        body = orjson.loads(request.body)
        if "msg_type" in body:
            by_vendor["feishu"] = request
        elif "timestamp" in request.path:
            by_vendor["dingtalk"] = request
        else:
            by_vendor["wecom"] = request
    return by_vendor


def test_robots_on_private_addresses_are_refused_unless_allowed(admin: Api) -> None:
    answer = admin.post(
        "/notifications/robots",
        json={"vendor": "dingtalk", "name": "内网", "url": "http://127.0.0.1:9/robot/send"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "url"


@pytest.fixture
def served(office: Office) -> Iterator[str]:
    """The same app served over a real socket: a stream needs a server that sends as it goes."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(office.admin.client.app, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_the_stream_sends_the_unread_count_and_new_notifications(
    office: Office, served: str
) -> None:
    send(office, "bob", title="旧的")
    timeout = httpx.Timeout(10.0)  # a bounded wait for each event
    with (
        httpx.Client(base_url=served, headers=office.bob.headers, timeout=timeout) as client,
        client.stream("GET", "/notifications/stream") as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse(stream.iter_lines())
        assert next(events) == ("unread", {"unread": 1})
        made = send(office, "bob", title={"en": "Won", "zh-CN": "赢单了"})
        name, item = next(events)
        assert (name, item["id"], item["title"]) == ("notification", made[0], "赢单了")
        assert next(events) == ("unread", {"unread": 2})
        office.bob.ok("POST", "/notifications/read-all")
        assert next(events) == ("unread", {"unread": 0})
    # The server ends the stream once the client has gone: nobody listens for bob any more.
    deadline = time.monotonic() + 10
    while notifications.LIVE.listening(office.ids["bob"]) and time.monotonic() < deadline:
        time.sleep(0.05)  # a bounded poll for the server thread to notice
    assert notifications.LIVE.listening(office.ids["bob"]) == 0
    assert httpx.get(f"{served}/notifications/stream").status_code == 401


def test_the_stream_ends_once_its_credential_is_revoked(
    office: Office, served: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications_api, "RECHECK", 0.0)  # check the session every poll
    with (
        httpx.Client(base_url=served, headers=office.bob.headers, timeout=10.0) as client,
        client.stream("GET", "/notifications/stream") as stream,
    ):
        lines = stream.iter_lines()
        assert next(sse(lines)) == ("unread", {"unread": 0})
        with office.db.write() as conn:
            conn.execute(
                update(gx_api_token)
                .where(gx_api_token.c.user_id == office.ids["bob"])
                .values(revoked_at=clock.now())
            )
        send(office, "bob", title="不该再收到")  # wakes the stream, which finds bob signed out
        assert [name for name, _ in sse(lines)] == []  # the server ended it


def sse(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, orjson.loads(line[6:])


def test_an_email_template_fills_merge_fields_safely_in_each_language(
    office: Office, mailbox: Mailbox
) -> None:
    """What an automation rule's "send e-mail from a template" does."""
    template: dict[str, notifications.Text] = {
        "subject": {"en": "Renewal due: {{ record.name }}", "zh-CN": "续约提醒：{{ record.name }}"},
        "text": {"en": "Dear {{ user }}, {{ record.name }} renews on {{ record.end }}.{{ x.y }}"},
        "html": "<p>{{ record.name }} · {{ __import__('os').getcwd() }} · {{ record }}</p>",
    }
    fields = {"user": "Alice", "record": {"name": "<b>星辰</b> & Co", "end": "2027-01-31"}}
    with office.services.write(Credentials(token=office.admin.headers["Authorization"][7:])) as ctx:
        queued = notifications.send_email(
            ctx, [office.ids["alice"], office.ids["bob"]], template, fields
        )
    assert queued == 2
    office.deliver()
    by_to = {m["To"]: m for m in mailbox.mails}
    english = by_to["alice@example.com"]
    assert english["Subject"] == "Renewal due: <b>星辰</b> & Co"
    text = english.get_body(("plain",))
    assert text is not None
    assert text.get_content().strip() == "Dear Alice, <b>星辰</b> & Co renews on 2027-01-31."
    page = english.get_body(("html",))
    assert page is not None
    # Values are escaped in HTML; a field that is not a plain name is left as written.
    assert page.get_content().strip() == (
        "<p>&lt;b&gt;星辰&lt;/b&gt; &amp; Co · {{ __import__('os').getcwd() }} · </p>"
    )
    # Bob reads Chinese; a template without his language falls back to the other.
    assert by_to["bob@example.com"]["Subject"] == "续约提醒：<b>星辰</b> & Co"
    bob_text = by_to["bob@example.com"].get_body(("plain",))
    assert bob_text is not None and bob_text.get_content().startswith("Dear Alice")

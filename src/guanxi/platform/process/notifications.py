"""Notifications: the in-app centre, e-mail over SMTP and chat group robots, by each
user's preferences.

The service API other parts call (automation rules, approvals, SLA escalations), always
with the ``Ctx`` of the write that causes it, so a rolled-back write notifies nobody:

- :func:`notify` ``(ctx, user_ids, *, kind, title, body=None, link=None, url=None,
  actor=None)`` tells users something. ``title`` and ``body`` are one text or
  ``{"en": …, "zh-CN": …}`` (each user reads their language); ``link`` is
  ``(object, record_id)`` (the record's page) or ``url`` an http(s) address or an app path;
  ``actor`` is who caused it (default: the ctx's user). It writes one ``gx_notification``
  row per recipient who wants ``kind`` in the app, and queues, in the same transaction,
  one outbox message (:mod:`guanxi.platform.process.outbox`) per recipient who wants it
  by e-mail (handler ``"email"``) and one per active chat robot when a recipient wants it
  by robot (handler ``"robot"``). Those are sent after the commit, at least once, retried
  with back-off. Returns the ids of the in-app rows.
- :func:`send_email` ``(ctx, user_ids, template, fields, *, link=None)`` queues an e-mail
  from a template: ``{"subject", "text", "html"?}``, each one text or per language, with
  ``{{ name }}`` merge fields filled from ``fields`` (dotted names reach into nested
  mappings; values are HTML-escaped in the HTML part; nothing is evaluated).
- :func:`post_to_robot` ``(ctx, robot_id, text)`` queues a message to one group robot.

Per-user preferences choose the channels per kind (``in_app``, ``email``, ``robot``);
kinds without a stored choice take :data:`KINDS`' defaults (or :data:`DEFAULT`). E-mail
goes through the installation's SMTP server (``GUANXI_SMTP_*``); every attempt of one
message has the same ``Message-ID``, derived from its idempotency key, so a retry is
recognisable. Robots (DingTalk, WeCom, Feishu) are signed as each vendor documents and
obey the webhooks' SSRF rules (:func:`~guanxi.platform.process.webhooks.check_url` when
saved, :func:`~guanxi.platform.process.webhooks.http_client` when sent).

The live stream (``GET /api/v1/notifications/stream``) is woken in this process by
:data:`LIVE` once a notifying transaction commits, and polls cheaply for what other
processes wrote.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import re
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any, Literal
from urllib.parse import quote, urlsplit
from uuid import UUID

import orjson
from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.db import after_commit
from guanxi.kernel.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_user
from guanxi.platform.process.outbox import GiveUp, Message, Outgoing, enqueue
from guanxi.platform.process.tables import gx_chat_robot, gx_notification, gx_notification_pref
from guanxi.platform.process.webhooks import Poster, check_url
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

EMAIL = "email"
ROBOT = "robot"
RIGHT = "manage_automation"  # managing robots, notifying others through the API
MAX_PAGE = 100
TIMEOUT = 10.0
KIND = re.compile(r"^[a-z][a-z0-9_.]{0,62}$")
LANGUAGES = ("en", "zh-CN")
VENDORS = ("dingtalk", "wecom", "feishu")

Text = str | Mapping[str, str]


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool
    robot: bool

    def shown(self) -> dict[str, bool]:
        return {"in_app": self.in_app, "email": self.email, "robot": self.robot}


DEFAULT = Channels(in_app=True, email=False, robot=False)
# The kinds the platform sends, with what a user gets until they choose: what needs their
# action also comes by e-mail.
KINDS: dict[str, Channels] = {
    "approval": Channels(in_app=True, email=True, robot=False),
    "assignment": Channels(in_app=True, email=True, robot=False),
    "mention": Channels(in_app=True, email=True, robot=False),
    "sla": Channels(in_app=True, email=True, robot=False),
    "automation": DEFAULT,
    "system": DEFAULT,
}


# -- the live stream's wake-up, per process -----------------------------------------------------
class Listeners:
    """Streams waiting for their user's news in this process; :meth:`ring` wakes them
    (from any thread) once a transaction that notified them commits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[UUID, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    @contextmanager
    def listen(self, user_id: UUID) -> Iterator[asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiting.setdefault(user_id, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                waiting = self._waiting.get(user_id, set())
                waiting.discard(entry)
                if not waiting:
                    self._waiting.pop(user_id, None)

    def listening(self, user_id: UUID) -> int:
        """How many streams of ``user_id`` this process holds open."""
        with self._lock:
            return len(self._waiting.get(user_id, ()))

    def ring(self, user_ids: Iterable[UUID]) -> None:
        with self._lock:
            entries = [e for u in set(user_ids) for e in self._waiting.get(u, ())]
        for loop, event in entries:
            # A stream whose loop has closed has nothing to wake.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)


LIVE = Listeners()


def _ring_after_commit(conn: Connection, user_ids: Sequence[UUID]) -> None:
    if user_ids:
        ids = tuple(user_ids)
        after_commit(conn, lambda: LIVE.ring(ids))


# -- texts and templates ---------------------------------------------------------------------
def in_language(text: Any, locale: str) -> str:
    """``text`` (one text or per language) in ``locale``, else the other language."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for language in (locale, *LANGUAGES):
        if text.get(language):
            return str(text[language])
    return ""


_FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}")


def render(template: str, fields: Mapping[str, Any], *, as_html: bool = False) -> str:
    """``template`` with each ``{{ name }}`` (or ``{{ record.name }}``) replaced by its
    value in ``fields`` (missing: empty); in HTML the values are escaped. Nothing in the
    template or the values is evaluated."""

    def value(match: re.Match[str]) -> str:
        found: Any = fields
        for part in match.group(1).split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        if isinstance(found, Mapping):
            found = None
        shown = "" if found is None else str(plain(found))
        return html.escape(shown, quote=True) if as_html else shown

    return _FIELD.sub(value, template)


def _check_text(field: str, text: Any, *, required: bool) -> None:
    ok = (isinstance(text, str) and (text.strip() or not required)) or (
        isinstance(text, Mapping)
        and set(text) <= set(LANGUAGES)
        and all(isinstance(v, str) for v in text.values())
        and (any(v.strip() for v in text.values()) or not required)
    )
    if text is None and not required:
        return
    if not ok:
        why = 'must be a text or {"en": …, "zh-CN": …}'
        raise ValidationFailed(f"{field}: {why}", errors=[FieldError(field, why, "invalid")])


# -- notifying --------------------------------------------------------------------------------
def notify(
    ctx: Ctx,
    user_ids: Iterable[UUID],
    *,
    kind: str,
    title: Text,
    body: Text | None = None,
    link: tuple[str, UUID] | None = None,
    url: str | None = None,
    actor: UUID | None = None,
) -> list[UUID]:
    """Tell ``user_ids`` something, by each one's channels for ``kind``; see the module's
    docstring. Inactive and unknown users are skipped."""
    if not KIND.match(kind):
        why = "must be lower-case letters, digits, _ or ."
        raise ValidationFailed(f"kind: {why}", errors=[FieldError("kind", why, "invalid")])
    _check_text("title", title, required=True)
    _check_text("body", body, required=False)
    app_path = url is not None and url.startswith("/") and not url.startswith("//")
    if url is not None and not app_path and urlsplit(url).scheme not in ("http", "https"):
        why = "must be an http(s) address or a path of the app"
        raise ValidationFailed(f"url: {why}", errors=[FieldError("url", why, "url")])
    if link is not None and ctx.snap.objects.get(link[0]) is None:
        why = f"no object named {link[0]!r}"
        raise ValidationFailed(f"link: {why}", errors=[FieldError("link", why, "unknown")])
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    users = ctx.conn.execute(
        select(gx_user.c.id, gx_user.c.email, gx_user.c.name, gx_user.c.locale).where(
            gx_user.c.id.in_(wanted), gx_user.c.active.is_(True)
        )
    ).all()
    chosen = _choices(ctx.conn, [u.id for u in users], kind)
    actor_id = actor if actor is not None else ctx.actor.user_id
    path = f"/o/{link[0]}/{link[1]}" if link else url
    object_name = link[0] if link else "notification"
    record_id = link[1] if link else None
    rows: list[dict[str, Any]] = []
    by_robot: list[str] = []
    for user in sorted(users, key=lambda u: wanted.index(u.id)):
        channels = chosen.get(user.id, KINDS.get(kind, DEFAULT))
        if channels.in_app:
            rows.append(
                {
                    "id": uuid7(),
                    "user_id": user.id,
                    "kind": kind,
                    "title": title,
                    "body": body,
                    "object_name": link[0] if link else None,
                    "record_id": link[1] if link else None,
                    "url": None if link else url,
                    "actor_id": actor_id,
                    "created_at": ctx.now,
                }
            )
        if channels.email and user.email:
            fields = {
                "title": in_language(title, user.locale),
                "body": in_language(body, user.locale),
                "link_path": path or "",
                "user": {"name": user.name},
            }
            enqueue(
                ctx.conn,
                EMAIL,
                object_name,
                record_id,
                _email_payload(user.email, user.locale, NOTIFICATION_EMAIL, fields),
                user.id,
                ctx.now,
            )
        if channels.robot:
            by_robot.append(user.name)
    if rows:
        ctx.conn.execute(insert(gx_notification), rows)
        _ring_after_commit(ctx.conn, [r["user_id"] for r in rows])
    if by_robot:
        text = in_language(title, "zh-CN")
        if body:
            text += "\n" + in_language(body, "zh-CN")
        text += "\n@" + " @".join(by_robot)
        for robot_id in ctx.conn.execute(
            select(gx_chat_robot.c.id).where(gx_chat_robot.c.active.is_(True))
        ).scalars():
            _queue_robot(ctx, robot_id, text, object_name=object_name, record_id=record_id)
    return [r["id"] for r in rows]


# The e-mail a notification sends: its title, text and a link into the app.
NOTIFICATION_EMAIL: dict[str, Text] = {
    "subject": "{{ title }}",
    "text": {
        "en": "{{ title }}\n\n{{ body }}\n\nOpen in Guanxi: {{ app_url }}{{ link_path }}\n",
        "zh-CN": "{{ title }}\n\n{{ body }}\n\n在 Guanxi 中打开：{{ app_url }}{{ link_path }}\n",
    },
    "html": {
        "en": '<p><strong>{{ title }}</strong></p><p style="white-space:pre-line">{{ body }}</p>'
        '<p><a href="{{ app_url }}{{ link_path }}">Open in Guanxi</a></p>',
        "zh-CN": '<p><strong>{{ title }}</strong></p><p style="white-space:pre-line">{{ body }}'
        '</p><p><a href="{{ app_url }}{{ link_path }}">在 Guanxi 中打开</a></p>',
    },
}


def _email_payload(
    to: str, locale: str, template: Mapping[str, Any], fields: Mapping[str, Any]
) -> dict[str, Any]:
    """What the e-mail handler renders at delivery (adding ``app_url``, the installation's
    address): the template in the recipient's language and its fields."""
    return {
        "to": to,
        "locale": locale,
        "template": {k: in_language(v, locale) for k, v in template.items() if v},
        "fields": plain_fields(fields),
    }


def plain_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(k): plain_fields(v) if isinstance(v, Mapping) else plain(v) for k, v in fields.items()
    }


def send_email(
    ctx: Ctx,
    user_ids: Iterable[UUID],
    template: Mapping[str, Text],
    fields: Mapping[str, Any],
    *,
    link: tuple[str, UUID] | None = None,
) -> int:
    """Queue an e-mail from ``template`` to each active user of ``user_ids`` with an
    address, in their language; returns how many were queued."""
    _check_text("subject", template.get("subject"), required=True)
    _check_text("text", template.get("text"), required=True)
    _check_text("html", template.get("html"), required=False)
    users = ctx.conn.execute(
        select(gx_user.c.id, gx_user.c.email, gx_user.c.locale).where(
            gx_user.c.id.in_(list(user_ids)), gx_user.c.active.is_(True)
        )
    ).all()
    queued = 0
    for user in users:
        if not user.email:
            continue
        enqueue(
            ctx.conn,
            EMAIL,
            link[0] if link else "notification",
            link[1] if link else None,
            _email_payload(user.email, user.locale, template, fields),
            user.id,
            ctx.now,
        )
        queued += 1
    return queued


def post_to_robot(ctx: Ctx, robot_id: UUID, text: str) -> None:
    """Queue ``text`` to one chat group robot (404 if there is no such robot)."""
    if ctx.conn.execute(select(gx_chat_robot.c.id).where(gx_chat_robot.c.id == robot_id)).first():
        _queue_robot(ctx, robot_id, text, object_name="notification", record_id=None)
    else:
        raise NotFound(f"no chat robot with id {robot_id}")


def _queue_robot(
    ctx: Ctx, robot_id: UUID, text: str, *, object_name: str, record_id: UUID | None
) -> None:
    enqueue(ctx.conn, ROBOT, object_name, record_id, {"text": text}, robot_id, ctx.now)


# -- the centre: a user's own notifications -----------------------------------------------------
def _mine(ctx: Ctx) -> UUID:
    if ctx.actor.user_id is None:
        raise PermissionDenied("notifications belong to a signed-in user")
    return ctx.actor.user_id


def list_notifications(
    ctx: Ctx, *, unread: bool = False, before: UUID | None = None, limit: int = 50
) -> dict[str, Any]:
    """The user's own notifications, newest first; ``next_before`` pages on."""
    me = _mine(ctx)
    actor = gx_user.alias("notifier")
    stmt = (
        select(gx_notification, actor.c.name.label("actor_name"))
        .outerjoin(actor, actor.c.id == gx_notification.c.actor_id)
        .where(gx_notification.c.user_id == me)
    )
    if unread:
        stmt = stmt.where(gx_notification.c.read_at.is_(None))
    if before is not None:
        stmt = stmt.where(gx_notification.c.id < before)
    rows = ctx.conn.execute(stmt.order_by(gx_notification.c.id.desc()).limit(limit + 1)).all()
    return {
        "notifications": [shown(row, ctx.actor.locale, ctx) for row in rows[:limit]],
        "next_before": str(rows[limit - 1].id) if len(rows) > limit else None,
        "unread": unread_count(ctx.conn, me),
    }


def unread_count(conn: Connection, user_id: UUID) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(gx_notification)
            .where(gx_notification.c.user_id == user_id, gx_notification.c.read_at.is_(None))
        ).scalar_one()
    )


def newer_than(
    conn: Connection, user_id: UUID, after: UUID | None, locale: str, limit: int = MAX_PAGE
) -> list[dict[str, Any]]:
    """The user's notifications made after ``after`` (all: None), oldest first: what the
    live stream sends."""
    actor = gx_user.alias("notifier")
    stmt = (
        select(gx_notification, actor.c.name.label("actor_name"))
        .outerjoin(actor, actor.c.id == gx_notification.c.actor_id)
        .where(gx_notification.c.user_id == user_id)
    )
    if after is not None:
        stmt = stmt.where(gx_notification.c.id > after)
    rows = conn.execute(stmt.order_by(gx_notification.c.id).limit(limit)).all()
    return [shown(row, locale, None) for row in rows]


def newest_id(conn: Connection, user_id: UUID) -> UUID | None:
    found: UUID | None = conn.execute(
        select(gx_notification.c.id)
        .where(gx_notification.c.user_id == user_id)
        .order_by(gx_notification.c.id.desc())
        .limit(1)
    ).scalar()
    return found


def mark_read(ctx: Ctx, notification_id: UUID) -> dict[str, Any]:
    me = _mine(ctx)
    where = and_(gx_notification.c.id == notification_id, gx_notification.c.user_id == me)
    row = ctx.conn.execute(select(gx_notification.c.read_at).where(where)).first()
    if row is None:
        raise NotFound(f"no notification {notification_id}")
    if row.read_at is None:
        ctx.conn.execute(update(gx_notification).where(where).values(read_at=ctx.now))
        _ring_after_commit(ctx.conn, [me])
    return {"id": str(notification_id), "read": True, "unread": unread_count(ctx.conn, me)}


def mark_all_read(ctx: Ctx) -> dict[str, Any]:
    me = _mine(ctx)
    done = ctx.conn.execute(
        update(gx_notification)
        .where(gx_notification.c.user_id == me, gx_notification.c.read_at.is_(None))
        .values(read_at=ctx.now)
    ).rowcount
    if done:
        _ring_after_commit(ctx.conn, [me])
    return {"read": done, "unread": 0}


def shown(row: Row[Any], locale: str, ctx: Ctx | None) -> dict[str, Any]:
    zone = ctx.zone if ctx is not None else None
    link: dict[str, Any] | None = None
    if row.object_name and row.record_id:
        link = {"object": row.object_name, "record_id": str(row.record_id)}
    elif row.url:
        link = {"url": row.url}
    return {
        "id": str(row.id),
        "kind": row.kind,
        "title": in_language(row.title, locale),
        "body": in_language(row.body, locale) or None,
        "link": link,
        "actor": {"id": str(row.actor_id), "name": row.actor_name} if row.actor_id else None,
        "read": row.read_at is not None,
        "read_at": plain(row.read_at, zone),
        "created_at": plain(row.created_at, zone),
    }


# -- preferences ------------------------------------------------------------------------------
def _choices(conn: Connection, user_ids: Sequence[UUID], kind: str) -> dict[UUID, Channels]:
    if not user_ids:
        return {}
    rows = conn.execute(
        select(gx_notification_pref).where(
            gx_notification_pref.c.user_id.in_(list(user_ids)),
            gx_notification_pref.c.kind == kind,
        )
    )
    return {r.user_id: Channels(r.in_app, r.email, r.robot) for r in rows}


def preferences(ctx: Ctx) -> dict[str, Any]:
    """The user's channels for every known kind (and any other they chose for)."""
    me = _mine(ctx)
    kinds = {kind: channels.shown() for kind, channels in KINDS.items()}
    for row in ctx.conn.execute(
        select(gx_notification_pref).where(gx_notification_pref.c.user_id == me)
    ):
        kinds[row.kind] = Channels(row.in_app, row.email, row.robot).shown()
    return {"kinds": kinds}


def set_preferences(ctx: Ctx, kinds: Mapping[str, Mapping[str, bool]]) -> dict[str, Any]:
    """Set the channels of the kinds sent (a channel not sent keeps its value)."""
    me = _mine(ctx)
    current = preferences(ctx)["kinds"]
    for kind, channels in kinds.items():
        if not KIND.match(kind):
            why = f"{kind!r} is not a notification kind"
            raise ValidationFailed(why, errors=[FieldError(f"kinds.{kind}", why, "invalid")])
        merged = {**current.get(kind, DEFAULT.shown()), **channels}
        ctx.conn.execute(
            delete(gx_notification_pref).where(
                gx_notification_pref.c.user_id == me, gx_notification_pref.c.kind == kind
            )
        )
        ctx.conn.execute(
            insert(gx_notification_pref).values(
                user_id=me,
                kind=kind,
                in_app=merged["in_app"],
                email=merged["email"],
                robot=merged["robot"],
            )
        )
    return preferences(ctx)


# -- chat robots, for administrators ------------------------------------------------------------
def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing chat robots needs the {RIGHT} right")


def create_robot(
    ctx: Ctx,
    *,
    vendor: Literal["dingtalk", "wecom", "feishu"],
    name: str,
    url: str,
    secret: str | None,
    allow_private: bool,
) -> dict[str, Any]:
    _may_manage(ctx)
    check_url(url, allow_private=allow_private)
    robot_id = uuid7()
    ctx.conn.execute(
        insert(gx_chat_robot).values(
            id=robot_id,
            vendor=vendor,
            name=name,
            url=url,
            secret=secret or None,
            active=True,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
        )
    )
    ctx.audit("robot.create", str(robot_id), {"vendor": vendor, "name": name})
    return _robot_shown(ctx, _robot(ctx.conn, robot_id))


def list_robots(ctx: Ctx) -> list[dict[str, Any]]:
    _may_manage(ctx)
    rows = ctx.conn.execute(select(gx_chat_robot).order_by(gx_chat_robot.c.created_at))
    return [_robot_shown(ctx, row) for row in rows]


def delete_robot(ctx: Ctx, robot_id: UUID) -> None:
    _may_manage(ctx)
    if ctx.conn.execute(delete(gx_chat_robot).where(gx_chat_robot.c.id == robot_id)).rowcount:
        ctx.audit("robot.delete", str(robot_id))
    else:
        raise NotFound(f"no chat robot with id {robot_id}")


def _robot(conn: Connection, robot_id: UUID | None) -> Row[Any] | None:
    return conn.execute(select(gx_chat_robot).where(gx_chat_robot.c.id == robot_id)).first()


def _robot_shown(ctx: Ctx, row: Row[Any] | None) -> dict[str, Any]:
    assert row is not None
    return {
        "id": str(row.id),
        "vendor": row.vendor,
        "name": row.name,
        "url": row.url,
        "signed": bool(row.secret),  # the secret itself is never shown
        "active": row.active,
        "created_at": plain(row.created_at, ctx.zone),
    }


# -- sending: the outbox handlers -------------------------------------------------------------
@dataclass(frozen=True)
class Smtp:
    host: str | None
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "Guanxi <guanxi@localhost>"
    app_url: str = "http://127.0.0.1:8000"


def message_id(key: UUID, sender: str) -> str:
    """The Message-ID of every attempt of the outbox message with idempotency key ``key``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "guanxi"
    return f"<{key}@{domain}>"


class Mailer:
    """The ``"email"`` handler: renders a queued e-mail in the recipient's language and
    sends it over SMTP."""

    name = EMAIL

    def __init__(self, smtp: Smtp, *, now: Callable[[], datetime]) -> None:
        self.smtp = smtp
        self.now = now

    def wants(self, ctx: Ctx, object_name: str) -> bool:
        return False  # queued by notify and send_email, not by record writes

    def messages(self, ctx: Ctx, event: dict[str, Any]) -> Iterable[Outgoing]:
        return ()

    def deliver(self, message: Message) -> str | None:
        if not self.smtp.host:
            raise GiveUp("e-mail is not set up: GUANXI_SMTP_HOST is empty")
        payload = message.payload
        template = payload["template"]
        fields = {**payload.get("fields", {}), "app_url": self.smtp.app_url.rstrip("/")}
        mail = EmailMessage()
        mail["From"] = self.smtp.sender
        mail["To"] = payload["to"]
        mail["Subject"] = render(template["subject"], fields).replace("\n", " ")[:250]
        mail["Date"] = formatdate(self.now().timestamp(), localtime=False)
        mail["Message-ID"] = message_id(message.key, self.smtp.sender)
        mail["Content-Language"] = payload.get("locale", "zh-CN")
        mail.set_content(render(template["text"], fields))
        if template.get("html"):
            mail.add_alternative(render(template["html"], fields, as_html=True), subtype="html")
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=TIMEOUT) as server:
            if self.smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if self.smtp.user:
                server.login(self.smtp.user, self.smtp.password or "")
            refused = server.send_message(mail)
        if refused:
            raise GiveUp(f"the SMTP server refused {', '.join(refused)}")
        return f"sent to {payload['to']}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign``: base64 of HMAC-SHA256 of "timestamp\\nsecret" keyed by the
    secret (URL-encode it into the query)."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: base64 of HMAC-SHA256 of an empty message keyed by
    "timestamp\\nsecret"."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def robot_request(
    vendor: str, url: str, secret: str | None, text: str, at: datetime
) -> tuple[str, bytes]:
    """The URL and JSON body one vendor's group robot takes for ``text``."""
    if vendor == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            stamp = int(at.timestamp())
            body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
        return url, orjson.dumps(body)
    body = {"msgtype": "text", "text": {"content": text}}
    if vendor == "dingtalk" and secret:
        stamp = int(at.timestamp() * 1000)
        joiner = "&" if urlsplit(url).query else "?"
        url = f"{url}{joiner}timestamp={stamp}&sign={quote(dingtalk_sign(secret, stamp), safe='')}"
    return url, orjson.dumps(body)  # WeCom: the key in its URL is all it takes


class Robots(Poster):
    """The ``"robot"`` handler: posts to a chat group robot."""

    name = ROBOT

    def wants(self, ctx: Ctx, object_name: str) -> bool:
        return False  # queued by notify and post_to_robot, not by record writes

    def messages(self, ctx: Ctx, event: dict[str, Any]) -> Iterable[Outgoing]:
        return ()

    def deliver(self, message: Message) -> str | None:
        with self.db.read() as conn:
            row = _robot(conn, message.target_id)
        if row is None:
            raise GiveUp("the chat robot was deleted")
        if not row.active:
            raise GiveUp("the chat robot is switched off")
        url, body = robot_request(
            row.vendor, row.url, row.secret, message.payload["text"], self.now()
        )
        answer = self.client.post(url, content=body, headers={"Content-Type": "application/json"})
        if not answer.is_success:
            raise ConnectionError(f"the robot answered HTTP {answer.status_code}")
        # The vendors answer 200 with an error code in the body for a refused message.
        try:
            said = answer.json() if answer.content else {}
        except ValueError:
            said = {}
        code = said.get("errcode", said.get("code", 0)) if isinstance(said, dict) else 0
        if code:
            raise ConnectionError(f"the robot refused it: {said.get('errmsg') or said.get('msg')}")
        return f"HTTP {answer.status_code}"

"""Webhooks: record events sent as signed JSON to the receivers administrators register.

A subscription names one object, the events it wants (created, updated, deleted,
restored, purged) and a URL. Each matching write becomes an outbox message to the
subscription (:mod:`guanxi.platform.process.outbox`), so it is sent after the commit, at
least once, never for a rolled-back write, and retried with back-off. Each request
carries

- ``Guanxi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the
  subscription's secret (shown once, when it is made or renewed), so the receiver can
  check who sent it and refuse replays of old requests by ``t``;
- ``Idempotency-Key``: the same on every attempt of one delivery, so the receiver can act
  on it exactly once.

A URL must resolve to public addresses only: loopback, private, link-local, shared and
reserved ones are refused (SSRF) when the subscription is made and again by the
connection of every attempt, on the address it connects to (the name may resolve
elsewhere by then), unless ``GUANXI_WEBHOOK_ALLOW_PRIVATE``
is set (tests, local development, receivers on the company's own network). Redirects are
not followed. After ``DISABLE_AFTER`` failed attempts in a row a subscription is switched
off, and its waiting deliveries end. Managing webhooks takes the ``manage_automation``
right.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpcore
import httpx
import orjson
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.db import Database
from guanxi.kernel.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from guanxi.kernel.ids import uuid7
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.process.outbox import GiveUp, Message, Outgoing
from guanxi.platform.process.tables import gx_outbox, gx_webhook
from guanxi.platform.process.versions import check_version, stale
from guanxi.platform.process.webhook_schemas import WebhookIn, WebhookPatch
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

RIGHT = "manage_automation"
HANDLER = "webhook"
DISABLE_AFTER = 20  # failed attempts in a row: two deliveries' whole retry course
TIMEOUT = 10.0  # seconds a receiver has to answer
MAX_DELIVERIES = 100  # per page of the delivery log
_CACHE_KEY = "_webhooks"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Guanxi-Signature`` header's value."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def check_url(url: str, *, allow_private: bool, field: str = "url") -> None:
    """Refuse (422 on ``field``) a URL that is not http(s) or that resolves to an address
    a server must not be made to call."""

    def refuse(why: str) -> ValidationFailed:
        return ValidationFailed(f"{field}: {why}", errors=[FieldError(field, why, "url")])

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refuse("must be an http:// or https:// address with a host name")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        raise refuse(f"the host {parts.hostname} does not resolve") from None
    for ip in _addresses(found):
        if not _public(ip):
            raise refuse(
                f"{parts.hostname} resolves to {ip}, a private or local address "
                "(set GUANXI_WEBHOOK_ALLOW_PRIVATE=true to allow it)"
            )


def _addresses(
    found: Sequence[tuple[Any, ...]],
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    addresses = []
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        addresses.append(ip)
    return addresses


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


class PublicAddressesOnly(httpcore.SyncBackend):
    """Connects only to public addresses, checked on the very answer it connects to.
    Checking the name first and letting the client resolve it again would leave a window:
    a name that answers with a public address for the check and a private one a moment
    later (DNS rebinding) would reach the private one. TLS still names the host (SNI and
    certificate), and the request its Host header."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, ValueError) as error:
            raise httpcore.ConnectError(f"the host {host} does not resolve") from error
        for ip in addresses:
            if not _public(ip):
                raise httpcore.ConnectError(f"{host} resolves to {ip}, a private or local address")
        return super().connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)


def http_client(*, allow_private: bool) -> httpx.Client:
    """The client that calls receivers: no redirects and, unless private addresses are
    allowed, connections to public addresses only (:class:`PublicAddressesOnly`)."""
    transport = httpx.HTTPTransport()
    if not allow_private:
        # httpx makes its connection pool (TLS, limits) with no way to pass the network
        # backend in; the pool reads it on each new connection. tests/platform/process/
        # test_webhook_addresses.py proves the swap takes.
        transport._pool._network_backend = PublicAddressesOnly()
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False, transport=transport)


# -- sending ----------------------------------------------------------------------------------
class Poster:
    """An outbox handler that POSTs to addresses outside (webhooks, chat robots). Its
    client's connections refuse private addresses (:func:`http_client`): an attempt
    checks the very address it connects to, so there is no separate check before it."""

    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime],
        allow_private: bool = False,
        client: httpx.Client | None = None,
    ) -> None:
        self.db = db
        self.now = now
        self.client = client or http_client(allow_private=allow_private)


class Webhooks(Poster):
    """The outbox handler: one message per matching subscription, sent after commit."""

    name = HANDLER

    def wants(self, ctx: Ctx, object_name: str) -> bool:
        return object_name in subscriptions(ctx)

    def messages(self, ctx: Ctx, event: dict[str, Any]) -> Iterable[Outgoing]:
        for webhook_id, events in subscriptions(ctx).get(event["object"], ()):
            if event["event"] in events:
                yield Outgoing(event, target_id=webhook_id)

    def deliver(self, message: Message) -> str | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(gx_webhook).where(gx_webhook.c.id == message.target_id)
            ).first()
        if row is None:
            raise GiveUp("the webhook was deleted")
        if not row.active:
            raise GiveUp("the webhook is switched off")
        body = orjson.dumps({"id": str(message.key), "webhook_id": str(row.id), **message.payload})
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Guanxi-Webhooks/1",
            "Guanxi-Signature": sign(row.secret, int(self.now().timestamp()), body),
            "Idempotency-Key": str(message.key),
        }
        try:
            answer = self.client.post(row.url, content=body, headers=headers)
            if not answer.is_success:
                raise ConnectionError(f"the receiver answered HTTP {answer.status_code}")
        except Exception:
            self._failed(row.id)
            raise
        if row.failures:
            self._set(row.id, failures=0)
        return f"HTTP {answer.status_code}"

    def _failed(self, webhook_id: UUID) -> None:
        with self.db.write() as conn:
            failures = conn.execute(
                update(gx_webhook)
                .where(gx_webhook.c.id == webhook_id)
                .values(failures=gx_webhook.c.failures + 1)
                .returning(gx_webhook.c.failures)
            ).scalar()
            if failures is not None and failures >= DISABLE_AFTER:
                conn.execute(
                    update(gx_webhook)
                    .where(gx_webhook.c.id == webhook_id)
                    .values(
                        active=False,
                        disabled_reason=f"switched off after {failures} failed attempts in a row",
                        version=gx_webhook.c.version + 1,
                    )
                )
                bump_version(conn)

    def _set(self, webhook_id: UUID, **values: Any) -> None:
        with self.db.write() as conn:
            conn.execute(update(gx_webhook).where(gx_webhook.c.id == webhook_id).values(values))


def subscriptions(ctx: Ctx) -> dict[str, list[tuple[UUID, frozenset[str]]]]:
    """Active subscriptions by object, read once per metadata snapshot: every change to
    one moves the metadata version, so a write costs no statement for them."""
    cached: dict[str, list[tuple[UUID, frozenset[str]]]] | None = ctx.snap.__dict__.get(_CACHE_KEY)
    if cached is None:
        cached = {}
        active = select(gx_webhook.c.id, gx_webhook.c.object_name, gx_webhook.c.events).where(
            gx_webhook.c.active.is_(True)
        )
        for row in ctx.conn.execute(active.order_by(gx_webhook.c.created_at, gx_webhook.c.id)):
            cached.setdefault(row.object_name, []).append((row.id, frozenset(row.events)))
        ctx.snap.__dict__[_CACHE_KEY] = cached
    return cached


# -- managing subscriptions -------------------------------------------------------------------
def create_webhook(ctx: Ctx, body: WebhookIn, *, allow_private: bool) -> dict[str, Any]:
    """A new subscription, with its secret: the only answer that shows it."""
    _may_manage(ctx)
    _check_object(ctx, body.object)
    check_url(body.url, allow_private=allow_private)
    webhook_id = uuid7()
    secret = new_secret()
    ctx.conn.execute(
        insert(gx_webhook).values(
            id=webhook_id,
            url=body.url,
            object_name=body.object,
            events=_events(body.events),
            description=body.description,
            secret=secret,
            active=body.active,
            failures=0,
            version=1,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    _changed(ctx)
    ctx.audit("webhook.create", str(webhook_id), {"object": body.object, "url": body.url})
    return {**get_webhook(ctx, webhook_id), "secret": secret}


def list_webhooks(ctx: Ctx, object_name: str | None = None) -> list[dict[str, Any]]:
    _may_manage(ctx)
    stmt = select(gx_webhook).order_by(gx_webhook.c.object_name, gx_webhook.c.created_at)
    if object_name is not None:
        stmt = stmt.where(gx_webhook.c.object_name == object_name)
    return [_shown(ctx, row) for row in ctx.conn.execute(stmt)]


def get_webhook(ctx: Ctx, webhook_id: UUID) -> dict[str, Any]:
    _may_manage(ctx)
    return _shown(ctx, _row(ctx, webhook_id))


def update_webhook(
    ctx: Ctx,
    webhook_id: UUID,
    body: WebhookPatch,
    *,
    expected_version: int | None,
    allow_private: bool,
) -> dict[str, Any]:
    _may_manage(ctx)
    row = _row(ctx, webhook_id)
    check_version("the webhook", row.version, expected_version or body.version)
    sent = body.model_fields_set - {"version"}
    values: dict[str, Any] = {
        "version": row.version + 1,
        "updated_at": ctx.now,
        "updated_by_id": ctx.actor.user_id,
    }
    if body.url is not None:
        check_url(body.url, allow_private=allow_private)
        values["url"] = body.url
    if body.events is not None:
        values["events"] = _events(body.events)
    if "description" in sent:
        values["description"] = body.description
    if body.active is not None:
        values["active"] = body.active
        if body.active and not row.active:  # on again: a fresh start
            values.update(failures=0, disabled_reason=None)
    changed = ctx.conn.execute(
        update(gx_webhook)
        .where(gx_webhook.c.id == row.id, gx_webhook.c.version == row.version)
        .values(values)
    ).rowcount
    if changed != 1:
        raise stale("the webhook", row.version + 1, row.version)
    _changed(ctx)
    ctx.audit("webhook.update", str(row.id), {"fields": sorted(sent)})
    return get_webhook(ctx, row.id)


def renew_secret(ctx: Ctx, webhook_id: UUID) -> dict[str, Any]:
    """A new secret for the subscription, shown in this answer only."""
    _may_manage(ctx)
    row = _row(ctx, webhook_id)
    secret = new_secret()
    ctx.conn.execute(
        update(gx_webhook)
        .where(gx_webhook.c.id == row.id)
        .values(
            secret=secret,
            version=row.version + 1,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    ctx.audit("webhook.secret", str(row.id))
    return {**get_webhook(ctx, row.id), "secret": secret}


def delete_webhook(ctx: Ctx, webhook_id: UUID) -> None:
    """Delete a subscription; its waiting deliveries end (their log stays)."""
    _may_manage(ctx)
    row = _row(ctx, webhook_id)
    ctx.conn.execute(delete(gx_webhook).where(gx_webhook.c.id == row.id))
    _changed(ctx)
    ctx.audit("webhook.delete", str(row.id), {"object": row.object_name, "url": row.url})


def deliveries(
    ctx: Ctx, webhook_id: UUID, *, before: int | None = None, limit: int = 50
) -> dict[str, Any]:
    """The subscription's deliveries, newest first; ``next_before`` pages on."""
    _may_manage(ctx)
    _row(ctx, webhook_id)
    stmt = select(gx_outbox).where(gx_outbox.c.target_id == webhook_id)
    if before is not None:
        stmt = stmt.where(gx_outbox.c.id < before)
    rows = ctx.conn.execute(stmt.order_by(gx_outbox.c.id.desc()).limit(limit + 1)).all()
    shown = [_delivery(ctx, row) for row in rows[:limit]]
    return {
        "deliveries": shown,
        "next_before": rows[limit - 1].id if len(rows) > limit else None,
    }


def replay(ctx: Ctx, webhook_id: UUID, delivery_id: int) -> dict[str, Any]:
    """Send a delivery's event again, as a new delivery with a key of its own."""
    _may_manage(ctx)
    row = _row(ctx, webhook_id)
    if not row.active:
        raise ValidationFailed(
            "the webhook is switched off: switch it on before replaying",
            errors=[FieldError("active", "is false", "inactive")],
        )
    old = ctx.conn.execute(
        select(gx_outbox).where(gx_outbox.c.id == delivery_id, gx_outbox.c.target_id == row.id)
    ).first()
    if old is None:
        raise NotFound(f"no delivery {delivery_id} of webhook {webhook_id}")
    new_id = ctx.conn.execute(
        insert(gx_outbox)
        .values(
            handler=HANDLER,
            object_name=old.object_name,
            record_ids=old.record_ids,
            payload=old.payload,
            target_id=row.id,
            key=uuid7(),
            created_at=ctx.now,
        )
        .returning(gx_outbox.c.id)
    ).scalar_one()
    ctx.audit("webhook.replay", str(row.id), {"delivery": delivery_id})
    fresh = ctx.conn.execute(select(gx_outbox).where(gx_outbox.c.id == new_id)).one()
    return _delivery(ctx, fresh)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _events(events: Sequence[str]) -> list[str]:
    order = ("created", "updated", "deleted", "restored", "purged")
    return [e for e in order if e in set(events)]


def _check_object(ctx: Ctx, object_name: str) -> None:
    if ctx.snap.objects.get(object_name) is None:
        raise ValidationFailed(
            f"object: no object named {object_name!r}",
            errors=[FieldError("object", f"no object named {object_name!r}", "unknown")],
        )


def _changed(ctx: Ctx) -> None:
    # Every process drops its cached subscriptions on its next request; this one at once.
    bump_version(ctx.conn)
    ctx.snap.__dict__.pop(_CACHE_KEY, None)


def _row(ctx: Ctx, webhook_id: UUID) -> Row[Any]:
    row = ctx.conn.execute(select(gx_webhook).where(gx_webhook.c.id == webhook_id)).first()
    if row is None:
        raise NotFound(f"no webhook with id {webhook_id}")
    return row


def _shown(ctx: Ctx, row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "url": row.url,
        "object": row.object_name,
        "events": row.events,
        "description": row.description,
        "active": row.active,
        "failures": row.failures,
        "disabled_reason": row.disabled_reason,
        "version": row.version,
        "created_at": plain(row.created_at, ctx.zone),
        "created_by_id": plain(row.created_by_id),
        "updated_at": plain(row.updated_at, ctx.zone),
        "updated_by_id": plain(row.updated_by_id),
    }


def _delivery(ctx: Ctx, row: Row[Any]) -> dict[str, Any]:
    payload = row.payload or {}
    return {
        "id": row.id,
        "event": payload.get("event"),
        "record_id": payload.get("record_id"),
        "idempotency_key": str(row.key),
        "state": {"pending": "pending", "done": "delivered", "dead": "failed"}[row.state],
        "attempts": row.attempts,
        "next_attempt_at": plain(row.due_at, ctx.zone) if row.state == "pending" else None,
        "delivered_at": plain(row.done_at, ctx.zone),
        "result": row.result,
        "error": row.error,
        "created_at": plain(row.created_at, ctx.zone),
    }


def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing webhooks needs the {RIGHT} right")

"""A worker killed with SIGKILL while it delivers webhooks loses none and, from the
receiver's side, delivers each exactly once (by Idempotency-Key).

Method: a real ``guanxi worker`` process on a SQLite database (the embedded default) and
a real HTTP receiver on 127.0.0.1. The records are written here, through the records
service with the installation's hooks, so their webhook messages are in the outbox when
the worker starts. The worker is killed with SIGKILL mid-way and a second one started;
claims of the killed one come due again after their lease (two seconds here,
``GUANXI_OUTBOX_LEASE_SECONDS``). Waits are bounded polls on what the receiver has seen.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from guanxi.app import outbox_relay
from guanxi.bootstrap import migrate
from guanxi.config import Settings
from guanxi.kernel.db import Database
from guanxi.modules import installed, write_hooks
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process import webhooks
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.process.webhook_schemas import WebhookIn
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.service import create_many
from tests.receiver import Receiver, receiving

WAIT = 90.0  # seconds: the bound of every wait
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def setup(tmp_path: Path, receiver: Receiver, accounts: int) -> tuple[Database, str]:
    """A migrated database with a webhook to ``receiver`` and ``accounts`` new accounts."""
    url = f"sqlite:///{tmp_path / 'guanxi.db'}"
    db = Database(url)
    migrate(db)
    settings = Settings(database_url=url, webhook_allow_private=True)
    relay = outbox_relay(settings, db, lambda: NOW)
    registry = Registry()
    with db.write() as conn:
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        body = WebhookIn(url=receiver.url, object="account", events=["created"])
        secret = webhooks.create_webhook(ctx, body, allow_private=True)["secret"]
    with db.write() as conn:
        ctx = Ctx.open(conn, registry, SYSTEM, NOW, hooks=write_hooks(installed(), relay.hook))
        rows = [{"name": f"杀进程测试{n:04d}有限公司"} for n in range(accounts)]
        for start in range(0, accounts, 1000):
            create_many(ctx, "account", rows[start : start + 1000], return_records=False)
    return db, secret


@contextmanager
def worker(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    environment = {
        **os.environ,
        "GUANXI_DATABASE_URL": f"sqlite:///{tmp_path / 'guanxi.db'}",
        "GUANXI_WEBHOOK_ALLOW_PRIVATE": "true",
        "GUANXI_OUTBOX_LEASE_SECONDS": "2",
        "GUANXI_OUTBOX_RETRY_SECONDS": "0.2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "guanxi.cli", "worker", "--threads", "2"],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=30)


def wait_for(what: Callable[[], bool], why: str) -> None:
    deadline = time.monotonic() + WAIT
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT} s for {why}")
        time.sleep(0.05)


def signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["guanxi-signature"].split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], mac.hexdigest())


def outbox_states(db: Database) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(
            select(gx_outbox.c.state, func.count())
            .where(gx_outbox.c.handler == "webhook")
            .group_by(gx_outbox.c.state)
        )
        return {state: count for state, count in rows}


def test_a_failing_receiver_and_a_killed_worker_still_get_one_delivery(
    tmp_path: Path, receiver: Receiver
) -> None:
    db, secret = setup(tmp_path, receiver, 1)
    receiver.answers = [500, 500]  # the receiver fails twice first
    with worker(tmp_path) as first:
        wait_for(lambda: len(receiver.requests) >= 1, "the first attempt")
        first.send_signal(signal.SIGKILL)
    with worker(tmp_path):
        wait_for(lambda: outbox_states(db) == {"done": 1}, "the delivery")
    assert len(receiver.requests) >= 3
    keys = {r.headers["idempotency-key"] for r in receiver.requests}
    assert len(keys) == 1
    [accepted] = receiver.accepted()
    assert signed(secret, accepted.headers, accepted.body)
    assert orjson.loads(accepted.body)["record"]["name"] == "杀进程测试0000有限公司"


def test_a_worker_killed_during_a_thousand_deliveries_loses_none(
    tmp_path: Path, receiver: Receiver
) -> None:
    db, secret = setup(tmp_path, receiver, 1000)
    assert outbox_states(db) == {"pending": 1000}
    with worker(tmp_path) as first:
        wait_for(lambda: len(receiver.requests) >= 300, "300 deliveries")
        first.send_signal(signal.SIGKILL)
    killed_at = len(receiver.requests)
    with worker(tmp_path):
        wait_for(lambda: outbox_states(db) == {"done": 1000}, "every delivery")
    accepted = receiver.accepted()
    names = {orjson.loads(r.body)["record"]["name"] for r in accepted}
    assert len(accepted) == 1000 and len(names) == 1000  # none lost, each acted on once
    assert all(signed(secret, r.headers, r.body) for r in accepted[:20])
    repeated = len(receiver.requests) - 1000  # sent again after the kill, same key
    print(f"killed after {killed_at} requests; {repeated} repeated under their key")

"""Auto-numbers: in order, never twice, and — on PostgreSQL — without making creates queue
behind each other unless the field asks to be gapless (ADR 0008)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from guanxi.bootstrap import migrate
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.actor import Actor
from guanxi.platform.metadata import counters
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.records import service
from guanxi.platform.records.context import Ctx
from tests.api.conftest import Api


def contract_object(admin: Api, **numbering: Any) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "agreement", "label": "Agreement"})
    admin.ok(
        "POST",
        "/meta/objects/agreement/fields",
        201,
        json={"name": "title", "type": "text", "label": "Title", "required": True},
    )
    admin.ok(
        "POST",
        "/meta/objects/agreement/fields",
        201,
        json={
            "name": "no",
            "type": "auto_number",
            "label": "No.",
            "format": "HT-{0000}",
            **numbering,
        },
    )


def create(admin: Api, title: str | None) -> Any:
    return admin.post("/records/agreement", json={"title": title} if title else {})


def test_numbers_continue_in_order_across_single_and_bulk_creates(admin: Api) -> None:
    contract_object(admin, start=7)
    first = admin.ok("POST", "/records/agreement", 201, json={"title": "甲"})
    bulk = admin.ok(
        "POST", "/records/agreement/bulk", 201, json={"records": [{"title": t} for t in "乙丙丁"]}
    )["records"]
    assert [first["no"], *(r["no"] for r in bulk)] == ["HT-0007", "HT-0008", "HT-0009", "HT-0010"]


def test_a_number_outgrowing_its_counter_is_kept_whole_and_dated_in_the_users_zone(
    installed_db: Database, admin: Api
) -> None:
    contract_object(admin, format="HT-{YYYY}{MM}{DD}-{00}", start=99)
    registry = Registry()
    evening_utc = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # already the 24th in Shanghai

    def create_at(title: str, actor: Actor) -> str:
        with installed_db.write() as conn:
            ctx = Ctx.open(conn, registry, actor, evening_utc)
            return str(service.create(ctx, "agreement", {"title": title})["no"])

    shanghai, london = Actor(user_id=None), Actor(user_id=None, time_zone="Europe/London")
    assert create_at("甲", shanghai) == "HT-20261124-99"
    assert create_at("乙", shanghai) == "HT-20261124-100"  # not cut to two digits
    assert create_at("丙", london) == "HT-20261123-101"
    bulk = admin.ok("POST", "/records/agreement/bulk", 201, json={"records": [{"title": "丁"}]})
    assert bulk["records"][0]["no"] == "HT-20261123-102"  # the test clock: 10:30 in Shanghai


def test_an_object_with_two_numbers_gets_both_in_one_create(admin: Api) -> None:
    contract_object(admin)
    admin.ok(
        "POST",
        "/meta/objects/agreement/fields",
        201,
        json={"name": "ref", "type": "auto_number", "label": "Ref", "format": "R{000}/{YY}"},
    )
    first = admin.ok("POST", "/records/agreement", 201, json={"title": "甲"})
    second = admin.ok("GET", f"/records/agreement/{first['id']}")
    assert (first["no"], first["ref"]) == (second["no"], second["ref"]) == ("HT-0001", "R001/26")


def test_a_create_the_database_refuses_writes_nothing(
    installed_db: Database, admin: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two creates racing for a unique value both pass the check; the database stops one."""
    contract_object(admin)
    admin.ok("PATCH", "/meta/objects/agreement/fields/title", json={"unique": True})
    assert create(admin, "甲").status_code == 201
    queued = queue_length(installed_db)
    monkeypatch.setattr(service, "check_unique", lambda *args, **kwargs: [])
    refused = create(admin, "甲")
    assert refused.status_code == 409, refused.text
    assert queue_length(installed_db) == queued
    assert [r["no"] for r in admin.ok("GET", "/records/agreement")["records"]] == ["HT-0001"]


def queue_length(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(gx_outbox)).scalar_one())


def test_a_create_refused_for_bad_input_uses_no_number(admin: Api) -> None:
    contract_object(admin)
    assert create(admin, "甲").json()["no"] == "HT-0001"
    assert create(admin, None).status_code == 422
    rows = [{"title": "乙"}, {"title": "丙", "no": "x"}]  # the second sets a read-only field
    assert admin.post("/records/agreement/bulk", json={"records": rows}).status_code == 422
    assert create(admin, "丁").json()["no"] == "HT-0002"  # every check comes before numbering


def test_a_rolled_back_create_skips_its_number_on_postgresql_unless_gapless(
    installed_db: Database, admin: Api, clock: FixedClock
) -> None:
    contract_object(admin)
    registry = Registry()

    def create_and_roll_back() -> str:
        with installed_db.engine.connect() as conn, conn.begin() as txn:
            ctx = Ctx.open(conn, registry, Actor(user_id=None), clock.now())
            number = str(service.create(ctx, "agreement", {"title": "撤销"})["no"])
            txn.rollback()
        return number

    assert create_and_roll_back() == "HT-0001"
    after = create(admin, "甲").json()["no"]
    if installed_db.dialect == "postgresql":
        assert after == "HT-0002"  # like Salesforce: a failed write used its number
        admin.ok("PATCH", "/meta/objects/agreement/fields/no", json={"gapless": True})
        assert create_and_roll_back() == "HT-0003"
        assert create(admin, "乙").json()["no"] == "HT-0003"  # gapless: not used up
    else:
        assert after == "HT-0001"  # SQLite numbers in the write's own transaction


def test_switching_gapless_on_and_off_carries_the_last_number(admin: Api) -> None:
    contract_object(admin)
    numbers = [create(admin, "甲").json()["no"]]
    admin.ok("PATCH", "/meta/objects/agreement/fields/no", json={"gapless": True})
    numbers.append(create(admin, "乙").json()["no"])
    admin.ok("PATCH", "/meta/objects/agreement/fields/no", json={"gapless": False})
    numbers.append(create(admin, "丙").json()["no"])
    assert numbers == ["HT-0001", "HT-0002", "HT-0003"]
    field = admin.ok("GET", "/meta/objects/agreement/fields/no")
    assert field["gapless"] is False


def test_gapless_must_be_true_or_false(admin: Api) -> None:
    contract_object(admin)
    refused = admin.patch("/meta/objects/agreement/fields/no", json={"gapless": "maybe"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "gapless"


@pytest.mark.postgres
def test_concurrent_creates_wait_for_each_other_only_when_gapless(
    installed_db: Database, admin: Api, clock: FixedClock
) -> None:
    if installed_db.dialect != "postgresql":
        pytest.skip("SQLite writers take turns for every write")
    contract_object(admin)
    registry = Registry()

    def second_create_while_first_is_open() -> bool:
        """Whether a second create gets through while the first has not committed."""
        with installed_db.engine.connect() as first, first.begin() as txn:
            service.create(
                Ctx.open(first, registry, Actor(user_id=None), clock.now()),
                "agreement",
                {"title": "一"},
            )
            try:
                with installed_db.write() as second:
                    second.execute(text("SET LOCAL lock_timeout = '50ms'"))
                    ctx = Ctx.open(second, registry, Actor(user_id=None), clock.now())
                    service.create(ctx, "agreement", {"title": "二"})
                return True
            except OperationalError:  # lock_timeout: it was waiting for the first
                return False
            finally:
                txn.rollback()

    assert second_create_while_first_is_open()
    admin.ok("PATCH", "/meta/objects/agreement/fields/no", json={"gapless": True})
    assert not second_create_while_first_is_open()


def test_migrate_gives_an_older_database_its_sequences_and_numbering_continues(
    installed_db: Database, admin: Api
) -> None:
    first = admin.ok("POST", "/records/account", 201, json={"name": "甲"})["account_no"]
    if installed_db.dialect == "postgresql":  # as made before sequences existed
        with installed_db.write() as conn:
            conn.execute(text(f"DROP SEQUENCE {counters.sequence_name('account', 'account_no')}"))
            conn.execute(text("UPDATE gx_sequence SET value = 41 WHERE key = 'account.account_no'"))
    migrate(installed_db)
    second = admin.ok("POST", "/records/account", 201, json={"name": "乙"})["account_no"]
    assert first == "ACC-2026-000001"
    assert second == (
        "ACC-2026-000042" if installed_db.dialect == "postgresql" else "ACC-2026-000002"
    )


def test_long_object_and_field_names_get_a_valid_sequence_name() -> None:
    name = counters.sequence_name("o" * 48, "f" * 48)
    assert len(name) <= 63 and name.startswith("gx_seq_")
    assert name != counters.sequence_name("o" * 48, "f" * 47 + "g")
    assert counters.sequence_name("account", "account_no") == "gx_seq_account__account_no"

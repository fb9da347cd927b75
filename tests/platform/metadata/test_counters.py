"""Auto-number counters (ADR 0008) on both databases."""

from __future__ import annotations

from guanxi.kernel.db import Database
from guanxi.platform.metadata.counters import create_counter, last_issued, set_last_issued
from guanxi.platform.metadata.model import FieldDef

BEYOND_32_BITS = 3_000_000_001  # a load's own numbers may be this large (2**31 - 1 is not)


def contract_number(gapless: bool) -> FieldDef:
    return FieldDef(
        object_name="contract",
        name="no",
        type="auto_number",
        label={"en": "No.", "zh-CN": "编号"},
        config={"format": "HT-{000000}", "start": 1, "gapless": gapless},
    )


def test_a_gapless_counter_continues_after_numbers_beyond_32_bits(db: Database) -> None:
    number = contract_number(gapless=True)
    with db.write() as conn:
        create_counter(conn, number)
        set_last_issued(conn, number, BEYOND_32_BITS)
    with db.read() as conn:
        assert last_issued(conn, number) == BEYOND_32_BITS

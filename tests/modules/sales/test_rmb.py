"""Amounts in capital numerals (人民币大写), checked against the central bank's own examples."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.modules.sales.rmb import LIMIT, rmb_upper


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("0.56", "伍角陆分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("16", "壹拾陆元整"),
        ("100.10", "壹佰元零壹角整"),
        ("1005", "壹仟零伍元整"),
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("10000000.01", "壹仟万元零壹分"),
        # The examples of 《正确填写票据和结算凭证的基本规定》
        ("1409.50", "壹仟肆佰零玖元伍角整"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        ("107000.53", "壹拾万柒仟元零伍角叁分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        # Zeros around the 万 and 亿 groups
        ("105000", "壹拾万伍仟元整"),
        ("100050", "壹拾万零伍拾元整"),
        ("10005000", "壹仟万伍仟元整"),
        ("10000500", "壹仟万零伍佰元整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000005", "壹亿零伍元整"),
        ("2000000000.20", "贰拾亿元零贰角整"),
        # Large numbers: 万亿
        ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
        ("1000000000000", "壹万亿元整"),
        ("1234500000000", "壹万贰仟叁佰肆拾伍亿元整"),
        ("1000100000000", "壹万零壹亿元整"),
        ("1000010000000", "壹万亿零壹仟万元整"),
        (
            "9999999999999999.99",
            "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
        ),
    ],
)
def test_amount_is_written_as_on_a_bank_document(amount: str, words: str) -> None:
    assert rmb_upper(Decimal(amount)) == words


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("-0.01"),
        Decimal("-100"),
        Decimal("0.001"),
        Decimal("12.345"),
        LIMIT,
        Decimal("NaN"),
        Decimal("Infinity"),
    ],
)
def test_amount_that_cannot_be_written_exactly_is_refused(amount: Decimal) -> None:
    with pytest.raises(ValueError):
        rmb_upper(amount)


def test_a_float_is_refused_rather_than_rounded() -> None:
    with pytest.raises(ValueError):
        rmb_upper(0.1)  # type: ignore[arg-type]


_VALUE = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}


def _read_back(words: str) -> Decimal:
    """An independent reader of capital numerals (below 万亿): the words must mean the amount."""
    units = {"拾": 10, "佰": 100, "仟": 1000, "角": 10, "分": 1}
    groups = {"亿": Decimal(10**8), "万": Decimal(10**4), "元": Decimal(1)}
    total = Decimal(0)
    section = number = 0
    for c in words.removesuffix("整"):
        if c in _VALUE:
            number = _VALUE[c]
        elif c in units:
            section += number * units[c]
            number = 0
        if c in groups:
            total += (section + number) * groups[c]
            section = number = 0
    return total + Decimal(section + number) / 100


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_words_read_back_to_the_amount(fen: int) -> None:
    amount = Decimal(fen) / 100
    assert _read_back(rmb_upper(amount)) == amount

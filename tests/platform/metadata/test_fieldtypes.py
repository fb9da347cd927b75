"""Value rules of each field type, independent of any database."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.metadata.fieldtypes import FieldValueError, field_type
from guanxi.platform.metadata.model import FieldDef


def clean(type_: str, value: Any, **config: Any) -> Any:
    ftype = field_type(type_)
    checked = ftype.check_config(config, {"account": object()})
    return ftype.clean(FieldDef("x", "f", type_, {"en": "F"}, config=checked), value)


def rejects(type_: str, value: Any, code: str, **config: Any) -> str:
    with pytest.raises(FieldValueError) as caught:
        clean(type_, value, **config)
    assert caught.value.code == code
    return caught.value.message


def test_phone_numbers_are_normalised_to_e164_with_china_as_default() -> None:
    assert clean("phone", "138 0013 8000") == "+8613800138000"
    assert clean("phone", "021-6288 1234") == "+862162881234"
    assert clean("phone", "+1 (650) 253-0000") == "+16502530000"
    rejects("phone", "12345", "phone")


def test_decimals_are_exact_and_refuse_extra_places() -> None:
    assert clean("decimal", "12.5", scale=2) == Decimal("12.50")
    assert clean("decimal", 0.1, scale=2) == Decimal("0.10")
    assert "2 decimal places" in rejects("decimal", "1.005", "scale", scale=2)
    rejects("decimal", "abc", "type")
    rejects("decimal", True, "type")
    rejects("decimal", "5", "min", min=10)


def test_rich_text_is_sanitised() -> None:
    html = clean("rich_text", '<p onclick="x()">Hi <script>alert(1)</script><b>there</b></p>')
    assert "script" not in html and "onclick" not in html
    assert "<b>there</b>" in html


def test_picklists_accept_only_active_options() -> None:
    options = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": "B", "active": False}]
    assert clean("picklist", "a", options=options) == "a"
    rejects("picklist", "b", "inactive_option", options=options)
    rejects("picklist", "zzz", "invalid_option", options=options)
    assert clean("multi_picklist", ["a", "a"], options=options) == ["a"]


def test_text_rules_length_and_pattern() -> None:
    assert clean("text", "  padded  ") == "padded"
    rejects("text", "x" * 11, "max_length", max_length=10)
    rejects("text", "abc", "regex", regex=r"\d+")
    rejects("text", {"a": 1}, "type")


def test_naive_datetimes_are_read_in_the_callers_zone() -> None:
    with use_timezone("Asia/Shanghai"):
        value = clean("datetime", "2026-11-23T18:00:00")
    assert value.utcoffset().total_seconds() == 8 * 3600
    assert clean("datetime", "2026-11-23T10:00:00Z").utcoffset().total_seconds() == 0
    rejects("datetime", "tomorrow-ish", "type")


def test_address_currency_url_email_tags() -> None:
    address = clean(
        "address", {"country": "cn", "province": "浙江省", "city": "杭州市", "postcode": "310000"}
    )
    assert address["country"] == "CN" and address["district"] is None
    rejects("address", {"postcode": "12"}, "postcode")
    rejects("address", {"planet": "Mars"}, "type")
    assert clean("currency", "99.9") == {"amount": Decimal("99.90"), "currency": "CNY"}
    assert clean("currency", {"amount": "5", "currency": "USD"})["currency"] == "USD"
    assert clean("url", "example.com/x") == "https://example.com/x"
    rejects("url", "javascript:alert(1)", "url")
    assert clean("email", "Li.Lei@Example.COM") == "li.lei@example.com"
    rejects("email", "not-an-email", "email")
    assert clean("tags", ["VIP", " VIP ", "华东"]) == ["VIP", "华东"]
    assert clean("date", "2026-02-28") == date(2026, 2, 28)
    rejects("date", "2026-02-30", "type")


def test_auto_number_formats() -> None:
    ftype = field_type("auto_number")
    config = ftype.check_config({"format": "CON-{YYYY}-{000000}"}, {})
    f = FieldDef("contract", "no", "auto_number", {"en": "No"}, config=config)
    assert ftype.render(f, 42, date(2026, 11, 23)) == "CON-2026-000042"  # type: ignore[attr-defined]

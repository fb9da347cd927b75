"""Value rules of each field type, independent of any database."""

import re
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.metadata.fieldtypes import (
    ADDRESS_PARTS,
    AutoNumberType,
    ConfigError,
    FieldValueError,
    field_type,
    valid_e164,
)
from guanxi.platform.metadata.model import FieldDef


def clean(type_: str, value: Any, **config: Any) -> Any:
    ftype = field_type(type_)
    checked = ftype.check_config(config, {"account": object()})
    return ftype.clean(FieldDef("x", "f", type_, {"en": "F"}, config=checked), value)


def cleaner_of(type_: str, value: Any) -> Any:
    """What the bulk path (``FieldType.cleaner``) makes of a value."""
    return field_type(type_).cleaner(field(type_))(value)


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


@pytest.mark.parametrize("type_", ["integer", "decimal", "percent"])
@pytest.mark.parametrize("value", ["9e5000000", "-9E+999999999", "1e400000"])
def test_numbers_with_huge_exponents_are_refused_at_once(type_: str, value: str) -> None:
    # int(Decimal("9e5000000")) builds a five-million-digit integer: tens of seconds of
    # CPU for one request, with every other request of the process waiting.
    for cleaner in (partial(clean, type_), partial(cleaner_of, type_)):
        with pytest.raises(FieldValueError) as caught:
            cleaner(value)
        assert caught.value.code in {"max", "precision"}


def test_zero_and_tiny_numbers_with_big_exponents_are_still_numbers() -> None:
    assert clean("integer", "0e999999") == 0
    assert clean("integer", "12e3") == 12000
    assert clean("integer", "9223372036854775807") == 2**63 - 1
    rejects("integer", "9223372036854775808", "max")
    rejects("integer", "1e-999999", "type")
    assert clean("decimal", "0E+999999", scale=2) == Decimal("0.00")


def test_a_pattern_that_backtracks_for_ever_is_cut_short() -> None:
    # Nested quantifiers look harmless to the administrator who writes them; checked
    # naively, 40 characters took minutes, each one doubling the time.
    started = time.monotonic()
    rejects("text", "a" * 40 + "!", "regex", regex="([a-z0-9]+)*-[0-9]{4}")
    message = rejects("text", "a" * 40, "regex", regex="(a|a)+b")  # hopeless for any backtracker
    assert time.monotonic() - started < 2
    assert "too long" in message
    assert clean("text", "ab12-2026", regex="([a-z0-9]+)*-[0-9]{4}") == "ab12-2026"
    rejects("text", "ab12-26", "regex", regex="([a-z0-9]+)*-[0-9]{4}")


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00", "9999-12-31T20:00:00Z", "1699-12-31T23:59:59Z", "4001-01-02"]
)
def test_date_times_beyond_the_years_1700_to_4000_are_refused(value: str) -> None:
    # Year 9999 UTC is year 10000 in Shanghai: once stored, no one could read the record.
    with use_timezone("Asia/Shanghai"):
        rejects("datetime", value, "max")
        assert clean("datetime", "1700-01-02T00:00:00").year == 1700
        assert clean("datetime", "4000-12-31T23:00:00Z").year == 4000


@pytest.mark.parametrize(
    ("type_", "config", "key"),
    [
        ("date", {"min": "2020-13-01"}, "min"),
        ("integer", {"min": "abc"}, "min"),
        ("decimal", {"max": [1]}, "max"),
        ("integer", {"min": 10, "max": 1}, "min"),
        ("picklist", {"options": [{"value": "a", "label": 123}]}, "options.0.label"),
        ("auto_number", {"start": True}, "start"),
        ("auto_number", {"start": 10**15}, "start"),
    ],
)
def test_settings_that_no_value_could_meet_are_refused_up_front(
    type_: str, config: dict[str, Any], key: str
) -> None:
    # Accepted, each made every later write fail: with a 500, or blaming the user's value.
    with pytest.raises(ConfigError) as caught:
        field_type(type_).check_config(config, {})
    assert caught.value.key == key


def test_address_parts_are_held_to_their_column_sizes() -> None:
    assert "city" in rejects("address", {"city": "x" * 65}, "max_length")
    assert clean("address", {"city": "x" * 64})["city"] == "x" * 64


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


# -- bulk converters (FieldType.cleaner) give exactly what clean gives -----------------------


def field(type_: str, **config: Any) -> FieldDef:
    ftype = field_type(type_)
    try:
        checked = ftype.check_config(config, {"account": object()})
    except ConfigError:
        assume(False)  # a definition the API refuses (min above max …) has no values
    return FieldDef("x", "f", type_, {"en": "F"}, config=checked)


def outcome(convert: Callable[[Any], Any], value: Any) -> tuple[Any, ...]:
    """What a conversion did, precisely enough to tell two implementations apart."""
    try:
        result = convert(value)
    except FieldValueError as error:
        return ("error", error.message, error.code)
    except Exception as error:  # the same unexpected failure counts as the same
        return ("raised", type(error))
    return ("value", type(result), repr(result))


def same_as_clean(f: FieldDef, values: list[Any]) -> None:
    ftype = field_type(f.type)
    fast = ftype.cleaner(f)
    for value in values:
        assert outcome(fast, value) == outcome(partial(ftype.clean, f), value), value


numbers_as_text = st.from_regex(r"\A\s?-?[0-9]{0,22}(\.[0-9]{0,12})?([eE][-+]?[0-9]{1,3})?\s?\Z")
any_number = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.decimals(),
    st.booleans(),
    numbers_as_text,
    st.text(max_size=8),
    st.none(),
)
bounds = st.one_of(st.none(), st.integers(-1000, 1000), st.sampled_from(["10", "-5.5", "1e3"]))


@given(st.lists(any_number, max_size=20), bounds, bounds)
def test_integer_cleaner_is_clean(values: list[Any], lo: Any, hi: Any) -> None:
    config = {k: v for k, v in {"min": lo, "max": hi}.items() if v is not None}
    same_as_clean(field("integer", **config), values)


@given(
    st.lists(any_number, max_size=20),
    st.integers(1, 18),
    st.integers(0, 10),
    bounds,
    bounds,
    st.sampled_from(["decimal", "percent", "currency"]),
)
def test_decimal_and_currency_cleaners_are_clean(
    values: list[Any], precision: int, scale: int, lo: Any, hi: Any, type_: str
) -> None:
    config: dict[str, Any] = {"precision": precision, "scale": min(scale, precision)}
    config.update({k: v for k, v in {"min": lo, "max": hi}.items() if v is not None})
    same_as_clean(field(type_, **config), values)


currency_values = st.one_of(
    any_number,
    st.fixed_dictionaries(
        {},
        optional={
            "amount": st.one_of(numbers_as_text, any_number),
            "currency": st.sampled_from(["USD", "CNY", "usd", "", "EURO", None, 5]),
            "rate": any_number,
        },
    ),
)


@given(st.lists(currency_values, max_size=20), st.sampled_from(["CNY", "USD"]))
def test_currency_cleaner_is_clean_for_objects_too(values: list[Any], code: str) -> None:
    same_as_clean(field("currency", currency=code, scale=2), values)


@given(st.lists(st.one_of(st.sampled_from(["a", "b", "c", "A", ""]), any_number), max_size=10))
def test_picklist_cleaner_is_clean(values: list[Any]) -> None:
    options = [
        {"value": "a", "label": {"en": "A"}},
        {"value": "b", "label": {"en": "B"}, "active": False},
        {"value": "c", "label": {"en": "C"}},
    ]
    same_as_clean(field("picklist", options=options), values)
    same_as_clean(field("multi_picklist", options=options), [values, *values])


url_parts = st.tuples(
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "", "//", "https:/"]),
    st.from_regex(r"\A[A-Za-z0-9.\-\[\]@:]{0,20}\Z"),
    st.sampled_from(["", ":80", ":99999", ":x"]),
    st.text(alphabet="/?#&=%~._-!$'()*+,;:@ aZ9\t\n中", max_size=15),
)


@given(st.lists(st.one_of(url_parts.map("".join), st.text(max_size=20), any_number), max_size=15))
def test_url_cleaner_is_clean(values: list[Any]) -> None:
    same_as_clean(field("url"), values)


def test_url_cleaner_keeps_the_length_limit() -> None:
    same_as_clean(field("url"), ["https://example.com/" + "a" * n for n in (2027, 2028, 2029)])


# -- phone numbers: the E.164 shortcut agrees with phonenumbers ------------------------------


def phone_by_phonenumbers(value: Any, region: str) -> Any:
    """PhoneType.clean as it was before the shortcut: phonenumbers decides everything."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise FieldValueError("expected a phone number", "type")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise FieldValueError("is not a phone number", "phone") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldValueError("is not a valid phone number", "phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def example_numbers() -> list[str]:
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(11):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                numbers.append(phonenumbers.format_number(example, 0))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            numbers.append(phonenumbers.format_number(example, 0))
    return numbers


def test_every_countrys_example_numbers_take_the_shortcut_to_the_same_result() -> None:
    f = field("phone")
    for number in example_numbers():
        assert outcome(field_type("phone").cleaner(f), number) == outcome(
            partial(phone_by_phonenumbers, region="CN"), number
        ), number
    # Italian leading zeros and national prefixes are left to phonenumbers.parse.
    assert valid_e164("+390612345678") is None
    assert valid_e164("+8617951234567") is None


def test_numbers_with_a_national_prefix_or_leading_zero_after_the_country_code() -> None:
    f = field("phone")
    for number in example_numbers():
        parsed = phonenumbers.parse(number)
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            parsed.country_code, region
        )
        national = phonenumbers.national_significant_number(parsed)
        prefixes = {"0", "00", (metadata and metadata.national_prefix) or "0"}
        for prefix in prefixes:
            variant = f"+{parsed.country_code}{prefix}{national.lstrip('0')}"
            assert outcome(field_type("phone").cleaner(f), variant) == outcome(
                partial(phone_by_phonenumbers, region="CN"), variant
            ), variant


EXAMPLES = example_numbers()
edits = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert", "delete"]),
        st.integers(1, 16),
        st.sampled_from("0123456789"),
    ),
    min_size=1,
    max_size=2,
)


@given(st.sampled_from(EXAMPLES), edits)
@settings(max_examples=1000)
def test_near_valid_numbers_agree_with_phonenumbers(number: str, changes: list[Any]) -> None:
    digits = list(number[1:])
    for change, position, digit in changes:
        at = min(position, len(digits) - 1)
        if change == "replace":
            digits[at] = digit
        elif change == "insert":
            digits.insert(at, digit)
        elif len(digits) > 2:
            del digits[at]
    variant = "+" + "".join(digits)
    assert outcome(field_type("phone").cleaner(field("phone")), variant) == outcome(
        partial(phone_by_phonenumbers, region="CN"), variant
    ), variant


calling_codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
plus_digits = st.tuples(
    st.one_of(st.sampled_from(calling_codes), st.integers(0, 999)),
    st.from_regex(r"\A[0-9]{0,16}\Z"),
).map(lambda t: f"+{t[0]}{t[1]}")
phone_like = st.one_of(
    plus_digits,
    plus_digits.map(lambda s: s[:4] + " " + s[4:]),
    st.from_regex(r"\A[+0-9 ()\-x#;=]{0,20}\Z"),
    st.integers(0, 10**15),
    st.text(max_size=10),
    st.booleans(),
)


@given(st.lists(phone_like, max_size=25), st.sampled_from(["CN", "US", "IT", "GB", "DE"]))
@settings(max_examples=300)
def test_phone_clean_agrees_with_phonenumbers(values: list[Any], region: str) -> None:
    f = field("phone", region=region)
    for value in values:
        expected = outcome(partial(phone_by_phonenumbers, region=region), value)
        assert outcome(partial(field_type("phone").clean, f), value) == expected, value


# -- auto-numbers ---------------------------------------------------------------------------


format_piece = st.sampled_from(["{YYYY}", "{YY}", "{MM}", "{DD}", "-", "x", "{", "}"])


@given(
    st.lists(format_piece, max_size=4),
    st.sampled_from(["{0}", "{000}", "{000000}"]),
    st.lists(format_piece, max_size=4),
    st.integers(0, 10**9),
    st.dates(),
)
def test_renderer_makes_the_same_numbers_as_substituting_tokens(
    before: list[str], counter_token: str, after: list[str], counter: int, today: date
) -> None:
    # check_config lets through only formats with exactly one counter.
    pieces = [*before, counter_token, *after]
    ftype = field_type("auto_number")
    assert isinstance(ftype, AutoNumberType)
    f = FieldDef("o", "n", "auto_number", {"en": "No"}, config={"format": "".join(pieces)})

    def token(match: re.Match[str]) -> str:
        t = match.group(1)
        if t.startswith("0"):
            return str(counter).zfill(len(t))
        return {
            "YYYY": f"{today.year:04d}",
            "YY": f"{today.year % 100:02d}",
            "MM": f"{today.month:02d}",
            "DD": f"{today.day:02d}",
        }[t]

    assert ftype.renderer(f, today)(counter) == ftype.TOKEN.sub(token, "".join(pieces))


@given(
    st.one_of(
        st.none(),
        st.fixed_dictionaries({}, optional={part: st.text(max_size=3) for part in ADDRESS_PARTS}),
    ),
    st.one_of(
        st.none(), st.builds(lambda a, c: {"amount": a, "currency": c}, st.decimals(), st.text())
    ),
    st.one_of(st.none(), st.text(), st.integers()),
)
def test_column_values_are_to_columns_in_column_order(address: Any, money: Any, plain: Any) -> None:
    for type_, value in [("address", address), ("currency", money), ("text", plain)]:
        f = field(type_)
        ftype = field_type(type_)
        columns = ftype.to_columns(f, value)
        assert ftype.column_values(f, value) == [columns[n] for n in ftype.column_names(f)]


@pytest.mark.parametrize("value", ["1e26", "1E+40", 10**30, "-99999999999999999999999999999"])
@pytest.mark.parametrize("type_", ["decimal", "currency", "percent"])
def test_amounts_far_beyond_the_precision_are_a_field_error(type_: str, value: Any) -> None:
    """Not a server error: quantize() would raise InvalidOperation past 28 digits."""
    raw = {"amount": value, "currency": "CNY"} if type_ == "currency" else value
    assert "digits" in rejects(type_, raw, "precision")

"""E-mail, phone and web address fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from guanxi.platform.metadata.fieldtypes.base import (
    TEXT_OPS,
    ConfigError,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.model import FieldDef

_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9_%+\-](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


class EmailType(FieldType):
    name = "email"
    ops = TEXT_OPS

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(254)

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, str):
            raise FieldValueError("expected an e-mail address", "type")
        value = value.strip()
        if len(value) <= 254 and _PLAIN_EMAIL.match(value) and ".." not in value:
            # Fast path for the common plain-ASCII address; anything unusual (IDN,
            # quoted parts, odd dots) gets the full RFC check below.
            return value.lower()
        try:
            result = validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise FieldValueError(f"is not a valid e-mail address: {exc}", "email") from None
        return str(result.normalized).lower()


class PhoneType(FieldType):
    """Phone numbers normalised to E.164; numbers without a country code use the field's region."""

    name = "phone"
    ops = TEXT_OPS
    config_keys = frozenset({"region"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        region = out.get("region", "CN")
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError("region", "must be a two-letter region code such as CN")
        out["region"] = region
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(32)

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise FieldValueError("expected a phone number", "type")
        if (e164 := valid_e164(value)) is not None:
            return e164
        try:
            number = phonenumbers.parse(value, f.opt("region", "CN"))
        except phonenumbers.NumberParseException:
            raise FieldValueError("is not a phone number", "phone") from None
        if not phonenumbers.is_valid_number(number):
            raise FieldValueError("is not a valid phone number", "phone")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PLUS_DIGITS = re.compile(r"\+([1-9][0-9]{2,16})")
# phonenumbers compiles its metadata patterns through re's small cache on every match; its
# own cache keeps them (a bounded set) and saves a fifth of validating a number.
if hasattr(phonenumbers, "enable_pattern_cache"):  # phonenumbers >= 9
    phonenumbers.enable_pattern_cache()


# The number types phonenumbers tries after the general description, in its order; mobile
# comes last, and only when its pattern differs from the fixed-line one.
_NUMBER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)
_DescTest = tuple[frozenset[int] | None, Callable[[str], Any]]


def _desc_test(desc: Any) -> _DescTest | None:
    """phonenumbers' _is_number_matching_desc for one description, prepared once."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = frozenset(desc.possible_length) if desc.possible_length else None
    return lengths, re.compile(desc.national_number_pattern).fullmatch


@dataclass(frozen=True)
class _CallingCode:
    """What parsing and validating ``+<code><national number>`` needs of one country code."""

    known: bool  # phonenumbers has metadata for it
    national_prefix: re.Pattern[str] | None  # what parse may strip after the code
    general: _DescTest | None = None
    types: tuple[_DescTest, ...] = ()
    single_region: bool = False  # else is_valid_number picks the region by the number

    def valid(self, national: str) -> bool:
        """is_valid_number for a national number without leading zeros: it matches the
        general description and any one number type (_number_type_helper != UNKNOWN)."""
        if self.general is None:
            return False
        size = len(national)
        lengths, matches = self.general
        if (lengths is not None and size not in lengths) or not matches(national):
            return False
        for lengths, matches in self.types:  # (a loop: any() over a generator costs more)
            if (lengths is None or size in lengths) and matches(national):
                return True
        return False


@cache
def _calling_code(country_code: int) -> _CallingCode:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return _CallingCode(known=False, national_prefix=None)
    prefix = metadata.national_prefix_for_parsing
    descs = [getattr(metadata, name) for name in _NUMBER_TYPES]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)
    return _CallingCode(
        known=True,
        national_prefix=re.compile(prefix) if prefix else None,
        general=_desc_test(metadata.general_desc),
        types=tuple(t for t in map(_desc_test, descs) if t is not None),
        single_region=len(regions) == 1
        and (region == "001" or metadata.country_code == country_code),
    )


def valid_e164(value: str) -> str | None:
    """``value`` if it is a valid number written in E.164 (``+8613800138000``), else None.

    The common case of a bulk load, at a fifth of the cost of parsing and validating
    with phonenumbers: a ``+`` and digits can only take one path through ``parse`` — the
    country code is the first 1-3 digits that name one and the rest is the national
    number — unless the rest begins with 0 (Italian leading zeros) or with the country's
    national prefix (which ``parse`` may strip). Validity is phonenumbers' own rule,
    applied to its own metadata; a country code shared by several regions (+1, +7, +44 …)
    is left to ``is_valid_number``, which first works out the region. Everything else
    returns None and goes through ``parse``.
    """
    match = _PLUS_DIGITS.fullmatch(value)
    if match is None:
        return None
    digits = match.group(1)
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if len(national) < 2 or national[0] == "0":
        return None
    code = _calling_code(country_code)
    prefix = code.national_prefix
    if not code.known or (prefix is not None and prefix.match(national)):
        return None
    if code.single_region:
        return value if code.valid(national) else None
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    return value if phonenumbers.is_valid_number(number) else None


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?!\d)")
# A URL that clean would return unchanged: http(s), a plain host, safe characters after it.
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9\-._~%!$&'()*+,;=:@/?#]*)?"
)


class UrlType(FieldType):
    name = "url"
    ops = TEXT_OPS

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(2048)

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, str):
            raise FieldValueError("expected a URL", "type")
        value = value.strip()
        if not _SCHEME.match(value):
            value = "https://" + value
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc or " " in value:
            raise FieldValueError("must be an http or https URL", "url")
        if len(value) > 2048:
            raise FieldValueError("must be at most 2048 characters", "max_length")
        return value

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)

        def clean(value: Any) -> Any:
            if type(value) is str and len(value) <= 2048 and _PLAIN_URL.fullmatch(value):
                return value
            return slow(value)

        return clean

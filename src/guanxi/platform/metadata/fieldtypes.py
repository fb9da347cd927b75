"""Field types: how each type is stored, validated, converted and filtered.

A field type turns API values into Python values (``clean``), Python values into
column values (``to_columns``) and back (``from_row``). Validation errors are raised as
:class:`FieldValueError` with a message naming what is wrong; callers attach the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from typing import Any, ClassVar
from urllib.parse import urlsplit
from uuid import UUID

import nh3
import phonenumbers
import regex
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, String, Text, Uuid
from sqlalchemy.types import TypeEngine

from guanxi.kernel.clock import in_range
from guanxi.kernel.sqltypes import MAX_SQLITE_PRECISION, ExactDecimal, JsonType, UtcDateTime
from guanxi.platform.metadata.context import current_timezone
from guanxi.platform.metadata.model import FieldDef, table_name_for

ADDRESS_PARTS = ("country", "province", "city", "district", "street", "postcode")
TEXT_OPS = frozenset(
    {
        "eq",
        "ne",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "ends_with",
        "is_null",
        "lt",
        "lte",
        "gt",
        "gte",
    }
)
ORDERED_OPS = frozenset(
    {"eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "is_null"}
)
EQUALITY_OPS = frozenset({"eq", "ne", "in", "not_in", "is_null"})
SET_OPS = frozenset({"contains", "in", "not_in", "is_null"})


class FieldValueError(ValueError):
    """A value that a field cannot take; the message says why."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConfigError(ValueError):
    """Bad type-specific settings for a field definition."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FieldValueError("expected a number", "type")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise FieldValueError("expected a number", "type") from None
    if not number.is_finite():
        raise FieldValueError("expected a finite number", "type")
    return number


class FieldType:
    """Base class: a single nullable column holding a scalar."""

    name: ClassVar[str]
    ops: ClassVar[frozenset[str]] = EQUALITY_OPS
    stored: ClassVar[bool] = True  # False for computed types (formula)
    writable: ClassVar[bool] = True  # False when the system fills the value
    sortable: ClassVar[bool] = True
    config_keys: ClassVar[frozenset[str]] = frozenset()

    # -- definition -----------------------------------------------------------------
    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and normalise the type-specific settings."""
        out = {k: v for k, v in config.items() if k in self.config_keys and v is not None}
        bounds = {}
        for key in ("min", "max"):
            if key in out:
                try:
                    bounds[key] = self.bound(out[key])
                except (ValueError, TypeError, ArithmeticError):  # FieldValueError included
                    raise ConfigError(key, f"is not a {self.name} value") from None
        if len(bounds) == 2 and bounds["min"] > bounds["max"]:
            raise ConfigError("min", "must not be greater than max")
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        # Single-column types override this; multi-column ones (address) override columns().
        raise TypeError(f"{self.name} fields have no single SQL type")

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return [Column(f.name, self.sql_type(f), nullable=True)]

    def column_names(self, f: FieldDef) -> list[str]:
        return [f.name]

    # -- values ---------------------------------------------------------------------
    def clean(self, f: FieldDef, value: Any) -> Any:
        """Turn an API value (never None) into the canonical Python value."""
        return value

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        """``clean`` for one field, its settings read once: for converting many rows.

        It must give exactly what ``clean`` gives, value or error. Types that bulk loads
        spend their time in override it with a shortcut for common, clearly valid values
        that hands everything else to ``clean``.
        """
        return partial(self.clean, f)

    def bound(self, raw: Any) -> Any:
        """A configured min/max as a comparable value."""
        return _decimal(raw)

    def check_bounds(self, f: FieldDef, value: Any) -> None:
        lo, hi = f.opt("min"), f.opt("max")
        if lo is not None and value < self.bound(lo):
            raise FieldValueError(f"must be at least {lo}", "min")
        if hi is not None and value > self.bound(hi):
            raise FieldValueError(f"must be at most {hi}", "max")

    def bounds_test(self, f: FieldDef) -> Callable[[Any], bool] | None:
        """Whether a value passes ``check_bounds``, the bounds converted once; None when a
        configured bound does not convert (``check_bounds`` then reports it per value)."""
        lo, hi = f.opt("min"), f.opt("max")
        try:
            low = None if lo is None else self.bound(lo)
            high = None if hi is None else self.bound(hi)
        except (ValueError, TypeError):
            return None
        return lambda value: (low is None or not value < low) and (high is None or not value > high)

    def to_columns(self, f: FieldDef, value: Any) -> dict[str, Any]:
        return {f.name: value}

    def column_values(self, f: FieldDef, value: Any) -> list[Any]:
        """``to_columns`` as a list in ``column_names`` order (for bulk inserts)."""
        columns = self.to_columns(f, value)
        return [columns[name] for name in self.column_names(f)]

    def from_row(self, f: FieldDef, row: Mapping[str, Any]) -> Any:
        return row.get(f.name)

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}


class TextType(FieldType):
    name = "text"
    ops = TEXT_OPS
    config_keys = frozenset({"max_length", "regex"})
    default_length = 255

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        length = out.get("max_length", self.default_length)
        if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 1_000_000:
            raise ConfigError("max_length", "must be an integer between 1 and 1000000")
        out["max_length"] = length
        if "regex" in out:
            try:
                re.compile(out["regex"])
                _pattern(out["regex"])
            except (re.error, regex.error, TypeError) as exc:
                raise ConfigError("regex", f"is not a valid regular expression: {exc}") from None
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(f.opt("max_length", self.default_length))

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, str):
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                value = str(value)
            else:
                raise FieldValueError("expected text", "type")
        value = value.strip()
        limit = f.opt("max_length", self.default_length)
        if len(value) > limit:
            raise FieldValueError(f"must be at most {limit} characters", "max_length")
        pattern = f.opt("regex")
        if pattern and value and not _matches(pattern, value):
            raise FieldValueError(f"does not match the pattern {pattern}", "regex")
        return value


# An administrator's pattern may backtrack for ever on some input ("([a-z0-9]+)*-…"): any
# user who writes the field could hold a server process for minutes. Patterns are checked
# with Python's own syntax (re) and matched by the regex module, which can stop.
PATTERN_TIMEOUT = 0.05  # seconds per value


@cache
def _pattern(pattern: str) -> Any:
    return regex.compile(pattern)


def _matches(pattern: str, value: str) -> bool:
    try:
        return _pattern(pattern).fullmatch(value, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        raise FieldValueError(
            f"took too long to check against the pattern {pattern}", "regex"
        ) from None


class LongTextType(TextType):
    name = "long_text"
    default_length = 100_000

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Text()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().clean(f, value)


class RichTextType(LongTextType):
    """HTML from an editor, sanitised on the way in: rich text is untrusted."""

    name = "rich_text"
    default_length = 1_000_000

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, str):
            raise FieldValueError("expected HTML text", "type")
        return super().clean(f, nh3.clean(value))


class IntegerType(FieldType):
    name = "integer"
    ops = ORDERED_OPS
    config_keys = frozenset({"min", "max"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return BigInteger()

    def clean(self, f: FieldDef, value: Any) -> Any:
        number = _decimal(value)
        if number != number.to_integral_value():
            raise FieldValueError("expected a whole number", "type")
        if number and number.adjusted() >= 19:
            # Before int(): "9e5000000" would become a five-million-digit integer first.
            raise FieldValueError("is out of range", "max")
        result = int(number)
        if not -(2**63) <= result < 2**63:
            raise FieldValueError("is out of range", "max")
        self.check_bounds(f, result)
        return result

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)
        in_bounds = self.bounds_test(f)
        if in_bounds is None:
            return slow

        def clean(value: Any) -> Any:
            if type(value) is int and -(2**63) <= value < 2**63 and in_bounds(value):
                return value
            return slow(value)

        return clean


class DecimalType(FieldType):
    name = "decimal"
    ops = ORDERED_OPS
    config_keys = frozenset({"precision", "scale", "min", "max"})
    default_scale = 2

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        precision = out.get("precision", 18)
        scale = out.get("scale", self.default_scale)
        if not isinstance(precision, int) or not 1 <= precision <= MAX_SQLITE_PRECISION:
            raise ConfigError(
                "precision", f"must be an integer between 1 and {MAX_SQLITE_PRECISION}"
            )
        if not isinstance(scale, int) or not 0 <= scale <= min(precision, 10):
            raise ConfigError("scale", "must be an integer between 0 and min(precision, 10)")
        out["precision"], out["scale"] = precision, scale
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return ExactDecimal(f.opt("precision", 18), f.opt("scale", self.default_scale))

    def clean(self, f: FieldDef, value: Any) -> Any:
        number = _decimal(value)
        scale = f.opt("scale", self.default_scale)
        precision = f.opt("precision", 18)
        exponent = number.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and -exponent > scale
            and number != number.quantize(Decimal(1).scaleb(-scale))
        ):
            raise FieldValueError(f"allows at most {scale} decimal places", "scale")
        if number != 0 and number.adjusted() + 1 > precision - scale:
            # Checked before quantize(), which raises InvalidOperation beyond 28 digits.
            raise FieldValueError(f"allows at most {precision} digits", "precision")
        number = number.quantize(Decimal(1).scaleb(-scale))
        if len(number.as_tuple().digits) > precision and number != 0:
            raise FieldValueError(f"allows at most {precision} digits", "precision")
        self.check_bounds(f, number)
        return number

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        return self.number_cleaner(f)

    def number_cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        """DecimalType.clean for one field: a number that needs no rounding, fits and is
        within bounds is taken as it is; anything else goes through ``clean``."""
        slow = partial(DecimalType.clean, self, f)
        scale = f.opt("scale", self.default_scale)
        precision = f.opt("precision", 18)
        in_bounds = self.bounds_test(f)
        try:
            quantum = Decimal(1).scaleb(-scale)
        except (ArithmeticError, TypeError):
            in_bounds = None
        if in_bounds is None:
            return slow

        def clean(value: Any) -> Any:
            number = _decimal(value)  # clean starts with the same call: same errors
            try:
                rounded = number.quantize(quantum)
            except ArithmeticError:
                return slow(value)
            if (
                rounded == number
                and len(rounded.as_tuple().digits) <= precision
                and in_bounds(rounded)
            ):
                return rounded
            return slow(value)

        return clean


class PercentType(DecimalType):
    name = "percent"


_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_CURRENCY_KEYS = frozenset({"amount", "currency"})


class CurrencyType(DecimalType):
    """An amount and its ISO 4217 code, stored in two columns."""

    name = "currency"
    config_keys = DecimalType.config_keys | {"currency"}

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        code = out.get("currency", "CNY")
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
            raise ConfigError("currency", "must be an ISO 4217 code such as CNY")
        out["currency"] = code
        return out

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return [
            Column(f.name, self.sql_type(f), nullable=True),
            Column(f"{f.name}__currency", String(3), nullable=True),
        ]

    def column_names(self, f: FieldDef) -> list[str]:
        return [f.name, f"{f.name}__currency"]

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, Mapping):
            unknown = set(value) - {"amount", "currency"}
            if unknown:
                raise FieldValueError(f"unknown keys: {', '.join(sorted(unknown))}", "type")
            code = value.get("currency") or f.opt("currency", "CNY")
            if not isinstance(code, str) or not _CURRENCY_CODE.fullmatch(code):
                raise FieldValueError("currency must be an ISO 4217 code such as CNY", "currency")
            if value.get("amount") is None:
                raise FieldValueError("amount is required", "required")
            return {"amount": super().clean(f, value["amount"]), "currency": code}
        return {"amount": super().clean(f, value), "currency": f.opt("currency", "CNY")}

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)
        amount = self.number_cleaner(f)
        default = f.opt("currency", "CNY")

        def clean(value: Any) -> Any:
            if type(value) is dict:
                if value.keys() <= _CURRENCY_KEYS:
                    code = value.get("currency") or default
                    raw = value.get("amount")
                    if type(code) is str and _CURRENCY_CODE.fullmatch(code) and raw is not None:
                        return {"amount": amount(raw), "currency": code}
                return slow(value)
            if isinstance(value, Mapping):
                return slow(value)
            return {"amount": amount(value), "currency": default}

        return clean

    def to_columns(self, f: FieldDef, value: Any) -> dict[str, Any]:
        if value is None:
            return {f.name: None, f"{f.name}__currency": None}
        return {f.name: value["amount"], f"{f.name}__currency": value["currency"]}

    def column_values(self, f: FieldDef, value: Any) -> list[Any]:
        return [None, None] if value is None else [value["amount"], value["currency"]]

    def from_row(self, f: FieldDef, row: Mapping[str, Any]) -> Any:
        amount = row.get(f.name)
        if amount is None:
            return None
        return {"amount": amount, "currency": row.get(f"{f.name}__currency")}


class BooleanType(FieldType):
    name = "boolean"
    ops = frozenset({"eq", "ne", "is_null"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Boolean()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        raise FieldValueError("expected true or false", "type")


class DateType(FieldType):
    name = "date"
    ops = ORDERED_OPS
    config_keys = frozenset({"min", "max"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Date()

    def bound(self, raw: Any) -> Any:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, datetime):
            raise FieldValueError("expected a date (YYYY-MM-DD)", "type")
        if isinstance(value, date):
            result = value
        else:
            try:
                result = date.fromisoformat(str(value))
            except ValueError:
                raise FieldValueError("expected a date (YYYY-MM-DD)", "type") from None
        self.check_bounds(f, result)
        return result


class DateTimeType(FieldType):
    """Stored in UTC. A value without an offset is read in the caller's time zone."""

    name = "datetime"
    ops = ORDERED_OPS

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return UtcDateTime()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, datetime):
            result = value
        else:
            try:
                result = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                raise FieldValueError("expected an ISO 8601 date-time", "type") from None
        if result.tzinfo is None:
            result = result.replace(tzinfo=current_timezone())
        if not in_range(result):  # 1700–4000 UTC, as Salesforce's range
            raise FieldValueError("must be between the years 1700 and 4000", "max")
        return result


class PicklistType(FieldType):
    name = "picklist"
    config_keys = frozenset({"options"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        options = out.get("options")
        if not isinstance(options, list) or not options:
            raise ConfigError("options", "a picklist needs at least one option")
        seen: set[str] = set()
        cleaned = []
        for i, option in enumerate(options):
            if not isinstance(option, Mapping):
                raise ConfigError(f"options.{i}", "must be an object with value and label")
            value = option.get("value")
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_\-.]{1,64}", value):
                raise ConfigError(f"options.{i}.value", "must be 1-64 letters, digits, _ - or .")
            if value in seen:
                raise ConfigError(f"options.{i}.value", f"duplicate option {value}")
            seen.add(value)
            label = option.get("label") or {"en": value}
            if isinstance(label, str):
                label = {"en": label}
            if not isinstance(label, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in label.items()
            ):
                raise ConfigError(f"options.{i}.label", "must be text or {language: text}")
            color = option.get("color")
            if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}|[a-z]{3,20}", str(color)):
                raise ConfigError(f"options.{i}.color", "must be #rrggbb or a colour name")
            cleaned.append(
                {
                    "value": value,
                    "label": dict(label),
                    "color": color,
                    "active": bool(option.get("active", True)),
                }
            )
        out["options"] = cleaned
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(64)

    def _check_option(self, f: FieldDef, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldValueError("expected an option value", "type")
        for option in f.opt("options", []):
            if option["value"] == value:
                if not option.get("active", True):
                    raise FieldValueError(
                        f"option {value!r} is no longer active", "inactive_option"
                    )
                return value
        allowed = ", ".join(o["value"] for o in f.opt("options", []) if o.get("active", True))
        raise FieldValueError(f"{value!r} is not one of: {allowed}", "invalid_option")

    def clean(self, f: FieldDef, value: Any) -> Any:
        return self._check_option(f, value)

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)
        active: dict[str, bool] = {}
        try:
            for option in f.opt("options", []):
                active.setdefault(option["value"], bool(option.get("active", True)))
        except (KeyError, TypeError, AttributeError):
            return slow  # odd stored options: clean says what is wrong

        def clean(value: Any) -> Any:
            if type(value) is str and active.get(value):
                return value
            return slow(value)

        return clean


class MultiPicklistType(PicklistType):
    name = "multi_picklist"
    ops = SET_OPS
    sortable = False

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return JsonType

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        return partial(self.clean, f)

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise FieldValueError("expected a list of option values", "type")
        chosen = [self._check_option(f, v) for v in value]
        order = [o["value"] for o in f.opt("options", [])]
        return sorted(set(chosen), key=order.index)


class TagsType(FieldType):
    name = "tags"
    ops = SET_OPS
    sortable = False

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return JsonType

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise FieldValueError("expected a list of tags", "type")
        tags: list[str] = []
        for tag in (t.strip() for t in value):
            if not tag:
                continue
            if len(tag) > 64:
                raise FieldValueError("a tag is at most 64 characters", "max_length")
            if tag not in tags:
                tags.append(tag)
        return tags


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


def _uuid(value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise FieldValueError("expected a record id", "type") from None


class LookupType(FieldType):
    """Many-to-one reference to a record of another (or the same) object."""

    name = "lookup"
    config_keys = frozenset({"target", "on_delete", "related_label"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        target = out.get("target")
        if not isinstance(target, str) or target not in objects:
            raise ConfigError("target", "must name an existing object")
        on_delete = out.get("on_delete", "set_null")
        if on_delete not in {"restrict", "set_null", "cascade"}:
            raise ConfigError("on_delete", "must be restrict, set_null or cascade")
        out["on_delete"] = on_delete
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Uuid()

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        ondelete = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}
        fk = ForeignKey(
            f"{table_name_for(f.opt('target'))}.id",
            ondelete=ondelete[f.opt("on_delete", "set_null")],
            name=f"fk_{f.object_name}_{f.name}",
        )
        return [Column(f.name, Uuid(), fk, nullable=True)]  # indexed by build_table

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, Mapping) and "id" in value:
            value = value["id"]
        return _uuid(value)


class UserType(FieldType):
    name = "user"

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Uuid()

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        fk = ForeignKey("gx_user.id", ondelete="SET NULL", name=f"fk_{f.object_name}_{f.name}")
        return [Column(f.name, Uuid(), fk, nullable=True)]  # indexed by build_table

    def clean(self, f: FieldDef, value: Any) -> Any:
        return _uuid(value)


class FileType(FieldType):
    """A reference to an uploaded file (the file service holds the bytes)."""

    name = "file"
    ops = frozenset({"is_null"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Uuid()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, Mapping) and "id" in value:
            value = value["id"]
        return _uuid(value)


_ADDRESS_PART_SET = frozenset(ADDRESS_PARTS)
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_CN_POSTCODE = re.compile(r"\d{6}")


ADDRESS_SIZES = {
    "country": 2,
    "province": 64,
    "city": 64,
    "district": 64,
    "street": 255,
    "postcode": 16,
}


class AddressType(FieldType):
    """A structured address: country, province, city, district, street, postcode."""

    name = "address"
    ops = frozenset({"is_null"})
    sortable = False

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return [
            Column(f"{f.name}__{part}", String(ADDRESS_SIZES[part]), nullable=True)
            for part in ADDRESS_PARTS
        ]

    def column_names(self, f: FieldDef) -> list[str]:
        return [f"{f.name}__{part}" for part in ADDRESS_PARTS]

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise FieldValueError("expected an object with " + ", ".join(ADDRESS_PARTS), "type")
        unknown = value.keys() - _ADDRESS_PART_SET
        if unknown:
            raise FieldValueError(f"unknown address parts: {', '.join(sorted(unknown))}", "type")
        out: dict[str, str | None] = {}
        for part in ADDRESS_PARTS:
            item = value.get(part)
            if item is None or item == "":
                out[part] = None
                continue
            if not isinstance(item, str):
                raise FieldValueError(f"{part} must be text", "type")
            out[part] = item.strip()
            if len(out[part] or "") > ADDRESS_SIZES[part]:
                raise FieldValueError(
                    f"{part} must be at most {ADDRESS_SIZES[part]} characters", "max_length"
                )
        country = out["country"]
        if country is not None:
            country = country.upper()
            if not _COUNTRY_CODE.fullmatch(country):
                raise FieldValueError("country must be a two-letter ISO code such as CN", "country")
            out["country"] = country
        postcode = out["postcode"]
        if (
            postcode is not None
            and (out["country"] or "CN") == "CN"
            and not _CN_POSTCODE.fullmatch(postcode)
        ):
            raise FieldValueError("a Chinese postcode has six digits", "postcode")
        return out

    def to_columns(self, f: FieldDef, value: Any) -> dict[str, Any]:
        return {f"{f.name}__{part}": (value or {}).get(part) for part in ADDRESS_PARTS}

    def column_values(self, f: FieldDef, value: Any) -> list[Any]:
        parts = value or {}
        return [parts.get(part) for part in ADDRESS_PARTS]

    def from_row(self, f: FieldDef, row: Mapping[str, Any]) -> Any:
        parts = {part: row.get(f"{f.name}__{part}") for part in ADDRESS_PARTS}
        return parts if any(v is not None for v in parts.values()) else None

    def is_empty(self, value: Any) -> bool:
        return value is None or not any(value.values())


# gx_sequence.value is a 32-bit INTEGER on PostgreSQL: leave a billion numbers of headroom
MAX_START = 10**9


class AutoNumberType(FieldType):
    """System-assigned numbers such as ``CON-{YYYY}-{000000}``."""

    name = "auto_number"
    ops = TEXT_OPS
    writable = False
    config_keys = frozenset({"format", "start", "gapless"})
    TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        fmt = out.get("format", "{000000}")
        if not isinstance(fmt, str) or len(fmt) > 64:
            raise ConfigError("format", "must be text of at most 64 characters")
        counters = [t for t in self.TOKEN.findall(fmt) if t.startswith("0")]
        if len(counters) != 1:
            raise ConfigError("format", "needs exactly one counter such as {000000}")
        leftover = self.TOKEN.sub("", fmt)
        if "{" in leftover or "}" in leftover:
            raise ConfigError("format", "knows only {YYYY} {YY} {MM} {DD} and {000…}")
        start = out.get("start", 1)
        if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= MAX_START:
            raise ConfigError("start", f"must be an integer from 0 to {MAX_START}")
        out["format"], out["start"] = fmt, start
        out["gapless"] = out.get("gapless", False)
        if not isinstance(out["gapless"], bool):
            raise ConfigError("gapless", "must be true or false")
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(80)

    def render(self, f: FieldDef, counter: int, today: date) -> str:
        return self.renderer(f, today)(counter)

    def renderer(self, f: FieldDef, today: date) -> Callable[[int], str]:
        """``render`` for many counters of one day, the format taken apart once."""
        prefix, width, suffix = self.affixes(f, today)

        def render(counter: int) -> str:
            return prefix + str(counter).zfill(width) + suffix

        return render

    def affixes(self, f: FieldDef, today: date) -> tuple[str, int, str]:
        """The text before the counter, the counter's width and the text after it, on
        ``today`` (a format has exactly one counter: ``check_config`` makes sure)."""
        dates = {
            "YYYY": f"{today.year:04d}",
            "YY": f"{today.year % 100:02d}",
            "MM": f"{today.month:02d}",
            "DD": f"{today.day:02d}",
        }
        # split() with the token group gives literal, token, literal, … left to right,
        # the same matches sub() replaces.
        before: list[str] = []
        after: list[str] = []
        width = 0
        for i, part in enumerate(self.TOKEN.split(f.opt("format", "{000000}"))):
            side = after if width else before
            if i % 2 == 0:
                side.append(part)
            elif part.startswith("0"):
                width = len(part)
            else:
                side.append(dates[part])
        return "".join(before), width, "".join(after)


class FormulaType(FieldType):
    """Read-only values computed in SQL from an expression (see platform.query.formula)."""

    name = "formula"
    stored = False
    writable = False
    ops = ORDERED_OPS | TEXT_OPS
    config_keys = frozenset({"expression", "result_type", "scale"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        scale = out.get("scale")
        if scale is not None and (
            not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= 10
        ):
            raise ConfigError("scale", "must be an integer between 0 and 10")
        return out

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return []

    def column_names(self, f: FieldDef) -> list[str]:
        return []


FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        TextType(),
        LongTextType(),
        RichTextType(),
        IntegerType(),
        DecimalType(),
        CurrencyType(),
        PercentType(),
        BooleanType(),
        DateType(),
        DateTimeType(),
        PicklistType(),
        MultiPicklistType(),
        EmailType(),
        PhoneType(),
        UrlType(),
        LookupType(),
        UserType(),
        AddressType(),
        AutoNumberType(),
        FormulaType(),
        FileType(),
        TagsType(),
    )
}


def field_type(name: str) -> FieldType:
    return FIELD_TYPES[name]

"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Numeric, Text, cast, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

# JSON stored as JSONB on PostgreSQL (indexable, containment operators), JSON text on SQLite.
# none_as_null: Python None is SQL NULL, not the JSON value null (so IS NULL works).
JsonType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

MAX_SQLITE_PRECISION = 18  # scaled integers must fit a signed 64-bit column


class ExactDecimal(TypeDecorator[Decimal]):
    """A fixed-point decimal that is never a float.

    PostgreSQL stores NUMERIC(p, s). SQLite has no exact decimal type, so the value is
    stored as a scaled 64-bit integer (12.34 with scale 2 → 1234): exact, sortable,
    indexable and summable in SQL.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if dialect.name == "sqlite":
            return int(number.scaleb(self.scale).to_integral_value())
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return unscaled(value, self.scale)
        return Decimal(value).quantize(Decimal(1).scaleb(-self.scale))

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def unscaled(stored: int | float, scale: int) -> Decimal:
    """The decimal SQLite keeps as a scaled integer (a float from e.g. AVG() of them)."""
    number = Decimal(repr(stored)) if isinstance(stored, float) else Decimal(stored)
    return number.scaleb(-scale).quantize(Decimal(1).scaleb(-scale))


def is_naive_utc_text(value: Any) -> bool:
    """Whether ``value`` is date-time text as :class:`UtcDateTime` writes it on SQLite:
    at least ``YYYY-MM-DD HH:MM:SS``, without an offset."""
    return (
        isinstance(value, str) and len(value) >= 19 and value[-6] not in "+-" and value[-1] != "Z"
    )


def utc_moment(value: Any) -> datetime:
    """A stored date-time (text or datetime, naive meaning UTC) as an aware UTC datetime."""
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else utc_moment(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """SQLite hands back the stored text: parse it in one step with ``fromisoformat``
        (C code) instead of SQLAlchemy's regular-expression parser followed by ours — a
        page of 50 records reads 150 of these. The text is naive UTC as written above, so
        parsing it with ``+00:00`` appended gives the aware value at once (a fifth of the
        cost of parsing and then ``replace(tzinfo=UTC)``)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat
        slow = self.process_result_value

        def process(value: Any) -> datetime | None:
            if is_naive_utc_text(value):
                return parse(value + "+00:00")
            return slow(value, dialect)

        return process

    @property
    def python_type(self) -> type[datetime]:
        return datetime


class TokenList(TypeDecorator[list[str]]):
    """A list of short tokens without spaces, stored as one text of space-separated tokens.

    (SQLite's FTS5 indexes that text; PostgreSQL indexes ``string_to_array`` of it.)
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return " ".join(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return str(value).split()

    @property
    def python_type(self) -> type[list[str]]:
        return list


class UuidText(TypeDecorator[str]):
    """A UUID column read as its canonical text (``0190a1b2-…``), never as a ``UUID`` object.

    For values that go straight into JSON: a page of 50 records carries some 250 ids, and
    building a ``UUID`` per value only to print it again was a tenth of the page's time.
    Use :func:`uuid_text` to select a column so. SQLite stores 32 hex digits, which get
    their dashes here; PostgreSQL casts to text in the statement.
    """

    impl = Text
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else dashed_uuid(value)


def dashed_uuid(value: str) -> str:
    """SQLite keeps a UUID as 32 hex digits: the canonical text puts the dashes in."""
    if len(value) != 32:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def uuid_text(column: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """``column`` (a Uuid) selected as canonical text; label it as needed."""
    if dialect == "postgresql":
        return cast(column, UuidText())
    return type_coerce(column, UuidText())

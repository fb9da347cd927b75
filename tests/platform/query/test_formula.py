"""The formula language: parsing, type checking, and evaluation on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from guanxi.kernel.sqltypes import UtcDateTime
from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.query.formula import (
    MAX_ARGS,
    MAX_DEPTH,
    MAX_LENGTH,
    FormulaError,
    Typed,
    compile_formula,
    referenced_paths,
)
from tests.conftest import require_postgres

# -- schema and data ---------------------------------------------------------------------

metadata = MetaData()
accounts = Table(
    "accounts", metadata, Column("id", Integer, primary_key=True), Column("name", Text)
)
deals = Table(
    "deals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
    Column("amount", Numeric(12, 2)),
    Column("qty", Integer),
    Column("close_date", Date),
    Column("created", UtcDateTime()),
    Column("active", Boolean),
    Column("account_id", Integer, ForeignKey("accounts.id")),
)
account = accounts.alias("account")
SOURCE = deals.outerjoin(account, deals.c.account_id == account.c.id)

FIELDS: dict[str, Any] = {
    "name": "text",
    "amount": "number",
    "qty": "number",
    "close_date": "date",
    "created": "datetime",
    "active": "boolean",
}

ACCOUNTS = [{"id": 1, "name": "Acme"}, {"id": 2, "name": "Globex"}]
DEALS = [
    {
        "id": 1,
        "name": "Alpha",
        "amount": Decimal("100.50"),
        "qty": 3,
        "close_date": date(2024, 3, 15),
        "created": datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
        "active": True,
        "account_id": 1,
    },
    {
        "id": 2,
        "name": "beta",
        "amount": Decimal("0"),
        "qty": 0,
        "close_date": date(2024, 12, 31),
        "created": datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),
        "active": False,
        "account_id": 2,
    },
    {
        "id": 3,
        "name": None,
        "amount": None,
        "qty": None,
        "close_date": None,
        "created": None,
        "active": None,
        "account_id": None,
    },
    {
        "id": 4,
        "name": "  Gamma ",
        "amount": Decimal("-7.25"),
        "qty": 2,
        "close_date": date(2024, 2, 29),
        "created": datetime(2024, 2, 29, 0, 0, 0, 500000, tzinfo=UTC),
        "active": True,
        "account_id": 1,
    },
]


def resolve(path: tuple[str, ...]) -> Typed:
    """The test resolver: deal fields plus account.name through the lookup."""
    if len(path) == 1 and path[0] in FIELDS:
        return Typed(deals.c[path[0]], FIELDS[path[0]])
    if path == ("account", "name"):
        return Typed(account.c.name, "text")
    raise FormulaError(f"unknown field {'.'.join(path)}")


# -- databases ---------------------------------------------------------------------------


@dataclass
class Db:
    dialect: str
    engine: Engine


def _pg_url() -> Any:
    url = make_url(require_postgres())
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(accounts.insert(), ACCOUNTS)
        conn.execute(deals.insert(), DEALS)


def _sqlite(tmp: Path) -> Iterator[Db]:
    engine = create_engine(f"sqlite:///{tmp / 'formula.db'}")
    _fill(engine)
    yield Db("sqlite", engine)
    engine.dispose()


def _postgres() -> Iterator[Db]:
    require_postgres()
    schema = f"formula_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(_pg_url(), connect_args={"options": f"-c search_path={schema}"})
    try:
        _fill(engine)
        yield Db("postgresql", engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fdb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    """The deals/accounts tables with four rows, on each database."""
    if request.param == "sqlite":
        yield from _sqlite(tmp_path_factory.mktemp("formula"))
    else:
        yield from _postgres()


def evaluate(db: Db, formula: str) -> dict[int, Any]:
    """The formula's value for every deal, by id."""
    typed = compile_formula(formula, resolve, db.dialect)
    query = select(deals.c.id, typed.expr.label("value")).select_from(SOURCE).order_by(deals.c.id)
    with db.engine.connect() as conn:
        return {row.id: row.value for row in conn.execute(query)}


def ids_where(db: Db, formula: str, order_by: str | None = None, desc: bool = False) -> list[int]:
    condition = compile_formula(formula, resolve, db.dialect)
    assert condition.type == "boolean"
    query = select(deals.c.id).select_from(SOURCE).where(condition.expr)
    if order_by is not None:
        key = compile_formula(order_by, resolve, db.dialect).expr
        query = query.order_by(key.desc() if desc else key)
    query = query.order_by(deals.c.id)
    with db.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def same(actual: Any, expected: Any) -> bool:
    """Equal, with numbers compared as Decimal results up to float rounding."""
    if expected is None or actual is None:
        return actual is expected
    if isinstance(expected, int | float | Decimal) and not isinstance(expected, bool):
        return isinstance(actual, Decimal) and float(actual) == pytest.approx(
            float(expected), rel=1e-12, abs=1e-12
        )
    return type(actual) is type(expected) and actual == expected


# -- parsing -----------------------------------------------------------------------------


def test_referenced_paths_in_order_without_duplicates() -> None:
    formula = "IF(Amount > 0, account.name & name, LEFT(account.NAME, qty)) & TODAY()"
    assert referenced_paths(formula) == [("amount",), ("account", "name"), ("name",), ("qty",)]
    assert referenced_paths("1 + 2") == []
    assert referenced_paths("a.b.c") == [("a", "b", "c")]


@pytest.mark.parametrize(
    ("formula", "message", "position"),
    [
        ("", "formula is empty", 0),
        ("   ", "formula is empty", 0),
        ("amount +", "unexpected end of formula", 8),
        ("(1 + 2", "expected ')' but found end of formula", 6),
        ("1 + * 2", "unexpected '*'", 4),
        ("1 2", "unexpected number '2'", 2),
        ("amount name", "unexpected name 'name'", 7),
        ("'abc", "unterminated text literal", 0),
        ('"abc\\', "unterminated text literal", 0),
        ("'a\\qb'", "unknown escape sequence \\q", 2),
        ("'a\x00'", "text literal contains an invalid character", 2),
        ("a $ b", "unexpected character '$'", 2),
        ("a | b", "unexpected character '|' (use || or OR)", 2),
        ("12abc", "invalid number", 0),
        ("1.2.3", "invalid number", 0),
        ("1. + 2", "expected a digit after the decimal point", 2),
        ("99999999999999999999", "number is too large", 0),
        ("1" + "0" * 40, "number has more than 30 digits", 0),
        ("a.b.c.d", "field path has more than 3 parts", 0),
        ("account.", "expected a field name after '.' but found end of formula", 8),
        ("account.null", "expected a field name after '.' but found keyword 'null'", 8),
        ("IF(a, b", "expected ',' or ')' but found end of formula", 7),
        ("IF(a,, b)", "unexpected ','", 5),
        ("TRUE()", "unexpected '('", 4),
        ("name ! 1", "unexpected '!'", 5),
        ("x" * (MAX_LENGTH + 1), f"formula is longer than {MAX_LENGTH} characters", MAX_LENGTH),
    ],
)
def test_syntax_errors_have_message_and_position(formula: str, message: str, position: int) -> None:
    with pytest.raises(FormulaError) as info:
        referenced_paths(formula)
    assert info.value.message == message
    assert info.value.position == position
    assert str(info.value) == f"{message} (at position {position})"


@pytest.mark.parametrize(
    "formula",
    [
        "(" * (MAX_DEPTH * 3) + "1" + ")" * (MAX_DEPTH * 3),
        "-" * (MAX_DEPTH + 1) + "1",
        "1" + " + 1" * (MAX_DEPTH + 1),
        "ABS(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
        "NOT " * 900 + "TRUE",
        "(" * 1900 + ")" * 1900,
    ],
)
def test_nesting_is_limited(formula: str) -> None:
    with pytest.raises(FormulaError, match="nested too deeply"):
        referenced_paths(formula)


def test_limits_allow_the_maximum() -> None:
    assert referenced_paths("ABS(" * (MAX_DEPTH - 1) + "qty" + ")" * (MAX_DEPTH - 1)) == [("qty",)]
    assert referenced_paths("1" + " + 1" * (MAX_DEPTH - 1)) == []
    long = "qty" + " + 1" * ((MAX_LENGTH - 3) // 4)
    assert len(long) <= MAX_LENGTH
    with pytest.raises(FormulaError, match="nested too deeply"):
        referenced_paths(long)  # long chains are deep trees


def test_keywords_and_functions_are_case_insensitive() -> None:
    a = compile_formula("if(Active aNd NOT active, Upper(NAME), lower(name))", resolve, "sqlite")
    b = compile_formula("IF(active AND NOT active, UPPER(name), LOWER(name))", resolve, "sqlite")
    assert a.type == b.type == "text"
    assert str(a.expr.compile(dialect=sqlite.dialect())) == str(
        b.expr.compile(dialect=sqlite.dialect())
    )


# -- type checking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "message", "position"),
    [
        ("amount + 'x'", "cannot add number and text", 7),
        ("name - 1", "cannot subtract text and number", 5),
        ("active * 2", "cannot multiply boolean and number", 7),
        ("1 / name", "cannot divide number and text", 2),
        ("created - created", "cannot subtract datetime and datetime", 8),
        ("1 - close_date", "cannot subtract number and date", 2),
        ("-name", "cannot negate text", 0),
        ("NOT amount", "NOT expects boolean, got number", 0),
        ("!name", "NOT expects boolean, got text", 0),
        ("amount AND active", "AND expects boolean operands, got number", 7),
        ("active || 'x'", "OR expects boolean operands, got text", 7),
        ("amount = name", "cannot compare number and text", 7),
        ("close_date < created", "cannot compare date and datetime", 11),
        ("active < TRUE", "cannot compare boolean values with <", 7),
        ("amount >= NULL", "cannot compare with NULL using >=; use ISBLANK", 7),
        ("IF(amount, 1, 2)", "IF expects boolean for argument 1, got number", 3),
        ("IF(active, 1, 'a')", "IF branches have incompatible types number and text", 14),
        ("IF(active, NULL, close_date, 1)", "IF expects 3 arguments, got 4", 0),
        ("IF(active, 1)", "IF expects 3 arguments, got 2", 0),
        ("LEFT(name)", "LEFT expects 2 arguments, got 1", 0),
        ("ROUND(1, 2, 3)", "ROUND expects 1 to 2 arguments, got 3", 0),
        ("AND()", "AND expects at least 1 argument, got 0", 0),
        ("  TODAY(1)", "TODAY expects 0 arguments, got 1", 2),
        ("UPPER(amount)", "UPPER expects text for argument 1, got number", 6),
        ("LEFT(name, 'x')", "LEFT expects number for argument 2, got text", 11),
        ("YEAR(name)", "YEAR expects date or datetime for argument 1, got text", 5),
        (
            "DATEDIFF(close_date, 3)",
            "DATEDIFF expects date or datetime for argument 2, got number",
            21,
        ),
        ("ADDDAYS(close_date, close_date)", "ADDDAYS expects number for argument 2, got date", 20),
        ("CONTAINS(name, 1)", "CONTAINS expects text for argument 2, got number", 15),
        (
            "COALESCE(name, amount)",
            "COALESCE arguments have incompatible types text and number",
            15,
        ),
        (
            "BLANKVALUE(amount, '0')",
            "BLANKVALUE arguments have incompatible types number and text",
            19,
        ),
        ("MIN(1, close_date)", "MIN arguments have incompatible types number and date", 7),
        ("MAX(active, TRUE)", "MAX cannot compare boolean values", 0),
        ("FOO(1)", "unknown function FOO", 0),
        ("1 + eval(name)", "unknown function EVAL", 4),
        ("nope + 1", "unknown field nope", 0),
        ("1 + account.nope", "unknown field account.nope", 4),
    ],
)
def test_type_errors_have_message_and_position(formula: str, message: str, position: int) -> None:
    for dialect in ("sqlite", "postgresql"):
        with pytest.raises(FormulaError) as info:
            compile_formula(formula, resolve, dialect)
        assert (info.value.message, info.value.position) == (message, position)


@pytest.mark.parametrize(
    ("formula", "result_type"),
    [
        ("amount > 1", "boolean"),
        ("ISBLANK(name)", "boolean"),
        ("TEXT(1)", "text"),
        ("name & 1", "text"),
        ("NULL", "text"),
        ("IF(active, NULL, NULL)", "text"),
        ("NULL + NULL", "number"),
        ("LEN(name)", "number"),
        ("close_date - close_date", "number"),
        ("DATEDIFF(created, close_date)", "number"),
        ("TODAY()", "date"),
        ("close_date + 1", "date"),
        ("1 + close_date", "date"),
        ("close_date - 1", "date"),
        ("IF(active, close_date, NULL)", "date"),
        ("NOW()", "datetime"),
        ("ADDDAYS(created, 1)", "datetime"),
        ("MAX(created, NOW())", "datetime"),
        ("COALESCE(account.name, name)", "text"),
    ],
)
def test_result_types(formula: str, result_type: str) -> None:
    assert compile_formula(formula, resolve, "sqlite").type == result_type
    assert compile_formula(formula, resolve, "postgresql").type == result_type


def test_resolver_position_is_kept_when_it_gives_one() -> None:
    def positioned(path: tuple[str, ...]) -> Typed:
        raise FormulaError("not allowed here", 99)

    with pytest.raises(FormulaError) as info:
        compile_formula("1 + amount", positioned, "sqlite")
    assert (info.value.message, info.value.position) == ("not allowed here", 99)


def test_unknown_dialect_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported dialect"):
        compile_formula("1", resolve, "mysql")


def test_exponential_sql_growth_is_refused() -> None:
    # FLOOR repeats its operand on SQLite and MIN/MAX on PostgreSQL; nesting them would
    # grow the SQL exponentially.
    floors = "FLOOR(" * 12 + "amount" + ")" * 12
    with pytest.raises(FormulaError, match="formula is too complex"):
        compile_formula(floors, resolve, "sqlite")
    mins = "MIN(" * 20 + "amount" + ", 1)" * 20
    with pytest.raises(FormulaError, match="formula is too complex"):
        compile_formula(mins, resolve, "postgresql")
    compile_formula("FLOOR(" * 5 + "amount" + ")" * 5, resolve, "sqlite")


def test_literals_are_bound_parameters() -> None:
    formula = 'name & "\'; DROP TABLE deals; --" & 12.5 & TRUE'
    for dialect, sql_dialect in (
        ("sqlite", sqlite.dialect()),
        ("postgresql", postgresql.dialect()),
    ):
        typed = compile_formula(formula, resolve, dialect)
        sql = str(select(typed.expr).compile(dialect=sql_dialect))
        assert "DROP" not in sql
        assert "12.5" not in sql


# -- fuzzing: junk never raises anything but FormulaError -------------------------------

_FORMULA_CHARS = st.sampled_from(
    [
        *"abcnqty_.0123456789 '\"\\()+-*/&|=!<>,\n",
        *("IF(", "AND", "OR", "NOT", "NULL", "TRUE", "amount", "name", "close_date"),
        *("created", "active", "account.name", "LEFT(", "MIN(", "ADDDAYS(", "TEXT("),
        *("FLOOR(", "ROUND("),
    ]
)


def _check_junk(formula: str) -> None:
    with contextlib.suppress(FormulaError):
        referenced_paths(formula)
    for dialect, sql_dialect in (
        ("sqlite", sqlite.dialect()),
        ("postgresql", postgresql.dialect()),
    ):
        try:
            typed = compile_formula(formula, resolve, dialect)
        except FormulaError as exc:
            assert exc.position is None or 0 <= exc.position <= len(formula)
            continue
        str(select(typed.expr).compile(dialect=sql_dialect))  # it also renders


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_random_text_only_raises_formula_error(formula: str) -> None:
    _check_junk(formula)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FORMULA_CHARS, max_size=60).map("".join))
def test_random_token_soup_only_raises_formula_error(formula: str) -> None:
    _check_junk(formula)


# -- evaluation on the databases ---------------------------------------------------------

D = Decimal
CASES: list[tuple[str, list[Any]]] = [
    # arithmetic and division
    ("amount / qty", [33.5, None, None, -3.625]),
    ("qty / 2", [1.5, 0, None, 1]),
    ("3 / 2", [1.5] * 4),
    ("1 / 0", [None] * 4),
    ("amount * qty + 1", [302.5, 1, None, -13.5]),
    ("-amount", [-100.5, 0, None, 7.25]),
    ("(1 + 2) * 3", [9] * 4),
    ("1 + 2 * 3", [7] * 4),
    ("10 - 4 - 3", [3] * 4),
    ("2 * 3 / 4", [1.5] * 4),
    ("-2 * -3", [6] * 4),
    ("9223372036854775807 * 2 > 0", [True] * 4),
    ("qty + NULL", [None] * 4),
    ("BLANKVALUE(amount, 0) + 1", [101.5, 1, 1, -6.25]),
    # text
    ("name & ' ' & qty", ["Alpha 3", "beta 0", " ", "  Gamma  2"]),
    ("name & amount", ["Alpha100.5", "beta0", "", "  Gamma -7.25"]),
    ("TEXT(qty / 2)", ["1.5", "0", None, "1"]),
    ("TEXT(amount * 2)", ["201", "0", None, "-14.5"]),
    ("TEXT(active)", ["true", "false", None, "true"]),
    ("TEXT(close_date)", ["2024-03-15", "2024-12-31", None, "2024-02-29"]),
    (
        "TEXT(created)",
        ["2024-03-01 10:30:00Z", "2023-12-31 23:59:59Z", None, "2024-02-29 00:00:00Z"],
    ),
    ("CONCAT(name, '-', account.name)", ["Alpha-Acme", "beta-Globex", "-", "  Gamma -Acme"]),
    ("NULL & NULL", [""] * 4),
    ("UPPER(name)", ["ALPHA", "BETA", None, "  GAMMA "]),
    ("LOWER(name)", ["alpha", "beta", None, "  gamma "]),
    ("TRIM(name)", ["Alpha", "beta", None, "Gamma"]),
    ("LEN(name)", [5, 4, None, 8]),
    ("LEN('日本語') + LEN('')", [3] * 4),
    ("LEFT(name, 2)", ["Al", "be", None, "  "]),
    ("LEFT(name, 2.9)", ["Al", "be", None, "  "]),
    ("LEFT(name, 0) & '|' & LEFT(name, -3)", ["|", "|", "|", "|"]),
    ("LEFT(name, 1000000000000)", ["Alpha", "beta", None, "  Gamma "]),
    ("RIGHT(name, 3)", ["pha", "eta", None, "ma "]),
    ("RIGHT(name, qty)", ["pha", "", None, "a "]),
    ("RIGHT(name, 0) & '|' & RIGHT(name, -1)", ["|", "|", "|", "|"]),
    ("RIGHT(name, 99)", ["Alpha", "beta", None, "  Gamma "]),
    ("LEFT(name, NULL)", [None] * 4),
    ("CONTAINS(name, 'ph')", [True, False, None, False]),
    ("CONTAINS(name, '%')", [False, False, None, False]),
    ("CONTAINS(name, '')", [True, True, None, True]),
    ("'it\\'s' & \"a\\\"b\\n\"", ["it's" + 'a"b\n'] * 4),
    # logic and blanks
    ("IF(amount > 50, 'big', 'small')", ["big", "small", "small", "small"]),
    ("IF(active, qty, -1)", [3, -1, -1, 2]),
    ("IF(active, NULL, 1)", [None, 1, 1, None]),
    ("ISBLANK(name)", [False, False, True, False]),
    ("ISBLANK(qty)", [False, False, True, False]),
    ("ISBLANK('')", [True] * 4),
    ("ISBLANK(NULL)", [True] * 4),
    ("BLANKVALUE(name, 'n/a')", ["Alpha", "beta", "n/a", "  Gamma "]),
    ("BLANKVALUE('', 'x')", ["x"] * 4),
    ("BLANKVALUE(close_date, TODAY()) = close_date", [True, True, None, True]),
    ("COALESCE(account.name, name, 'none')", ["Acme", "Globex", "none", "Acme"]),
    ("COALESCE(qty)", [3, 0, None, 2]),
    ("active AND amount > 0", [True, False, None, False]),
    ("active OR qty = 0", [True, True, None, True]),
    ("NOT active", [False, True, None, False]),
    ("!active", [False, True, None, False]),
    ("NOT(active)", [False, True, None, False]),
    ("active && qty > 2 || name = 'beta'", [True, True, None, False]),
    ("AND(active, qty > 1, amount < 0)", [False, False, None, True]),
    ("OR(FALSE, active)", [True, False, None, True]),
    ("TRUE", [True] * 4),
    ("NOT TRUE OR FALSE", [False] * 4),
    # comparisons
    ("amount >= 100.5", [True, False, None, False]),
    ("name = 'beta'", [False, True, None, False]),
    ("name == 'beta'", [False, True, None, False]),
    ("name != 'beta'", [True, False, None, True]),
    ("name <> 'beta'", [True, False, None, True]),
    ("name = NULL", [False, False, True, False]),
    ("NULL != amount", [True, True, False, True]),
    ("active = TRUE", [True, False, None, True]),
    ("active != FALSE", [True, False, None, True]),
    ("amount > 0 = active", [True, True, None, False]),
    ("qty < 2.5", [False, True, None, True]),
    ("close_date < ADDDAYS(close_date, 1)", [True, True, None, True]),
    ("created >= created", [True, True, None, True]),
    ("created < NOW()", [True, True, None, True]),
    # numbers
    ("ROUND(amount, 1)", [100.5, 0, None, -7.3]),
    ("ROUND(amount)", [101, 0, None, -7]),
    ("ROUND(2.5) + ROUND(-2.5)", [0] * 4),
    ("ROUND(1234.5678, -2)", [1235] * 4),
    ("ROUND(1234.5678, 2.9)", [1234.57] * 4),
    ("ROUND(amount, 40)", [100.5, 0, None, -7.25]),
    ("ABS(amount)", [100.5, 0, None, 7.25]),
    ("FLOOR(amount)", [100, 0, None, -8]),
    ("CEILING(amount)", [101, 0, None, -7]),
    ("FLOOR(-2) + CEILING(2) + FLOOR(qty)", [3, 0, None, 2]),
    ("MIN(amount, qty)", [3, 0, None, -7.25]),
    ("MAX(amount, qty, 50)", [100.5, 50, None, 50]),
    ("MAX(qty)", [3, 0, None, 2]),
    ("MIN(account.name, 'B')", ["Acme", "B", None, "Acme"]),
    ("MAX(account.name, 'B')", ["B", "Globex", None, "B"]),
    (
        "MIN(close_date, ADDDAYS(close_date, -1))",
        [date(2024, 3, 14), date(2024, 12, 30), None, date(2024, 2, 28)],
    ),
    # dates
    (
        "YEAR(close_date) * 10000 + MONTH(close_date) * 100 + DAY(close_date)",
        [20240315, 20241231, None, 20240229],
    ),
    ("YEAR(created)", [2024, 2023, None, 2024]),
    ("MONTH(created) + DAY(created)", [4, 43, None, 31]),
    ("DATEDIFF(close_date, created)", [14, 366, None, 0]),
    ("DATEDIFF(created, close_date)", [-14, -366, None, 0]),
    ("close_date - ADDDAYS(close_date, -10)", [10, 10, None, 10]),
    ("ADDDAYS(close_date, 1)", [date(2024, 3, 16), date(2025, 1, 1), None, date(2024, 3, 1)]),
    ("close_date + 30", [date(2024, 4, 14), date(2025, 1, 30), None, date(2024, 3, 30)]),
    ("1 + close_date - 2", [date(2024, 3, 14), date(2024, 12, 30), None, date(2024, 2, 28)]),
    (
        "ADDDAYS(close_date, -1.5)",
        [date(2024, 3, 14), date(2024, 12, 30), None, date(2024, 2, 28)],
    ),
    (
        "ADDDAYS(close_date, 999999)",
        [
            date(2024, 3, 15) + timedelta(days=999999),
            date(2024, 12, 31) + timedelta(days=999999),
            None,
            date(2024, 2, 29) + timedelta(days=999999),
        ],
    ),
    ("ADDDAYS(close_date, 2000000)", [None] * 4),
    ("ADDDAYS(close_date, -800000)", [None] * 4),
    ("ADDDAYS(close_date, 1000000000000)", [None] * 4),
    ("ADDDAYS(close_date, qty * 1000000)", [None, date(2024, 12, 31), None, None]),
    (
        "ADDDAYS(created, 1.5)",
        [
            datetime(2024, 3, 2, 22, 30, tzinfo=UTC),
            datetime(2024, 1, 2, 11, 59, 59, tzinfo=UTC),
            None,
            datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=UTC),
        ],
    ),
    ("ADDDAYS(created, 4000000)", [None] * 4),
    (
        "created - 1",
        [
            datetime(2024, 2, 29, 10, 30, tzinfo=UTC),
            datetime(2023, 12, 30, 23, 59, 59, tzinfo=UTC),
            None,
            datetime(2024, 2, 28, 0, 0, 0, 500000, tzinfo=UTC),
        ],
    ),
    (
        "created",
        [row["created"] for row in DEALS],
    ),
    # NULL as a whole formula, injection attempt
    ("NULL", [None] * 4),
    (
        'name & "\'; DROP TABLE deals; --"',
        [
            "Alpha'; DROP TABLE deals; --",
            "beta'; DROP TABLE deals; --",
            "'; DROP TABLE deals; --",
            "  Gamma '; DROP TABLE deals; --",
        ],
    ),
]


def _shifted(*steps: int) -> list[date | None]:
    """Nested ADDDAYS of close_date per row: NULL once outside 0001-01-02 … 9999-12-31."""
    out: list[date | None] = []
    for row in DEALS:
        day: date | None = row["close_date"]
        for step in steps:
            try:
                day = day + timedelta(days=step) if day and abs(step) <= 1_000_000 else None
            except OverflowError:
                day = None
            if day is not None and day < date(1, 1, 2):
                day = None
        out.append(day)
    return out


def _nested(*steps: int) -> str:
    formula = "close_date"
    for step in steps:
        formula = f"ADDDAYS({formula}, {step})"
    return formula


M = 999_999
TO_LAST = (date(9999, 12, 31) - date(2024, 3, 15)).days - 2 * M  # row 1 to the last day
TO_FIRST = (date(1, 1, 2) - date(2024, 3, 15)).days  # row 1 to the first day
CASES += [
    (_nested(*steps), _shifted(*steps))
    for steps in [
        (M, M, TO_LAST),
        (M, M, TO_LAST + 1),
        (-700_000, TO_FIRST + 700_000),
        (-700_000, TO_FIRST + 700_000 - 1),
        (-700_000, TO_FIRST + 700_000 - 1, 5),  # out of range on the way: stays NULL
        (M, M, M, -M),
        (1_000_000, -1_000_000),
        (1_000_001,),
    ]
]


@pytest.mark.parametrize(("formula", "expected"), CASES, ids=[case[0] for case in CASES])
def test_values(fdb: Db, formula: str, expected: list[Any]) -> None:
    values = evaluate(fdb, formula)
    expected_by_id = dict(zip((row["id"] for row in DEALS), expected, strict=True))
    mismatched = {
        i: (values[i], want) for i, want in expected_by_id.items() if not same(values[i], want)
    }
    assert not mismatched, f"{fdb.dialect}: {formula!r} gave (actual, expected) {mismatched}"


def test_injection_attempt_is_just_text(fdb: Db) -> None:
    values = evaluate(fdb, "name & \"'; DROP TABLE deals; --\" & '\\\"; DELETE FROM accounts'")
    assert values[1] == "Alpha'; DROP TABLE deals; --\"; DELETE FROM accounts"
    with fdb.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= {"deals", "accounts"}
        assert conn.execute(select(deals.c.id)).scalars().all() == [1, 2, 3, 4]
        assert len(conn.execute(select(accounts.c.id)).all()) == 2


def test_where_and_order_by(fdb: Db) -> None:
    assert ids_where(fdb, "amount > 0 AND active") == [1]
    assert ids_where(fdb, "ISBLANK(name)") == [3]
    assert ids_where(fdb, "NOT ISBLANK(name)", order_by="LEN(name)", desc=True) == [4, 1, 2]
    # Sort keys avoid text order: PostgreSQL collations may ignore spaces and case.
    assert ids_where(fdb, "CONTAINS(LOWER(name), 'a')", order_by="LEN(name)") == [2, 1, 4]
    assert ids_where(fdb, "account.name = 'Acme'") == [1, 4]
    assert ids_where(fdb, "active", order_by="BLANKVALUE(amount, 0)") == [4, 1]
    assert ids_where(fdb, "TRUE", order_by="BLANKVALUE(amount, 0)") == [4, 2, 3, 1]
    assert ids_where(fdb, "TRUE", order_by="TEXT(qty) & BLANKVALUE(name, '')") == [3, 2, 4, 1]
    # NULLs sort first on SQLite and last on PostgreSQL, so sort on a non-NULL key.
    assert ids_where(
        fdb, "NOT active OR ISBLANK(active)", order_by="BLANKVALUE(created, NOW())"
    ) == [2, 3]
    assert ids_where(fdb, "DATEDIFF(close_date, created) > 10 = TRUE") == [1, 2]
    assert ids_where(fdb, "FALSE") == []
    # Constant sort keys are bound values, not ORDER BY positions (or errors on PostgreSQL).
    for constant in ("TRUE", "FALSE", "1", "'x'", "NULL", "ISBLANK(NULL)", "NULL + NULL"):
        assert ids_where(fdb, "NOT FALSE", order_by=constant) == [1, 2, 3, 4]


def test_compiled_expression_composes_with_python_values(fdb: Db) -> None:
    typed = compile_formula("ADDDAYS(created, 1)", resolve, fdb.dialect)
    number = compile_formula("amount * 2", resolve, fdb.dialect)
    cutoff = datetime(2024, 3, 1, 0, 0, 0, 500000, tzinfo=UTC)
    query = (
        select(deals.c.id)
        .select_from(SOURCE)
        .where(typed.expr > cutoff, number.expr > Decimal("-20"))
        .order_by(deals.c.id)
    )
    with fdb.engine.connect() as conn:
        assert conn.execute(query).scalars().all() == [1]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Shanghai"])
def test_today_is_the_users_date(fdb: Db, zone: str) -> None:
    before = datetime.now(ZoneInfo(zone)).date()
    with use_timezone(zone):
        values = evaluate(fdb, "TODAY()")
    after = datetime.now(ZoneInfo(zone)).date()
    assert set(values.values()) <= {before, after}
    assert all(type(v) is date for v in values.values())


def test_now_is_an_aware_utc_datetime(fdb: Db) -> None:
    values = evaluate(fdb, "NOW()")
    now = datetime.now(UTC)
    for value in values.values():
        assert isinstance(value, datetime)
        assert value.utcoffset() == timedelta(0)
        assert abs(value - now) < timedelta(minutes=5)
    days = evaluate(fdb, "DATEDIFF(NOW(), close_date) > 0 AND YEAR(TODAY()) >= 2024")
    assert days == {1: True, 2: True, 3: None, 4: True}


DEEPEST = [
    "-(" * (MAX_DEPTH - 1) + "amount" + ")" * (MAX_DEPTH - 1),
    "ABS(" * (MAX_DEPTH - 1) + "amount" + ")" * (MAX_DEPTH - 1),
    "IF(active, " * (MAX_DEPTH - 1) + "qty" + ", 1)" * (MAX_DEPTH - 1),
    "LEFT(" * (MAX_DEPTH - 1) + "name" + ", 9)" * (MAX_DEPTH - 1),
    "TEXT(LEN(" * ((MAX_DEPTH - 1) // 2) + "name" + "))" * ((MAX_DEPTH - 1) // 2),
    "BLANKVALUE(" * (MAX_DEPTH - 1) + "name" + ", 'x')" * (MAX_DEPTH - 1),
    "ADDDAYS(" * 10 + "close_date" + ", 1)" * 10,  # repeats its operand: size-limited
]


@pytest.mark.parametrize("formula", DEEPEST)
def test_deepest_formulas_run_or_are_refused_up_front(fdb: Db, formula: str) -> None:
    # SQLite's parser has a fixed-size stack: what it cannot parse must be a FormulaError
    # when compiling, never a database or recursion error when the query runs.
    try:
        values = evaluate(fdb, formula)
    except FormulaError as exc:
        # Also refused: SQL trees too deep for SQLAlchemy to render within Python's
        # recursion limit.
        assert exc.message in (
            "formula is nested too deeply for SQLite",
            "formula is nested too deeply",
        )
        return
    assert set(values) == {1, 2, 3, 4}


@pytest.mark.parametrize(
    "formula",
    [
        # Else-chains (the common deep formula) compile to one flat CASE.
        "IF(qty = 0, 'none', " * (MAX_DEPTH - 2) + "'many'" + ")" * (MAX_DEPTH - 2),
        "amount" + " / 2 + 1" * ((MAX_DEPTH - 1) // 2),
        "name" + " & name" * (MAX_DEPTH - 1),
        "active" + " AND active OR NOT active" * ((MAX_DEPTH - 1) // 2),
        "(" * 100 + "qty" + ")" * 100,
        "ABS(" * 15 + "amount" + ")" * 15,
        "UPPER(" * 15 + "name" + ")" * 15,
        "IF(active, " * 10 + "qty" + ", 1)" * 10,
        "ADDDAYS(" * 5 + "close_date" + ", 1)" * 5,
    ],
)
def test_deep_formulas_run_on_both_databases(fdb: Db, formula: str) -> None:
    assert set(evaluate(fdb, formula)) == {1, 2, 3, 4}


def test_sqlite_parser_limit_is_a_formula_error() -> None:
    deep = "ABS(" * 28 + "amount" + ")" * 28
    for _ in range(2):  # the second time the verdict comes from the cache
        with pytest.raises(FormulaError) as info:
            compile_formula(deep, resolve, "sqlite")
        assert info.value.message == "formula is nested too deeply for SQLite"
    assert compile_formula(deep, resolve, "postgresql").type == "number"


def test_function_arguments_are_limited() -> None:
    assert compile_formula("MAX(" + ", ".join(["qty"] * MAX_ARGS) + ")", resolve, "sqlite")
    with pytest.raises(FormulaError) as info:
        referenced_paths("CONCAT(" + ", ".join(["'a'"] * (MAX_ARGS + 1)) + ")")
    assert info.value.message == f"CONCAT has more than {MAX_ARGS} arguments"
    assert info.value.position == len("CONCAT(") + 5 * MAX_ARGS


# -- fuzzing: well-typed random formulas run without database errors --------------------

_LEAVES: dict[str, list[str]] = {
    "number": ["amount", "qty", "0", "1", "2.5", "-3", "1000000000", "(NULL + 1)", "LEN(name)"],
    "text": ["name", "account.name", "''", "'x'", '"%_"', "UPPER(NULL)"],
    "boolean": ["active", "TRUE", "FALSE", "NOT NULL"],
    "date": ["close_date", "TODAY()", "ADDDAYS(NULL, 1)"],
    "datetime": ["created", "NOW()"],
}
_TEMPLATES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "number": [
        ("({} + {})", ("number", "number")),
        ("({} - {})", ("number", "number")),
        ("({} * {})", ("number", "number")),
        ("({} / {})", ("number", "number")),
        ("-{}", ("number",)),
        ("ROUND({}, {})", ("number", "number")),
        ("ROUND({})", ("number",)),
        ("ABS({})", ("number",)),
        ("FLOOR({})", ("number",)),
        ("CEILING({})", ("number",)),
        ("MIN({}, {})", ("number", "number")),
        ("MAX({}, {}, {})", ("number", "number", "number")),
        ("LEN({})", ("text",)),
        ("YEAR({})", ("date",)),
        ("MONTH({})", ("datetime",)),
        ("DAY({})", ("date",)),
        ("DATEDIFF({}, {})", ("date", "datetime")),
        ("({} - {})", ("date", "date")),
        ("IF({}, {}, {})", ("boolean", "number", "number")),
        ("BLANKVALUE({}, {})", ("number", "number")),
        ("COALESCE({}, {})", ("number", "number")),
    ],
    "text": [
        ("({} & {})", ("text", "any")),
        ("CONCAT({}, {}, {})", ("text", "number", "boolean")),
        ("UPPER({})", ("text",)),
        ("LOWER({})", ("text",)),
        ("TRIM({})", ("text",)),
        ("LEFT({}, {})", ("text", "number")),
        ("RIGHT({}, {})", ("text", "number")),
        ("TEXT({})", ("any",)),
        ("IF({}, {}, {})", ("boolean", "text", "text")),
        ("BLANKVALUE({}, {})", ("text", "text")),
        ("MIN({}, {})", ("text", "text")),
    ],
    "boolean": [
        ("({} < {})", ("number", "number")),
        ("({} = {})", ("text", "text")),
        ("({} >= {})", ("date", "date")),
        ("({} != {})", ("datetime", "datetime")),
        ("({} = {})", ("boolean", "boolean")),
        ("({} AND {})", ("boolean", "boolean")),
        ("({} || {})", ("boolean", "boolean")),
        ("NOT {}", ("boolean",)),
        ("ISBLANK({})", ("any",)),
        ("CONTAINS({}, {})", ("text", "text")),
        ("IF({}, {}, {})", ("boolean", "boolean", "boolean")),
        ("({} = NULL)", ("any",)),
    ],
    "date": [
        ("ADDDAYS({}, {})", ("date", "number")),
        ("({} + {})", ("date", "number")),
        ("({} - {})", ("date", "number")),
        ("IF({}, {}, {})", ("boolean", "date", "date")),
        ("MIN({}, {})", ("date", "date")),
        ("BLANKVALUE({}, {})", ("date", "date")),
    ],
    "datetime": [
        ("ADDDAYS({}, {})", ("datetime", "number")),
        ("({} + {})", ("number", "datetime")),
        ("IF({}, {}, {})", ("boolean", "datetime", "datetime")),
        ("MAX({}, {})", ("datetime", "datetime")),
    ],
}


@cache
def _typed_formula(kind: str, depth: int) -> st.SearchStrategy[str]:
    if kind == "any":
        return st.one_of([_typed_formula(k, depth) for k in _LEAVES])
    leaves = st.sampled_from(_LEAVES[kind])
    if depth == 0:
        return leaves
    built = [
        st.tuples(*(_typed_formula(arg, depth - 1) for arg in args)).map(
            lambda parts, template=template: template.format(*parts)
        )
        for template, args in _TEMPLATES[kind]
    ]
    return st.one_of(leaves, *built)


_RESULT_TYPES: dict[str, type] = {
    "number": Decimal,
    "text": str,
    "boolean": bool,
    "date": date,
    "datetime": datetime,
}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_well_typed_formulas_run(fdb: Db, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(_LEAVES)))
    formula = data.draw(_typed_formula(kind, 3))
    typed = compile_formula(formula, resolve, fdb.dialect)
    assert typed.type == kind, formula
    values = evaluate(fdb, formula)
    for value in values.values():
        assert value is None or type(value) is _RESULT_TYPES[kind], (formula, value)
    # usable as a filter and a sort key as well
    if kind == "boolean":
        ids_where(fdb, formula, order_by=formula)
    else:
        ids_where(fdb, "TRUE", order_by=formula)

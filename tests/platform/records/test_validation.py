"""Row validation: RowCleaner does exactly what the field-by-field algorithm did."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.kernel.errors import FieldError
from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.metadata.fieldtypes import FieldValueError, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.records.validation import (
    READ_ONLY_SYSTEM,
    WRITABLE_SYSTEM,
    RowCleaner,
    _is_empty,
)

OPTIONS = [
    {"value": "a", "label": {"en": "A"}},
    {"value": "b", "label": {"en": "B"}},
    {"value": "old", "label": {"en": "Old"}, "active": False},
]


def _field(name: str, type_: str, **kwargs: Any) -> FieldDef:
    config = kwargs.pop("config", {})
    checked = field_type(type_).check_config(config, {"thing": object()})
    return FieldDef("thing", name, type_, {"en": name}, config=checked, **kwargs)


THING = ObjectDef(
    name="thing",
    table_name="o_thing",
    label={"en": "Thing"},
    fields=(
        _field("name", "text", required=True, config={"max_length": 20}),
        _field("code", "text", default="n/a", config={"regex": r"[a-z/]+"}),
        _field("notes", "long_text"),
        _field("body", "rich_text", required=True),
        _field("count", "integer", config={"min": 0}),
        _field("price", "decimal", config={"scale": 2, "precision": 8}),
        _field("budget", "currency", required=True, config={"currency": "USD"}),
        _field("active", "boolean", default=False),
        _field("due", "date"),
        _field("seen_at", "datetime", default="2026-01-01T08:00:00"),
        _field("stage", "picklist", default="b", config={"options": OPTIONS}),
        _field("flags", "multi_picklist", config={"options": OPTIONS}),
        _field("email", "email"),
        _field("phone", "phone"),
        _field("site", "url"),
        _field("parent", "lookup", config={"target": "thing"}),
        _field("manager", "user"),
        _field("address", "address", required=True),
        _field("number", "auto_number", config={"format": "T-{0000}"}),
        _field("double", "formula", config={"expression": "count * 2"}),
        _field("labels", "tags", default=["new"]),
        _field("gone", "text", archived=True),
    ),
)
NAMES = [f.name for f in THING.fields]


def reference_clean_row(
    obj: ObjectDef,
    data: Any,
    *,
    creating: bool,
    index: int | None,
    access: tuple[frozenset[str], frozenset[str]],
) -> tuple[dict[str, Any], list[FieldError]]:
    """clean_row as it was before RowCleaner: the specification it must keep."""
    visible, writable = access
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        return values, [FieldError("record", "must be an object", "type", index)]
    for key, raw in data.items():
        if key == "version":
            continue
        if key in WRITABLE_SYSTEM:
            if raw is None:  # owner_id: every record has an owner
                errors.append(FieldError(key, "every record has an owner", "required", index))
                continue
            try:
                values[key] = UUID(str(raw))
            except ValueError:
                errors.append(FieldError(key, "expected a user id", "type", index))
            continue
        if key in READ_ONLY_SYSTEM:
            errors.append(FieldError(key, "is set by the system", "read_only", index))
            continue
        f = obj.get_field(key)
        if f is None or key not in visible:
            errors.append(
                FieldError(key, f"{obj.name} has no field {key!r}", "unknown_field", index)
            )
            continue
        ftype = field_type(f.type)
        if not ftype.writable or key not in writable:
            errors.append(FieldError(key, "is read-only", "read_only", index))
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip() and f.type != "rich_text"):
            values[key] = None
            continue
        try:
            cleaned = ftype.clean(f, raw)
        except FieldValueError as error:
            errors.append(FieldError(key, error.message, error.code, index))
            continue
        values[key] = None if ftype.is_empty(cleaned) else cleaned
    for f in obj.active_fields:
        ftype = field_type(f.type)
        if creating and f.name not in values and f.default is not None:
            values[f.name] = ftype.clean(f, f.default)
        if f.name not in writable:
            continue
        if f.required and (f.name in values or creating) and ftype.is_empty(values.get(f.name)):
            errors.append(FieldError(f.name, "is required", "required", index))
    return values, errors


def outcome(clean: Callable[[], tuple[dict[str, Any], list[FieldError]]]) -> tuple[Any, ...]:
    """Values (with their types and exact form) and errors, or the exception raised."""
    try:
        values, errors = clean()
    except Exception as error:  # e.g. decimal.InvalidOperation for 1e26: the same either way
        return ("raised", type(error))
    return [(k, type(v), repr(v)) for k, v in values.items()], errors


blank = st.sampled_from(["", " ", "\t\n", "\u3000", "\xa0", "\u200b"])
values = st.one_of(
    st.none(),
    blank,
    st.text(max_size=25),
    st.sampled_from(
        [
            "a",
            "b",
            "old",
            "abc/def",
            "<p>hi <script>x</script></p>",
            "12.5",
            "1e3",
            "-3",
            "true",
            "0",
            "2026-02-28",
            "2026-02-30",
            "2026-11-23T10:00:00Z",
            "2026-11-23T18:00:00",
            "li.lei@example.com",
            "bad@",
            "+8613800138000",
            "138 0013 8000",
            "+390612345678",
            "example.com/x",
            "https://example.com",
            "javascript:alert(1)",
            "01890000-0000-7000-8000-000000000000",
            "not a uuid",
        ]
    ),
    st.integers(-5, 10**20),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.sampled_from(["a", "b", "old", " x ", "", "VIP"]), max_size=4),
    st.fixed_dictionaries(
        {},
        optional={
            "amount": st.sampled_from(["5", "1.234", None, 3]),
            "currency": st.sampled_from(["CNY", "usd", ""]),
            "country": st.sampled_from(["cn", "US", "China", ""]),
            "postcode": st.sampled_from(["310000", "12", None]),
            "city": st.sampled_from(["杭州市", " 上海 ", 5]),
            "id": st.sampled_from(["01890000-0000-7000-8000-000000000000", "x"]),
        },
    ),
)
keys = st.sampled_from([*NAMES, "version", "owner_id", "id", "created_at", "nope"])
rows = st.one_of(
    st.dictionaries(keys, values, max_size=12),
    st.sampled_from([None, [], "a row", 5]),
)


@st.composite
def accesses(draw: st.DrawFn) -> tuple[frozenset[str], frozenset[str]]:
    active = [f.name for f in THING.active_fields]
    visible = frozenset(draw(st.sets(st.sampled_from(active))) | {"name", "budget"})
    writable = frozenset(draw(st.sets(st.sampled_from(sorted(visible)))))
    return visible, writable


@given(
    st.lists(rows, min_size=1, max_size=6),
    accesses(),
    st.booleans(),
    st.sampled_from(["Asia/Shanghai", "UTC"]),
)
@settings(max_examples=400, deadline=None)
def test_row_cleaner_does_what_clean_row_did(
    batch: list[Any], access: tuple[frozenset[str], frozenset[str]], creating: bool, zone: str
) -> None:
    with use_timezone(zone):
        cleaner = RowCleaner(THING, creating=creating, access=access)
        for index, data in enumerate(batch):
            expected = outcome(
                partial(
                    reference_clean_row, THING, data, creating=creating, index=index, access=access
                )
            )
            assert outcome(partial(cleaner.clean, data, index)) == expected


def test_each_row_gets_its_own_copy_of_a_list_default() -> None:
    cleaner = RowCleaner(THING, creating=True, access=(frozenset(NAMES), frozenset(NAMES)))
    first, _ = cleaner.clean({"name": "x"}, 0)
    second, _ = cleaner.clean({"name": "y"}, 1)
    assert first["labels"] == second["labels"] == ["new"]
    assert first["labels"] is not second["labels"]


@given(
    st.one_of(
        st.none(),
        st.text(max_size=3),
        st.integers(-1, 1),
        st.booleans(),
        st.floats(),
        st.decimals(),
        st.dates(),
        st.datetimes(),
        st.uuids(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=1), st.integers(), max_size=2),
        st.tuples(),
        st.sets(st.integers(), max_size=1),
    )
)
def test_quick_is_empty_is_field_type_is_empty(value: Any) -> None:
    assert _is_empty(value) == field_type("text").is_empty(value)

"""Field type and storage changes that keep every value, and the refusal of all others."""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from guanxi.kernel.errors import FieldError, UnsafeTypeChange
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef

TEXT_LIKE = {"text", "long_text", "email", "phone", "url", "picklist", "auto_number"}

# (from, to) pairs that never lose a value.
LOSSLESS: frozenset[tuple[str, str]] = frozenset(
    {(source, "text") for source in TEXT_LIKE - {"text"}}
    | {(source, "long_text") for source in TEXT_LIKE}
    | {
        ("integer", "decimal"),
        ("integer", "percent"),
        ("decimal", "percent"),
        ("percent", "decimal"),
        ("picklist", "multi_picklist"),
    }
)


def _refuse(old: FieldDef, new: FieldDef, why: str) -> UnsafeTypeChange:
    return UnsafeTypeChange(
        f"{old.object_name}.{old.name}: {why}",
        errors=[FieldError("type", why, "unsafe_type_change")],
        extra={"from": old.type, "to": new.type},
    )


def apply(conn: Connection, obj: ObjectDef, old: FieldDef, new: FieldDef) -> bool:
    """Convert stored values for a type or size change, or refuse it if data could be lost.

    True when PostgreSQL altered the column's type (which locks and may rewrite the
    table until commit)."""
    if old.type == new.type and old.config == new.config:
        return False
    if old.type != new.type and (old.type, new.type) not in LOSSLESS:
        raise _refuse(old, new, f"changing {old.type} to {new.type} could lose data")
    if not field_type(new.type).stored:
        return False
    quote = conn.dialect.identifier_preparer.quote
    table, column = quote(obj.table_name), quote(old.name)
    pg = conn.dialect.name == "postgresql"

    if new.type in {"text", "long_text"} or (new.type == old.type and "max_length" in new.config):
        limit = new.opt("max_length", 255 if new.type == "text" else 100_000)
        if new.type == "text":
            longest = conn.execute(text(f"SELECT max(length({column})) FROM {table}")).scalar()
            if longest is not None and longest > limit:
                raise _refuse(
                    old, new, f"existing values are up to {longest} characters, more than {limit}"
                )
        if pg:
            sql_type = (
                f"VARCHAR({limit})" if new.type in {"text", "auto_number", "picklist"} else "TEXT"
            )
            if new.type in {"email", "phone", "url"}:
                sql_type = str(field_type(new.type).sql_type(new).compile(dialect=conn.dialect))
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {sql_type}")
        return pg

    if new.type in {"decimal", "percent"}:
        old_scale = old.opt("scale", 0) if old.type != "integer" else 0
        new_scale = new.opt("scale", 2)
        if new_scale < old_scale:
            raise _refuse(old, new, "the number of decimal places cannot shrink")
        digits_before = new.opt("precision", 18) - new_scale
        old_digits_before = (old.opt("precision", 18) - old_scale) if old.type != "integer" else 18
        if digits_before < old_digits_before:
            biggest = conn.execute(
                select(func.max(func.abs(text(column)))).select_from(text(table))
            ).scalar()
            if biggest is not None:
                whole = int(abs(float(biggest)) / (10**old_scale if not pg else 1))
                if len(str(whole)) > digits_before:
                    raise _refuse(
                        old,
                        new,
                        f"existing values need more than {digits_before} digits before the point",
                    )
        if pg:
            precision = new.opt("precision", 18)
            conn.exec_driver_sql(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE NUMERIC({precision}, {new_scale})"
            )
        elif new_scale != old_scale:
            conn.exec_driver_sql(
                f"UPDATE {table} SET {column} = {column} * {10 ** (new_scale - old_scale)}"
            )
        return pg

    if (old.type, new.type) == ("picklist", "multi_picklist"):
        if pg:
            conn.exec_driver_sql(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE JSONB USING "
                f"CASE WHEN {column} IS NULL THEN NULL ELSE jsonb_build_array({column}) END"
            )
        else:
            conn.exec_driver_sql(
                f"UPDATE {table} SET {column} = json_array({column}) WHERE {column} IS NOT NULL"
            )
        return pg
    return False

"""The filter tree decided in Python for one record, as the SQL the compiler makes would.

Automation rules test each written record against their conditions inside the write: a
statement per rule and write would cost more than the write. :class:`RecordMatcher`
answers from the record's values instead, converting each condition's value with the
compiler's own rules (:meth:`FilterCompiler.value`), and follows SQL's three-valued
logic: a comparison with a missing value is unknown (so ``not`` of it is unknown too, and
the record does not match), while ``ne``, ``not_in`` and ``is_null`` say yes or no, as the
compiler writes them.

Some conditions it leaves to SQL (:meth:`RecordMatcher.can_decide` says False), for
values a written record does not hold or where the two databases themselves differ:
paths through a lookup (``account.industry``), formula and roll-up fields, and ordering
comparisons of text (collations). Text matching (``contains`` …) ignores the case of
ASCII letters, as SQLite's LIKE does; PostgreSQL's ILIKE also folds other alphabets'
letters, a difference the test suite that pins this module to the compiler avoids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from guanxi.platform.metadata.context import current_timezone
from guanxi.platform.query.dates import date_range, datetime_range, is_relative
from guanxi.platform.query.filters import SET_KINDS, FilterCompiler
from guanxi.platform.query.paths import QueryScope, Term

_TEXT_KINDS = frozenset({"text", "long_text", "rich_text", "email", "phone", "url", "auto_number"})
_ORDERING = frozenset({"lt", "lte", "gt", "gte", "between"})
_UNDECIDABLE_KINDS = frozenset({"formula_number", "formula", "rollup"})


class RecordMatcher:
    """Filter trees over one object's records, decided for one record at a time."""

    def __init__(self, scope: QueryScope, now: datetime) -> None:
        self.scope = scope
        self.now = now
        self._compiler = FilterCompiler(scope, now)

    def check(self, tree: Any) -> None:
        """Refuse a tree the compiler refuses (422 naming the place)."""
        FilterCompiler(self.scope, self.now).compile(tree)

    def can_decide(self, tree: Any) -> bool:
        """Whether :meth:`matches` can decide ``tree`` (a checked one) without SQL."""
        if tree is None:
            return True
        if "and" in tree or "or" in tree:
            return all(self.can_decide(child) for child in next(iter(tree.values())))
        if "not" in tree:
            return self.can_decide(tree["not"])
        path, op = tree["field"], tree["op"]
        if "." in path:
            first = self.scope.obj.get_field(path.split(".", 1)[0])
            if first is None or first.type not in ("address", "currency"):
                return False  # through a lookup: the related record is not at hand
        term = self.scope.resolve(path)
        if term.kind in _UNDECIDABLE_KINDS or (term.field and term.field.type == "rollup"):
            return False
        return not (op in _ORDERING and term.kind in _TEXT_KINDS | {"picklist"})

    def matches(self, tree: Any, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` (field values as hooks see them) meets ``tree``."""
        return tree is None or self._truth(tree, record) is True

    def _truth(self, tree: Any, record: Mapping[str, Any]) -> bool | None:
        """True, False or None (SQL's unknown)."""
        if "and" in tree:
            parts = [self._truth(child, record) for child in tree["and"]]
            return False if False in parts else (None if None in parts else True)
        if "or" in tree:
            parts = [self._truth(child, record) for child in tree["or"]]
            return True if True in parts else (None if None in parts else False)
        if "not" in tree:
            inner = self._truth(tree["not"], record)
            return None if inner is None else not inner
        return self._condition(tree["field"], tree["op"], tree.get("value"), record)

    def _condition(self, path: str, op: str, value: Any, record: Mapping[str, Any]) -> bool | None:
        term = self.scope.resolve(path)
        have = _value_of(term, path, record)
        if op == "is_null":
            empty = have is None or (term.kind in SET_KINDS and not have)
            return empty if value else not empty
        if term.kind in SET_KINDS:
            wanted = set(value if isinstance(value, list) else [value])
            if have is None and op != "not_in":
                # PostgreSQL's jsonb operators give NULL; SQLite's json_each no rows.
                return None if self.scope.dialect == "postgresql" else False
            held = set(have or ())
            if op == "contains":
                return wanted <= held
            return bool(wanted & held) if op == "in" else (have is None or not wanted & held)
        if term.kind in {"date", "datetime"} and (is_relative(value) or op == "between"):
            ranged = self._relative(term, op, value, have)
            if ranged is not _PLAIN:
                return ranged  # type: ignore[return-value]
        if op == "not_in":
            return have is None or have not in [self._bound(term, v) for v in value]
        if have is None:
            if value is None and op in {"eq", "ne"}:
                return op == "eq"  # IS NULL, IS NOT NULL
            return True if op == "ne" and term.nullable else None
        if op == "in":
            return have in [self._bound(term, v) for v in value]
        if op == "between":
            low, high = (self._bound(term, v) for v in value)
            return bool(low <= have <= high)
        if op in {"contains", "starts_with", "ends_with"}:
            text, part = _ascii_lower(str(have)), _ascii_lower(value)
            if op == "contains":
                return part in text
            return text.startswith(part) if op == "starts_with" else text.endswith(part)
        if value is None:
            return op == "ne"  # IS NOT NULL of a value that is there
        bound = self._bound(term, value)
        if op == "eq":
            return bool(have == bound)
        if op == "ne":
            return bool(have != bound)
        return bool(
            {"lt": have < bound, "lte": have <= bound, "gt": have > bound, "gte": have >= bound}[op]
        )

    def _bound(self, term: Term, value: Any) -> Any:
        return self._compiler.value(term, value, "condition")

    def _relative(self, term: Term, op: str, value: Any, have: Any) -> object:
        """The answer for a relative date (or a range with one), else ``_PLAIN``: the
        value is compared as it is."""
        zone = current_timezone()
        convert = date_range if term.kind == "date" else datetime_range
        if op == "between":
            if not isinstance(value, list) or not any(is_relative(v) for v in value):
                return _PLAIN
            low = (
                convert(value[0], self.now, zone)[0]
                if is_relative(value[0])
                else self._bound(term, value[0])
            )
            if have is None:
                return None
            if is_relative(value[1]):
                return bool(low <= have < convert(value[1], self.now, zone)[1])
            return bool(low <= have <= self._bound(term, value[1]))
        start: date | datetime
        end: date | datetime
        start, end = convert(value, self.now, zone)
        if have is None:
            return True if op == "ne" else None
        return {
            "eq": start <= have < end,
            "ne": have < start or have >= end,
            "lt": have < start,
            "lte": have < end,
            "gt": have >= end,
            "gte": have >= start,
        }[op]


_PLAIN = object()


def _value_of(term: Term, path: str, record: Mapping[str, Any]) -> Any:
    """The record's value that ``term`` compares (a currency's amount, an address's city)."""
    name, _, part = path.partition(".")
    have = record.get(name)
    if isinstance(have, Mapping):  # currency {amount, currency}, address {city, …}
        if part:
            return have.get(part)
        return have.get("amount") if term.kind == "decimal" else have.get("city")
    return have


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)

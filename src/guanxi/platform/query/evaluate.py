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

from collections.abc import Callable, Mapping
from datetime import datetime
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
        """``now`` may be moved on between records (relative dates are worked out from
        it at each decision); paths and values are resolved once and kept."""
        self.scope = scope
        self.now = now
        self._compiler = FilterCompiler(scope, now)
        self._terms: dict[str, Term] = {}

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
        term = self._term(path)
        if term.kind in _UNDECIDABLE_KINDS or (term.field and term.field.type == "rollup"):
            return False
        return not (op in _ORDERING and term.kind in _TEXT_KINDS | {"picklist"})

    def matches(self, tree: Any, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` (field values as hooks see them) meets ``tree``."""
        return tree is None or self.predicate(tree)(record, self.now) is True

    def predicate(self, tree: Any) -> Predicate:
        """``tree`` (a checked one that :meth:`can_decide`) as a function of a record and
        the time: True, False or None (SQL's unknown). Paths are resolved and values
        converted here, once; a rule keeps its predicate and calls it for every write."""
        if "and" in tree or "or" in tree:
            key = "and" if "and" in tree else "or"
            parts = [self.predicate(child) for child in tree[key]]
            return _all(parts) if key == "and" else _any(parts)
        if "not" in tree:
            inner = self.predicate(tree["not"])

            def negated(record: Mapping[str, Any], now: datetime) -> bool | None:
                found = inner(record, now)
                return None if found is None else not found

            return negated
        return self._condition(tree["field"], tree["op"], tree.get("value"))

    def _condition(self, path: str, op: str, value: Any) -> Predicate:
        term = self._term(path)
        have = _reader(term, path)
        if op == "is_null":
            is_set = term.kind in SET_KINDS

            def empty(record: Mapping[str, Any], now: datetime) -> bool:
                found = have(record)
                blank = found is None or (is_set and not found)
                return blank if value else not blank

            return empty
        if term.kind in SET_KINDS:
            return self._set_condition(op, value, have)
        if term.kind in {"date", "datetime"} and (is_relative(value) or op == "between"):
            ranged = self._relative(term, op, value, have)
            if ranged is not None:
                return ranged
        if op == "not_in":
            outside = [self._bound(term, v) for v in value]
            return lambda record, now: (found := have(record)) is None or found not in outside
        if op in {"eq", "ne"} and value is None:
            return lambda record, now: (have(record) is None) == (op == "eq")  # IS [NOT] NULL
        compare = self._comparison(term, op, value)
        if_missing = True if op == "ne" and term.nullable else None

        def condition(record: Mapping[str, Any], now: datetime) -> bool | None:
            found = have(record)
            return if_missing if found is None else compare(found)

        return condition

    def _comparison(self, term: Term, op: str, value: Any) -> Callable[[Any], bool]:
        """The test of a value that is there."""
        if op == "in":
            inside = [self._bound(term, v) for v in value]
            return lambda found: found in inside
        if op == "between":
            low, high = (self._bound(term, v) for v in value)
            return lambda found: bool(low <= found <= high)
        if op in {"contains", "starts_with", "ends_with"}:
            part = _ascii_lower(value)
            if op == "contains":
                return lambda found: part in _ascii_lower(str(found))
            if op == "starts_with":
                return lambda found: _ascii_lower(str(found)).startswith(part)
            return lambda found: _ascii_lower(str(found)).endswith(part)
        bound = self._bound(term, value)
        tests: dict[str, Callable[[Any], bool]] = {
            "eq": lambda found: bool(found == bound),
            "ne": lambda found: bool(found != bound),
            "lt": lambda found: bool(found < bound),
            "lte": lambda found: bool(found <= bound),
            "gt": lambda found: bool(found > bound),
            "gte": lambda found: bool(found >= bound),
        }
        return tests[op]

    def _set_condition(
        self, op: str, value: Any, have: Callable[[Mapping[str, Any]], Any]
    ) -> Predicate:
        wanted = set(value if isinstance(value, list) else [value])
        # Of a missing set, PostgreSQL's jsonb operators say NULL; SQLite's json_each has
        # no rows: false.
        missing = None if self.scope.dialect == "postgresql" else False

        def condition(record: Mapping[str, Any], now: datetime) -> bool | None:
            found = have(record)
            if found is None:
                return True if op == "not_in" else missing
            held = set(found)
            if op == "contains":
                return wanted <= held
            return bool(wanted & held) if op == "in" else not wanted & held

        return condition

    def _term(self, path: str) -> Term:
        term = self._terms.get(path)
        if term is None:
            term = self._terms[path] = self.scope.resolve(path)
        return term

    def _bound(self, term: Term, value: Any) -> Any:
        return self._compiler.value(term, value, "condition")

    def _relative(
        self, term: Term, op: str, value: Any, have: Callable[[Mapping[str, Any]], Any]
    ) -> Predicate | None:
        """A relative date (or a range with one), worked out at each decision's time;
        None when the values are plain and compared as they are."""
        convert = date_range if term.kind == "date" else datetime_range
        if op == "between":
            if not isinstance(value, list) or not any(is_relative(v) for v in value):
                return None
            low_fixed = None if is_relative(value[0]) else self._bound(term, value[0])
            high_fixed = None if is_relative(value[1]) else self._bound(term, value[1])

            def between(record: Mapping[str, Any], now: datetime) -> bool | None:
                found = have(record)
                if found is None:
                    return None
                zone = current_timezone()
                low = low_fixed if low_fixed is not None else convert(value[0], now, zone)[0]
                if high_fixed is None:
                    return bool(low <= found < convert(value[1], now, zone)[1])
                return bool(low <= found <= high_fixed)

            return between

        def relative(record: Mapping[str, Any], now: datetime) -> bool | None:
            found = have(record)
            if found is None:
                return True if op == "ne" else None
            start, end = convert(value, now, current_timezone())
            if op == "eq":
                return bool(start <= found < end)
            if op == "ne":
                return bool(found < start or found >= end)
            return bool(
                found < start
                if op == "lt"
                else found < end
                if op == "lte"
                else found >= end
                if op == "gt"
                else found >= start
            )

        return relative


Predicate = Callable[[Mapping[str, Any], datetime], "bool | None"]


def _all(parts: list[Predicate]) -> Predicate:
    def every(record: Mapping[str, Any], now: datetime) -> bool | None:
        result: bool | None = True
        for part in parts:
            found = part(record, now)
            if found is False:
                return False
            if found is None:
                result = None
        return result

    return every


def _any(parts: list[Predicate]) -> Predicate:
    def some(record: Mapping[str, Any], now: datetime) -> bool | None:
        result: bool | None = False
        for part in parts:
            found = part(record, now)
            if found is True:
                return True
            if found is None:
                result = None
        return result

    return some


def _reader(term: Term, path: str) -> Callable[[Mapping[str, Any]], Any]:
    """How to take the value ``term`` compares from a record: a currency's amount or code,
    an address's city or part, or the field's value."""
    name, _, part = path.partition(".")
    f = term.field
    if part or (f is not None and f.type in ("currency", "address")):
        inner = part or ("amount" if term.kind == "decimal" else "city")

        def nested(record: Mapping[str, Any]) -> Any:
            found = record.get(name)
            return found.get(inner) if isinstance(found, Mapping) else None

        return nested
    return lambda record: record.get(name)


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)

"""Which fields a user may not see: those their roles hide, and everything that reads them.

A role hides a field (``"account.annual_revenue": "hidden"``); a formula whose expression
reads it — directly, through another formula, or through a lookup (``account.
annual_revenue`` on a contact) — would show the hidden value, or enough of it
(``IF(annual_revenue > 1000000, 'big', 'small')``), so it is hidden too. So is a formula
that reads through a lookup to an object the user may not read: it could never be
computed for them. A roll-up over children the user may not read, or measuring a field
hidden from them, is hidden likewise (ADR 0018). Records, lists, filters, sorting, history, metadata, the OpenAPI
document, exports and error messages all ask :func:`hidden_fields` (or
:func:`field_visible`), so a field is either there for a user everywhere or nowhere.
"""

from __future__ import annotations

from collections.abc import Hashable

from guanxi.platform.access.policy import OPERATIONS, Policy
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.query.formula import FormulaError, referenced_paths

__all__ = [
    "field_editable",
    "field_visible",
    "hidden_fields",
    "object_access",
    "visibility_key",
]

_BY_KEY = "_hidden_fields_by_key"
_BY_POLICY = "_hidden_fields_by_policy"
_MAX_CACHED = 256  # distinct field visibilities per snapshot; more is a pathological setup


def visibility_key(snap: Snapshot, policy: Policy) -> Hashable:
    """All that decides which fields a user sees in ``snap``: equal keys, equal answers."""
    if policy.superuser:
        return ("superuser",)
    readable = frozenset(name for name in snap.objects if policy.can("read", name))
    return (policy.hidden_fields, readable)


def hidden_fields(snap: Snapshot, policy: Policy) -> frozenset[tuple[str, str]]:
    """The (object, field) pairs hidden from the user: the policy's hidden fields plus
    every formula field that reads one, worked out once per snapshot and visibility."""
    if policy.superuser:
        return frozenset()
    # Kept with the snapshot (definitions never change; a metadata change loads a new
    # one), as Snapshot.alias keeps its aliases. Asked for every path a query resolves:
    # first by the policy object itself (compiled policies are cached and shared), which
    # the entry holds on to so that its id is not reused meanwhile.
    by_policy: dict[int, tuple[Policy, frozenset[tuple[str, str]]]] = snap.__dict__.setdefault(
        _BY_POLICY, {}
    )
    hit = by_policy.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    key = visibility_key(snap, policy)
    by_key: dict[Hashable, frozenset[tuple[str, str]]] = snap.__dict__.setdefault(_BY_KEY, {})
    found = by_key.get(key)
    if found is None:
        readable = frozenset(name for name in snap.objects if policy.can("read", name))
        found = _work_out(snap, policy.hidden_fields, readable)
        if len(by_key) >= _MAX_CACHED:
            by_key.clear()
        by_key[key] = found
    if len(by_policy) >= _MAX_CACHED:
        by_policy.clear()
    by_policy[id(policy)] = (policy, found)
    return found


def field_visible(snap: Snapshot, policy: Policy, object_name: str, field_name: str) -> bool:
    """Whether the user may see the field (system columns are always visible)."""
    return policy.superuser or (object_name, field_name) not in hidden_fields(snap, policy)


def _work_out(
    snap: Snapshot, hidden: frozenset[tuple[str, str]], readable: frozenset[str]
) -> frozenset[tuple[str, str]]:
    verdicts: dict[tuple[str, str], bool] = {}

    def formula_hidden(obj: ObjectDef, f: FieldDef) -> bool:
        key = (obj.name, f.name)
        if key in verdicts:
            return verdicts[key]
        verdicts[key] = False  # a formula that refers to itself fails for everyone anyway
        verdict = any(path_hidden(obj, path) for path in _references(f))
        verdicts[key] = verdict
        return verdict

    def rollup_hidden(obj: ObjectDef, f: FieldDef) -> bool:
        key = (obj.name, f.name)
        if key in verdicts:
            return verdicts[key]
        verdicts[key] = False  # a roll-up that measures itself fails for everyone anyway
        spec = f.opt("rollup") or {}
        child = snap.objects.get(spec.get("object", ""))
        measured = spec.get("field")
        verdict = child is not None and (
            child.name not in readable or bool(measured and path_hidden(child, (measured,)))
        )
        verdicts[key] = verdict
        return verdict

    def path_hidden(obj: ObjectDef, path: tuple[str, ...]) -> bool:
        for depth, name in enumerate(path):
            f = obj.get_field(name)
            if f is None:  # a system column, or a broken formula: nothing hidden read
                return False
            if (obj.name, name) in hidden:
                return True
            if f.type == "formula":
                return formula_hidden(obj, f)
            if f.type == "rollup":
                return rollup_hidden(obj, f)
            if f.type != "lookup" or depth == len(path) - 1:
                return False
            target = f.opt("target")
            if target not in readable:
                return True
            next_obj = snap.objects.get(target)
            if next_obj is None:
                return False
            obj = next_obj
        return False

    found = set(hidden)
    for obj in snap.objects.values():
        for f in obj.fields:  # archived ones too: metadata lists them on request
            if (f.type == "formula" and formula_hidden(obj, f)) or (
                f.type == "rollup" and rollup_hidden(obj, f)
            ):
                found.add((obj.name, f.name))
    return frozenset(found)


def _references(f: FieldDef) -> list[tuple[str, ...]]:
    try:
        return referenced_paths(f.opt("expression", ""))
    except FormulaError:  # cannot be parsed: fails for every reader, reveals nothing
        return []


def field_editable(
    policy: Policy, obj: ObjectDef, f: FieldDef, *, can_write: bool = True
) -> dict[str, bool]:
    """Whether the user may set the field when creating and when updating a record: never
    a computed one (formula, roll-up, auto-number), an archived one, or with a read-only
    token; otherwise as their roles' field rules and object grants say."""
    if not can_write or f.archived or not field_type(f.type).writable:
        return {"create": False, "update": False}
    return {op: policy.field_writable(obj.name, f.name, op) for op in ("create", "update")}


def object_access(policy: Policy, obj: ObjectDef, *, can_write: bool = True) -> dict[str, bool]:
    """The operations the user has on an object's records (each within their data scope);
    a read-only token reads and exports only."""
    return {
        op: policy.can(op, obj.name) and (can_write or op in {"read", "export"})
        for op in OPERATIONS
    }

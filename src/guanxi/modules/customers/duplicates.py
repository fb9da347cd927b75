"""Duplicate check for customers: the accounts and contacts a new lead or account may be.

The sales module's lead duplicate check and account registration call ``find_duplicates``.
Candidates come from indexed columns only (an account's ``name_key``, names, phones,
e-mails) and only among the records the acting user may read; they are then scored in
Python by ``dedupe`` and returned best first with stable reason codes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from guanxi.kernel.errors import invalid
from guanxi.modules.customers import repository
from guanxi.modules.customers.dedupe import (
    CANDIDATE_THRESHOLD,
    SAME_EMAIL,
    SAME_PERSON_NAME,
    SAME_PHONE,
    company_key,
    company_similarity,
    email_key,
    phone_key,
)
from guanxi.modules.customers.hooks import name_key
from guanxi.platform.records.context import Ctx

MAX_LIMIT = 100
# How much each kind of evidence alone says; several combine as independent evidence
# (1 - Π(1 - s)), so a similar name and the same phone outrank either alone.
PHONE_SCORE = 0.9
EMAIL_SCORE = 0.95
PERSON_NAME_SCORE = 0.5
CAP = 200  # rows each lookup may return before scoring


@dataclass(frozen=True)
class Candidate:
    """A record the new one may duplicate: its id and name, how likely, and why."""

    id: str
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Duplicates:
    """Possible duplicates among accounts and contacts, best first."""

    accounts: list[Candidate] = field(default_factory=list)
    contacts: list[Candidate] = field(default_factory=list)


def find_duplicates(
    ctx: Ctx,
    *,
    company: str | None = None,
    person_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    limit: int = 10,
) -> Duplicates:
    """The accounts and contacts the acting user may read that look like the company,
    person, phone and e-mail given; up to ``limit`` of each, best first.

    An object the user may not read contributes nothing, and a field hidden from them
    (say, an account's phone) is not matched on, so no reason reveals it."""
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", f"must be 1 to {MAX_LIMIT}")
    phones = [key] if (key := phone_key(phone)) else []
    emails = [key] if (key := email_key(email)) else []
    return Duplicates(
        accounts=_accounts(ctx, company, phones, emails, limit),
        contacts=_contacts(ctx, person_name, phones, emails, limit),
    )


def _visible(ctx: Ctx, object_name: str, fields: Iterable[str]) -> list[str]:
    policy = ctx.actor.policy
    return [f for f in fields if policy.field_visible(object_name, f)]


def _combined(scores: Iterable[float]) -> float:
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - score
    return round(1.0 - remaining, 4)


def _key_prefixes(company: str) -> list[str]:
    """Keys an account holding a shorter form of this name would have: 华为 for 华为终端,
    ``samsung`` for ``samsung electronics`` (whole words for Latin names)."""
    spaced = company_key(company)
    words = spaced.split()
    prefixes = {"".join(words[:n]) for n in range(1, len(words))}
    compact = "".join(words)
    if len(words) == 1 and not compact.isascii():
        prefixes |= {compact[:n] for n in range(2, len(compact))}
    return sorted(p for p in prefixes if len(p) >= 2)


def _accounts(
    ctx: Ctx, company: str | None, phones: list[str], emails: list[str], limit: int
) -> list[Candidate]:
    policy = ctx.actor.policy
    if not policy.can("read", "account"):
        return []
    visible = set(_visible(ctx, "account", ("name", "phone", "email")))
    company = (company or "").strip() or None
    if "name" not in visible:
        company = None
    phones = phones if "phone" in visible else []
    emails = emails if "email" in visible else []
    if company is None and not phones and not emails:
        return []
    key = name_key(company) if company else None
    accounts = ctx.snap.table("account")
    rows = repository.account_candidates(
        ctx.conn,
        accounts,
        policy.read_predicate("account", accounts),
        key=key,
        shorter_keys=_key_prefixes(company) if company else [],
        starting_with=key if key and len(key) >= 2 else None,
        names=[company] if company else [],
        phones=phones,
        emails=emails,
        cap=CAP,
    )
    found = []
    for row in rows:
        scores: list[float] = []
        reasons: list[str] = []
        if company and row.name:
            match = company_similarity(company, row.name)
            if match.reasons:
                scores.append(match.score)
                reasons += match.reasons
        if row.phone and row.phone in phones:
            scores.append(PHONE_SCORE)
            reasons.append(SAME_PHONE)
        if row.email and row.email in emails:
            scores.append(EMAIL_SCORE)
            reasons.append(SAME_EMAIL)
        score = _combined(scores)
        if score >= CANDIDATE_THRESHOLD:
            found.append(Candidate(str(row.id), row.name or "", score, reasons))
    return _best(found, limit)


def _person(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _contacts(
    ctx: Ctx, person_name: str | None, phones: list[str], emails: list[str], limit: int
) -> list[Candidate]:
    policy = ctx.actor.policy
    if not policy.can("read", "contact"):
        return []
    visible = set(_visible(ctx, "contact", ("name", "mobile", "phone", "email")))
    person_name = (person_name or "").strip() or None
    if "name" not in visible:
        person_name = None
    phone_columns = [c for c in ("mobile", "phone") if c in visible] if phones else []
    emails = emails if "email" in visible else []
    if person_name is None and not phone_columns and not emails:
        return []
    contacts = ctx.snap.table("contact")
    rows = repository.contact_candidates(
        ctx.conn,
        contacts,
        policy.read_predicate("contact", contacts),
        names=[person_name] if person_name else [],
        phone_columns=phone_columns,
        phones=phones,
        emails=emails,
        cap=CAP,
    )
    found = []
    for row in rows:
        scores: list[float] = []
        reasons: list[str] = []
        if person_name and row.name and _person(row.name) == _person(person_name):
            scores.append(PERSON_NAME_SCORE)
            reasons.append(SAME_PERSON_NAME)
        if any(getattr(row, c) in phones for c in phone_columns if getattr(row, c)):
            scores.append(PHONE_SCORE)
            reasons.append(SAME_PHONE)
        if row.email and row.email in emails:
            scores.append(EMAIL_SCORE)
            reasons.append(SAME_EMAIL)
        if scores:
            found.append(Candidate(str(row.id), row.name or "", _combined(scores), reasons))
    return _best(found, limit)


def _best(found: Sequence[Candidate], limit: int) -> list[Candidate]:
    return sorted(found, key=lambda c: (-c.score, c.name, c.id))[:limit]


def fill_name_keys(ctx: Ctx, *, batch: int = 2000) -> int:
    """Give up to ``batch`` accounts that have none their matching key (accounts written
    before the key existed, or loaded behind the records service); how many it filled.
    Call it until it returns 0, or leave it to the module's scheduled job."""
    accounts = ctx.snap.table("account")
    rows = repository.accounts_without_name_key(
        ctx.conn, accounts, ctx.actor.policy.read_predicate("account", accounts), limit=batch
    )
    keys: list[tuple[Any, str]] = [
        (row.id, key) for row in rows if (key := name_key(row.name)) is not None
    ]
    repository.set_name_keys(ctx.conn, accounts, keys)
    return len(keys)

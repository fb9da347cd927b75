"""Web-to-lead forms (线索表单): configured by sales and marketing, posted to by websites.

A form lists the lead fields it asks for. A website posts them to the form's public
address with no sign-in; the submission becomes a lead in one transaction, with its
source, UTM parameters and consent (the text the visitor agreed to, and when), handed to
the form's assignment rule. A hidden honeypot field catches simple bots (they are
answered as if accepted, and nothing is made) and each address may send only so many
submissions in a window.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select, update

from guanxi.kernel.errors import (
    MESSAGES,
    DomainError,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from guanxi.kernel.ids import uuid7
from guanxi.modules.sales.tables import gx_form_submission, gx_web_form
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.fieldtypes.base import FieldValueError
from guanxi.platform.metadata.model import FieldDef
from guanxi.platform.process import assignment
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.service import create
from guanxi.platform.records.values import plain

# The hidden input a person leaves empty and a form-filling bot does not.
HONEYPOT = "homepage"
# Submissions one address may send in a window, across all forms.
RATE_LIMIT = 10
RATE_WINDOW = timedelta(minutes=10)
# Always taken from a submission when sent, whatever fields the form lists.
TRACKING = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "campaign")
# Lead fields a visitor never sets: what the conversion, the consent record and the
# form itself fill in.
NOT_ASKED = frozenset(
    {
        "status",
        "web_form",
        "consent_text",
        "consent_at",
        "converted_at",
        "converted_account",
        "converted_contact",
        "converted_opportunity",
        "last_activity_at",
        "next_follow_up",
        "disqualify_reason",
        *TRACKING,
    }
)
ASKABLE_TYPES = frozenset(
    {
        "text",
        "long_text",
        "email",
        "phone",
        "url",
        "picklist",
        "multi_picklist",
        "integer",
        "decimal",
        "date",
        "boolean",
        "address",
    }
)
TRUE_WORDS = frozenset({"true", "on", "yes", "1"})


class FormIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    fields: list[str] = Field(min_length=1, max_length=50)
    required: list[str] = Field(default_factory=list, max_length=50)
    defaults: dict[str, Any] = Field(default_factory=dict)
    consent_text: str | None = Field(default=None, max_length=4000)
    assignment_rule_id: UUID | None = None
    active: bool = True


class FormPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    fields: list[str] | None = Field(default=None, min_length=1, max_length=50)
    required: list[str] | None = Field(default=None, max_length=50)
    defaults: dict[str, Any] | None = None
    consent_text: str | None = Field(default=None, max_length=4000)
    assignment_rule_id: UUID | None = None
    active: bool | None = None


@dataclass
class TooManySubmissions(DomainError):
    """One address sent more submissions than a person would."""

    retry_after: int = 0

    code = "too_many_submissions"
    status = 429


MESSAGES["too_many_submissions"] = {
    "en": "Too many submissions from your address; please try again later.",
    "zh-CN": "您的提交过于频繁,请稍后再试。",
}


def _lead_field(ctx: Ctx, name: str) -> FieldDef | None:
    return ctx.snap.object("lead").get_field(name)


def _check(ctx: Ctx, values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's settings, checked against the lead object as it is now; every problem
    at once."""
    errors: list[FieldError] = []
    fields: list[str] = values["fields"]
    for i, name in enumerate(fields):
        f = _lead_field(ctx, name)
        if f is None or name in NOT_ASKED or f.type not in ASKABLE_TYPES:
            errors.append(
                FieldError(
                    f"fields.{i}", f"{name!r} is not a lead field a form may ask for", "invalid"
                )
            )
        elif name == HONEYPOT:
            errors.append(FieldError(f"fields.{i}", f"{name!r} is the honeypot's name", "invalid"))
    if len(set(fields)) != len(fields):
        errors.append(FieldError("fields", "lists a field twice", "duplicate"))
    for i, name in enumerate(values["required"]):
        if name not in fields:
            errors.append(
                FieldError(f"required.{i}", f"{name!r} is not one of the form's fields", "invalid")
            )
    defaults: dict[str, Any] = {}
    for name, value in values["defaults"].items():
        f = _lead_field(ctx, name)
        if f is None or name in NOT_ASKED - set(TRACKING) or not field_type(f.type).writable:
            errors.append(
                FieldError(f"defaults.{name}", "is not a lead field a form may fill", "invalid")
            )
            continue
        try:
            field_type(f.type).clean(f, value)
        except FieldValueError as exc:
            errors.append(FieldError(f"defaults.{name}", exc.message, exc.code))
            continue
        defaults[name] = value
    rule = values.get("assignment_rule_id")
    if rule is not None:
        try:
            target = assignment.rule_object(ctx, rule)
        except NotFound:
            target = None
        if target != "lead":
            errors.append(
                FieldError("assignment_rule_id", "is not an assignment rule for leads", "invalid")
            )
    if errors:
        raise ValidationFailed(f"{len(errors)} settings are not valid", errors=errors)
    return {**values, "defaults": defaults}


def _may_manage(ctx: Ctx) -> None:
    if not (ctx.actor.is_admin or ctx.actor.policy.can("create", "lead")):
        raise PermissionDenied("managing web forms needs the right to create leads")


def _show(ctx: Ctx, row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "form_key": row.form_key,
        "name": row.name,
        "fields": row.fields,
        "required": row.required,
        "defaults": row.defaults,
        "consent_text": row.consent_text,
        "assignment_rule_id": None
        if row.assignment_rule_id is None
        else str(row.assignment_rule_id),
        "owner_id": str(row.owner_id),
        "active": row.active,
        "version": row.version,
        "submit_url": f"/api/v1/public/forms/{row.form_key}",
        "created_at": plain(row.created_at, ctx.zone),
        "updated_at": plain(row.updated_at, ctx.zone),
    }


def _mine(ctx: Ctx) -> Any:
    """Administrators see every form; others the forms they own."""
    if ctx.actor.is_admin:
        return gx_web_form.c.id.is_not(None)
    return gx_web_form.c.owner_id == ctx.actor.user_id


def _row(ctx: Ctx, form_id: UUID) -> Any:
    _may_manage(ctx)
    row = ctx.conn.execute(
        select(gx_web_form).where(gx_web_form.c.id == form_id, _mine(ctx))
    ).first()
    if row is None:
        raise NotFound(f"web form {form_id} does not exist")
    return row


def list_forms(ctx: Ctx) -> list[dict[str, Any]]:
    _may_manage(ctx)
    rows = ctx.conn.execute(
        select(gx_web_form).where(_mine(ctx)).order_by(gx_web_form.c.created_at, gx_web_form.c.id)
    )
    return [_show(ctx, row) for row in rows]


def get_form(ctx: Ctx, form_id: UUID) -> dict[str, Any]:
    return _show(ctx, _row(ctx, form_id))


def create_form(ctx: Ctx, body: FormIn) -> dict[str, Any]:
    """A new form owned by its maker, with a fresh unguessable key."""
    _may_manage(ctx)
    values = _check(ctx, body.model_dump())
    if ctx.actor.user_id is None:
        raise PermissionDenied("a web form needs a person to own its leads")
    form_id = uuid7()
    ctx.conn.execute(
        insert(gx_web_form).values(
            id=form_id,
            form_key=secrets.token_urlsafe(12),
            owner_id=ctx.actor.user_id,
            version=1,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
            **values,
        )
    )
    return get_form(ctx, form_id)


def update_form(
    ctx: Ctx, form_id: UUID, body: FormPatch, *, expected_version: int | None
) -> dict[str, Any]:
    row = _row(ctx, form_id)
    if expected_version is not None and expected_version != row.version:
        raise VersionConflict(
            f"the form is at version {row.version}, not {expected_version}",
            errors=[FieldError("version", f"is {row.version} now", "stale")],
            extra={"current_version": row.version},
        )
    given = body.model_dump(exclude_unset=True)
    merged = {
        key: given.get(key, getattr(row, key))
        for key in (
            "name",
            "fields",
            "required",
            "defaults",
            "consent_text",
            "assignment_rule_id",
            "active",
        )
    }
    values = _check(ctx, merged)
    done = ctx.conn.execute(
        update(gx_web_form)
        .where(gx_web_form.c.id == form_id, gx_web_form.c.version == row.version)
        .values(
            version=row.version + 1, updated_at=ctx.now, updated_by_id=ctx.actor.user_id, **values
        )
    )
    if done.rowcount != 1:
        raise VersionConflict("the form was changed meanwhile; reload it")
    return get_form(ctx, form_id)


def delete_form(ctx: Ctx, form_id: UUID) -> None:
    _row(ctx, form_id)
    ctx.conn.execute(gx_web_form.delete().where(gx_web_form.c.id == form_id))


# -- the public side ------------------------------------------------------------------


def _public_row(ctx: Ctx, form_key: str) -> Any:
    row = ctx.conn.execute(
        select(gx_web_form).where(
            gx_web_form.c.form_key == form_key, gx_web_form.c.active.is_(True)
        )
    ).first()
    if row is None:
        raise NotFound("no such form")
    return row


def describe(ctx: Ctx, form_key: str, language: str) -> dict[str, Any]:
    """What a website needs to draw the form: fields with labels, types and options, in
    the visitor's language; nothing about the organisation behind it."""
    row = _public_row(ctx, form_key)
    fields = []
    for name in row.fields:
        f = _lead_field(ctx, name)
        if f is None:
            continue  # archived since the form was saved
        shown: dict[str, Any] = {
            "name": name,
            "type": f.type,
            "label": f.label.get(language) or f.label.get("en") or name,
            "required": name in row.required or f.required,
        }
        if f.opt("options"):
            shown["options"] = [
                {"value": o["value"], "label": o["label"].get(language) or o["value"]}
                for o in f.opt("options")
            ]
        fields.append(shown)
    return {
        "name": row.name,
        "fields": fields,
        "consent_text": row.consent_text,
        "honeypot": HONEYPOT,
    }


def _given(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def submit(
    ctx: Ctx, form_key: str, payload: Mapping[str, Any], *, ip: str | None, user_agent: str | None
) -> None:
    """A visitor's submission: a lead, assigned by the form's rule, in this transaction.

    ``ctx`` acts as the system (no one signed in). Refused with 404 for an unknown or
    inactive form, 429 past the address's rate limit, 422 naming each missing or bad
    field (and ``consent`` when the form asks for it)."""
    form = _public_row(ctx, form_key)
    if ip is not None:
        since = ctx.now - RATE_WINDOW
        recent = ctx.conn.execute(
            select(func.count(), func.min(gx_form_submission.c.at)).where(
                gx_form_submission.c.ip == ip, gx_form_submission.c.at > since
            )
        ).one()
        if recent[0] >= RATE_LIMIT:
            wait = int((recent[1] + RATE_WINDOW - ctx.now).total_seconds()) + 1
            raise TooManySubmissions(
                "too many submissions from this address", retry_after=max(1, wait)
            )
    log = {
        "id": uuid7(),
        "form_id": form.id,
        "ip": ip,
        "user_agent": (user_agent or "")[:400] or None,
        "at": ctx.now,
    }
    if _given(payload.get(HONEYPOT)):
        ctx.conn.execute(insert(gx_form_submission).values(**log, outcome="honeypot"))
        return
    errors = [
        FieldError(name, "is required", "required")
        for name in form.required
        if not _given(payload.get(name))
    ]
    values: dict[str, Any] = {
        name: payload[name] for name in form.fields if _given(payload.get(name))
    }
    values.update({name: payload[name] for name in TRACKING if _given(payload.get(name))})
    if form.consent_text:
        consent = payload.get("consent")
        if not (
            consent is True or (isinstance(consent, str) and consent.strip().lower() in TRUE_WORDS)
        ):
            errors.append(
                FieldError("consent", "please agree to the terms to send the form", "required")
            )
        values.update(consent_text=form.consent_text, consent_at=ctx.now)
    if errors:
        raise ValidationFailed(f"{len(errors)} values are missing or not valid", errors=errors)
    lead = create(
        ctx,
        "lead",
        {
            "source": "web_form",
            **form.defaults,
            **values,
            "status": "new",
            "web_form": form.form_key,
            "owner_id": str(form.owner_id),
        },
    )
    lead_id = UUID(str(lead["id"]))
    if form.assignment_rule_id is not None:
        assignment.assign(ctx, form.assignment_rule_id, "lead", lead_id)
    ctx.conn.execute(insert(gx_form_submission).values(**log, outcome="accepted", lead_id=lead_id))

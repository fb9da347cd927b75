"""Converting a qualified lead (线索转化) into an account, a contact and an opportunity.

One transaction: the account and contact are made from the lead (or existing ones are
used), an opportunity when asked, the lead's activities and tasks are linked to what it
became, and the lead is marked converted with links to all three — after which it is
read-only (``hooks.ConvertedLeadIsReadOnly``). Which lead field fills which field of the
new records is a setting administrators may change (``conversion_mapping``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from guanxi.kernel.errors import FieldError, PermissionDenied, ValidationFailed
from guanxi.modules.customers.duplicates import Duplicates, find_duplicates
from guanxi.modules.sales import settings
from guanxi.modules.sales.errors import LeadAlreadyConverted
from guanxi.platform.metadata.model import FieldDef
from guanxi.platform.records.context import Ctx, current, require
from guanxi.platform.records.reads import get_record
from guanxi.platform.records.service import create
from guanxi.platform.records.updates import update_current

TARGETS = ("account", "contact", "opportunity")

# Target field ← lead field, per object made by a conversion.
DEFAULT_MAPPING: dict[str, dict[str, str]] = {
    "account": {
        "name": "company",
        "phone": "phone",
        "email": "email",
        "industry": "industry",
        "source": "source",
        "address": "address",
    },
    "contact": {
        "name": "name",
        "title": "title",
        "mobile": "mobile",
        "phone": "phone",
        "email": "email",
        "wechat": "wechat",
        "address": "address",
    },
    "opportunity": {"source": "source", "description": "description"},
}
SETTING = "lead_conversion_mapping"
TEXT_TYPES = frozenset({"text", "long_text", "email", "phone", "url"})


class OpportunityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    amount: Any = None
    close_date: str | None = None
    stage: str | None = None
    pipeline: str | None = None


class ConvertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: UUID | None = None
    contact_id: UUID | None = None
    opportunity: OpportunityIn | None = None


def _compatible(target: FieldDef, source: FieldDef) -> bool:
    if target.type == source.type:
        return True
    return target.type in {"text", "long_text"} and source.type in TEXT_TYPES


def check_mapping(ctx: Ctx, mapping: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """A mapping every field of which exists and can take the lead field's values."""
    lead = ctx.snap.object("lead")
    errors: list[FieldError] = []
    out: dict[str, dict[str, str]] = {}
    for target_name, fields in mapping.items():
        if target_name not in TARGETS:
            errors.append(FieldError(target_name, "is not made by a conversion", "invalid"))
            continue
        target = ctx.snap.object(target_name)
        out[target_name] = {}
        for to, source_name in fields.items():
            where = f"{target_name}.{to}"
            t, s = target.get_field(to), lead.get_field(source_name)
            if t is None:
                errors.append(FieldError(where, f"{target_name} has no field {to!r}", "invalid"))
            elif s is None:
                errors.append(
                    FieldError(where, f"the lead has no field {source_name!r}", "invalid")
                )
            elif not _compatible(t, s):
                errors.append(FieldError(where, f"a {s.type} cannot fill a {t.type}", "invalid"))
            else:
                out[target_name][to] = source_name
    if errors:
        raise ValidationFailed(f"{len(errors)} mappings are not valid", errors=errors)
    return out


def mapping(ctx: Ctx) -> dict[str, dict[str, str]]:
    stored = settings.read(ctx, SETTING)
    return DEFAULT_MAPPING if stored is None else stored


def set_mapping(
    ctx: Ctx, new: Mapping[str, Mapping[str, str]], *, expected_version: int | None
) -> dict[str, Any]:
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an administrator changes the conversion mapping")
    checked = check_mapping(ctx, new)
    return settings.write(ctx, SETTING, checked, expected_version=expected_version)


def _mapped(
    ctx: Ctx, target_name: str, lead: Mapping[str, Any], fields: Mapping[str, str]
) -> dict[str, Any]:
    """The new record's values from the lead; a picklist value the target lacks is left out."""
    target = ctx.snap.object(target_name)
    values: dict[str, Any] = {}
    for to, source in fields.items():
        value = lead.get(source)
        f = target.get_field(to)
        if value in (None, "", []) or f is None:
            continue
        if f.type == "picklist" and value not in {o["value"] for o in f.opt("options", [])}:
            continue
        values[to] = value
    return values


def lead_duplicates(ctx: Ctx, lead_id: UUID, *, limit: int = 10) -> Duplicates:
    """The accounts and contacts the caller may read that the lead may already be: by
    company name (normalised: legal forms, regions, widths), person, phone and e-mail."""
    lead = get_record(ctx, "lead", lead_id)  # 404 unless readable
    return find_duplicates(
        ctx,
        company=lead.get("company"),
        person_name=lead.get("name"),
        phone=lead.get("mobile") or lead.get("phone"),
        email=lead.get("email"),
        limit=limit,
    )


def convert_lead(ctx: Ctx, lead_id: UUID, body: ConvertIn) -> dict[str, str | None]:
    """Convert the lead the caller may edit; see the module docstring."""
    lead_obj = ctx.snap.object("lead")
    require(ctx, "update", lead_obj)
    row = current(ctx, lead_obj, lead_id)  # locked: a second conversion waits, then sees it
    if row.status == "converted":
        raise LeadAlreadyConverted(
            "the lead was converted already",
            extra={
                "account_id": _str(row.converted_account),
                "contact_id": _str(row.converted_contact),
            },
        )
    lead = get_record(ctx, "lead", lead_id)
    fields = mapping(ctx)
    owner = {"owner_id": str(row.owner_id)} if row.owner_id else {}

    if body.account_id is not None:
        account_id = str(get_record(ctx, "account", body.account_id)["id"])  # 404 unless readable
    else:
        values = _mapped(ctx, "account", lead, fields.get("account", {}))
        values.setdefault("name", lead.get("company") or lead["name"])
        account_id = str(create(ctx, "account", {**values, **owner})["id"])

    if body.contact_id is not None:
        contact_id = str(get_record(ctx, "contact", body.contact_id)["id"])
    else:
        values = _mapped(ctx, "contact", lead, fields.get("contact", {}))
        values.setdefault("name", lead["name"])
        contact_id = str(create(ctx, "contact", {**values, "account": account_id, **owner})["id"])

    opportunity_id: str | None = None
    if body.opportunity is not None:
        given = body.opportunity.model_dump(exclude_none=True)
        values = _mapped(ctx, "opportunity", lead, fields.get("opportunity", {}))
        opportunity_id = str(
            create(
                ctx,
                "opportunity",
                {**values, **given, "account": account_id, "contact": contact_id, **owner},
            )["id"]
        )

    _move_activities(ctx, lead_id, account_id, contact_id, opportunity_id)
    update_current(
        ctx,
        "lead",
        lead_id,
        {
            "status": "converted",
            "converted_at": ctx.now,
            "converted_account": account_id,
            "converted_contact": contact_id,
            "converted_opportunity": opportunity_id,
        },
    )
    return {"account_id": account_id, "contact_id": contact_id, "opportunity_id": opportunity_id}


def _move_activities(
    ctx: Ctx, lead_id: UUID, account_id: str, contact_id: str, opportunity_id: str | None
) -> None:
    """The lead's activities and tasks now also belong to what it became (the lead link
    stays, so its own timeline keeps them). Written with the system's rights: the person
    converting may not own every call logged on the lead."""
    system = ctx.elevated()
    for name in ("activity", "task"):
        table = ctx.snap.table(name)
        ids = ctx.conn.execute(
            select(table.c.id)
            .where(table.c.lead == lead_id, table.c.deleted_at.is_(None))
            .order_by(table.c.id)
        ).scalars()
        for record_id in list(ids):
            values: dict[str, Any] = {"account": account_id, "contact": contact_id}
            if opportunity_id is not None:
                values["opportunity"] = opportunity_id
            update_current(system, name, record_id, values)


def _str(value: object) -> str | None:
    return None if value is None else str(value)

"""Opportunities (商机): the stage rules every write of a deal follows, and its stage history.

One list of stages serves every pipeline (new business, renewal, upsell): the stages
(``objects.STAGES``) describe how far a deal has come, which does not depend on why it
was opened, and one list keeps the kanban, the forecast and the reports comparable
across pipelines. A pipeline that needs its own stages is a later change (a table of
stages per pipeline checked here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from guanxi.kernel.errors import FieldError, PermissionDenied, ValidationFailed
from guanxi.modules.sales import forecast_repository as repository
from guanxi.modules.sales.objects import STAGES
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.updates import update_current
from guanxi.platform.records.values import plain

# stage → (probability, forecast category) a deal takes on entering it
STAGE_DEFAULTS: dict[str, tuple[Decimal, str]] = {
    stage: (Decimal(probability).quantize(Decimal("0.01")), category)
    for stage, _, _, probability, category in STAGES
}
CLOSED_STAGES = frozenset({"won", "lost"})
SECONDS_PER_DAY = Decimal(86400)


def _amount(value: object) -> Decimal | None:
    if isinstance(value, Mapping):
        amount = value.get("amount")
        return None if amount is None else Decimal(amount)
    return None if value is None else Decimal(str(value))


class OpportunityStageRules:
    """Entering a stage sets the deal's probability and forecast category from the stage
    (unless the same write gives them), stamps ``stage_changed_at``, and for won and lost
    the closing time and the close date; a lost deal needs its reason, a won one its
    amount; winning makes the account an active customer with a last won date."""

    objects = ("opportunity",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update"):
            return
        values = event.values
        stored: Mapping[str, Any] = event.stored or {}
        stage = values.get("stage", stored.get("stage"))
        entering = "stage" in values and (
            event.action == "create" or values["stage"] != stored.get("stage")
        )
        if entering and stage is not None:
            self._enter(ctx, stage, values, stored)
        self._check(stage, values, stored, event.index)

    @staticmethod
    def _enter(ctx: Ctx, stage: str, values: dict[str, Any], stored: Mapping[str, Any]) -> None:
        probability, category = STAGE_DEFAULTS.get(stage, (None, None))
        if "probability" not in values and probability is not None:
            values["probability"] = probability
        if "forecast_category" not in values and category is not None:
            values["forecast_category"] = category
        # Given in the same write (an import of past deals), the times are kept.
        values.setdefault("stage_changed_at", ctx.now)
        if stage in CLOSED_STAGES:
            values.setdefault("closed_at", ctx.now)
            # Once closed, the close date is the day it closed (the forecast and the
            # targets count won deals by it), unless the same write says otherwise.
            values.setdefault("close_date", ctx.now.astimezone(ctx.zone).date())
        elif stored.get("closed_at") is not None:
            values["closed_at"] = None  # reopened

    @staticmethod
    def _check(
        stage: str | None, values: Mapping[str, Any], stored: Mapping[str, Any], index: int | None
    ) -> None:
        def now(name: str) -> Any:
            return values[name] if name in values else stored.get(name)

        errors: list[FieldError] = []
        if stage == "lost" and not now("lost_reason"):
            errors.append(FieldError("lost_reason", "a lost deal needs a reason", "required"))
        if stage == "won" and _amount(now("amount")) is None:
            errors.append(FieldError("amount", "a won deal needs its amount", "required"))
        if errors:
            raise ValidationFailed("; ".join(f"{e.field}: {e.message}" for e in errors), errors)

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update") or event.values.get("stage") != "won":
            return
        account = event.values.get("account", (event.stored or {}).get("account"))
        if account is None:
            return
        account_id = account if isinstance(account, UUID) else UUID(str(account))
        live, last_won = repository.account_last_won(
            ctx.conn, ctx.snap.table("account"), account_id
        )
        if not live:
            return  # the account is in the recycle bin: it keeps what it had
        won_at = event.values.get("closed_at") or ctx.now
        changes: dict[str, Any] = {"status": "active"}
        if last_won is None or won_at > last_won:  # an imported old win moves nothing back
            changes["last_won_at"] = won_at
        # The rep who won the deal may not be allowed to edit the account; the rule is.
        update_current(ctx.elevated(), "account", account_id, changes)


def stage_history(ctx: Ctx, opportunity_id: UUID) -> dict[str, Any]:
    """The stages a deal has been in, oldest first, each with when it entered and left
    it, the days it spent there (to now for the stage it is in) and who moved it there.

    Read from the record's field history; 404 when the deal is missing or not readable
    by the caller (their read scope is part of the statement)."""
    policy = ctx.actor.policy
    if not policy.can("read", "opportunity"):
        raise PermissionDenied("you may not read opportunities")
    if not policy.field_visible("opportunity", "stage"):
        raise PermissionDenied("the stage of opportunities is hidden from you")
    table = ctx.snap.table("opportunity")
    deal = repository.opportunity_origin(
        ctx.conn, table, opportunity_id, policy.read_predicate("opportunity", table)
    )
    changes = repository.stage_changes(ctx.conn, opportunity_id)
    stage_field = ctx.snap.object("opportunity").get_field("stage")
    options = stage_field.opt("options", []) if stage_field is not None else []
    labels = {o["value"]: o["label"] for o in options}
    first = changes[0].old if changes else deal.stage
    spans: list[tuple[Any, datetime, UUID | None]] = [(first, deal.created_at, deal.created_by)]
    spans += [(c.new, c.changed_at, c.changed_by) for c in changes]
    stages = []
    for i, (stage, entered, by) in enumerate(spans):
        left = spans[i + 1][1] if i + 1 < len(spans) else None
        seconds = Decimal(((left or ctx.now) - entered).total_seconds())
        stages.append(
            {
                "stage": stage,
                "label": labels.get(stage, {"en": str(stage), "zh-CN": str(stage)}),
                "entered_at": plain(entered, ctx.zone),
                "left_at": plain(left, ctx.zone),
                "days": float((seconds / SECONDS_PER_DAY).quantize(Decimal("0.1"))),
                "by": plain(by),
            }
        )
    return {"id": str(opportunity_id), "stage": deal.stage, "stages": stages}

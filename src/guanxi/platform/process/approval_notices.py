"""What approvals tell people (kind ``approval``, by each user's preferences, in the
transaction of the action, so a refused action tells nobody): an approver when a decision
becomes theirs, and the submitter when their request is approved, rejected or handed to
another approver. Nobody is told of their own action."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from guanxi.platform.process import notifications
from guanxi.platform.records.context import Ctx

KIND = "approval"
_TO_SUBMITTER = {
    "approved": ("Approved: {name}", "审批已通过:{name}"),
    "rejected": ("Rejected: {name}", "审批被驳回:{name}"),
    "sent_back": ("Sent back a step: {name}", "审批被退回上一步:{name}"),
    "reassigned": ("Approval handed on: {name}", "审批已转交:{name}"),
}


def requested(
    ctx: Ctx,
    request: Any,
    record_name: str | None,
    step_name: Mapping[str, str],
    approvers: Iterable[UUID],
) -> None:
    """Tell ``approvers`` a decision on the request's record awaits them."""
    wanted = [u for u in dict.fromkeys(approvers) if u != ctx.actor.user_id]
    if not wanted:
        return
    name = record_name or str(request.record_id)
    notifications.notify(
        ctx,
        wanted,
        kind=KIND,
        title={"en": f"Approval requested: {name}", "zh-CN": f"待您审批:{name}"},
        body={
            "en": f"Step: {step_name.get('en') or step_name.get('zh-CN', '')}",
            "zh-CN": f"审批步骤:{step_name.get('zh-CN') or step_name.get('en', '')}",
        },
        link=(request.object_name, request.record_id),
    )


def to_submitter(
    ctx: Ctx,
    request: Any,
    record_name: str | None,
    what: str,
    comment: str | None = None,
) -> None:
    """Tell the submitter what became of their request (``what`` a key of the texts)."""
    submitter = request.submitted_by_id
    if submitter is None or submitter == ctx.actor.user_id:
        return
    name = record_name or str(request.record_id)
    en, zh = _TO_SUBMITTER[what]
    notifications.notify(
        ctx,
        [submitter],
        kind=KIND,
        title={"en": en.format(name=name), "zh-CN": zh.format(name=name)},
        body=comment or None,
        link=(request.object_name, request.record_id),
    )

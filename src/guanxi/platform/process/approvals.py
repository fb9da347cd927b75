"""Approval processes (审批流程): a record is submitted, goes through ordered steps of
approvers, and ends approved or rejected; while it is pending nobody may change it.

**Processes** belong to one object, named only through metadata, and are data: an entry
condition (the list view's filter tree), ordered steps — each with its own condition
(a step the record does not meet is skipped), its approvers and how they decide
(``sequential``, ``all``, ``any``) — and the actions that run on submission, final
approval, final rejection and recall (the automation rules' actions). Like automation
rules, a change publishes the next **version** and never edits one: a request stays on
the version it was submitted under. Everything is checked when the process is saved and
every problem comes back at once, each naming its place (``steps[1].approvers[0].id``).
Managing processes takes the ``manage_automation`` right.

**Submitting** decides the request's path once: which steps the record meets and who
approves each (the user, every active holder of a role, the submitter's manager N levels
up, the head of the submitter's department, or the user a field of the record names).
The record is locked from then on (:class:`ApprovalLock`: an update or delete answers
409 naming the approval), so nothing the conditions read can change under the request.

**Self-approval is refused**: the submitter is never one of their own approvers. They
are left out of every step's approvers; a step left with none refuses the submission
(422 naming the step), as does a reassignment to the submitter.

**Deciding.** Each approver's part is a task. ``sequential``: one approver at a time, in
order, each must approve; ``all``: all at once, each must approve; ``any``: all at once,
the first answer decides and the others' tasks are cancelled. A rejection ends the
request (rejected: the record returns to the submitter, unlocked) or, with ``to_step``,
sends it back to an earlier step. The submitter (or an administrator) may recall a
pending request; an approver (or an administrator for them) may reassign their decision
to another user, the trail keeping whom the step named. Every action is one transaction
that first locks the request's row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has
one writer at a time), so two approvers answering an ``any`` step at once: one decides,
the other is told it was decided (409).

Every action, with its comment, its files (:mod:`approval_attachments`), acting user and
the approver it acted for, is written to the trail (``gx_approval_action``), which the
record's timeline shows. A decision that becomes a user's goes to their delegate while
they are away (:mod:`approval_delegations`); approvers are told when a decision becomes
theirs and submitters how their request ended (:mod:`approval_notices`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, literal, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.db import transaction_notes
from guanxi.kernel.errors import (
    MESSAGES,
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_department, gx_role, gx_user, gx_user_role
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.process import approval_attachments, approval_notices
from guanxi.platform.process.approval_delegations import active_user, delegate_of, delegators
from guanxi.platform.process.approval_schemas import (
    ProcessIn,
    ProcessPatch,
    ReassignIn,
    RejectIn,
    SubmitIn,
)
from guanxi.platform.process.automation import check_actions
from guanxi.platform.process.automation_runner import perform
from guanxi.platform.process.tables import (
    gx_approval_action,
    gx_approval_process,
    gx_approval_process_version,
    gx_approval_request,
    gx_approval_task,
)
from guanxi.platform.process.versions import Definitions, check_version, invalid
from guanxi.platform.query.evaluate import RecordMatcher
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records.context import Ctx, current, record_values, require
from guanxi.platform.records.hooks import EVERY_OBJECT, WriteEvent
from guanxi.platform.records.values import plain

RIGHT = "manage_automation"
ACTION_LISTS = ("on_submit", "on_approve", "on_reject", "on_recall")
_CACHE_KEY = "_approval_objects"
_WRITING = "approvals.writing"  # (object, record id) the engine itself is writing now
_USER_FIELDS = ("owner_id", "created_by_id", "updated_by_id")


class ApprovalPending(Conflict):
    """The record awaits approval: it is locked until the request ends (``approval_id``
    names the request)."""

    code = "approval_pending"


MESSAGES["approval_pending"] = {
    "en": "The record is awaiting approval and cannot be changed until the request ends.",
    "zh-CN": "记录正在审批中,审批结束前不能修改。",
}


# -- processes -------------------------------------------------------------------------------
def create_process(ctx: Ctx, body: ProcessIn) -> dict[str, Any]:
    _may_manage(ctx)
    definition = _definition(
        ctx,
        body.object,
        body.entry_condition,
        [s.model_dump(mode="json", exclude_none=True) for s in body.steps],
        {name: _actions(getattr(body, name)) for name in ACTION_LISTS},
    )
    process_id = PROCESSES.create(
        ctx,
        object_name=body.object,
        name=body.name,
        active=body.active,
        position=body.position,
        definition=definition,
    )
    _changed(ctx)
    ctx.audit("approval_process.create", str(process_id), {"object": body.object})
    return get_process(ctx, process_id)


def update_process(
    ctx: Ctx, process_id: UUID, body: ProcessPatch, *, expected_version: int | None
) -> dict[str, Any]:
    """Publish the next version with the parts ``body`` sends (412 if the process moved
    on since the version read, 428 without one); requests under way keep theirs."""
    _may_manage(ctx)
    row = _process_row(ctx, process_id)
    check_version("the approval process", row.version, expected_version or body.version)
    sent = body.model_fields_set - {"version"}
    old = _version(ctx, row.id, row.version)
    definition = _definition(
        ctx,
        row.object_name,
        body.entry_condition if "entry_condition" in sent else old.get("entry_condition"),
        [s.model_dump(mode="json", exclude_none=True) for s in body.steps]
        if body.steps is not None
        else old["steps"],
        {
            name: _actions(getattr(body, name)) if name in sent else old.get(name, [])
            for name in ACTION_LISTS
        },
    )
    PROCESSES.publish(
        ctx, row, {n: getattr(body, n) for n in ("name", "position", "active")}, definition
    )
    _changed(ctx)
    ctx.audit("approval_process.update", str(row.id), {"fields": sorted(sent)})
    return get_process(ctx, row.id)


def delete_process(ctx: Ctx, process_id: UUID) -> None:
    """Delete a process with its versions and finished requests; refused (409) while a
    request of it is pending, whose record it keeps locked."""
    _may_manage(ctx)
    row = _process_row(ctx, process_id)
    pending = ctx.conn.execute(
        select(gx_approval_request.c.id)
        .where(
            gx_approval_request.c.process_id == row.id,
            gx_approval_request.c.state == "pending",
        )
        .limit(1)
    ).scalar()
    if pending is not None:
        raise Conflict(
            "requests of this process are pending: recall or decide them first "
            "(or switch the process off: active false)",
            extra={"approval_id": str(pending)},
        )
    ctx.conn.execute(delete(gx_approval_process).where(gx_approval_process.c.id == row.id))
    _changed(ctx)
    ctx.audit("approval_process.delete", str(row.id), {"object": row.object_name})


def list_processes(ctx: Ctx, object_name: str | None = None) -> list[dict[str, Any]]:
    _may_manage(ctx)
    p = gx_approval_process.c
    stmt = select(gx_approval_process).order_by(p.object_name, p.position, p.created_at)
    if object_name is not None:
        stmt = stmt.where(p.object_name == object_name)
    return [
        PROCESSES.shown(ctx, row, _version(ctx, row.id, row.version))
        for row in ctx.conn.execute(stmt)
    ]


def get_process(ctx: Ctx, process_id: UUID, version: int | None = None) -> dict[str, Any]:
    """The process with its published version (or an earlier ``version``, as it was)."""
    _may_manage(ctx)
    row = _process_row(ctx, process_id)
    return PROCESSES.shown(ctx, row, _version(ctx, row.id, version or row.version), version)


def _actions(actions: list[Any] | None) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json", exclude_none=True) for a in actions or []]


def _definition(
    ctx: Ctx,
    object_name: str,
    entry_condition: dict[str, Any] | None,
    steps: list[dict[str, Any]],
    actions: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """The version's definition once every part is judged; all problems at once."""
    obj = ctx.snap.objects.get(object_name)
    if obj is None or obj.archived:
        raise _invalid([FieldError("object", f"no object named {object_name!r}", "unknown")])
    matcher = RecordMatcher(QueryScope(ctx.snap, obj, ctx.conn.dialect.name), ctx.now)
    errors: list[FieldError] = []
    _check_condition(matcher, entry_condition, "entry_condition", errors)
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        _check_condition(matcher, step.get("condition"), f"{where}.condition", errors)
        for position, approver in enumerate(step["approvers"]):
            _check_approver(ctx, obj, approver, f"{where}.approvers[{position}]", errors)
    for name in ACTION_LISTS:
        check_actions(ctx, obj, actions[name], name, errors)
    if errors:
        raise _invalid(errors)
    return {"entry_condition": entry_condition, "steps": steps, **actions}


def _check_condition(
    matcher: RecordMatcher, condition: Any, where: str, errors: list[FieldError]
) -> None:
    if condition is None:
        return
    try:
        matcher.check(condition)
    except ValidationFailed as error:
        errors += [FieldError(f"{where}.{e.field}", e.message, e.code) for e in error.errors]


def _check_approver(
    ctx: Ctx, obj: ObjectDef, approver: dict[str, Any], where: str, errors: list[FieldError]
) -> None:
    kind = approver["type"]
    if kind == "user":
        found = ctx.conn.execute(
            select(gx_user.c.id).where(
                gx_user.c.id == UUID(str(approver["id"])), gx_user.c.active.is_(True)
            )
        ).first()
        if found is None:
            errors.append(FieldError(f"{where}.id", "no active user with this id", "unknown"))
    elif kind == "role":
        found = ctx.conn.execute(
            select(gx_role.c.id).where(gx_role.c.id == UUID(str(approver["id"])))
        ).first()
        if found is None:
            errors.append(FieldError(f"{where}.id", "no role with this id", "unknown"))
    elif kind == "field":
        name = approver["field"]
        f = obj.get_field(name)
        if name not in _USER_FIELDS and (f is None or f.type != "user"):
            errors.append(
                FieldError(f"{where}.field", f"{obj.name} has no user field {name!r}", "unknown")
            )


# -- submitting ------------------------------------------------------------------------------
def submit(ctx: Ctx, object_name: str, record_id: UUID, body: SubmitIn) -> dict[str, Any]:
    """Submit a record the caller may edit for approval; its path is decided now."""
    obj = ctx.snap.object(object_name)
    require(ctx, "update", obj)
    submitter = ctx.actor.user_id
    if submitter is None:
        raise PermissionDenied("only a user may submit a record for approval")
    row = current(ctx, obj, record_id)  # locked on PostgreSQL: submissions queue here
    pending = _pending_of(ctx, obj.name, record_id)
    if pending is not None:
        raise ApprovalPending(
            f"the record is awaiting approval {pending} already",
            extra={"approval_id": str(pending)},
        )
    process, definition = _process_for(ctx, obj, record_id, body.process_id)
    plan, skipped = _plan(ctx, obj, record_id, row, submitter, definition)
    request_id = uuid7()
    ctx.conn.execute(
        insert(gx_approval_request).values(
            id=request_id,
            process_id=process.id,
            version=process.version,
            object_name=obj.name,
            record_id=record_id,
            state="pending",
            step=plan[0]["step"] if plan else None,
            plan=plan,
            submitted_by_id=submitter,
            submitted_at=ctx.now,
        )
    )
    request = _request_row(ctx, request_id)
    _trail(ctx, request, "submitted", comment=body.comment)
    for index in skipped:
        _trail(ctx, request, "step_skipped", step=index)
    _run(ctx, request, definition, "on_submit")
    if plan:
        _enter(ctx, request, definition, plan[0])
    else:  # no step applies to the record: nobody needs to approve it
        _finish(ctx, request, definition, "approved")
    ctx.audit("approval.submit", str(request_id), {"object": obj.name, "record": str(record_id)})
    return get_request(ctx, request_id)


def _process_for(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, wanted: UUID | None
) -> tuple[Row[Any], dict[str, Any]]:
    p = gx_approval_process.c
    stmt = select(gx_approval_process).where(p.object_name == obj.name, p.active.is_(True))
    if wanted is not None:
        stmt = stmt.where(p.id == wanted)
    rows = ctx.conn.execute(stmt.order_by(p.position, p.created_at, p.id)).all()
    if wanted is not None and not rows:
        raise _invalid(
            [
                FieldError(
                    "process_id", f"no active approval process of {obj.name} has this id", "unknown"
                )
            ]
        )
    for process in rows:
        definition = _version(ctx, process.id, process.version)
        if _meets(ctx, obj, definition.get("entry_condition"), record_id):
            return process, definition
    message = (
        "the record does not meet the process's entry condition"
        if wanted is not None
        else f"no active approval process of {obj.name} applies to this record"
    )
    raise _invalid([FieldError("process_id", message, "invalid")])


def _plan(
    ctx: Ctx,
    obj: ObjectDef,
    record_id: UUID,
    row: Any,
    submitter: UUID,
    definition: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[int]]:
    """The steps the record meets with their approvers, and the indexes of those it
    skips; refused (422 naming each step) where a step has no approver but the
    submitter."""
    record = record_values(obj, row._mapping)
    plan: list[dict[str, Any]] = []
    skipped: list[int] = []
    errors: list[FieldError] = []
    for index, step in enumerate(definition["steps"]):
        if not _meets(ctx, obj, step.get("condition"), record_id):
            skipped.append(index)
            continue
        found = _approvers(ctx, step["approvers"], submitter, record)
        chosen = [u for u in found if u != submitter]
        if not chosen:
            why = (
                "no approver other than the submitter (self-approval is refused)"
                if found
                else "no active approver found for this record and submitter"
            )
            errors.append(FieldError(f"steps[{index}].approvers", why, "no_approver"))
            continue
        plan.append({"step": index, "approvers": [str(u) for u in chosen]})
    if errors:
        raise _invalid(errors)
    return plan, skipped


def _approvers(
    ctx: Ctx, approvers: list[dict[str, Any]], submitter: UUID, record: Mapping[str, Any]
) -> list[UUID]:
    """Active users the approvers name, in order, each once."""
    u = gx_user.c
    found: list[UUID] = []
    for approver in approvers:
        kind = approver["type"]
        ids: list[UUID] = []
        if kind == "user":
            ids = [UUID(str(approver["id"]))]
        elif kind == "manager":
            user: UUID | None = submitter
            for _ in range(approver.get("levels", 1)):
                if user is None:
                    break
                user = ctx.conn.execute(select(u.manager_id).where(u.id == user)).scalar()
            ids = [user] if user is not None else []
        elif kind == "role":
            ids = list(
                ctx.conn.execute(
                    select(gx_user_role.c.user_id)
                    .where(gx_user_role.c.role_id == UUID(str(approver["id"])))
                    .order_by(gx_user_role.c.user_id)
                ).scalars()
            )
        elif kind == "department_head":
            head = ctx.conn.execute(
                select(gx_department.c.head_id)
                .select_from(gx_user.join(gx_department, gx_department.c.id == u.department_id))
                .where(u.id == submitter)
            ).scalar()
            ids = [head] if head is not None else []
        elif kind == "field":
            value = record.get(approver["field"])
            ids = [UUID(str(value))] if value is not None else []
        active = (
            set(ctx.conn.execute(select(u.id).where(u.id.in_(ids), u.active.is_(True))).scalars())
            if ids
            else set()
        )
        found += [i for i in ids if i in active and i not in found]
    return found


def _meets(ctx: Ctx, obj: ObjectDef, condition: Any, record_id: UUID) -> bool:
    """Whether the record as stored now meets ``condition``: one statement on it, so every
    filter the list view knows (lookups, formulas, roll-ups) decides as it does there."""
    if condition is None:
        return True
    table = ctx.snap.table(obj.name)
    scope = QueryScope(ctx.snap, obj, ctx.conn.dialect.name)
    where = FilterCompiler(scope, ctx.now).compile(condition)
    found = ctx.conn.execute(
        select(literal(1)).select_from(table).where(table.c.id == record_id, where)
    ).first()
    return found is not None


# -- deciding --------------------------------------------------------------------------------
def approve(
    ctx: Ctx, request_id: UUID, comment: str | None, attachment_ids: Sequence[UUID] = ()
) -> dict[str, Any]:
    request = _locked(ctx, request_id)
    definition = _version(ctx, request.process_id, request.version)
    task = _own_task(ctx, request)
    files = approval_attachments.attach(ctx, request, attachment_ids)
    _close_task(ctx, task, "approved", comment)
    _trail(
        ctx,
        request,
        "approved",
        step=task.step,
        approver=task.original_approver_id,
        comment=comment,
        files=files,
    )
    mode = definition["steps"][request.step]["mode"]
    t = gx_approval_task.c
    open_tasks = ctx.conn.execute(
        select(gx_approval_task)
        .where(
            t.request_id == request.id, t.step == request.step, t.state.in_(("pending", "waiting"))
        )
        .order_by(t.position)
    ).all()
    if mode == "any":
        _cancel(ctx, request)
        open_tasks = []
    elif mode == "sequential" and open_tasks and open_tasks[0].state == "waiting":
        ctx.conn.execute(
            update(gx_approval_task)
            .where(t.id == open_tasks[0].id)
            .values(state="pending", created_at=ctx.now)
        )
        turn = open_tasks[0]
        _hand_out(ctx, request, definition, [(turn.id, turn.step, turn.approver_id)])
    if not open_tasks:
        _next_step(ctx, request, definition)
    ctx.audit("approval.approve", str(request.id), {"step": task.step})
    return get_request(ctx, request.id)


def reject(ctx: Ctx, request_id: UUID, body: RejectIn) -> dict[str, Any]:
    """End the request rejected, or (``to_step``) send it back to an earlier step."""
    request = _locked(ctx, request_id)
    definition = _version(ctx, request.process_id, request.version)
    task = _own_task(ctx, request)
    back = None
    if body.to_step is not None:
        back = next((s for s in request.plan if s["step"] == body.to_step), None)
        if back is None or body.to_step >= request.step:
            raise _invalid(
                [
                    FieldError(
                        "to_step",
                        "must be an earlier step this request went through "
                        f"(one of {[s['step'] for s in request.plan if s['step'] < request.step]})",
                        "invalid",
                    )
                ]
            )
    files = approval_attachments.attach(ctx, request, body.attachment_ids)
    _close_task(ctx, task, "rejected", body.comment)
    _trail(
        ctx,
        request,
        "rejected",
        step=task.step,
        approver=task.original_approver_id,
        to_step=body.to_step,
        comment=body.comment,
        files=files,
    )
    _cancel(ctx, request)
    if back is None:
        _finish(ctx, request, definition, "rejected", body.comment)
    else:
        name = _record_name(ctx, request.object_name, request.record_id)
        approval_notices.to_submitter(ctx, request, name, "sent_back", body.comment)
        ctx.conn.execute(
            update(gx_approval_request)
            .where(gx_approval_request.c.id == request.id)
            .values(step=back["step"])
        )
        _enter(ctx, _request_row(ctx, request.id), definition, back)
    ctx.audit("approval.reject", str(request.id), {"step": task.step, "to_step": body.to_step})
    return get_request(ctx, request.id)


def recall(
    ctx: Ctx, request_id: UUID, comment: str | None, attachment_ids: Sequence[UUID] = ()
) -> dict[str, Any]:
    """The submitter (or an administrator) takes a pending request back."""
    request = _locked(ctx, request_id)
    if ctx.actor.user_id != request.submitted_by_id and not ctx.actor.is_admin:
        raise PermissionDenied("only the submitter or an administrator may recall a request")
    definition = _version(ctx, request.process_id, request.version)
    files = approval_attachments.attach(ctx, request, attachment_ids)
    _cancel(ctx, request)
    _trail(ctx, request, "recalled", step=request.step, comment=comment, files=files)
    _end(ctx, request, "recalled")
    _run(ctx, request, definition, "on_recall")
    ctx.audit("approval.recall", str(request.id))
    return get_request(ctx, request.id)


def reassign(ctx: Ctx, request_id: UUID, body: ReassignIn) -> dict[str, Any]:
    """Hand one approver's decision in the current step to another user."""
    request = _locked(ctx, request_id)
    me = ctx.actor.user_id
    holder = body.from_ or me
    if holder != me and not ctx.actor.is_admin:
        raise PermissionDenied("only an administrator may reassign another approver's decision")
    t = gx_approval_task.c
    task = ctx.conn.execute(
        select(gx_approval_task).where(
            t.request_id == request.id,
            t.step == request.step,
            t.approver_id == holder,
            t.state.in_(("pending", "waiting")),
        )
    ).first()
    if task is None:
        raise PermissionDenied(
            "the request's current step awaits no decision of "
            + ("yours" if holder == me else "this user")
        )
    errors: list[FieldError] = []
    if not active_user(ctx.conn, body.to):
        errors.append(FieldError("to", "no active user with this id", "unknown"))
    elif body.to == request.submitted_by_id:
        errors.append(FieldError("to", "the submitter may not approve their own request", "self"))
    else:
        taken = ctx.conn.execute(
            select(t.id).where(
                t.request_id == request.id,
                t.step == request.step,
                t.approver_id == body.to,
                t.state.in_(("pending", "waiting")),
            )
        ).first()
        if taken is not None:
            errors.append(FieldError("to", "is an approver of this step already", "duplicate"))
    if errors:
        raise _invalid(errors)
    files = approval_attachments.attach(ctx, request, body.attachment_ids)
    ctx.conn.execute(update(gx_approval_task).where(t.id == task.id).values(approver_id=body.to))
    _trail(
        ctx,
        request,
        "reassigned",
        step=request.step,
        approver=task.original_approver_id,
        to_user=body.to,
        comment=body.comment,
        files=files,
    )
    name = _record_name(ctx, request.object_name, request.record_id)
    if task.state == "pending":
        step = _version(ctx, request.process_id, request.version)["steps"][request.step]
        approval_notices.requested(ctx, request, name, step["name"], [body.to])
    approval_notices.to_submitter(ctx, request, name, "reassigned", body.comment)
    ctx.audit("approval.reassign", str(request.id), {"to": str(body.to)})
    return get_request(ctx, request.id)


def _locked(ctx: Ctx, request_id: UUID) -> Row[Any]:
    """The request's row, locked until the transaction ends (PostgreSQL; SQLite's writers
    take turns anyway): whoever acts on it next sees what this action did."""
    stmt = select(gx_approval_request).where(gx_approval_request.c.id == request_id)
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    request = ctx.conn.execute(stmt).first()
    if request is None or not _may_see(ctx, request):
        raise NotFound(f"no approval request with id {request_id}")
    if request.state != "pending":
        raise Conflict(f"the approval request is {request.state} already")
    return request


def _own_task(ctx: Ctx, request: Row[Any]) -> Row[Any]:
    """The caller's pending task in the request's current step, or one pending for a user
    the caller stands in for (never the submitter's: self-approval is refused)."""
    t = gx_approval_task.c
    mine = ctx.conn.execute(
        select(gx_approval_task)
        .where(
            t.request_id == request.id, t.step == request.step, t.approver_id == ctx.actor.user_id
        )
        .order_by(t.state != "pending", t.position)
    ).first()
    if (mine is None or mine.state != "pending") and ctx.actor.user_id != request.submitted_by_id:
        away = delegators(ctx.conn, ctx.actor.user_id, ctx.now)
        theirs = (
            ctx.conn.execute(
                select(gx_approval_task)
                .where(
                    t.request_id == request.id,
                    t.step == request.step,
                    t.approver_id.in_(away),
                    t.state == "pending",
                )
                .order_by(t.position)
            ).first()
            if away
            else None
        )
        if theirs is not None:
            return theirs
    if mine is None:
        raise PermissionDenied("you are not an approver of the request's current step")
    if mine.state == "waiting":
        raise Conflict("earlier approvers of this step decide first")
    if mine.state != "pending":
        raise Conflict("this step was decided already")
    return mine


def _close_task(ctx: Ctx, task: Row[Any], state: str, comment: str | None) -> None:
    # The acting approver is who decided: a delegate deciding for a user away.
    ctx.conn.execute(
        update(gx_approval_task)
        .where(gx_approval_task.c.id == task.id)
        .values(state=state, acted_at=ctx.now, comment=comment, approver_id=ctx.actor.user_id)
    )


def _cancel(ctx: Ctx, request: Row[Any]) -> None:
    """The open tasks of the request end without a decision."""
    t = gx_approval_task.c
    ctx.conn.execute(
        update(gx_approval_task)
        .where(t.request_id == request.id, t.state.in_(("pending", "waiting")))
        .values(state="cancelled", acted_at=ctx.now)
    )


def _enter(
    ctx: Ctx, request: Row[Any], definition: dict[str, Any], planned: dict[str, Any]
) -> None:
    mode = definition["steps"][planned["step"]]["mode"]
    tasks = [
        {
            "id": uuid7(),
            "request_id": request.id,
            "step": planned["step"],
            "position": position,
            "approver_id": UUID(user),
            "original_approver_id": UUID(user),
            "state": "pending" if mode != "sequential" or position == 0 else "waiting",
            "created_at": ctx.now,
        }
        for position, user in enumerate(planned["approvers"])
    ]
    ctx.conn.execute(insert(gx_approval_task), tasks)
    turns = [(x["id"], x["step"], x["approver_id"]) for x in tasks if x["state"] == "pending"]
    _hand_out(ctx, request, definition, turns)


def _hand_out(
    ctx: Ctx,
    request: Row[Any],
    definition: dict[str, Any],
    turns: Sequence[tuple[UUID, int, UUID]],
) -> None:
    """Decisions (task id, step, approver) that just became their approvers': each goes
    to the approver's delegate while they are away (never to the submitter), and whoever
    has it is told."""
    told: list[UUID] = []
    for task_id, step, approver in turns:
        delegate = delegate_of(ctx.conn, approver, ctx.now)
        if delegate is not None and delegate != request.submitted_by_id:
            ctx.conn.execute(
                update(gx_approval_task)
                .where(gx_approval_task.c.id == task_id)
                .values(approver_id=delegate)
            )
            _trail(ctx, request, "delegated", step=step, approver=approver, to_user=delegate)
            approver = delegate
        told.append(approver)
    if told:
        step_name = definition["steps"][turns[0][1]]["name"]
        name = _record_name(ctx, request.object_name, request.record_id)
        approval_notices.requested(ctx, request, name, step_name, told)


def _next_step(ctx: Ctx, request: Row[Any], definition: dict[str, Any]) -> None:
    following = [s for s in request.plan if s["step"] > request.step]
    if not following:
        _finish(ctx, request, definition, "approved")
        return
    ctx.conn.execute(
        update(gx_approval_request)
        .where(gx_approval_request.c.id == request.id)
        .values(step=following[0]["step"])
    )
    _enter(ctx, _request_row(ctx, request.id), definition, following[0])


def _finish(
    ctx: Ctx,
    request: Row[Any],
    definition: dict[str, Any],
    state: str,
    comment: str | None = None,
) -> None:
    _end(ctx, request, state)
    _trail(ctx, request, f"request_{state}")
    _run(ctx, request, definition, "on_approve" if state == "approved" else "on_reject")
    name = _record_name(ctx, request.object_name, request.record_id)
    approval_notices.to_submitter(ctx, request, name, state, comment)


def _end(ctx: Ctx, request: Row[Any], state: str) -> None:
    ctx.conn.execute(
        update(gx_approval_request)
        .where(gx_approval_request.c.id == request.id)
        .values(state=state, decided_at=ctx.now)
    )


def _run(ctx: Ctx, request: Row[Any], definition: dict[str, Any], which: str) -> None:
    """The process's actions for this moment, on the record as it is now; the lock lets
    them write it."""
    actions = definition.get(which) or []
    if not actions:
        return
    obj = ctx.snap.object(request.object_name)
    table = ctx.snap.table(obj.name)
    row = ctx.conn.execute(select(table).where(table.c.id == request.record_id)).first()
    if row is None:
        return
    with engine_writes(ctx, obj.name, request.record_id):
        perform(
            ctx,
            obj.name,
            request.process_id,
            request.record_id,
            record_values(obj, row._mapping),
            actions,
        )


@contextmanager
def engine_writes(ctx: Ctx, object_name: str, record_id: UUID) -> Iterator[None]:
    """Within this block the approval engine's own writes pass the record's lock."""
    notes = transaction_notes(ctx.conn)
    scratch = notes.scratch if notes is not None else ctx.conn.info
    writing: set[tuple[str, UUID]] = scratch.setdefault(_WRITING, set())
    key = (object_name, record_id)
    added = key not in writing
    writing.add(key)
    try:
        yield
    finally:
        if added:
            writing.discard(key)


def _trail(
    ctx: Ctx,
    request: Row[Any],
    action: str,
    *,
    step: int | None = None,
    approver: UUID | None = None,
    to_user: UUID | None = None,
    to_step: int | None = None,
    comment: str | None = None,
    files: Sequence[approval_attachments.Attached] = (),
) -> None:
    action_id = ctx.conn.execute(
        insert(gx_approval_action)
        .values(
            request_id=request.id,
            object_name=request.object_name,
            record_id=request.record_id,
            action=action,
            step=step,
            actor_id=ctx.actor.user_id,
            approver_id=approver,
            to_user_id=to_user,
            to_step=to_step,
            comment=comment,
            at=ctx.now,
        )
        .returning(gx_approval_action.c.id)
    ).scalar_one()
    approval_attachments.keep(ctx, action_id, files)


# -- reading ---------------------------------------------------------------------------------
def get_request(ctx: Ctx, request_id: UUID) -> dict[str, Any]:
    """A request with its steps, tasks and trail: for its submitter, anyone it asked to
    decide, administrators and those who manage processes."""
    request = ctx.conn.execute(
        select(gx_approval_request).where(gx_approval_request.c.id == request_id)
    ).first()
    if request is None or not _may_see(ctx, request):
        raise NotFound(f"no approval request with id {request_id}")
    return _request_shown(ctx, request)


def latest_request(ctx: Ctx, object_name: str, record_id: UUID) -> dict[str, Any]:
    """The record's latest request (the pending one, if any), for whoever may read it."""
    obj = ctx.snap.object(object_name)
    require(ctx, "read", obj)
    table = ctx.snap.table(obj.name)
    readable = ctx.conn.execute(
        select(table.c.id).where(
            table.c.id == record_id, ctx.actor.policy.read_predicate(obj.name, table)
        )
    ).first()
    r = gx_approval_request.c
    request = (
        ctx.conn.execute(
            select(gx_approval_request)
            .where(r.object_name == obj.name, r.record_id == record_id)
            .order_by(r.submitted_at.desc(), r.id.desc())
            .limit(1)
        ).first()
        if readable is not None
        else None
    )
    if request is None:
        raise NotFound(f"the {obj.name} record has no approval request")
    return _request_shown(ctx, request)


def inbox(ctx: Ctx) -> list[dict[str, Any]]:
    """The decisions awaiting the caller, oldest first, with those waiting for users the
    caller stands in for (``on_behalf_of``)."""
    t, r = gx_approval_task.c, gx_approval_request.c
    me = ctx.actor.user_id
    holders = [me, *delegators(ctx.conn, me, ctx.now)]
    rows = ctx.conn.execute(
        select(
            gx_approval_task,
            gx_approval_request.c.object_name,
            r.record_id,
            r.process_id,
            r.version,
            r.submitted_by_id,
            r.submitted_at,
        )
        .select_from(gx_approval_task.join(gx_approval_request, r.id == t.request_id))
        .where(
            t.approver_id.in_(holders),
            t.state == "pending",
            r.state == "pending",
            # a delegate never decides a request they submitted
            (t.approver_id == me) | r.submitted_by_id.is_distinct_from(me),
        )
        .order_by(t.created_at, t.id)
    ).all()
    names = _user_names(
        ctx,
        {
            x
            for row in rows
            for x in (row.submitted_by_id, row.original_approver_id, row.approver_id)
        },
    )
    out = []
    definitions: dict[tuple[UUID, int], dict[str, Any]] = {}
    for row in rows:
        key = (row.process_id, row.version)
        if key not in definitions:
            definitions[key] = _version(ctx, row.process_id, row.version)
        step = definitions[key]["steps"][row.step]
        out.append(
            {
                "id": str(row.request_id),
                "task_id": str(row.id),
                "object": row.object_name,
                "object_label": _object_label(ctx, row.object_name),
                "record": {
                    "id": str(row.record_id),
                    "name": _record_name(ctx, row.object_name, row.record_id),
                },
                "process_id": str(row.process_id),
                "step": {"index": row.step, "name": step["name"], "mode": step["mode"]},
                "submitted_by": _person(row.submitted_by_id, names),
                "submitted_at": plain(row.submitted_at, ctx.zone),
                "waiting_since": plain(row.created_at, ctx.zone),
                "original_approver": _person(row.original_approver_id, names),
                "on_behalf_of": None if row.approver_id == me else _person(row.approver_id, names),
            }
        )
    return out


SUBMITTED_SHOWN = 50


def submitted(ctx: Ctx) -> list[dict[str, Any]]:
    """The caller's own requests, newest first (the latest ``SUBMITTED_SHOWN``): what the
    submitter follows and may recall, each with who holds it now."""
    r, t = gx_approval_request.c, gx_approval_task.c
    requests = ctx.conn.execute(
        select(gx_approval_request)
        .where(r.submitted_by_id == ctx.actor.user_id)
        .order_by(r.submitted_at.desc(), r.id.desc())
        .limit(SUBMITTED_SHOWN)
    ).all()
    pending = [q.id for q in requests if q.state == "pending"]
    holders: dict[UUID, list[UUID]] = {}
    if pending:
        for task in ctx.conn.execute(
            select(t.request_id, t.approver_id)
            .where(t.request_id.in_(pending), t.state == "pending")
            .order_by(t.request_id, t.position)
        ):
            holders.setdefault(task.request_id, []).append(task.approver_id)
    names = _user_names(
        ctx,
        {ctx.actor.user_id} | {u for users in holders.values() for u in users},
    )
    by_object: dict[str, list[UUID]] = {}
    for request in requests:
        by_object.setdefault(request.object_name, []).append(request.record_id)
    record_names = {
        (name, record_id): found
        for name, ids in by_object.items()
        for record_id, found in _record_names(ctx, name, ids).items()
    }
    definitions: dict[tuple[UUID, int], dict[str, Any]] = {}
    out = []
    for request in requests:
        key = (request.process_id, request.version)
        if key not in definitions:
            definitions[key] = _version(ctx, request.process_id, request.version)
        step = (
            definitions[key]["steps"][request.step]
            if request.state == "pending" and request.step is not None
            else None
        )
        out.append(
            {
                "id": str(request.id),
                "object": request.object_name,
                "object_label": _object_label(ctx, request.object_name),
                "record": {
                    "id": str(request.record_id),
                    "name": record_names.get((request.object_name, request.record_id)),
                },
                "process_id": str(request.process_id),
                "state": request.state,
                "step": None
                if step is None
                else {"index": request.step, "name": step["name"], "mode": step["mode"]},
                "approvers": [_person(u, names) for u in holders.get(request.id, [])],
                "submitted_by": _person(request.submitted_by_id, names),
                "submitted_at": plain(request.submitted_at, ctx.zone),
                "decided_at": plain(request.decided_at, ctx.zone),
            }
        )
    return out


def submittable(ctx: Ctx, object_name: str, record_id: UUID) -> list[dict[str, Any]]:
    """The active processes a record the caller may edit could be submitted to now (their
    entry condition met), in the order a submission tries them; none while a request of
    it is pending, or for a caller who may not edit it."""
    obj = ctx.snap.object(object_name)
    require(ctx, "read", obj)
    if not (ctx.actor.can_write and ctx.actor.policy.can("update", obj.name)):
        return []
    if ctx.actor.user_id is None:  # only a user submits
        return []
    table = ctx.snap.table(obj.name)
    editable = ctx.conn.execute(
        select(table.c.id).where(
            table.c.id == record_id, ctx.actor.policy.edit_predicate(obj.name, table)
        )
    ).first()
    if editable is None or _pending_of(ctx, obj.name, record_id) is not None:
        return []
    p = gx_approval_process.c
    rows = ctx.conn.execute(
        select(gx_approval_process)
        .where(p.object_name == obj.name, p.active.is_(True))
        .order_by(p.position, p.created_at, p.id)
    ).all()
    return [
        {"id": str(row.id), "name": row.name}
        for row in rows
        if _meets(ctx, obj, _version(ctx, row.id, row.version).get("entry_condition"), record_id)
    ]


def trail_entries(ctx: Ctx, rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """Trail rows as the timeline and the request show them (without ``at``/``actor``,
    which the caller adds)."""
    names = _user_names(ctx, {x for row in rows for x in (row.approver_id, row.to_user_id) if x})
    files = approval_attachments.of_entries(ctx, [row.id for row in rows])
    steps: dict[UUID, list[dict[str, Any]]] = {}
    out = []
    for row in rows:
        if row.request_id not in steps:
            found = ctx.conn.execute(
                select(gx_approval_request.c.process_id, gx_approval_request.c.version).where(
                    gx_approval_request.c.id == row.request_id
                )
            ).first()
            steps[row.request_id] = (
                _version(ctx, found.process_id, found.version)["steps"] if found else []
            )
        entry: dict[str, Any] = {
            "action": row.action,
            "approval_id": str(row.request_id),
            "comment": row.comment,
        }
        if row.step is not None:
            entry["step"] = {"index": row.step, "name": steps[row.request_id][row.step]["name"]}
        if row.approver_id is not None:
            entry["original_approver"] = _person(row.approver_id, names)
        if row.to_user_id is not None:
            entry["to_user"] = _person(row.to_user_id, names)
        if row.to_step is not None:
            entry["to_step"] = row.to_step
        if row.id in files:
            entry["attachments"] = files[row.id]
        out.append(entry)
    return out


def _request_shown(ctx: Ctx, request: Row[Any]) -> dict[str, Any]:
    definition = _version(ctx, request.process_id, request.version)
    t, a = gx_approval_task.c, gx_approval_action.c
    tasks = ctx.conn.execute(
        select(gx_approval_task)
        .where(t.request_id == request.id)
        .order_by(t.step, t.created_at, t.position)
    ).all()
    actions = ctx.conn.execute(
        select(gx_approval_action).where(a.request_id == request.id).order_by(a.id)
    ).all()
    names = _user_names(
        ctx,
        {request.submitted_by_id}
        | {x for task in tasks for x in (task.approver_id, task.original_approver_id)}
        | {x.actor_id for x in actions if x.actor_id},
    )
    trail = [
        {**entry, "at": plain(row.at, ctx.zone), "actor": _person(row.actor_id, names)}
        for row, entry in zip(actions, trail_entries(ctx, list(actions)), strict=True)
    ]
    return {
        "id": str(request.id),
        "process_id": str(request.process_id),
        "version": request.version,
        "object": request.object_name,
        "object_label": _object_label(ctx, request.object_name),
        "record_id": str(request.record_id),
        "record_name": _record_name(ctx, request.object_name, request.record_id),
        "state": request.state,
        "step": request.step,
        "steps": [
            {
                "index": planned["step"],
                "name": definition["steps"][planned["step"]]["name"],
                "mode": definition["steps"][planned["step"]]["mode"],
                "approvers": [_person(UUID(u), names) for u in planned["approvers"]],
            }
            for planned in request.plan
        ],
        "tasks": [
            {
                "id": str(task.id),
                "step": task.step,
                "approver": _person(task.approver_id, names),
                "original_approver": _person(task.original_approver_id, names),
                "state": task.state,
                "comment": task.comment,
                "acted_at": plain(task.acted_at, ctx.zone),
            }
            for task in tasks
        ],
        "submitted_by": _person(request.submitted_by_id, names),
        "submitted_at": plain(request.submitted_at, ctx.zone),
        "decided_at": plain(request.decided_at, ctx.zone),
        "trail": trail,
    }


def _may_see(ctx: Ctx, request: Row[Any]) -> bool:
    """The submitter, anyone the request names as an approver (now or in its plan) or
    acted for, administrators and those who manage processes."""
    me = ctx.actor.user_id
    if ctx.actor.is_admin or ctx.actor.has_right(RIGHT) or me == request.submitted_by_id:
        return True
    if any(str(me) in planned["approvers"] for planned in request.plan):
        return True  # a later step's approver sees what is coming
    t = gx_approval_task.c
    found = ctx.conn.execute(
        select(t.id)
        .where(
            t.request_id == request.id,
            (t.approver_id == me) | (t.original_approver_id == me),
        )
        .limit(1)
    ).first()
    if found is not None:
        return True
    away = delegators(ctx.conn, me, ctx.now)  # a delegate sees what waits for those away
    return bool(away) and (
        ctx.conn.execute(
            select(t.id)
            .where(t.request_id == request.id, t.approver_id.in_(away), t.state == "pending")
            .limit(1)
        ).first()
        is not None
    )


def _record_name(ctx: Ctx, object_name: str, record_id: UUID) -> str | None:
    """What an approver is asked to decide on, named (they need not read the record
    otherwise)."""
    obj = ctx.snap.objects.get(object_name)
    if obj is None or not obj.name_field:
        return None
    table = ctx.snap.table(obj.name)
    if obj.name_field not in table.c:
        return None
    name = ctx.conn.execute(select(table.c[obj.name_field]).where(table.c.id == record_id)).scalar()
    return None if name is None else str(name)


def _object_label(ctx: Ctx, object_name: str) -> dict[str, str] | None:
    """The object's label, for approvers who may not read the object (its metadata is
    not theirs to list)."""
    obj = ctx.snap.objects.get(object_name)
    return None if obj is None else dict(obj.label)


def _record_names(ctx: Ctx, object_name: str, record_ids: list[UUID]) -> dict[UUID, str | None]:
    """The names of several records of one object, in one statement."""
    obj = ctx.snap.objects.get(object_name)
    if obj is None or not obj.name_field:
        return {}
    table = ctx.snap.table(obj.name)
    if obj.name_field not in table.c:
        return {}
    rows = ctx.conn.execute(
        select(table.c.id, table.c[obj.name_field]).where(table.c.id.in_(record_ids))
    )
    return {row[0]: None if row[1] is None else str(row[1]) for row in rows}


def _person(user_id: UUID | None, names: Mapping[UUID, str]) -> dict[str, Any] | None:
    return None if user_id is None else {"id": str(user_id), "name": names.get(user_id)}


def _user_names(ctx: Ctx, ids: set[UUID | None]) -> dict[UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = ctx.conn.execute(select(gx_user.c.id, gx_user.c.name).where(gx_user.c.id.in_(wanted)))
    return {r.id: r.name for r in rows}


def _pending_of(ctx: Ctx, object_name: str, record_id: UUID) -> UUID | None:
    r = gx_approval_request.c
    found: UUID | None = ctx.conn.execute(
        select(r.id).where(
            r.object_name == object_name, r.record_id == record_id, r.state == "pending"
        )
    ).scalar()
    return found


# -- the record's lock -----------------------------------------------------------------------
class ApprovalLock:
    """The write hook that keeps a record awaiting approval as it was submitted: an update
    or delete of it (a cascade's included) is refused with 409 naming the request, except
    the approval engine's own actions."""

    objects = (EVERY_OBJECT,)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("update", "delete", "purge") or event.record_id is None:
            return
        if event.object not in _objects_with_processes(ctx):
            return
        notes = transaction_notes(ctx.conn)
        scratch = notes.scratch if notes is not None else ctx.conn.info
        if (event.object, event.record_id) in scratch.get(_WRITING, ()):
            return
        pending = _pending_of(ctx, event.object, event.record_id)
        if pending is not None:
            raise ApprovalPending(
                f"the {event.object} record is awaiting approval ({pending}): it cannot be "
                "changed until the request is approved, rejected or recalled",
                extra={"approval_id": str(pending)},
            )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None


def _objects_with_processes(ctx: Ctx) -> frozenset[str]:
    """Objects with any approval process (active or not: its requests may be pending),
    read once per metadata snapshot; every other write skips the lock's query."""
    cached: frozenset[str] | None = ctx.snap.__dict__.get(_CACHE_KEY)
    if cached is None:
        cached = frozenset(
            ctx.conn.execute(select(gx_approval_process.c.object_name).distinct()).scalars()
        )
        ctx.snap.__dict__[_CACHE_KEY] = cached
    return cached


# -- storage ---------------------------------------------------------------------------------
PROCESSES = Definitions(
    "the approval process", gx_approval_process, gx_approval_process_version, "process_id"
)


def _version(ctx: Ctx, process_id: UUID, version: int) -> dict[str, Any]:
    return PROCESSES.definition(ctx, process_id, version)


def _process_row(ctx: Ctx, process_id: UUID) -> Row[Any]:
    return PROCESSES.row(ctx, process_id)


def _request_row(ctx: Ctx, request_id: UUID) -> Row[Any]:
    return ctx.conn.execute(
        select(gx_approval_request).where(gx_approval_request.c.id == request_id)
    ).one()


def _changed(ctx: Ctx) -> None:
    # Every process re-reads which objects have processes on its next request.
    bump_version(ctx.conn)
    ctx.snap.__dict__.pop(_CACHE_KEY, None)


_invalid = invalid


def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing approval processes needs the {RIGHT} right")

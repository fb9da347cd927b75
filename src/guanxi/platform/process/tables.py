"""System tables of the process engine: the outbox, assignment rules and their rotation
state, business calendars, SLA policies and the SLA clocks of records, scheduled jobs'
runs and timers, webhooks, automation rules and their runs."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, TokenList, UtcDateTime

# The outbox (platform.process.outbox): what is to follow committed writes, one row per
# message to one handler, written in the transaction of the write it follows, so a
# rolled-back write leaves none. The search index's handler ("search") keeps its rows
# until the indexer drains them in the database; the others' are delivered after commit,
# claimed for a lease, retried with back-off, kept once done (the visible log, swept after
# a while) or marked dead after the last attempt.
gx_outbox = Table(
    "gx_outbox",
    system_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("handler", String(63), nullable=False),
    Column("object_name", String(63), nullable=False),
    Column("record_ids", TokenList(), nullable=False),
    Column("payload", JsonType, nullable=True),
    # Whom the message is for within its handler (a webhook subscription): its log.
    Column("target_id", Uuid(), nullable=True),
    # The idempotency key receivers see on every attempt of one message.
    Column("key", Uuid(), nullable=True),
    Column("state", String(8), nullable=False, server_default="pending"),  # pending|done|dead
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=True),
    Column("due_at", UtcDateTime, nullable=True),  # null: at once
    Column("done_at", UtcDateTime, nullable=True),
    Column("error", Text, nullable=True),  # the last failure
    Column("result", Text, nullable=True),  # what the delivery answered (an HTTP status)
    Index("ix_gx_outbox_handler", "handler", "state", "id"),
    Index("ix_gx_outbox_target", "target_id", "id"),
    # Nothing reads a new row's id: no RETURNING on PostgreSQL for it.
    implicit_returning=False,
)

# Webhook subscriptions (platform.process.webhooks): JSON of one object's events, signed
# with ``secret`` (HMAC-SHA256; kept to sign, shown once when made). ``failures`` counts
# failed attempts since the last success; at the limit the subscription is switched off.
gx_webhook = Table(
    "gx_webhook",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("url", Text, nullable=False),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_webhook_object"),
        nullable=False,
    ),
    Column("events", JsonType, nullable=False),  # ["created", "updated", …]
    Column("description", Text, nullable=True),
    Column("secret", String(80), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
)

# Assignment rules (platform.process.assignment): who becomes the owner of a record of one
# object, by round-robin, fewest open records or criteria. ``definition`` holds
# {"members", "open_condition", "criteria", "fallback"} as the API shows them.
gx_assignment_rule = Table(
    "gx_assignment_rule",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_assignment_rule_object"),
        nullable=False,
    ),
    Column("name", JsonType, nullable=False),  # {"en": …, "zh-CN": …}
    Column("strategy", String(16), nullable=False),  # round_robin | load_balanced | criteria
    Column("definition", JsonType, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
    Index("ix_gx_assignment_rule_object", "object_name"),
)

# One row per rule, made with it: the last member each of its pools (``"members"``,
# ``"criteria.0"``, …, ``"fallback"``) gave a record to. An assignment locks the row
# (SELECT … FOR UPDATE on PostgreSQL; SQLite's write transactions are serial already), so
# concurrent arrivals on one rule take their turns one after another.
gx_assignment_state = Table(
    "gx_assignment_state",
    system_metadata,
    Column(
        "rule_id",
        Uuid(),
        ForeignKey("gx_assignment_rule.id", ondelete="CASCADE", name="fk_gx_assignment_state_rule"),
        primary_key=True,
    ),
    Column("last_assigned", JsonType, nullable=False),  # {pool: user id}
    Column("assigned_count", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Business calendars (platform.process.calendars): working ranges per weekday in an IANA
# zone; ``working_hours`` is {"mon": [{"start": "09:00", "end": "12:00"}, …], …} as the API
# shows it. At most one is the default, used by SLA policies that name none. ``version``
# moves with every change, its days' included.
gx_calendar = Table(
    "gx_calendar",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", JsonType, nullable=False),  # {"en": …, "zh-CN": …}
    Column("time_zone", String(64), nullable=False),
    Column("working_hours", JsonType, nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
)

# A calendar's exceptional dates: ``holiday`` (no working time) or ``workday`` (a make-up
# working day, 调休, worked with the normal weekday ranges); ``source`` says whether it
# came from the holidays package or was entered by hand.
gx_calendar_day = Table(
    "gx_calendar_day",
    system_metadata,
    Column(
        "calendar_id",
        Uuid(),
        ForeignKey("gx_calendar.id", ondelete="CASCADE", name="fk_gx_calendar_day_calendar"),
        nullable=False,
    ),
    Column("day", Date, nullable=False),
    Column("kind", String(8), nullable=False),  # holiday | workday
    Column("name", JsonType, nullable=True),
    Column("source", String(8), nullable=False),  # package | manual
    PrimaryKeyConstraint("calendar_id", "day", name="pk_gx_calendar_day"),
)

# SLA policies (platform.process.sla_policies): which records of an object they time
# (``condition``, a filter tree), on which calendar (None: the default one), with
# ``definition`` holding targets, statuses, warning and breach actions as the API shows
# them. The first active policy by ``position`` that a record meets times it.
gx_sla_policy = Table(
    "gx_sla_policy",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_sla_policy_object"),
        nullable=False,
    ),
    Column("name", JsonType, nullable=False),
    Column(
        "calendar_id",
        Uuid(),
        ForeignKey("gx_calendar.id", name="fk_gx_sla_policy_calendar"),
        nullable=True,
    ),
    Column("condition", JsonType, nullable=True),
    Column("definition", JsonType, nullable=False),
    Column("position", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
    Index("ix_gx_sla_policy_object", "object_name"),
)

# One clock per record and metric (first_response, resolution). The clock keeps its start
# and every pause as instants (``pauses``: [[from, to | null], …]), so due times are
# worked out again from the original start when the target, policy or calendar changes
# (ADR 0028). ``due_at`` and ``warn_at`` are null while paused; ``warned_at`` and
# ``breached_at`` record when the warning and the breach came due; ``escalation`` holds
# the policy's breach actions, copied at the breach, for the rule engine to carry out.
gx_sla_clock = Table(
    "gx_sla_clock",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("metric", String(16), nullable=False),
    Column(
        "policy_id",
        Uuid(),
        ForeignKey("gx_sla_policy.id", ondelete="CASCADE", name="fk_gx_sla_clock_policy"),
        nullable=False,
    ),
    Column("target_minutes", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("pauses", JsonType, nullable=False),
    Column("paused_since", UtcDateTime, nullable=True),
    Column("due_at", UtcDateTime, nullable=True),
    Column("warn_at", UtcDateTime, nullable=True),
    Column("met_at", UtcDateTime, nullable=True),
    Column("warned_at", UtcDateTime, nullable=True),
    Column("breached_at", UtcDateTime, nullable=True),
    Column("escalation", JsonType, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("object_name", "record_id", "metric", name="uq_gx_sla_clock_record"),
    Index("ix_gx_sla_clock_policy", "policy_id"),
    Index("ix_gx_sla_clock_due", "due_at"),
    Index("ix_gx_sla_clock_warn", "warn_at"),
)

# Automation rules (platform.process.automation): a rule names its object and the number
# of its published version; each version's trigger, condition and actions are a row of
# gx_automation_version, never changed once written, so a run names what it ran.
gx_automation_rule = Table(
    "gx_automation_rule",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_automation_rule_object"),
        nullable=False,
    ),
    Column("name", JsonType, nullable=False),  # {"en": …, "zh-CN": …}
    Column("active", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    Column("version", Integer, nullable=False),  # the published version
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
    Index("ix_gx_automation_rule_object", "object_name"),
)

gx_automation_version = Table(
    "gx_automation_version",
    system_metadata,
    Column(
        "rule_id",
        Uuid(),
        ForeignKey(
            "gx_automation_rule.id", ondelete="CASCADE", name="fk_gx_automation_version_rule"
        ),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    # {"trigger", "condition", "run_when", "actions"} as the API shows them
    Column("definition", JsonType, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    PrimaryKeyConstraint("rule_id", "version", name="pk_gx_automation_version"),
)

# One row per time a rule ran for a record: the version, what set it off, each action's
# outcome. ``slot`` is the date or time a date or cron trigger fired for, unique per rule
# and record, so a sweep that runs twice (two workers, a retry) runs the rule once.
gx_automation_run = Table(
    "gx_automation_run",
    system_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "rule_id",
        Uuid(),
        ForeignKey("gx_automation_rule.id", ondelete="CASCADE", name="fk_gx_automation_run_rule"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=True),
    Column("trigger", String(16), nullable=False),  # created, updated, …, date, cron
    Column("slot", String(40), nullable=True),
    Column("status", String(16), nullable=False),  # succeeded | failed
    Column("outcomes", JsonType, nullable=False),  # [{"action", "type", "status", …}]
    Column("error", Text, nullable=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("actor_id", Uuid(), nullable=True),  # whose write set it off
    Index("ix_gx_automation_run_rule", "rule_id", "id"),
    Index("ux_gx_automation_run_slot", "rule_id", "record_id", "slot", unique=True),
)

# One row per scheduled job and time slot it was due at (platform.process.jobs): the
# scheduler that inserts it first runs the slot, so several workers run it once (the
# primary key). ``outcome``: queued (claimed, handed to the queue), ok, error, or skipped
# (the first slot a new installation saw: jobs start at their next time); ``detail`` holds
# the job's result or the error.
gx_job_run = Table(
    "gx_job_run",
    system_metadata,
    Column("job", String(63), nullable=False),
    Column("slot_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("outcome", String(8), nullable=False),
    Column("detail", Text, nullable=True),
    PrimaryKeyConstraint("job", "slot_at", name="pk_gx_job_run"),
)

# Timers (platform.process.timers): ``handler`` runs with ``payload`` once ``due_at`` (an
# absolute instant) has passed. Armed in the caller's transaction, so a rolled-back write
# arms nothing; (handler, key) names a timer, so arming it again moves it. ``run_at`` is
# when the pump next takes it: ``due_at``, later after a failure (back-off). ``state``:
# pending, fired or failed (gave up after the last attempt).
gx_timer = Table(
    "gx_timer",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("handler", String(63), nullable=False),
    Column("key", String(255), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("run_at", UtcDateTime, nullable=False),
    Column("payload", JsonType, nullable=False),
    Column("state", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("armed_at", UtcDateTime, nullable=False),
    Column("fired_at", UtcDateTime, nullable=True),
    UniqueConstraint("handler", "key", name="uq_gx_timer_key"),
    Index("ix_gx_timer_run", "state", "run_at"),
)

# Approval processes (platform.process.approvals): a process of one object, its published
# versions ({"entry_condition", "steps", "on_submit", "on_approve", "on_reject",
# "on_recall"} as the API shows them) never edited, so a request stays on the version it
# was submitted under.
gx_approval_process = Table(
    "gx_approval_process",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_approval_process_object"),
        nullable=False,
    ),
    Column("name", JsonType, nullable=False),  # {"en": …, "zh-CN": …}
    Column("active", Boolean, nullable=False),
    Column("position", Integer, nullable=False),  # which process a submission tries first
    Column("version", Integer, nullable=False),  # the published version
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
    Index("ix_gx_approval_process_object", "object_name"),
)

gx_approval_process_version = Table(
    "gx_approval_process_version",
    system_metadata,
    Column(
        "process_id",
        Uuid(),
        ForeignKey(
            "gx_approval_process.id",
            ondelete="CASCADE",
            name="fk_gx_approval_process_version_process",
        ),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("definition", JsonType, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    PrimaryKeyConstraint("process_id", "version", name="pk_gx_approval_process_version"),
)

# One submission of one record. ``plan`` is what the submission decided once, the record
# being locked from then on: [{"step", "approvers": [user ids]}] for the steps whose
# condition the record met, in order; ``step`` the index (in the process's steps) of the
# one now deciding. At most one pending request per record (the partial unique index).
gx_approval_request = Table(
    "gx_approval_request",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "process_id",
        Uuid(),
        ForeignKey(
            "gx_approval_process.id", ondelete="CASCADE", name="fk_gx_approval_request_process"
        ),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("state", String(12), nullable=False),  # pending|approved|rejected|recalled
    Column("step", Integer, nullable=True),
    Column("plan", JsonType, nullable=False),
    Column("submitted_by_id", Uuid(), nullable=True),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime, nullable=True),
    Index("ix_gx_approval_request_record", "object_name", "record_id"),
    Index(
        "ux_gx_approval_request_pending",
        "object_name",
        "record_id",
        unique=True,
        sqlite_where=text("state = 'pending'"),
        postgresql_where=text("state = 'pending'"),
    ),
)

# One approver's part in one step: ``approver_id`` acts (after a reassignment, the
# delegate), ``original_approver_id`` is whom the step named. ``position`` orders a
# sequential step's approvers. state: waiting (a sequential step's later approvers) |
# pending | approved | rejected | cancelled (the step ended without them).
gx_approval_task = Table(
    "gx_approval_task",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "request_id",
        Uuid(),
        ForeignKey(
            "gx_approval_request.id", ondelete="CASCADE", name="fk_gx_approval_task_request"
        ),
        nullable=False,
    ),
    Column("step", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("approver_id", Uuid(), nullable=False),
    Column("original_approver_id", Uuid(), nullable=False),
    Column("state", String(12), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("acted_at", UtcDateTime, nullable=True),
    Column("comment", Text, nullable=True),
    Index("ix_gx_approval_task_request", "request_id", "step", "position"),
    Index("ix_gx_approval_task_inbox", "approver_id", "state"),
)

# The trail: every submission, approval, rejection, reassignment, recall and skipped step,
# with who acted, for whom (the original approver) and the comment; the record's
# timeline shows it.
gx_approval_action = Table(
    "gx_approval_action",
    system_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "request_id",
        Uuid(),
        ForeignKey(
            "gx_approval_request.id", ondelete="CASCADE", name="fk_gx_approval_action_request"
        ),
        nullable=False,
    ),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    # submitted|approved|rejected|recalled|reassigned|delegated|step_skipped|completed
    Column("action", String(16), nullable=False),
    Column("step", Integer, nullable=True),
    Column("actor_id", Uuid(), nullable=True),
    Column("approver_id", Uuid(), nullable=True),  # the original approver acted for
    Column("to_user_id", Uuid(), nullable=True),  # a reassignment's delegate
    Column("to_step", Integer, nullable=True),  # a rejection back to an earlier step
    Column("comment", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_gx_approval_action_record", "object_name", "record_id", "at", "id"),
    Index("ix_gx_approval_action_request", "request_id", "id"),
)

# The in-app notification centre (platform.process.notifications): one row per recipient.
# ``title`` and ``body`` are {"en": …, "zh-CN": …} or one text for both languages; the link
# is a record (``object_name`` + ``record_id``) or a ``url``. Ids are UUIDv7, so the newest
# first order and the ``before`` cursor are the id's.
gx_notification = Table(
    "gx_notification",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "user_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="CASCADE", name="fk_gx_notification_user"),
        nullable=False,
    ),
    Column("kind", String(63), nullable=False),
    Column("title", JsonType, nullable=False),
    Column("body", JsonType, nullable=True),
    Column("object_name", String(63), nullable=True),
    Column("record_id", Uuid(), nullable=True),
    Column("url", Text, nullable=True),
    Column("actor_id", Uuid(), nullable=True),
    Column("read_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_gx_notification_user", "user_id", "id"),
    Index("ix_gx_notification_unread", "user_id", "read_at"),
)

# A user's choice of channels per notification kind; a kind without a row has the defaults.
gx_notification_pref = Table(
    "gx_notification_pref",
    system_metadata,
    Column(
        "user_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="CASCADE", name="fk_gx_notification_pref_user"),
        nullable=False,
    ),
    Column("kind", String(63), nullable=False),
    Column("in_app", Boolean, nullable=False),
    Column("email", Boolean, nullable=False),
    Column("robot", Boolean, nullable=False),
    PrimaryKeyConstraint("user_id", "kind", name="pk_gx_notification_pref"),
)

# The installation's chat group robots (DingTalk, WeCom, Feishu): where notifications a
# user wants "by robot" are posted, signed as each vendor documents.
gx_chat_robot = Table(
    "gx_chat_robot",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("vendor", String(16), nullable=False),  # dingtalk | wecom | feishu
    Column("name", String(120), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(200), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
)

# An approver away (approval delegation, ADR 0035): from ``starts_at`` until ``ends_at``
# the decisions that would come to ``user_id`` go to ``delegate_id``, who may also act on
# those already waiting for them. One per user; setting it again replaces it.
gx_approval_delegation = Table(
    "gx_approval_delegation",
    system_metadata,
    Column(
        "user_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="CASCADE", name="fk_gx_approval_delegation_user"),
        primary_key=True,
    ),
    Column(
        "delegate_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="CASCADE", name="fk_gx_approval_delegation_delegate"),
        nullable=False,
    ),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Index("ix_gx_approval_delegation_delegate", "delegate_id"),
)

# Files on a trail entry's comment: the record's attachment the comment brought (or
# named) and, as the record's history does, enough of its file to name it once gone.
gx_approval_action_attachment = Table(
    "gx_approval_action_attachment",
    system_metadata,
    Column(
        "action_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey(
            "gx_approval_action.id",
            ondelete="CASCADE",
            name="fk_gx_approval_action_attachment_action",
        ),
        nullable=False,
    ),
    Column("position", Integer, nullable=False),
    Column("attachment_id", Uuid(), nullable=False),
    Column("file_id", Uuid(), nullable=False),
    Column("name", String(255), nullable=False),
    PrimaryKeyConstraint("action_id", "position", name="pk_gx_approval_action_attachment"),
)

"""The bodies that create and change an automation rule."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label
from guanxi.platform.process.versions import MAX_VERSION

MAX_ACTIONS = 20
MAX_DAYS = 3660


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Trigger(_Strict):
    """When the rule looks at a record.

    - ``created``, ``updated``, ``deleted``: on that write;
    - ``field_changed``: an update changed ``field``, optionally ``from`` one value and/or
      ``to`` another (leave one out for any);
    - ``date``: ``offset_days`` after the date in ``field`` (negative: before), once per
      record and date, checked every hour;
    - ``cron``: at the times of ``cron`` (five fields, the installation's zone), for every
      record the condition matches.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["created", "updated", "field_changed", "deleted", "date", "cron"]
    field: str | None = Field(default=None, max_length=63)
    from_: Any = Field(default=None, alias="from")
    to: Any = None
    offset_days: int | None = Field(default=None, ge=-MAX_DAYS, le=MAX_DAYS, strict=True)
    cron: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _parts(self) -> Trigger:
        if self.type in ("field_changed", "date") and not self.field:
            raise ValueError(f"a {self.type} trigger needs a field")
        if self.type == "date" and self.offset_days is None:
            self.offset_days = 0
        if self.type == "cron" and not self.cron:
            raise ValueError("a cron trigger needs cron (five fields)")
        return self

    def stored(self) -> dict[str, Any]:
        """As kept in a version: ``from`` and ``to`` only when sent (null is a value)."""
        out: dict[str, Any] = {"type": self.type}
        for name in ("field", "offset_days", "cron"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if "from_" in self.model_fields_set:
            out["from"] = self.from_
        if "to" in self.model_fields_set:
            out["to"] = self.to
        return out


class UpdateFields(_Strict):
    """Set fields of the record, or of the record its lookup ``target`` points to. A value
    may be literal, ``{"copy": "field"}`` (the record's value), ``{"today": n}`` (a date n
    days on) or text with ``{{field}}`` merge fields."""

    type: Literal["update_fields"]
    values: dict[str, Any] = Field(min_length=1, max_length=50)
    target: str | None = Field(default=None, max_length=63)


class CreateRecord(_Strict):
    type: Literal["create_record"]
    object: str = Field(max_length=63)
    values: dict[str, Any] = Field(max_length=50)


class CreateTask(_Strict):
    """A task (the ``task`` object) linked to the record where the task has a lookup to
    its object, due ``due_in_days`` from now, for ``assignee``: the record's ``owner``,
    the owner's ``manager``, or a user's id."""

    type: Literal["create_task"]
    subject: str = Field(min_length=1, max_length=200)
    due_in_days: int | None = Field(default=None, ge=0, le=MAX_DAYS, strict=True)
    assignee: Literal["owner", "manager"] | UUID = "owner"
    priority: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=2000)


Recipient = Literal["owner", "manager"] | UUID


class Notify(_Strict):
    """Tell users in the app (and by e-mail or robot, as each one's preferences say):
    the record's ``owner``, the owner's ``manager`` or users by id. Title and body take
    merge fields; the notification links to the record."""

    type: Literal["notify"]
    to: list[Recipient] = Field(min_length=1, max_length=20)
    title: str = Field(min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=2000)


class SendEmail(_Strict):
    """An e-mail from a template to users (as for ``notify``); ``{{name}}`` merge fields
    in the subject, text and HTML, escaped in the HTML."""

    type: Literal["send_email"]
    to: list[Recipient] = Field(min_length=1, max_length=20)
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    html: str | None = Field(default=None, max_length=50_000)


class PostToRobot(_Strict):
    """A message, with merge fields, to a DingTalk / WeCom / Feishu group robot."""

    type: Literal["post_to_robot"]
    robot_id: UUID
    text: str = Field(min_length=1, max_length=2000)


class SubmitForApproval(_Strict):
    """Submit the record for approval, as the user whose write set the rule off: to
    ``process_id``, or to the first active process of its object it meets."""

    type: Literal["submit_for_approval"]
    process_id: UUID | None = None
    comment: str | None = Field(default=None, max_length=2000)


class Assign(_Strict):
    """Give the record an owner by an assignment rule of its object."""

    type: Literal["assign"]
    rule_id: UUID


class CallWebhook(_Strict):
    """Send the event to a webhook subscription (signed, retried, logged like its own)."""

    type: Literal["webhook"]
    webhook_id: UUID


Action = Annotated[
    UpdateFields
    | CreateRecord
    | CreateTask
    | Assign
    | CallWebhook
    | Notify
    | SendEmail
    | PostToRobot
    | SubmitForApproval,
    Field(discriminator="type"),
]
RunWhen = Literal["every_time", "starts_matching"]


class RuleSettings(_Strict):
    condition: dict[str, Any] | None = Field(
        default=None, description="a filter tree the record must meet (none: every record)"
    )
    run_when: RunWhen | None = Field(
        default=None,
        description="every_time the trigger fires and the record matches, or only when a "
        "write makes it start to match",
    )
    actions: list[Action] | None = Field(default=None, min_length=1, max_length=MAX_ACTIONS)
    position: int | None = Field(default=None, ge=0, le=10_000, strict=True)
    active: bool | None = None


class RuleIn(RuleSettings):
    object: str = Field(max_length=63)
    name: LabelIn
    trigger: Trigger
    actions: list[Action] = Field(min_length=1, max_length=MAX_ACTIONS)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class RulePatch(RuleSettings):
    """A change publishes a new version of the rule (versions are never edited); only the
    parts sent change. ``version`` is the one read (or send If-Match)."""

    name: LabelIn | None = None
    trigger: Trigger | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)

"""The bodies that define an approval process and act on its requests."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label
from guanxi.platform.process.automation_schemas import MAX_ACTIONS, Action
from guanxi.platform.process.versions import MAX_VERSION

MAX_STEPS = 20
MAX_APPROVERS = 20
MAX_LEVELS = 10
MAX_COMMENT = 2000
MAX_ATTACHMENTS = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserApprover(_Strict):
    type: Literal["user"]
    id: UUID


class ManagerApprover(_Strict):
    """The submitter's manager, or ``levels`` up the reporting line (2: the manager's
    manager)."""

    type: Literal["manager"]
    levels: int = Field(default=1, ge=1, le=MAX_LEVELS, strict=True)


class RoleApprover(_Strict):
    """Every active user holding the role."""

    type: Literal["role"]
    id: UUID


class DepartmentHeadApprover(_Strict):
    """The head of the submitter's department."""

    type: Literal["department_head"]


class FieldApprover(_Strict):
    """The user a user field (or the owner) of the record names."""

    type: Literal["field"]
    field: str = Field(max_length=63)


Approver = Annotated[
    UserApprover | ManagerApprover | RoleApprover | DepartmentHeadApprover | FieldApprover,
    Field(discriminator="type"),
]


class Step(_Strict):
    """One step: skipped when the record does not meet ``condition``; ``mode`` says how
    its approvers decide — ``sequential`` (one after another, each must approve), ``all``
    (at once, each must approve) or ``any`` (at once, the first answer decides)."""

    name: LabelIn
    condition: dict[str, Any] | None = None
    approvers: list[Approver] = Field(min_length=1, max_length=MAX_APPROVERS)
    mode: Literal["sequential", "all", "any"] = "sequential"

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class ProcessSettings(_Strict):
    entry_condition: dict[str, Any] | None = Field(
        default=None, description="a filter tree a record must meet to be submitted"
    )
    steps: list[Step] | None = Field(default=None, min_length=1, max_length=MAX_STEPS)
    # What runs when a request is submitted, ends approved or rejected, or is recalled:
    # the automation rules' actions, with the system's rights.
    on_submit: list[Action] | None = Field(default=None, max_length=MAX_ACTIONS)
    on_approve: list[Action] | None = Field(default=None, max_length=MAX_ACTIONS)
    on_reject: list[Action] | None = Field(default=None, max_length=MAX_ACTIONS)
    on_recall: list[Action] | None = Field(default=None, max_length=MAX_ACTIONS)
    position: int | None = Field(default=None, ge=0, le=10_000, strict=True)
    active: bool | None = None


class ProcessIn(ProcessSettings):
    object: str = Field(max_length=63)
    name: LabelIn
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class ProcessPatch(ProcessSettings):
    """A change publishes a new version (requests under way stay on theirs); only the
    parts sent change. ``version`` is the one read (or send If-Match)."""

    name: LabelIn | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)


class SubmitIn(_Strict):
    """Submit a record: to ``process_id``, or to the first active process of its object
    (by position) whose entry condition it meets."""

    process_id: UUID | None = None
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class CommentIn(_Strict):
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)
    attachment_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="files for the comment: ids `POST /api/v1/files` returned (attached to "
        "the record now) or of the record's attachments you may see",
    )


class RejectIn(CommentIn):
    """Without ``to_step`` the request ends rejected and the record returns to the
    submitter; with it, the request goes back to that earlier step (its index in the
    process's ``steps``, 0 the first)."""

    to_step: int | None = Field(default=None, ge=0, lt=MAX_STEPS, strict=True)


class ReassignIn(CommentIn):
    """Hand a pending decision to another user: the caller's own, or (an administrator)
    ``from`` one approver's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: UUID
    from_: UUID | None = Field(default=None, alias="from")


class DelegationIn(_Strict):
    """Who decides for the user from ``starts_at`` until ``ends_at`` (with a time zone)."""

    delegate_id: UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime

"""The bodies that create and change an SLA policy."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label

MAX_VERSION = 2**31 - 1
MAX_MINUTES = 10 * 366 * 24 * 60  # ten years of business minutes
MAX_TARGETS = 100
MAX_STATUSES = 100
MAX_ACTIONS = 20
Metric = Literal["first_response", "resolution"]
METRICS: tuple[Metric, ...] = ("first_response", "resolution")
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetTimes(_Strict):
    """Business minutes to the first response and to resolution (either may be left out:
    that clock does not run)."""

    first_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None


class TargetIn(_Strict):
    """The targets of records whose ``target_field`` (priority, tier …) holds ``value``."""

    value: str = Field(max_length=64)
    first_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None


class FirstResponseWhen(_Strict):
    """The first response is met when ``field_set`` gets a value, or when the status is
    no longer one of ``status_leaves`` (``["new"]``), whichever comes first."""

    field_set: str | None = Field(default=None, max_length=63)
    status_leaves: list[str] | None = Field(default=None, max_length=MAX_STATUSES)


class NotifyOwner(_Strict):
    type: Literal["notify_owner"]


class Reassign(_Strict):
    type: Literal["reassign"]
    user_id: UUID


class SetField(_Strict):
    type: Literal["set_field"]
    field: str = Field(max_length=63)
    value: Any


BreachAction = Annotated[NotifyOwner | Reassign | SetField, Field(discriminator="type")]


class PolicySettings(_Strict):
    """What a policy holds besides its object; every part optional in a change."""

    condition: dict[str, Any] | None = Field(
        default=None, description="a filter tree: the records the policy times (none: all)"
    )
    calendar_id: UUID | None = Field(default=None, description="none: the default calendar")
    target_field: str | None = Field(default=None, max_length=63, examples=["priority"])
    targets: list[TargetIn] | None = Field(default=None, max_length=MAX_TARGETS)
    default_target: TargetTimes | None = None
    status_field: str | None = Field(default=None, max_length=63, examples=["status"])
    paused_statuses: list[str] | None = Field(default=None, max_length=MAX_STATUSES)
    resolved_statuses: list[str] | None = Field(default=None, max_length=MAX_STATUSES)
    first_response_when: FirstResponseWhen | None = None
    warn_before_minutes: int | None = Field(default=None, ge=0, le=MAX_MINUTES, strict=True)
    on_breach: list[BreachAction] | None = Field(default=None, max_length=MAX_ACTIONS)
    # The same actions once the warning comes (notify the owner, most often).
    on_warning: list[BreachAction] | None = Field(default=None, max_length=MAX_ACTIONS)
    position: int | None = Field(default=None, ge=0, le=10_000, strict=True)
    active: bool | None = None


class PolicyIn(PolicySettings):
    object: str = Field(max_length=63)
    name: LabelIn

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class PolicyPatch(PolicySettings):
    """A change to a policy: only the parts sent change (``"calendar_id": null`` moves it
    to the default calendar). ``version`` is the one read (or send If-Match)."""

    name: LabelIn | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)

"""The bodies that create and change an assignment rule."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label

Strategy = Literal["round_robin", "load_balanced", "criteria"]
PoolStrategy = Literal["round_robin", "load_balanced"]
MAX_MEMBERS = 500
MAX_CRITERIA = 50
MAX_VERSION = 2**31 - 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserMembers(_Strict):
    """These users, taking turns in the order given."""

    type: Literal["users"]
    ids: list[UUID] = Field(min_length=1, max_length=MAX_MEMBERS)


class DepartmentMembers(_Strict):
    """The users of a department (and of those under it), in order of user id."""

    type: Literal["department"]
    id: UUID
    include_subdepartments: bool = False


class RoleMembers(_Strict):
    """The users holding a role, in order of user id."""

    type: Literal["role"]
    id: UUID


class TeamMembers(_Strict):
    """The members of a team, in order of user id."""

    type: Literal["team"]
    id: UUID


Members = Annotated[
    UserMembers | DepartmentMembers | RoleMembers | TeamMembers, Field(discriminator="type")
]


class PoolIn(_Strict):
    """Who takes turns, and how: the fallback of a criteria rule."""

    strategy: PoolStrategy
    members: Members
    open_condition: dict[str, Any] | None = Field(
        default=None, description="load_balanced: a filter tree of the records that count as open"
    )


class CriterionIn(_Strict):
    """Records matching ``condition`` (a filter tree) go to this pool."""

    condition: dict[str, Any]
    strategy: PoolStrategy
    members: Members
    open_condition: dict[str, Any] | None = None


class RuleSettings(_Strict):
    """What a rule holds besides its name and object; every part optional in a change."""

    strategy: Strategy | None = None
    members: Members | None = None
    open_condition: dict[str, Any] | None = None
    criteria: list[CriterionIn] | None = Field(default=None, max_length=MAX_CRITERIA)
    fallback: PoolIn | None = None
    active: bool | None = None


class RuleIn(RuleSettings):
    object: str = Field(max_length=63)
    name: LabelIn
    strategy: Strategy

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class RulePatch(RuleSettings):
    """A change to a rule: only the members sent change (``"fallback": null`` removes the
    fallback). ``version`` is the one read (or send If-Match)."""

    name: LabelIn | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)

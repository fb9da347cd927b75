"""The bodies that create and change a customer pool, and claim or release an account."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MAX_DAYS = 3650
MAX_ROLES = 200
MAX_VERSION = 2**31 - 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReclaimIn(_Strict):
    """When an owned account goes back to the pool: after ``days_without_activity`` days
    without an activity, or ``days_without_won`` days without a won deal (either may be
    left out); its owner is warned ``warn_days`` days before."""

    days_without_activity: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    days_without_won: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    warn_days: int = Field(default=0, ge=0, le=365)


class PoolSettings(_Strict):
    """What a pool holds besides its name; every part optional in a change."""

    member_roles: list[UUID] | None = Field(default=None, max_length=MAX_ROLES)
    claim_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    cooldown_days: int | None = Field(default=None, ge=0, le=MAX_DAYS)
    protection_days: int | None = Field(default=None, ge=0, le=MAX_DAYS)
    reclaim: ReclaimIn | None = None
    default: bool | None = None


class PoolIn(PoolSettings):
    name: str = Field(min_length=1, max_length=100)
    member_roles: list[UUID] = Field(max_length=MAX_ROLES)


class PoolPatch(PoolSettings):
    """A change to a pool: only what is sent changes (``"reclaim": null`` turns reclaiming
    off). ``version`` is the one read (or send If-Match)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)


class ClaimIn(_Strict):
    account_id: UUID


class ReleaseIn(_Strict):
    """``pool_id``: the pool the account goes to (default: the one it was claimed from,
    else the default pool)."""

    pool_id: UUID | None = None
    reason: str | None = Field(default=None, max_length=500)

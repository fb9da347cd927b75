"""Who is acting: passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from guanxi.platform.access.policy import SUPERUSER, Policy


@dataclass(frozen=True)
class Actor:
    user_id: UUID | None
    name: str = "system"
    is_admin: bool = False
    locale: str = "zh-CN"
    time_zone: str = "Asia/Shanghai"
    can_write: bool = True  # False for read-only tokens
    policy: Policy = field(default=SUPERUSER)
    session_id: UUID | None = None  # set when authenticated by a cookie session
    token_id: UUID | None = None  # set when authenticated by an API token
    csrf_token: str | None = None
    has_2fa: bool = False
    email: str = ""
    meta_version: str | None = None  # the metadata token read with the credentials

    def has_right(self, right: str) -> bool:
        return self.is_admin or self.policy.has_right(right)


SYSTEM = Actor(user_id=None, name="system", is_admin=True)

"""Who is acting: passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Actor:
    user_id: UUID | None
    name: str = "system"
    is_admin: bool = False
    locale: str = "zh-CN"
    time_zone: str = "Asia/Shanghai"
    can_write: bool = True


SYSTEM = Actor(user_id=None, name="system", is_admin=True)

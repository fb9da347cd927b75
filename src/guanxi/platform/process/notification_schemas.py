"""The bodies of the notification endpoints."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Bilingual(_Strict):
    en: str | None = Field(default=None, max_length=2000)
    zh_cn: str | None = Field(default=None, max_length=2000, alias="zh-CN")

    def texts(self) -> dict[str, str]:
        return {k: v for k, v in (("en", self.en), ("zh-CN", self.zh_cn)) if v}


class RecordLink(_Strict):
    object: str = Field(max_length=63, examples=["inquiry"])
    record_id: UUID


class NotifyIn(_Strict):
    """Notify users (yourself, or anyone with ``manage_automation``)."""

    user_ids: list[UUID] = Field(min_length=1, max_length=1000)
    kind: str = Field(default="system", max_length=63, examples=["system"])
    title: str | Bilingual = Field(examples=[{"en": "Contract approved", "zh-CN": "合同已批准"}])
    body: str | Bilingual | None = None
    link: RecordLink | None = None
    url: str | None = Field(default=None, max_length=2000)


class ChannelsIn(_Strict):
    in_app: bool | None = None
    email: bool | None = None
    robot: bool | None = None


class PreferencesIn(_Strict):
    """The channels per kind; kinds and channels not sent keep theirs."""

    kinds: dict[str, ChannelsIn] = Field(
        max_length=100, examples=[{"approval": {"email": False}, "system": {"in_app": True}}]
    )


class RobotIn(_Strict):
    vendor: Literal["dingtalk", "wecom", "feishu"]
    name: str = Field(min_length=1, max_length=120, examples=["销售群"])
    url: str = Field(
        max_length=2000, examples=["https://oapi.dingtalk.com/robot/send?access_token=…"]
    )
    secret: str | None = Field(
        default=None, max_length=200, description="the robot's signing secret"
    )

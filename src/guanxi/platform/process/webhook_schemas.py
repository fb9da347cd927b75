"""The bodies that create and change a webhook subscription."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guanxi.platform.process.versions import MAX_VERSION

Event = Literal["created", "updated", "deleted", "restored", "purged"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookIn(_Strict):
    url: str = Field(max_length=2000, examples=["https://erp.example.com/hooks/guanxi"])
    object: str = Field(max_length=63, examples=["contract"])
    events: list[Event] = Field(min_length=1, max_length=5, examples=[["created", "updated"]])
    description: str | None = Field(default=None, max_length=500)
    active: bool = True


class WebhookPatch(_Strict):
    """Only what is sent changes; switching a webhook back on clears its failure count.
    ``version`` is the one read (or send If-Match)."""

    url: str | None = Field(default=None, max_length=2000)
    events: list[Event] | None = Field(default=None, min_length=1, max_length=5)
    description: str | None = Field(default=None, max_length=500)
    active: bool | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

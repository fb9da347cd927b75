"""The company's letterhead on quotes, in Chinese and English.

Administrators keep it as a sales setting (``PUT /api/v1/sales/settings/letterhead``);
until they do, the ``GUANXI_COMPANY_*`` settings of the server fill it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from guanxi.kernel.errors import PermissionDenied
from guanxi.modules.sales import settings
from guanxi.modules.sales.pdf import Language, Letterhead
from guanxi.platform.records.context import Ctx

SETTING = "letterhead"


class Bilingual(BaseModel):
    """A text in Chinese and English; either may be empty (the other stands in)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    zh_cn: str = Field("", alias="zh-CN", max_length=300)
    en: str = Field("", max_length=300)

    def pick(self, language: Language) -> str:
        first, second = (self.zh_cn, self.en) if language == "zh-CN" else (self.en, self.zh_cn)
        return first or second


def bilingual(chinese: str, english: str) -> Bilingual:
    return Bilingual.model_validate({"zh-CN": chinese, "en": english})


class LetterheadIn(BaseModel):
    """The letterhead as stored and as an administrator sends it."""

    model_config = ConfigDict(extra="forbid")

    name: Bilingual
    address: Bilingual = Field(default_factory=lambda: bilingual("", ""))
    phone: str = Field("", max_length=100)
    email: str = Field("", max_length=200)
    website: str = Field("", max_length=200)
    tax_id: str = Field("", max_length=64)
    bank_name: str = Field("", max_length=200)
    bank_account: str = Field("", max_length=64)

    @model_validator(mode="after")
    def _named(self) -> LetterheadIn:
        if not (self.name.zh_cn.strip() or self.name.en.strip()):
            raise ValueError("give the company's name in Chinese, English or both")
        return self

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)

    def for_language(self, language: Language) -> Letterhead:
        """As printed: the name in the document's language first, the other under it."""
        name = self.name.pick(language)
        other = self.name.pick("en" if language == "zh-CN" else "zh-CN")
        return Letterhead(
            name=name,
            name_other_language=other if other != name else None,
            address=self.address.pick(language),
            phone=self.phone,
            email=self.email,
            website=self.website,
            tax_id=self.tax_id or None,
            bank_name=self.bank_name or None,
            bank_account=self.bank_account or None,
        )


def current(ctx: Ctx, default: LetterheadIn) -> tuple[LetterheadIn, int]:
    """The stored letterhead and its version, or ``default`` at version 0."""
    stored = settings.read(ctx, SETTING)
    if stored is None:
        return default, 0
    return LetterheadIn.model_validate(stored), settings.version(ctx, SETTING)


def replace(ctx: Ctx, new: LetterheadIn, *, expected_version: int | None) -> dict[str, Any]:
    """Store the letterhead (administrators); a stale ``expected_version`` is 412."""
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an administrator changes the letterhead")
    return settings.write(ctx, SETTING, new.as_json(), expected_version=expected_version)

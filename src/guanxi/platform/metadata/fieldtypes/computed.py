"""Values the engine computes: auto numbers and formulas."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Column, String
from sqlalchemy.types import TypeEngine

from guanxi.platform.metadata.fieldtypes.base import (
    ORDERED_OPS,
    TEXT_OPS,
    ConfigError,
    FieldType,
)
from guanxi.platform.metadata.model import FieldDef

MAX_START = 10**9


class AutoNumberType(FieldType):
    """System-assigned numbers such as ``CON-{YYYY}-{000000}``."""

    name = "auto_number"
    ops = TEXT_OPS
    writable = False
    config_keys = frozenset({"format", "start", "gapless"})
    TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        fmt = out.get("format", "{000000}")
        if not isinstance(fmt, str) or len(fmt) > 64:
            raise ConfigError("format", "must be text of at most 64 characters")
        counters = [t for t in self.TOKEN.findall(fmt) if t.startswith("0")]
        if len(counters) != 1:
            raise ConfigError("format", "needs exactly one counter such as {000000}")
        leftover = self.TOKEN.sub("", fmt)
        if "{" in leftover or "}" in leftover:
            raise ConfigError("format", "knows only {YYYY} {YY} {MM} {DD} and {000…}")
        start = out.get("start", 1)
        if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= MAX_START:
            raise ConfigError("start", f"must be an integer from 0 to {MAX_START}")
        out["format"], out["start"] = fmt, start
        out["gapless"] = out.get("gapless", False)
        if not isinstance(out["gapless"], bool):
            raise ConfigError("gapless", "must be true or false")
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(80)

    def render(self, f: FieldDef, counter: int, today: date) -> str:
        return self.renderer(f, today)(counter)

    def renderer(self, f: FieldDef, today: date) -> Callable[[int], str]:
        """``render`` for many counters of one day, the format taken apart once."""
        prefix, width, suffix = self.affixes(f, today)

        def render(counter: int) -> str:
            return prefix + str(counter).zfill(width) + suffix

        return render

    def affixes(self, f: FieldDef, today: date) -> tuple[str, int, str]:
        """The text before the counter, the counter's width and the text after it, on
        ``today`` (a format has exactly one counter: ``check_config`` makes sure)."""
        dates = {
            "YYYY": f"{today.year:04d}",
            "YY": f"{today.year % 100:02d}",
            "MM": f"{today.month:02d}",
            "DD": f"{today.day:02d}",
        }
        # split() with the token group gives literal, token, literal, … left to right,
        # the same matches sub() replaces.
        before: list[str] = []
        after: list[str] = []
        width = 0
        for i, part in enumerate(self.TOKEN.split(f.opt("format", "{000000}"))):
            side = after if width else before
            if i % 2 == 0:
                side.append(part)
            elif part.startswith("0"):
                width = len(part)
            else:
                side.append(dates[part])
        return "".join(before), width, "".join(after)


class FormulaType(FieldType):
    """Read-only values computed in SQL from an expression (see platform.query.formula)."""

    name = "formula"
    stored = False
    writable = False
    ops = ORDERED_OPS | TEXT_OPS
    config_keys = frozenset({"expression", "result_type", "scale"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        scale = out.get("scale")
        if scale is not None and (
            not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= 10
        ):
            raise ConfigError("scale", "must be an integer between 0 and 10")
        return out

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return []

    def column_names(self, f: FieldDef) -> list[str]:
        return []

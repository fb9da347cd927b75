"""Text, long text and rich text fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import nh3
import regex
from sqlalchemy import String, Text
from sqlalchemy.types import TypeEngine

from guanxi.platform.metadata.context import keep_remote_images
from guanxi.platform.metadata.fieldtypes.base import (
    TEXT_OPS,
    ConfigError,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.model import FieldDef


class TextType(FieldType):
    name = "text"
    ops = TEXT_OPS
    config_keys = frozenset({"max_length", "regex"})
    default_length = 255

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        length = out.get("max_length", self.default_length)
        if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 1_000_000:
            raise ConfigError("max_length", "must be an integer between 1 and 1000000")
        out["max_length"] = length
        if "regex" in out:
            try:
                re.compile(out["regex"])
                _pattern(out["regex"])
            except (re.error, regex.error, TypeError) as exc:
                raise ConfigError("regex", f"is not a valid regular expression: {exc}") from None
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(f.opt("max_length", self.default_length))

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, str):
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                value = str(value)
            else:
                raise FieldValueError("expected text", "type")
        value = value.strip()
        limit = f.opt("max_length", self.default_length)
        if len(value) > limit:
            raise FieldValueError(f"must be at most {limit} characters", "max_length")
        pattern = f.opt("regex")
        if pattern and value and not _matches(pattern, value):
            raise FieldValueError(f"does not match the pattern {pattern}", "regex")
        return value


# An administrator's pattern may backtrack for ever on some input ("([a-z0-9]+)*-…"): any
# user who writes the field could hold a server process for minutes. Patterns are checked
# with Python's own syntax (re) and matched by the regex module, which can stop.
PATTERN_TIMEOUT = 0.05  # seconds per value


@cache
def _pattern(pattern: str) -> Any:
    return regex.compile(pattern)


def _matches(pattern: str, value: str) -> bool:
    try:
        return _pattern(pattern).fullmatch(value, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        raise FieldValueError(
            f"took too long to check against the pattern {pattern}", "regex"
        ) from None


class LongTextType(TextType):
    name = "long_text"
    default_length = 100_000

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Text()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().clean(f, value)


class RichTextType(LongTextType):
    """HTML from an editor, sanitised on the way in: rich text is untrusted."""

    name = "rich_text"
    default_length = 1_000_000

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, str):
            raise FieldValueError("expected HTML text", "type")
        if keep_remote_images():
            return super().clean(f, nh3.clean(value))
        return super().clean(f, nh3.clean(value, attribute_filter=_without_remote_images))


# Browsers drop these from URLs (tabs, newlines) or from their ends (spaces, controls).
_URL_NOISE = re.compile(r"[\t\n\r]")
_URL_ENDS = "".join(chr(c) for c in range(0x21))


def _without_remote_images(tag: str, attribute: str, value: str) -> str | None:
    """Drop an image's ``src`` unless it is on this server: a relative URL such as the
    file links ``/api/v1/files/…``. What nh3 lets through otherwise stays as it was."""
    if tag != "img" or attribute != "src":
        return value
    url = _URL_NOISE.sub("", value).strip(_URL_ENDS).replace("\\", "/")
    if url.startswith("//") or urlsplit(url).scheme:
        return None
    return value

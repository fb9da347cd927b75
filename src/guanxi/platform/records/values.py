"""Turning Python values into JSON for API responses and history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from guanxi.kernel.clock import local_text


def decimal_text(number: Decimal) -> str:
    """An exact decimal as plain text: ``0.00000001``, never the ``1E-8`` ``str`` gives."""
    text = str(number)
    return text if "E" not in text else format(number, "f")


def plain(value: Any, zone: ZoneInfo | None = None) -> Any:
    """JSON-ready form: decimals as exact strings, date-times in ``zone`` (UTC if none)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return local_text(value, zone) if zone else value.isoformat()
    if isinstance(value, (date, UUID)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v, zone) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, zone) for v in value]
    if isinstance(value, float):
        return value
    return str(value)

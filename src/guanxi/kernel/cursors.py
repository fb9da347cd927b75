"""Opaque page cursors: a JSON value in URL-safe base64 without padding.

Whoever makes a cursor decides what is inside and checks it when it comes back: clients
may send anything (``unpack`` raises ValueError for what is not a cursor at all).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson


def pack(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def unpack(cursor: str) -> Any:
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, orjson.JSONDecodeError) as exc:
        raise ValueError("not a cursor") from exc

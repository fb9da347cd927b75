"""``If-Match``: the version a change was made against, for optimistic locking."""

from __future__ import annotations

import re

from guanxi.kernel.errors import FieldError, ValidationFailed

_ETAG = re.compile(r'\s*(?:W/)?"?(\d{1,19})"?\s*')


def if_match_version(
    header: str | None, *, minimum: int = 1, maximum: int = 2**63 - 1
) -> int | None:
    """The version an ``If-Match`` header names (``"3"``, ``W/"3"`` or ``3``), None when
    the header is absent; anything else is refused (422) naming the header."""
    if header is None:
        return None
    match = _ETAG.fullmatch(header)
    if match is None or not minimum <= int(match.group(1)) <= maximum:
        raise ValidationFailed(
            "If-Match", errors=[FieldError("If-Match", 'expected "<version>"', "invalid")]
        )
    return int(match.group(1))

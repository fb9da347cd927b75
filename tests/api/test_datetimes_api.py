"""Date-times come back as RFC 3339 in the reader's time zone, on both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.api.conftest import Api

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)\Z")


@pytest.mark.parametrize(
    "stored",
    [
        "1900-06-01T12:00:00Z",  # Shanghai's local mean time: +08:05:43
        "1900-12-31T23:59:59.500000Z",
        "1901-01-01T00:00:00Z",  # the first instant of standard time there
        "2026-11-23T02:30:00Z",
    ],
)
def test_date_times_before_standard_time_read_back_as_valid_rfc3339(
    admin: Api, stored: str
) -> None:
    """Before 1901 Shanghai's offset has seconds, which RFC 3339 cannot write: the offset
    is shown to the minute, the instant stays exact."""
    admin.ok("POST", "/meta/objects", 201, json={"name": "voyage", "label": "Voyage"})
    admin.ok(
        "POST",
        "/meta/objects/voyage/fields",
        201,
        json={"name": "sailed", "label": "Sailed", "type": "datetime"},
    )
    created = admin.ok("POST", "/records/voyage", 201, json={"sailed": stored})
    one = admin.ok("GET", f"/records/voyage/{created['id']}")
    listed = admin.ok("POST", "/records/voyage/query", json={})["records"]
    instant = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    for shown in (created["sailed"], one["sailed"], listed[0]["sailed"]):
        assert RFC3339.match(shown), shown
        assert datetime.fromisoformat(shown) == instant
        assert datetime.fromisoformat(shown).astimezone(UTC) == instant

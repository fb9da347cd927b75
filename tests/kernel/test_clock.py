"""Date-times as text: RFC 3339 in any zone, the same instant."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.kernel.clock import local_text

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d:\d\d\Z")


@given(
    moment=st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(4000, 12, 31)),
    zone_name=st.sampled_from(sorted(available_timezones())),
)
@settings(max_examples=1000)
def test_every_zone_shows_every_moment_as_rfc3339_text_of_the_same_instant(
    moment: datetime, zone_name: str
) -> None:
    value = moment.replace(tzinfo=UTC)
    text = local_text(value, ZoneInfo(zone_name))
    assert RFC3339.match(text), text
    assert datetime.fromisoformat(text) == value


def test_local_mean_time_is_shown_with_its_offset_rounded_to_the_minute() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")  # +08:05:43 until 1901
    assert local_text(datetime(1900, 6, 1, 12, tzinfo=UTC), shanghai) == (
        "1900-06-01T20:06:00+08:06"
    )
    assert local_text(datetime(1901, 1, 1, tzinfo=UTC), shanghai) == "1901-01-01T08:00:00+08:00"

"""Per-request settings that value conversion needs (the caller's time zone)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"

# ZoneInfo objects are immutable, so sharing the default is safe.
_timezone: ContextVar[ZoneInfo] = ContextVar(
    "guanxi_timezone",
    default=ZoneInfo(DEFAULT_TIMEZONE),  # noqa: B039
)


def current_timezone() -> ZoneInfo:
    """The acting user's zone: naive date-times are read in it, relative dates computed in it."""
    return _timezone.get()


@contextmanager
def use_timezone(name: str) -> Iterator[ZoneInfo]:
    token = _timezone.set(ZoneInfo(name))
    try:
        yield _timezone.get()
    finally:
        _timezone.reset(token)

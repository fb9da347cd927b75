"""Per-request settings that value conversion needs (the caller's time zone, the rich-text
image policy)."""

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


# Remote images in rich text load from a stranger's server when the record is shown: a
# tracking pixel tells the sender who read it, when and from where. Stripped by default;
# the server's setting (GUANXI_RICH_TEXT_REMOTE_IMAGES) may keep them.
_keep_remote_images: ContextVar[bool] = ContextVar("guanxi_keep_remote_images", default=False)


def keep_remote_images() -> bool:
    """Whether rich text keeps ``<img>`` sources on other servers."""
    return _keep_remote_images.get()


@contextmanager
def use_remote_images(policy: str) -> Iterator[None]:
    """``"keep"`` or ``"strip"`` (the default) remote image sources in rich text."""
    token = _keep_remote_images.set(policy == "keep")
    try:
        yield
    finally:
        _keep_remote_images.reset(token)

"""Optimistic locking for the process engine's definitions (rules, policies, webhooks):
a change names the version it was made against, and a stale one is refused."""

from __future__ import annotations

from guanxi.kernel.errors import FieldError, PreconditionRequired, VersionConflict

MAX_VERSION = 2**31 - 1  # what a version column holds


def check_version(what: str, current: int, sent: int | None) -> None:
    """428 without a version (If-Match or the body's ``version``), 412 when ``sent`` is
    not ``current``; ``what`` names the definition ("the policy")."""
    if sent is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", f"is required to change {what}", "required")],
        )
    if sent != current:
        raise stale(what, current, sent)


def stale(what: str, current: int, sent: int) -> VersionConflict:
    return VersionConflict(
        f"{what} is at version {current}, not {sent}",
        errors=[FieldError("version", f"is {current} now", "stale")],
        extra={"current_version": current},
    )

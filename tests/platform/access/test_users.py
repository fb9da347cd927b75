"""Personal API tokens: a new token never does more than the credential asking for it."""

from __future__ import annotations

from uuid import uuid4

import pytest

from guanxi.kernel.errors import PermissionDenied, ValidationFailed
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.users import check_token_scope


def test_a_read_only_credential_cannot_ask_for_a_write_token() -> None:
    reader = Actor(user_id=uuid4(), can_write=False)
    check_token_scope(reader, "read")
    with pytest.raises(PermissionDenied, match="read-only"):
        check_token_scope(reader, "write")


def test_a_write_credential_may_ask_for_either_scope_and_nothing_else() -> None:
    writer = Actor(user_id=uuid4())
    check_token_scope(writer, "write")
    check_token_scope(writer, "read")
    with pytest.raises(ValidationFailed):
        check_token_scope(writer, "admin")

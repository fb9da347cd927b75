"""Version tokens that tell every server process when cached definitions went stale.

Each row of ``gx_meta_state`` holds a random token replaced on every change of what it
stands for (see ``tables``); processes compare it with the token their cache was built
from. The authentication query reads both tokens (:func:`state_versions`), so checking
them costs no extra round trip.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from guanxi.platform.metadata.tables import ACCESS_STATE, META_STATE, gx_meta_state


def bump_version(conn: Connection, state: int = META_STATE) -> None:
    """Tell every server process that metadata (or, with ``ACCESS_STATE``, roles) changed:
    they reload on their next request."""
    token = uuid.uuid4().hex
    if (
        conn.execute(
            update(gx_meta_state).where(gx_meta_state.c.id == state).values(version=token)
        ).rowcount
        == 0
    ):
        conn.execute(insert(gx_meta_state).values(id=state, version=token))


def state_versions() -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The metadata and access versions as two scalar subqueries, labelled ``meta_version``
    and ``access_version``: the authentication query carries them, which saves a round
    trip per request."""

    def version(state: int, label: str) -> ColumnElement[Any]:
        return (
            select(gx_meta_state.c.version)
            .where(gx_meta_state.c.id == state)
            .scalar_subquery()
            .label(label)
        )

    return version(META_STATE, "meta_version"), version(ACCESS_STATE, "access_version")

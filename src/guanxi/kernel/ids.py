"""Time-ordered identifiers (UUIDv7, RFC 9562) so that primary keys sort by creation."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


_LOW_62 = (1 << 62) - 1


def _compose(ms: int, rand: int) -> int:
    rand_a = (rand >> 62) & 0xFFF
    rand_b = rand & _LOW_62
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return value


def _reserve(count: int) -> tuple[int, int]:
    """The millisecond and first random part of ``count`` consecutive ids, taken under the
    lock so ids stay monotonic within one process even inside one millisecond."""
    global _last_ms, _last_rand
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            # Same (or earlier) millisecond: keep ordering by counting up the random part.
            ms = _last_ms
            first = _last_rand + 1
        else:
            first = int.from_bytes(os.urandom(10), "big") >> 6  # 74 random bits
        _last_ms, _last_rand = ms, first + count - 1
    return ms, first


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7; monotonic within one process even inside one millisecond."""
    ms, rand = _reserve(1)
    return uuid.UUID(int=_compose(ms, rand))


def uuid7_batch(count: int) -> list[uuid.UUID]:
    """``count`` new UUIDv7s in ascending order, with one clock read and one lock: the
    same as ``count`` calls of :func:`uuid7` within one millisecond."""
    if count <= 0:
        return []
    ms, first = _reserve(count)
    head = _compose(ms, 0)  # the random bits go where _compose puts them
    return [
        uuid.UUID(int=head | ((rand >> 62) & 0xFFF) << 64 | (rand & _LOW_62))
        for rand in range(first, first + count)
    ]

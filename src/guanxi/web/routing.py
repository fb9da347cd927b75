"""Routes whose JSON request bodies are decoded with orjson.

Starlette decodes bodies with the standard library: for a 1,000-record bulk create that
was a tenth of the request. orjson gives the same Python values for almost every
document. Where it does not, the standard library decides, so results and error
responses stay exactly as they were:

- integers beyond 64 bits (orjson makes them floats): a body with a run of 19 or more
  digits anywhere is left to the standard library;
- what orjson refuses (NaN and Infinity, lone surrogates, a byte-order mark, UTF-16,
  malformed JSON): decoded again by the standard library, which accepts it or raises the
  ``JSONDecodeError`` (message and position) that FastAPI turns into the usual 422.

Two things the standard library accepts are refused here, with a ``JSONDecodeError`` too,
because they are not text any store keeps: a lone UTF-16 surrogate (``"\\ud800"``: the
driver cannot encode it) and the NUL character (``"\\u0000"``: PostgreSQL text cannot
hold it), in any string or key. orjson already refuses lone surrogates, so only its
fallback looks for them; a NUL can only be written as the escape ``\\u0000`` (JSON does not
allow a raw control character in a string), so the fast path looks for a NUL only in a
body that holds those six bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute

# Every digit as 0: a run of 19 zeros in the result is a run of 19 digits in the body
# (ten times faster than searching for \d{19}, which costs more than orjson's parse).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19

NUL_ESCAPE = b"\\u0000"
LONE_SURROGATE = "lone surrogates are not text"
NUL_CHARACTER = "text may not contain NUL characters (\\u0000)"
_SURROGATE = re.compile("[\ud800-\udfff]")
# In a valid document a backslash only occurs in a string, so \u0000 after an even run of
# backslashes (none, or escaped backslashes) is a NUL; after an odd run it is text.
_NUL_AT = re.compile(r"(?<!\\)(?:\\\\)*(\\u0000)")
_SURROGATE_AT = re.compile(r"(?<!\\)(?:\\\\)*(\\u[dD][89a-fA-F][0-9a-fA-F]{2})")


def decode_json(body: bytes) -> Any:
    """``json.loads(body)``, the same result or error, faster for ordinary documents.

    Lone surrogates and NUL characters are refused with a ``JSONDecodeError``.
    """
    if _LONG_NUMBER not in body.translate(_DIGITS_AS_ZERO):
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        else:
            if NUL_ESCAPE in body:  # rare: only then look for a NUL in the values
                _refuse_odd_text(body, value, surrogates=False)
            return value
    value = json.loads(body)
    _refuse_odd_text(body, value, surrogates=True)
    return value


def _refuse_odd_text(body: bytes, value: Any, *, surrogates: bool) -> None:
    """Raise ``JSONDecodeError`` if a string or key holds a NUL (or a lone surrogate)."""
    pending = [value]
    while pending:  # no recursion: a document may nest as deep as the decoder allows
        item = pending.pop()
        if isinstance(item, str):
            texts: Any = (item,)
        elif isinstance(item, dict):
            texts = item.keys()
            pending.extend(item.values())
        elif isinstance(item, list):
            texts = ()
            pending.extend(item)
        else:
            continue
        for text in texts:
            if "\x00" in text:
                raise _error(body, NUL_CHARACTER, _NUL_AT)
            if surrogates and _SURROGATE.search(text):
                raise _error(body, LONE_SURROGATE, _SURROGATE_AT)


def _error(body: bytes, message: str, escape: re.Pattern[str]) -> json.JSONDecodeError:
    """The error, at the first escape that could have written the character."""
    document = body.decode(json.detect_encoding(body), "surrogatepass")
    found = escape.search(document)
    return json.JSONDecodeError(message, document, found.start(1) if found else 0)


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = decode_json(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    """An APIRoute that hands its endpoint an :class:`OrjsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_orjson(request: Request) -> Response:
            return await handler(OrjsonRequest(request.scope, request.receive))

        return with_orjson

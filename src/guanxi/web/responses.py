"""JSON rendering with orjson (decimals as exact strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from fastapi.responses import JSONResponse


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class ORJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_default, option=orjson.OPT_NON_STR_KEYS)


def versioned(body: dict[str, Any], status: int = 200) -> ORJSONResponse:
    """A definition (a view, a rule, a policy …) with its version as the ``ETag``, which a
    change sends back in ``If-Match``."""
    return ORJSONResponse(body, status_code=status, headers={"ETag": f'"{body["version"]}"'})


class ProblemResponse(ORJSONResponse):
    media_type = "application/problem+json"

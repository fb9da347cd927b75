"""Request bodies decoded with orjson: the same values and the same errors as json.loads,
except that text no store keeps (a lone surrogate, a NUL character) is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.web.routing import LONE_SURROGATE, NUL_CHARACTER, decode_json
from tests.api.conftest import Api

JSON_HEADERS = {"content-type": "application/json"}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),  # NaN and ±Infinity too: json.dumps writes them, json.loads reads them
    st.text(),  # lone surrogates and NUL too: ensure_ascii writes \ud800, both \u0000
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


def result(body: bytes, decode: Any) -> tuple[Any, ...]:
    try:
        return ("value", repr(decode(body)))
    except json.JSONDecodeError as error:
        if error.msg in (LONE_SURROGATE, NUL_CHARACTER):
            return ("error", type(error), error.msg)  # where it points is a hint
        return ("error", type(error), error.msg, error.pos)


def odd_text(value: Any) -> str | None:
    """Why a decoded document is refused: a NUL, or a lone surrogate, in a string or key."""
    texts = [value] if isinstance(value, str) else list(value) if isinstance(value, dict) else []
    if any("\x00" in t for t in texts):
        return NUL_CHARACTER
    if any(any(0xD800 <= ord(c) <= 0xDFFF for c in t) for t in texts):
        return LONE_SURROGATE
    inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return next((reason for v in inner if (reason := odd_text(v))), None)


def strict_loads(body: bytes) -> Any:
    """json.loads, refusing what decode_json refuses."""
    value = json.loads(body)
    reason = odd_text(value)
    if reason:
        raise json.JSONDecodeError(reason, "", 0)
    return value


@given(documents, st.booleans(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
@example({"a": 1, "b": [1.5, "x"]}, True, "utf-8")
@example({"a": ["x\x00"]}, False, "utf-8")
@example({"\x00": 1}, True, "utf-16")
@example({"a": "\ud800"}, True, "utf-8")
@example(["\\u0000", "\\ud800"], True, "utf-8")  # a backslash, then text
def test_documents_decode_to_what_json_loads_gives(
    document: Any, ascii_only: bool, encoding: str
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    try:
        body = text.encode(encoding)
    except UnicodeEncodeError:  # a lone surrogate written as itself
        body = text.encode(encoding, "surrogatepass")
    assert result(body, decode_json) == result(body, strict_loads)


@given(st.binary(max_size=40))
@example(b'{"a": 1, "a": 2}')
@example(b'{"records": [{"name": "x"},]}')
@example(b"[1, 2")
@example(b"\xef\xbb\xbf[]")
@example(b'{"\\u0000": "\\\\u0000"}')
@example(b'["\\udc00\\ud800"]')
def test_anything_else_decodes_or_fails_as_json_loads_does(body: bytes) -> None:
    try:
        expected = result(body, strict_loads)
    except (UnicodeDecodeError, RecursionError) as error:
        with pytest.raises(type(error)):
            decode_json(body)
        return
    assert result(body, decode_json) == expected


def test_malformed_json_is_the_usual_problem(admin: Api) -> None:
    body = b'{"records": [{"name": "x"},]}'
    response = admin.post("/records/account/bulk", content=body, headers=JSON_HEADERS)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [
        {"field": "27", "code": "json_invalid", "message": "JSON decode error"}
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"name": "Acme\\u0000"}', NUL_CHARACTER),
        (b'{"name": "Acme", "\\u0000": 1}', NUL_CHARACTER),
        (b'{"name": "Acme \\ud800"}', LONE_SURROGATE),
        # 19 digits take the standard library's path, which checks both
        (b'{"name": "\\udfff", "employees": 1234567890123456789}', LONE_SURROGATE),
        (b'{"name": "\\u0000", "employees": 1234567890123456789}', NUL_CHARACTER),
    ],
)
def test_text_no_store_keeps_is_the_usual_problem(admin: Api, body: bytes, message: str) -> None:
    for method, path in [("POST", "/records/account"), ("POST", "/meta/objects")]:
        response = admin.request(method, path, content=body, headers=JSON_HEADERS)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        [error] = response.json()["errors"]
        assert error["code"] == "json_invalid"
    with pytest.raises(json.JSONDecodeError, match=re.escape(message)):
        decode_json(body)
    assert admin.ok("GET", "/records/account")["records"] == []


def test_an_escaped_backslash_before_u0000_is_text(admin: Api) -> None:
    body = b'{"name": "C:\\\\u0000"}'
    record = admin.ok("POST", "/records/account", 201, content=body, headers=JSON_HEADERS)
    assert record["name"] == "C:\\u0000"


def test_a_nul_in_a_search_is_refused(admin: Api) -> None:
    response = admin.get("/search", params={"q": "Acme\x00"})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["q"]


def test_what_orjson_would_read_differently_is_read_as_before(admin: Api) -> None:
    # orjson reads integers beyond 64 bits as floats; json.loads keeps them whole.
    body = b'{"records": [{"name": 123456789012345678901234, "employees": 1e1}]}'
    response = admin.post("/records/account/bulk", content=body, headers=JSON_HEADERS)
    assert response.status_code == 201
    [record] = response.json()["records"]
    assert record["name"] == "123456789012345678901234" and record["employees"] == 10
    # NaN is not JSON and orjson refuses it; json.loads reads it, so the field says why.
    body = b'{"records": [{"name": "x", "employees": NaN}]}'
    response = admin.post("/records/account/bulk", content=body, headers=JSON_HEADERS)
    assert response.json()["errors"] == [
        {"index": 0, "field": "employees", "code": "type", "message": "expected a finite number"}
    ]


def test_a_body_over_the_limit_is_refused_as_it_arrives(
    installed_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(
        files_dir=tmp_path, max_request_mb=1, max_upload_mb=1, search_index_interval=0
    )
    with TestClient(create_app(settings, db=installed_db, clock=clock)) as client:
        huge = b'{"records": [' + b'{"name": "x"},' * 200_000 + b'{"name": "y"}]}'
        answer = client.post(
            "/api/v1/records/account/bulk",
            content=huge,
            headers={**JSON_HEADERS, "authorization": "Bearer anything"},
        )
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "too_large"
        # Sent in chunks, with no length declared: refused once it grows past the limit.
        chunked = client.post(
            "/api/v1/records/account/bulk",
            content=iter([huge[i : i + 65536] for i in range(0, len(huge), 65536)]),
            headers={**JSON_HEADERS, "authorization": "Bearer anything"},
        )
        assert chunked.status_code == 413, chunked.text
        assert chunked.json()["code"] == "too_large"
        # An upload may be its own limit plus the multipart framing.
        upload = client.post(
            "/api/v1/files",
            files={"file": ("big.bin", b"x" * (3 << 20), "application/octet-stream")},
            headers={"authorization": "Bearer anything"},
        )
        assert upload.status_code == 413

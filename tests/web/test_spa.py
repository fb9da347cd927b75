"""The web app is served at / from the build inside the package, deep links included."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from guanxi.web import problems, spa


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>", encoding="utf-8")
    (tmp_path / "api-docs.html").write_text(
        '<!doctype html><div id="swagger-ui"></div><script src="/assets/api-docs-1.js"></script>',
        encoding="utf-8",
    )
    script = "console.log('guanxi');" * 50
    (tmp_path / "assets" / "index-abc123.js").write_text(script, encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(script.encode()))
    return tmp_path


def _client(dist: Path) -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    spa.install(app, dist=dist)
    return TestClient(app)


def test_every_app_path_gets_the_page_and_is_revalidated(dist: Path) -> None:
    client = _client(dist)
    for path in ("/", "/login", "/o/account/01a24e8f-5e5a-764d-abfb-0136d32b784c"):
        response = client.get(path)
        assert response.status_code == 200
        assert "id=root" in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_api_paths_keep_their_own_answers(dist: Path) -> None:
    client = _client(dist)
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_assets_are_cached_for_good_and_sent_compressed_when_accepted(dist: Path) -> None:
    client = _client(dist)
    packed = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "immutable" in packed.headers["cache-control"]
    assert packed.text.startswith("console.log")  # the client unpacked it
    plain = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("text/javascript")


def test_only_built_files_are_served(dist: Path) -> None:
    client = _client(dist)
    for path in ("/assets/missing.js", "/assets/index-abc123.js.gz", "/assets/index.html"):
        assert client.get(path).status_code == 404


def test_without_a_build_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    response = _client(tmp_path).get("/")
    assert response.status_code == 503
    assert "make run" in response.text


def test_the_api_reference_is_the_built_page_with_nothing_from_elsewhere(dist: Path) -> None:
    response = _client(dist).get("/api/docs")
    assert response.status_code == 200
    assert 'id="swagger-ui"' in response.text
    assert "http://" not in response.text and "https://" not in response.text


def test_without_a_build_the_api_reference_says_how_to_build_it(tmp_path: Path) -> None:
    response = _client(tmp_path).get("/api/docs")
    assert response.status_code == 503
    assert "make run" in response.text

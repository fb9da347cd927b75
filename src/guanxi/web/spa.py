"""The web app: the SPA built from ``web/`` into ``guanxi/web/dist`` (shipped inside the
package, never committed), served at ``/`` with ``index.html`` for every deep link, and
the API reference page built with it at ``/api/docs``.

Assets have content hashes in their names, so they are cached for a year; ``index.html``
is revalidated on every load so a new build reaches users at once. The build writes a
gzip copy beside each text asset (``web/scripts/compress.mjs``) and it is sent to browsers
that accept it: compression costs nothing per request, and API answers stay uncompressed.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

DIST = Path(__file__).parent / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Guanxi</title>
<p>The web app is not built yet: <code>make run</code> builds it (or <code>make web</code>).
The API's description is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>"""


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _send(path: Path, request: Request, cache: str) -> Response:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in {"application/javascript", "image/svg+xml"}:
        media_type += "; charset=utf-8"
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    packed = path.with_name(path.name + ".gz")
    if _accepts_gzip(request) and packed.is_file():
        headers["Content-Encoding"] = "gzip"
        return FileResponse(packed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


def install(app: FastAPI, dist: Path = DIST) -> None:
    """Serve the built app; registered last, so every API route is matched first."""
    assets = dist / "assets"
    # The asset names are read once: a request names one of them or gets 404, so no
    # path from a URL ever reaches the file system.
    files = (
        {p.name: p for p in assets.iterdir() if p.is_file() and not p.name.endswith(".gz")}
        if assets.is_dir()
        else {}
    )

    @app.get("/assets/{name}", include_in_schema=False)
    def asset(name: str, request: Request) -> Response:
        path = files.get(name)
        if path is None:
            raise StarletteHTTPException(404)
        return _send(path, request, IMMUTABLE)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        # Swagger UI, bundled by the web build (web/api-docs.html): no CDN, so the
        # reference works where the server has no internet access.
        page = dist / "api-docs.html"
        if not page.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return _send(page, request, "no-cache")

    @app.get("/{path:path}", include_in_schema=False)
    def app_page(path: str, request: Request) -> Response:
        if path == "api" or path.startswith("api/"):
            raise StarletteHTTPException(404)  # an unknown API path stays a problem+json 404
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return _send(index, request, "no-cache")

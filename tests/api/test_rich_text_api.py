"""Rich text is untrusted HTML: sanitised, and by default it loads nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from tests.api.conftest import Api

NEWSLETTER = (
    '<p>您好<img src="https://tracker.example/open.gif?u=42" alt="logo">'
    '<img src="//tracker.example/p.gif">'
    '<img src="/\\tracker.example/q.gif">'
    '<img src=" HTTPS://tracker.example/r.gif">'
    '<img src="/api/v1/files/0190f6a0-0000-7000-8000-000000000001" alt="我们的图">'
    '<a href="https://example.com/offer">优惠</a></p>'
)


def add_notes_field(api: Api) -> None:
    api.ok("POST", "/meta/objects", 201, json={"name": "letter", "label": "Letter"})
    api.ok(
        "POST",
        "/meta/objects/letter/fields",
        201,
        json={"name": "body", "label": "Body", "type": "rich_text"},
    )


def test_rich_text_keeps_no_image_from_another_server(admin: Api) -> None:
    """A tracking pixel in pasted HTML would tell its sender who opened the record."""
    add_notes_field(admin)
    created = admin.ok("POST", "/records/letter", 201, json={"body": NEWSLETTER})
    shown = admin.ok("GET", f"/records/letter/{created['id']}")["body"]
    assert "tracker.example" not in shown
    assert '<img alt="logo">' in shown  # the alt text is still there
    assert 'src="/api/v1/files/0190f6a0-0000-7000-8000-000000000001"' in shown
    assert 'href="https://example.com/offer"' in shown  # links load nothing by themselves


def test_a_server_may_choose_to_keep_remote_images(
    admin: Api, installed_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(
        files_dir=tmp_path / "files", search_index_interval=0, rich_text_remote_images="keep"
    )
    app = create_app(settings, db=installed_db, clock=clock)
    keeper = Api(TestClient(app), admin.headers["Authorization"].removeprefix("Bearer "))
    add_notes_field(keeper)
    created = keeper.ok("POST", "/records/letter", 201, json={"body": NEWSLETTER})
    assert 'src="https://tracker.example/open.gif?u=42"' in created["body"]

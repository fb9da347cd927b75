"""Files for file fields: upload, reference from a record, download safely."""

from tests.api.conftest import Api


def test_upload_attach_and_download(admin: Api) -> None:
    admin.ok(
        "POST",
        "/meta/objects/contact/fields",
        201,
        json={
            "name": "business_card",
            "type": "file",
            "label": {"en": "Business card", "zh-CN": "名片"},
        },
    )
    uploaded = admin.ok(
        "POST", "/files", 201, files={"file": ("名片 scan.png", b"\x89PNG fake bytes", "image/png")}
    )
    assert uploaded["size"] == 15 and uploaded["name"] == "名片 scan.png"
    contact = admin.ok(
        "POST", "/records/contact", 201, json={"name": "刘洋", "business_card": uploaded["id"]}
    )
    assert contact["business_card"] == uploaded["id"]
    download = admin.get(f"/files/{uploaded['id']}")
    assert download.status_code == 200 and download.content == b"\x89PNG fake bytes"
    assert download.headers["x-content-type-options"] == "nosniff"


def test_html_downloads_as_an_attachment_and_unknown_ids_are_refused(admin: Api) -> None:
    uploaded = admin.ok(
        "POST",
        "/files",
        201,
        files={"file": ("../../evil.html", b"<script>alert(1)</script>", "text/html")},
    )
    assert uploaded["name"] == "evil.html"
    download = admin.get(f"/files/{uploaded['id']}")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment")
    admin.ok(
        "POST",
        "/meta/objects/contact/fields",
        201,
        json={"name": "card", "type": "file", "label": "Card"},
    )
    bad = admin.post(
        "/records/contact", json={"name": "x", "card": "01890000-0000-7000-8000-000000000000"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "card"


def test_oversized_uploads_are_refused(admin: Api) -> None:
    response = admin.post(
        "/files", files={"file": ("big.bin", b"x" * (1 << 20 + 1), "application/octet-stream")}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"

"""Files for file fields: upload, reference from a record, download safely."""

from tests.api.conftest import Api, Persona


def add_contract_scan(admin: Api) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": "contract_scan", "type": "file", "label": "Contract scan"},
    )


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


def test_files_are_visible_only_through_records_the_user_may_read(
    admin: Api, persona: Persona
) -> None:
    add_contract_scan(admin)
    uploaded = admin.ok(
        "POST", "/files", 201, files={"file": ("合同.pdf", b"%PDF-1.4 secret", "application/pdf")}
    )
    zhang, liu = persona("rep_zhang"), persona("rep_liu")
    assert zhang.get(f"/files/{uploaded['id']}").status_code == 404
    me = zhang.ok("GET", "/auth/me")
    admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "张伟的客户", "owner_id": me["id"], "contract_scan": uploaded["id"]},
    )
    assert zhang.get(f"/files/{uploaded['id']}").status_code == 200
    assert liu.get(f"/files/{uploaded['id']}").status_code == 404
    own = liu.ok("POST", "/files", 201, files={"file": ("note.txt", b"mine", "text/plain")})
    assert liu.get(f"/files/{own['id']}").status_code == 200


def test_a_file_id_only_attaches_when_its_writer_may_see_the_file(
    admin: Api, persona: Persona
) -> None:
    # Otherwise an id seen once (in history, or on a record since moved out of sight)
    # would be a key to the file: attach it to one's own record, then download it.
    add_contract_scan(admin)
    zhang, liu = persona("rep_zhang"), persona("rep_liu")
    secret = liu.ok(
        "POST", "/files", 201, files={"file": ("报价.pdf", b"%PDF liu", "application/pdf")}
    )
    liu.ok(
        "POST", "/records/account", 201, json={"name": "刘的客户", "contract_scan": secret["id"]}
    )
    refused = zhang.post(
        "/records/account", json={"name": "张的客户", "contract_scan": secret["id"]}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "contract_scan"
    mine = zhang.ok("POST", "/records/account", 201, json={"name": "张的客户"})
    patched = zhang.patch(
        f"/records/account/{mine['id']}", json={"contract_scan": secret["id"], "version": 1}
    )
    assert patched.status_code == 422
    assert zhang.get(f"/files/{secret['id']}").status_code == 404
    own = zhang.ok("POST", "/files", 201, files={"file": ("名片.png", b"\x89PNG", "image/png")})
    attached = zhang.ok(
        "PATCH", f"/records/account/{mine['id']}", json={"contract_scan": own["id"], "version": 1}
    )
    assert attached["contract_scan"] == own["id"]
    # A file a record shows them may be attached elsewhere too (copying a reference).
    shown = admin.ok(
        "POST", "/files", 201, files={"file": ("共享.pdf", b"%PDF", "application/pdf")}
    )
    admin.ok(
        "POST",
        "/records/account",
        201,
        json={
            "name": "共享客户",
            "owner_id": zhang.ok("GET", "/auth/me")["id"],
            "contract_scan": shown["id"],
        },
    )
    zhang.ok("POST", "/records/account", 201, json={"name": "另一个", "contract_scan": shown["id"]})

"""Quotes: line amounts and totals in exact decimals, versions, and the PDF."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from guanxi.modules.sales import fonts
from tests.api.conftest import Api, Persona


def money(amount: str, currency: str = "CNY") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def quote(api: Api, **values: Any) -> dict[str, Any]:
    return api.ok("POST", "/records/quote", 201, json={"name": "CRM 企业版报价", **values})


def line(api: Api, quote_id: str, **values: Any) -> dict[str, Any]:
    return api.ok("POST", "/records/quote_line", 201, json={"quote": quote_id, **values})


def test_totals_are_exact_decimals_rounded_half_up(admin: Api) -> None:
    q = quote(admin, discount_percent="10", tax_rate="13")
    first = line(
        admin,
        q["id"],
        name="关系 CRM 企业版授权",
        quantity="3",
        unit_price="1999.99",
        discount_percent="5",
    )
    assert first["amount"] == money("5699.97")  # 5,999.97 × 0.95 = 5,699.9715
    line(admin, q["id"], name="实施服务", quantity="1", unit_price="0.05")
    got = admin.ok("GET", f"/records/quote/{q['id']}")
    assert got["subtotal"] == money("5700.02")
    assert got["discount_amount"] == money("570.00")  # 570.002
    assert got["tax"] == money("666.90")  # 5,130.02 × 0.13 = 666.9026
    assert got["total"] == money("5796.92")
    # a half cent rounds up, and changing the discount moves the totals
    admin.ok(
        "PATCH",
        f"/records/quote/{q['id']}",
        json={"discount_percent": "0.05", "version": got["version"]},
    )
    got = admin.ok("GET", f"/records/quote/{q['id']}")
    assert got["discount_amount"] == money("2.85")  # 2.85001
    assert got["total"] == money("6437.80")  # 5,697.17 + 740.63


def test_editing_and_deleting_lines_moves_the_totals(admin: Api) -> None:
    q = quote(admin, tax_rate="0")
    a = line(admin, q["id"], name="A", quantity="2", unit_price="100.10")
    b = line(admin, q["id"], name="B", quantity="1", unit_price="0.30")
    assert admin.ok("GET", f"/records/quote/{q['id']}")["total"] == money("200.50")
    changed = admin.ok(
        "PATCH", f"/records/quote_line/{a['id']}", json={"quantity": "3", "version": a["version"]}
    )
    assert changed["amount"] == money("300.30")  # the stored price, the new quantity
    admin.ok("DELETE", f"/records/quote_line/{b['id']}", 204)
    assert admin.ok("GET", f"/records/quote/{q['id']}")["subtotal"] == money("300.30")


def test_a_line_from_a_price_book_entry_takes_its_price_and_product_name(admin: Api) -> None:
    product = admin.ok(
        "POST",
        "/records/product",
        201,
        json={"name": "关系 CRM 专业版", "unit": "套", "list_price": "9999.00"},
    )
    book = admin.ok("POST", "/records/price_book", 201, json={"name": "2026 标准价"})
    entry = admin.ok(
        "POST",
        "/records/price_book_entry",
        201,
        json={
            "name": "专业版 2026",
            "price_book": book["id"],
            "product": product["id"],
            "unit_price": "8800.00",
        },
    )
    q = quote(admin, tax_rate="13")
    got = line(admin, q["id"], price_book_entry=entry["id"], quantity="2")
    assert got["unit_price"] == money("8800.00") and got["amount"] == money("17600.00")
    assert got["product"] == product["id"] and got["name"] == "关系 CRM 专业版"
    from_product = line(admin, q["id"], product=product["id"])
    assert from_product["name"] == "关系 CRM 专业版" and from_product["unit"] == "套"
    assert from_product["unit_price"] == money("9999.00")
    refused = admin.post("/records/quote_line", json={"quote": q["id"], "quantity": "1"})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"name", "unit_price"}


def test_lines_follow_the_quotes_currency(admin: Api) -> None:
    q = quote(admin, currency="USD", exchange_rate="7.1", tax_rate="0")
    got = line(admin, q["id"], name="Licence", quantity="1", unit_price="100")
    assert got["amount"] == money("100.00", "USD")
    assert admin.ok("GET", f"/records/quote/{q['id']}")["total"] == money("100.00", "USD")
    refused = admin.patch(f"/records/quote/{q['id']}", json={"currency": "CNY", "version": 2})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "currency"


def test_lines_of_an_accepted_quote_are_read_only(admin: Api, rep_zhang: Api) -> None:
    q = quote(rep_zhang)
    item = line(rep_zhang, q["id"], name="A", quantity="1", unit_price="10")
    current = rep_zhang.ok("GET", f"/records/quote/{q['id']}")
    rep_zhang.ok(
        "PATCH",
        f"/records/quote/{q['id']}",
        json={"status": "accepted", "version": current["version"]},
    )
    refused = rep_zhang.patch(
        f"/records/quote_line/{item['id']}",
        json={"quantity": "2", "version": item["version"]},
        headers={"Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["code"] == "quote_closed" and "修改" in body["title"]
    assert "已接受" in body["errors"][0]["message"]  # in the rep's language (zh-CN)
    english = rep_zhang.post("/records/quote_line", json={"quote": q["id"], "name": "B"})
    assert english.status_code == 409 and "no longer" in english.json()["title"]
    assert admin.delete(f"/records/quote_line/{item['id']}").status_code == 409


def test_revising_makes_a_new_draft_version_and_supersedes_the_old(rep_zhang: Api) -> None:
    q = quote(rep_zhang, status="sent", discount_percent="10", tax_rate="13")
    line(rep_zhang, q["id"], name="A", quantity="3", unit_price="1999.99", position=2)
    line(rep_zhang, q["id"], name="B", quantity="1", unit_price="500", position=1)
    new = rep_zhang.ok("POST", f"/sales/quotes/{q['id']}/revise", 201)
    assert new["quote_version"] == 2 and new["previous_version"] == q["id"]
    assert new["status"] == "draft" and new["id"] != q["id"]
    old = rep_zhang.ok("GET", f"/records/quote/{q['id']}")
    assert old["status"] == "superseded"
    assert new["total"] == old["total"] == money("6610.47")  # 6,499.97 − 650.00 + 760.50
    lines = rep_zhang.ok(
        "GET",
        "/records/quote_line",
        params={"filter": f'{{"field":"quote","op":"eq","value":"{new["id"]}"}}'},
    )["records"]
    assert sorted(x["name"] for x in lines) == ["A", "B"]
    refused = rep_zhang.patch(
        f"/records/quote/{q['id']}", json={"name": "改", "version": old["version"]}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "quote_closed"
    again = rep_zhang.post(f"/sales/quotes/{q['id']}/revise")
    assert again.status_code == 409


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_prints_the_quote_in_chinese_with_the_number_as_file_name(
    admin: Api, persona: Persona
) -> None:
    account = admin.ok(
        "POST",
        "/records/account",
        201,
        json={
            "name": "北京字节跳动科技有限公司",
            "address": {"city": "北京市", "street": "知春路 63 号"},
        },
    )
    contact = admin.ok(
        "POST", "/records/contact", 201, json={"name": "张一鸣", "account": account["id"]}
    )
    q = quote(admin, account=account["id"], contact=contact["id"], tax_rate="13")
    line(admin, q["id"], name="关系 CRM 企业版授权", quantity="3", unit_price="1999.99")
    response = admin.get(f"/sales/quotes/{q['id']}/pdf", params={"language": "zh-CN"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    number = admin.ok("GET", f"/records/quote/{q['id']}")["quote_no"]
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    text = _pdf_text(response.content)
    assert number in text and "北京字节跳动科技有限公司" in text and "张一鸣" in text
    assert "报价单" in text and "6,779.97" in text  # 5,999.97 + 13 % tax
    english = _pdf_text(admin.get(f"/sales/quotes/{q['id']}/pdf?language=en").content)
    assert "QUOTATION" in english
    # a rep who may not read the quote gets a 404, not its PDF
    assert persona("rep_wang").get(f"/sales/quotes/{q['id']}/pdf").status_code == 404


def test_pdf_without_installed_fonts_says_how_to_install_them(
    admin: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    q = quote(admin)
    monkeypatch.setattr(fonts, "FONTS_DIR", tmp_path)  # a server where they were never made
    response = admin.get(f"/sales/quotes/{q['id']}/pdf")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "python -m guanxi.modules.sales.fonts" in response.json()["detail"]


def test_content_disposition_names_non_ascii_numbers_by_rfc_5987() -> None:
    from guanxi.modules.sales.cash_router import content_disposition

    assert content_disposition("报价-1") == (
        "attachment; filename=\"__-1.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7-1.pdf"
    )


def test_administrators_keep_the_letterhead_the_pdf_prints(admin: Api, rep_zhang: Api) -> None:
    default = admin.ok("GET", "/sales/settings/letterhead")
    assert default["version"] == 0  # from the GUANXI_COMPANY_* settings
    assert default["letterhead"]["name"]["en"] == "Guanxi Technology Co., Ltd."
    company = {
        "name": {"zh-CN": "北京关系科技有限公司", "en": "Beijing Guanxi Technology Co., Ltd."},
        "address": {"zh-CN": "北京市海淀区中关村大街 1 号", "en": "1 Zhongguancun Street, Beijing"},
        "phone": "+86 10 8888 6666",
    }
    saved = admin.ok("PUT", "/sales/settings/letterhead", json=company, headers={"If-Match": '"0"'})
    assert saved["version"] == 1
    stale = admin.request(
        "PUT", "/sales/settings/letterhead", json=company, headers={"If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert rep_zhang.request("PUT", "/sales/settings/letterhead", json=company).status_code == 403
    nameless = admin.request("PUT", "/sales/settings/letterhead", json={"name": {"en": ""}})
    assert nameless.status_code == 422
    q = quote(rep_zhang, tax_rate="0")
    line(rep_zhang, q["id"], name="授权", quantity="1", unit_price="1")
    chinese = _pdf_text(rep_zhang.get(f"/sales/quotes/{q['id']}/pdf").content)  # zh-CN user
    assert "北京关系科技有限公司" in chinese and "中关村大街" in chinese
    english = _pdf_text(rep_zhang.get(f"/sales/quotes/{q['id']}/pdf?language=en").content)
    assert "Beijing Guanxi Technology" in english and "Zhongguancun Street" in english

"""The quote PDF as a customer receives it: read back with pypdf, text, fonts and pages."""

import dataclasses
import datetime as dt
import io
import re
from decimal import Decimal
from importlib import resources

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from guanxi.modules.sales.fonts import FONTS_DIR
from guanxi.modules.sales.pdf import (
    FONT_FILES,
    Letterhead,
    QuoteCustomer,
    QuoteDocument,
    QuoteLine,
    format_money,
    format_number,
    render_quote,
)
from guanxi.modules.sales.rmb import rmb_upper

LONG_NAME = (
    "华为云服务器 ECS 通用计算增强型 c7.2xlarge.4（8 vCPU | 32 GiB）年度包月套餐"
    "——含企业级技术支持、异地容灾与数据备份服务"
)
NOW = dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.UTC)


def quote(lines: int = 60, currency: str = "CNY") -> QuoteDocument:
    items = []
    for i in range(1, lines + 1):
        price = Decimal("1234.50")
        discount = Decimal(10) if i % 2 else Decimal(0)
        amount = (i * price * (100 - discount) / 100).quantize(Decimal("0.01"))
        items.append(
            QuoteLine(
                product_name=LONG_NAME if i == 3 else f"关系 CRM 企业版授权 Enterprise licence {i}",
                description="含安装与培训 / installation and training" if i % 3 == 0 else None,
                quantity=Decimal(i),
                unit="套",
                unit_price=price,
                discount_percent=discount,
                line_amount=amount,
            )
        )
    subtotal = sum((line.line_amount for line in items), Decimal(0))
    total_discount = Decimal("1000.00")
    tax = ((subtotal - total_discount) * Decimal("0.13")).quantize(Decimal("0.01"))
    return QuoteDocument(
        letterhead=Letterhead(
            name="北京关系科技有限公司",
            name_other_language="Beijing Guanxi Technology Co., Ltd.",
            address="北京市海淀区中关村大街 1 号 关系大厦 12 层",
            phone="+86 10 8888 6666",
            email="sales@guanxi.example",
            website="www.guanxi.example",
            tax_id="91110108MA01ABCD2X",
            bank_name="招商银行北京中关村支行",
            bank_account="1109 0123 4567 890",
        ),
        number="Q-2026-0042",
        version=2,
        date=dt.date(2026, 11, 23),
        valid_until=dt.date(2026, 12, 23),
        customer=QuoteCustomer(
            account_name="北京字节跳动科技有限公司",
            contact_name="王晓明",
            address="北京市海淀区知春路甲 48 号",
        ),
        currency=currency,
        lines=items,
        subtotal=subtotal,
        total_discount=total_discount,
        tax_rate_percent=Decimal(13),
        tax=tax,
        grand_total=subtotal - total_discount + tax,
        terms="1. 本报价有效期 30 天。\n2. 付款方式：合同签订后支付 50%，验收后支付余款。",
        prepared_by="张伟",
    )


@pytest.fixture(scope="module")
def zh_pdf() -> PdfReader:
    return PdfReader(io.BytesIO(render_quote(quote(), "zh-CN", created_at=NOW)))


@pytest.fixture(scope="module")
def en_pdf() -> PdfReader:
    return PdfReader(io.BytesIO(render_quote(quote(), "en", created_at=NOW)))


def texts(pdf: PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


def test_chinese_quote_reads_back_with_company_customer_and_totals(zh_pdf: PdfReader) -> None:
    doc = quote()
    text = "\n".join(texts(zh_pdf))
    for expected in (
        "北京关系科技有限公司",
        "Beijing Guanxi Technology Co., Ltd.",
        "北京字节跳动科技有限公司",
        "联系人：王晓明",
        "报价单",
        "Q-2026-0042",
        "第 2 版",
        "2026年11月23日",
        "有效期至",
        "数量",
        "单价",
        "价税合计",
        "税额（13%）",
        "1. 本报价有效期 30 天。",
        "制单人",
        "张伟",
    ):
        assert expected in text
    assert doc.grand_total == Decimal("2426143.90")
    assert f"小计\n¥{doc.subtotal:,.2f}" in text or f"¥{doc.subtotal:,.2f}" in text
    assert "-¥1,000.00" in text
    assert "¥279,113.90" in text
    assert "¥2,426,143.90" in text
    assert "人民币（大写）：贰佰肆拾贰万陆仟壹佰肆拾叁元玖角整" in text
    assert rmb_upper(doc.grand_total) == "贰佰肆拾贰万陆仟壹佰肆拾叁元玖角整"


def test_sixty_lines_run_over_pages_each_with_the_table_heading_and_its_page_number(
    zh_pdf: PdfReader,
) -> None:
    pages = texts(zh_pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} / {len(pages)} 页" in text
    with_lines = [text for text in pages if "Enterprise licence" in text]
    assert len(with_lines) >= 3
    for text in with_lines:
        assert "产品 / 描述" in text and "金额 (CNY)" in text
    assert re.search(r"licence 1\b", pages[0])
    assert not re.search(r"licence 60\b", pages[0])
    assert re.search(r"licence 60\b", pages[-1] + pages[-2])
    # Every line's amount is printed exactly, on whichever page it fell.
    for line in quote().lines:
        assert any(f"{line.line_amount:,.2f}" in text for text in pages)


def test_long_product_name_wraps_within_its_column(zh_pdf: PdfReader) -> None:
    text = zh_pdf.pages[0].extract_text()
    assert LONG_NAME not in text  # not on one line running into the next columns
    assert LONG_NAME.replace(" ", "") in re.sub(r"\s", "", text)


def test_font_is_embedded_and_subset(zh_pdf: PdfReader) -> None:
    installed = (FONTS_DIR / FONT_FILES[""]).stat().st_size
    fonts = _fonts(zh_pdf)
    assert {font["/Subtype"] for font in fonts.values()} == {"/Type0"}
    assert len(fonts) == 2  # regular and bold
    for name, font in fonts.items():
        # A subset font is named with a six-letter tag: ABCDEF+NotoSansSC
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansSC(Bold)?", name)
        cid_font = font["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"].get_object()
        embedded = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        assert embedded is not None, f"{name} is not embedded"
        data = embedded.get_object().get_data()
        # Only the glyphs this quote uses, not the 7 MB of the installed font
        assert 1_000 < len(data) < installed / 10
        assert "/ToUnicode" in font  # so the text can be searched and copied


def _fonts(pdf: PdfReader) -> dict[str, DictionaryObject]:
    found: dict[str, DictionaryObject] = {}
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
    return found


def test_english_quote_has_english_labels_and_no_amount_in_words(en_pdf: PdfReader) -> None:
    pages = texts(en_pdf)
    text = "\n".join(pages)
    for expected in (
        "QUOTATION",
        "Quote no.",
        "Valid until",
        "23 Dec 2026",
        "version 2",
        "Customer",
        "Attn.: 王晓明",
        "Product / description",
        "Qty",
        "Unit price",
        "Amount (CNY)",
        "Subtotal",
        "Tax (13%)",
        "Total",
        "¥2,426,143.90",
        "Terms and notes",
        "Prepared by",
    ):
        assert expected in text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    for chinese_label in ("报价单", "数量", "价税合计", "大写"):
        assert chinese_label not in text


def test_amount_in_words_only_for_yuan(en_pdf: PdfReader) -> None:
    usd = PdfReader(io.BytesIO(render_quote(quote(lines=2, currency="USD"), "zh-CN")))
    text = "\n".join(texts(usd))
    assert "$" in text and "大写" not in text
    assert "大写" not in "\n".join(texts(en_pdf))


def test_product_text_is_printed_literally_not_as_markup() -> None:
    doc = quote(lines=1)
    line = QuoteLine(
        product_name="A--B **粗体** __x__ ~~y~~ C:\\temp",
        quantity=Decimal("2.5"),
        unit="m²",
        unit_price=Decimal("0.0125"),
        line_amount=Decimal("0.03"),
    )
    doc = dataclasses.replace(doc, lines=[line])
    text = PdfReader(io.BytesIO(render_quote(doc, "zh-CN"))).pages[0].extract_text()
    assert "A--B **粗体** __x__ ~~y~~ C:\\temp" in text
    assert "0.0125" in text  # a unit price is never rounded to cents on paper


def test_same_document_and_time_give_the_same_bytes() -> None:
    doc = quote(lines=3)
    assert render_quote(doc, "en", created_at=NOW) == render_quote(doc, "en", created_at=NOW)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        render_quote(quote(lines=1), "fr")  # type: ignore[arg-type]


def test_installed_fonts_are_truetype_and_their_licence_ships_with_them() -> None:
    for name in FONT_FILES.values():
        head = (FONTS_DIR / name).read_bytes()[:4]
        assert head == b"\x00\x01\x00\x00"  # TrueType outlines: every PDF reader's /FontFile2
    licence = resources.files("guanxi.modules.sales.fonts") / "LICENSE-OFL.txt"
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence.read_text()


@pytest.mark.parametrize(
    ("amount", "currency", "printed"),
    [
        (Decimal("1234567.5"), "CNY", "¥1,234,567.50"),
        (Decimal("0"), "USD", "$0.00"),
        (Decimal("-12.3"), "EUR", "-€12.30"),
        (Decimal("99.99"), "CHF", "CHF 99.99"),
        (Decimal("0.0125"), None, "0.0125"),
        (Decimal("1E+3"), None, "1,000.00"),
        (Decimal("123456789012.34"), None, "123,456,789,012.34"),
    ],
)
def test_money_is_printed_exactly(amount: Decimal, currency: str | None, printed: str) -> None:
    assert format_money(amount, currency) == printed


def test_quantities_print_as_written() -> None:
    assert format_number(Decimal("2.50")) == "2.5"
    assert format_number(Decimal("12000")) == "12,000"
    assert format_number(Decimal("1E+1")) == "10"


def test_name_characters_beyond_gb2312_print_and_unknown_ones_show_a_box() -> None:
    doc = dataclasses.replace(
        quote(lines=1),
        customer=QuoteCustomer(account_name="上海陶喆堃昇文化有限公司", contact_name="李珺𠀀"),
        lines=[
            QuoteLine(
                product_name="镕喆定制服务",
                quantity=Decimal(1),
                unit="项",
                unit_price=Decimal(1),
                line_amount=Decimal(1),
            )
        ],
        prepared_by="王喆",
    )
    text = PdfReader(io.BytesIO(render_quote(doc, "zh-CN"))).pages[0].extract_text()
    # 喆 堃 昇 珺 镕 are not in GB2312 (nor in the bold font): drawn all the same
    assert "上海陶喆堃昇文化有限公司" in text
    assert "镕喆定制服务" in text
    assert "王喆" in text
    # 𠀀 (extension B) is in no font shipped: a box shows that something is missing
    assert "李珺□" in text

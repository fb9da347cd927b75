"""A quote (报价单) as a PDF on the company's letterhead, in Chinese or English.

`render_quote(document, "zh-CN")` returns the PDF's bytes. The document carries
everything printed, already computed: this module formats and lays out, it does not
add up (the quote service owns the arithmetic, so the PDF shows the amounts it stored).

The Chinese font (Noto Sans SC, subset at install time by `fonts`) is
embedded in every PDF, subset again to the characters used, so the PDF reads the same on a
machine without any Chinese font.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.enums import TableBordersLayout, TableCellFillMode

from guanxi.modules.sales import fonts
from guanxi.modules.sales.linebreak import wrap
from guanxi.modules.sales.rmb import rmb_upper

Language = Literal["zh-CN", "en"]

FONT_FAMILY = "NotoSansSC"
# Regular has every CJK Unified Ideograph (a name's rare 喆 or 堃 too); Bold, for headings and
# product names, only GB2312, falling back to Regular for the rest (fonts/__init__.py).
FONT_FILES = {"": fonts.REGULAR, "B": fonts.BOLD}
MISSING_GLYPH = "□"
"""Printed for a character the fonts lack (CJK extension B and beyond), never dropped."""

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "JPY": "JP¥"}


@dataclass(frozen=True)
class Letterhead:
    """The issuing company, as printed at the top of the first page."""

    name: str
    address: str
    phone: str
    email: str
    website: str
    name_other_language: str | None = None  # e.g. the English name under 北京关系科技有限公司
    tax_id: str | None = None  # 统一社会信用代码 / 纳税人识别号
    bank_name: str | None = None
    bank_account: str | None = None


@dataclass(frozen=True)
class QuoteCustomer:
    account_name: str
    contact_name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class QuoteLine:
    product_name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    line_amount: Decimal  # after the line's discount, before tax
    discount_percent: Decimal = Decimal(0)
    description: str | None = None


@dataclass(frozen=True)
class QuoteDocument:
    """Everything a quote PDF prints. Amounts are in `currency`, exactly as stored."""

    letterhead: Letterhead
    number: str
    version: int
    date: dt.date
    valid_until: dt.date
    customer: QuoteCustomer
    currency: str  # ISO 4217, e.g. "CNY"
    lines: Sequence[QuoteLine]
    subtotal: Decimal  # sum of the line amounts
    total_discount: Decimal  # the quote-level discount, a positive amount taken off
    tax_rate_percent: Decimal  # 13 for 13 %
    tax: Decimal
    grand_total: Decimal
    terms: str = ""
    prepared_by: str = ""


LABELS: dict[str, dict[Language, str]] = {
    "title": {"zh-CN": "报价单", "en": "QUOTATION"},
    "number": {"zh-CN": "报价单号", "en": "Quote no."},
    "version": {"zh-CN": "版本", "en": "Version"},
    "date": {"zh-CN": "报价日期", "en": "Date"},
    "valid_until": {"zh-CN": "有效期至", "en": "Valid until"},
    "currency": {"zh-CN": "币种", "en": "Currency"},
    "customer": {"zh-CN": "客户", "en": "Customer"},
    "contact": {"zh-CN": "联系人", "en": "Attn."},
    "address": {"zh-CN": "地址", "en": "Address"},
    "phone": {"zh-CN": "电话", "en": "Tel."},
    "email": {"zh-CN": "邮箱", "en": "E-mail"},
    "website": {"zh-CN": "网址", "en": "Web"},
    "tax_id": {"zh-CN": "税号", "en": "Tax ID"},
    "bank": {"zh-CN": "开户行及账号", "en": "Bank account"},
    "line_no": {"zh-CN": "序号", "en": "#"},
    "product": {"zh-CN": "产品 / 描述", "en": "Product / description"},
    "quantity": {"zh-CN": "数量", "en": "Qty"},
    "unit": {"zh-CN": "单位", "en": "Unit"},
    "unit_price": {"zh-CN": "单价", "en": "Unit price"},
    "discount": {"zh-CN": "折扣", "en": "Disc."},
    "amount": {"zh-CN": "金额", "en": "Amount"},
    "subtotal": {"zh-CN": "小计", "en": "Subtotal"},
    "total_discount": {"zh-CN": "整单折扣", "en": "Discount"},
    "tax": {"zh-CN": "税额（{rate}）", "en": "Tax ({rate})"},
    "grand_total": {"zh-CN": "价税合计", "en": "Total"},
    "in_words": {"zh-CN": "人民币（大写）", "en": "Amount in words"},
    "terms": {"zh-CN": "条款与备注", "en": "Terms and notes"},
    "prepared_by": {"zh-CN": "制单人", "en": "Prepared by"},
    "accepted_by": {"zh-CN": "客户确认（签字 / 盖章）", "en": "Accepted by (signature and stamp)"},
    "signed_on": {"zh-CN": "日期", "en": "Date"},
    "page": {"zh-CN": "第 {page} / {pages} 页", "en": "Page {page} of {pages}"},
    "version_n": {"zh-CN": "第 {n} 版", "en": "version {n}"},
}
_COLON = {"zh-CN": "：", "en": ": "}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# A4 portrait, millimetres
_MARGIN = 15.0
_ACCENT = (31, 78, 121)
_TEXT = (34, 34, 34)
_MUTED = (102, 102, 102)
_RULE = (190, 200, 212)
_HEAD_FILL = (231, 238, 246)
_ROW_FILL = (247, 249, 251)
# 序号, product, quantity, unit, unit price, discount, amount: 180 mm
_COLUMNS = (9.0, 69.0, 17.0, 13.0, 25.0, 14.0, 33.0)
_CELL_PADDING_X = 1.4
_TABLE_SIZE = 8.0


def render_quote(
    doc: QuoteDocument, language: Language, *, created_at: dt.datetime | None = None
) -> bytes:
    """Lay out `doc` on A4 pages in `language` and return the PDF.

    `created_at` (pass ctx.now) becomes the PDF's creation date; with the same
    document and time the bytes are the same. Raises ValueError for an unknown language.
    """
    if language not in ("zh-CN", "en"):
        raise ValueError(f"no quote layout in language {language!r}")
    pdf = _QuotePDF(doc, language)
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, fonts.FONTS_DIR / name)
    pdf.set_fallback_fonts([FONT_FAMILY], exact_match=False)
    pdf.add_page()
    pdf.body()
    pdf.number_pages()
    pdf.set_title(f"{_label('title', language)} {doc.number}")
    pdf.set_author(doc.letterhead.name)
    pdf.set_creator("Guanxi")
    pdf.set_lang(language)
    if created_at is not None:
        pdf.set_creation_date(created_at)
    return bytes(pdf.output())


def _label(key: str, language: Language, **values: object) -> str:
    return LABELS[key][language].format(**values)


def format_money(amount: Decimal, currency: str | None = None) -> str:
    """12345.6 → "12,345.60"; with a currency, "¥12,345.60" or "CHF 12,345.60".

    Two decimals, more only when the amount has them (a unit price of 0.0125 is
    printed whole): an amount is never rounded on paper.
    """
    places = max(2, -int(amount.normalize().as_tuple().exponent))
    text = f"{abs(amount):,.{places}f}"
    if currency is not None:
        symbol = CURRENCY_SYMBOLS.get(currency)
        text = f"{symbol}{text}" if symbol else f"{currency} {text}"
    return f"-{text}" if amount < 0 else text


def format_number(value: Decimal) -> str:
    """A quantity or a percentage as written: 2 → "2", 2.50 → "2.5", 12000 → "12,000"."""
    normal = value.normalize()
    exponent = int(normal.as_tuple().exponent)
    return f"{normal:,.{max(0, -exponent)}f}"


def format_date(day: dt.date, language: Language) -> str:
    if language == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _markdown_escape(text: str) -> str:
    # Table cells are read as markdown (for the bold product name): keep user text literal.
    text = text.replace("\\", "\\\\")
    for marker in FPDF.MARKDOWN_MARKERS:
        text = text.replace(marker, "\\" + marker)
    return text


class _QuotePDF(FPDF):
    def __init__(self, doc: QuoteDocument, language: Language) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.language: Language = language
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=18)

    # fpdf2 calls header() and footer() on every page
    def header(self) -> None:
        if self.page_no() == 1:
            self._letterhead()
        else:
            self._running_head()

    def normalize_text(self, text: str) -> str:
        # fpdf2 leaves out a character no font has, with a log line: a name would lose it
        # unseen. A box shows the reader that something is missing.
        text = super().normalize_text(text)
        covered = self.fonts[FONT_FAMILY.lower()].cmap  # type: ignore[union-attr]
        if all(ord(char) in covered or char in "\r\n" for char in text):
            return text
        return "".join(
            char if ord(char) in covered or char in "\r\n" else MISSING_GLYPH for char in text
        )

    def _has_glyphs(self, text: str, bold: bool) -> bool:
        font = self.fonts[FONT_FAMILY.lower() + ("B" if bold else "")]
        return all(ord(char) in font.cmap for char in text)  # type: ignore[union-attr]

    def number_pages(self) -> None:
        """Write each page's footer once the number of pages is known.

        (fpdf2's {nb} alias would be narrower once replaced, leaving a gap before the
        right margin; going back to each page prints "Page 1 of 3" exactly.)
        """
        doc, lang = self.doc, self.language
        last = self.page
        self.set_auto_page_break(False)
        number = (
            f"{_label('title', lang)} {doc.number} · {_label('version_n', lang, n=doc.version)}"
        )
        for page in range(1, self.pages_count + 1):
            self.page = page
            self.set_xy(_MARGIN, self.h - 13)
            self._font(7.5, color=_MUTED)
            # Each page's content has its own text state: select the font on this one too.
            self.current_font_is_set_on_page = False
            self.cell(90, 5, number)
            text = _label("page", lang, page=page, pages=self.pages_count)
            self.cell(0, 5, text, align="R")
        self.page = last

    def _multi(self, w: float, h: float, text: str, **kwargs: Any) -> None:
        """multi_cell, with lines broken between Chinese characters too (see linebreak)."""
        width = (w or self.w - self.r_margin - self.x) - 2 * self.c_margin - 0.3
        lines = wrap(text, width, self.get_string_width)
        self.multi_cell(w, h, "\n".join(lines), **kwargs)

    def _font(self, size: float, bold: bool = False, color: tuple[int, int, int] = _TEXT) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def _letterhead(self) -> None:
        head, lang = self.doc.letterhead, self.language
        colon = _COLON[lang]
        top = self.t_margin
        self.set_xy(_MARGIN, top)
        self._font(15, bold=True, color=_ACCENT)
        self._multi(95, 7, head.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if head.name_other_language:
            self._font(8.5, color=_MUTED)
            self._multi(95, 4.5, head.name_other_language, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left_bottom = self.get_y()

        contact = [head.address, f"{_label('phone', lang)}{colon}{head.phone}"]
        contact.append(f"{_label('email', lang)}{colon}{head.email}  ·  {head.website}")
        if head.tax_id:
            contact.append(f"{_label('tax_id', lang)}{colon}{head.tax_id}")
        if head.bank_name or head.bank_account:
            bank = " ".join(p for p in (head.bank_name, head.bank_account) if p)
            contact.append(f"{_label('bank', lang)}{colon}{bank}")
        self.set_xy(_MARGIN + 95, top)
        self._font(7.5, color=_MUTED)
        for text in contact:
            self.set_x(_MARGIN + 95)
            self._multi(85, 3.8, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = max(left_bottom, self.get_y()) + 2
        self._rule(y, width=0.6, color=_ACCENT)
        self.set_y(y + 4)

    def _running_head(self) -> None:
        doc, lang = self.doc, self.language
        self.set_y(self.t_margin - 4)
        self._font(8.5, bold=True, color=_ACCENT)
        self.cell(110, 5, doc.letterhead.name)
        self._font(8, color=_MUTED)
        self.cell(0, 5, f"{_label('title', lang)} {doc.number}", align="R")
        self._rule(self.get_y() + 6, width=0.3, color=_ACCENT)
        self.set_y(self.get_y() + 9)

    def _rule(self, y: float, width: float, color: tuple[int, int, int]) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(_MARGIN, y, self.w - _MARGIN, y)

    def body(self) -> None:
        self._title_and_parties()
        self._lines_table()
        self._totals()
        self._terms_and_signatures()

    def _title_and_parties(self) -> None:
        doc, lang = self.doc, self.language
        colon = _COLON[lang]
        self._font(18, bold=True, color=_ACCENT)
        self.cell(0, 10, _label("title", lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        top = self.get_y() + 2

        self.set_xy(_MARGIN, top)
        self._font(8, color=_MUTED)
        self.cell(100, 5, _label("customer", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font(10.5, bold=True)
        self._multi(100, 5.5, doc.customer.account_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font(8.5)
        if doc.customer.contact_name:
            text = f"{_label('contact', lang)}{colon}{doc.customer.contact_name}"
            self._multi(100, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if doc.customer.address:
            text = f"{_label('address', lang)}{colon}{doc.customer.address}"
            self._multi(100, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left_bottom = self.get_y()

        facts = [
            ("number", doc.number),
            ("version", _label("version_n", lang, n=doc.version)),
            ("date", format_date(doc.date, lang)),
            ("valid_until", format_date(doc.valid_until, lang)),
            ("currency", doc.currency),
        ]
        self.set_y(top)
        for key, value in facts:
            self.set_x(_MARGIN + 110)
            self._font(8.5, color=_MUTED)
            self.cell(24, 5, _label(key, lang))
            self._font(8.5, bold=key == "number")
            self.cell(46, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(max(left_bottom, self.get_y()) + 5)

    def _lines_table(self) -> None:
        doc, lang = self.doc, self.language
        headings = [
            _label("line_no", lang),
            _label("product", lang),
            _label("quantity", lang),
            _label("unit", lang),
            _label("unit_price", lang),
            _label("discount", lang),
            f"{_label('amount', lang)} ({doc.currency})",
        ]
        rows = [[_markdown_escape(h) for h in headings]]
        text_width = _COLUMNS[1] - 2 * _CELL_PADDING_X - 0.3
        for index, line in enumerate(doc.lines, start=1):
            # Bold only when the bold font has every character: fpdf2 applies no fallback
            # font within markdown, and Bold covers GB2312 only.
            bold = self._has_glyphs(line.product_name, bold=True)
            self._font(_TABLE_SIZE, bold=bold)
            marker = "**" if bold else ""
            product = [
                f"{marker}{_markdown_escape(text)}{marker}" if text else ""
                for text in wrap(line.product_name, text_width, self.get_string_width)
            ]
            if line.description:
                self._font(_TABLE_SIZE)
                lines = wrap(line.description, text_width, self.get_string_width)
                product += [_markdown_escape(text) for text in lines]
            discount = f"{format_number(line.discount_percent)}%" if line.discount_percent else "—"
            rows.append(
                [
                    str(index),
                    "\n".join(product),
                    _markdown_escape(format_number(line.quantity)),
                    _markdown_escape(line.unit),
                    format_money(line.unit_price),
                    discount,
                    format_money(line.line_amount),
                ]
            )
        self._font(_TABLE_SIZE)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        with self.table(
            col_widths=_COLUMNS,
            text_align=("CENTER", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT", "RIGHT"),
            v_align="TOP",
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            cell_fill_color=_ROW_FILL,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            headings_style=FontFace(emphasis="BOLD", color=_ACCENT, fill_color=_HEAD_FILL),
            line_height=4.2,
            padding=(1.6, _CELL_PADDING_X, 1.0, _CELL_PADDING_X),
            markdown=True,
            repeat_headings=1,
        ) as table:
            for row in rows:
                table.row(row)

    def _totals(self) -> None:
        doc, lang = self.doc, self.language
        rows = [
            (_label("subtotal", lang), format_money(doc.subtotal, doc.currency)),
        ]
        if doc.total_discount:
            rows.append(
                (_label("total_discount", lang), format_money(-doc.total_discount, doc.currency))
            )
        rate = f"{format_number(doc.tax_rate_percent)}%"
        rows.append((_label("tax", lang, rate=rate), format_money(doc.tax, doc.currency)))
        in_words = lang == "zh-CN" and doc.currency == "CNY" and doc.grand_total >= 0
        needed = 6 * len(rows) + 10 + (8 if in_words else 0)
        if self.get_y() + 3 + needed > self.page_break_trigger:
            self.add_page()
        self.set_y(self.get_y() + 3)
        x = self.w - _MARGIN - 85
        for label, value in rows:
            self.set_x(x)
            self._font(8.5, color=_MUTED)
            self.cell(45, 6, label)
            self._font(8.5)
            self.cell(40, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*_ACCENT)
        self.set_line_width(0.4)
        self.line(x, self.get_y() + 0.5, self.w - _MARGIN, self.get_y() + 0.5)
        self.set_xy(x, self.get_y() + 1.5)
        self._font(10.5, bold=True, color=_ACCENT)
        self.cell(40, 8, _label("grand_total", lang))
        total = format_money(doc.grand_total, doc.currency)
        self.cell(45, 8, total, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if in_words:
            self._font(9, bold=True)
            text = f"{_label('in_words', lang)}{_COLON[lang]}{rmb_upper(doc.grand_total)}"
            self.cell(0, 8, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _terms_and_signatures(self) -> None:
        doc, lang = self.doc, self.language
        colon = _COLON[lang]
        if doc.terms.strip():
            if self.get_y() + 20 > self.page_break_trigger:
                self.add_page()
            self.set_y(self.get_y() + 4)
            self._font(9, bold=True, color=_ACCENT)
            self.cell(0, 6, _label("terms", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self._font(8.5)
            self._multi(0, 4.6, doc.terms.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        if self.get_y() + 26 > self.page_break_trigger:
            self.add_page()
        top = self.get_y() + 8
        self.set_xy(_MARGIN, top)
        self._font(8.5, color=_MUTED)
        self.cell(
            80, 5, f"{_label('prepared_by', lang)}{colon}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self._font(9.5)
        self.cell(80, 7, doc.prepared_by)
        self.set_xy(_MARGIN + 95, top)
        self._font(8.5, color=_MUTED)
        self.cell(85, 5, f"{_label('accepted_by', lang)}{colon}")
        self.set_draw_color(*_MUTED)
        self.set_line_width(0.2)
        self.line(_MARGIN + 95, top + 14, self.w - _MARGIN, top + 14)
        self.set_xy(_MARGIN + 95, top + 15)
        self.cell(85, 5, f"{_label('signed_on', lang)}{colon}")

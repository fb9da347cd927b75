"""CSV and XLSX export of the records a user may read, read in keyset-paged batches.

The file is built in memory, so it is capped at MAX_ROWS; large exports as background jobs
with progress belong to the import/export work.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from guanxi.platform.records import reader
from guanxi.platform.records.context import Ctx

MAX_ROWS = 50_000
BATCH = 1_000
# A cell starting with one of these is a formula to Excel/WPS: prefix it so it stays text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One CSV cell: structured values flattened, spreadsheet formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, dict):
        if "amount" in value:
            text = f"{value['amount']} {value.get('currency') or ''}".strip()
        else:
            text = " ".join(str(v) for v in value.values() if v)
    elif isinstance(value, list):
        text = "; ".join(str(v) for v in value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass
class Export:
    """The exported rows (header first), how many records, and whether MAX_ROWS cut it."""

    rows: list[list[Any]]
    count: int
    truncated: bool


def export_rows(
    ctx: Ctx,
    object_name: str,
    *,
    filter: Any = None,
    sort: Any = None,
    fields: list[str] | None = None,
) -> Export:
    """A header row, then the matching records the user may export, as read.

    Needs the export permission; scope and hidden fields apply exactly as for a list.
    """
    obj = ctx.snap.object(object_name)
    reader.require(ctx.actor.policy, "export", obj)
    # Only what a role that may export covers (a read-everything role beside an
    # export-my-own role exports the user's own records).
    table = ctx.snap.table(obj.name)
    exportable = ctx.actor.policy.predicate("export", obj.name, table)
    cursor: str | None = None
    written = 0
    header: list[str] | None = None
    rows: list[list[Any]] = []
    while written < MAX_ROWS:
        page = reader.query(
            ctx.conn,
            ctx.snap,
            obj,
            ctx.zone,
            ctx.now,
            filter=filter,
            sort=sort,
            limit=BATCH,
            cursor=cursor,
            fields=fields,
            policy=ctx.actor.policy,
            extra_where=[exportable],
        )
        if header is None:
            header = list(page.records[0]) if page.records else ["id"]
            rows.append(list(header))
        for record in page.records[: MAX_ROWS - written]:
            rows.append([record.get(key) for key in header])
        written += min(len(page.records), MAX_ROWS - written)
        cursor = page.next_cursor
        if cursor is None:
            break
    return Export(rows=rows, count=written, truncated=cursor is not None)


def to_csv(export: Export) -> str:
    """CSV text, structured values flattened and spreadsheet formulas neutralised."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(export.rows[0])
    for row in export.rows[1:]:
        out.writerow([cell(value) for value in row])
    return buffer.getvalue()


def to_xlsx(export: Export, sheet: str) -> bytes:
    """An XLSX workbook of one sheet. Every value is written as a string cell (amounts
    keep every digit; a value starting with ``=`` stays text, never a formula) except
    whole numbers and booleans, written as what they are."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    worksheet = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    for col, name in enumerate(export.rows[0]):
        worksheet.write_string(0, col, str(name), bold)
    for r, row in enumerate(export.rows[1:], start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(r, col, value)
            elif isinstance(value, int) and abs(value) < 2**53:
                worksheet.write_number(r, col, value)
            else:
                text = cell(value)
                worksheet.write_string(r, col, text[1:] if text.startswith("'") else text)
    worksheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()

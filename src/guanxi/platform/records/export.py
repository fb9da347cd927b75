"""CSV export of the records a user may read, read in keyset-paged batches.

The file is built in memory, so it is capped at MAX_ROWS; large exports as background jobs
with progress belong to the import/export work.
"""

from __future__ import annotations

import csv
import io
from typing import Any

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


def export_csv(
    ctx: Ctx,
    object_name: str,
    *,
    filter: Any = None,
    sort: Any = None,
    fields: list[str] | None = None,
) -> tuple[str, int, bool]:
    """CSV text (a header row, then the matching records the user may read), the row count,
    and whether MAX_ROWS cut it short.

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
    buffer = io.StringIO()
    out = csv.writer(buffer)
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
            out.writerow(header)
        for record in page.records[: MAX_ROWS - written]:
            out.writerow([cell(record.get(key)) for key in header])
        written += min(len(page.records), MAX_ROWS - written)
        cursor = page.next_cursor
        if cursor is None:
            break
    return buffer.getvalue(), written, cursor is not None

"""The one writer of spreadsheet and CSV exports (openpyxl), for every app.

    from tillid.core.exports import Sheet, csv_bytes, xlsx_bytes
    xlsx_bytes([Sheet(_("Results"), [header, *rows])])

Sheet titles are cut to Excel's 31 characters, lazy translations become
text, and aware datetimes are written in local time (Excel has no zones).
CSV is UTF-8 with a byte-order mark and semicolons, as Danish Excel expects.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise


@dataclass(frozen=True)
class Sheet:
    title: Any  # text or a lazy translation
    rows: Iterable[Sequence[Any]]


def cell(value: Any) -> Any:
    """A value as a workbook cell takes it."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one sheet per `Sheet`, in order (streamed: any size)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(str(sheet.title)[:31])
        for row in sheet.rows:
            ws.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")

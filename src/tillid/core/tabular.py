"""Reading CSV and XLSX files into plain tables for all-or-nothing imports.

Every import in Tillid (organisation, governance register, past survey
responses) reads its file here, so they share one behaviour: headers are
matched case-insensitively through aliases, every cell is text, and each row
remembers its line number for the error report.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Table:
    name: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    """One problem in an import file. `line` 0 means the file as a whole."""

    table: str
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "line": self.line,
            "column": self.column,
            "message": str(self.message),
        }


class TabularFileError(Exception):
    """The file cannot be read as a table at all."""


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not value.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularFileError(_("The file is not text in UTF-8 or Windows-1252 encoding."))


def _normalise_headers(raw: Iterable, aliases: dict[str, str]) -> list[str]:
    headers = []
    for cell in raw:
        key = _cell_text(cell).lower().replace(" ", "_")
        headers.append(aliases.get(key, key))
    return headers


def _rows(name: str, raw_rows: Iterator, aliases: dict[str, str]) -> Table:
    try:
        header_row = next(raw_rows)
    except StopIteration:
        return Table(name=name, headers=[])
    headers = _normalise_headers(header_row, aliases)
    table = Table(name=name, headers=headers)
    for line, raw in enumerate(raw_rows, start=2):
        cells = [_cell_text(c) for c in raw]
        if not any(cells):
            continue  # blank lines are not rows
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        table.rows.append(Row(line=line, values=values))
    return table


def read_csv(content: bytes, *, name: str, aliases: dict[str, str]) -> Table:
    text = _decode(content)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _rows(name, iter(reader), aliases)
    except csv.Error as exc:
        raise TabularFileError(
            _("The CSV file could not be read: %(error)s") % {"error": exc}
        ) from exc


def read_xlsx(content: bytes, *, aliases: dict[str, str]) -> list[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
        raise TabularFileError(
            _("The file could not be read as an Excel workbook (.xlsx): %(error)s") % {"error": exc}
        ) from exc
    try:
        return [
            _rows(sheet.title, sheet.iter_rows(values_only=True), aliases)
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def read_file(filename: str, content: bytes, *, aliases: dict[str, str]) -> list[Table]:
    """Tables in a CSV (one table, named after the file) or XLSX (one per sheet)."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(content, aliases=aliases)
    if lower.endswith((".csv", ".txt")):
        stem = lower.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return [read_csv(content, name=stem, aliases=aliases)]
    raise TabularFileError(
        _("Unknown file type. Upload a CSV file (.csv) or an Excel workbook (.xlsx).")
    )


def parse_bool(value: str) -> bool | None:
    """Yes/no in the forms people type in spreadsheets; None when unrecognised."""
    v = value.strip().lower()
    if v in {"1", "ja", "j", "x", "yes", "y", "true", "sand"}:
        return True
    if v in {"", "0", "nej", "n", "no", "false", "falsk"}:
        return False
    return None

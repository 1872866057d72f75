"""Reading CSV and XLSX files into plain tables for all-or-nothing imports.

Every import in Tillid (organisation, governance register, past survey
responses) reads its file here, so they share one behaviour: headers are
matched case-insensitively through aliases, every cell is text, and each row
remembers its line number for the error report.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

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
    # Each header key as it was written in the file, for error messages.
    labels: dict[str, str] = field(default_factory=dict)
    # Header keys that occur more than once (only the first column is read).
    duplicate_headers: list[str] = field(default_factory=list)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


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
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularFileError(_("The file is not text in UTF-8 or Windows-1252 encoding."))


def normalise_header(text: str) -> str:
    """A header cell as a key: lower case, spaces and hyphens as underscores."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def _normalise_headers(raw: Iterable, aliases: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    aliases = {normalise_header(k): v for k, v in aliases.items()}
    headers = []
    labels: dict[str, str] = {}
    for cell in raw:
        text = _cell_text(cell)
        key = normalise_header(text)
        key = aliases.get(key, key)
        headers.append(key)
        if key:
            labels.setdefault(key, text)
    return headers, labels


def _rows(name: str, raw_rows: Iterator, aliases: dict[str, str]) -> Table:
    try:
        header_row = next(raw_rows)
    except StopIteration:
        return Table(name=name, headers=[])
    headers, labels = _normalise_headers(header_row, aliases)
    seen: set[str] = set()
    duplicates: list[str] = []
    columns: list[tuple[int, str]] = []
    for i, h in enumerate(headers):
        if not h:
            continue
        if h in seen:
            if h not in duplicates:
                duplicates.append(h)
            continue  # the first column with a header wins
        seen.add(h)
        columns.append((i, h))
    table = Table(name=name, headers=headers, labels=labels, duplicate_headers=duplicates)
    append = table.rows.append
    for line, raw in enumerate(raw_rows, start=2):
        cells = [_cell_text(c) for c in raw]
        if not any(cells):
            continue  # blank lines are not rows
        width = len(cells)
        values = {h: (cells[i] if i < width else "") for i, h in columns}
        append(Row(line=line, values=values))
    return table


def _delimiter(text: str) -> str:
    """The delimiter of a CSV text, judged by its header line.

    Names and addresses in the data often contain commas, so the header line
    (which rarely does) is a better witness than a sniffed sample.
    """
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_csv(content: bytes, *, name: str, aliases: dict[str, str]) -> Table:
    text = _decode(content)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _rows(name, iter(reader), aliases)
    except csv.Error as exc:
        raise TabularFileError(
            _("The CSV file could not be read: %(error)s") % {"error": exc}
        ) from exc


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show dates or times (ECMA-376 18.8.30).
_DATE_FORMAT_IDS = {*range(14, 23), 45, 46, 47}


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _is_date_format(code: str) -> bool:
    # Drop quoted text and [colour]/[locale] parts, then look for date letters.
    cleaned, quoted, bracket = [], False, False
    for char in code:
        if char == '"':
            quoted = not quoted
        elif char == "[":
            bracket = True
        elif char == "]":
            bracket = False
        elif not quoted and not bracket:
            cleaned.append(char.lower())
    return any(letter in cleaned for letter in "dmyhs") and "general" not in "".join(cleaned)


class _FastWorkbook:
    """A streaming reader for the cell values of .xlsx sheets.

    openpyxl builds an object per cell, which makes a 45,000-row sheet take
    seconds; reading the sheet XML with expat directly is several times
    faster. Values come out as openpyxl's would (shared and inline strings,
    numbers, booleans, dates by number format, cached formula results);
    read_xlsx falls back to openpyxl if anything here fails.
    """

    def __init__(self, archive: zipfile.ZipFile):
        import posixpath
        from xml.etree.ElementTree import fromstring

        self.archive = archive
        names = set(archive.namelist())
        workbook = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {
            rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL_NS}Relationship")
        }
        self.sheets: list[tuple[str, str]] = []
        for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            path = posixpath.normpath(path)
            if path not in names:
                raise KeyError(path)
            self.sheets.append((sheet.get("name", ""), path))
        self.strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = fromstring(archive.read("xl/sharedStrings.xml"))
            for item in root.iter(f"{_MAIN_NS}si"):
                # Plain <t>, or rich-text runs <r><t>; phonetic hints <rPh> are skipped.
                parts = [t.text or "" for t in item.findall(f"{_MAIN_NS}t")]
                parts += [t.text or "" for t in item.findall(f"{_MAIN_NS}r/{_MAIN_NS}t")]
                self.strings.append("".join(parts))
        self.date_styles: set[int] = set()
        if "xl/styles.xml" in names:
            styles = fromstring(archive.read("xl/styles.xml"))
            custom = {
                int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
                for fmt in styles.iter(f"{_MAIN_NS}numFmt")
            }
            xfs = styles.find(f"{_MAIN_NS}cellXfs")
            for index, xf in enumerate(xfs if xfs is not None else []):
                fmt_id = int(xf.get("numFmtId", "0"))
                if fmt_id in _DATE_FORMAT_IDS or (
                    fmt_id in custom and _is_date_format(custom[fmt_id])
                ):
                    self.date_styles.add(index)

    def _value(self, cell):
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            node = cell.find(f"{_MAIN_NS}is")
            if node is None:
                return None
            return "".join(t.text or "" for t in node.iter(f"{_MAIN_NS}t"))
        v = cell.find(f"{_MAIN_NS}v")
        if v is None or v.text is None:
            return None
        text = v.text
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return text.strip() == "1"
        if kind in ("str", "e", "d"):
            return text
        number = float(text) if any(c in text for c in ".eE") else int(text)
        if int(cell.get("s", "0")) in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            return from_excel(number)
        return number

    def rows(self, path: str) -> Iterator[list]:
        from xml.etree.ElementTree import iterparse

        row_tag, cell_tag = f"{_MAIN_NS}row", f"{_MAIN_NS}c"
        expected = 1
        with self.archive.open(path) as stream:
            for _event, element in iterparse(stream, events=("end",)):
                if element.tag != row_tag:
                    continue
                number = int(element.get("r", expected))
                while expected < number:  # rows left out of the file are empty
                    yield []
                    expected += 1
                cells: list = []
                for position, cell in enumerate(element.iter(cell_tag)):
                    reference = cell.get("r")
                    index = _column_index(reference) if reference else position
                    if index >= len(cells):
                        cells.extend([None] * (index + 1 - len(cells)))
                    cells[index] = self._value(cell)
                element.clear()
                expected = number + 1
                yield cells


def _read_xlsx_fast(content: bytes, aliases: dict[str, str]) -> list[Table]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        workbook = _FastWorkbook(archive)
        return [_rows(name, workbook.rows(path), aliases) for name, path in workbook.sheets]


def read_xlsx(content: bytes, *, aliases: dict[str, str]) -> list[Table]:
    try:
        return _read_xlsx_fast(content, aliases)
    except Exception:  # anything unusual: let openpyxl read it (and report errors)
        pass
    return _read_xlsx_openpyxl(content, aliases=aliases)


def _read_xlsx_openpyxl(content: bytes, *, aliases: dict[str, str]) -> list[Table]:
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


def count_rows(filename: str, content: bytes) -> int:
    """A quick estimate of the data rows in a file, without reading it as a table.

    CSV: the lines after the header. XLSX: each sheet's recorded dimension
    minus its header (falls back to reading when a writer left it out).
    Used to decide whether an import runs at once or in the background.
    """
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # unreadable files are reported by read_file
            return 0
        try:
            total = 0
            for sheet in workbook.worksheets:
                rows = sheet.max_row
                if rows is None:
                    rows = sum(1 for _ in sheet.iter_rows(values_only=True))
                total += max(0, rows - 1)
            return total
        finally:
            workbook.close()
    lines = content.count(b"\n")
    if content and not content.endswith(b"\n"):
        lines += 1
    return max(0, lines - 1)


def parse_bool(value: str) -> bool | None:
    """Yes/no in the forms people type in spreadsheets; None when unrecognised."""
    v = value.strip().lower()
    if v in {"1", "ja", "j", "x", "yes", "y", "true", "sand"}:
        return True
    if v in {"", "0", "nej", "n", "no", "false", "falsk"}:
        return False
    return None

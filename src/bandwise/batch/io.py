"""Reading batch input (CSV or XLSX) and writing batch output, all or nothing.

Input: a header row with ``job_id`` and ``f1`` .. ``f16`` (any case, blanks around
names ignored), optionally ``title``; other columns are ignored. A CSV may be
UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, or
Windows-1252; its delimiter is a comma, or a semicolon or tab when the header
uses one. An XLSX is read from its first sheet; numbers come back as text
(``3.0`` -> ``"3"``). Wholly blank rows are skipped.

Output is CSV (UTF-8) or XLSX, chosen by the file's suffix, written to a
temporary file beside the target and moved into place only when complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DocumentError
from ..files import atomic_path

CSV, XLSX = "csv", "xlsx"
_INPUT_SUFFIXES = {".csv": CSV, ".txt": CSV, ".xlsx": XLSX, ".xlsm": XLSX}
_OUTPUT_SUFFIXES = {".csv": CSV, ".xlsx": XLSX}
XLSX_MAX_ROWS = 1_048_576

#: A cell written out: text, a whole number, or a day (ISO text in CSV, a real date in XLSX).
Cell = str | int | dt.date


def required_columns(factors: int = 16) -> tuple[str, ...]:
    return ("job_id", *(f"f{n}" for n in range(1, factors + 1)))


@dataclass(frozen=True, slots=True)
class InputTable:
    """The rows of an input file, by column: one entry per non-blank data row."""

    path: Path
    row_numbers: list[int]  # each row's line (CSV) or sheet row (XLSX); the header is 1 or more
    job_ids: list[str]
    titles: list[str]
    levels: list[list[str]]  # one list per factor, in factor order, texts as given
    problems: list[str]  # "" or why the row itself is malformed (e.g. too few values)

    def __len__(self) -> int:
        return len(self.row_numbers)


def input_kind(path: Path) -> str:
    kind = _INPUT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        hint = " (save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        raise DocumentError(
            str(path),
            f"cannot read {path.suffix or 'a file without a suffix'}: "
            f"give a .csv or .xlsx file{hint}",
        )
    return kind


def output_kind(path: Path) -> str:
    kind = _OUTPUT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(
            str(path),
            f"cannot write {path.suffix or 'a file without a suffix'}: the output must end in "
            ".csv or .xlsx",
        )
    return kind


def read_rows(path: Path, factors: int = 16) -> InputTable:
    """Read a batch input file; a file that cannot be used at all raises DocumentError."""
    kind = input_kind(path)
    if not path.is_file():
        raise DocumentError(str(path), "no such file")
    numbers, rows = _csv_rows(path) if kind == CSV else _xlsx_rows(path)
    return _table(path, numbers, rows, factors)


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(str(path), f"not readable as UTF-16 ({exc.reason})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            str(path), "not readable as UTF-8 or Windows-1252 text; save it as CSV UTF-8"
        ) from exc


def _csv_rows(path: Path) -> tuple[list[int], list[list[str]]]:
    """Every record, and the line each starts on."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(str(path), "not a text file; give a .csv or .xlsx file")
    text = _decode(path, data)
    first = text.lstrip("\r\n").partition("\n")[0]
    delimiter = max((",", ";", "\t"), key=first.count)

    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        rows = list(records)
        if records.line_num == len(rows):  # one line per record: the usual case
            return list(range(1, len(rows) + 1)), rows
        # a quoted value spans lines: read again, noting the line each record starts on
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        numbers, rows, line = [], [], 1
        for row in records:
            numbers.append(line)
            rows.append(row)
            line = records.line_num + 1
        return numbers, rows
    except csv.Error as exc:
        raise DocumentError(str(path), f"line {records.line_num}: {exc}") from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path) -> tuple[list[int], list[list[str]]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, KeyError, ValueError or openpyxl's own types
        raise DocumentError(str(path), f"not a readable XLSX workbook ({exc})") from exc
    try:
        if not book.worksheets:
            raise DocumentError(str(path), "the workbook has no sheets")
        rows = [
            [_cell_text(v) for v in values]
            for values in book.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    return list(range(1, len(rows) + 1)), rows


def _header_index(path: Path, header: Sequence[str], factors: int) -> tuple[list[int], int | None]:
    names = [h.strip().lower() for h in header]
    required = required_columns(factors)
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in required or name == "title":
            if name in positions:
                raise DocumentError(str(path), f"the header has column {name!r} twice")
            positions[name] = i
    missing = [name for name in required if name not in positions]
    if missing:
        raise DocumentError(
            str(path),
            f"missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; the header row needs job_id and f1 to f{factors} "
            "(title is optional)",
        )
    return [positions[name] for name in required], positions.get("title")


def _table(path: Path, numbers: list[int], rows: list[list[str]], factors: int) -> InputTable:
    start = 0
    while start < len(rows) and not "".join(rows[start]).strip():
        start += 1
    if start == len(rows):
        raise DocumentError(str(path), "the file is empty: no header row")
    header = rows[start]
    wanted, title_at = _header_index(path, header, factors)
    width, need = len(header), max(wanted) + 1
    body, lines = rows[start + 1 :], numbers[start + 1 :]
    problems = [""] * len(body)
    for i, row in enumerate(body):
        size = len(row)
        if size == width:
            continue
        if size > width and "".join(row[width:]).strip():
            problems[i] = (
                f"the row has {size} values but the header has {width} columns "
                "(a value with an unquoted comma?)"
            )
        elif size < need and "".join(row).strip():
            problems[i] = f"the row has {size} values but the header has {width} columns"
        body[i] = (row + [""] * width)[:width]
    blank = [i for i, row in enumerate(body) if not problems[i] and not "".join(row).strip()]
    if blank:
        skip = set(blank)
        keep = [i for i in range(len(body)) if i not in skip]
        body = [body[i] for i in keep]
        lines = [lines[i] for i in keep]
        problems = [problems[i] for i in keep]
    columns = list(zip(*body, strict=True)) if body else [()] * width
    return InputTable(
        path=path,
        row_numbers=lines,
        job_ids=[c.strip() for c in columns[wanted[0]]],
        titles=[c.strip() for c in columns[title_at]] if title_at is not None else [""] * len(body),
        levels=[list(columns[i]) for i in wanted[1:]],
        problems=problems,
    )


# -- writing --------------------------------------------------------------------------


def write_rows(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]], count: int | None = None
) -> None:
    """Write ``rows`` under ``header`` as CSV or XLSX (by suffix), all or nothing.

    ``count`` (the number of rows, when known) lets XLSX refuse early a table too
    long for a worksheet."""
    kind = output_kind(path)
    if kind == XLSX and count is not None and count + 1 > XLSX_MAX_ROWS:
        raise DocumentError(
            str(path),
            f"{count} rows do not fit in an XLSX sheet (at most "
            f"{XLSX_MAX_ROWS - 1}); write .csv instead",
        )
    with atomic_path(path) as tmp:
        if kind == CSV:
            _write_csv(tmp, header, rows)
        else:
            _write_xlsx(tmp, path, header, rows)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(cell: Cell) -> Cell:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) if not isinstance(day, dt.datetime) else day


def _write_csv(tmp: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([_safe(c) for c in row] for row in rows)


def _write_xlsx(
    tmp: Path, path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> None:
    import xlsxwriter  # type: ignore[import-untyped]

    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    try:
        sheet = book.add_worksheet("results")
        bold = book.add_format({"bold": True})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        for col, name in enumerate(header):
            sheet.write_string(0, col, name, bold)
        sheet.freeze_panes(1, 0)
        last = 0
        for last, row in enumerate(rows, start=1):
            if last >= XLSX_MAX_ROWS:
                raise DocumentError(
                    str(path),
                    f"too many rows for an XLSX sheet (at most {XLSX_MAX_ROWS - 1}); "
                    "write .csv instead",
                )
            for col, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(last, col, value)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(last, col, _midnight(value), day)
                elif value:
                    sheet.write_string(last, col, value)
        sheet.autofilter(0, 0, last, len(header) - 1)
    finally:
        book.close()

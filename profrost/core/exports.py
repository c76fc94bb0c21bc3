"""XLSX exports: Russian headers, dates as dates, and no cell can become a formula (docs/security.md §15)."""

import datetime
import os
import tempfile

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """For plain-text formats (CSV): a cell that starts like a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def check_output(path):
    """A command's --out: its folder must exist and be writable (a message, not a traceback after the work)."""
    from pathlib import Path

    from django.core.management.base import CommandError

    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise CommandError(f"папка для файла не найдена: {folder}")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"нет прав на запись в папку: {folder}")


def write_xlsx(path_or_file, sheets):
    """sheets: [(title, headers, rows_iterable)]. Streams rows (write-only mode) to keep memory flat."""
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        for i, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(header) + 4))
        ws.append(list(headers))
        for row in rows:
            ws.append([_cell(ws, v) for v in row])
    wb.save(path_or_file)


def _cell(ws, value):
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(ws, value.replace(tzinfo=None))
        cell.number_format = "DD.MM.YYYY HH:MM"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "DD.MM.YYYY"
        return cell
    if isinstance(value, bool):
        return "да" if value else "нет"
    if value is None:
        return None
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        # Stored as text with Excel's quote prefix: never evaluated as a formula, and the value itself
        # is unchanged, so export → import stays lossless (a phone "+7 …" keeps its plus).
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def xlsx_response(filename, sheets):
    """An XLSX download. The workbook is spooled to a temporary file, not built in memory."""
    tmp = tempfile.TemporaryFile()
    write_xlsx(tmp, sheets)
    tmp.seek(0)
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

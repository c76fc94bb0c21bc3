"""XLSX exports: Russian headers, dates as dates, and no cell can become a formula (docs/security.md §15)."""

import datetime
import os
import re
import tempfile
from pathlib import Path

from django.core.management.base import CommandError
from django.http import FileResponse
from django.utils.http import content_disposition_header
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


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def file_name(title, ext, max_length=120):
    """A downloaded file's name in Russian by its content («ИОМ Архипова Л. П. 2026-2027.pdf»): characters no
    file system takes are replaced, the length bounded. Sent with RFC 5987 encoding (Django's FileResponse and
    content_disposition_header)."""
    clean = " ".join(_NOT_IN_FILE_NAMES.sub(" ", str(title)).split())[:max_length].strip(" .") or "файл"
    return f"{clean}.{ext}"


def attachment(response, title, ext):
    """Mark an HttpResponse as a download named file_name(title, ext)."""
    response["Content-Disposition"] = content_disposition_header(True, file_name(title, ext))
    return response


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

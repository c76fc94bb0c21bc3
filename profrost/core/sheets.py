"""Reading an uploaded table in a child process, within bounds.

An uploaded file is hostile until parsed. A 1.6 KB XLSX with cells A1 and XFD1048576 makes a dense
reader allocate the whole empty grid (512 GB), which kills the process outright — no `except` catches
an abort. So:

* the parse runs in a child process (`python -m profrost.core.sheets`) with an address-space limit,
  a CPU limit and a wall-clock timeout; whatever happens in there, only the child dies, and the parent
  turns that into a `SheetRejected` with a message for the user;
* before calamine sees an XLSX, the first sheet's XML is streamed through a byte scanner that bounds
  the declared (`<dimension ref=…>`) and the real used range — rows, columns, cells — without building
  anything big;
* a sparse sheet (a few cells far apart) is compacted first: its empty rows are dropped, so calamine's
  dense grid is only as tall as the rows that hold values; the rows keep their numbers as the user sees
  them.

This module must not import Django: the child runs it on its own. `profrost.core.imports` passes the
limits from the settings.
"""

import csv
import io
import json
import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile
from bisect import bisect_right
from pathlib import Path, PurePosixPath

CHUNK = 1 << 20
MAX_TAG = 1 << 20  # no legitimate tag of a sheet is this long
ROWS_PER_MESSAGE = 5000

log = logging.getLogger(__name__)


class SheetRejected(Exception):
    """The file is refused; the message is for the user, in Russian."""


def _n(value):
    # Russian typography groups digits only from five digits on: 16384, 1 048 576.
    return str(value) if value < 10000 else f"{value:,}".replace(",", " ")


def _too_many(what, value, limit):
    return SheetRejected(f"в файле слишком много {what} ({_n(value)}, допустимо не более {_n(limit)})")


def _check_extent(rows, columns, cells, limits):
    if columns > limits["columns"]:
        raise _too_many("столбцов", columns, limits["columns"])
    if rows > limits["rows"]:
        raise _too_many("строк", rows, limits["rows"])
    if cells > limits["cells"]:
        raise _too_many("ячеек", cells, limits["cells"])


# --- locating the first sheet ----------------------------------------------------------------------


_ATTR = re.compile(rb"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(raw):
    return {m.group(1): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _ATTR.finditer(raw)}


def _local(name):
    return name.rsplit(b":", 1)[-1]


def first_sheet_part(zf):
    """The zip member calamine opens as sheet 0: the first <sheet> of xl/workbook.xml, through its
    relationship in xl/_rels/workbook.xml.rels. None when the workbook does not say."""
    names = set(zf.namelist())
    try:
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    sheet = re.search(rb"<(?:[\w.\-]+:)?sheet\s([^>]*)>", workbook)
    if not sheet:
        return None
    rel_id = next((v for k, v in _attrs(sheet.group(1)).items() if _local(k) == b"id" and b":" in k), None)
    if rel_id is None:
        return None
    for m in re.finditer(rb"<(?:[\w.\-]+:)?Relationship\s([^>]*)>", rels):
        attrs = _attrs(m.group(1))
        if attrs.get(b"Id") == rel_id and attrs.get(b"Target"):
            target = attrs[b"Target"].decode("utf-8", "replace").replace("\\", "/")
            if target.startswith("/"):
                candidates = [target.lstrip("/")]
            else:
                candidates = [str(PurePosixPath("xl", target)), target]
            for name in candidates:
                normal = os.path.normpath(name).replace("\\", "/")
                for n in (name, normal):
                    if n in names:
                        return n
            return None
    return None


def _sheet_parts(zf):
    """The part(s) to bound: the first sheet, or — when the workbook does not say which it is — every
    worksheet in the file, so that no sheet calamine might open escapes the bounds."""
    part = first_sheet_part(zf)
    if part is not None:
        return [part]
    return [n for n in zf.namelist() if n.startswith("xl/") and n.endswith(".xml") and "sheet" in n.lower()]


# --- bounding a sheet without parsing it -------------------------------------------------------------

# A cell as Excel, LibreOffice, openpyxl and xlsxwriter write it: <c r="A1" …>, r first. Two findall
# passes (columns, rows) keep the scan of a 100,000-row sheet well under a second.
_FAST_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_FAST_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_ANY_CELL = re.compile(rb"<c[\s/>]")
# Exact reading of cell and row tags, for files written otherwise (r elsewhere or absent).
_TAG = re.compile(rb"""<(?:[\w.\-]+:)?(c|row)((?:\s+[\w:.\-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_DIMENSION = re.compile(rb"""<(?:[\w.\-]+:)?dimension\s+ref\s*=\s*["']([^"']*)["']""")
_REF = re.compile(r"\$?([A-Za-z]{1,7})\$?(\d{1,12})$")


def column_number(letters):
    """1 for A, 16384 for XFD; letters as str or bytes."""
    if isinstance(letters, str):
        letters = letters.encode("ascii", "replace")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _column_key(letters):
    return (len(letters), letters)


def _parse_ref(ref):
    m = _REF.match(ref.strip())
    if not m:
        return None
    return int(m.group(2)), column_number(m.group(1))


def _chunks(member):
    """Complete-tag chunks of a zip member: a tag cut by a read is carried to the next chunk."""
    carry = b""
    while True:
        data = member.read(CHUNK)
        if not data:
            if carry:
                yield carry
            return
        buf = carry + data
        last = buf.rfind(b"<")
        if last != -1 and buf.find(b">", last) == -1:
            carry = buf[last:]
            buf = buf[:last]
            if len(carry) > MAX_TAG:
                raise SheetRejected("файл XLSX повреждён: в листе есть недопустимо длинный элемент")
        else:
            carry = b""
        yield buf


class SheetScan:
    """What a sheet holds: the declared dimension, the rows that hold values, the widest column,
    the number of cells with values, and whether every such cell names its position (r="…")."""

    def __init__(self):
        self.declared = None  # (rows, columns)
        self.rows = set()  # row numbers with at least one cell holding a value
        self.max_row = 0
        self.min_column = 0
        self.max_column = 0
        self.cells = 0
        self.positional = True  # every cell has r

    @property
    def area(self):
        """Cells in calamine's dense grid: from the first to the last row/column that hold a value."""
        if not self.rows:
            return 0
        return (self.max_row - min(self.rows) + 1) * (self.max_column - self.min_column + 1)


def scan_sheet(zf, part, limits):
    scan = SheetScan()
    fast = True
    with zf.open(part) as member:
        first = True
        for buf in _chunks(member):
            if first or scan.declared is None:
                m = _DIMENSION.search(buf)
                if m:
                    ref = m.group(1).decode("ascii", "replace").split(":")[-1]
                    parsed = _parse_ref(ref)
                    if parsed is None:
                        raise SheetRejected("файл XLSX повреждён: неверный размер листа")
                    scan.declared = parsed
                    _check_extent(parsed[0], parsed[1], 0, limits)
                first = False
            if fast and b":c" not in buf:  # no namespace prefix on cells
                columns = _FAST_COLUMNS.findall(buf)
                rows = _FAST_ROWS.findall(buf)
                fast = len(columns) == len(rows) == len(_ANY_CELL.findall(buf))
                if fast:
                    _take_fast(scan, columns, rows)
            else:
                fast = False
            if not fast:  # a file that does not write r first is read exactly from here on
                _take_exact(scan, buf)
            if scan.max_row:
                _check_extent(scan.max_row, scan.max_column, scan.cells, limits)
    return scan


def _take_fast(scan, columns, rows):
    # Cells without a value (<c r="Z9" s="1"/>: formatting only) are counted too: an upper bound.
    if not columns:
        return
    scan.cells += len(columns)
    distinct = set(columns)
    widest = column_number(max(distinct, key=_column_key))
    narrowest = column_number(min(distinct, key=_column_key))
    numbers = set(map(int, set(rows)))
    scan.rows |= numbers
    scan.max_row = max(scan.max_row, max(numbers))
    scan.max_column = max(scan.max_column, widest)
    scan.min_column = narrowest if not scan.min_column else min(scan.min_column, narrowest)
    scan._state = [int(rows[-1]), column_number(columns[-1])]


def _take_exact(scan, buf):
    # Positions as calamine assigns them: a cell without r follows the previous cell of its row; a row
    # without r follows the previous row.
    state = getattr(scan, "_state", [0, 0])  # current row, current column
    for m in _TAG.finditer(buf):
        kind, attrs, closed = m.group(1), _attrs(m.group(2)), m.group(3)
        ref = next((v for k, v in attrs.items() if k == b"r"), None)
        if kind == b"row":
            state[0] = int(ref) if ref and ref.isdigit() else state[0] + 1
            state[1] = 0
            continue
        if ref is not None:
            parsed = _parse_ref(ref.decode("ascii", "replace"))
            if parsed is None:
                raise SheetRejected("файл XLSX повреждён: неверный адрес ячейки")
            row, col = parsed
            state[0], state[1] = row, col
        else:
            scan.positional = False
            state[1] += 1
            row, col = state[0] or 1, state[1]
        if closed:
            continue
        scan.cells += 1
        scan.rows.add(row)
        scan.max_row = max(scan.max_row, row)
        scan.max_column = max(scan.max_column, col)
        scan.min_column = col if not scan.min_column else min(scan.min_column, col)
    scan._state = state


# --- compacting a sparse sheet -----------------------------------------------------------------------


def _compact(zf, part, scan):
    """A copy of the workbook whose sheet keeps only the rows that hold values, renumbered 1…k (row 1
    stays row 1), and the map from new row numbers to the user's. Rows of empty cells take the number
    of the row before them: calamine ignores cells without values wherever they are."""
    kept = sorted(scan.rows | {1})
    new_number = {old: new for new, old in enumerate(kept, start=1)}

    def renumber(old):
        if old in new_number:
            return new_number[old]
        return max(1, bisect_right(kept, old))

    def fix(m):
        tag = m.group(0)
        kind = m.group(1)
        if kind == b"dimension":
            return b""
        if kind == b"row":
            return re.sub(
                rb"""(\sr\s*=\s*["'])(\d+)(["'])""",
                lambda a: a.group(1) + str(renumber(int(a.group(2)))).encode() + a.group(3),
                tag,
                count=1,
            )
        return re.sub(
            rb"""(\sr\s*=\s*["']\$?[A-Za-z]{1,3}\$?)(\d+)(["'])""",
            lambda a: a.group(1) + str(renumber(int(a.group(2)))).encode() + a.group(3),
            tag,
            count=1,
        )

    tags = re.compile(
        rb"""<(?:[\w.\-]+:)?(c|row|dimension)((?:\s+[\w:.\-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>"""
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in zf.infolist():
            if info.filename == part:
                with zf.open(info) as member, dst.open(info.filename, "w") as target:
                    for buf in _chunks(member):
                        target.write(tags.sub(fix, buf))
            else:
                dst.writestr(info.filename, zf.read(info))
    out.seek(0)
    return out, kept


# --- reading (in the child) --------------------------------------------------------------------------


def _blank(values):
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_xlsx(path, limits, emit):
    """Bound, then read the first sheet; emit (number, values) for row 1 and every non-blank row."""
    # Imported in the child process that parses the upload (only it needs the parser).
    from python_calamine import CalamineWorkbook

    source = str(path)
    row_numbers = None
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SheetRejected("файл не является таблицей XLSX или CSV") from exc
    with zf:
        parts = _sheet_parts(zf)
        scans = []
        for part in parts:
            try:
                scans.append((part, scan_sheet(zf, part, limits)))
            except KeyError:
                continue
        for _part, scan in scans:
            if scan.area > limits["cells"] and (len(scans) > 1 or not scan.positional):
                raise _too_many("ячеек", scan.area, limits["cells"])
        if len(scans) == 1:
            part, scan = scans[0]
            # Mostly empty: drop the empty rows rather than have calamine build them.
            if scan.positional and (scan.area > limits["cells"] or scan.area > 4 * scan.cells + 100_000):
                source, row_numbers = _compact(zf, part, scan)
                if len(row_numbers) * (scan.max_column - scan.min_column + 1) > limits["cells"]:
                    raise _too_many(
                        "ячеек", len(row_numbers) * (scan.max_column - scan.min_column + 1), limits["cells"]
                    )
    try:
        if isinstance(source, str):
            workbook = CalamineWorkbook.from_path(source)
        else:
            workbook = CalamineWorkbook.from_filelike(source)
        sheet = workbook.get_sheet_by_index(0)
        end = sheet.end
        if end is None:
            return
        start = sheet.start
        # The bounds once more, as calamine sees the sheet (in case it opened another part).
        if row_numbers is None:
            _check_extent(end[0] + 1, end[1] + 1, 0, limits)
        _check_extent(0, end[1] + 1, sheet.height * sheet.width, limits)
        pad = [None] * start[1]
        for index, raw in enumerate(sheet.iter_rows()):
            number = index + 1 if row_numbers is None else row_numbers[index]
            values = pad + [None if v == "" else v for v in raw]
            if number == 1 or not _blank(values):
                emit(number, values)
    except (SheetRejected, MemoryError):
        raise
    except Exception as exc:  # calamine raises several error types for broken files
        raise SheetRejected("файл не является таблицей XLSX или CSV: не удалось прочитать файл") from exc


def read_csv(path, limits, emit):
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes almost anything; kept for clarity
        raise SheetRejected("не удалось определить кодировку файла: сохраните его в UTF-8 или Windows-1251")
    del raw
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = cells = columns = 0
    try:
        for number, values in enumerate(reader, start=1):
            rows = number
            cells += len(values)
            columns = max(columns, len(values))
            if columns > limits["columns"] or rows > limits["rows"] or cells > limits["cells"]:
                # Go on counting (cheaply, nothing kept) so that the message says how many there are.
                for values in reader:
                    rows += 1
                    cells += len(values)
                    columns = max(columns, len(values))
                _check_extent(rows, columns, cells, limits)
            if number == 1 or not _blank(values):
                emit(number, values)
    except csv.Error as exc:
        raise SheetRejected(f"файл CSV повреждён: {exc}") from exc


def _child_main(spec):
    # POSIX-only and needed only in the child process, where the limits are set.
    import resource

    memory, cpu = spec["memory"], spec["cpu"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    out = sys.stdout.buffer
    batch = []

    def flush():
        if batch:
            pickle.dump(("rows", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
            batch.clear()

    def emit(number, values):
        batch.append((number, values))
        if len(batch) >= ROWS_PER_MESSAGE:
            flush()

    reader = read_xlsx if spec["kind"] == "xlsx" else read_csv
    try:
        reader(spec["path"], spec["limits"], emit)
    except SheetRejected as exc:
        batch.clear()
        pickle.dump(("rejected", str(exc)), out)
    else:
        flush()
        pickle.dump(("done", None), out)
    out.flush()


# --- the parent's side -------------------------------------------------------------------------------

FAILED = (
    "файл не удалось прочитать: его разбор превысил допустимую память — возможно, файл повреждён или "
    "вредоносен. Сохраните его заново в Excel (или как CSV) и загрузите ещё раз"
)
TIMED_OUT = (
    "файл не удалось прочитать за отведённое время ({seconds} с) — возможно, он повреждён или слишком "
    "сложен. Сохраните его заново в Excel (или как CSV) либо разделите на части"
)
BROKEN = "файл не удалось прочитать — возможно, он повреждён. Сохраните его заново в Excel (или как CSV)"

_SAFE_GLOBALS = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
}


class _Unpickler(pickle.Unpickler):
    """The child handles hostile input; what it sends back may name nothing but dates and times."""

    def find_class(self, module, name):
        if (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def read_table(path, kind, limits, memory, cpu, timeout):
    """[(row number, values)] for row 1 and every non-blank row of the file, parsed in a child process.

    kind: "xlsx" or "csv"; limits: {"rows", "columns", "cells"}; memory: the child's address-space limit
    in bytes; cpu, timeout: seconds. Raises SheetRejected with a message for the user.
    """
    spec = {"path": str(Path(path).resolve()), "kind": kind, "limits": limits, "memory": memory, "cpu": cpu}
    root = str(Path(__file__).resolve().parent.parent.parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "profrost.core.sheets", json.dumps(spec)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
            cwd=root,
        )

        def kill():
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        rows = []
        outcome = None
        try:
            while True:
                # One unpickler per message: each message is a pickle of its own (its own memo).
                tag, payload = _Unpickler(proc.stdout).load()
                if tag == "rows":
                    rows.extend(payload)
                else:
                    outcome = (tag, payload)
                    break
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError):
            outcome = None
        finally:
            proc.stdout.close()
            if outcome is None:
                proc.kill()
            proc.wait()
            timer.cancel()
        if outcome is not None and outcome[0] == "done":
            return rows
        if outcome is not None and outcome[0] == "rejected":
            raise SheetRejected(outcome[1])
        if timed_out.is_set():
            raise SheetRejected(TIMED_OUT.format(seconds=_n(int(timeout))))
        errors.seek(0)
        tail = errors.read()[-4000:]
    log.warning("sheet parser died (exit %s): %s", proc.returncode, tail.decode("utf-8", "replace"))
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and b"MemoryError" not in tail:
        raise SheetRejected(TIMED_OUT.format(seconds=_n(int(cpu or timeout))))
    if b"MemoryError" in tail or b"memory allocation" in tail or proc.returncode == -signal.SIGABRT:
        raise SheetRejected(FAILED)
    raise SheetRejected(BROKEN)


if __name__ == "__main__":
    _child_main(json.loads(sys.argv[1]))

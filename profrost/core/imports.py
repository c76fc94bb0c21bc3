"""The one spreadsheet import pipeline.

read the file (hostile until parsed) → map Russian headers → validate every row with the same rules
the edit forms use → classify each valid row as new / changed / unchanged → on commit, write all of it
in one transaction. Each importer (organizations, staff, and later issues' kinds) is a subclass of
`Importer` registered in `IMPORTERS` under the name the command line uses: `profrost import <kind>`.
"""

import datetime
import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

IMPORTERS = {}


def register(cls):
    IMPORTERS[cls.kind] = cls
    return cls


def get_importer(kind):
    # Importers live in their apps; importing the modules registers them.
    import profrost.diagnostics.imports  # noqa: F401
    import profrost.people.imports  # noqa: F401
    import profrost.resources.imports  # noqa: F401
    import profrost.structure.imports  # noqa: F401

    try:
        return IMPORTERS[kind]
    except KeyError as exc:
        raise FileRejected(f"неизвестный вид загрузки «{kind}»") from exc


class FileRejected(Exception):
    """The whole file is unusable; the message is for the user, in Russian."""


class RowError(Exception):
    def __init__(self, header, message):
        super().__init__(message)
        self.header = header
        self.message = message


@dataclass
class ImportResult:
    kind: str
    total: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [(row number, header, message)]
    skipped: list = field(default_factory=list)  # [(row number, {header: raw value}, message)]
    out_of_scope: bool = False
    written: bool = False
    file_error: str = ""
    sha256: str = ""
    created_id: int | None = None  # for importers that create one object (an instrument)

    @property
    def error_rows(self):
        return len({row for row, _, _ in self.errors})

    @property
    def ok(self):
        return not self.file_error and not self.errors

    def error_lines(self, limit=None):
        items = self.errors if limit is None else self.errors[:limit]
        return [
            f"строка {row}, «{header}»: {message}" if header else f"строка {row}: {message}"
            for row, header, message in items
        ]

    def as_dict(self):
        return {
            "total": self.total,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "error_rows": self.error_rows,
            "out_of_scope": self.out_of_scope,
            "written": self.written,
            "file_error": self.file_error,
            "created_id": self.created_id,
        }


# --- reading -------------------------------------------------------------------------------------

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
NOT_A_TABLE = "файл не является таблицей XLSX или CSV"


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path, name):
    """Size, extension, magic bytes and (for XLSX) zip bounds, before any parsing."""
    path = Path(path)
    ext = Path(name).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise FileRejected(f"допустимы только файлы .xlsx и .csv, а загружен «{Path(name).name}»")
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES / 1024 / 1024
        raise FileRejected(f"файл больше допустимого размера ({limit:.0f} МБ)")
    if size == 0:
        raise FileRejected("файл пуст")
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if ext == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FileRejected(NOT_A_TABLE)
        _check_zip(path)
    elif b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x7fELF", b"MZ", b"\xd0\xcf\x11\xe0")):
        raise FileRejected(NOT_A_TABLE)
    return ext


def _check_zip(path):
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > settings.IMPORT_MAX_ZIP_ENTRIES:
                raise FileRejected(
                    "файл XLSX содержит слишком много частей — возможно, он повреждён или вредоносен"
                )
            if sum(i.file_size for i in infos) > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
                raise FileRejected("файл XLSX после распаковки слишком велик — возможно, он вредоносен")
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise FileRejected(NOT_A_TABLE)
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as member:
                        start = member.read(4096)
                    # Entity declarations are how XML bombs work; a real spreadsheet has none.
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                        raise FileRejected("файл XLSX содержит недопустимые XML-конструкции (DOCTYPE/ENTITY)")
    except zipfile.BadZipFile as exc:
        raise FileRejected(NOT_A_TABLE) from exc


def read_rows(path, name):
    """(headers, [(row number, [values])]) — row numbers as the user sees them (header = 1).

    The file is parsed in a child process within bounds (rows, columns, cells, memory, time): see
    profrost.core.sheets. Blank lines are not rows.
    """
    ext = check_file(path, name)
    if ext == ".xlsx":
        rows = _read_xlsx(path)
    else:
        rows = _read_csv(path)
    if not rows:
        raise FileRejected("в файле нет строки заголовков")
    first_number, first = rows[0]
    headers = [str(h).strip() if h is not None else "" for h in first] if first_number == 1 else []
    body = []
    for number, values in rows[1:] if first_number == 1 else rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank lines are not rows
        body.append((number, values))
    return headers, body


def _read_table(path, kind):
    """[(row number, values)] for row 1 and every non-blank row, or FileRejected."""
    from profrost.core.sheets import SheetRejected, read_table

    limits = {
        "rows": settings.IMPORT_MAX_ROWS,
        "columns": settings.IMPORT_MAX_COLUMNS,
        "cells": settings.IMPORT_MAX_CELLS,
    }
    try:
        return read_table(
            path,
            kind,
            limits,
            memory=settings.IMPORT_PARSE_MAX_MEMORY,
            cpu=settings.IMPORT_PARSE_TIMEOUT,
            timeout=settings.IMPORT_PARSE_TIMEOUT,
        )
    except SheetRejected as exc:
        raise FileRejected(str(exc)) from exc


def _read_xlsx(path):
    return _read_table(path, "xlsx")


def _read_csv(path):
    return _read_table(path, "csv")


# --- cell parsers (shared by all importers) ------------------------------------------------------


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    s = str(value).strip()
    if not s:
        return None
    if (
        len(s) == 10
        and s[2] == "."
        and s[5] == "."
        and s[:2].isdigit()
        and s[3:5].isdigit()
        and s[6:].isdigit()
    ):
        try:  # the common dd.mm.yyyy, without strptime's overhead
            return datetime.date(int(s[6:]), int(s[3:5]), int(s[:2]))
        except ValueError:
            raise _bad_date(s) from None
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise _bad_date(s)


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _bad_date(s):
    """A date in one of the formats whose day and month are each possible, but not together (31.02,
    29.02 of a common year) does not exist; anything else is not in the format."""
    if m := _DAY_MONTH_YEAR.fullmatch(s):
        day, month, year = m[1], m[2], m[3]
    elif m := _YEAR_MONTH_DAY.fullmatch(s):
        year, month, day = m[1], m[2], m[3]
    else:
        day = month = year = "0"
    if 1 <= int(day) <= 31 and 1 <= int(month) <= 12 and (len(year) == 2 or int(year) >= 1):
        return ValidationError(f"даты «{s}» не существует: в этом месяце нет такого дня")
    return ValidationError(f"не удалось распознать дату «{s}»: нужен формат ДД.ММ.ГГГГ")


YES = {"да", "д", "yes", "1", "true", "истина", "+"}
NO = {"нет", "н", "no", "0", "false", "ложь", "-", ""}


def parse_bool(value):
    s = text(value).lower()
    if s in YES:
        return True
    if s in NO:
        return False
    raise ValidationError(f"ожидается «да» или «нет», указано «{text(value)}»")


def choice_lookup(choices, extra=None):
    """{lower-case label or code: value} for TextChoices, plus extra synonyms."""
    table = {}
    for value, label in choices:
        table[str(label).lower().replace("ё", "е")] = value
        table[str(value).lower()] = value
    for k, v in (extra or {}).items():
        table[k.lower().replace("ё", "е")] = v
    return table


def norm_key(value):
    return " ".join(text(value).lower().replace("ё", "е").split())


# --- importer base -------------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    required: bool = False
    aliases: tuple = ()


class Importer:
    """Subclasses declare `kind`, `title`, `columns`, and implement prepare/clean/diff/write.

    clean(row, number) gets {header: raw value} and returns a cleaned record, or raises RowError
    (a list of RowErrors via `errors`). `out_of_scope` RowErrors reject the whole file (docs/security.md §14).
    """

    kind = ""
    title = ""
    columns: list = []
    example: list = []
    reference_sheets: list = []  # [(title, header, values)] for the template

    def __init__(self, user=None):
        self.user = user

    @property
    def headers(self):
        return [c.header for c in self.columns]

    def map_headers(self, headers):
        index = {}
        wanted = {norm_key(c.header): c.header for c in self.columns}
        for c in self.columns:
            for alias in c.aliases:
                wanted[norm_key(alias)] = c.header
        for i, h in enumerate(headers):
            key = wanted.get(norm_key(h))
            if key and key not in index:
                index[key] = i
        missing = [c.header for c in self.columns if c.required and c.header not in index]
        missing = [m for m in missing if not self.alternative_present(m, index)]
        if missing:
            names = ", ".join(f"«{m}»" for m in missing)
            raise FileRejected(
                f"в файле нет обязательных столбцов: {names}. Проверьте строку заголовков "
                "(и кодировку файла: UTF-8 или Windows-1251)"
            )
        return index

    def alternative_present(self, header, index):
        """A required column that another column may replace (e.g. ИНН or name + municipality)."""
        return False

    def prepare(self, records):  # load lookups once
        pass

    def clean(self, row, number):
        raise NotImplementedError

    def key(self, record):
        raise NotImplementedError

    def diff(self, records):
        """Return [(record, 'new'|'changed'|'unchanged')] for valid records."""
        raise NotImplementedError

    def write(self, classified, progress):
        raise NotImplementedError


def run_import(
    kind,
    path,
    user=None,
    dry_run=False,
    skip_invalid=False,
    progress=None,
    filename=None,
    job_id=None,
    options=None,
):
    """Validate a file and, unless dry_run, write it in one transaction. Returns an ImportResult.

    Nothing is written when any row has an error, unless skip_invalid (then the bad rows are skipped)
    — except an out-of-scope row, which rejects the whole file either way.
    """
    result = ImportResult(kind=kind)
    try:
        importer = get_importer(kind)(user=user, **(options or {}))
    except FileRejected as exc:
        result.file_error = str(exc)
        return result
    report = progress or (lambda done, total, stage: None)
    try:
        result.sha256 = file_sha256(path)
        headers, rows = read_rows(path, filename or str(path))
        index = importer.map_headers(headers)
    except FileRejected as exc:
        result.file_error = str(exc)
        return result
    result.total = len(rows)
    records = []

    def as_dict(values):
        return {h: (values[i] if i < len(values) else None) for h, i in index.items()}

    # Rows stay as value lists; a {header: value} dict exists only while its row is checked
    # (100,000 dicts at once would double the import's memory).
    importer.prepare(as_dict(values) for _, values in rows)
    seen = {}
    for n in range(1, len(rows) + 1):
        number, values = rows[n - 1]
        rows[n - 1] = None  # checked rows are let go as we go
        raw = as_dict(values)
        try:
            record = importer.clean(raw, number)
            key = importer.key(record)
            if key in seen:
                raise RowError(importer.duplicate_header, f"повторяет строку {seen[key]}")
            seen[key] = number
            records.append(record)
        except RowErrors as exc:
            for e in exc.errors:
                result.errors.append((number, e.header, e.message))
                result.out_of_scope |= getattr(e, "out_of_scope", False)
            result.skipped.append((number, _display_raw(raw), "; ".join(e.message for e in exc.errors)))
        except RowError as exc:
            result.errors.append((number, exc.header, exc.message))
            result.out_of_scope |= getattr(exc, "out_of_scope", False)
            result.skipped.append((number, _display_raw(raw), exc.message))
        if n % 5000 == 0:
            report(n, result.total * 2, "проверка")
    del rows
    try:
        classified = importer.diff(records)
    except ValidationError as exc:
        result.file_error = "; ".join(exc.messages)
        return result
    result.created_id = getattr(importer, "created_id", None)
    for _, state in classified:
        setattr(result, state, getattr(result, state) + 1)
    if dry_run or result.out_of_scope or (result.errors and not skip_invalid):
        return result
    to_write = [(r, s) for r, s in classified if s != "unchanged"]
    with (
        transaction.atomic(),
        pghistory.context(
            user=user.pk if user is not None else None, source=f"import:{kind}", import_job=job_id
        ),
    ):
        importer.write(to_write, lambda done: report(result.total + done, result.total * 2, "запись"))
    result.written = True
    result.created_id = getattr(importer, "created_id", None)
    report(result.total * 2, result.total * 2, "готово")
    return result


class RowErrors(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _display_raw(raw):
    return {
        h: (v.strftime("%d.%m.%Y") if isinstance(v, (datetime.date, datetime.datetime)) else v)
        for h, v in raw.items()
    }


class RowCleaner:
    """Collects every error of a row, not just the first."""

    def __init__(self):
        self.errors = []

    def field(self, header, fn, *args):
        try:
            return fn(*args)
        except ValidationError as exc:
            self.errors.append(RowError(header, "; ".join(exc.messages)))
        except RowError as exc:
            self.errors.append(exc)
        return None

    def error(self, header, message, out_of_scope=False):
        err = RowError(header, message)
        err.out_of_scope = out_of_scope
        self.errors.append(err)

    def done(self):
        if self.errors:
            raise RowErrors(self.errors)


# --- set-based writing (COPY), shared by importers -------------------------------------------------


ANALYZE_AFTER_ROWS = 10_000


def copy_rows(table, columns, rows):
    """COPY rows into a table. History triggers still fire; the first statement carries pghistory's
    context (a transaction-local setting) into the transaction, so the COPY is attributed too."""
    from django.db import connection

    with connection.cursor() as cur:
        # pghistory prepends its context to writing statements (not SELECTs): a no-op does it.
        cur.execute("DO $$ BEGIN END $$")
        # pgtrigger's per-row check reads this setting inside an exception block; unset, every row
        # raises and catches an error (measured: 8x slower inserts). An empty list ignores nothing.
        cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        written = 0
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        if written >= ANALYZE_AFTER_ROWS:
            # Fresh statistics at once: autovacuum comes later, and until then the planner takes a table
            # that just grew by tens of thousands of rows for an empty one (measured: 2x slower reports).
            cur.execute(f"ANALYZE {table}")


def copy_update(table, key, columns, rows):
    """UPDATE table SET columns FROM a COPY-filled temporary table, matched on `key`."""
    from django.db import connection

    temp = f"tmp_update_{table}"
    cols = [key, *columns]
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {', '.join(cols)} FROM {table} WITH NO DATA"
        )
        with cur.copy(f"COPY {temp} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = ", ".join(f"{c} = s.{c}" for c in columns)
        cur.execute(f"UPDATE {table} t SET {assignments} FROM {temp} s WHERE t.{key} = s.{key}")
        cur.execute(f"DROP TABLE {temp}")

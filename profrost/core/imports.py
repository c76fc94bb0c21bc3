"""The one spreadsheet import pipeline.

read the file (hostile until parsed) → map Russian headers → read each row's declared columns (every filled
cell parsed, every empty required cell reported) → check the row with the rules the edit forms use → classify
each valid row as new / changed / unchanged → on commit, write all of it in one transaction.

An importer declares rather than hand-writes:

* `columns`: one `Column` per column of the file — its header and aliases, the parser of a filled cell, the
  record field it fills, whether it is required (and which columns may stand in for it), whether a file without
  it keeps the stored values. The pipeline reads the row from these, and is the only place that reports
  a missing required value (REQUIRED).
* `options`: what it needs besides the file (`Option`: a campaign, a cohort, a name) — the command line's
  `--<name>` and the pages' parameters are made from them.
* `permission`: the rule (profrost.core.rules) that allows loading this kind; may_import() and
  importable_kinds() answer from it.
* A `ModelImporter` (one model, one object per row) also derives from them the comparison with the stored
  object (new / changed / unchanged, a column left out of the file keeping its values) and the write.

Each importer is registered (`@register`) in `IMPORTERS` under the name the command line uses
(`profrost import <kind>`) by its own app, from the app's AppConfig.ready(): this module knows no domain app.
"""

import datetime
import hashlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pghistory
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F

from profrost.core import rules

IMPORTERS = {}

# The one message for an empty cell of a required column (a column may declare a more telling one).
REQUIRED = "не заполнено обязательное поле"
# The code of a ValidationError (raised by a parser or a check) that puts the row out of the user's scope:
# such a row rejects the whole file (docs/security.md §14).
OUT_OF_SCOPE = "out_of_scope"


def register(cls):
    if IMPORTERS.get(cls.kind, cls) is not cls:
        raise ValueError(f"import kind {cls.kind!r} registered twice")
    IMPORTERS[cls.kind] = cls
    return cls


def get_importer(kind):
    try:
        return IMPORTERS[kind]
    except KeyError as exc:
        raise FileRejected(f"неизвестный вид загрузки «{kind}»") from exc


def may_import(user, kind):
    """Whether `user` may load files of `kind`: the rule the importer declares as its permission."""
    importer = IMPORTERS.get(kind)
    return importer is not None and rules.allowed(user, importer.permission)


def import_kinds():
    """Every kind, in the order of the apps (INSTALLED_APPS: the layers), then of registration in an app."""
    order = {config.name: i for i, config in enumerate(apps.get_app_configs())}

    def place(kind):
        config = apps.get_containing_app_config(IMPORTERS[kind].__module__)
        return order[config.name] if config else len(order)

    return sorted(IMPORTERS, key=place)


def importable_kinds(user):
    """The kinds `user` may load, in the order of import_kinds()."""
    return [kind for kind in import_kinds() if may_import(user, kind)]


class FileRejected(Exception):
    """The whole file is unusable; the message is for the user, in Russian."""


class RowError(Exception):
    def __init__(self, header, message, out_of_scope=False):
        super().__init__(message)
        self.header = header
        self.message = message
        self.out_of_scope = out_of_scope


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
    # Imported when a file is read: profrost.core.sheets is also the child process's own entry point
    # (python -m profrost.core.sheets), a module that must not import Django.
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


def lookup(table, value):
    """table[norm_key(value)] or None; the common exact spelling is found without normalizing."""
    if value.__class__ is str:
        found = table.get(value.lower())
        if found is not None:
            return found
    return table.get(norm_key(value))


def is_empty(value):
    """A cell that holds nothing: no value, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _gives_nothing(value):
    """A filled cell whose parsed value is still nothing: no text, an empty list."""
    return value is None or (not value and isinstance(value, (str, tuple, list, set, frozenset)))


def choice(table, message):
    """A parser of a label (or a synonym) found in `table` (see choice_lookup); `message` is the error for
    anything else, with «{value}» where the cell's text goes."""

    def parse(value):
        found = lookup(table, value)
        if found is None:
            raise ValidationError(message.format(value=text(value)))
        return found

    return parse


def allowed_labels(choices):
    """«: допустимо a, b, c» — the tail of a choice's error that lists what the column accepts."""
    return ": допустимо " + ", ".join(str(label) for _, label in choices)


def limited(max_length):
    """A text parser that refuses a text longer than the field it goes to."""

    def parse(value):
        value = text(value)
        if len(value) > max_length:
            raise ValidationError(f"не длиннее {max_length} символов (сейчас {len(value)})")
        return value

    return parse


# --- declarations --------------------------------------------------------------------------------


_TEXT_DEFAULT = object()


@dataclass(frozen=True)
class Column:
    """One column of a file.

    header, aliases: the header and the other headers it is known by (case, spaces and ё/е aside).
    field: the key of the row's record the value goes to (for a ModelImporter, the model's field; a
        many-to-many field takes a set of ids); None: the column is only mapped (for the reader, or read by
        the importer's own check()).
    parse: a filled cell → its value, raising ValidationError with the message for the user (code
        OUT_OF_SCOPE: the row is out of the user's scope); a string names a method of the importer (a look-up
        in what prepare() loaded). Never called for an empty cell, which gives `default` ("" for text, else
        None).
    required: the file must have the column, and every row must fill it (a value that parses to nothing, like
        «;» for a list, is not filled) — unless the file has, and the row fills, all the columns of one
        alternative in `instead` (e.g. the organization's name for its INN). A required cell left empty is
        reported as `missing`.
    keep: (ModelImporter) a file without this column keeps the stored object's value.
    """

    header: str
    field: str | None = None
    parse: Callable | str = text
    required: bool = False
    aliases: tuple = ()
    default: object = _TEXT_DEFAULT
    missing: str = REQUIRED
    instead: tuple = ()
    keep: bool = False

    def __post_init__(self):
        if self.default is _TEXT_DEFAULT:
            object.__setattr__(self, "default", "" if self.parse is text else None)
        alternatives = tuple((a,) if isinstance(a, str) else tuple(a) for a in self.instead)
        object.__setattr__(self, "instead", alternatives)


@dataclass(frozen=True)
class Option:
    """A value an importer needs besides the file, passed to it as the keyword argument `name`: on the command
    line `--<name>`, on the pages a parameter of the link or of the posted form.

    label: what it is, on the pages («Диагностика»); about: what to give on the command line («id
    диагностики»), help: the command line's help. choices: () → the objects it may name (a queryset): the
    option is one of their ids. When the pages get none, they show the page `ask` (which asks for it), or
    else send the user back to the list with the message `missing`.
    """

    name: str
    label: str
    about: str
    help: str
    choices: Callable | None = None
    ask: str = ""
    missing: str = ""


# --- importer base -------------------------------------------------------------------------------


class Importer:
    """Subclasses declare `kind`, `title`, `permission`, `columns` (and `options`), and implement prepare /
    check / key / diff / write.

    A row goes through clean(row, number): read() parses the declared columns into a record, check() applies
    the rules across columns and the look-ups, finish() gives what is kept of the record. Every error of the row
    is collected (RowCleaner); an OUT_OF_SCOPE error rejects the whole file (docs/security.md §14).
    """

    kind = ""
    title = ""
    permission = ""  # the rule (profrost.core.rules) that allows loading this kind
    # The message that refuses a file loaded on behalf of a user the permission does not allow ("" — the pages
    # and the command line's caller decide).
    refusal = ""
    options: tuple = ()
    columns: list = []
    example: list = []
    notes = ""  # how to fill the columns, in Russian, shown on the upload page above the template's link
    reference_sheets: list = []  # [(title, values)] for the template
    duplicate_header = ""

    def __init__(self, user=None):
        self.user = user

    @property
    def headers(self):
        return [c.header for c in self.columns]

    def check_permission(self):
        if self.refusal and self.user is not None and not rules.allowed(self.user, self.permission):
            raise FileRejected(self.refusal.format(title=self.title))

    def map_headers(self, headers):
        self.check_permission()
        index = {}
        wanted = {norm_key(c.header): c.header for c in self.columns}
        for c in self.columns:
            for alias in c.aliases:
                wanted[norm_key(alias)] = c.header
        for i, h in enumerate(headers):
            key = wanted.get(norm_key(h))
            if key and key not in index:
                index[key] = i
        missing = [
            c.header
            for c in self.columns
            if c.required
            and c.header not in index
            and not any(all(h in index for h in alternative) for alternative in c.instead)
        ]
        if missing:
            names = ", ".join(f"«{m}»" for m in missing)
            raise FileRejected(
                f"в файле нет обязательных столбцов: {names}. Проверьте строку заголовков "
                "(и кодировку файла: UTF-8 или Windows-1251)"
            )
        self.present = set(index)
        return index

    def parser(self, column):
        return getattr(self, column.parse) if isinstance(column.parse, str) else column.parse

    def _plan(self):
        # The declarations as plain tuples, once per import: read() runs for every row.
        plan = self.__dict__.get("_read_plan")
        if plan is None:
            plan = self.__dict__["_read_plan"] = []
            for c in self.columns:
                if c.field is not None or c.required:
                    parse = self.parser(c)
                    plan.append(
                        (c.header, c.field, parse, parse is text, c.required, c.default, c.missing, c.instead)
                    )
        return plan

    def read(self, row, c):
        """The record of the row's declared columns; errors go to the RowCleaner `c`."""
        record = {}
        for header, key, parse, plain, required, default, missing, instead in self._plan():
            raw = row.get(header)
            if raw.__class__ is str:
                raw = raw.strip()  # (a text cell is stripped once: the parsers get it stripped)
                if raw and plain:
                    if key is not None:
                        record[key] = raw
                    continue
            if raw is None or raw == "":
                if required and not any(
                    all(not is_empty(row.get(h)) for h in alternative) for alternative in instead
                ):
                    c.error(header, missing)
                value = default
            else:
                try:
                    value = parse(raw)
                except ValidationError as exc:
                    c.invalid(header, exc)
                    value = default
                else:
                    if required and _gives_nothing(value):  # e.g. «;» in a list of codes
                        c.error(header, missing)
            if key is not None:
                record[key] = value
        return record

    def prepare(self, records):  # load lookups once
        pass

    def clean(self, row, number):
        c = RowCleaner()
        record = self.read(row, c)
        self.check(c, record, row, number)
        c.done()
        return self.finish(record)

    def check(self, c, record, row, number):
        """The rules across columns, and look-ups that need more than one cell: errors go to `c`."""

    def finish(self, record):
        """What is kept of a valid row's record until the write."""
        return record

    def key(self, record):
        raise NotImplementedError

    def diff(self, records):
        """Return [(record, 'new'|'changed'|'unchanged')] for valid records."""
        raise NotImplementedError

    def write(self, classified, progress):
        raise NotImplementedError


class ModelImporter(Importer):
    """An importer of one model, one object per row, found again by its natural key (find()).

    From the declarations: the fields compared with the stored object and written are the columns' fields that
    are the model's (`fields`; its many-to-many fields: `m2m`); a text column longer than its model field is a
    row error; a `keep` column left out of the file keeps the stored values; a changed object's version goes up.
    """

    model = None
    fields: tuple = None  # compared and updated; default: the columns' fields that are the model's
    batch_size = 2000

    def __init__(self, user=None):
        super().__init__(user)
        meta = self.model._meta
        attnames = {f.attname: f for f in meta.concrete_fields}
        m2m = {f.name for f in meta.many_to_many}
        declared = [c.field for c in self.columns if c.field]
        if self.fields is None:
            self.fields = tuple(f for f in declared if f in attnames)
        self.m2m = tuple(f for f in declared if f in m2m)
        self.attnames = attnames
        self.keep = {c.header: c.field for c in self.columns if c.keep}

    def parser(self, column):
        parse = super().parser(column)
        model_field = self.attnames.get(column.field)
        if parse is text and isinstance(model_field, models.CharField) and model_field.max_length:
            return limited(model_field.max_length)
        return parse

    def find(self, record):
        """The stored object this record describes, or None (a new one)."""
        raise NotImplementedError

    def stored_links(self, obj):
        """{many-to-many field: set of ids} of a stored object (what prepare() loaded)."""
        return {}

    def changed_beyond(self, obj, record):
        """Whether anything besides the fields and links changed (e.g. a cohort's quotas)."""
        return False

    def keep_absent(self, record, obj, links):
        """A column left out of the file keeps the stored values (a narrower file never erases what it does
        not mention)."""
        for header, name in self.keep.items():
            if header in self.present:
                continue
            record[name] = frozenset(links.get(name, ())) if name in self.m2m else getattr(obj, name)

    def diff(self, records):
        out = []
        for record in records:
            obj = self.find(record)
            if obj is None:
                out.append((record, "new"))
                continue
            record["_pk"] = obj.pk
            links = self.stored_links(obj)
            self.keep_absent(record, obj, links)
            changed = (
                any(getattr(obj, f) != record[f] for f in self.fields)
                or any(set(links.get(m, ())) != set(record[m]) for m in self.m2m)
                or self.changed_beyond(obj, record)
            )
            out.append((record, "changed" if changed else "unchanged"))
        return out

    def new_values(self, record):
        """The field values of a new object: the record's model fields (extend for fixed values)."""
        return {k: v for k, v in record.items() if k in self.attnames}

    def write(self, classified, progress):
        model = self.model
        new = [r for r, s in classified if s == "new"]
        created = model.objects.bulk_create(
            [model(**self.new_values(r)) for r in new], batch_size=self.batch_size
        )
        for obj, record in zip(created, new, strict=True):
            record["_pk"] = obj.pk
        changed = [r for r, s in classified if s == "changed"]
        if changed:
            model.objects.bulk_update(
                [model(pk=r["_pk"], **{f: r[f] for f in self.fields}) for r in changed],
                list(self.fields),
                batch_size=self.batch_size,
            )
            if "version" in self.attnames:
                model.objects.filter(pk__in=[r["_pk"] for r in changed]).update(version=F("version") + 1)
        for name in self.m2m:
            replace_links(model, name, {r["_pk"]: r[name] for r, _ in classified})
        self.after_write(classified)
        progress(len(classified))

    def after_write(self, classified):
        """What else the write does (e.g. a cohort's quotas)."""


def replace_links(model, name, sets):
    """sets: {owner pk: iterable of target pks} — replaces each owner's links of the many-to-many `name`."""
    if not sets:
        return
    m2m = model._meta.get_field(name)
    through = m2m.remote_field.through
    owner, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
    through.objects.filter(**{f"{owner}__in": list(sets)}).delete()
    through.objects.bulk_create(
        [through(**{owner: o, target: t}) for o, targets in sets.items() for t in targets],
        batch_size=2000,
    )


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
                result.out_of_scope |= e.out_of_scope
            result.skipped.append((number, _display_raw(raw), "; ".join(e.message for e in exc.errors)))
        except RowError as exc:
            result.errors.append((number, exc.header, exc.message))
            result.out_of_scope |= exc.out_of_scope
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
    try:
        with (
            transaction.atomic(),
            pghistory.context(
                user=user.pk if user is not None else None, source=f"import:{kind}", import_job=job_id
            ),
        ):
            importer.write(to_write, lambda done: report(result.total + done, result.total * 2, "запись"))
    except FileRejected as exc:
        # The data changed between the check and the write (an importer whose write step goes through an
        # app's actions refuses then): the transaction is rolled back, nothing is written, the file is refused.
        result.file_error = str(exc)
        return result
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
        """fn(*args), or None with its ValidationError recorded under `header`."""
        try:
            return fn(*args)
        except ValidationError as exc:
            self.invalid(header, exc)
        except RowError as exc:
            self.errors.append(exc)
        return None

    def invalid(self, header, exc):
        """A ValidationError: one error per message; code OUT_OF_SCOPE marks the row out of scope."""
        out_of_scope = any(e.code == OUT_OF_SCOPE for e in exc.error_list)
        for message in exc.messages:
            self.error(header, message, out_of_scope=out_of_scope)

    def error(self, header, message, out_of_scope=False):
        self.errors.append(RowError(header, message, out_of_scope))

    def has_error(self, header):
        return any(e.header == header for e in self.errors)

    def done(self):
        if self.errors:
            raise RowErrors(self.errors)


# --- set-based writing (COPY), shared by importers -------------------------------------------------


ANALYZE_AFTER_ROWS = 10_000


def copy_rows(table, columns, rows):
    """COPY rows into a table. History triggers still fire; the first statement carries pghistory's
    context (a transaction-local setting) into the transaction, so the COPY is attributed too."""
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


def fetch(sql, values):
    """One query with an array parameter: a long IN (…) list costs Django more than the database."""
    with connection.cursor() as cur:
        cur.execute(sql, [list(values)])
        return cur.fetchall()

"""Uploads are parsed within bounds (issue 9, points 7 and 16).

A 1.6 KB XLSX with cells A1 and XFD1048576 used to make the reader build the whole empty grid
(512 GB → abort, which kills the process: no `except` catches it). The files here are written by hand,
as an attacker would: the process running the tests must survive every one of them.
"""

import datetime
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from profrost.core import sheets
from profrost.core.imports import FileRejected, parse_date, read_rows
from profrost.core.models import ImportJob
from profrost.people.models import Person

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def workbook_xml(sheets_):
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="{rid}"/>' for i, (name, rid) in enumerate(sheets_, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{entries}</sheets></workbook>"
    )


def workbook_rels(targets):
    entries = "".join(
        f'<Relationship Id="{rid}" Type="{WORKSHEET_REL}" Target="{target}"/>' for rid, target in targets
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{entries}'
        "</Relationships>"
    )


def sheet_xml(cells, dimension=None):
    """cells: {"A1": value}; str → inline string, number → number, None → formatting only (no value)."""
    rows = {}
    for ref, value in cells.items():
        number = int("".join(ch for ch in ref if ch.isdigit()))
        if value is None:
            cell = f'<c r="{ref}" s="1"/>'
        elif isinstance(value, str):
            cell = f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
        else:
            cell = f'<c r="{ref}"><v>{value}</v></c>'
        rows.setdefault(number, []).append(cell)
    body = "".join(f'<row r="{n}">{"".join(c)}</row>' for n, c in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    )


def write_xlsx_by_hand(path, sheet, extra=None, workbook=None, rels=None):
    """A minimal valid XLSX: [Content_Types].xml, _rels/.rels, the workbook, its rels, sheet1."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook or workbook_xml([("Лист1", "rId1")]))
        zf.writestr("xl/_rels/workbook.xml.rels", rels or workbook_rels([("rId1", "worksheets/sheet1.xml")]))
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def rejected(path, name="staff.xlsx"):
    started = time.monotonic()
    with pytest.raises(FileRejected) as info:
        read_rows(path, name)
    assert time.monotonic() - started < 5
    return str(info.value)


# --- point 7: pathological files are refused, fast, and nobody dies ----------------------------------


def test_a1_and_xfd1048576_is_refused_without_killing_the_process(tmp_path):
    path = write_xlsx_by_hand(tmp_path / "bomb.xlsx", sheet_xml({"A1": "СНИЛС", "XFD1048576": 1}))
    assert path.stat().st_size < 2048  # the 1.6 KB file of the issue
    assert rejected(path) == "в файле слишком много столбцов (16 384, допустимо не более 200)"


def test_zz60000_is_refused_fast(tmp_path):
    path = write_xlsx_by_hand(tmp_path / "zz.xlsx", sheet_xml({"A1": "СНИЛС", "ZZ60000": 1}))
    assert rejected(path) == "в файле слишком много столбцов (702, допустимо не более 200)"


def test_too_many_rows_is_refused(tmp_path):
    path = write_xlsx_by_hand(tmp_path / "tall.xlsx", sheet_xml({"A1": "СНИЛС", "B300000": 1}))
    assert rejected(path) == "в файле слишком много строк (300 000, допустимо не более 200 000)"


def test_huge_declared_dimension_is_refused(tmp_path):
    # Few cells, but the sheet claims a million rows: a reader that trusts it would allocate them.
    path = write_xlsx_by_hand(
        tmp_path / "declared.xlsx", sheet_xml({"A1": "СНИЛС", "B2": 1}, dimension="A1:T1048576")
    )
    assert rejected(path) == "в файле слишком много строк (1 048 576, допустимо не более 200 000)"


def test_too_many_real_cells_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 1000
    cells = {f"{col}{row}": row for col in "ABCDEFGHIJ" for row in range(1, 151)}
    path = write_xlsx_by_hand(tmp_path / "cells.xlsx", sheet_xml(cells, dimension="A1:J150"))
    assert rejected(path) == "в файле слишком много ячеек (1500, допустимо не более 1000)"


def test_the_first_sheet_is_the_one_bounded(tmp_path):
    """The bounds apply to the sheet the reader opens: the workbook's first <sheet>, whatever its part."""
    # The first sheet (rId2, an absolute target) is the bomb; sheet1.xml is harmless.
    path = write_xlsx_by_hand(
        tmp_path / "order.xlsx",
        sheet_xml({"A1": "Фамилия", "A2": "Иванов"}),
        extra={"xl/worksheets/data.xml": sheet_xml({"A1": "СНИЛС", "XFD1048576": 1})},
        workbook=workbook_xml([("Данные", "rId2"), ("Лист1", "rId1")]),
        rels=workbook_rels([("rId1", "worksheets/sheet1.xml"), ("rId2", "/xl/worksheets/data.xml")]),
    )
    assert "слишком много столбцов (16 384" in rejected(path)
    # A pathological sheet that is not the first one is never read, so it does not matter.
    path = write_xlsx_by_hand(
        tmp_path / "second.xlsx",
        sheet_xml({"A1": "Фамилия", "A2": "Иванов"}),
        extra={"xl/worksheets/data.xml": sheet_xml({"A1": "СНИЛС", "XFD1048576": 1})},
        workbook=workbook_xml([("Лист1", "rId1"), ("Данные", "rId2")]),
        rels=workbook_rels([("rId1", "worksheets/sheet1.xml"), ("rId2", "worksheets/data.xml")]),
    )
    assert read_rows(path, "staff.xlsx") == (["Фамилия"], [(2, ["Иванов"])])


def test_csv_is_bounded_too(tmp_path, settings):
    wide = tmp_path / "wide.csv"
    wide.write_text(";".join(f"c{i}" for i in range(250)) + "\n" + "1;" * 249 + "1\n", encoding="utf-8")
    assert rejected(wide, "wide.csv") == "в файле слишком много столбцов (250, допустимо не более 200)"
    settings.IMPORT_MAX_ROWS = 10
    tall = tmp_path / "tall.csv"
    tall.write_text("СНИЛС;Фамилия\n" + "1;2\n" * 20, encoding="utf-8")
    assert rejected(tall, "tall.csv") == "в файле слишком много строк (21, допустимо не более 10)"
    settings.IMPORT_MAX_ROWS = 200_000
    settings.IMPORT_MAX_CELLS = 30
    assert rejected(tall, "tall.csv") == "в файле слишком много ячеек (42, допустимо не более 30)"


def test_sparse_sheet_is_read_correctly(tmp_path):
    """A few cells far apart, within bounds: read as the user sees them, without the empty rows."""
    cells = {
        "A1": "Фамилия",
        "B1": "Имя",
        "D1": "Примечание",
        "A2": "Иванов",
        "D5": "далеко справа",
        "B7": 42,
        "Z9000": None,  # formatting only, no value
        "A150000": "последняя",
        "D150000": 3.5,
    }
    path = write_xlsx_by_hand(tmp_path / "sparse.xlsx", sheet_xml(cells, dimension="A1:Z150000"))
    headers, rows = read_rows(path, "staff.xlsx")
    assert headers == ["Фамилия", "Имя", "", "Примечание"]
    assert rows == [
        (2, ["Иванов", None, None, None]),
        (5, [None, None, None, "далеко справа"]),
        (7, [None, 42.0, None, None]),
        (150000, ["последняя", None, None, 3.5]),
    ]


def test_excel_like_file_reads_as_before(tmp_path):
    """An openpyxl-written file (shared strings, dates, numbers, blank lines, a gap) reads as calamine
    reads it: the same values, row numbers as the user sees them, blank lines skipped."""
    from python_calamine import CalamineWorkbook

    wb = Workbook()
    ws = wb.active
    ws.append(["СНИЛС", "Фамилия", "Дата рождения", "Стаж"])
    ws.append(["112-233-445 95", "Смирнова", datetime.date(1985, 3, 14), 12])
    ws.append([])
    ws.append(["", "   ", None, None])  # blank: spaces only
    ws.append(["112-233-445 96", "Петрова", datetime.datetime(1990, 1, 2, 10, 30), 3.5])
    ws["C40"] = "конец"
    other = wb.create_sheet("Справочник")
    other["A1"] = "не читается"
    path = tmp_path / "excel.xlsx"
    wb.save(path)
    headers, rows = read_rows(path, "excel.xlsx")
    dense = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert headers == ["СНИЛС", "Фамилия", "Дата рождения", "Стаж"]
    assert [n for n, _ in rows] == [2, 5, 40]
    for number, values in rows:
        assert values == [None if v == "" else v for v in dense[number - 1]]
    assert rows[0][1][2] == datetime.date(1985, 3, 14)


def test_upload_of_the_bomb_shows_the_message_and_writes_nothing(
    schools_inn_bounds, client, tmp_path, settings
):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(schools_inn_bounds["users"]["region_admin"])
    people = Person.objects.count()
    path = write_xlsx_by_hand(tmp_path / "bomb.xlsx", sheet_xml({"A1": "СНИЛС", "XFD1048576": 1}))
    with open(path, "rb") as fh:
        response = client.post("/imports/staff/upload/", {"file": fh})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "в файле слишком много столбцов (16 384, допустимо не более 200)" in page.content.decode()
    job = ImportJob.objects.get()
    assert job.state != "done"
    client.post(f"/imports/job/{job.pk}/commit/", {"skip_invalid": "1"})
    assert Person.objects.count() == people


@pytest.fixture
def schools_inn_bounds(world):
    from profrost.core.validators import inn10

    for i, school in enumerate(world["schools"]):
        school.inn = inn10(f"3400000{i:02d}")
        school.save()
    return world


# --- the child process: whatever happens in there, only the child dies --------------------------------

LIMITS = {"rows": 200_000, "columns": 200, "cells": 5_000_000}


def test_a_child_killed_by_the_memory_limit_becomes_a_message(tmp_path):
    # 40 strings of 2 MB: 80 MB of text, which a 64 MB address space cannot hold.
    big = "x" * (2 * 1024 * 1024)
    path = write_xlsx_by_hand(tmp_path / "big.xlsx", sheet_xml({f"A{r}": big for r in range(1, 41)}))
    small = write_xlsx_by_hand(tmp_path / "small.xlsx", sheet_xml({"A1": "СНИЛС"}))
    # The same limit lets a small file through: it is the file that exceeds it, not the child's start.
    assert sheets.read_table(small, "xlsx", LIMITS, memory=64 << 20, cpu=60, timeout=60) == [(1, ["СНИЛС"])]
    with pytest.raises(sheets.SheetRejected) as info:
        sheets.read_table(path, "xlsx", LIMITS, memory=64 << 20, cpu=60, timeout=60)
    assert str(info.value) == sheets.FAILED
    # With room enough, the same file is read.
    assert len(sheets.read_table(path, "xlsx", LIMITS, memory=1 << 30, cpu=60, timeout=60)) == 40


def test_a_child_over_time_is_killed_and_becomes_a_message(tmp_path):
    path = write_xlsx_by_hand(tmp_path / "small.xlsx", sheet_xml({"A1": "СНИЛС"}))
    started = time.monotonic()
    with pytest.raises(sheets.SheetRejected) as info:
        sheets.read_table(path, "xlsx", LIMITS, memory=1 << 30, cpu=60, timeout=0.001)
    assert time.monotonic() - started < 5
    assert "не удалось прочитать за отведённое время" in str(info.value)


def test_the_parent_accepts_nothing_but_plain_values_from_the_child():
    import io
    import pickle

    payload = pickle.dumps(("rows", [(1, [__import__("os").getcwd])]))
    with pytest.raises(pickle.UnpicklingError):
        sheets._Unpickler(io.BytesIO(payload)).load()
    dates = pickle.dumps(("rows", [(2, [datetime.date(2024, 2, 29), 1.5, "x", None, True])]))
    assert sheets._Unpickler(io.BytesIO(dates)).load() == (
        "rows",
        [(2, [datetime.date(2024, 2, 29), 1.5, "x", None, True])],
    )


# --- point 16: a date that does not exist is not a format error ---------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [
        ("31.02.1990", "даты «31.02.1990» не существует"),
        ("29.02.2023", "даты «29.02.2023» не существует"),
        ("31.04.2020", "даты «31.04.2020» не существует"),
        ("1990-02-31", "даты «1990-02-31» не существует"),
        ("31.02.90", "даты «31.02.90» не существует"),
        ("32.10.2026", "не удалось распознать дату «32.10.2026»: нужен формат ДД.ММ.ГГГГ"),
        ("14/03/1985", "не удалось распознать дату «14/03/1985»: нужен формат ДД.ММ.ГГГГ"),
        ("вчера", "не удалось распознать дату «вчера»: нужен формат ДД.ММ.ГГГГ"),
    ],
)
def test_parse_date_tells_a_nonexistent_date_from_a_wrong_format(value, message):
    with pytest.raises(ValidationError) as info:
        parse_date(value)
    assert info.value.messages[0].startswith(message)


def test_parse_date_still_reads_real_dates():
    assert parse_date("29.02.2024") == datetime.date(2024, 2, 29)
    assert parse_date("2024-02-29") == datetime.date(2024, 2, 29)
    assert parse_date("1.2.1990") == datetime.date(1990, 2, 1)
    assert parse_date("29.02.00") == datetime.date(2000, 2, 29)

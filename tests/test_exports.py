import datetime
import zipfile

from openpyxl import load_workbook

from profrost.core.exports import escape_cell, write_xlsx


def test_formula_like_text_is_stored_as_inert_text(tmp_path):
    path = tmp_path / "x.xlsx"
    write_xlsx(
        path,
        [
            (
                "Лист",
                ["A", "B", "C", "D"],
                [['=HYPERLINK("http://evil")', "+7 900 000-00-00", "@SUM(A1)", datetime.date(2024, 3, 1)]],
            )
        ],
    )
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    ws = load_workbook(path).active
    a2, b2, c2, d2 = ws[2]
    assert (a2.value, a2.data_type, a2.quotePrefix) == ('=HYPERLINK("http://evil")', "s", True)
    assert (b2.value, b2.quotePrefix) == ("+7 900 000-00-00", True)
    assert c2.quotePrefix is True
    assert d2.number_format == "DD.MM.YYYY"


def test_escape_cell_for_plain_text():
    assert escape_cell("=1+1") == "'=1+1"
    assert escape_cell("-5") == "'-5"
    assert escape_cell("Иванова") == "Иванова"


def test_downloads_are_named_in_russian_by_their_content(world, client):
    from urllib.parse import quote

    from profrost.core.exports import file_name

    assert file_name('Группа — «Оценивание»: 1/2 * "?"\x00', "xlsx") == "Группа — «Оценивание» 1 2.xlsx"
    assert file_name("", "pdf") == "файл.pdf" and len(file_name("Я" * 500, "pdf")) == 124
    teacher = world["teachers"][0]
    client.force_login(world["users"]["region_admin"])
    response = client.get(f"/resources/growth/{teacher.pk}.xlsx")
    expected = quote(f"Портфолио {teacher.last_name} {teacher.first_name[0]}. {teacher.middle_name[0]}.xlsx")
    assert f"filename*=utf-8''{expected}" in response["Content-Disposition"]
    data = client.get(f"/people/{teacher.pk}/personal-data.json")
    assert "filename*=utf-8''" + quote("Персональные данные") in data["Content-Disposition"]


def test_the_import_list_and_template_speak_russian(world, client, tmp_path):
    from urllib.parse import quote

    from profrost.core.models import ImportJob

    user = world["users"]["region_admin"]
    ImportJob.objects.create(user=user, kind="staff", original_name="кадры.csv")
    client.force_login(user)
    page = client.get("/imports/").content.decode()
    row = page.split("кадры.csv")[0].rsplit("<tr", 1)[1]
    assert "Педагоги" in row and "staff" not in row
    template = client.get("/imports/staff/template.xlsx")
    assert "filename*=utf-8''" + quote("Шаблон — педагоги.xlsx") in template["Content-Disposition"]


def test_the_instrument_upload_says_how_options_are_separated_and_its_template_shows_it(
    world, client, tmp_path
):
    import io

    import openpyxl

    from profrost.core.imports import run_import

    client.force_login(world["users"]["region_admin"])
    page = client.get("/imports/instrument/upload/", {"name": "Проверка"}).content.decode()
    assert "через «|»" in page
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get("/imports/instrument/template.xlsx").streaming_content))
    )
    rows = [[c.value for c in r] for r in book.worksheets[0].iter_rows()]
    assert "Лист самооценки" in rows[1][6] and "|" in rows[1][6]
    # The template's example row loads as it is.
    path = tmp_path / "instrument.xlsx"
    book.save(path)
    result = run_import("instrument", path, user=world["users"]["region_admin"], options={"name": "Проверка"})
    assert result.ok and result.written and result.new == 1, result.error_lines()

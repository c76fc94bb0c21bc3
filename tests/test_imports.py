"""The import pipeline: good files in every accepted shape, every bad input, idempotence, scope."""

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from profrost.core.exports import write_xlsx
from profrost.core.imports import run_import
from profrost.core.models import ImportJob, JournalEntry
from profrost.people.exports import STAFF_HEADERS, staff_rows
from profrost.people.models import Employment, Person, PersonEvent
from profrost.structure.exports import ORGANIZATION_HEADERS, organization_rows
from profrost.structure.models import Organization
from tests.factories import valid_snils

HEADERS = [
    "СНИЛС",
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Пол",
    "ИНН организации",
    "Должность",
    "Предметы",
    "Основное место работы",
    "Категория",
    "Дата присвоения категории",
    "Образование",
    "Дата начала педагогической деятельности",
    "Электронная почта",
    "Телефон",
]


def staff_row(world, **over):
    row = {
        "СНИЛС": "112-233-445 95",
        "Фамилия": "Смирнова",
        "Имя": "Ольга",
        "Отчество": "Ивановна",
        "Дата рождения": "14.03.1985",
        "Пол": "Ж",
        "ИНН организации": world["schools"][0].inn,
        "Должность": "учитель",
        "Предметы": "математика; информатика",
        "Основное место работы": "да",
        "Категория": "Первая",
        "Дата присвоения категории": "20.12.2022",
        "Образование": "высшее педагогическое",
        "Дата начала педагогической деятельности": "01.09.2008",
        "Электронная почта": "smirnova@example.ru",
        "Телефон": "",
    }
    row.update(over)
    return row


def write_csv(path, rows, headers=HEADERS, encoding="utf-8", delimiter=";"):
    lines = [delimiter.join(headers)]
    for row in rows:
        lines.append(delimiter.join(f'"{row.get(h, "")}"' for h in headers))
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx_file(path, rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


@pytest.fixture
def schools_inn(world):
    # The world's schools get valid INNs for these tests.
    from profrost.core.validators import inn10

    for i, school in enumerate(world["schools"]):
        school.inn = inn10(f"3400000{i:02d}")
        school.save()
    return world


# --- good files ------------------------------------------------------------------------------------


def test_csv_utf8_semicolon_creates_person_and_job(schools_inn, tmp_path):
    w = schools_inn
    path = write_csv(tmp_path / "staff.csv", [staff_row(w)])
    result = run_import("staff", path)
    assert (result.new, result.changed, result.errors, result.written) == (1, 0, [], True)
    person = Person.objects.get(snils="11223344595")
    assert (person.last_name, person.birth_date, person.category) == (
        "Смирнова",
        datetime.date(1985, 3, 14),
        "first",
    )
    assert person.has_higher_pedagogical and person.education == "higher"
    # Awarded before 01.09.2023: valid five years.
    assert person.category_expiry == datetime.date(2027, 12, 20)
    job = Employment.objects.get(person=person)
    assert job.organization == w["schools"][0] and job.is_main
    assert sorted(s.name for s in job.subjects.all()) == ["информатика", "математика"]


def test_reimport_same_file_changes_nothing(schools_inn, tmp_path):
    path = write_csv(tmp_path / "staff.csv", [staff_row(schools_inn)])
    run_import("staff", path)
    events = PersonEvent.objects.count()
    again = run_import("staff", path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
    assert PersonEvent.objects.count() == events  # no history noise either


def test_changed_row_updates_person_found_by_snils(schools_inn, tmp_path):
    w = schools_inn
    run_import("staff", write_csv(tmp_path / "a.csv", [staff_row(w)]))
    result = run_import(
        "staff",
        write_csv(
            tmp_path / "b.csv",
            [
                staff_row(
                    w, Фамилия="Петрова", Категория="Высшая", **{"Дата присвоения категории": "10.10.2024"}
                )
            ],
        ),
    )
    assert (result.new, result.changed) == (0, 1)
    person = Person.objects.get(snils="11223344595")
    assert (person.last_name, person.category, person.category_expiry, person.version) == (
        "Петрова",
        "highest",
        None,
        2,
    )
    assert Person.objects.count() == 17


def test_cp1251_comma_xlsx_shuffled_uppercase_headers(schools_inn, tmp_path):
    w = schools_inn
    rows = [staff_row(w, СНИЛС=valid_snils(), Фамилия=f"Фамилия{i}") for i in range(3)]
    shuffled = list(reversed(HEADERS))
    cp = run_import(
        "staff",
        write_csv(tmp_path / "a.csv", rows[:1], headers=shuffled, encoding="cp1251", delimiter=","),
        dry_run=True,
    )
    assert (cp.new, cp.errors) == (1, [])
    upper = [h.upper() for h in shuffled]
    xrows = [{h.upper(): v for h, v in r.items()} for r in rows]
    xlsx = write_xlsx_file(tmp_path / "b.xlsx", xrows, headers=upper)
    result = run_import("staff", xlsx)
    assert (result.new, result.errors) == (3, [])
    assert Person.objects.filter(last_name__startswith="Фамилия").count() == 3


def test_excel_date_cells_and_numeric_snils(schools_inn, tmp_path):
    row = staff_row(schools_inn, **{"Дата рождения": datetime.date(1990, 5, 6), "СНИЛС": 11223344595})
    result = run_import("staff", write_xlsx_file(tmp_path / "d.xlsx", [row]))
    assert result.errors == []
    assert Person.objects.get(snils="11223344595").birth_date == datetime.date(1990, 5, 6)


def test_organization_by_name_and_municipality(schools_inn, tmp_path):
    w = schools_inn
    headers = [h for h in HEADERS if h != "ИНН организации"] + ["Организация", "Муниципалитет"]
    row = staff_row(w, Организация=w["schools"][1].name, Муниципалитет=w["municipalities"][0].name)
    result = run_import("staff", write_csv(tmp_path / "n.csv", [row], headers=headers))
    assert result.errors == [] and result.new == 1
    assert Employment.objects.filter(person__snils="11223344595", organization=w["schools"][1]).exists()


def test_two_jobs_of_one_person_in_one_file(schools_inn, tmp_path):
    w = schools_inn
    rows = [
        staff_row(w),
        staff_row(w, **{"ИНН организации": w["schools"][1].inn, "Основное место работы": "нет"}),
    ]
    result = run_import("staff", write_csv(tmp_path / "two.csv", rows))
    assert result.errors == []
    assert Employment.objects.filter(person__snils="11223344595").count() == 2


# --- bad input: each with a Russian message and nothing written ------------------------------------


@pytest.mark.parametrize(
    "override, header, message",
    [
        ({"СНИЛС": "112-233-445 96"}, "СНИЛС", "неверная контрольная сумма СНИЛС"),
        ({"ИНН организации": "7707083893"}, "ИНН организации", "организация с ИНН 7707083893 не найдена"),
        ({"Дата рождения": "01.01.2090"}, "Дата рождения", "дата рождения не может быть в будущем"),
        ({"Дата рождения": "01.01.2015"}, "Дата рождения", "лет: допустимо от 16 до 90"),
        ({"Дата рождения": "01.01.1920"}, "Дата рождения", "лет: допустимо от 16 до 90"),
        ({"Должность": "космонавт"}, "Должность", "неизвестная должность «космонавт»"),
        ({"Категория": "вторая"}, "Категория", "неизвестная квалификационная категория «вторая»"),
        ({"Фамилия": ""}, "Фамилия", "не заполнено обязательное поле"),
        ({"Дата рождения": "32.13.1985"}, "Дата рождения", "не удалось распознать дату «32.13.1985»"),
    ],
)
def test_bad_rows(schools_inn, tmp_path, override, header, message):
    rows = [
        staff_row(schools_inn, СНИЛС=valid_snils(), Фамилия="Хорошая"),
        staff_row(schools_inn, **override),
    ]
    result = run_import("staff", write_csv(tmp_path / "bad.csv", rows))
    assert not result.written
    assert any(row == 3 and h == header and message in m for row, h, m in result.errors), result.errors
    assert f"строка 3, «{header}»: " in result.error_lines()[0]
    assert Person.objects.count() == 16  # the good row is not written either


def test_same_snils_twice_with_different_data(schools_inn, tmp_path):
    rows = [staff_row(schools_inn), staff_row(schools_inn, Имя="Другая")]
    result = run_import("staff", write_csv(tmp_path / "dup.csv", rows))
    assert result.errors == [(3, "СНИЛС", "этот СНИЛС уже встречается в строке 2 с другими данными")]
    same = run_import(
        "staff", write_csv(tmp_path / "dup2.csv", [staff_row(schools_inn), staff_row(schools_inn)])
    )
    assert same.errors == [(3, "СНИЛС", "повторяет строку 2")]
    assert Person.objects.count() == 16


def test_unknown_municipality_for_organizations(world, tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        [
            {
                "Муниципалитет": "Атлантида",
                "Наименование": "Школа",
                "Тип": "Школа",
                "Уровень": "Институциональный",
            }
        ],
        headers=ORGANIZATION_HEADERS,
    )
    result = run_import("organizations", path)
    assert result.errors == [(2, "Муниципалитет", "муниципалитет «Атлантида» не найден в справочнике")]
    assert Organization.objects.count() == 9


def test_skip_invalid_writes_good_rows_and_lists_skipped(schools_inn, tmp_path):
    rows = [staff_row(schools_inn), staff_row(schools_inn, СНИЛС="112-233-445 96")]
    result = run_import("staff", write_csv(tmp_path / "mix.csv", rows), skip_invalid=True)
    assert result.written and result.new == 1
    assert [(n, msg) for n, _, msg in result.skipped] == [(3, "неверная контрольная сумма СНИЛС")]


def test_out_of_scope_row_rejects_whole_file_even_when_skipping(schools_inn, tmp_path):
    w = schools_inn
    rows = [staff_row(w), staff_row(w, СНИЛС=valid_snils(), **{"ИНН организации": w["schools"][7].inn})]
    user = w["users"]["municipal_coordinator_in"]
    result = run_import("staff", write_csv(tmp_path / "scope.csv", rows), user=user, skip_invalid=True)
    assert result.out_of_scope and not result.written
    assert (3, "ИНН организации", "организация вне вашей области доступа") in result.errors
    assert Person.objects.count() == 16


@pytest.mark.parametrize(
    "name, payload, message",
    [
        ("staff.csv", "СНИЛС;Фамилия\n".encode("utf-16"), "не является таблицей"),
        ("staff.xlsx", b"MZ\x90\x00" + b"\x00" * 100, "не является таблицей"),
        ("staff.xlsx", b"PK\x03\x04garbage-not-a-zip", "не является таблицей"),
        ("staff.pdf", b"%PDF-1.4", "допустимы только файлы .xlsx и .csv"),
        ("staff.csv", "Фамилия;Имя\nИванов;Иван\n".encode("koi8-r"), "нет обязательных столбцов"),
    ],
)
def test_hostile_or_wrong_files(world, tmp_path, name, payload, message):
    path = tmp_path / name
    path.write_bytes(payload)
    result = run_import("staff", path, filename=name)
    assert message in result.file_error
    assert not result.written


def test_zip_bomb_and_xml_bomb(world, tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10 * 1024 * 1024
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    assert "после распаковки слишком велик" in run_import("staff", bomb).file_error
    xml_bomb = tmp_path / "entities.xlsx"
    buf = io.BytesIO()
    write_xlsx_file(buf, [])
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(xml_bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><worksheet',
                    1,
                )
            dst.writestr(item, data)
    assert "DOCTYPE/ENTITY" in run_import("staff", xml_bomb).file_error


def test_file_over_size_limit(world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = write_csv(tmp_path / "big.csv", [{"СНИЛС": "1" * 20}] * 10)
    assert "больше допустимого размера" in run_import("staff", path).file_error


# --- round trip, history, journal, CLI, pages ------------------------------------------------------


def test_export_import_round_trip_is_lossless(schools_inn, tmp_path):
    w = schools_inn
    run_import("staff", write_csv(tmp_path / "a.csv", [staff_row(w)]))
    staff = tmp_path / "staff.xlsx"
    write_xlsx(staff, [("Педагоги", STAFF_HEADERS, staff_rows(Person.objects.all()))])
    result = run_import("staff", staff)
    assert (result.total, result.new, result.changed, result.errors) == (17, 0, 0, [])
    orgs = tmp_path / "orgs.xlsx"
    write_xlsx(orgs, [("Организации", ORGANIZATION_HEADERS, organization_rows(Organization.objects.all()))])
    result = run_import("organizations", orgs)
    assert (result.new, result.changed, result.errors) == (0, 0, [])


def test_history_records_the_importing_user(schools_inn, tmp_path):
    user = schools_inn["users"]["region_admin"]
    run_import("staff", write_csv(tmp_path / "a.csv", [staff_row(schools_inn)]), user=user)
    event = PersonEvent.objects.get(snils="11223344595", pgh_label="insert")
    assert event.pgh_context.metadata["user"] == user.pk
    assert event.pgh_context.metadata["source"] == "import:staff"


def test_cli_dry_run_and_exit_status(schools_inn, tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", [staff_row(schools_inn)])
    call_command("import", "staff", str(good), "--dry-run")
    assert "новых: 1" in capsys.readouterr().out
    assert Person.objects.count() == 16
    bad = write_csv(tmp_path / "bad.csv", [staff_row(schools_inn, СНИЛС="112-233-445 96")])
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "staff", str(bad))
    assert exit_info.value.code == 1
    assert "строка 2, «СНИЛС»: неверная контрольная сумма СНИЛС" in capsys.readouterr().out
    call_command("import", "staff", str(good))
    assert Person.objects.count() == 17
    assert JournalEntry.objects.filter(action="import", result="success").exists()


def test_pages_upload_preview_skip_invalid_commit(schools_inn, client, tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(schools_inn["users"]["school_coordinator_in"])
    rows = [staff_row(schools_inn), staff_row(schools_inn, СНИЛС="112-233-445 96")]
    path = write_csv(tmp_path / "mix.csv", rows)
    with open(path, "rb") as fh:
        response = client.post("/imports/staff/upload/", {"file": fh})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/job/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "строка 3, «СНИЛС»: неверная контрольная сумма СНИЛС" in page
    # Committing without the explicit choice writes nothing.
    client.post(f"/imports/job/{job.pk}/commit/")
    assert Person.objects.count() == 16
    client.post(f"/imports/job/{job.pk}/commit/", {"skip_invalid": "1"})
    job.refresh_from_db()
    assert job.state == "done" and job.counts["new"] == 1
    assert Person.objects.filter(snils="11223344595").exists()
    assert not list((tmp_path / "uploads").iterdir())  # the upload is deleted after processing
    skipped = client.get(f"/imports/job/{job.pk}/skipped.xlsx")
    assert skipped.status_code == 200
    entry = JournalEntry.objects.filter(action="import", result="success").get()
    assert len(entry.details["sha256"]) == 64 and entry.details["new"] == 1


def test_background_mode_reports_progress(schools_inn, client, tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.IMPORT_BACKGROUND_BYTES = 10
    client.force_login(schools_inn["users"]["region_admin"])
    path = write_csv(tmp_path / "s.csv", [staff_row(schools_inn)])
    with open(path, "rb") as fh:
        client.post("/imports/staff/upload/", {"file": fh})
    job = ImportJob.objects.get()
    assert job.state == "validated"  # the in-process task backend ran the task
    client.post(f"/imports/job/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.state == "done" and job.progress.state == "done"
    fragment = client.get(f"/imports/job/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Загружен" in fragment


def test_template_download(world, client):
    client.force_login(world["users"]["region_admin"])
    response = client.get("/imports/staff/template.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in wb.worksheets[0][1]][:3] == ["СНИЛС", "Фамилия", "Имя"]
    assert any("Должность" in ws.title for ws in wb.worksheets)


def test_who_may_import(world, client):
    client.force_login(world["users"]["teacher_in"])
    assert client.get("/imports/staff/upload/").status_code == 403
    client.force_login(world["users"]["school_coordinator_in"])
    assert client.get("/imports/organizations/upload/").status_code == 403
    assert client.get("/imports/staff/upload/").status_code == 200


def test_each_kind_is_loaded_by_whom_its_importer_declares(world):
    """The kinds come from the apps' registrations, who may load them from each importer's `permission`."""
    from profrost.core import rules
    from profrost.core.imports import IMPORTERS, importable_kinds

    assert set(IMPORTERS) == {
        "organizations",
        "staff",
        "instrument",
        "results",
        "programs",
        "events",
        "cohorts",
        "cohort_results",
        "asset",
        "assignments",
        "mentorships",
    }
    assert all(importer.permission in rules.names() for importer in IMPORTERS.values())
    users = world["users"]
    assert importable_kinds(users["region_admin"]) == [
        "organizations",
        "staff",
        "instrument",
        "results",
        "programs",
        "events",
        "cohorts",
        "cohort_results",
        "asset",
        "assignments",
        "mentorships",
    ]
    assert set(importable_kinds(users["center_staff"])) == set(IMPORTERS)
    assert importable_kinds(users["municipal_coordinator_in"]) == [
        "organizations",
        "staff",
        "mentorships",
    ]  # layer order
    assert importable_kinds(users["school_coordinator_in"]) == ["staff", "mentorships"]
    assert importable_kinds(users["teacher_in"]) == []
    assert rules.allowed(users["school_coordinator_in"], "import_anything")
    assert not rules.allowed(users["teacher_in"], "import_anything")


@pytest.mark.django_db(transaction=True)
def test_database_queue_and_worker(schools_inn, client, tmp_path, settings):
    """Production path: the page enqueues into the database queue, the worker runs it later."""
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.IMPORT_BACKGROUND_BYTES = 10
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(schools_inn["users"]["region_admin"])
    with open(write_csv(tmp_path / "s.csv", [staff_row(schools_inn)]), "rb") as fh:
        client.post("/imports/staff/upload/", {"file": fh})
    job = ImportJob.objects.get()
    assert job.state == "validating"
    page = client.get(f"/imports/job/{job.pk}/").content.decode()
    assert 'role="progressbar"' in page and 'hx-trigger="every 1s"' in page
    call_command("db_worker", "--batch", "--no-startup-delay")
    job.refresh_from_db()
    assert job.state == "validated" and job.counts["new"] == 1

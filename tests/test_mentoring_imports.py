"""Issue 13 point 8: mentoring pairs and groups from XLSX through the one import pipeline (`profrost import
mentorships FILE`, the import pages; docs/mentoring.md §8). A good file creates pairs, a group (rows of one
mentor, dates and order → one group) and a school–school pair by INN, each by create_mentorship; every bad input
is its row's error in Russian and nothing is written; the same file again creates nothing; hostile files get a
clear message, never a server error."""

import datetime
import importlib
import io
import time

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from profrost.accounts.roles import RoleCode
from profrost.core.imports import run_import
from profrost.core.models import ImportJob
from profrost.core.validators import format_snils, inn10
from profrost.mentoring import actions
from profrost.mentoring.models import MemberRole, Mentorship, MentorshipForm, MentorshipStatus
from tests.factories import make_person, make_user, valid_snils

TODAY = datetime.date.today()
START = TODAY - datetime.timedelta(days=30)
END = START + datetime.timedelta(days=300)
ORDER_DAY = START - datetime.timedelta(days=2)
HEADERS = [
    "Форма",
    "СНИЛС наставника",
    "СНИЛС наставляемого",
    "ИНН организации-наставника",
    "ИНН наставляемой организации",
    "Компетенции",
    "Начало",
    "Окончание",
    "Приказ",
]


def d(day):
    return day.strftime("%d.%m.%Y")


def years_ago(years, days=0):
    return START.replace(year=START.year - years) + datetime.timedelta(days=days)


@pytest.fixture
def w(world):
    importlib.import_module("profrost.diagnostics.migrations.0002_default_competences").load(apps, None)
    school = world["schools"][0]  # the school of school_coordinator_in
    w = dict(world)
    w["school"] = school
    w["coordinator"] = world["users"]["school_coordinator_in"]

    def experienced(name):
        return make_person(
            school,
            last_name=name,
            first_name="Ольга",
            birth_date=datetime.date(1975, 1, 1),
            pedagogical_start=datetime.date(2000, 9, 1),
        )

    def young(name):
        return make_person(
            school,
            last_name=name,
            first_name="Ирина",
            birth_date=years_ago(24),
            pedagogical_start=years_ago(1),
        )

    w["mentor"], w["mentor2"], w["mentor3"] = (
        experienced("Наставникова"),
        experienced("Опытнова"),
        experienced("Мудрова"),
    )
    w["young"] = [young(f"Молодцова{i}") for i in range(6)]
    w["mentor_user"] = make_user("olga", RoleCode.TEACHER, person=w["mentor"])
    return w


def row(form, mentor=None, mentee=None, **kw):
    r = {
        "Форма": form,
        "СНИЛС наставника": mentor.snils_display if hasattr(mentor, "snils") else mentor,
        "СНИЛС наставляемого": mentee.snils_display if hasattr(mentee, "snils") else mentee,
        "Начало": START,
        "Окончание": d(END),
        "Приказ": f"№ 12 от {d(ORDER_DAY)}",
    }
    r.update(kw)
    return r


def xlsx(path, rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    wb.save(path)
    return path


def good_rows(w):
    y = w["young"]
    return [
        # a pair: two mentors (SNILS through «;»), a short form with a hyphen and other case
        row(
            "ПЕДАГОГ - педагог",
            f"{w['mentor'].snils_display}; {w['mentor3'].snils}",
            y[0],
            **{"Компетенции": "МТ1, mt3"},
        ),
        # a group: three rows of one mentor, one start, end and order → one group of three
        row("группа", w["mentor2"], y[1], **{"Компетенции": "МТ2"}),
        row("Групповое наставничество", w["mentor2"], y[2]),
        row("групповое", w["mentor2"], y[3], **{"Компетенции": "МТ2; МТ4"}),
        # school–school by INN: the mentee school is the coordinator's, the mentoring one any school
        row(
            "Школа – школа",
            None,
            None,
            **{
                "ИНН организации-наставника": w["schools"][1].inn,
                "ИНН наставляемой организации": w["school"].inn,
                "Приказ": f"12-од от {d(ORDER_DAY)} г.",
            },
        ),
    ]


def members(m, role):
    return {x.person for x in m.members.filter(role=role)}


def assert_good_file_written(w):
    y = w["young"]
    assert Mentorship.objects.count() == 3
    pair = Mentorship.objects.get(form=MentorshipForm.TEACHER_TEACHER)
    assert members(pair, MemberRole.MENTOR) == {w["mentor"], w["mentor3"]}
    assert members(pair, MemberRole.MENTEE) == {y[0]}
    assert (pair.start, pair.end, pair.order_number, pair.order_date) == (START, END, "12", ORDER_DAY)
    assert sorted(pair.competences.values_list("code", flat=True)) == ["МТ1", "МТ3"]
    assert pair.organization == w["school"] and pair.status == MentorshipStatus.ACTIVE
    assert pair.created_by == w["coordinator"]
    group = Mentorship.objects.get(form=MentorshipForm.GROUP)
    assert members(group, MemberRole.MENTOR) == {w["mentor2"]}
    assert members(group, MemberRole.MENTEE) == {y[1], y[2], y[3]}
    assert sorted(group.competences.values_list("code", flat=True)) == ["МТ2", "МТ4"]
    schools = Mentorship.objects.get(form=MentorshipForm.SCHOOL_SCHOOL)
    assert (schools.organization, schools.mentor_organization) == (w["school"], w["schools"][1])
    assert (schools.order_number, schools.order_date) == ("12-од", ORDER_DAY)
    assert not schools.members.exists()
    # the action's side effects: the mentor's login got the mentor role
    assert w["mentor_user"].roles.filter(role=RoleCode.MENTOR, is_active=True).exists()


# --- the two ways in: the command line and the page ---------------------------------------------------------------


def cli(path, user=None, *extra):
    out, err = io.StringIO(), io.StringIO()
    args = ["import", "mentorships", str(path), *extra]
    if user is not None:
        args += ["--user", user.username]
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def cli_lines(output):
    return [line for line in output.splitlines() if line.startswith("строка ")]


def upload(client, path):
    before = set(ImportJob.objects.values_list("pk", flat=True))
    with open(path, "rb") as fh:
        response = client.post("/imports/mentorships/upload/", {"file": fh})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.exclude(pk__in=before).get()


def commit(client, job, **data):
    response = client.post(f"/imports/job/{job.pk}/commit/", data)
    assert response.status_code == 302
    job.refresh_from_db()
    return job


@pytest.fixture
def web(client, w, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    client.force_login(w["coordinator"])
    return client


# --- good files ---------------------------------------------------------------------------------------------------


def test_a_good_file_by_the_command_line_creates_a_pair_a_group_and_a_school_pair(w, tmp_path):
    path = xlsx(tmp_path / "pairs.xlsx", good_rows(w))
    code, out, err = cli(path, w["coordinator"], "--dry-run")
    assert code == 0, out + err
    # The counts are pairs and groups: five rows make three.
    assert "Строк: 5; новых: 3; изменённых: 0; без изменений: 0; с ошибками: 0" in out
    assert not Mentorship.objects.exists()  # the preview writes nothing

    code, out, err = cli(path, w["coordinator"])
    assert code == 0 and "Записано." in out, out + err
    assert_good_file_written(w)

    # The same file again: every pair is «уже есть», nothing is duplicated.
    code, out, err = cli(path, w["coordinator"])
    assert code == 0 and "Строк: 5; новых: 0; изменённых: 0; без изменений: 3; с ошибками: 0" in out, out
    assert Mentorship.objects.count() == 3


def test_the_command_line_without_user_acts_as_the_region(w, tmp_path):
    path = xlsx(tmp_path / "pairs.xlsx", good_rows(w)[:1])
    code, out, err = cli(path)
    assert code == 0 and "новых: 1" in out, out + err
    assert Mentorship.objects.get().created_by == w["users"]["region_admin"]


def test_a_good_file_through_the_page_as_a_school_coordinator(w, web, tmp_path):
    listing = web.get("/imports/").content.decode()
    assert "Загрузить: наставнические пары и группы" in listing
    page = web.get("/imports/mentorships/upload/")
    assert page.status_code == 200 and "школа — школа" in page.content.decode()
    template = web.get("/imports/mentorships/template.xlsx")
    sheets = load_workbook(io.BytesIO(b"".join(template.streaming_content))).worksheets
    assert [c.value for c in sheets[0][1]] == HEADERS
    assert any(s.title == "Справочник Компетенции" for s in sheets)

    path = xlsx(tmp_path / "pairs.xlsx", good_rows(w))
    job = upload(web, path)
    assert job.state == ImportJob.State.VALIDATED and not job.errors, job.errors
    assert (job.counts["total"], job.counts["new"], job.counts["error_rows"]) == (5, 3, 0)
    assert not Mentorship.objects.exists()
    job = commit(web, job)
    assert job.state == ImportJob.State.DONE
    assert_good_file_written(w)

    again = commit(web, upload(web, path))
    assert (again.counts["new"], again.counts["unchanged"]) == (0, 3)
    assert Mentorship.objects.count() == 3


def test_form_labels_full_short_and_with_any_dash_or_yo(w, tmp_path):
    y = w["young"]
    rows = [
        row("Педагог — педагог (молодой специалист, новый сотрудник)", w["mentor"], y[0]),
        row("руководитель–педагог", w["mentor"], y[1]),
        row("  Педагог с компетенцией — педагог с дефицитом ", w["mentor2"], y[0]),
        row("работодатель - студент", w["mentor2"], y[2]),
        row("ВУЗ — молодой педагог", w["mentor3"], y[0]),
    ]
    code, out, err = cli(xlsx(tmp_path / "forms.xlsx", rows), w["coordinator"])
    assert code == 0 and "новых: 5" in out, out + err
    assert sorted(Mentorship.objects.values_list("form", flat=True)) == sorted(
        [
            MentorshipForm.TEACHER_TEACHER,
            MentorshipForm.MANAGER_TEACHER,
            MentorshipForm.COMPETENCE,
            MentorshipForm.EMPLOYER_STUDENT,
            MentorshipForm.UNIVERSITY_YOUNG,
        ]
    )


# --- bad rows -----------------------------------------------------------------------------------------------------


def bad_rows(w):
    """(rows, the expected error lines, each a prefix) — every bad input of the issue, one row each."""
    y, t = w["young"], w["teachers"]
    stranger = valid_snils()
    outside = t[15]  # a teacher of another municipality's school
    unknown_inn = inn10("770100001")
    far = w["schools"][7]  # (its INN made valid: a wrong one is named as wrong, whoever's it is)
    far.inn = inn10("344000007")
    far.save(update_fields=["inn"])
    # Stored before the file: y[4] in an active pair (teacher–teacher) of mentor3; mentor2 at the cap of 1.
    actions.create_mentorship(
        w["coordinator"],
        form=MentorshipForm.TEACHER_TEACHER,
        mentors=[w["mentor3"]],
        mentees=[y[4]],
        start=START,
    )
    actions.create_mentorship(
        w["coordinator"], form=MentorshipForm.COMPETENCE, mentors=[w["mentor2"]], mentees=[y[5]], start=START
    )
    young_mentor = y[3]
    rows = [
        row("наставничество по дружбе", w["mentor"], y[0]),  # 2
        row("педагог — педагог", w["mentor"], stranger),  # 3
        row("педагог — педагог", w["mentor"], outside),  # 4
        row(
            "школа — школа",
            None,
            None,
            **{
                "ИНН организации-наставника": w["schools"][1].inn,
                "ИНН наставляемой организации": unknown_inn,
            },
        ),  # 5
        row("педагог — педагог", w["mentor"], w["mentor"]),  # 6
        row("педагог — педагог", w["mentor"], y[4], **{"Начало": START + datetime.timedelta(days=1)}),  # 7
        row("руководитель — педагог", w["mentor2"], y[0]),  # 8
        row(
            "педагог — педагог", w["mentor"], y[1], **{"Окончание": d(START - datetime.timedelta(days=1))}
        ),  # 9
        row("педагог — педагог", w["mentor"], y[2], **{"Приказ": "приказ двенадцатый"}),  # 10
        row("педагог — педагог", w["mentor"], y[2], **{"Компетенции": "МТ1, ЖЖ9"}),  # 11
        row("педагог — педагог", young_mentor, y[0]),  # 12
        row("педагог — педагог", w["mentor"], y[1], **{"Начало": "31.02.2026"}),  # 13
        row("педагог — педагог", "123", y[1]),  # 14
        row(
            "педагог — педагог",
            w["mentor"],
            y[2],
            **{"Приказ": f"№ 7 от {d(TODAY + datetime.timedelta(days=5))}"},
        ),
        row(
            "школа — школа",
            None,
            None,
            **{"ИНН организации-наставника": unknown_inn, "ИНН наставляемой организации": w["school"].inn},
        ),  # 16
        row(
            "школа — школа",
            None,
            None,
            **{"ИНН организации-наставника": w["school"].inn, "ИНН наставляемой организации": far.inn},
        ),  # 17: a school outside the coordinator's scope — the same message as an unknown INN
    ]
    expected = [
        "строка 2, «Форма»: Неизвестная форма наставничества: «наставничество по дружбе» (допустимо: педагог — "
        "педагог, руководитель — педагог, компетенция, группа, школа — школа",
        f"строка 3, «СНИЛС наставляемого»: СНИЛС {format_snils(stranger)} не найден среди педагогов вашей области",
        f"строка 4, «СНИЛС наставляемого»: СНИЛС {outside.snils_display} не найден среди педагогов вашей области",
        f"строка 5, «ИНН наставляемой организации»: Организация с ИНН {unknown_inn} не найдена среди организаций "
        "вашей области",
        f"строка 6: {w['mentor'].short_name} не может быть наставником самому себе",
        f"строка 7: {y[4].short_name} уже в активной паре этой формы: завершите её, прежде чем назначать новую",
        f"строка 8: У наставника {w['mentor2'].short_name} уже 1 наставляемых из 1 — предел достигнут",
        f"строка 9, «Окончание»: окончание ({d(START - datetime.timedelta(days=1))}) раньше начала ({d(START)})",
        "строка 10, «Приказ»: не удалось разобрать приказ «приказ двенадцатый»: нужен вид «№ 12 от 01.09.2026»",
        "строка 11, «Компетенции»: Неизвестный код компетенции: «ЖЖ9»",
        f"строка 12: {young_mentor.short_name} — молодой специалист",
        "строка 13, «Начало»: даты «31.02.2026» не существует",
        "строка 14, «СНИЛС наставника»: «123»: СНИЛС должен содержать 11 цифр",
        "строка 15: Дата приказа не может быть в будущем",
        f"строка 16, «ИНН организации-наставника»: Организация с ИНН {unknown_inn} не найдена",
        f"строка 17, «ИНН наставляемой организации»: Организация с ИНН {far.inn} не найдена среди организаций "
        "вашей области",
    ]
    return rows, expected


def assert_lines(lines, expected):
    assert len(lines) == len(expected), "\n".join(lines)
    for line, prefix in zip(lines, expected, strict=True):
        assert line.startswith(prefix), f"{line!r}\n  does not start with\n{prefix!r}"


@override_settings(MENTORING_MENTEE_CAP=1)
def test_every_bad_input_is_its_rows_error_by_the_command_line_and_nothing_is_written(w, tmp_path):
    rows, expected = bad_rows(w)
    stored = set(Mentorship.objects.values_list("pk", flat=True))
    code, out, err = cli(xlsx(tmp_path / "bad.xlsx", rows), w["coordinator"])
    assert code == 1
    assert "Строк: 16; новых: 0; изменённых: 0; без изменений: 0; с ошибками: 16" in out
    assert_lines(cli_lines(out), expected)
    # An unknown SNILS and one outside the scope reject the whole file alike (docs/security.md §14).
    assert "вне области доступа: файл отклонён целиком" in err
    assert set(Mentorship.objects.values_list("pk", flat=True)) == stored  # the trials left nothing


@override_settings(MENTORING_MENTEE_CAP=1)
def test_every_bad_input_through_the_page_nothing_is_created_even_loading_only_correct_rows(w, web, tmp_path):
    rows, expected = bad_rows(w)
    good = row("педагог — педагог", w["mentor"], w["young"][1])  # row 18: fine alone
    stored = Mentorship.objects.count()
    job = upload(web, xlsx(tmp_path / "bad.xlsx", [*rows, good]))
    assert job.state == ImportJob.State.VALIDATED
    assert (job.counts["total"], job.counts["new"], job.counts["error_rows"]) == (17, 1, 16)
    assert job.counts["out_of_scope"] is True
    assert_lines(job.errors, expected)
    page = web.get(f"/imports/job/{job.pk}/").content.decode()
    assert "не найден среди педагогов вашей области" in page
    job = commit(web, job)  # refused: the file has errors
    assert job.state == ImportJob.State.VALIDATED and Mentorship.objects.count() == stored
    job = commit(web, job, skip_invalid="1")  # a row outside the scope rejects the file even so
    assert job.state == ImportJob.State.REJECTED and Mentorship.objects.count() == stored


@override_settings(MENTORING_MENTEE_CAP=1)
def test_only_correct_rows_when_no_row_is_outside_the_scope(w, web, tmp_path):
    y = w["young"]
    rows = [
        row("педагог — педагог", w["mentor"], y[0]),  # 2: fine
        row("педагог — педагог", w["mentor"], y[1]),  # 3: the cap, counting row 2
        row("педагог — педагог", w["mentor2"], y[0]),  # 4: y[0] is in a pair of this form by row 2
        row("педагог — педагог", w["mentor3"], y[2], **{"Приказ": "от 01.09.2026"}),  # 5: no number
    ]
    job = upload(web, xlsx(tmp_path / "some.xlsx", rows))
    assert_lines(
        job.errors,
        [
            f"строка 3, «СНИЛС наставника»: У наставника {w['mentor'].short_name} уже 1 наставляемых из 1 (с учётом "
            "предыдущих строк файла: 1) — предел достигнут",
            f"строка 4, «СНИЛС наставляемого»: {y[0].short_name} уже назначена в пару этой формы строкой 2 файла",
            "строка 5, «Приказ»: не удалось разобрать приказ «от 01.09.2026»",
        ],
    )
    job = commit(web, job, skip_invalid="1")
    assert job.state == ImportJob.State.DONE
    pair = Mentorship.objects.get()
    assert members(pair, MemberRole.MENTOR) == {w["mentor"]} and members(pair, MemberRole.MENTEE) == {y[0]}


def test_a_group_of_a_file_cannot_grow_a_stored_group_and_a_group_counts_once_in_the_cap(w, tmp_path):
    y = w["young"]
    rows = [row("группа", w["mentor2"], p) for p in y[:3]]
    code, out, err = cli(xlsx(tmp_path / "g.xlsx", rows), w["coordinator"])
    assert code == 0, out + err
    group = Mentorship.objects.get()
    rows.append(row("группа", w["mentor2"], y[3]))
    code, out, err = cli(xlsx(tmp_path / "g2.xlsx", rows), w["coordinator"])
    assert code == 1
    assert cli_lines(out) == [
        f"строка 5: группа этого наставника с началом {d(START)} уже есть, а {y[3].short_name} в ней нет: загрузка "
        "не добавляет участников в существующую группу"
    ]
    assert Mentorship.objects.get() == group and group.members.count() == 4
    # A group takes one place of the cap however many mentees: with a cap of 2 the mentor takes one more pair.
    with override_settings(MENTORING_MENTEE_CAP=2):
        more = [
            row("педагог — педагог", w["mentor2"], y[4]),
            row("педагог — педагог", w["mentor2"], y[5]),
        ]
        code, out, err = cli(xlsx(tmp_path / "p.xlsx", more), w["coordinator"])
    assert code == 1
    assert cli_lines(out) == [
        f"строка 3, «СНИЛС наставника»: У наставника {w['mentor2'].short_name} уже 2 наставляемых из 2 (с учётом "
        "предыдущих строк файла: 1) — предел достигнут"
    ]


def test_a_file_loaded_on_behalf_of_a_teacher_is_refused(w, tmp_path):
    result = run_import(
        "mentorships", str(xlsx(tmp_path / "a.xlsx", good_rows(w))), user=w["users"]["teacher_in"]
    )
    assert result.file_error == (
        "загрузку «Наставнические пары и группы» выполняют координаторы организаций и муниципалитетов, "
        "администраторы региона и центр"
    )
    assert not Mentorship.objects.exists()


def test_the_pages_are_refused_to_a_teacher(w, client):
    client.force_login(w["users"]["teacher_in"])
    assert client.get("/imports/mentorships/upload/").status_code == 403
    assert client.get("/imports/mentorships/template.xlsx").status_code == 403


# --- hostile files ------------------------------------------------------------------------------------------------


def test_empty_headless_and_wrongly_headed_files_are_rejected_with_a_message(w, web, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    code, out, err = cli(empty, w["coordinator"])
    assert code == 1 and "Файл отклонён: файл пуст" in err

    wrong = xlsx(tmp_path / "wrong.xlsx", [{"ФИО": "Иванова"}], headers=["ФИО", "Дата"])
    code, out, err = cli(wrong, w["coordinator"])
    assert code == 1
    assert (
        "Файл отклонён: в файле нет обязательных столбцов: «Форма», «СНИЛС наставника», «СНИЛС наставляемого», "
        "«Начало»"
    ) in err

    headless = tmp_path / "headless.xlsx"
    wb = Workbook()
    wb.active["A3"] = "педагог — педагог"
    wb.save(headless)
    code, out, err = cli(headless, w["coordinator"])
    assert code == 1 and "в файле нет обязательных столбцов" in err

    # Only the INN columns: a file of school–school pairs needs no SNILS columns.
    inn_only = xlsx(
        tmp_path / "inn.xlsx",
        [good_rows(w)[-1]],
        headers=["Форма", "ИНН организации-наставника", "ИНН наставляемой организации", "Начало"],
    )
    code, out, err = cli(inn_only, w["coordinator"])
    assert code == 0 and "новых: 1" in out, out + err

    with open(empty, "rb") as fh:
        page = web.post("/imports/mentorships/upload/", {"file": fh})
    assert page.status_code == 200 and "Файл пуст" in page.content.decode()
    for path in (wrong, headless):
        job = upload(web, path)
        assert job.state == ImportJob.State.REJECTED and job.errors
    assert Mentorship.objects.count() == 1


def test_huge_cells_nul_bytes_and_formulas_are_row_errors_without_a_server_error(w, web, tmp_path):
    huge = "Ж" * 5000
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append([huge] * len(HEADERS))
    # formulas: with no stored value the cell is empty (a required one is reported), a formula's text is text
    ws.append(
        [
            '=CONCAT("педагог","—педагог")',
            w["mentor"].snils,
            w["young"][0].snils,
            None,
            None,
            None,
            "=TODAY()",
        ]
    )
    ws.append(["педагог — педагог", "=A1", w["young"][0].snils, None, None, "=1/0", d(START)])
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    job = upload(web, path)
    assert job.state == ImportJob.State.VALIDATED and job.counts["error_rows"] == 3, job.errors
    assert all(len(line) < 700 for line in job.errors), job.errors
    assert any(
        line.startswith("строка 2, «Форма»: Неизвестная форма наставничества: «ЖЖЖ") for line in job.errors
    )
    assert any(line.startswith("строка 2, «Приказ»: не удалось разобрать приказ") for line in job.errors)
    assert any(line.startswith("строка 3, «Начало»: не заполнено") for line in job.errors), job.errors
    assert any(line.startswith("строка 4, «СНИЛС наставника»") for line in job.errors), job.errors
    assert web.get(f"/imports/job/{job.pk}/").status_code == 200
    assert commit(web, job).state == ImportJob.State.VALIDATED and not Mentorship.objects.exists()

    # A CSV with NUL bytes is not a table; NUL inside a cell of a later line is a row error, never stored.
    nul = tmp_path / "nul.csv"
    nul.write_bytes(";".join(HEADERS).encode() + b"\n\x00\x00;\x00\n")
    code, out, err = cli(nul, w["coordinator"])
    assert code == 1 and "файл не является таблицей XLSX или CSV" in err
    late = tmp_path / "late.csv"
    filler = "".join(
        f"педагог — педагог;{valid_snils()};{valid_snils()};;;;{d(START)};;\n" for _ in range(150)
    )
    late.write_bytes(
        (";".join(HEADERS) + "\n" + filler).encode()
        + f"педагог\x00—педагог;{w['mentor'].snils};{w['young'][0].snils};;;;{d(START)};;№ 1\x00 от 01.01.2026\n".encode()
    )
    code, out, err = cli(late, w["coordinator"])
    assert code == 1 and not Mentorship.objects.exists(), out + err
    assert "\x00" not in out
    assert "строка 152, «Форма»: Неизвестная форма наставничества: «педагог—педагог»" in out


def test_a_100000_row_sheet_is_checked_within_bounds_and_a_larger_one_refused(w, tmp_path):
    path = tmp_path / "big.csv"
    line = f"педагог — педагог;{valid_snils()};{valid_snils()};;;;{d(START)};;\n"
    path.write_text(";".join(HEADERS) + "\n" + line * 100_000, encoding="utf-8")
    started = time.monotonic()
    result = run_import("mentorships", str(path), user=w["coordinator"])
    assert time.monotonic() - started < 240
    assert result.total == 100_000 and not result.written and result.out_of_scope
    assert result.error_rows == 100_000 and not Mentorship.objects.exists()
    with override_settings(IMPORT_MAX_ROWS=1000):
        code, out, err = cli(path, w["coordinator"])
    assert code == 1 and "Файл отклонён" in err and not Mentorship.objects.exists()


@override_settings(MENTORING_MENTEE_CAP=1)
def test_a_pair_refused_at_writing_because_the_data_changed_rejects_the_file_and_writes_nothing(
    w, tmp_path, monkeypatch
):
    """Between the check and the write another pair takes the mentor's only place (a stale file): the write step's
    refusal rejects the file with the action's message, the transaction is rolled back, no server error."""
    from profrost.core.imports import get_importer

    path = xlsx(tmp_path / "m.xlsx", [row("педагог — педагог", w["mentor"], w["young"][0])])
    cls = get_importer("mentorships")
    original = cls.diff

    def diff_then_race(self, records):
        out = original(self, records)
        actions.create_mentorship(
            w["coordinator"],
            form=MentorshipForm.COMPETENCE,
            mentors=[w["mentor"]],
            mentees=[w["young"][5]],
            start=START,
        )
        return out

    monkeypatch.setattr(cls, "diff", diff_then_race)
    result = run_import("mentorships", path, user=w["coordinator"], filename="m.xlsx")
    assert not result.written
    assert "уже 1 наставляемых из 1" in result.file_error and "ничего не записано" in result.file_error
    assert not Mentorship.objects.filter(form=MentorshipForm.TEACHER_TEACHER).exists()

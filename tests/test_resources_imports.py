"""Resource imports: programs, events, cohorts with quotas, a cohort's training results — good files, idempotent
re-imports, every bad input (nothing written then), the export → edit → import round trip, the command line."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from profrost.core.exports import write_xlsx
from profrost.core.imports import run_import
from profrost.diagnostics.models import Competence
from profrost.resources.exports import COHORT_RESULT_HEADERS, cohort_sheet
from profrost.resources.models import Cohort, Enrollment, Event, Program, Quota
from tests.test_imports import write_csv

TODAY = datetime.date.today()
PAST = TODAY - datetime.timedelta(days=10)
CENTER_INN = "3444000001"


def d(day):
    return day.strftime("%d.%m.%Y")


@pytest.fixture
def center(world):
    world["center"].inn = CENTER_INN
    world["center"].save()
    return world["center"]


def run(kind, tmp_path, rows, headers, name="file.csv", **options):
    path = write_csv(tmp_path / name, rows, headers=headers)
    return run_import(kind, path, options=options or None)


def codes(qs):
    return set(qs.values_list("code", flat=True))


# --- programs ----------------------------------------------------------------------------------------------

PROGRAM_HEADERS = [
    "Наименование",
    "Вид",
    "Часы",
    "Форма",
    "ИНН организации",
    "ФР ДПП",
    "Номер в реестре",
    "Компетенции",
    "Должности",
    "Предметы",
    "Аннотация",
]


def program_row(**over):
    row = {
        "Наименование": "Формирующее оценивание",
        "Вид": "ПК",
        "Часы": "36",
        "Форма": "очно-заочная",
        "ИНН организации": CENTER_INN,
        "ФР ДПП": "да",
        "Номер в реестре": "ФР-101",
        "Компетенции": "мт1; МТ3",
        "Должности": "Учитель",
        "Предметы": "математика; информатика",
        "Аннотация": "О приёмах формирующего оценивания.",
    }
    row.update(over)
    return row


def good_programs():
    return [
        program_row(),
        program_row(
            **{
                "Наименование": "Управление школой",
                "Вид": "профессиональная переподготовка",
                "Часы": "250",
                "Форма": "дистанционная",
                "ФР ДПП": "нет",
                "Номер в реестре": "",
                "Компетенции": "МТ2",
                "Должности": "",
                "Предметы": "",
                "Аннотация": "",
            }
        ),
    ]


def test_programs_good_file_and_idempotent_reimport(center, tmp_path):
    result = run("programs", tmp_path, good_programs(), PROGRAM_HEADERS)
    assert result.ok and result.written, result.error_lines()
    assert (result.new, result.changed, result.unchanged) == (2, 0, 0)
    fo = Program.objects.get(registry_number="ФР-101")
    assert (fo.title, fo.kind, fo.hours, fo.form, fo.provider, fo.status) == (
        "Формирующее оценивание",
        "pk",
        36,
        "mixed",
        center,
        "active",
    )
    assert fo.in_federal_registry and fo.annotation == "О приёмах формирующего оценивания."
    assert codes(fo.competences) == {"МТ1", "МТ3"}
    assert set(fo.positions.values_list("name", flat=True)) == {"учитель"}
    assert set(fo.subjects.values_list("name", flat=True)) == {"математика", "информатика"}
    school = Program.objects.get(title="Управление школой")
    assert (school.kind, school.hours, school.form, school.in_federal_registry, school.registry_number) == (
        "pp",
        250,
        "distance",
        False,
        "",
    )
    assert codes(school.competences) == {"МТ2"}
    assert not school.positions.exists() and not school.subjects.exists()

    again = run("programs", tmp_path, good_programs(), PROGRAM_HEADERS)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert Program.objects.count() == 2
    assert set(Program.objects.values_list("version", flat=True)) == {1}

    # One change: that program only, its version bumped; identity by the registry number survives a new title.
    rows = good_programs()
    rows[0].update(
        {"Наименование": "Формирующее оценивание (новая редакция)", "Часы": "72", "Компетенции": "МТ1"}
    )
    changed = run("programs", tmp_path, rows, PROGRAM_HEADERS)
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 1)
    fo.refresh_from_db()
    assert (fo.title, fo.hours, fo.version) == ("Формирующее оценивание (новая редакция)", 72, 2)
    assert codes(fo.competences) == {"МТ1"}
    assert Program.objects.count() == 2


def test_programs_every_bad_input_is_a_row_error_and_nothing_is_written(center, tmp_path):
    rows = [
        program_row(**{"Компетенции": "МТ1; ЯЯ9"}),
        program_row(**{"ИНН организации": "3499999999", "Номер в реестре": "ФР-102"}),
        program_row(**{"Часы": "-5", "Номер в реестре": "ФР-103"}),
        program_row(**{"Часы": "0", "Номер в реестре": "ФР-104"}),
        program_row(**{"Номер в реестре": ""}),
        program_row(**{"Должности": "космонавт", "Номер в реестре": "ФР-105"}),
        program_row(**{"Вид": "курсы", "Форма": "вечерняя", "Номер в реестре": "ФР-106"}),
        program_row(**{"Компетенции": "", "Номер в реестре": "ФР-107"}),
        program_row(**{"ИНН организации": world_school_inn(), "Номер в реестре": "ФР-108"}),
    ]
    result = run("programs", tmp_path, rows, PROGRAM_HEADERS)
    assert result.errors == [
        (2, "Компетенции", "неизвестный код компетенции «ЯЯ9»"),
        (3, "ИНН организации", "организация с ИНН 3499999999 не найдена"),
        (4, "Часы", "нужно целое положительное число"),
        (5, "Часы", "нужно целое положительное число"),
        (6, "Номер в реестре", "укажите номер в федеральном реестре"),
        (7, "Должности", "неизвестная должность «космонавт»"),
        (
            8,
            "Вид",
            "неизвестный вид программы «курсы»: допустимо повышение квалификации, профессиональная переподготовка",
        ),
        (8, "Форма", "неизвестная форма обучения «вечерняя»: допустимо очная, очно-заочная, заочная с ДОТ"),
        (9, "Компетенции", "не указана ни одна компетенция"),
        (
            10,
            "ИНН организации",
            f"организация с ИНН {world_school_inn()} — школа или детский сад: "
            "программы ДПП реализуют организации ДПО и центры",
        ),
    ]
    assert not result.written
    assert not Program.objects.exists()
    # The valid rows alone would have been new: the whole file is still refused.
    with_good = run("programs", tmp_path, [program_row(), rows[0]], PROGRAM_HEADERS)
    assert with_good.new == 1 and not with_good.written
    assert not Program.objects.exists()


def world_school_inn():
    return "34000000000"  # world["schools"][0] (Округ 1, Муниципалитет 1.1, школа 1): see tests.factories


def test_programs_latin_lookalike_codes_and_a_retired_competence(center, tmp_path):
    Competence.objects.filter(code="МТ4").update(is_active=False)
    ok = run("programs", tmp_path, [program_row(**{"Компетенции": "MT1"})], PROGRAM_HEADERS)  # Latin M, T
    assert ok.written and codes(Program.objects.get().competences) == {"МТ1"}
    bad = run("programs", tmp_path, [program_row(**{"Компетенции": "МТ4"})], PROGRAM_HEADERS)
    assert bad.errors == [(2, "Компетенции", "компетенция «МТ4» выведена из употребления")]


def test_programs_refused_to_a_school_coordinator(world, tmp_path):
    path = write_csv(tmp_path / "p.csv", [program_row()], headers=PROGRAM_HEADERS)
    result = run_import("programs", path, user=world["users"]["school_coordinator_in"])
    assert result.file_error == "загрузку «Программы ДПП» выполняют только администратор региона и центр"
    assert run_import("programs", path, user=world["users"]["center_staff"], dry_run=True).file_error == ""


# --- events ------------------------------------------------------------------------------------------------

EVENT_HEADERS = [
    "Наименование",
    "Вид",
    "Уровень",
    "ИНН организатора",
    "Начало",
    "Окончание",
    "Формат",
    "Компетенции",
    "Мест",
    "В плане",
]


def event_row(**over):
    row = {
        "Наименование": "Функциональная грамотность: практики",
        "Вид": "Семинар",
        "Уровень": "Муниципальный",
        "ИНН организатора": world_school_inn(),
        "Начало": "15.10.2026",
        "Окончание": "16.10.2026",
        "Формат": "дистанционно",
        "Компетенции": "МТ3",
        "Мест": "30",
        "В плане": "да",
    }
    row.update(over)
    return row


def good_events():
    return [
        event_row(),
        event_row(
            **{
                "Наименование": "Конкурс «Учитель года»",
                "Вид": "конкурс профессионального мастерства",
                "Уровень": "региональный",
                "ИНН организатора": CENTER_INN,
                "Окончание": "15.10.2026",
                "Формат": "",
                "Компетенции": "",
                "Мест": "",
                "В плане": "",
            }
        ),
    ]


def test_events_good_file_and_idempotent_reimport(world, center, tmp_path):
    result = run("events", tmp_path, good_events(), EVENT_HEADERS)
    assert result.ok and result.written, result.error_lines()
    assert result.new == 2
    seminar = Event.objects.get(kind="seminar")
    assert (seminar.level, seminar.organizer, seminar.start, seminar.end, seminar.format) == (
        "municipal",
        world["schools"][0],
        datetime.date(2026, 10, 15),
        datetime.date(2026, 10, 16),
        "online",
    )
    assert (seminar.capacity, seminar.in_annual_plan) == (30, True)
    assert codes(seminar.competences) == {"МТ3"}
    contest = Event.objects.get(kind="contest")
    assert (contest.level, contest.organizer, contest.format, contest.capacity, contest.in_annual_plan) == (
        "regional",
        center,
        "in_person",
        None,
        False,
    )
    assert not contest.competences.exists()

    again = run("events", tmp_path, good_events(), EVENT_HEADERS)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert Event.objects.count() == 2 and set(Event.objects.values_list("version", flat=True)) == {1}

    rows = good_events()
    rows[0]["Мест"] = "0"
    changed = run("events", tmp_path, rows, EVENT_HEADERS)
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 1)
    seminar.refresh_from_db()
    assert (seminar.capacity, seminar.version) == (0, 2)


def test_events_every_bad_input_is_a_row_error_and_nothing_is_written(center, tmp_path):
    rows = [
        event_row(**{"Начало": "16.10.2026", "Окончание": "15.10.2026"}),
        event_row(**{"Мест": "-1"}),
        event_row(**{"Компетенции": "ЯЯ9"}),
        event_row(**{"ИНН организатора": "3499999999"}),
        event_row(**{"Вид": "лекция", "Уровень": "федеральный"}),
        event_row(**{"Начало": "32.10.2026", "Формат": "по почте", "В плане": "может быть"}),
    ]
    result = run("events", tmp_path, rows, EVENT_HEADERS)
    assert result.errors == [
        (2, "Окончание", "окончание раньше начала"),
        (3, "Мест", "нужно целое неотрицательное число"),
        (4, "Компетенции", "неизвестный код компетенции «ЯЯ9»"),
        (5, "ИНН организатора", "организация с ИНН 3499999999 не найдена"),
        (
            6,
            "Вид",
            "неизвестный вид мероприятия «лекция»: допустимо семинар, вебинар, мастер-класс, конференция, "
            "форум, конкурс профессионального мастерства, педагогические чтения, открытый урок",
        ),
        (
            6,
            "Уровень",
            "неизвестный уровень «федеральный»: допустимо региональный, муниципальный, институциональный",
        ),
        (7, "Начало", "не удалось распознать дату «32.10.2026»: нужен формат ДД.ММ.ГГГГ"),
        (7, "Формат", "неизвестный формат «по почте»: допустимо очно, дистанционно, смешанный"),
        (7, "В плане", "ожидается «да» или «нет», указано «может быть»"),
    ]
    assert not result.written and not Event.objects.exists()


# --- cohorts -----------------------------------------------------------------------------------------------

COHORT_HEADERS = [
    "Программа",
    "Номер в реестре",
    "Начало",
    "Окончание",
    "Мест",
    "Формат",
    "Место",
    "Муниципалитет 1.1",
    "муниципалитет 1.2",  # headers match municipalities case-insensitively
]


def make_program(world, title="Формирующее оценивание", number="", provider=None, **extra):
    program = Program.objects.create(
        title=title,
        hours=36,
        form="mixed",
        provider=provider or world["center"],
        in_federal_registry=bool(number),
        registry_number=number,
        **extra,
    )
    program.competences.set(Competence.objects.filter(code="МТ1"))
    return program


def cohort_row(**over):
    row = {
        "Программа": "формирующее оценивание",
        "Номер в реестре": "",
        "Начало": "05.10.2026",
        "Окончание": "16.10.2026",
        "Мест": "20",
        "Формат": "дистанционно",
        "Место": "https://example.ru/room",
        "Муниципалитет 1.1": "5",
        "муниципалитет 1.2": "3",
    }
    row.update(over)
    return row


@pytest.fixture
def programs(world):
    return {
        "fo": make_program(world),
        "ms": make_program(world, title="Наставничество", number="ФР-7"),
    }


def good_cohorts():
    return [
        cohort_row(),
        cohort_row(
            **{
                "Программа": "",
                "Номер в реестре": "ФР-7",
                "Начало": "12.10.2026",
                "Окончание": "12.10.2026",
                "Мест": "10",
                "Формат": "очно",
                "Место": "",
                "Муниципалитет 1.1": "",
                "муниципалитет 1.2": "4",
            }
        ),
    ]


def quotas_of(cohort):
    return {q.municipality.name: q.places for q in Quota.objects.filter(cohort=cohort, organization=None)}


def test_cohorts_good_file_quotas_and_idempotent_reimport(world, programs, tmp_path):
    result = run("cohorts", tmp_path, good_cohorts(), COHORT_HEADERS)
    assert result.ok and result.written, result.error_lines()
    assert result.new == 2
    fo = Cohort.objects.get(program=programs["fo"])
    assert (fo.start, fo.end, fo.capacity, fo.online, fo.place) == (
        datetime.date(2026, 10, 5),
        datetime.date(2026, 10, 16),
        20,
        True,
        "https://example.ru/room",
    )
    assert quotas_of(fo) == {"Муниципалитет 1.1": 5, "Муниципалитет 1.2": 3}
    ms = Cohort.objects.get(program=programs["ms"])
    assert (ms.start, ms.end, ms.capacity, ms.online, ms.place) == (
        datetime.date(2026, 10, 12),
        datetime.date(2026, 10, 12),
        10,
        False,
        "",
    )
    assert quotas_of(ms) == {"Муниципалитет 1.2": 4}

    again = run("cohorts", tmp_path, good_cohorts(), COHORT_HEADERS)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert Cohort.objects.count() == 2 and Quota.objects.count() == 3

    # Changed quotas: one raised, one removed (empty cell); the cohort's version goes up.
    rows = good_cohorts()
    rows[0].update({"Муниципалитет 1.1": "7", "муниципалитет 1.2": ""})
    changed = run("cohorts", tmp_path, rows, COHORT_HEADERS)
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 1)
    fo.refresh_from_db()
    assert quotas_of(fo) == {"Муниципалитет 1.1": 7} and fo.version == 2
    assert quotas_of(ms) == {"Муниципалитет 1.2": 4}


def test_cohorts_unknown_municipality_header_rejects_the_file(world, programs, tmp_path):
    headers = [*COHORT_HEADERS, "Муниципалитет 9.9", "Примечание"]
    result = run("cohorts", tmp_path, good_cohorts(), headers)
    assert result.file_error == (
        "в файле есть столбцы, которые не являются ни полями учебной группы, ни муниципалитетами: "
        "«Муниципалитет 9.9», «Примечание». Проверьте наименования муниципалитетов (они должны совпадать "
        "со справочником)"
    )
    assert not result.written and not Cohort.objects.exists()


def test_cohorts_need_a_program_column(world, programs, tmp_path):
    headers = [h for h in COHORT_HEADERS if h not in ("Программа", "Номер в реестре")]
    result = run("cohorts", tmp_path, good_cohorts(), headers)
    assert result.file_error.startswith("в файле нет обязательных столбцов: «Программа»")


def test_cohorts_every_bad_input_is_a_row_error_and_nothing_is_written(world, programs, tmp_path):
    make_program(world, title="Наставничество")  # a second active program of this title
    make_program(world, title="Старая программа", status="archived")
    rows = [
        cohort_row(**{"Мест": "5", "Муниципалитет 1.1": "4", "муниципалитет 1.2": "3"}),
        cohort_row(**{"Начало": "16.10.2026", "Окончание": "05.10.2026"}),
        cohort_row(**{"Программа": "Наставничество"}),
        cohort_row(**{"Программа": "Старая программа"}),
        cohort_row(**{"Программа": "", "Номер в реестре": "ФР-404"}),
        cohort_row(**{"Мест": "0", "Муниципалитет 1.1": "-2", "муниципалитет 1.2": "две"}),
        cohort_row(
            **{"Программа": "", "Формат": "заочно", "Начало": "01.11.2026", "Окончание": "02.11.2026"}
        ),
    ]
    result = run("cohorts", tmp_path, rows, COHORT_HEADERS)
    assert result.errors == [
        (2, "Мест", "квоты (7) больше числа мест (5)"),
        (3, "Окончание", "окончание раньше начала"),
        (4, "Программа", "несколько действующих программ «Наставничество»: укажите номер в реестре"),
        (5, "Программа", "действующая программа «Старая программа» не найдена"),
        (6, "Номер в реестре", "действующая программа с номером в реестре «ФР-404» не найдена"),
        (7, "Мест", "нужно целое положительное число"),
        (7, "Муниципалитет 1.1", "нужно целое неотрицательное число"),
        (7, "Муниципалитет 1.2", "нужно целое неотрицательное число"),
        (8, "Программа", "укажите программу (наименование или номер в реестре)"),
        (8, "Формат", "ожидается «очно» или «дистанционно», указано «заочно»"),
    ]
    assert not result.written
    assert not Cohort.objects.exists() and not Quota.objects.exists()


def test_cohort_quota_never_goes_under_places_taken(world, programs, tmp_path):
    from profrost.resources.models import Application

    run("cohorts", tmp_path, [cohort_row()], COHORT_HEADERS)
    cohort = Cohort.objects.get()
    for teacher in world["teachers"][:2]:
        Application.objects.create(
            cohort=cohort,
            person=teacher,
            organization=world["schools"][0],
            municipality=world["municipalities"][0],
        )
    result = run("cohorts", tmp_path, [cohort_row(**{"Муниципалитет 1.1": "1"})], COHORT_HEADERS)
    assert result.errors == [
        (2, "Муниципалитет 1.1", "по заявкам занято уже 2 мест: квоту нельзя сделать меньше")
    ]
    assert quotas_of(cohort)["Муниципалитет 1.1"] == 5


# --- a cohort's training results -----------------------------------------------------------------------------


@pytest.fixture
def cohort(world):
    program = make_program(world, title="Цифровая среда", provider=world["schools"][0])
    cohort = Cohort.objects.create(
        program=program,
        start=TODAY - datetime.timedelta(days=30),
        end=TODAY - datetime.timedelta(days=15),
        capacity=10,
    )
    t = world["teachers"]
    Enrollment.objects.create(cohort=cohort, person=t[0], status="studying")
    Enrollment.objects.create(cohort=cohort, person=t[1], status="studying")
    Enrollment.objects.create(cohort=cohort, person=t[2], status="enrolled")
    return cohort


def result_row(person, status, hours="", passed="", number="", date=""):
    return {
        "СНИЛС": person.snils_display,
        "ФИО": person.full_name,
        "Статус": status,
        "Посещено часов": hours,
        "Аттестация": passed,
        "Номер удостоверения": number,
        "Дата удостоверения": date,
    }


def good_results(world):
    t = world["teachers"]
    return [
        result_row(t[0], "завершил обучение", "36", "пройдена", "ПК-0001", d(PAST)),
        result_row(t[1], "Отчислен", "4"),
        result_row(t[2], "обучается", "10"),
    ]


def enrollment_of(cohort, person):
    return Enrollment.objects.get(cohort=cohort, person=person)


def test_cohort_results_good_file_and_idempotent_reimport(world, cohort, tmp_path):
    t = world["teachers"]
    result = run("cohort_results", tmp_path, good_results(world), COHORT_RESULT_HEADERS, cohort=cohort.pk)
    assert result.ok and result.written, result.error_lines()
    assert (result.new, result.changed, result.unchanged) == (0, 3, 0)
    done = enrollment_of(cohort, t[0])
    assert (done.status, done.hours_attended, done.attestation_passed) == ("completed", 36, True)
    assert (done.certificate_number, done.certificate_date, done.version) == ("ПК-0001", PAST, 2)
    expelled = enrollment_of(cohort, t[1])
    assert (expelled.status, expelled.hours_attended, expelled.attestation_passed) == ("expelled", 4, None)
    studying = enrollment_of(cohort, t[2])
    assert (studying.status, studying.hours_attended, studying.version) == ("studying", 10, 2)

    again = run("cohort_results", tmp_path, good_results(world), COHORT_RESULT_HEADERS, cohort=cohort.pk)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert set(Enrollment.objects.values_list("version", flat=True)) == {2}


def test_cohort_sheet_round_trips(world, cohort, tmp_path):
    run("cohort_results", tmp_path, good_results(world), COHORT_RESULT_HEADERS, cohort=cohort.pk)
    headers, rows = cohort_sheet(cohort)
    assert headers == COHORT_RESULT_HEADERS
    t = world["teachers"]
    assert rows[0] == [
        t[0].snils_display,
        t[0].full_name,
        "завершил обучение",
        36,
        "пройдена",
        "ПК-0001",
        PAST,
    ]
    path = tmp_path / "group.xlsx"
    write_xlsx(path, [("Слушатели", headers, rows)])
    result = run_import("cohort_results", path, options={"cohort": cohort.pk})
    assert result.ok, result.error_lines()
    assert (result.new, result.changed, result.unchanged) == (0, 0, 3)


def test_cohort_results_every_bad_input_is_a_row_error_and_nothing_is_written(world, cohort, tmp_path):
    t = world["teachers"]
    rows = [
        result_row(t[5], "обучается"),
        result_row(t[2], "завершил обучение", "36", "пройдена", "ПК-0002", d(PAST)),
        result_row(t[0], "завершил обучение", "36", "пройдена"),
        result_row(t[1], "завершил обучение", "36"),
        result_row(t[1], "обучается", "-3"),
    ]
    result = run("cohort_results", tmp_path, rows[:4], COHORT_RESULT_HEADERS, cohort=cohort.pk)
    assert result.errors == [
        (2, "СНИЛС", "педагог не зачислен в эту группу"),
        (3, "Статус", "из статуса «зачислен» нельзя перейти в «завершил обучение»"),
        (4, "Статус", "при пройденной аттестации нужны номер и дата удостоверения"),
        (5, "Статус", "для завершения обучения укажите результат итоговой аттестации"),
    ]
    assert not result.written
    other = run("cohort_results", tmp_path, [rows[4]], COHORT_RESULT_HEADERS, name="2.csv", cohort=cohort.pk)
    assert other.errors == [(2, "Посещено часов", "нужно целое неотрицательное число")]
    status_only = run(
        "cohort_results",
        tmp_path,
        [result_row(t[1], "обучается", "", "да")],
        COHORT_RESULT_HEADERS,
        cohort=cohort.pk,
    )
    assert status_only.errors == [(2, "Аттестация", "заполняется только при статусе «завершил обучение»")]
    assert sorted(Enrollment.objects.values_list("status", "version")) == [
        ("enrolled", 1),
        ("studying", 1),
        ("studying", 1),
    ]


def test_cohort_results_file_without_optional_columns_keeps_their_values(world, cohort, tmp_path):
    t = world["teachers"]
    Enrollment.objects.filter(person=t[0]).update(hours_attended=20)
    headers = ["СНИЛС", "Статус"]
    result = run(
        "cohort_results", tmp_path, [{"СНИЛС": t[0].snils, "Статус": "обучается"}], headers, cohort=cohort.pk
    )
    assert (result.changed, result.unchanged) == (0, 1)
    assert enrollment_of(cohort, t[0]).hours_attended == 20


def test_cohort_results_need_an_existing_cohort(world, tmp_path):
    result = run("cohort_results", tmp_path, [], COHORT_RESULT_HEADERS, cohort=999_999)
    assert result.file_error == "учебная группа не найдена"


def test_cohort_results_from_the_command_line(world, cohort, tmp_path, capsys):
    path = write_csv(tmp_path / "results.csv", good_results(world), headers=COHORT_RESULT_HEADERS)
    with pytest.raises(CommandError, match="укажите --cohort: id учебной группы"):
        call_command("import", "cohort_results", str(path))
    call_command("import", "cohort_results", str(path), "--cohort", str(cohort.pk))
    out = capsys.readouterr().out
    assert "новых: 0; изменённых: 3; без изменений: 0; с ошибками: 0" in out and "Записано." in out
    assert enrollment_of(cohort, world["teachers"][0]).status == "completed"
    call_command("import", "cohort_results", str(path), "--cohort", str(cohort.pk))
    assert "изменённых: 0; без изменений: 3" in capsys.readouterr().out


# --- the pages -----------------------------------------------------------------------------------------------


def test_import_pages_for_the_center_only(world, cohort, client):
    client.force_login(world["users"]["center_staff"])
    for kind in ("programs", "events", "cohorts"):
        assert client.get(f"/imports/{kind}/upload/").status_code == 200
        assert client.get(f"/imports/{kind}/template.xlsx").status_code == 200
    assert client.get("/imports/cohort_results/upload/").status_code == 302  # the cohort comes first
    page = client.get(f"/imports/cohort_results/upload/?cohort={cohort.pk}")
    assert page.status_code == 200 and "Результаты обучения группы".lower() in page.content.decode()
    assert client.get("/imports/cohort_results/template.xlsx").status_code == 200
    client.force_login(world["users"]["municipal_coordinator_in"])
    for kind in ("programs", "events", "cohorts", "cohort_results"):
        assert client.get(f"/imports/{kind}/upload/").status_code == 403


def test_cohort_results_uploaded_through_the_page(world, cohort, client, tmp_path, settings):
    from profrost.core.models import ImportJob

    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    client.force_login(world["users"]["center_staff"])
    path = write_csv(tmp_path / "results.csv", good_results(world), headers=COHORT_RESULT_HEADERS)
    with open(path, "rb") as fh:
        response = client.post(f"/imports/cohort_results/upload/?cohort={cohort.pk}", {"file": fh})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.options == {"cohort": cohort.pk}
    assert job.counts["changed"] == 3 and not job.errors
    client.post(f"/imports/job/{job.pk}/commit/")
    assert enrollment_of(cohort, world["teachers"][0]).status == "completed"


def test_programs_the_same_registry_number_twice_in_a_file(center, tmp_path):
    rows = [program_row(), program_row(**{"Наименование": "Другое название"})]
    result = run("programs", tmp_path, rows, PROGRAM_HEADERS)
    assert result.errors == [(3, "Номер в реестре", "повторяет строку 2")]
    assert not Program.objects.exists()


def test_a_text_longer_than_its_field_is_a_row_error(center, tmp_path):
    """The limit comes from the model's field (the declaration names the field, the pipeline checks it)."""
    rows = [program_row(**{"Наименование": "П" * 501, "Номер в реестре": "Ф" * 51})]
    result = run("programs", tmp_path, rows, PROGRAM_HEADERS)
    assert result.errors == [
        (2, "Наименование", "не длиннее 500 символов (сейчас 501)"),
        (2, "Номер в реестре", "не длиннее 50 символов (сейчас 51)"),
    ]
    assert not Program.objects.exists()

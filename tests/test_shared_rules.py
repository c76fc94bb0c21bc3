"""One rule set for forms and imports: the edit form and the import give the same verdict, with the same
message (the form's capitalized), on the same bad values — each rule is written once (people.models,
resources.models) and applied by both."""

import datetime

import pytest
from django.utils.text import capfirst

from profrost.core.imports import run_import
from profrost.diagnostics.models import Competence
from profrost.people.forms import PersonForm
from profrost.people.models import Person, category_expiry
from profrost.resources.forms import ProgramForm
from tests.factories import valid_snils
from tests.test_imports import schools_inn, staff_row, write_csv  # noqa: F401 (fixture)
from tests.test_resources_imports import PROGRAM_HEADERS, center, program_row  # noqa: F401 (fixture)

TODAY = datetime.date.today()
FIFTEEN = datetime.date(TODAY.year - 15, 1, 1)  # 15 years old today
FUTURE = TODAY + datetime.timedelta(days=30)


def d(day):
    return day.strftime("%d.%m.%Y")


def person_form(**over):
    data = {
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "middle_name": "Ивановна",
        "birth_date": "14.03.1985",
        "snils": valid_snils(),
        "sex": "f",
        "email": "",
        "phone": "",
        "education": "higher",
        "pedagogical_start": "01.09.2008",
        "category": "first",
        "category_date": "20.12.2022",
        "category_order": "",
    }
    data.update(over)
    form = PersonForm(data)
    form.is_valid()
    return form


def staff_errors(world, tmp_path, **over):
    result = run_import("staff", write_csv(tmp_path / "staff.csv", [staff_row(world, **over)]), dry_run=True)
    return {(header, message) for _, header, message in result.errors}


# (form field, its value; import column, its value; the one message)
PERSON_CASES = [
    pytest.param(
        {"birth_date": d(FIFTEEN), "pedagogical_start": ""},
        {"Дата рождения": d(FIFTEEN), "Дата начала педагогической деятельности": ""},
        ("birth_date", "Дата рождения", "возраст 15 лет: допустимо от 16 до 90"),
        id="a birth date making the person 15",
    ),
    pytest.param(
        {"birth_date": d(FUTURE), "pedagogical_start": ""},
        {"Дата рождения": d(FUTURE), "Дата начала педагогической деятельности": ""},
        ("birth_date", "Дата рождения", "дата рождения не может быть в будущем"),
        id="a birth date in the future",
    ),
    pytest.param(
        {"category": "highest", "category_date": ""},
        {"Категория": "Высшая", "Дата присвоения категории": ""},
        ("category_date", "Дата присвоения категории", "укажите дату присвоения категории"),
        id="a category without its date",
    ),
    pytest.param(
        {"category_date": d(FUTURE)},
        {"Дата присвоения категории": d(FUTURE)},
        ("category_date", "Дата присвоения категории", "дата не может быть в будущем"),
        id="a category awarded in the future",
    ),
    pytest.param(
        {"pedagogical_start": "01.09.1995"},
        {"Дата начала педагогической деятельности": "01.09.1995"},
        ("pedagogical_start", "Дата начала педагогической деятельности", "раньше 14-летия педагога"),
        id="pedagogical work before the 14th birthday",
    ),
    pytest.param(
        {"pedagogical_start": d(FUTURE)},
        {"Дата начала педагогической деятельности": d(FUTURE)},
        ("pedagogical_start", "Дата начала педагогической деятельности", "дата не может быть в будущем"),
        id="pedagogical work starting in the future",
    ),
]


@pytest.mark.usefixtures("schools_inn")
@pytest.mark.parametrize("form_values, row_values, expected", PERSON_CASES)
def test_person_form_and_staff_import_agree(world, tmp_path, form_values, row_values, expected):
    field, header, message = expected
    form = person_form(**form_values)
    assert form.errors == {field: [capfirst(message)]}
    assert staff_errors(world, tmp_path, **row_values) == {(header, message)}


@pytest.mark.usefixtures("schools_inn")
def test_person_form_and_staff_import_accept_the_same_good_values(world, tmp_path):
    good = {"category": "none", "category_date": ""}
    assert person_form(**good).is_valid()
    assert staff_errors(world, tmp_path, Категория="", **{"Дата присвоения категории": ""}) == set()


@pytest.mark.parametrize(
    "category, label, awarded, expiry",
    [
        ("first", "Первая", datetime.date(2022, 12, 20), datetime.date(2027, 12, 20)),
        (
            "compliance",
            "Соответствие занимаемой должности",
            datetime.date(2020, 2, 29),
            datetime.date(2025, 2, 28),
        ),
        ("highest", "Высшая", datetime.date(2024, 10, 10), None),  # awarded after 01.09.2023: no expiry
        ("methodologist", "Педагог-методист", datetime.date(2022, 1, 10), None),
    ],
)
@pytest.mark.usefixtures("schools_inn")
def test_category_expiry_is_derived_alike_by_the_form_and_the_import(
    world, tmp_path, category, label, awarded, expiry
):
    assert category_expiry(category, awarded) == expiry
    # The form derives it; a typed value is not taken.
    form = person_form(category=category, category_date=d(awarded), category_expiry="01.01.2099")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["category_expiry"] == expiry
    row = staff_row(world, Категория=label, **{"Дата присвоения категории": d(awarded)})
    assert run_import("staff", write_csv(tmp_path / "staff.csv", [row])).written
    assert Person.objects.get(snils="11223344595").category_expiry == expiry


# --- programs ------------------------------------------------------------------------------------------------


def program_form(world, **over):
    data = {
        "title": "Формирующее оценивание",
        "kind": "pk",
        "hours": "36",
        "form": "mixed",
        "provider": str(world["center"].pk),
        "in_federal_registry": "on",
        "registry_number": "ФР-101",
        "competences": [str(Competence.objects.get(code="МТ1").pk)],
        "status": "active",
    }
    data.update(over)
    form = ProgramForm(data)
    form.is_valid()
    return form


def program_errors(tmp_path, **over):
    path = write_csv(tmp_path / "programs.csv", [program_row(**over)], headers=PROGRAM_HEADERS)
    return {(header, message) for _, header, message in run_import("programs", path, dry_run=True).errors}


@pytest.mark.usefixtures("center")
def test_a_federal_program_without_its_registry_number(world, tmp_path):
    message = "укажите номер в федеральном реестре"
    assert program_form(world, registry_number="  ").errors == {"registry_number": [capfirst(message)]}
    assert program_errors(tmp_path, **{"Номер в реестре": ""}) == {("Номер в реестре", message)}
    # Not in the registry: no number needed, by either.
    assert program_form(world, in_federal_registry="", registry_number="").is_valid()
    assert program_errors(tmp_path, **{"ФР ДПП": "нет", "Номер в реестре": ""}) == set()


@pytest.mark.usefixtures("center")
def test_a_school_teaches_no_programs_by_either(world, tmp_path):
    school = world["schools"][0]
    assert "provider" in program_form(world, provider=str(school.pk)).errors
    assert program_errors(tmp_path, **{"ИНН организации": school.inn}) == {
        (
            "ИНН организации",
            f"организация с ИНН {school.inn} — школа или детский сад: "
            "программы ДПП реализуют организации ДПО и центры",
        )
    }
    assert program_form(world).is_valid() and program_errors(tmp_path) == set()

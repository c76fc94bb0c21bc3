import datetime

import pytest
from django.core.exceptions import ValidationError

from profrost.core.validators import format_snils, mask_snils, normalize_snils
from profrost.people.models import Person
from tests.factories import make_person


@pytest.mark.parametrize("raw", ["112-233-445 95", "11223344595", " 112 233 445 95 ", "112-233-445-95"])
def test_valid_snils_in_any_format(raw):
    assert normalize_snils(raw) == "11223344595"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("112-233-445 96", "неверная контрольная сумма СНИЛС"),
        ("112-233-445", "СНИЛС должен содержать 11 цифр"),
        ("112-233-445 9X", "СНИЛС должен состоять из цифр"),
        # Digits of other scripts are digits to str.isdigit(): the same number written so is no SNILS.
        ("١١٢-٢٣٣-٤٤٥ ٩٥", "СНИЛС должен состоять из цифр"),
        ("１１２-２３３-４４５ ９５", "СНИЛС должен состоять из цифр"),
        ("", "СНИЛС не указан"),
    ],
)
def test_invalid_snils(raw, message):
    with pytest.raises(ValidationError) as exc:
        normalize_snils(raw)
    assert exc.value.messages == [message]


def test_checksum_edge_001_001_998():
    # Up to and including 001-001-998 the control number is not checked …
    assert normalize_snils("001-001-998 00") == "00100199800"
    assert normalize_snils("001-001-998 77") == "00100199877"
    # … above it, it is: 0*9+0*8+1*7+0*6+0*5+1*4+9*3+9*2+9*1 = 65 → 65 mod 101 mod 100 = 65.
    assert normalize_snils("001-001-999 65") == "00100199965"
    with pytest.raises(ValidationError):
        normalize_snils("001-001-999 64")


def test_checksum_of_101_and_100_becomes_00():
    # 999-999-999: 9*(9+8+…+1) = 405 → 405 mod 101 = 1 → control 01.
    assert normalize_snils("999-999-999 01") == "99999999901"


def test_display_and_mask():
    assert format_snils("11223344595") == "112-233-445 95"
    assert mask_snils("11223344595") == "***-***-445 95"


def _facts(person, day):
    return Person.objects.with_facts(on=day).get(pk=person.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, age, young",
    [
        (datetime.date(2025, 6, 14), 34, True),  # the day before the 35th birthday
        (datetime.date(2025, 6, 15), 35, False),  # the 35th birthday
    ],
)
def test_young_specialist_at_35th_birthday(world, day, age, young):
    person = make_person(
        world["schools"][0],
        birth_date=datetime.date(1990, 6, 15),
        pedagogical_start=datetime.date(2024, 1, 10),
    )
    assert person.age_on(day) == age and person.is_young_specialist_on(day) is young
    row = _facts(person, day)
    assert (row.age, row.is_young_specialist) == (age, young)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, years, young",
    [
        (datetime.date(2026, 8, 31), 2, True),  # one day short of three years
        (datetime.date(2026, 9, 1), 3, False),  # exactly three years
    ],
)
def test_young_specialist_at_three_years(world, day, years, young):
    person = make_person(
        world["schools"][0], birth_date=datetime.date(2000, 1, 1), pedagogical_start=datetime.date(2023, 9, 1)
    )
    assert person.experience_on(day) == years and person.is_young_specialist_on(day) is young
    row = _facts(person, day)
    assert (row.experience_years, row.is_young_specialist) == (years, young)


@pytest.mark.django_db
def test_no_pedagogical_start_is_not_young(world):
    person = make_person(world["schools"][0], birth_date=datetime.date(2000, 1, 1), pedagogical_start=None)
    day = datetime.date(2026, 1, 1)
    assert person.is_young_specialist_on(day) is False
    assert _facts(person, day).is_young_specialist is False


@pytest.mark.django_db
def test_manager_only_while_the_job_lasts(world):
    from profrost.people.models import Employment

    person = make_person(world["schools"][0], position="заместитель руководителя")
    Employment.objects.filter(person=person).update(
        start=datetime.date(2020, 1, 1), end=datetime.date(2024, 12, 31)
    )
    assert (
        person.is_manager_on(datetime.date(2024, 12, 31))
        and _facts(person, datetime.date(2024, 12, 31)).is_manager
    )
    assert (
        not person.is_manager_on(datetime.date(2025, 1, 1))
        and not _facts(person, datetime.date(2025, 1, 1)).is_manager
    )

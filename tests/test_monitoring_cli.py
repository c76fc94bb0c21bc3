"""`profrost monitoring compute / sets / token` (docs/monitoring.md §11): the spreadsheet of a set's values for a
period, checked against numbers computed by hand on a small world; bad periods, an unknown set, a bad date."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from profrost.diagnostics.models import Campaign, Instrument, Result
from profrost.monitoring.models import Indicator, Level
from profrost.people.models import Employment
from profrost.routes.models import Route

START, END = datetime.date(2024, 9, 1), datetime.date(2025, 8, 31)  # the academic year 2024-2025
PERIOD = f"{START.isoformat()}..{END.isoformat()}"
HEADERS = [
    "Код",
    "Показатель",
    "Уровень",
    "Единица",
    "Числитель",
    "Знаменатель",
    "Значение",
    "Цель",
    "Достигнута",
]


def build_numbers(w):
    """On build_world (4 municipalities × 2 schools × 2 teachers, every teacher staff) the data of 004_… 1.2.4
    rows 1 (diagnosed on a high or elevated level / staff, target 40 %) and 2 (a route developed on diagnostics /
    staff, target 60 %) for the academic year 2024-2025:

    Муниципалитет 1.1 (teachers 0–3): row 1 — high (0), elevated (1), basic (2), high but before the period (3),
      high in a course's entry test (3, not a federal/regional campaign) → 2 / 4 = 50.0 % ≥ 40 → да;
      row 2 — approved route on a result (0), a draft (1), in progress without a result (2) → 1 / 4 = 25.0 % → нет.
    Муниципалитет 1.2 (teachers 4–7): row 1 — high (4), elevated (5) but teacher 7's job ended before the period's
      last day (staff 3) → 2 / 3 = 66.666… → 66.7 % → да; row 2 — done (4), partial (5), approved (6) on results,
      a cancelled one (7) → 3 / 3 = 100.0 % → да.
    Муниципалитеты 2.1, 2.2: nothing → 0 / 4 = 0.0 % → нет.
    """
    t = w["teachers"]
    instrument = Instrument.objects.create(name="Диагностика предметных компетенций")
    federal = Campaign.objects.create(instrument=instrument, name="Федеральная", kind="federal")
    course = Campaign.objects.create(instrument=instrument, name="Входная курса", kind="course")
    inside = datetime.date(2025, 3, 10)

    def result(person, level, taken_on=inside, campaign=federal):
        return Result.objects.create(
            campaign=campaign, person=person, status="scored", taken_on=taken_on, level=level
        )

    r0, r1 = result(t[0], "высокий"), result(t[1], "повышенный")
    result(t[2], "базовый")
    result(t[3], "высокий", taken_on=START - datetime.timedelta(days=1))
    result(t[3], "высокий", campaign=course)
    r4, r5 = result(t[4], "высокий"), result(t[5], "повышенный")
    r6 = result(t[6], "базовый")
    Employment.objects.filter(person=t[7]).update(end=END - datetime.timedelta(days=1))

    def route(person, status, res):
        return Route.objects.create(
            person=person, result=res, status=status, start=START, end=END, basis="тест"
        )

    route(t[0], "approved", r0)
    route(t[1], "draft", r1)
    route(t[2], "in_progress", None)
    route(t[4], "done", r4)
    route(t[5], "partial", r5)
    route(t[6], "approved", r6)
    route(t[7], "cancelled", None)


@pytest.fixture
def numbers(world):
    build_numbers(world)
    return world


def run(*args):
    out = io.StringIO()
    call_command("monitoring", *args, stdout=out)
    return out.getvalue()


def read(path):
    ws = load_workbook(path).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def test_compute_writes_the_hand_computed_rows(numbers, tmp_path):
    out = tmp_path / "f.xlsx"
    message = run("compute", "--set", "004", "--from", "01.09.2024", "--to", "2025-08-31", "--out", str(out))
    assert "выгружено" in message
    headers, rows = read(out)
    assert headers == HEADERS
    at_municipality = Indicator.objects.filter(indicator_set__code="004", levels__contains=["municipality"])
    assert len(rows) == at_municipality.count() * 4  # every indicator × every municipality
    by_key = {(r[0], r[3]): r for r in rows}
    name_1 = Indicator.objects.get(indicator_set__code="004", code="1").name
    assert by_key[("1", "Муниципалитет 1.1")] == [
        "1", name_1, "Муниципалитет", "Муниципалитет 1.1", 2, 4, 50, 40, "да"
    ]  # fmt: skip
    assert by_key[("1", "Муниципалитет 1.2")][4:] == [2, 3, 66.7, 40, "да"]
    assert by_key[("1", "Муниципалитет 2.1")][4:] == [0, 4, 0, 40, "нет"]
    assert by_key[("2", "Муниципалитет 1.1")][4:] == [1, 4, 25, 60, "нет"]
    assert by_key[("2", "Муниципалитет 1.2")][4:] == [3, 3, 100, 60, "да"]
    assert by_key[("2", "Муниципалитет 2.2")][4:] == [0, 4, 0, 60, "нет"]
    assert [r[3] for r in rows if r[0] == "1"] == [
        "Муниципалитет 1.1", "Муниципалитет 1.2", "Муниципалитет 2.1", "Муниципалитет 2.2"
    ]  # fmt: skip
    # row 9 (the sites' results) is entered by hand: no value, no «Достигнута»
    assert by_key[("9", "Муниципалитет 1.1")][4:] == [None, None, None, 80, None]


def test_compute_other_levels_and_a_period_code(numbers, tmp_path):
    out = tmp_path / "region.xlsx"
    run("compute", "--set", "004", "--period", "2024-2025", "--level", "region", "--out", str(out))
    _, rows = read(out)
    row = next(r for r in rows if r[0] == "1")
    # the region: 2 + 2 high or elevated of 4 + 3 + 4 + 4 = 15 staff → 26.666… → 26.7 %
    assert row[2:] == ["Регион", "Тестовая область", 4, 15, 26.7, 40, "нет"]
    out = tmp_path / "district.xlsx"
    run("compute", "--set", "004", "--period", "2024-2025", "--level", "district", "--out", str(out))
    _, rows = read(out)
    row = next(r for r in rows if r[0] == "2" and r[3] == "Округ 1")
    assert row[2:] == [Level.DISTRICT.label, "Округ 1", 4, 7, 57.1, 60, "нет"]  # 4 / 7 = 57.14…


@pytest.mark.parametrize(
    "dates, message",
    [
        (("2025-09-01", "2025-08-31"), "Период заканчивается раньше, чем начинается"),
        (("2010-01-01", "2021-01-01"), "Период длиннее 10 лет"),
        (("31.02.2025", "2025-08-31"), "--from: неверная дата «31.02.2025»"),
        (("2025-01-01", "завтра"), "--to: неверная дата"),
    ],
)
def test_compute_refuses_a_bad_period(db, tmp_path, dates, message):
    with pytest.raises(CommandError, match=message):
        run(
            "compute", "--set", "004", "--from", dates[0], "--to", dates[1], "--out", str(tmp_path / "f.xlsx")
        )
    assert not (tmp_path / "f.xlsx").exists()


def test_compute_refuses_an_unknown_set_and_a_bad_file(db, tmp_path):
    with pytest.raises(CommandError, match="набор показателей «999» не найден; есть: 004, 000, 003"):
        run("compute", "--set", "999", "--period", "2025", "--out", str(tmp_path / "f.xlsx"))
    with pytest.raises(CommandError, match="расширение .xlsx"):
        run("compute", "--set", "004", "--period", "2025", "--out", str(tmp_path / "f.csv"))
    with pytest.raises(CommandError, match="папка для файла не найдена"):
        run("compute", "--set", "004", "--period", "2025", "--out", str(tmp_path / "нет" / "f.xlsx"))
    with pytest.raises(CommandError, match="Неверный период"):
        run("compute", "--set", "004", "--period", "2025-H3", "--out", str(tmp_path / "f.xlsx"))
    with pytest.raises(CommandError, match="укажите период"):
        run("compute", "--set", "004", "--from", "2025-01-01", "--out", str(tmp_path / "f.xlsx"))


def test_sets_lists_the_shipped_sets(db):
    out = run("sets")
    lines = out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["004", "000", "003"]
    assert "показателей: 14" in lines[0] and "выбран регионом" in lines[0]

"""The semi-annual rating of municipalities and the published snapshots (docs/monitoring.md §7, §8): the scores
and places of a hand-computed case (weights, a «не более» indicator, a missing value, a tie), the change since
the previous published rating and what pulled a municipality down, the rule as a setting, publishing refused for
a half-year not over and a second time, the rating page (preview for the region's staff, published for all), its
DOCX / PDF / XLSX, the CLI's XLSX; a snapshot frozen against later data (and the database refusing an update),
the snapshot page highlighting where the live value now differs."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import override_settings
from openpyxl import load_workbook

from profrost.accounts.roles import RoleCode
from profrost.core.periods import last_half_year
from profrost.monitoring import actions
from profrost.monitoring import rating as ratings
from profrost.monitoring.models import (
    Indicator,
    IndicatorSet,
    Level,
    Snapshot,
    SnapshotKind,
    SnapshotValue,
    Target,
)
from profrost.structure.models import Municipality, Organization, Region
from tests.factories import ensure_reference_data, make_person, make_user

TODAY = datetime.date.today()
PERIOD = last_half_year(TODAY)  # the last half-year that is over
BEFORE = ratings.previous_half_year(PERIOD)
RATING_URL = "/monitoring/rating/"


def indicator(s, code, target, weight=1, direction="ge", levels=("municipality",), order=0, in_rating=True):
    ind = Indicator.objects.create(
        indicator_set=s,
        code=code,
        name=f"Показатель {code}",
        unit="percent",
        direction=direction,
        levels=list(levels),
        weight=weight,
        in_rating=in_rating,
        order=order,
    )
    if target is not None:
        Target.objects.create(indicator=ind, period="", value=target)
    return ind


@pytest.fixture
def case(db):
    """Four municipalities, a set of three rated indicators entered by hand (no measure), and two left out."""
    ensure_reference_data()
    region = Region.objects.create(name="Область")
    names = ["Альфа", "Бета", "Гамма", "Дельта"]
    mun = {n: Municipality.objects.create(region=region, name=n) for n in names}
    s = IndicatorSet.objects.create(code="T", name="Тестовый набор", order=99)
    a = indicator(s, "A", 50, weight=2, order=1)
    b = indicator(s, "B", 10, weight=1, direction="le", order=2)
    c = indicator(s, "C", 80, weight=1, order=3)
    indicator(s, "Z", 0, order=4)  # target not positive: left out
    indicator(s, "R", 30, levels=("region",), order=5)  # not municipal: left out
    staff = make_user("center", RoleCode.CENTER_STAFF, region=region)
    coordinator = make_user("coord", RoleCode.MUNICIPAL_COORDINATOR, municipality=mun["Бета"])

    def enter(period, table):
        for name, values in table.items():
            for ind, value in zip((a, b, c), values, strict=True):
                if value is not None:
                    actions.save_manual_value(staff, ind, period, Level.MUNICIPALITY, mun[name].pk, value, "")

    # This half-year (A ≥ 50 weight 2; B ≤ 10 weight 1; C ≥ 80 weight 1; Σw = 4):
    enter(
        PERIOD,
        {
            "Альфа": (50, 5, 40),  # a = 1, min(10/5, 1) = 1, 40/80 = 0.5 → (2·1 + 1 + 0.5)/4 = 0.875
            "Бета": (25, 20, 80),  # a = 0.5, 10/20 = 0.5, 1 → (2·0.5 + 0.5 + 1)/4 = 0.625
            "Гамма": (100, 0, None),  # a = 1 (capped), B = 0 → 1, C no value → 0 → (2 + 1 + 0)/4 = 0.75
            "Дельта": (50, 40, 20),  # a = 1, 10/40 = 0.25, 20/80 = 0.25 → (2 + 0.25 + 0.25)/4 = 0.625
        },
    )
    # The half-year before, only A entered (B and C score 0):
    enter(
        BEFORE,
        {
            "Альфа": (25, None, None),  # 2·0.5/4 = 0.25 → place 4
            "Бета": (50, None, None),  # 2·1/4 = 0.5 → place 1
            "Гамма": (50, None, None),  # 0.5 → 1
            "Дельта": (100, None, None),  # 0.5 → 1
        },
    )
    return {"set": s, "mun": mun, "staff": staff, "coordinator": coordinator, "a": a, "b": b, "c": c}


def by_name(rating):
    return {row.name: row for row in rating.rows}


def test_scores_places_and_what_pulled_down(case):
    rating = ratings.live(case["set"], PERIOD)
    assert [c.code for c in rating.columns] == ["A", "B", "C"]
    assert {label: reason for label, reason in rating.skipped} == {
        "Z. Показатель Z": "целевое значение не положительное",
        "R. Показатель R": "не считается по муниципалитетам",
    }
    rows = by_name(rating)
    assert {n: r.score for n, r in rows.items()} == {
        "Альфа": Decimal("0.875"),
        "Бета": Decimal("0.625"),
        "Гамма": Decimal("0.75"),
        "Дельта": Decimal("0.625"),
    }
    # by score descending; Бета and Дельта tie at 0.625 and share place 3 (ordered by name)
    assert [(r.place, r.name) for r in rating.rows] == [
        (1, "Альфа"),
        (2, "Гамма"),
        (3, "Бета"),
        (3, "Дельта"),
    ]
    # Бета lost 2·(1 − 0.5)/4 = 0.25 on A and 1·(1 − 0.5)/4 = 0.125 on B, nothing on C
    assert [(p.column.code, p.shortfall) for p in rows["Бета"].pulled_down] == [
        ("A", Decimal("0.25")),
        ("B", Decimal("0.125")),
    ]
    # Гамма: C without a value scores 0 → lost 1·1/4
    assert [(p.column.code, p.shortfall) for p in rows["Гамма"].pulled_down] == [("C", Decimal("0.25"))]
    assert rows["Альфа"].pulled_down[0].column.code == "C"
    # no published rating before: no change
    assert rating.previous is None and rows["Альфа"].change is None


def test_places_share_ties_and_skip():
    assert ratings.places(
        {"a": Decimal("0.9"), "b": Decimal("0.8"), "c": Decimal("0.8"), "d": Decimal("0.1")}
    ) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
    }
    assert ratings.places({"a": None, "b": Decimal(0)}) == {"b": 1}


@override_settings(MONITORING_RATING_SKIP_MISSING=True)
def test_skip_missing_setting(case):
    rows = by_name(ratings.live(case["set"], PERIOD))
    # Гамма without C: (2·1 + 1·1)/3 = 1 → first; the others as before
    assert rows["Гамма"].score == Decimal("1.0000") and rows["Гамма"].place == 1
    assert rows["Альфа"].place == 2


@override_settings(MONITORING_RATING_RULE="met_share")
def test_met_share_rule(case):
    rows = by_name(ratings.live(case["set"], PERIOD))
    # met: Альфа A and B (2 + 1)/4 = 0.75; Бета only C 1/4 = 0.25; Гамма A and B 0.75; Дельта A 2/4 = 0.5
    assert {n: r.score for n, r in rows.items()} == {
        "Альфа": Decimal("0.75"),
        "Бета": Decimal("0.25"),
        "Гамма": Decimal("0.75"),
        "Дельта": Decimal("0.5"),
    }


def test_change_since_previous_published_rating(case):
    actions.publish_rating(case["staff"], case["set"], BEFORE)
    rating = ratings.live(case["set"], PERIOD)
    assert rating.previous is not None and rating.previous.period == BEFORE.code
    rows = by_name(rating)
    # before: Бета, Гамма, Дельта 1 (0.5 each), Альфа 4 (0.25); now Альфа 1, Гамма 2, Бета 3, Дельта 3
    assert {n: (r.previous_place, r.change) for n, r in rows.items()} == {
        "Альфа": (4, 3),
        "Бета": (1, -2),
        "Гамма": (1, -1),
        "Дельта": (1, -2),
    }


def test_publish_refused_for_half_year_not_over_and_twice(case):
    current = ratings.half_year_of(TODAY)
    with pytest.raises(actions.MonitoringError) as refused:
        actions.publish_rating(case["staff"], case["set"], current)
    assert str(refused.value) == (
        f"Период ещё не завершён: рейтинг за {current.label} можно опубликовать после {current.end:%d.%m.%Y}."
    )
    assert not Snapshot.objects.exists()
    with pytest.raises(actions.MonitoringError, match="за полугодие"):
        actions.publish_rating(case["staff"], case["set"], "2025-2026")
    with pytest.raises(PermissionDenied):
        actions.publish_rating(case["coordinator"], case["set"], PERIOD)
    actions.publish_rating(case["staff"], case["set"], PERIOD)
    with pytest.raises(actions.MonitoringError, match="уже опубликован"):
        actions.publish_rating(case["staff"], case["set"], PERIOD)
    assert Snapshot.objects.count() == 1


def test_published_rating_is_frozen(case):
    snapshot = actions.publish_rating(case["staff"], case["set"], PERIOD)
    assert snapshot.kind == SnapshotKind.RATING and snapshot.published_by == case["staff"]
    assert snapshot.rule["name"] == "capped_mean"
    assert [c["weight"] for c in snapshot.rule["columns"]] == ["2.00", "1.00", "1.00"]
    # later data and a later weight change do not touch the published rating
    actions.save_manual_value(
        case["staff"], case["c"], PERIOD, Level.MUNICIPALITY, case["mun"]["Бета"].pk, 0, "исправлено"
    )
    Indicator.objects.filter(pk=case["a"].pk).update(weight=5)
    published = ratings.published(case["set"], PERIOD)
    assert [(r.place, r.name, r.score) for r in published.rows] == [
        (1, "Альфа", Decimal("0.8750")),
        (2, "Гамма", Decimal("0.7500")),
        (3, "Бета", Decimal("0.6250")),
        (3, "Дельта", Decimal("0.6250")),
    ]
    beta = by_name(published)["Бета"]
    assert [(p.column.code, p.shortfall) for p in beta.pulled_down] == [
        ("A", Decimal("0.25")),
        ("B", Decimal("0.125")),
    ]
    live = by_name(ratings.live(case["set"], PERIOD))
    assert live["Бета"].score != beta.score
    # the database itself refuses a change of a published value
    with pytest.raises(DatabaseError), transaction.atomic():
        SnapshotValue.objects.filter(snapshot=snapshot).update(score=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        Snapshot.objects.filter(pk=snapshot.pk).delete()
    with pytest.raises(actions.MonitoringError, match="Опубликованный срез не изменяется"):
        actions.change_snapshot(case["staff"], snapshot)


def test_rating_page_preview_publish_and_exports(case, client):
    client.force_login(case["coordinator"])
    page = client.get(RATING_URL, {"set": case["set"].pk, "period": PERIOD.code})
    assert page.status_code == 200 and "ещё не опубликован" in page.content.decode()
    assert (
        client.post("/monitoring/rating/publish/", {"set": case["set"].pk, "period": PERIOD.code}).status_code
        == 403
    )

    client.force_login(case["staff"])
    page = client.get(RATING_URL, {"set": case["set"].pk, "period": PERIOD.code}).content.decode()
    assert 'id="rating-preview"' in page and "Опубликовать рейтинг" in page
    assert "0,875" in page
    current = ratings.half_year_of(TODAY)
    response = client.post(
        "/monitoring/rating/publish/", {"set": case["set"].pk, "period": current.code}, follow=True
    )
    assert "Период ещё не завершён" in response.content.decode()
    client.post("/monitoring/rating/publish/", {"set": case["set"].pk, "period": PERIOD.code})
    assert Snapshot.objects.filter(kind=SnapshotKind.RATING, period=PERIOD.code).exists()

    client.force_login(case["coordinator"])
    page = client.get(RATING_URL, {"set": case["set"].pk, "period": PERIOD.code}).content.decode()
    assert 'id="rating-published"' in page and "Альфа" in page
    # bad parameters: a message, not an error
    for bad in (
        {"period": "2026-2026"},
        {"period": "2025-2026"},
        {"set": "-1"},
        {"set": "x" * 5000},
        {"period": "\x00"},
    ):
        assert client.get(RATING_URL, bad).status_code == 200
    xlsx = client.get(RATING_URL, {"set": case["set"].pk, "period": PERIOD.code, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Место", "Муниципалитет", "Балл", "Изменение места", "Что снизило балл")
    assert rows[1][:3] == (1, "Альфа", 0.875)
    docx = client.get(RATING_URL, {"set": case["set"].pk, "period": PERIOD.code, "format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    pdf = client.get(RATING_URL, {"set": case["set"].pk, "period": PERIOD.code, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"


def test_cli_rating_xlsx(case, tmp_path):
    out = tmp_path / "rating.xlsx"
    call_command("monitoring", "rating", "--set", "T", "--date", PERIOD.end.isoformat(), "--out", str(out))
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == (
        "Место",
        "Муниципалитет",
        "Балл",
        "A. Показатель A",
        "B. Показатель B",
        "C. Показатель C",
    )
    assert rows[1:] == [
        (1, "Альфа", 0.875, 50, 5, 40),
        (2, "Гамма", 0.75, 100, 0, None),
        (3, "Бета", 0.625, 25, 20, 80),
        (3, "Дельта", 0.625, 50, 40, 20),
    ]


def test_snapshot_frozen_and_page_shows_live_difference(db, client, tmp_path):
    """A report snapshot of a computed indicator: after a young teacher is hired the live value differs, the
    frozen one does not, and the page highlights the row."""
    ensure_reference_data()
    region = Region.objects.create(name="Область")
    mun = Municipality.objects.create(region=region, name="Город")
    school = Organization.objects.create(
        region=region, municipality=mun, name="Школа № 1", kind="school", level="institutional"
    )
    for n in range(4):
        make_person(school, last_name=f"Учитель{n}", birth_date=datetime.date(1970, 1, 1))
    s = IndicatorSet.objects.create(code="Y", name="Молодые", order=98)
    young = Indicator.objects.create(
        indicator_set=s,
        code="1",
        name="Доля педагогов до 35 лет",
        numerator="under_35",
        denominator="teachers",
        levels=["municipality", "region"],
    )
    Target.objects.create(indicator=young, period="", value=10)
    staff = make_user("center", RoleCode.CENTER_STAFF, region=region)
    coordinator = make_user("coord", RoleCode.MUNICIPAL_COORDINATOR, municipality=mun)
    with pytest.raises(actions.MonitoringError, match="Период ещё не завершён"):
        actions.publish_snapshot(staff, s, ratings.half_year_of(TODAY), Level.MUNICIPALITY)
    snapshot = actions.publish_snapshot(staff, s, PERIOD, Level.MUNICIPALITY)
    frozen = SnapshotValue.objects.get(snapshot=snapshot, unit_id=mun.pk)
    assert (frozen.numerator, frozen.denominator, frozen.value, frozen.met) == (0, 4, 0, False)
    with pytest.raises(actions.MonitoringError, match="уже опубликован"):
        actions.publish_snapshot(staff, s, PERIOD, Level.MUNICIPALITY)

    make_person(school, last_name="Молодая", birth_date=PERIOD.end.replace(year=PERIOD.end.year - 25))
    frozen.refresh_from_db()
    assert (frozen.numerator, frozen.denominator, frozen.value) == (0, 4, 0)
    with pytest.raises(DatabaseError), transaction.atomic():
        SnapshotValue.objects.filter(pk=frozen.pk).update(value=50)

    client.force_login(coordinator)
    page = client.get(f"/monitoring/snapshots/{snapshot.pk}/").content.decode()
    assert 'class="table-warning changed"' in page
    assert "0,0\u00a0%" in page and "20,0\u00a0%" in page  # frozen 0 of 4; live 1 of 5
    assert "Текущие значения отличаются: 1" in page
    response = client.post(f"/monitoring/snapshots/{snapshot.pk}/", follow=True)
    assert response.status_code == 403  # the coordinator may not manage at all
    client.force_login(staff)
    response = client.post(f"/monitoring/snapshots/{snapshot.pk}/", {"value": "1"}, follow=True)
    assert "Опубликованный срез не изменяется" in response.content.decode()
    xlsx = client.get(f"/monitoring/snapshots/{snapshot.pk}/", {"format": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[1][2] == "Город" and rows[1][5] == 0 and rows[1][8] == 20 and rows[1][11] == "да"
    for bad in ({"indicator": "нет"}, {"changed": "2"}, {"page": "-1"}, {"indicator": "\x00"}):
        assert client.get(f"/monitoring/snapshots/{snapshot.pk}/", bad).status_code == 200
    assert client.get("/monitoring/snapshots/999999/").status_code == 404
    listing = client.get("/monitoring/snapshots/", {"kind": "report"}).content.decode()
    assert snapshot.title in listing

"""Issue 14, point 10: every shipped indicator of the 004_… set computed on a small built world against values
worked out by hand (docs/monitoring.md §1–§4), with the boundaries: a person with two jobs in two
municipalities, a job ending on the last day (and one ending the day before), a result on the first day of the
period (and one the day before), a cancelled and a draft route, a 35th birthday on the last day, exactly three
years of experience on the last day.

The period is the calendar year 2026 (01.01.2026–31.12.2026), so that today's history events (a route closed
now) fall inside it. Municipality A is the world's first (schools 0 and 1, teachers 0–3)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from profrost.core.periods import PeriodError, between, calendar_year, parse
from profrost.diagnostics.models import (
    Campaign,
    Competence,
    CompetenceGroup,
    CompetenceResult,
    Instrument,
    Result,
)
from profrost.mentoring import actions as mentoring
from profrost.mentoring.models import MentorshipForm
from profrost.monitoring.compute import compute, rounded
from profrost.monitoring.models import Indicator, IndicatorSet, ManualValue, Target
from profrost.people.models import Employment, Position
from profrost.resources.models import Cohort, Enrollment, Event, Participation, Program
from profrost.routes.models import Route, RouteItem
from profrost.structure.models import OrganizationStatus
from profrost.support.models import AssetMember, Assignment, LessonVisit, Order
from tests.factories import make_person

P = calendar_year(2026)
FIRST, LAST = P.start, P.end
TODAY = datetime.date.today()


@pytest.fixture
def w(world):
    """Municipality A (schools 0, 1) gets, besides teachers 0–3 (born 1985, working since 2008):
    M a manager; X whose job ends on the last day; Y whose job ended the day before; W (34 on the last day,
    2 years of experience: a young specialist); V (under 35, exactly 3 years: not young); Z (35 on the last day)."""
    t, schools = world["teachers"], world["schools"]
    s0, s1, s7 = schools[0], schools[1], schools[7]
    # teacher 0 also works (not main) in school 7 of municipality D: counted once, in A
    Employment.objects.create(
        person=t[0], organization=s7, position=Position.objects.get(name="учитель"), is_main=False
    )
    people = {
        "M": make_person(
            s0,
            position="руководитель организации",
            last_name="Директорова",
            birth_date=datetime.date(1970, 5, 5),
        ),
        "X": make_person(s1, last_name="Уходящая"),
        "Y": make_person(s1, last_name="Ушедшая"),
        "W": make_person(
            s0,
            last_name="Молодая",
            birth_date=datetime.date(1992, 1, 1),
            pedagogical_start=datetime.date(2024, 1, 1),
        ),
        "V": make_person(
            s0,
            last_name="Трёхлетняя",
            birth_date=datetime.date(1995, 6, 1),
            pedagogical_start=datetime.date(2023, 12, 31),
        ),
        "Z": make_person(
            s0,
            last_name="Юбилярша",
            birth_date=datetime.date(1991, 12, 31),
            pedagogical_start=datetime.date(2025, 9, 1),
        ),
    }
    Employment.objects.filter(person=people["X"]).update(end=LAST)
    Employment.objects.filter(person=people["Y"]).update(end=LAST - datetime.timedelta(days=1))
    return {**world, **people, "t": t, "s0": s0, "s1": s1, "mun": world["municipalities"][0]}


def _result(person, day, level, campaign, deficit=None):
    r = Result.objects.create(campaign=campaign, person=person, status="scored", taken_on=day, level=level)
    if deficit is not None:
        CompetenceResult.objects.create(result=r, competence=deficit, percent=30, is_deficit=True)
    return r


@pytest.fixture
def data(w):
    t, admin = w["t"], w["users"]["region_admin"]
    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="Тест"), name="ОПК", kind="regional"
    )
    group = CompetenceGroup.objects.create(code="МН", name="Группа", order=90)
    mt = Competence.objects.create(group=group, code="МН.1", name="Проектирование урока")
    # row 1: teacher 1 on the first day at высокий (counted); teacher 2 the day before the period (not);
    # teacher 3 in the period at базовый (diagnosed, not high)
    r1 = _result(t[1], FIRST, "высокий", campaign, deficit=mt)
    r2 = _result(t[2], FIRST - datetime.timedelta(days=1), "высокий", campaign)
    _result(t[3], datetime.date(2026, 3, 1), "базовый", campaign)
    r0 = _result(t[0], datetime.date(2026, 2, 1), "повышенный", campaign, deficit=mt)
    # row 2: teacher 1 approved, teacher 0 done (closed today, inside 2026); teacher 2 cancelled; teacher 3 draft
    end = datetime.date(2026, 12, 31)
    Route.objects.create(person=t[1], result=r1, start=FIRST, end=end, status="approved")
    done = Route.objects.create(person=t[0], result=r0, start=FIRST, end=end, status="in_progress")
    done.status = "done"
    done.save()
    Route.objects.create(person=t[2], result=r2, start=FIRST, end=end, status="cancelled")
    Route.objects.create(person=t[3], start=FIRST, end=end, status="draft")
    # rows 3 and 5: teacher 1 completed a ФР ДПП course of the center (a regional provider) that is on her route
    # (counted in both); teacher 3 completed one with no link to diagnostics (counted in neither)
    fr = Program.objects.create(
        title="ФР",
        hours=36,
        form="distance",
        provider=w["center"],
        in_federal_registry=True,
        registry_number="1",
    )
    cohort = Cohort.objects.create(
        program=fr, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 1), capacity=10
    )
    RouteItem.objects.create(
        route=Route.objects.get(person=t[1]), section="1.1", content="курс", cohort=cohort
    )
    Enrollment.objects.create(cohort=cohort, person=t[1], status="completed")
    Enrollment.objects.create(cohort=cohort, person=t[3], status="completed")
    # row 4 and 5.3-2: W (young) is a mentee of an active pair — the support form; V, Z none
    program = mentoring.save_program(
        admin,
        organization=w["s0"],
        title="Программа",
        start=FIRST,
        end=end,
        forms=[MentorshipForm.TEACHER_TEACHER, MentorshipForm.SCHOOL_SCHOOL],
        act_number="1",
        act_date=FIRST,
    )
    program = mentoring.approve_program(admin, program)
    mentoring.create_mentorship(
        admin,
        form=MentorshipForm.TEACHER_TEACHER,
        mentors=[t[0]],
        mentees=[w["W"]],
        program=program,
        start=datetime.date(2026, 2, 1),
        notify_people=False,
    )
    # row 7: school 1 mentored by school 0 (both counted); school 0 is an internship site (the only site)
    mentoring.create_mentorship(
        admin,
        form=MentorshipForm.SCHOOL_SCHOOL,
        organization=w["s1"],
        mentor_organization=w["s0"],
        start=datetime.date(2026, 2, 1),
        notify_people=False,
    )
    OrganizationStatus.objects.create(
        organization=w["s0"], kind="internship_site", start=datetime.date(2025, 1, 1)
    )
    # rows 10, 11: teacher 2 is an asset member (works in A); teachers 3 and X assigned; two lessons visited, one
    # planned (not counted)
    member = AssetMember.objects.create(
        person=t[2],
        directions=["routes"],
        status="approved",
        order=Order.objects.create(number="1", date=FIRST),
        start=datetime.date(2026, 2, 1),
    )
    for p in (t[3], w["X"]):
        Assignment.objects.create(
            member=member,
            person=p,
            direction="routes",
            municipality=w["mun"],
            since=datetime.date(2026, 2, 1),
        )
    for day, status in (
        (datetime.date(2026, 3, 1), "done"),
        (datetime.date(2026, 4, 1), "done"),
        (None, "planned"),
    ):
        LessonVisit.objects.create(
            planned_on=None if day else datetime.date(2026, 12, 20),
            visitor=admin,
            visitor_kind="asset",
            member=member,
            person=t[3],
            organization=w["s0"],
            municipality=w["mun"],
            date=day,
            status=status,
        )
    # row 12: teacher 3 spoke at an event of 2026 (counted); teacher 0 only took part in a seminar (not)
    event = Event.objects.create(
        title="Семинар",
        kind="seminar",
        level="regional",
        organizer=w["center"],
        start=datetime.date(2026, 5, 1),
        end=datetime.date(2026, 5, 1),
    )
    Participation.objects.create(event=event, person=w["t"][3], role="speaker")
    Participation.objects.create(event=event, person=w["t"][0], role="participant")
    w["t"][3].__class__.objects.filter(pk=w["t"][3].pk).update(
        category="highest", category_date=datetime.date(2024, 1, 1)
    )
    # row 9: entered by hand for municipality A
    ManualValue.objects.create(
        indicator=Indicator.objects.get(indicator_set__code="004", code="9"),
        period=P.code,
        level="municipality",
        unit_id=w["mun"].pk,
        value=75,
    )
    return w


def values(level="municipality"):
    indicators = list(Indicator.objects.filter(indicator_set__code="004"))
    out = compute(indicators, P, level)
    by_code = {i.code: i for i in indicators}
    return {code: out[i.pk] for code, i in by_code.items()}


def row(v, unit_id):
    x = v[unit_id]
    return (x.numerator, x.denominator, rounded(x.indicator, x.value), x.met)


@pytest.mark.django_db
def test_every_indicator_of_the_004_set_by_hand(data):
    """Municipality A on 31.12.2026: staff = teachers 0–3, M, X (job ends that day), W, V, Z = 9 (Y left the day
    before; teacher 0's second job in D does not count her twice); teachers (no manager) = 8; under 35 = W (34),
    V (31) = 2 — Z turns 35 that day; young specialists = W (2 years) — V has exactly 3."""
    v = values()
    a = data["mun"].pk
    d = Decimal
    # 1: high/elevated results in 2026 — teachers 1 (высокий, 01.01) and 0 (повышенный) = 2 of staff 9 = 22.2 %
    assert row(v["1"], a) == (d(2), d(9), d("22.2"), False)  # target ≥ 40
    # 2: developed routes on diagnostics — teacher 1 (approved), teacher 0 (done) = 2 / 9 = 22.2 %
    assert row(v["2"], a) == (d(2), d(9), d("22.2"), False)  # ≥ 60
    # 2б: done / with a route = 1 / 2 = 50 %
    assert row(v["2б"], a) == (d(1), d(2), d("50.0"), False)  # ≥ 80
    # 3: ФР ДПП course on the route — teacher 1 = 1 of 8 teachers = 12.5 %
    assert row(v["3"], a) == (d(1), d(8), d("12.5"), True)  # ≥ 6
    # 4: young in support (W) / all under 35 (W, V) = 1 / 2 = 50 %
    assert row(v["4"], a) == (d(1), d(2), d("50.0"), False)  # ≥ 60
    # 5: regional operator's course, school teachers — teacher 1 = 1 / 8 = 12.5 %
    assert row(v["5"], a) == (d(1), d(8), d("12.5"), False)  # ≥ 30
    # 6: implementing the model — school 0 (approved program + an active pair) of schools 0, 1 = 50 %
    assert row(v["6"], a) == (d(1), d(2), d("50.0"), False)  # 100
    # 7: in school–school — schools 0 and 1 — over the sites (school 0) = 2 / 1 = 200 %
    assert row(v["7"], a) == (d(2), d(1), d("200.0"), True)  # ≥ 20
    # 8: sites / organizations = 1 / 2 = 50 %
    assert row(v["8"], a) == (d(1), d(2), d("50.0"), False)  # ≥ 60
    # 9: entered by hand
    assert rounded(v["9"][a].indicator, v["9"][a].value) == d("75.0") and v["9"][a].met is False  # ≥ 80
    # 10: assigned (teacher 3, X) / members (teacher 2) = 2.0; 11: visits done (2) / members (1) = 2.0
    assert row(v["10"], a) == (d(2), d(1), d("2.0"), False)  # ≥ 50
    assert row(v["11"], a) == (d(2), d(1), d("2.0"), True)  # ≥ 2
    # 12: presented experience (teacher 3, a speaker) / teachers 8 = 12.5 %; 12в: / highest category (teacher 3)
    assert row(v["12"], a) == (d(1), d(8), d("12.5"), False)  # ≥ 30
    assert row(v["12в"], a) == (d(1), d(1), d("100.0"), True)


@pytest.mark.django_db
def test_the_region_adds_the_other_municipalities_staff_and_other_sets_reuse_the_measures(data):
    """The region: staff 9 + teachers 4–15 = 21; row 1 = 2 / 21 = 9.5 %. 000_… 5.3-2: young in support over young
    specialists = 1 / 1 = 100 %; 5.3-1 (≤ 250 per methodologist) = 2.0, met."""
    v = values("region")
    region = data["region"].pk
    assert row(v["1"], region) == (Decimal(2), Decimal(21), Decimal("9.5"), False)
    s000 = list(Indicator.objects.filter(indicator_set__code="000"))
    out = compute(s000, P, "municipality")
    by = {
        i.code: out[i.pk] for i in s000 if i.pk in out
    }  # region-only ones (5.1, 5.2-5) are not computed here
    a = data["mun"].pk
    assert row(by["5.3-2"], a) == (Decimal(1), Decimal(1), Decimal("100.0"), True)
    assert row(by["5.3-1"], a) == (Decimal(2), Decimal(1), Decimal("2.0"), True)


@pytest.mark.django_db
def test_the_shipped_sets_hold_the_seeds_words_and_targets(db):
    assert set(IndicatorSet.objects.values_list("code", flat=True)) >= {"004", "000", "003"}
    i4 = Indicator.objects.get(indicator_set__code="004", code="4")
    assert i4.name.startswith("Доля педагогических работников в возрасте до 35 лет")
    assert (i4.numerator, i4.denominator) == ("young_in_support", "under_35")
    assert Target.objects.get(indicator=i4, period="").value == 60
    i7 = Indicator.objects.get(indicator_set__code="004", code="7")
    assert i7.denominator == "sites"
    assert Target.objects.get(indicator__indicator_set__code="000", indicator__code="5.3-1").value == 250
    assert Indicator.objects.get(indicator_set__code="000", code="5.3-1").direction == "le"
    assert Indicator.objects.filter(indicator_set__code="003").count() == 6


@pytest.mark.django_db
def test_an_indicator_of_measures_of_different_kinds_and_a_share_target_over_100_are_refused(db):
    s = IndicatorSet.objects.get(code="004")
    bad = Indicator(
        indicator_set=s, code="Х", name="Х", numerator="staff", denominator="organizations", levels=["region"]
    )
    with pytest.raises(ValidationError, match="меры разного рода"):
        bad.full_clean()
    with pytest.raises(ValidationError, match="Неизвестная мера"):
        Indicator(
            indicator_set=s, code="Х", name="Х", numerator="x" * 30, denominator="staff", levels=["region"]
        ).full_clean()
    share = Indicator.objects.get(indicator_set=s, code="1")
    with pytest.raises(ValidationError, match="от 0 до 100"):
        Target(indicator=share, period="2026", value=101).full_clean()
    with pytest.raises(ValidationError, match="отрицательным"):
        Target(indicator=share, period="2026", value=-1).full_clean()


def test_periods_refuse_reversed_and_over_ten_years():
    with pytest.raises(PeriodError, match="раньше, чем начинается"):
        between(datetime.date(2026, 5, 1), datetime.date(2026, 4, 1))
    with pytest.raises(PeriodError, match="длиннее 10 лет"):
        between(datetime.date(2016, 1, 1), datetime.date(2026, 1, 1))
    assert between(datetime.date(2016, 1, 1), datetime.date(2025, 12, 31)).end.year == 2025
    for code in ("2026-2028", "2026-H3", "1999", "x" * 5000, "a\x00b"):
        with pytest.raises(PeriodError):
            parse(code)
    assert parse("2026-H1").previous() == parse("2025-H2")
    assert parse("2025-2026").previous().code == "2024-2025"

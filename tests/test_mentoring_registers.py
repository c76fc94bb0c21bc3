"""The registers of mentors and of young specialists (docs/mentoring.md §3): who is listed (once, in the
organization of the main job on the date), the support forms and «нет сопровождения», the load and the results
of a mentor, filters, sorting, the date, scope, the XLSX with the page's rows, bad parameters, and a query count
that does not grow with the rows."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from profrost.accounts.roles import RoleCode
from profrost.mentoring import actions
from profrost.mentoring.models import MentorshipForm
from profrost.people.models import Employment, Position, QualificationCategory
from profrost.resources.models import Cohort, Community, Enrollment, Membership, Program
from profrost.routes.models import Route, RouteStatus
from profrost.support.models import AssetMember, Assignment, MemberStatus, Order
from tests.factories import make_person, make_user

TODAY = datetime.date.today()
YOUNG_URL = "/mentoring/young/"
MENTORS_URL = "/mentoring/mentors/"


def years_ago(years, day=TODAY):
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def young(org, name, **kw):
    kw.setdefault("birth_date", years_ago(26))
    kw.setdefault("pedagogical_start", years_ago(1))
    return make_person(org, last_name=name, first_name="Анна", middle_name="Петровна", **kw)


def pair(actor, mentor, mentee, start, closed_on=None):
    m = actions.create_mentorship(
        actor,
        form=MentorshipForm.TEACHER_TEACHER,
        mentors=[mentor],
        mentees=[mentee],
        start=start,
        notify_people=False,
    )
    if closed_on:
        actions.close_mentorship(actor, m, success=True, closed_on=closed_on)
    return m


def training(person, title, provider, status="completed"):
    program = Program.objects.create(title=title, hours=36, form="distance", provider=provider)
    cohort = Cohort.objects.create(
        program=program, start=years_ago(1), end=years_ago(1) + datetime.timedelta(days=30), capacity=20
    )
    return Enrollment.objects.create(cohort=cohort, person=person, status=status)


@pytest.fixture
def reg(world):
    w = world
    admin = w["users"]["region_admin"]
    school_a, school_a2, school_b, school_out = (
        w["schools"][0],
        w["schools"][1],
        w["schools"][2],
        w["schools"][7],
    )
    mentor = make_person(
        school_a,
        last_name="Наставникова",
        first_name="Ольга",
        middle_name="Ивановна",
        birth_date=datetime.date(1975, 1, 1),
        category=QualificationCategory.HIGHEST,
    )
    by_category = make_person(
        school_a2,
        last_name="Категорийная",
        first_name="Елена",
        birth_date=datetime.date(1970, 1, 1),
        category=QualificationCategory.MENTOR,
    )
    former = make_person(
        school_a, last_name="Бывшая", first_name="Нина", birth_date=datetime.date(1972, 1, 1)
    )
    past_mentee = make_person(
        school_a, last_name="Выросшая", first_name="Вера", birth_date=datetime.date(1990, 1, 1)
    )
    p = {
        "y1": young(school_a, "Первова"),
        "y2": young(school_a, "Второва"),
        "y3": young(school_a, "Третьякова"),
        "y4": young(school_b, "Четвертова"),
        "y5": young(school_out, "Пятова"),
        "two": young(school_out, "Двойнова"),
        "birthday35": young(school_a, "Юбилярова", birth_date=years_ago(35)),
        "exp3": young(school_a, "Трёхлеткова", pedagogical_start=years_ago(3)),
    }
    Employment.objects.create(
        person=p["two"], organization=school_a, position=Position.objects.get(name="учитель"), is_main=False
    )
    pair(admin, mentor, p["y1"], TODAY - datetime.timedelta(days=30))
    pair(admin, mentor, p["two"], TODAY - datetime.timedelta(days=20))
    pair(admin, former, past_mentee, years_ago(2), years_ago(1))
    Route.objects.create(
        person=past_mentee, start=years_ago(2), end=years_ago(1), status=RouteStatus.DONE, basis="тест"
    )
    Route.objects.create(
        person=p["y3"],
        start=TODAY,
        end=TODAY + datetime.timedelta(days=200),
        status=RouteStatus.DRAFT,
        basis="т",
    )
    community = Community.objects.create(name="Клуб молодых педагогов", kind="club", level="municipal")
    Membership.objects.create(community=community, person=p["y4"], since=years_ago(1))
    order = Order.objects.create(number="7", date=TODAY)
    methodologist = make_person(
        school_b, last_name="Методистова", first_name="Мария", birth_date=datetime.date(1980, 1, 1)
    )
    member = AssetMember.objects.create(
        person=methodologist, directions=["routes"], status=MemberStatus.APPROVED, order=order, start=TODAY
    )
    Assignment.objects.create(
        member=member, person=p["y5"], direction="routes", municipality=school_out.municipality, since=TODAY
    )
    training(mentor, "Наставничество в образовательной организации", w["center"])
    training(mentor, "Функциональная грамотность", w["center"])
    training(mentor, "Наставник молодого педагога", w["center"], status="studying")
    w.update(p=p, mentor=mentor, by_category=by_category, former=former, admin=admin)
    w.update(school_a=school_a, school_b=school_b, school_out=school_out)
    return w


def rows_of(response):
    """{person id: row html} of the register table."""
    html = response.content.decode()
    out = {}
    for chunk in html.split('<tr data-person="')[1:]:
        pk, rest = chunk.split('"', 1)
        out[int(pk)] = rest.split("</tr>", 1)[0]
    return out


@pytest.mark.django_db
def test_young_register_lists_each_young_specialist_once_with_their_support(reg, login):
    p = reg["p"]
    response = login(reg["admin"]).get(YOUNG_URL)
    assert response.status_code == 200
    rows = rows_of(response)
    # the 35th birthday today and exactly 3 years of experience today: no longer young specialists
    assert set(rows) == {p[k].pk for k in ("y1", "y2", "y3", "y4", "y5", "two")}
    assert "Найдено: 6" in response.content.decode()
    assert "Наставник: Наставникова О. И." in rows[p["y1"].pk]
    assert "нет сопровождения" not in rows[p["y1"].pk]
    assert "нет сопровождения" in rows[p["y2"].pk]
    # a draft route is shown, but is no support
    assert "ИОМ: черновик" in rows[p["y3"].pk] and "не считается сопровождением" in rows[p["y3"].pk]
    assert "нет сопровождения" in rows[p["y3"].pk]
    assert "Клуб молодых педагогов" in rows[p["y4"].pk]
    assert "Методист: Методистова М." in rows[p["y5"].pk]
    # two jobs: once, in the main job's organization
    assert reg["school_out"].name in rows[p["two"].pk] and reg["school_a"].name not in rows[p["two"].pk]
    assert "СНИЛС" in response.content.decode()


@pytest.mark.django_db
def test_young_register_filters_and_sorting(reg, login):
    p, client = reg["p"], login(reg["admin"])
    rows = rows_of(client.get(YOUNG_URL, {"unsupported": "1"}))
    assert set(rows) == {p["y2"].pk, p["y3"].pk}
    mun_a = reg["school_a"].municipality_id
    # the person with two jobs counts in the main job's municipality only
    rows = rows_of(client.get(YOUNG_URL, {"municipality": mun_a}))
    assert set(rows) == {p["y1"].pk, p["y2"].pk, p["y3"].pk}
    rows = rows_of(client.get(YOUNG_URL, {"organization": reg["school_out"].pk}))
    assert set(rows) == {p["y5"].pk, p["two"].pk}
    rows = rows_of(client.get(YOUNG_URL, {"q": "втор"}))
    assert set(rows) == {p["y2"].pk}
    html = client.get(YOUNG_URL, {"sort": "unsupported"}).content.decode()
    assert html.index("Второва") < html.index("Первова") and html.index("Третьякова") < html.index("Первова")
    html = client.get(YOUNG_URL, {"sort": "organization"}).content.decode()
    assert html.index("Пятова") > html.index("Первова")
    for sort in ("name", "organization", "age", "experience", "unsupported"):
        assert len(rows_of(client.get(YOUNG_URL, {"sort": sort}))) == 6, sort
    for sort in ("name", "organization", "experience", "load", "results"):
        assert len(rows_of(client.get(MENTORS_URL, {"sort": sort}))) == 3, sort


@pytest.mark.django_db
def test_young_register_on_an_earlier_date(reg, login):
    p, client = reg["p"], login(reg["admin"])
    day = TODAY - datetime.timedelta(days=60)  # before the pairs began; the 35th birthday still ahead
    response = client.get(YOUNG_URL, {"on": day.isoformat()})
    rows = rows_of(response)
    assert p["birthday35"].pk in rows and p["exp3"].pk in rows
    assert "нет сопровождения" in rows[p["y1"].pk]
    assert f"на {day:%d.%m.%Y}" in response.content.decode()


@pytest.mark.django_db
def test_registers_are_scoped(reg, login, client):
    p, users = reg["p"], reg["users"]
    # the municipal coordinator of A: A's young specialists, and the person whose second job is in A (shown in
    # the main job's organization); not B's
    rows = rows_of(login(users["municipal_coordinator_in"]).get(YOUNG_URL))
    assert set(rows) == {p["y1"].pk, p["y2"].pk, p["y3"].pk, p["two"].pk}
    rows = rows_of(login(users["school_coordinator_out"]).get(YOUNG_URL))
    assert set(rows) == {p["y5"].pk, p["two"].pk}
    rows = rows_of(login(users["school_coordinator_out"]).get(MENTORS_URL))
    assert rows == {}
    for name in ("teacher_in", "methodologist", "mentor", "expert"):
        assert login(users[name]).get(YOUNG_URL).status_code == 403
        assert login(users[name]).get(MENTORS_URL).status_code == 403
        assert login(users[name]).get(YOUNG_URL, {"format": "xlsx"}).status_code == 403
    client.logout()
    assert client.get(YOUNG_URL).status_code == 302


@pytest.mark.django_db
def test_empty_states_in_russian(reg, login):
    quiet = make_user("mc_quiet", RoleCode.MUNICIPAL_COORDINATOR, municipality=reg["municipalities"][2])
    client = login(quiet)
    html = client.get(YOUNG_URL).content.decode()
    assert "Молодых специалистов на" in html and "в вашей области нет" in html
    html = client.get(MENTORS_URL).content.decode()
    assert "Наставников на" in html and "в вашей области нет" in html
    html = login(reg["admin"]).get(YOUNG_URL, {"q": "Несуществующая"}).content.decode()
    assert "По выбранным условиям молодых специалистов не найдено" in html


def sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_young_register_xlsx_has_the_filtered_rows(reg, login):
    p = reg["p"]
    client = login(reg["users"]["municipal_coordinator_in"])
    table = sheet(client.get(YOUNG_URL, {"unsupported": "1", "format": "xlsx"}))
    assert table[0][:3] == ["СНИЛС", "ФИО", "Муниципалитет"]
    assert sorted(r[1] for r in table[1:]) == sorted([p["y2"].full_name, p["y3"].full_name])
    assert {r[0] for r in table[1:]} == {p["y2"].snils_display, p["y3"].snils_display}
    assert all(r[-1] == "нет сопровождения" for r in table[1:])
    table = sheet(client.get(YOUNG_URL, {"format": "xlsx"}))
    two = next(r for r in table[1:] if r[1] == p["two"].full_name)
    assert two[3] == reg["school_out"].name and two[8].startswith("Наставникова")


@pytest.mark.django_db
def test_mentor_register(reg, login):
    client = login(reg["admin"])
    response = client.get(MENTORS_URL)
    assert response.status_code == 200
    rows = rows_of(response)
    mentor, by_category, former = reg["mentor"], reg["by_category"], reg["former"]
    assert set(rows) == {mentor.pk, by_category.pk, former.pk}
    assert "2 из 3" in rows[mentor.pk]  # two active pairs
    assert (
        "завершено: 2" in rows[mentor.pk]
        and "«Наставничество в образовательной организации»" in rows[mentor.pk]
    )
    assert "Наставник молодого педагога" not in rows[mentor.pk]  # still studying
    assert "text-bg-success" in rows[by_category.pk] and "Педагог-наставник" in rows[by_category.pk]
    assert "0 из 3" in rows[by_category.pk]
    assert "пар успешно: 1, досрочно: 0" in rows[former.pk]
    assert "ИОМ завершён успешно у 1 из 1" in rows[former.pk]
    assert set(rows_of(client.get(MENTORS_URL, {"kind": "active"}))) == {mentor.pk}
    assert set(rows_of(client.get(MENTORS_URL, {"kind": "former"}))) == {former.pk}
    assert set(rows_of(client.get(MENTORS_URL, {"kind": "category"}))) == {by_category.pk}
    assert set(rows_of(client.get(MENTORS_URL, {"kind": "free"}))) == {mentor.pk, by_category.pk, former.pk}
    html = client.get(MENTORS_URL, {"sort": "load"}).content.decode()
    assert html.index("Наставникова") < html.index("Бывшая") and html.index("Наставникова") < html.index(
        "Категорийная"
    )
    html = client.get(MENTORS_URL, {"sort": "results"}).content.decode()
    assert html.index("Бывшая") < html.index("Наставникова")
    table = sheet(client.get(MENTORS_URL, {"kind": "active", "format": "xlsx"}))
    assert table[0][:2] == ["СНИЛС", "ФИО"]
    (row,) = table[1:]
    assert row[1] == mentor.full_name and row[9:11] == [2, 3]


@pytest.mark.django_db
def test_mentor_register_load_matches_the_actions_rule(reg):
    from profrost.mentoring.registers import mentors

    qs = mentors(reg["admin"], TODAY)
    loads = {p.pk: p.load for p in qs}
    expected = actions.active_mentee_counts(loads)
    assert {pk: n for pk, n in loads.items() if n} == expected


@pytest.mark.django_db
def test_bad_parameters_give_a_message_not_an_error(reg, login):
    client = login(reg["admin"])
    bad = [
        {"q": "\x00" * 10},
        {"q": "я" * 5000},
        {"municipality": "-1"},
        {"municipality": "abc"},
        {"organization": "9" * 40},
        {"on": "2026-13-40"},
        {"on": "0001-01-01"},
        {"sort": "nope"},
        {"kind": "\x00"},
        {"unsupported": "да"},
        {"page": "-5"},
        {"format": "exe"},
    ]
    for params in bad:
        for url in (YOUNG_URL, MENTORS_URL):
            response = client.get(url, params)
            assert response.status_code == 200, (url, params)
    html = client.get(YOUNG_URL, {"on": "2026-13-40"}).content.decode()
    assert "Неверное значение фильтра «Дата»" in html
    # a municipality or an organization outside the scope is refused: a message, the user's own list
    mc = login(reg["users"]["municipal_coordinator_in"])
    own = rows_of(mc.get(YOUNG_URL))
    for params in (
        {"municipality": reg["school_out"].municipality_id},
        {"organization": reg["school_out"].pk},
    ):
        response = mc.get(YOUNG_URL, params)
        assert rows_of(response) == own
        assert "вне вашей области" in response.content.decode()


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(reg, login):
    client = login(reg["admin"])
    client.get(YOUNG_URL)
    client.get(MENTORS_URL)
    with CaptureQueriesContext(connection) as before_young:
        client.get(YOUNG_URL)
    with CaptureQueriesContext(connection) as before_mentors:
        client.get(MENTORS_URL)
    for i in range(5):
        person = young(reg["school_b"], f"Добавочная{i}")
        if i < 2:
            pair(reg["admin"], reg["by_category"], person, TODAY)
    with CaptureQueriesContext(connection) as after_young:
        response = client.get(YOUNG_URL)
    assert len(rows_of(response)) == 11
    with CaptureQueriesContext(connection) as after_mentors:
        client.get(MENTORS_URL)
    assert len(after_young) == len(before_young)
    assert len(after_mentors) == len(before_mentors)


@pytest.mark.django_db
def test_the_date_conditions_are_person_with_facts_rule(world):
    """registers.young_q / under_age_q (date comparisons the planner can estimate) give the same people as
    Person.with_facts (PostgreSQL age()) at the boundaries: birthdays and starts on the day, a day either side, and
    29 February against 28 February / 1 March in leap and common years."""
    from profrost.mentoring.registers import add_years, under_age_q, young_q
    from profrost.people.models import Person

    days = [TODAY, datetime.date(2024, 2, 29), datetime.date(2025, 2, 28), datetime.date(2025, 3, 1)]
    births, starts = set(), set()
    for day in days:
        for shift in (-1, 0, 1):
            births.add(add_years(day, -35) + datetime.timedelta(days=shift))
            starts.add(add_years(day, -3) + datetime.timedelta(days=shift))
    births |= {datetime.date(1989, 2, 28), datetime.date(1990, 3, 1), datetime.date(1988, 2, 29)}
    starts |= {datetime.date(2021, 2, 28), datetime.date(2022, 3, 1), datetime.date(2020, 2, 29), None}
    for i, birth in enumerate(sorted(births)):
        for j, start in enumerate(sorted(starts, key=lambda d: d or datetime.date.min)):
            make_person(last_name=f"Граница{i}x{j}", birth_date=birth, pedagogical_start=start)
    for day in days:
        facts = Person.objects.with_facts(on=day)
        assert set(Person.objects.filter(young_q(day)).values_list("pk", flat=True)) == set(
            facts.filter(is_young_specialist=True).values_list("pk", flat=True)
        ), day
        assert set(Person.objects.filter(under_age_q(day)).values_list("pk", flat=True)) == set(
            facts.filter(age__lt=35).values_list("pk", flat=True)
        ), day

"""The monitoring counts of mentoring (docs/mentoring.md §10), each computed by hand on a small world with the
boundaries: the 35th birthday and exactly 3 years of experience on the period's last day, a job ending on that
day, a person with jobs in two municipalities, draft and cancelled routes, pairs closed before and inside the
period; 004_… 1.2.4 rows 4, 6, 7 and 000_… 5.3-2."""

import datetime

import pytest

from profrost.mentoring import actions, counts
from profrost.mentoring.models import MentoringProgram, MentorshipForm, ProgramStatus
from profrost.people.models import Employment, Position
from profrost.resources.models import Community, Membership
from profrost.routes.models import Route, RouteStatus
from profrost.structure.models import Organization, OrganizationStatus
from profrost.support.models import AssetMember, Assignment, MemberStatus, Order
from tests.factories import make_person

TODAY = datetime.date.today()
END = TODAY - datetime.timedelta(days=10)  # the period's last day
START = END - datetime.timedelta(days=180)


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def young(org, name, **kw):
    kw.setdefault("birth_date", years_before(END, 25))
    kw.setdefault("pedagogical_start", years_before(END, 1))
    return make_person(org, last_name=name, first_name="Анна", **kw)


def route(person, status, start=START, end=END + datetime.timedelta(days=100)):
    return Route.objects.create(person=person, start=start, end=end, status=status, basis="тест")


def pair(actor, mentor, mentee, start, closed_on=None, success=True, program=None):
    m = actions.create_mentorship(
        actor,
        form=MentorshipForm.TEACHER_TEACHER,
        mentors=[mentor],
        mentees=[mentee],
        start=start,
        program=program,
        notify_people=False,
    )
    if closed_on:
        actions.close_mentorship(
            actor, m, success=success, reason="" if success else "увольнение", closed_on=closed_on
        )
    return m


def program(organization=None, municipality=None, start=START - datetime.timedelta(days=200), status=None):
    return MentoringProgram.objects.create(
        organization=organization,
        municipality=municipality,
        title="Программа наставничества",
        start=start,
        end=END + datetime.timedelta(days=200),
        forms=[MentorshipForm.TEACHER_TEACHER, MentorshipForm.SCHOOL_SCHOOL],
        act_number="1",
        act_date=start,
        status=status or ProgramStatus.APPROVED,
    )


@pytest.fixture
def counted(world):
    w = world
    admin = w["users"]["region_admin"]
    mun_a, mun_b = w["municipalities"][0], w["municipalities"][1]
    a0, a1, b0, b1 = w["schools"][0], w["schools"][1], w["schools"][2], w["schools"][3]
    kindergarten = Organization.objects.create(
        region=w["region"], municipality=mun_a, name="МБДОУ № 1", kind="kindergarten"
    )
    Organization.objects.create(
        region=w["region"], municipality=mun_a, name="ММС", kind="methodological_service"
    )
    mentor = make_person(a0, last_name="Наставникова", birth_date=datetime.date(1975, 1, 1))
    mentor_b = make_person(b1, last_name="Наставников", birth_date=datetime.date(1970, 1, 1))
    p = {}
    # mun A, school A0
    p["pair"] = young(a0, "Парова")
    p["route"] = young(a0, "Маршрутова")
    p["draft"] = young(a0, "Черновикова")
    p["birthday35"] = young(a0, "Юбилярова", birth_date=years_before(END, 35))
    p["exp3"] = young(
        a0, "Трёхлеткова", birth_date=years_before(END, 30), pedagogical_start=years_before(END, 3)
    )
    p["older"] = young(
        a0, "Опытнова", birth_date=years_before(END, 30), pedagogical_start=years_before(END, 8)
    )
    p["job_ends"] = young(a0, "Уходова")
    Employment.objects.filter(person=p["job_ends"]).update(end=END)
    p["job_ended"] = young(a0, "Ушедшова")
    Employment.objects.filter(person=p["job_ended"]).update(end=END - datetime.timedelta(days=1))
    # mun A, school A1
    p["cancelled"] = young(a1, "Отменова")
    p["closed_before"] = young(a1, "Раннева")
    p["closed_inside"] = young(a1, "Поздняя")
    # mun B
    p["asset"] = young(b0, "Активова")
    p["community"] = young(b0, "Сообществова")
    p["two_jobs"] = young(b1, "Двойнова")
    Employment.objects.create(
        person=p["two_jobs"], organization=a0, position=Position.objects.get(name="учитель"), is_main=False
    )

    municipal_a = program(municipality=mun_a)
    program(organization=a0)
    program(organization=b0)  # B0: a program, but no pair in the period
    program(organization=b1, status=ProgramStatus.DRAFT)

    pair(admin, mentor, p["pair"], START - datetime.timedelta(days=30))
    pair(
        admin,
        mentor,
        p["closed_before"],
        START - datetime.timedelta(days=100),
        START - datetime.timedelta(days=1),
        program=municipal_a,
    )
    pair(
        admin,
        mentor,
        p["closed_inside"],
        START - datetime.timedelta(days=50),
        START + datetime.timedelta(days=10),
        False,
        program=municipal_a,
    )
    pair(admin, mentor_b, p["two_jobs"], START + datetime.timedelta(days=20))  # appointed by B1, no program
    route(p["route"], RouteStatus.APPROVED)
    route(p["draft"], RouteStatus.DRAFT)
    route(p["cancelled"], RouteStatus.CANCELLED)
    route(p["birthday35"], RouteStatus.IN_PROGRESS)
    route(p["exp3"], RouteStatus.DONE, end=START + datetime.timedelta(days=1))
    route(p["job_ended"], RouteStatus.IN_PROGRESS)
    order = Order.objects.create(number="5", date=START)
    member = AssetMember.objects.create(
        person=mentor, directions=["routes"], status=MemberStatus.APPROVED, order=order, start=START
    )
    Assignment.objects.create(
        member=member,
        person=p["asset"],
        direction="routes",
        municipality=mun_b,
        since=START - datetime.timedelta(days=90),
        until=START,
        active=False,
    )
    community = Community.objects.create(name="Клуб молодых педагогов", kind="club", level="municipal")
    Membership.objects.create(community=community, person=p["community"], since=END)

    # school–school: A1 mentored by B0 in the period; B1 by A0 in the period; A0 by A1 closed before the period
    ss = dict(form=MentorshipForm.SCHOOL_SCHOOL, notify_people=False)
    actions.create_mentorship(
        admin, organization=a1, mentor_organization=b0, start=START + datetime.timedelta(days=5), **ss
    )
    actions.create_mentorship(
        admin, organization=b1, mentor_organization=a0, start=START - datetime.timedelta(days=400), **ss
    )
    old = actions.create_mentorship(
        admin, organization=a0, mentor_organization=a1, start=START - datetime.timedelta(days=300), **ss
    )
    actions.close_mentorship(admin, old, success=True, closed_on=START - datetime.timedelta(days=1))
    site = dict(start=START - datetime.timedelta(days=365))
    OrganizationStatus.objects.create(organization=a0, kind="internship_site", **site)
    OrganizationStatus.objects.create(organization=kindergarten, kind="innovation_site", end=START, **site)
    OrganizationStatus.objects.create(organization=a1, kind="low_results", **site)
    OrganizationStatus.objects.create(
        organization=b0, kind="approbation_site", end=START - datetime.timedelta(days=1), **site
    )
    OrganizationStatus.objects.create(organization=b1, kind="innovation_site", start=END)
    return {
        "p": p,
        "others": w["municipalities"][2:],
        "mun_a": mun_a,
        "mun_b": mun_b,
        "a0": a0,
        "a1": a1,
        "b0": b0,
        "b1": b1,
        "kg": kindergarten,
    }


@pytest.mark.django_db
def test_row_4_young_in_support_over_all_under_35(counted):
    c = counted
    # A: under 35 on END — pair, route, draft, exp3, older, job_ends (A0); cancelled, closed_before,
    # closed_inside (A1) = 9 (the 35th birthday is not under 35, the job ended the day before is not counted,
    # two_jobs counts in B). Supported young: pair, route (A0), closed_inside (A1) = 3 — exp3's route is not a
    # young specialist's, draft / cancelled routes and the pair closed before the period are no support.
    # B: asset, community (B0), two_jobs (B1) = 3, all young and supported.
    by_municipality = counts.young_supported_of_under_35(START, END)
    assert by_municipality == {c["mun_a"].pk: (3, 9), c["mun_b"].pk: (3, 3)}
    assert counts.region_total(by_municipality) == (6, 12)
    assert counts.young_supported_of_under_35(START, END, municipality_id=c["mun_a"].pk) == (3, 9)
    assert counts.young_supported_of_under_35(START, END, organization_id=c["a0"].pk) == (2, 6)
    assert counts.young_supported_of_under_35(
        START, END, municipality_id=c["mun_a"].pk, by_organization=True
    ) == {
        c["a0"].pk: (2, 6),
        c["a1"].pk: (1, 3),
    }
    # a unit without anyone under 35: nothing to count
    assert counts.young_supported_of_under_35(START, END, organization_id=c["kg"].pk) == (0, 0)


@pytest.mark.django_db
def test_5_3_2_young_in_support_over_young_specialists(counted):
    c = counted
    # A: young on END — pair, route, draft, job_ends (A0), cancelled, closed_before, closed_inside (A1) = 7
    # (exp3 has exactly 3 years, older 8 — not young specialists).
    assert counts.young_supported_of_young(START, END) == {c["mun_a"].pk: (3, 7), c["mun_b"].pk: (3, 3)}
    assert counts.young_supported_of_young(START, END, organization_id=c["b1"].pk) == (1, 1)
    # the job held on the last day counts in its organization, the job ended the day before nowhere
    assert counts.young_supported_of_young(START, END, organization_id=c["a0"].pk) == (2, 4)


@pytest.mark.django_db
def test_the_population_is_taken_on_the_last_day(counted):
    c = counted
    # A period ending the day before: the 35th birthday is a day away (under 35 and young), exp3 has 2 years
    # (young), the job ended then is held; the community membership (since END) has not begun.
    end = END - datetime.timedelta(days=1)
    num, den = counts.young_supported_of_young(START, end, municipality_id=c["mun_a"].pk)
    # young: the 7 above + birthday35 + exp3 + job_ended = 10; supported: pair, route, closed_inside,
    # birthday35 (route in progress), exp3 (route completed, overlapping), job_ended (route) = 6
    assert (num, den) == (6, 10)
    assert counts.young_supported_of_young(START, end, municipality_id=c["mun_b"].pk) == (2, 3)


@pytest.mark.django_db
def test_row_6_organizations_implementing_the_model(counted):
    c = counted
    # A: educational A0 (own program, a pair in the period), A1 (no program of its own, a pair closed inside the
    # period under the municipality's program), the kindergarten (nothing) — 2 of 3; the methodological service
    # is not an educational organization. B: B0 (a program, no pair), B1 (a pair, its program a draft) — 0 of 2.
    result = counts.organizations_implementing(START, END)
    assert result[c["mun_a"].pk] == (2, 3)
    assert result[c["mun_b"].pk] == (0, 2)
    assert counts.organizations_implementing(START, END, organization_id=c["a1"].pk) == (1, 1)
    assert counts.organizations_implementing(START, END, organization_id=c["b0"].pk) == (0, 1)
    # the world's other municipalities: two schools each, no programs
    for municipality in c["others"]:
        assert result[municipality.pk] == (0, 2)
    # A1's pair under the municipal program closed inside the period: in a period after that, A1 drops out
    later = (START + datetime.timedelta(days=11), END)
    assert counts.organizations_implementing(*later, organization_id=c["a1"].pk) == (0, 1)


@pytest.mark.django_db
def test_row_7_school_school_over_sites(counted):
    c = counted
    # A: in school–school pairs in the period — A1 (mentee of B0), A0 (mentor of B1); A0's own pair closed before.
    # Sites in the period: A0 (internship), the kindergarten (innovation, ended on START) — A1's ШНОР status is
    # not a site. B: B0 (mentor), B1 (mentee); sites: B1 (innovation from END); B0's approbation ended before.
    result = counts.school_school_organizations(START, END)
    assert result[c["mun_a"].pk] == (2, 2)
    assert result[c["mun_b"].pk] == (2, 1)  # more than 100 %: the seed's denominator is the sites
    assert counts.school_school_organizations(START, END, organization_id=c["kg"].pk) == (0, 1)
    assert counts.school_school_organizations(START, END, municipality_id=c["mun_b"].pk) == (2, 1)


@pytest.mark.django_db
def test_a_reversed_period_is_refused(counted):
    with pytest.raises(ValueError):
        counts.young_supported_of_young(END, START)
    with pytest.raises(ValueError):
        counts.organizations_implementing(END, START)

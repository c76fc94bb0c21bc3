"""Issue 13, point 4 (explained matching of mentors), the propose part of point 8 (the command line): the rules of
the proposal with hand-built cases, its reasons, applying it on the page (and a stale row refused with its
message), the reviewer's scope, and `profrost mentoring propose`.

The world (tests/factories.build_world): 2 districts × 2 municipalities × 2 schools × 2 teachers; its teachers
have no category and no results, so they are never mentors here unless a test makes them one."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from openpyxl import load_workbook

from profrost.core.models import TaskProgress
from profrost.diagnostics.models import Campaign, Competence, CompetenceResult, Instrument, Result
from profrost.mentoring import proposals, tasks
from profrost.mentoring.models import (
    MemberRole,
    Mentorship,
    MentorshipForm,
    MentorshipMember,
    MentorshipStatus,
)
from profrost.people.models import Employment, Person, QualificationCategory, Subject
from profrost.structure.models import OrganizationStatus, OrganizationStatusKind
from tests.factories import make_person

TODAY = datetime.date.today()
TT, COMP, SS = MentorshipForm.TEACHER_TEACHER, MentorshipForm.COMPETENCE, MentorshipForm.SCHOOL_SCHOOL


def years_ago(years, days=0):
    try:
        day = TODAY.replace(year=TODAY.year - years)
    except ValueError:  # 29 February
        day = TODAY.replace(year=TODAY.year - years, day=28)
    return day - datetime.timedelta(days=days)


def teaches(person, *subjects):
    job = person.employments.get()
    job.subjects.set([Subject.objects.get(name=s) for s in subjects])
    return person


def young(school, name="Молодая", subjects=("математика",), years=1):
    """A young specialist: 25 years old, `years` full years of pedagogical work."""
    person = make_person(
        school,
        last_name=name,
        first_name="Юлия",
        birth_date=years_ago(25),
        pedagogical_start=years_ago(years, days=10),
    )
    return teaches(person, *subjects)


def mentor(school, name="Наставникова", subjects=("математика",), years=18, category="highest"):
    person = make_person(
        school,
        last_name=name,
        first_name="Ольга",
        birth_date=years_ago(45),
        pedagogical_start=years_ago(years),
        category=category,
        category_date=years_ago(1),
    )
    return teaches(person, *subjects)


def pair(mentor_person, mentee, form=TT, school=None):
    """An active pair written directly (the actions' own rules are tested elsewhere)."""
    organization = school or mentee.employments.get().organization
    m = Mentorship.objects.create(form=form, organization=organization, start=TODAY)
    MentorshipMember.objects.create(mentorship=m, person=mentor_person, role=MemberRole.MENTOR)
    MentorshipMember.objects.create(mentorship=m, person=mentee, role=MemberRole.MENTEE)
    return m


def filler(school, n, prefix="Занятый"):
    return [make_person(school, last_name=f"{prefix}{i}", first_name="Пётр") for i in range(n)]


def by_mentee(outcome, form=TT):
    return {p.mentee_id: p for p in outcome.proposals if p.form == form}


def missing(outcome, form=TT):
    return {
        u.person_id if u.person_id else u.organization_id: u.reason
        for u in outcome.unmatched
        if u.form == form
    }


# --- teacher — teacher -----------------------------------------------------------------------------------------


def test_the_reason_names_the_mentee_and_the_mentor(world):
    s = world["schools"]
    y = young(s[0])
    m = mentor(s[0])
    outcome = proposals.propose(forms=[TT])
    assert [(p.mentor_id, p.mentee_id, p.organization_id) for p in outcome.proposals] == [
        (m.pk, y.pk, s[0].pk)
    ]
    assert outcome.proposals[0].reason == (
        "молодой специалист, 1 год стажа; наставник: математика, высшая категория, 18 лет стажа, "
        "наставляемых: 1 из 3; та же организация"
    )
    assert outcome.young == 1 and outcome.unmatched == []


def test_the_cap_of_three_shared_by_the_pairs_in_force_and_the_run(world):
    s = world["schools"]
    m = mentor(s[0])
    busy = filler(s[0], 3)
    pairs = [pair(m, busy[0]), pair(m, busy[1])]
    first = young(s[0], "Первая")
    second = young(s[0], "Вторая")
    outcome = proposals.propose(forms=[TT])
    # 2 of 3 in force: exactly one more — the first by id (equally constrained); the second is told why.
    assert {p.mentee_id: p.mentor_id for p in outcome.proposals} == {first.pk: m.pk}
    assert "наставляемых: 3 из 3" in outcome.proposals[0].reason
    assert missing(outcome) == {
        second.pk: "молодой специалист, 1 год стажа — все подходящие наставники в муниципалитете уже ведут по 3 "
        "наставляемых (по предмету)"
    }
    # 3 of 3 in force: not proposed at all.
    pair(m, busy[2])
    assert proposals.propose(forms=[TT]).proposals == []
    # A closed pair frees a place.
    Mentorship.objects.filter(pk=pairs[0].pk).update(status=MentorshipStatus.DONE, closed_on=TODAY)
    assert len(proposals.propose(forms=[TT]).proposals) == 1


@override_settings(MENTORING_MENTEE_CAP=1)
def test_the_cap_is_a_setting(world):
    s = world["schools"]
    mentor(s[0])
    young(s[0], "Первая")
    young(s[0], "Вторая")
    outcome = proposals.propose(forms=[TT])
    assert len(outcome.proposals) == 1 and "наставляемых: 1 из 1" in outcome.proposals[0].reason


def test_the_subject_is_required_where_the_mentee_has_one(world):
    s = world["schools"]
    y = young(s[0])
    history = mentor(s[0], "Историкова", subjects=("история",))
    maths = mentor(s[1], "Математикова")  # another school of the same municipality
    outcome = proposals.propose(forms=[TT])
    assert by_mentee(outcome)[y.pk].mentor_id == maths.pk
    assert by_mentee(outcome)[y.pk].reason.endswith(f"; организация: {s[1]}")
    # Without the maths teacher nobody fits: the history teacher is not proposed.
    Employment.objects.filter(person=maths).delete()
    outcome = proposals.propose(forms=[TT])
    assert outcome.proposals == []
    assert missing(outcome) == {
        y.pk: "молодой специалист, 1 год стажа — нет наставника по предмету в муниципалитете"
    }
    # A young specialist without a subject (a psychologist) gets any qualified colleague.
    teaches(y)
    assert by_mentee(proposals.propose(forms=[TT]))[y.pk].mentor_id == history.pk


def test_own_organization_before_the_municipality(world):
    s = world["schools"]
    y = young(s[0])
    here = mentor(s[0], "Своя")
    pair(here, filler(s[0], 1)[0])  # 1 of 3: still before an empty mentor of another school
    mentor(s[1], "Соседняя")
    mentor(s[2], "Чужая")  # another municipality: never
    outcome = proposals.propose(forms=[TT])
    assert by_mentee(outcome)[y.pk].mentor_id == here.pk
    assert by_mentee(outcome)[y.pk].reason.endswith("наставляемых: 2 из 3; та же организация")


def test_experience_four_years_no_five_yes(world):
    s = world["schools"]
    y = young(s[0])
    m = mentor(s[1], years=4)
    outcome = proposals.propose(forms=[TT])
    assert missing(outcome) == {
        y.pk: "молодой специалист, 1 год стажа — нет наставника со стажем от 5 лет в муниципалитете (по предмету)"
    }
    m.pedagogical_start = years_ago(5)
    m.save()
    outcome = proposals.propose(forms=[TT])
    assert by_mentee(outcome)[y.pk].mentor_id == m.pk
    assert "высшая категория, 5 лет стажа" in by_mentee(outcome)[y.pk].reason


@pytest.mark.parametrize(
    "category,fits",
    [
        (QualificationCategory.NONE, False),
        (QualificationCategory.COMPLIANCE, False),
        (QualificationCategory.FIRST, True),
        (QualificationCategory.HIGHEST, True),
        (QualificationCategory.METHODOLOGIST, True),
        (QualificationCategory.MENTOR, True),
    ],
)
def test_the_category_rule(world, category, fits):
    s = world["schools"]
    y = young(s[0])
    m = mentor(s[0], category=category)
    outcome = proposals.propose(forms=[TT])
    if fits:
        assert by_mentee(outcome)[y.pk].mentor_id == m.pk
    else:
        assert missing(outcome) == {
            y.pk: "молодой специалист, 1 год стажа — нет наставника с первой или высшей категорией "
            "(педагога-наставника, педагога-методиста) со стажем от 5 лет в муниципалитете (по предмету)"
        }


def test_a_young_specialist_is_never_a_mentor_and_a_paired_mentee_is_skipped(world):
    s = world["schools"]
    y = young(s[0])
    # A young specialist with the highest category (an odd card): still not a mentor — two years of work.
    odd = young(s[0], "Молодая-высшая", years=2)
    Person.objects.filter(pk=odd.pk).update(category=QualificationCategory.HIGHEST)
    outcome = proposals.propose(forms=[TT])
    assert outcome.proposals == []
    assert missing(outcome) == {
        y.pk: "молодой специалист, 1 год стажа — нет наставника со стажем от 5 лет в муниципалитете (по предмету)",
        odd.pk: "молодой специалист, 2 года стажа — нет наставника со стажем от 5 лет в муниципалитете (по предмету)",
    }
    m = mentor(s[0])
    other = mentor(s[1], "Другая")
    pair(other, y)  # y already has an active teacher — teacher pair
    outcome = proposals.propose(forms=[TT])
    assert {p.mentee_id: p.mentor_id for p in outcome.proposals} == {odd.pk: m.pk}
    assert outcome.kept[TT] == 1


def test_the_category_reason_without_a_subject(world):
    s = world["schools"]
    # A young specialist without a subject in a municipality of the world's teachers only (17 years of work, no
    # category): the category rule is what misses.
    y = young(s[2], subjects=())
    assert missing(proposals.propose(forms=[TT])) == {
        y.pk: "молодой специалист, 1 год стажа — нет наставника с первой или высшей категорией "
        "(педагога-наставника, педагога-методиста) со стажем от 5 лет в муниципалитете"
    }


# --- competence ------------------------------------------------------------------------------------------------


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(instrument=Instrument.objects.create(name="ДПК"), name="ДПК-2025")


def scored(campaign, person, taken_on=TODAY, level="базовый", **percents):
    """A scored result with per-competence percents (code → percent; under 50 % is a deficit)."""
    result = Result.objects.create(
        campaign=campaign, person=person, status="scored", taken_on=taken_on, total_percent=60, level=level
    )
    for code, percent in percents.items():
        CompetenceResult.objects.create(
            result=result,
            competence=Competence.objects.get(code=code),
            percent=Decimal(str(percent)),
            is_deficit=Decimal(str(percent)) < 50,
        )
    return result


def test_the_competence_mentor_covers_most_then_organization_subject_load(world, campaign):
    s, t = world["schools"], world["teachers"]
    teacher = teaches(t[0], "математика")  # school 0
    scored(campaign, teacher, ПП1=30, ПП2=20, МТ1=40)
    one = teaches(t[1], "математика")  # school 0: covers ПП1 only
    scored(campaign, one, ПП1=99)
    two = t[2]  # school 1: covers ПП1 and ПП2
    scored(campaign, two, ПП1=90, ПП2=88.5)
    outcome = proposals.propose(forms=[COMP])
    got = by_mentee(outcome, COMP)
    assert got[teacher.pk].mentor_id == two.pk
    assert got[teacher.pk].competence_ids == [
        Competence.objects.get(code="ПП1").pk,
        Competence.objects.get(code="ПП2").pk,
    ]
    assert got[teacher.pk].reason == (
        f"дефициты МТ1, ПП1, ПП2; наставник: ПП1 — 90 %, ПП2 — 88,5 %; организация: {s[0 + 1]}; наставляемых: 1 из 3"
    )
    # An equal cover in the teacher's own school wins over another school's.
    same_school = make_person(s[0], last_name="Своя", first_name="Ада")
    scored(campaign, same_school, ПП1=86, ПП2=87)
    got = by_mentee(proposals.propose(forms=[COMP]), COMP)
    assert got[teacher.pk].mentor_id == same_school.pk
    assert got[teacher.pk].reason.endswith("; та же организация; наставляемых: 1 из 3")
    # Equal cover and school: the same subject wins; then the lower load.
    maths = teaches(make_person(s[0], last_name="Математик", first_name="Ада"), "математика")
    scored(campaign, maths, ПП1=86, ПП2=87)
    got = by_mentee(proposals.propose(forms=[COMP]), COMP)
    assert got[teacher.pk].mentor_id == maths.pk and "; математика;" in got[teacher.pk].reason
    teaches(same_school, "математика")
    pair(maths, filler(s[0], 1)[0], form=COMP)
    got = by_mentee(proposals.propose(forms=[COMP]), COMP)
    assert got[teacher.pk].mentor_id == same_school.pk


def test_the_threshold_84_99_no_85_yes_and_the_latest_result_in_the_competence(world, campaign):
    t = world["teachers"]
    scored(campaign, t[0], ПП1=30)
    strong = scored(campaign, t[1], ПП1=84.99)
    outcome = proposals.propose(forms=[COMP])
    assert missing(outcome, COMP) == {
        t[0].pk: "дефицит ПП1 — нет коллеги в муниципалитете с результатом от 85 % по этим компетенциям"
    }
    CompetenceResult.objects.filter(result=strong).update(percent=85)
    assert by_mentee(proposals.propose(forms=[COMP]), COMP)[t[0].pk].mentor_id == t[1].pk
    # A newer result without ПП1 leaves the 85 % standing; a newer one measuring ПП1 at 60 % replaces it.
    later = Campaign.objects.create(instrument=Instrument.objects.get(name="ДПК"), name="ДПК-2026")
    scored(later, t[1], taken_on=TODAY + datetime.timedelta(days=1), МТ1=70)
    assert by_mentee(proposals.propose(forms=[COMP]), COMP)[t[0].pk].mentor_id == t[1].pk
    third = Campaign.objects.create(instrument=Instrument.objects.get(name="ДПК"), name="ДПК-2027")
    scored(third, t[1], taken_on=TODAY + datetime.timedelta(days=2), ПП1=60)
    assert by_mentee(proposals.propose(forms=[COMP]), COMP) == {}


@override_settings(MENTORING_STRONG_PERCENT=95)
def test_the_threshold_is_a_setting(world, campaign):
    t = world["teachers"]
    scored(campaign, t[0], ПП1=30)
    scored(campaign, t[1], ПП1=94)
    assert "с результатом от 95 %" in missing(proposals.propose(forms=[COMP]), COMP)[t[0].pk]


def test_no_self_pairing_no_young_mentor_one_proposal_each_and_the_cap(world, campaign):
    s, t = world["schools"], world["teachers"]
    # An odd card: a deficit at 90 % (the instrument flags it) — the teacher is not their own mentor.
    result = scored(campaign, t[0], ПП1=90)
    CompetenceResult.objects.filter(result=result).update(is_deficit=True)
    # A young specialist strong in ПП1 is not a mentor either.
    scored(campaign, young(s[0]), ПП1=99)
    outcome = proposals.propose(forms=[COMP])
    assert by_mentee(outcome, COMP) == {}
    assert missing(outcome, COMP)[t[0].pk] == (
        "дефицит ПП1 — нет коллеги в муниципалитете с результатом от 85 % по этим компетенциям"
    )
    # One strong colleague at 2 of 3, four teachers in need: one more proposal, the rest told the cap.
    strong = t[1]
    scored(campaign, strong, ПП1=95, ПП2=95)
    pair(strong, filler(s[0], 1)[0], form=COMP)
    pair(strong, filler(s[0], 1, "Ещё")[0], form=TT)  # the cap counts every form
    for n in (2, 3):  # (ПП2 only: the odd card t[0] is strong in ПП1 for the others)
        scored(campaign, t[n], ПП2=10)
    outcome = proposals.propose(forms=[COMP])
    got = by_mentee(outcome, COMP)
    assert list(got) == [t[0].pk] and got[t[0].pk].mentor_id == strong.pk
    assert missing(outcome, COMP)[t[2].pk] == (
        "дефицит ПП2 — все коллеги в муниципалитете с результатом от 85 % по этим компетенциям уже ведут "
        "по 3 наставляемых"
    )
    # An active competence pair: no second one.
    pair(strong, t[0], form=COMP)
    outcome = proposals.propose(forms=[COMP])
    assert t[0].pk not in by_mentee(outcome, COMP) and outcome.kept[COMP] == 1


# --- school — school -------------------------------------------------------------------------------------------


def status(org, kind):
    return OrganizationStatus.objects.create(organization=org, kind=kind, start=years_ago(1))


def manager(org, level, name="Директорова"):
    person = make_person(org, position="руководитель организации", last_name=name, first_name="Вера")
    campaign, _ = Campaign.objects.get_or_create(
        name="Управленцы", defaults={"instrument": Instrument.objects.create(name="Управленцы")}
    )
    Result.objects.create(campaign=campaign, person=person, status="scored", taken_on=TODAY, level=level)
    return person


def test_school_school(world):
    s, m = world["schools"], world["municipalities"]
    status(s[0], OrganizationStatusKind.LOW_RESULTS)
    status(s[1], OrganizationStatusKind.INTERNSHIP_SITE)
    status(s[2], OrganizationStatusKind.LOW_RESULTS)  # municipality 1, same district as s[1]
    status(s[4], OrganizationStatusKind.LOW_RESULTS)  # district 2: its neighbours' management teams
    manager(s[5], "высокий", "Первая")
    manager(s[5], "базовый", "Вторая")
    manager(s[5], "низкий", "Третья")
    outcome = proposals.propose(forms=[SS])
    got = {p.organization_id: p for p in outcome.proposals}
    assert (got[s[0].pk].mentor_organization_id, got[s[2].pk].mentor_organization_id) == (s[1].pk, s[1].pk)
    assert got[s[0].pk].reason == (
        "школа с низкими образовательными результатами (ШНОР); организация-наставник: стажировочная площадка; "
        "тот же муниципалитет; наставляемых организаций: 1"
    )
    assert got[s[2].pk].reason.endswith("; тот же межмуниципальный округ; наставляемых организаций: 2")
    # 1 of 3 managers high: under half — nobody for s[4].
    assert missing(outcome, SS) == {
        s[4].pk: "школа с низкими образовательными результатами (ШНОР) — нет стажировочной или инновационной "
        "площадки и организации с высокими результатами управленческой команды в муниципалитете и округе"
    }
    Result.objects.filter(person__last_name="Вторая").update(level="повышенный")
    outcome = proposals.propose(forms=[SS], flagged_org_ids=[s[6].pk])
    got = {p.organization_id: p for p in outcome.proposals}
    assert got[s[4].pk].mentor_organization_id == s[5].pk
    assert (
        "высокие результаты управленческой команды: 2 из 3 руководителей на высоком или повышенном уровне (67 %)"
        in (got[s[4].pk].reason)
    )
    # Flagged by the monitoring (the hook): municipality 4, district 2 — s[5] of the district.
    assert got[s[6].pk].mentor_organization_id == s[5].pk
    assert got[s[6].pk].reason.startswith("отмечена мониторингом; ")
    # Already mentored (an active school — school pair): no proposal; a municipal coordinator sees their own.
    Mentorship.objects.create(form=SS, organization=s[0], mentor_organization=s[1], start=TODAY)
    outcome = proposals.propose(world["users"]["municipal_coordinator_in"], forms=[SS])
    assert outcome.proposals == [] and outcome.kept[SS] == 1
    assert m[0].pk == s[0].municipality_id


# --- the page --------------------------------------------------------------------------------------------------


def build(client, user, **data):
    client.force_login(user)
    response = client.post("/mentoring/proposals/", {"day": TODAY.isoformat(), **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    return TaskProgress.objects.filter(user=user, kind="mentoring_propose").latest("pk")


def test_apply_on_the_page_creates_pairs_and_refuses_a_stale_row(world, client, campaign):
    s, t = world["schools"], world["teachers"]
    coordinator = world["users"]["municipal_coordinator_in"]
    m = mentor(s[0])
    pair(m, filler(s[0], 1)[0])  # 1 of 3
    first, second = young(s[0], "Первая"), young(s[1], "Вторая")
    scored(campaign, t[0], ПП1=30)
    scored(campaign, t[1], ПП1=95)
    progress = build(client, coordinator)
    page = client.get(f"/mentoring/proposals/{progress.pk}/").content.decode()
    assert "Предложено: 3; без наставника: 0" in page
    assert first.full_name in page and second.full_name in page and "checked" in page
    assert m.snils not in page  # names and reasons only
    # Filters: by form, by organization; bad values are ignored with a message.
    page = client.get(f"/mentoring/proposals/{progress.pk}/?form=competence").content.decode()
    assert t[0].full_name in page and first.full_name not in page
    page = client.get(f"/mentoring/proposals/{progress.pk}/?organization={s[1].pk}").content.decode()
    assert second.full_name in page and first.full_name not in page
    page = client.get(f"/mentoring/proposals/{progress.pk}/?form=x&organization=-5&page=zz&view=\x00")
    assert page.status_code == 200 and "Неверное значение фильтра" in page.content.decode()
    # The download: the Russian headers.
    response = client.get(f"/mentoring/proposals/{progress.pk}/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Предложение"]
    assert [c.value for c in sheet[1]] == proposals.HEADERS and sheet.max_row == 4
    # Meanwhile the mentor got another mentee: 2 of 3 — the second proposal (3 of 3) becomes stale.
    pair(m, filler(s[0], 1, "Новый")[0])
    rows = tasks_rows(progress)
    picked = [i for i, r in enumerate(rows)]
    response = client.post(f"/mentoring/proposals/{progress.pk}/apply/", {"pick": [str(i) for i in picked]})
    applied = TaskProgress.objects.get(kind="mentoring_apply")
    assert response["Location"] == f"/mentoring/proposals/applied/{applied.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Назначено: 2; отказано: 1" in page
    stale = next(r for r in rows if r[2] == second.pk)
    assert stale[0] == TT
    assert f"У наставника {m.short_name} уже 3 наставляемых из 3 — предел достигнут" in page
    created = Mentorship.objects.filter(created_by=coordinator)
    assert created.count() == 2
    tt = created.get(form=TT)
    assert set(tt.members.values_list("person_id", "role")) == {(m.pk, "mentor"), (first.pk, "mentee")}
    assert tt.reason.startswith("молодой специалист, 1 год стажа; наставник: математика")
    comp = created.get(form=COMP)
    assert list(comp.competences.values_list("code", flat=True)) == ["ПП1"]
    assert comp.organization == s[0]
    # Applying again: every row refused with its message (already paired, cap), nothing new, no 500.
    response = client.post(f"/mentoring/proposals/{progress.pk}/apply/", {"all": "1"})
    page = client.get(response["Location"]).content.decode()
    assert "Назначено: 0; отказано: 3" in page and "уже в активной паре этой формы" in page
    assert Mentorship.objects.filter(created_by=coordinator).count() == 2


def tasks_rows(progress):
    return tasks.load(progress)["proposals"]


def test_scope_of_the_reviewer_and_forged_rows(world, client):
    s = world["schools"]
    school = world["users"]["school_coordinator_in"]  # school 0
    mine = young(s[0], "Моя")
    young(s[1], "Чужая")  # the same municipality, another school
    m = mentor(s[0])
    progress = build(client, school)
    rows = tasks_rows(progress)
    assert [(r[1], r[2]) for r in rows] == [(m.pk, mine.pk)]
    assert "Чужая" not in client.get(f"/mentoring/proposals/{progress.pk}/").content.decode()
    # Someone else's proposal: 404, to see and to apply.
    client.force_login(world["users"]["school_coordinator_out"])
    assert client.get(f"/mentoring/proposals/{progress.pk}/").status_code == 404
    assert client.post(f"/mentoring/proposals/{progress.pk}/apply/", {"all": "1"}).status_code == 404
    # Not a manager of mentoring: 403.
    client.force_login(world["users"]["teacher_in"])
    assert client.get("/mentoring/proposals/").status_code == 403
    # Garbage row numbers: nothing applied, a message, no 500.
    client.force_login(school)
    page = client.post(
        f"/mentoring/proposals/{progress.pk}/apply/",
        {"pick": ["99", "-1", "x", "1" * 50, "\x00"]},
        follow=True,
    )
    assert page.status_code == 200 and "Отметьте предложения" in page.content.decode()
    assert not Mentorship.objects.exists()
    # A hand-forged row (a person of another school) applied as this coordinator: refused, no pair.
    other = young(s[1], "Подделка")
    forged = [TT, m.pk, other.pk, s[1].pk, s[0].pk, [], "подделка"]
    result = proposals.apply(school, [forged, ["bad"], [TT, m.pk, m.pk, s[0].pk, s[0].pk, [], "сам себе"]])
    assert result["created"] == []
    assert dict(result["refused"]) == {
        0: f"Наставляемый вне вашей области: {other.short_name}",
        1: "Строка предложения повреждена",
        2: f"{m.short_name} не может быть наставником самому себе",
    }
    # A young specialist as a mentor, forged: refused by the actions' rule.
    other_young = young(s[0], "Ещё")
    result = proposals.apply(school, [[TT, other_young.pk, mine.pk, s[0].pk, s[0].pk, [], "молодой"]])
    assert "молодой специалист" in result["refused"][0][1]
    assert not Mentorship.objects.exists()
    # The start form: bad values give messages.
    page = client.post(
        "/mentoring/proposals/", {"day": "31.02.2025", "organization": "999999"}
    ).content.decode()
    assert "Неверная дата" in page and "Организация не найдена в вашей области" in page
    page = client.post("/mentoring/proposals/", {"day": "1800-01-01"}).content.decode()
    assert "Дата вне допустимого диапазона" in page


def test_the_start_page_and_the_unmatched_list(world, client):
    s = world["schools"]
    y = young(s[2], "Одинокая")
    progress = build(client, world["users"]["center_staff"], municipality=world["municipalities"][1].pk)
    page = client.get(f"/mentoring/proposals/{progress.pk}/?view=unmatched").content.decode()
    assert y.full_name in page and "нет наставника" in page
    page = client.get("/mentoring/proposals/").content.decode()
    assert f"/mentoring/proposals/{progress.pk}/" in page and "Подобрать наставников" in page


# --- the command line -------------------------------------------------------------------------------------------


def test_cli_propose_writes_the_sheets_and_applies(world, tmp_path, campaign):
    s, m = world["schools"], world["municipalities"]
    y = young(s[0])
    mt = mentor(s[0])
    lonely = young(s[2], "Одинокая")
    status(s[0], OrganizationStatusKind.LOW_RESULTS)
    status(s[1], OrganizationStatusKind.INNOVATION_SITE)
    out = tmp_path / "предложение.xlsx"
    stdout = io.StringIO()
    call_command(
        "mentoring", "propose", "--date", TODAY.strftime("%d.%m.%Y"), "--out", str(out), stdout=stdout
    )
    assert "Предложено: 2; без наставника: 1" in stdout.getvalue()
    book = load_workbook(out)
    rows = list(book["Предложение"].values)
    assert list(rows[0]) == [
        "Форма",
        "СНИЛС наставника",
        "СНИЛС наставляемого",
        "ИНН организации-наставника",
        "ИНН наставляемой организации",
        "Компетенция",
        "Причина",
    ]
    assert rows[1][:6] == (
        MentorshipForm.TEACHER_TEACHER.label,
        mt.snils_display,
        y.snils_display,
        None,
        None,
        None,
    )
    assert rows[2][:5] == (MentorshipForm.SCHOOL_SCHOOL.label, None, None, s[1].inn, s[0].inn)
    unmatched = list(book["Без наставника"].values)
    assert list(unmatched[0]) == ["СНИЛС", "Причина"]
    assert unmatched[1] == (
        lonely.snils_display,
        "молодой специалист, 1 год стажа — нет наставника по предмету в муниципалитете",
    )
    assert not Mentorship.objects.exists()
    # One municipality, applied as the center's staff member.
    stdout = io.StringIO()
    call_command(
        "mentoring",
        "propose",
        "--municipality",
        m[0].name.upper(),
        "--out",
        str(out),
        "--apply",
        "--as-user",
        "center_staff",
        stdout=stdout,
    )
    assert "Назначено: 2; отказано: 0" in stdout.getvalue()
    assert set(Mentorship.objects.values_list("form", "created_by__username")) == {
        (TT, "center_staff"),
        (SS, "center_staff"),
    }
    # Bad input: clear Russian messages, nothing written.
    with pytest.raises(CommandError, match="муниципалитет «Нигде» не найден"):
        call_command("mentoring", "propose", "--municipality", "Нигде", "--out", str(out))
    with pytest.raises(CommandError, match="неверная дата «32.13.2025»"):
        call_command("mentoring", "propose", "--date", "32.13.2025", "--out", str(out))
    with pytest.raises(CommandError, match="папка для файла не найдена"):
        call_command("mentoring", "propose", "--out", str(tmp_path / "нет" / "файл.xlsx"))
    with pytest.raises(CommandError, match="нужен активный сотрудник региона"):
        call_command("mentoring", "propose", "--out", str(out), "--apply", "--as-user", "sc_in")
    assert Mentorship.objects.count() == 2

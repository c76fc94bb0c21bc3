"""Mentoring's actions (docs/mentoring.md §2, §5, §7): the checks of a pair, the cap, the young-specialist rule
on the pair's start date, scope, the personal plan, and section 3 of both routes following the pair."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from profrost.accounts.roles import RoleCode
from profrost.mentoring import actions
from profrost.mentoring.actions import MentoringError
from profrost.mentoring.models import (
    MentorshipForm,
    MentorshipStatus,
    PlanTask,
    TaskMark,
)
from profrost.people.models import Person
from profrost.routes.actions import create_route
from profrost.routes.models import ItemStatus, RouteItem, Section
from profrost.structure.models import OrganizationKind
from tests.factories import make_person, make_user

TODAY = datetime.date.today()
START = TODAY - datetime.timedelta(days=30)


def years_ago(years, day=START, days=0):
    return day.replace(year=day.year - years) + datetime.timedelta(days=days)


@pytest.fixture
def pair_world(world):
    school = world["schools"][0]
    w = dict(world)
    w["school"] = school
    w["coordinator"] = world["users"]["school_coordinator_in"]
    w["mentor"] = make_person(
        school,
        last_name="Наставникова",
        first_name="Ольга",
        category="highest",
        pedagogical_start=datetime.date(2005, 9, 1),
        birth_date=datetime.date(1975, 1, 1),
    )
    w["young"] = make_person(
        school,
        last_name="Молодцова",
        first_name="Ирина",
        birth_date=years_ago(24),
        pedagogical_start=years_ago(1),
    )
    w["mentor_user"] = make_user("olga", RoleCode.TEACHER, person=w["mentor"])
    w["young_user"] = make_user("irina", RoleCode.TEACHER, person=w["young"])
    return w


def pair(w, mentor=None, mentee=None, actor=None, **kw):
    kw.setdefault("form", MentorshipForm.TEACHER_TEACHER)
    kw.setdefault("start", START)
    kw.setdefault("directions", "проектирование урока")
    return actions.create_mentorship(
        actor or w["coordinator"], mentors=[mentor or w["mentor"]], mentees=[mentee or w["young"]], **kw
    )


def route_for(person, actor):
    return create_route(person, actor, START, TODAY + datetime.timedelta(days=300), "по итогам собеседования")


def section3(person):
    return list(RouteItem.objects.filter(route__person=person, section=Section.MENTORING).order_by("pk"))


@pytest.mark.django_db
def test_a_pair_fills_section_3_of_both_routes_and_closing_updates_both(pair_world):
    w = pair_world
    route_for(w["young"], w["coordinator"])
    route_for(w["mentor"], w["coordinator"])
    m = pair(w)
    (mentee_item,) = section3(w["young"])
    (mentor_item,) = section3(w["mentor"])
    assert mentee_item.content == "Работа с наставником"
    assert "наставник: Наставникова О. " in mentee_item.form and "проектирование урока" in mentee_item.form
    assert mentor_item.content == "Работа в качестве наставника"
    assert "наставляемый: учитель, МБОУ СОШ № 111" in mentor_item.form
    assert mentee_item.status == mentor_item.status == ItemStatus.IN_PROGRESS
    # the mentor got the mentor role with the pair, and sees the mentee now
    w["mentor_user"].refresh_from_db()
    assert RoleCode.MENTOR in set(w["mentor_user"].roles.values_list("role", flat=True))
    mentor_user = type(w["mentor_user"]).objects.get(pk=w["mentor_user"].pk)
    assert Person.objects.visible_to(mentor_user).filter(pk=w["young"].pk).exists()

    actions.write_summary(w["young_user"], m, "Научилась строить урок по ФГОС.")
    actions.close_mentorship(w["coordinator"], m, success=True)
    mentee_item.refresh_from_db()
    mentor_item.refresh_from_db()
    assert mentee_item.status == mentor_item.status == ItemStatus.DONE
    assert mentee_item.note.startswith("Завершена успешно")
    assert mentee_item.report == "Научилась строить урок по ФГОС."
    # closed: the mentor no longer sees the mentee (a fresh user object: the scope is per request)
    mentor_user = type(w["mentor_user"]).objects.get(pk=w["mentor_user"].pk)
    assert not Person.objects.visible_to(mentor_user).filter(pk=w["young"].pk).exists()


@pytest.mark.django_db
def test_ending_early_needs_a_reason_and_marks_items_not_done(pair_world):
    w = pair_world
    route_for(w["young"], w["coordinator"])
    m = pair(w)
    with pytest.raises(MentoringError, match="причину досрочного"):
        actions.close_mentorship(w["coordinator"], m, success=False, reason="  ")
    actions.close_mentorship(w["coordinator"], m, success=False, reason="переезд наставляемой")
    m.refresh_from_db()
    assert m.status == MentorshipStatus.ENDED_EARLY and m.closed_on == TODAY
    (item,) = section3(w["young"])
    assert item.status == ItemStatus.NOT_DONE and "переезд наставляемой" in item.note
    with pytest.raises(MentoringError, match="уже завершена"):
        actions.close_mentorship(w["coordinator"], m, success=True)


@pytest.mark.django_db
def test_a_route_made_after_the_pair_gets_the_item_and_adopts_the_generators_line(pair_world):
    w = pair_world
    m = pair(w)
    assert section3(w["young"]) == []
    route = route_for(w["young"], w["coordinator"])
    (item,) = section3(w["young"])
    assert item.route == route and item.mentorship_link.mentorship == m
    # a route already holding the generator's unlinked line for a young specialist: that line is adopted
    other = make_person(
        w["school"], last_name="Новикова", birth_date=years_ago(23), pedagogical_start=years_ago(0)
    )
    r2 = route_for(other, w["coordinator"])
    line = RouteItem.objects.create(route=r2, section=Section.MENTORING, content="Работа с наставником")
    pair(w, mentee=other)
    assert [i.pk for i in section3(other)] == [line.pk]
    line.refresh_from_db()
    assert "Наставникова" in line.form


@pytest.mark.django_db
def test_nobody_mentors_themselves_and_a_mentee_is_in_one_active_pair_of_a_form(pair_world):
    w = pair_world
    with pytest.raises(MentoringError, match="не может быть наставником самому себе"):
        pair(w, mentor=w["mentor"], mentee=w["mentor"])
    pair(w)
    with pytest.raises(MentoringError, match="уже в активной паре этой формы"):
        pair(w)
    # another form is another pair
    other_mentor = make_person(
        w["school"], last_name="Петрова", category="first", pedagogical_start=years_ago(10)
    )
    m2 = pair(w, mentor=other_mentor, form=MentorshipForm.COMPETENCE)
    assert m2.status == MentorshipStatus.ACTIVE


@pytest.mark.django_db
@override_settings(MENTORING_MENTEE_CAP=3)
def test_the_cap_of_three_mentees_and_a_group_counting_as_one(pair_world):
    w = pair_world
    mentees = [
        make_person(
            w["school"], last_name=f"Юная{i}", birth_date=years_ago(25), pedagogical_start=years_ago(1)
        )
        for i in range(5)
    ]
    pair(w, mentee=mentees[0])
    pair(w, mentee=mentees[1])
    actions.create_mentorship(
        w["coordinator"], form=MentorshipForm.GROUP, mentors=[w["mentor"]], mentees=mentees[2:4], start=START
    )
    assert actions.active_mentee_counts([w["mentor"].pk]) == {w["mentor"].pk: 3}
    with pytest.raises(MentoringError, match=r"уже 3 наставляемых из 3 — предел достигнут"):
        pair(w, mentee=mentees[4])
    # a pair closed frees a place
    first = w["mentor"].mentorship_memberships.first().mentorship
    actions.close_mentorship(w["coordinator"], first, success=True)
    assert pair(w, mentee=mentees[4]).status == MentorshipStatus.ACTIVE


@pytest.mark.django_db
def test_a_young_specialist_cannot_mentor_on_the_pairs_start_date(pair_world):
    """Young = under 35 and under 3 full years of experience on the day (docs/mentoring.md §2): the 35th birthday
    and exactly 3 years both end it."""
    w = pair_world
    mentee = make_person(
        w["school"], last_name="Стажёрова", birth_date=years_ago(22), pedagogical_start=years_ago(0)
    )
    young_mentor = make_person(
        w["school"],
        last_name="Рано",
        birth_date=years_ago(35, days=1),
        pedagogical_start=years_ago(3, days=1),
    )
    with pytest.raises(MentoringError, match="молодой специалист"):
        pair(w, mentor=young_mentor, mentee=mentee)
    turned_35 = make_person(
        w["school"], last_name="Юбилярова", birth_date=years_ago(35), pedagogical_start=years_ago(1)
    )
    assert pair(w, mentor=turned_35, mentee=mentee).status == MentorshipStatus.ACTIVE
    three_years = make_person(
        w["school"], last_name="Трёхлеткова", birth_date=years_ago(30), pedagogical_start=years_ago(3)
    )
    mentee2 = make_person(
        w["school"], last_name="Вторая", birth_date=years_ago(22), pedagogical_start=years_ago(0)
    )
    assert pair(w, mentor=three_years, mentee=mentee2).status == MentorshipStatus.ACTIVE


@pytest.mark.django_db
def test_a_pair_outside_the_coordinators_scope_is_refused(pair_world):
    w = pair_world
    outsider = w["users"]["school_coordinator_out"]
    with pytest.raises(MentoringError, match="вне вашей области"):
        pair(w, actor=outsider)
    with pytest.raises(PermissionDenied):
        pair(w, actor=w["users"]["teacher_in"])
    assert not w["young"].mentorship_memberships.exists()


@pytest.mark.django_db
def test_school_school_mentoring_between_two_organizations(pair_world):
    w = pair_world
    mc = w["users"]["municipal_coordinator_in"]
    low, strong = w["schools"][0], w["schools"][1]
    m = actions.create_mentorship(
        mc, form=MentorshipForm.SCHOOL_SCHOOL, organization=low, mentor_organization=strong, start=START
    )
    assert m.members.count() == 0 and m.mentor_organization == strong
    with pytest.raises(MentoringError, match="уже есть активный ментор"):
        actions.create_mentorship(
            mc, form=MentorshipForm.SCHOOL_SCHOOL, organization=low, mentor_organization=strong, start=START
        )
    with pytest.raises(MentoringError, match="самой себе"):
        actions.create_mentorship(
            mc,
            form=MentorshipForm.SCHOOL_SCHOOL,
            organization=strong,
            mentor_organization=strong,
            start=START,
        )
    assert low.kind == OrganizationKind.SCHOOL


@pytest.mark.django_db
def test_the_personal_plan_each_side_marks_its_own(pair_world):
    w = pair_world
    m = pair(w, end=TODAY + datetime.timedelta(days=200))
    with pytest.raises(MentoringError, match="вне периода наставничества"):
        actions.save_task(
            w["mentor_user"], m, title="Открытый урок", due=TODAY + datetime.timedelta(days=400)
        )
    with pytest.raises(MentoringError, match="вне периода наставничества"):
        actions.save_task(w["mentor_user"], m, title="Открытый урок", due=START - datetime.timedelta(days=1))
    with pytest.raises(MentoringError, match="Укажите задача"):
        actions.save_task(w["mentor_user"], m, title="\x00 ", due=TODAY)
    with pytest.raises(PermissionDenied):
        actions.save_task(w["young_user"], m, title="Сама себе", due=TODAY)
    task = actions.save_task(
        w["mentor_user"], m, title="Открытый урок", due=TODAY, expected_result="конспект"
    )
    actions.mark_task(w["young_user"], task, mark=TaskMark.DONE, comment="провела 12.11")
    task.refresh_from_db()
    assert (task.mentee_mark, task.mentor_mark, task.is_done) == (TaskMark.DONE, TaskMark.PLANNED, False)
    actions.mark_task(w["mentor_user"], task, mark=TaskMark.DONE)
    task.refresh_from_db()
    assert task.is_done and task.mentee_comment == "провела 12.11"
    with pytest.raises(PermissionDenied):
        actions.mark_task(w["users"]["teacher_in"], task, mark=TaskMark.PLANNED)
    with pytest.raises(MentoringError, match="Неизвестная отметка"):
        actions.mark_task(w["young_user"], task, mark="x" * 5000)
    with pytest.raises(MentoringError, match="уже есть отметки"):
        actions.delete_task(w["mentor_user"], task)
    assert PlanTask.objects.filter(pk=task.pk).exists()


@pytest.mark.django_db
def test_the_route_generator_recommends_a_mentor_without_saying_it_is_obligatory(pair_world):
    from profrost.resources.matching import Catalog, people_facts
    from profrost.routes.generation import plan

    w = pair_world
    end = TODAY + datetime.timedelta(days=300)
    facts = people_facts([w["young"].pk], START)
    proposals, _ = plan([], facts[w["young"].pk], Catalog(START, end), START, end, young=True)
    (line,) = [p for p in proposals if p.section == Section.MENTORING]
    assert "обязательно" not in line.reason and "рекомендуется наставничество" in line.reason


@pytest.mark.django_db
def test_personal_data_exports_the_pairs_and_erasure_removes_the_persons_words(pair_world):
    from profrost.mentoring.models import MentorshipEvent
    from profrost.people.personal_data import PARTS

    w = pair_world
    m = pair(w)
    task = actions.save_task(w["mentor_user"], m, title="Открытый урок", due=TODAY)
    actions.mark_task(w["young_user"], task, mark=TaskMark.IN_PROGRESS, comment="готовлю конспект")
    actions.write_summary(w["young_user"], m, "Мне было трудно с дисциплиной.")
    part = PARTS["mentoring"]
    (row,) = part.export(w["young"])["наставничество"]
    assert row["роль"] == "Наставляемый" and row["участники"] == [w["mentor"].full_name]
    assert row["задачи"][0]["комментарий наставляемого"] == "готовлю конспект"
    part.erase(w["young"])
    m.refresh_from_db()
    task.refresh_from_db()
    assert m.reflection == "" and task.mentee_comment == "" and task.title == "Открытый урок"
    assert not MentorshipEvent.objects.filter(pgh_obj_id=m.pk).exists()


@pytest.mark.django_db
def test_a_school_coordinator_may_name_a_mentor_from_another_school_of_the_municipality_only(pair_world):
    """The proposal looks for mentors in the municipality (docs/mentoring.md §4); the school's coordinator does not
    see them, yet may appoint them — a mentor of another municipality stays refused."""
    w = pair_world
    neighbour = make_person(
        w["schools"][1], last_name="Соседова", category="highest", pedagogical_start=years_ago(12)
    )
    far = make_person(
        w["schools"][7], last_name="Далёкова", category="highest", pedagogical_start=years_ago(12)
    )
    assert not Person.objects.visible_to(w["coordinator"]).filter(pk=neighbour.pk).exists()
    assert pair(w, mentor=neighbour).status == MentorshipStatus.ACTIVE
    other = make_person(
        w["school"], last_name="Третья", birth_date=years_ago(23), pedagogical_start=years_ago(0)
    )
    with pytest.raises(MentoringError, match="Наставник вне вашей области: Далёкова"):
        pair(w, mentor=far, mentee=other)

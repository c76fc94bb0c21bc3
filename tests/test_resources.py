"""Resources: quota arithmetic, the waiting list, giving quota back, enrollment states, events, matching."""

import datetime
import threading

import pytest
from django.db import connection

from profrost.diagnostics.models import Competence
from profrost.resources import actions
from profrost.resources.actions import ResourceError
from profrost.resources.matching import Catalog, match_resources, person_facts
from profrost.resources.models import (
    Application,
    Cohort,
    Community,
    Enrollment,
    Event,
    Internship,
    Program,
    Quota,
)
from tests.factories import make_user

TODAY = datetime.date.today()
LATER = TODAY + datetime.timedelta(days=30)


def make_program(world, title="Формирующее оценивание", codes=("МТ1",), federal=False, hours=36, **extra):
    program = Program.objects.create(
        title=title,
        hours=hours,
        form="distance",
        provider=world["center"],
        in_federal_registry=federal,
        registry_number="ФР-1" if federal else "",
        **extra,
    )
    program.competences.set(Competence.objects.filter(code__in=codes))
    return program


def make_cohort(world, program=None, capacity=10, start=LATER, quotas=None):
    cohort = Cohort.objects.create(
        program=program or make_program(world),
        start=start,
        end=start + datetime.timedelta(days=14),
        capacity=capacity,
    )
    for municipality, places in (quotas or {}).items():
        Quota.objects.create(cohort=cohort, municipality=municipality, places=places)
    return cohort


def test_applications_within_quota_waiting_list_and_giving_back(world):
    mun = world["municipalities"][0]
    cohort = make_cohort(world, capacity=5, quotas={mun: 2})
    sc = world["users"]["school_coordinator_in"]
    school = world["schools"][0]
    t0, t1 = world["teachers"][0], world["teachers"][1]
    actions.apply(cohort, t0, school, sc)
    actions.apply(cohort, t1, school, sc)
    assert actions.quota_use(cohort, mun.pk) == (2, 2)
    # A third application over the quota: refused with the numbers, or put on the waiting list.
    other_school, t2 = world["schools"][1], world["teachers"][2]
    sc2 = make_user("sc2", "school_coordinator", organization=other_school)
    with pytest.raises(ResourceError, match="Квота исчерпана: занято 2 из 2 мест муниципалитета"):
        actions.apply(cohort, t2, other_school, sc2)
    waiting = actions.apply(cohort, t2, other_school, sc2, waitlist=True)
    assert waiting.status == "waiting"
    # The same teacher twice; a teacher of another school; a coordinator of another school.
    with pytest.raises(ResourceError, match="уже подана"):
        actions.apply(cohort, t0, school, sc)
    with pytest.raises(ResourceError, match="не работает"):
        actions.apply(cohort, t2, school, sc)
    with pytest.raises(ResourceError, match="своей организации"):
        actions.apply(cohort, world["teachers"][15], world["schools"][7], sc)
    # The school withdraws one: the waiting application takes the freed place.
    first = Application.objects.get(person=t0)
    actions.withdraw(first, sc)
    waiting.refresh_from_db()
    assert waiting.status == "submitted"
    assert actions.quota_use(cohort, mun.pk) == (2, 2)
    # The municipal coordinator gives one unused place back? Not while both are taken …
    mc = world["users"]["municipal_coordinator_in"]
    with pytest.raises(ResourceError, match="Занято уже 2 мест"):
        actions.set_quota(cohort, mun, 1, mc)
    # … and may not raise its own quota; the center may, within the cohort's capacity.
    with pytest.raises(ResourceError, match="Увеличить квоту муниципалитета может только центр"):
        actions.set_quota(cohort, mun, 3, mc)
    center = world["users"]["center_staff"]
    with pytest.raises(ResourceError, match="можно не более 5"):
        actions.set_quota(cohort, mun, 6, center)
    actions.set_quota(cohort, mun, 4, center)
    # After a rejection, the municipality gives its unused places back: 4 → 2.
    actions.reject(waiting, mc, "нет замены")
    actions.set_quota(cohort, mun, 1, mc)
    assert actions.quota_use(cohort, mun.pk) == (1, 1)
    # A coordinator of another municipality sees none of it.
    with pytest.raises(ResourceError, match="своего муниципалитета"):
        actions.confirm(Application.objects.get(person=t1), world["users"]["municipal_coordinator_out"])


def test_organization_split_and_enrollment_states(world):
    mun = world["municipalities"][0]
    cohort = make_cohort(world, capacity=2, quotas={mun: 2})
    mc = world["users"]["municipal_coordinator_in"]
    center = world["users"]["center_staff"]
    # The municipality reserves one of its two places for school 0.
    actions.set_quota(cohort, mun, 1, mc, organization=world["schools"][0])
    with pytest.raises(ResourceError, match="Квота муниципалитета — 2 мест, организациям уже распределено 1"):
        actions.set_quota(cohort, mun, 2, mc, organization=world["schools"][1])
    sc = world["users"]["school_coordinator_in"]
    application = actions.apply(cohort, world["teachers"][0], world["schools"][0], sc)
    with pytest.raises(ResourceError, match="1 из 1 мест организации"):
        actions.apply(cohort, world["teachers"][1], world["schools"][0], sc)
    # The center enrolls only confirmed applications.
    with pytest.raises(ResourceError, match="подтверждённую"):
        actions.enroll(application, center)
    actions.confirm(application, mc)
    with pytest.raises(ResourceError, match="Зачисляет центр"):
        actions.enroll(Application.objects.get(pk=application.pk), mc)
    enrollment = actions.enroll(Application.objects.get(pk=application.pk), center)
    assert Application.objects.get(pk=application.pk).status == "enrolled"
    # enrolled → completed skips «обучается»; completing needs the attestation and, passed, a certificate.
    with pytest.raises(ResourceError, match="нельзя перейти"):
        actions.move_enrollment(enrollment, center, "completed", passed=True)
    actions.move_enrollment(enrollment, center, "studying")
    with pytest.raises(ResourceError, match="результат итоговой аттестации"):
        actions.move_enrollment(enrollment, center, "completed")
    with pytest.raises(ResourceError, match="номер и дата удостоверения"):
        actions.move_enrollment(enrollment, center, "completed", passed=True)
    done = actions.move_enrollment(
        enrollment,
        center,
        "completed",
        passed=True,
        certificate_number="342400012345",
        certificate_date=TODAY,
    )
    assert (done.status, done.attestation_passed, done.certificate_number) == (
        "completed",
        True,
        "342400012345",
    )
    with pytest.raises(ResourceError, match="нельзя перейти"):
        actions.move_enrollment(done, center, "expelled")


def test_events_capacity_roles_and_attendance(world):
    event = Event.objects.create(
        title="Региональный семинар",
        kind="seminar",
        level="regional",
        organizer=world["center"],
        start=LATER,
        end=LATER,
        capacity=1,
    )
    teacher = world["teachers"][0]
    me = world["users"]["teacher_in"]
    with pytest.raises(ResourceError, match="тему выступления"):
        actions.register(event, teacher, me, role="speaker")
    actions.register(event, teacher, me, role="speaker", topic="Оценивание на уроке")
    with pytest.raises(ResourceError, match="уже зарегистрирован"):
        actions.register(event, teacher, me)
    with pytest.raises(ResourceError, match="Мест нет"):
        actions.register(event, world["teachers"][1], world["users"]["school_coordinator_in"])
    # Someone of another school cannot be registered by this school's coordinator.
    Event.objects.filter(pk=event.pk).update(capacity=None)
    with pytest.raises(ResourceError, match="своей организации"):
        actions.register(event, world["teachers"][15], world["users"]["school_coordinator_in"])
    center = world["users"]["center_staff"]
    with pytest.raises(ResourceError, match="не зарегистрирован"):
        actions.mark_attendance(event, world["teachers"][1], center)
    with pytest.raises(ResourceError, match="организатор"):
        actions.mark_attendance(event, teacher, world["users"]["school_coordinator_in"])
    participation = actions.mark_attendance(event, teacher, center, attended=True)
    assert (participation.attended, participation.role, participation.topic) == (
        True,
        "speaker",
        "Оценивание на уроке",
    )


def test_matching_ranks_and_explains_on_a_hand_built_catalog(world):
    mun, other = world["municipalities"][0], world["municipalities"][3]
    teacher = world["teachers"][0]  # school 0 in municipality 0, «учитель»
    deficits = {"МТ1", "МТ3", "ПП1"}
    start, end = TODAY, TODAY + datetime.timedelta(days=365)
    # A: regional program on МТ1 + МТ3 (two deficits), 3 places of quota in the teacher's municipality.
    a = make_cohort(world, make_program(world, "Программа А", ("МТ1", "МТ3")), capacity=20, quotas={mun: 3})
    # B: federal-registry program on МТ1 + МТ3 too: same coverage, federal → ranks above A.
    b = make_cohort(
        world,
        make_program(world, "Программа Б", ("МТ1", "МТ3"), federal=True, hours=72),
        capacity=20,
        quotas={mun: 12},
    )
    # C: federal program on МТ1 only: one deficit — below A and B despite the registry.
    make_cohort(
        world, make_program(world, "Программа В", ("МТ1",), federal=True), capacity=20, quotas={mun: 5}
    )
    # D: quota only for another municipality → not offered. E: full quota → not offered.
    make_cohort(world, make_program(world, "Программа Г", ("МТ1", "МТ3")), capacity=20, quotas={other: 5})
    make_cohort(world, make_program(world, "Программа Д", ("МТ1", "МТ3")), capacity=20, quotas={mun: 0})
    # F: a program for kindergarten teachers only → not offered to a school teacher.
    kinder = make_program(world, "Программа Е", ("МТ1", "МТ3"))
    from profrost.people.models import Position

    kinder.positions.set([Position.objects.get(name="воспитатель")])
    make_cohort(world, kinder, quotas={mun: 5})
    # G: a cohort outside the period → not offered.
    make_cohort(
        world,
        make_program(world, "Программа Ж", ("МТ1",)),
        start=end + datetime.timedelta(days=10),
        quotas={mun: 5},
    )
    # An event on ПП1 (regional), a municipal event of another municipality (not offered), an internship on
    # МТ3 + ПП1 (two deficits), a community on ПП1.
    seminar = Event.objects.create(
        title="Семинар",
        kind="seminar",
        level="regional",
        organizer=world["center"],
        start=LATER,
        end=LATER,
        capacity=30,
    )
    seminar.competences.set(Competence.objects.filter(code="ПП1"))
    elsewhere = Event.objects.create(
        title="Чужой семинар",
        kind="seminar",
        level="municipal",
        organizer=world["schools"][7],
        start=LATER,
        end=LATER,
    )
    elsewhere.competences.set(Competence.objects.filter(code="ПП1"))
    internship = Internship.objects.create(
        title="Стажировка",
        site=world["schools"][2],
        start=LATER,
        end=LATER + datetime.timedelta(days=5),
        capacity=4,
        hours=24,
    )
    internship.competences.set(Competence.objects.filter(code__in=["МТ3", "ПП1"]))
    club = Community.objects.create(name="Клуб молодых педагогов", kind="club", level="regional")
    club.competences.set(Competence.objects.filter(code="ПП1"))

    matches = match_resources(deficits, teacher, start, end)
    assert [m.resource.title for m in matches] == [
        "Программа Б",  # 2 deficits, federal
        "Программа А",  # 2 deficits, course
        "Стажировка",  # 2 deficits, internship
        "Программа В",  # 1 deficit, federal
        "Семинар",  # 1 deficit, event
        "Клуб молодых педагогов",  # 1 deficit, community
    ]
    assert (
        matches[0].explanation
        == f"развивает МТ1, МТ3; ФР ДПП; 72 ч; {b.start:%d.%m.%Y}–{b.end:%d.%m.%Y}; мест: 12"
    )
    assert matches[1].explanation.endswith("мест: 3") and "региональная программа" in matches[1].explanation
    assert matches[2].explanation.startswith("развивает МТ3, ПП1; стажировка; 24 ч")
    assert matches[5].explanation == "развивает ПП1; сообщество"
    # Taking A's places lowers what is offered: two applications → 1 left.
    sc = world["users"]["school_coordinator_in"]
    actions.apply(a, world["teachers"][1], world["schools"][0], sc)
    actions.apply(a, world["teachers"][0], world["schools"][0], sc)
    again = {m.resource.title: m.free for m in Catalog(start, end).match(deficits, person_facts(teacher))}
    assert again["Программа А"] == 1
    assert Enrollment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_taking_the_last_place_at_once():
    """Two school coordinators of one municipality apply at the same moment for the last place: one gets it,
    the other gets the quota message; nothing is overbooked."""
    from tests.factories import build_world

    world = build_world()
    from profrost.diagnostics.models import CompetenceGroup

    group = CompetenceGroup.objects.get_or_create(code="МТ", defaults={"name": "Методические"})[0]
    Competence.objects.get_or_create(code="МТ1", defaults={"name": "Урок", "group": group})
    mun = world["municipalities"][0]
    cohort = make_cohort(world, capacity=5, quotas={mun: 1})
    sc_a = world["users"]["school_coordinator_in"]
    sc_b = make_user("sc_b", "school_coordinator", organization=world["schools"][1])
    barrier = threading.Barrier(2)
    outcomes = []

    def apply(teacher, school, user):
        try:
            barrier.wait()
            actions.apply(cohort, teacher, school, user)
            outcomes.append("ok")
        except ResourceError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=apply, args=(world["teachers"][0], world["schools"][0], sc_a)),
        threading.Thread(target=apply, args=(world["teachers"][2], world["schools"][1], sc_b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1
    assert any("Квота исчерпана: занято 1 из 1" in o for o in outcomes)
    assert Application.objects.filter(cohort=cohort, status="submitted").count() == 1


def test_course_entry_diagnostic_invites_the_cohorts_listeners(world):
    from profrost.diagnostics import taking
    from profrost.diagnostics.models import Campaign, Instrument

    mun = world["municipalities"][0]
    cohort = make_cohort(world, capacity=5, quotas={mun: 3})
    sc, mc, center = (
        world["users"][k] for k in ("school_coordinator_in", "municipal_coordinator_in", "center_staff")
    )
    for teacher in world["teachers"][:2]:
        application = actions.apply(cohort, teacher, world["schools"][0], sc)
        actions.confirm(application, mc)
        actions.enroll(Application.objects.get(pk=application.pk), center)
    expelled = Enrollment.objects.get(person=world["teachers"][1])
    actions.move_enrollment(expelled, center, "expelled")
    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="Входная диагностика курса"),
        name="Вход",
        kind="course",
        cohort=cohort,
    )
    assert taking.invite_participants(campaign) == 1  # the expelled listener is not invited
    assert list(campaign.results.values_list("person_id", flat=True)) == [world["teachers"][0].pk]

"""Support activities (issue 12, points 3–6): the lesson visit's round trip (recorded → the teacher notified →
seen and acknowledged → a recommendation becomes a route item, once), refusals (a future date, a teacher outside
the visitor's scope by GET and POST, a route past its draft), who sees a protocol (a municipal coordinator: their
municipality only), consultations, the counts for the monitoring against hand-computed numbers (004_… row 11,
ШНОР, consultations), and the methodologist's workspace (planned vs done)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from profrost.accounts.models import User
from profrost.core.models import Notification
from profrost.diagnostics.models import Competence, CompetenceGroup
from profrost.routes.models import Route, RouteItem, RouteStatus
from profrost.structure.models import OrganizationStatus
from profrost.support import actions
from profrost.support.actions import SupportError
from profrost.support.models import (
    ActivityStatus,
    AssetMember,
    Consultation,
    ConsultationTeacher,
    LessonVisit,
    Order,
    VisitorKind,
    VisitRecommendation,
    consultations_count,
    low_results_support,
)
from tests.factories import make_user
from tests.test_support import ROUTES, approved_member, good_candidate

TODAY = datetime.date.today()
D = datetime.date
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def competences(db):
    group = CompetenceGroup.objects.create(code="ПВ", name="Группа для посещений", order=90)
    return [
        Competence.objects.create(group=group, code=f"ПВ.{i}", name=f"Компетенция посещения {i}", order=i)
        for i in range(1, 4)
    ]


@pytest.fixture
def metod(world):
    """An approved asset member with a login, serving municipality 1.1, with teacher 0 assigned."""
    person = good_candidate(world)
    login = make_user("metod", "teacher", person=person)
    member = approved_member(world, person=person)
    actions.assign(world["users"]["center_staff"], member, world["teachers"][0], direction=ROUTES)
    return {"user": User.objects.get(pk=login.pk), "member": member, "person": person}


def visit_post(teacher, competences, day=None, **extra):
    data = {
        "person": teacher.pk,
        "date": (day or TODAY).isoformat(),
        "grade": "7Б",
        "topic": "Линейные уравнения",
        "purpose": "Наблюдение за организацией групповой работы",
        "competence_0": competences[0].pk,
        "level_0": "partial",
        "comment_0": "Групповая работа без распределения ролей",
        "competence_1": competences[1].pk,
        "level_1": "stable",
        "strengths": "Чёткая постановка цели урока",
        "recommendations": "Распределять роли в группах\n\n  Использовать листы самооценки  \n",
    }
    data.update(extra)
    return data


def test_the_visit_round_trip(world, client, competences, metod):
    teacher = world["teachers"][0]
    teacher_user = world["users"]["teacher_in"]
    client.force_login(metod["user"])
    assert client.get(reverse("support:visit_record") + f"?person={teacher.pk}").status_code == 200
    response = client.post(reverse("support:visit_record"), visit_post(teacher, competences))
    visit = LessonVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/support/visits/{visit.pk}/"
    # Recorded as the asset member's, with the teacher's school and municipality taken from their job.
    assert (visit.visitor_kind, visit.member_id, visit.status) == (
        VisitorKind.ASSET,
        metod["member"].pk,
        "done",
    )
    assert (visit.organization, visit.municipality) == (world["schools"][0], world["municipalities"][0])
    assert not visit.low_results
    assert [(o.competence.code, o.level) for o in visit.observations.all()] == [
        ("ПВ.1", "partial"),
        ("ПВ.2", "stable"),
    ]
    assert [r.text for r in visit.recommendations.all()] == [
        "Распределять роли в группах",
        "Использовать листы самооценки",
    ]
    # The teacher is notified, with the protocol's address.
    note = Notification.objects.get(user=teacher_user)
    assert note.url == f"/support/visits/{visit.pk}/" and "Протокол посещения" in note.text

    # The teacher sees it on their page and on the protocol, and acknowledges it (once).
    client.force_login(teacher_user)
    page = client.get(reverse("support:my_support")).content.decode()
    assert f"/support/visits/{visit.pk}/" in page and "ждёт ознакомления" in page
    protocol = client.get(f"/support/visits/{visit.pk}/").content.decode()
    assert "Компетенция посещения 1" in protocol and "проявляется частично" in protocol
    assert "С протоколом ознакомлен" in protocol
    client.post(f"/support/visits/{visit.pk}/acknowledge/")
    visit.refresh_from_db()
    assert visit.acknowledged_at is not None
    again = client.post(f"/support/visits/{visit.pk}/acknowledge/", follow=True).content.decode()
    assert "Вы уже ознакомились с протоколом" in again
    # Someone else may not acknowledge it.
    with pytest.raises(SupportError, match="только педагог"):
        actions.acknowledge_visit(metod["user"], visit)

    # «В маршрут»: the first recommendation becomes an item of the teacher's draft route — once.
    route = Route.objects.create(person=teacher, start=TODAY, end=TODAY + datetime.timedelta(days=300))
    rec = visit.recommendations.first()
    client.force_login(metod["user"])
    client.post(f"/support/recommendations/{rec.pk}/to-route/", {"section": "2.2"})
    item = RouteItem.objects.get(route=route)
    assert (item.section, item.content) == ("2.2", "Распределять роли в группах")
    assert item.form == f"по итогам посещения урока {TODAY:%d.%m.%Y}"
    # Deficits: the competences the protocol found weak (частично), not the stable one.
    assert [c.code for c in item.deficits.all()] == ["ПВ.1"]
    rec.refresh_from_db()
    assert rec.route_item == item
    second = client.post(f"/support/recommendations/{rec.pk}/to-route/", {"section": "2.2"}, follow=True)
    assert "Эта рекомендация уже в маршруте педагога" in second.content.decode()
    assert RouteItem.objects.filter(route=route).count() == 1
    # The teacher was told of the new item too.
    assert (
        Notification.objects.filter(
            user=teacher_user, text__startswith="В ваш маршрут добавлен пункт"
        ).count()
        == 1
    )

    # An approved route is not changed: back to the draft first.
    Route.objects.filter(pk=route.pk).update(status=RouteStatus.APPROVED)
    other = visit.recommendations.last()
    refused = client.post(f"/support/recommendations/{other.pk}/to-route/", follow=True).content.decode()
    assert "Маршрут педагога утверждён — верните его в черновик, чтобы добавить пункт" in refused
    assert RouteItem.objects.filter(route=route).count() == 1
    # An unknown section is refused with a message, nothing added.
    Route.objects.filter(pk=route.pk).update(status=RouteStatus.DRAFT)
    bad = client.post(f"/support/recommendations/{other.pk}/to-route/", {"section": "9.9"}, follow=True)
    assert "Неизвестный раздел маршрута" in bad.content.decode()
    assert RouteItem.objects.filter(route=route).count() == 1


def test_no_route_the_teacher_drafts_one_by_hand_the_visitor_is_told(world, client, competences, metod):
    teacher = world["teachers"][0]
    visit = actions.record_visit(
        metod["user"],
        teacher,
        date=TODAY,
        observations=[(competences[0], "absent", "")],
        recommendations=["Посетить мастер-класс по формирующему оцениванию"],
    )
    rec = visit.recommendations.get()
    with pytest.raises(SupportError, match="нет действующего маршрута"):
        actions.recommendation_to_route(metod["user"], rec)
    assert not Route.objects.filter(person=teacher).exists()
    # The teacher may draft a hand-made route «по итогам посещения урока методистом» with it.
    item = actions.recommendation_to_route(world["users"]["teacher_in"], rec, section="1.3")
    route = item.route
    assert (route.origin, route.basis, route.status) == (
        "manual",
        "по итогам посещения урока методистом",
        "draft",
    )
    assert [c.code for c in route.deficits.all()] == ["ПВ.1"]
    assert (item.section, item.content) == ("1.3", "Посетить мастер-класс по формирующему оцениванию")


def test_a_future_date_and_other_bad_inputs_are_refused(world, client, competences, metod):
    teacher = world["teachers"][0]
    client.force_login(metod["user"])
    page = client.post(reverse("support:visit_record"), visit_post(teacher, competences, day=TOMORROW))
    assert page.status_code == 200 and "Дата посещения не может быть в будущем" in page.content.decode()
    # The form keeps what was typed.
    assert "Линейные уравнения" in page.content.decode()
    no_rows = visit_post(teacher, competences, level_0="", competence_0="", competence_1="", level_1="")
    page = client.post(reverse("support:visit_record"), no_rows).content.decode()
    assert "Отметьте в протоколе хотя бы одну наблюдавшуюся компетенцию" in page
    twice = visit_post(teacher, competences, competence_1=competences[0].pk)
    assert (
        "указана в протоколе дважды" in client.post(reverse("support:visit_record"), twice).content.decode()
    )
    level_only = visit_post(teacher, competences, competence_1="")
    page = client.post(reverse("support:visit_record"), level_only).content.decode()
    assert "Выберите компетенцию для указанного уровня" in page
    garbage = visit_post(teacher, competences, date="31.02.2025", level_0="nonsense", competence_0="x")
    assert client.post(reverse("support:visit_record"), garbage).status_code == 200
    assert not LessonVisit.objects.exists()
    with pytest.raises(SupportError, match="Дата консультации не может быть в будущем"):
        actions.record_consultation(metod["user"], [teacher], topic="Тема", date=TOMORROW)
    with pytest.raises(SupportError, match="Индивидуальная консультация — для одного педагога"):
        actions.record_consultation(
            metod["user"], [teacher, world["teachers"][1]], topic="Тема", date=TODAY, kind="individual"
        )
    assert not Consultation.objects.exists()


def test_a_teacher_outside_the_visitors_scope_is_refused(world, client, competences, metod):
    other = world["teachers"][2]  # municipality 1.1, the member's zone, but not assigned to them
    client.force_login(metod["user"])
    assert client.get(reverse("support:visit_record") + f"?person={other.pk}").status_code == 404
    assert client.get(reverse("support:consultation_record") + f"?person={other.pk}").status_code == 404
    page = client.post(reverse("support:visit_record"), visit_post(other, competences))
    assert page.status_code == 200
    assert "Педагог не найден среди закреплённых за вами" in page.content.decode()
    page = client.post(
        reverse("support:consultation_record"),
        {
            "teachers": [other.pk],
            "kind": "individual",
            "topic": "Тема",
            "date": TODAY.isoformat(),
            "format": "remote",
        },
    )
    assert "Педагог не найден среди закреплённых за вами" in page.content.decode()
    with pytest.raises(SupportError, match="не найден в вашей области доступа"):
        actions.record_visit(metod["user"], other, date=TODAY, observations=[(competences[0], "present", "")])
    assert not LessonVisit.objects.exists() and not Consultation.objects.exists()
    # A teacher, a school coordinator: no right to record at all.
    client.force_login(world["users"]["teacher_in"])
    assert client.get(reverse("support:visit_record")).status_code == 403
    client.force_login(world["users"]["school_coordinator_in"])
    assert (
        client.post(
            reverse("support:visit_record"), visit_post(world["teachers"][0], competences)
        ).status_code
        == 403
    )


def test_who_sees_a_protocol(world, client, competences, metod):
    """The visitor, the teacher, the center, the municipal coordinator of the teacher's municipality; a
    municipal coordinator's own visits count as the municipal service's, with ШНОР recorded from the school."""
    OrganizationStatus.objects.create(
        organization=world["schools"][7], kind="low_results", start=D(2024, 9, 1)
    )
    visit_a = actions.record_visit(
        metod["user"], world["teachers"][0], date=TODAY, observations=[(competences[0], "present", "")]
    )
    visit_b = actions.record_visit(
        world["users"]["municipal_coordinator_out"],
        world["teachers"][15],
        date=TODAY,
        observations=[(competences[1], "absent", "")],
    )
    assert (visit_b.visitor_kind, visit_b.member, visit_b.low_results) == (VisitorKind.MUNICIPAL, None, True)
    assert visit_b.municipality == world["municipalities"][3]
    u = world["users"]
    expected = {
        "center_staff": {visit_a.pk, visit_b.pk},
        "municipal_coordinator_in": {visit_a.pk},
        "municipal_coordinator_out": {visit_b.pk},
        "teacher_in": {visit_a.pk},
        "teacher_out": {visit_b.pk},
        "school_coordinator_in": set(),
        "methodologist": set(),
    }
    for persona, seen in expected.items():
        assert set(LessonVisit.objects.visible_to(u[persona]).values_list("pk", flat=True)) == seen, persona
        client.force_login(u[persona])
        for visit in (visit_a, visit_b):
            status = client.get(f"/support/visits/{visit.pk}/").status_code
            assert status == (200 if visit.pk in seen else 404), (persona, visit.pk)
    assert set(LessonVisit.objects.visible_to(metod["user"]).values_list("pk", flat=True)) == {visit_a.pk}
    # «В маршрут» on a visit one does not see: 404, nothing written.
    client.force_login(u["municipal_coordinator_in"])
    rec = VisitRecommendation.objects.create(visit=visit_b, text="Рекомендация Б")
    assert client.post(f"/support/recommendations/{rec.pk}/to-route/").status_code == 404
    assert client.post(f"/support/visits/{visit_b.pk}/acknowledge/").status_code == 404


def test_consultation_recorded_planned_and_carried_out(world, client, competences, metod):
    t0, t1 = world["teachers"][0], world["teachers"][1]
    actions.assign(world["users"]["center_staff"], metod["member"], t1, direction=ROUTES)
    client.force_login(metod["user"])
    response = client.post(
        reverse("support:consultation_record"),
        {
            "teachers": [t0.pk, t1.pk],
            "kind": "group",
            "topic": "Формирующее оценивание",
            "competences": [competences[2].pk],
            "date": TODAY.isoformat(),
            "duration": "45",
            "format": "remote",
        },
    )
    consultation = Consultation.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/support/consultations/{consultation.pk}/"
    )
    assert (consultation.kind, consultation.duration, consultation.format) == ("group", 45, "remote")
    assert set(consultation.teachers.values_list("pk", flat=True)) == {t0.pk, t1.pk}
    assert set(ConsultationTeacher.objects.values_list("organization", flat=True)) == {world["schools"][0].pk}
    # The teacher sees it on their page; a bad duration is a message.
    page = client.post(
        reverse("support:consultation_record"),
        {
            "teachers": [t0.pk],
            "kind": "individual",
            "topic": "Т",
            "date": TODAY.isoformat(),
            "duration": "9000",
            "format": "remote",
        },
    ).content.decode()
    assert "Продолжительность — от 1 до 600 минут" in page
    client.force_login(world["users"]["teacher_in"])
    assert "Формирующее оценивание" in client.get(reverse("support:my_support")).content.decode()
    assert client.get(f"/support/consultations/{consultation.pk}/").status_code == 200
    client.force_login(world["users"]["teacher_out"])
    assert client.get(f"/support/consultations/{consultation.pk}/").status_code == 404


# --- counts for the monitoring ------------------------------------------------------------------------------


MEMBER_SINCE = D(2024, 9, 1)


def _member(world, person, zone, start=MEMBER_SINCE, status="approved", end=None):
    order, _ = Order.objects.get_or_create(number="1-счёт", date=D(2024, 9, 1))
    m = AssetMember.objects.create(
        person=person,
        directions=[ROUTES],
        status=status,
        order=order,
        start=start,
        end=end,
        exclusion_reason="истёк срок" if status == "excluded" else "",
    )
    m.zone.set(zone)
    return m


def _visit(world, member, teacher_no, day, kind=VisitorKind.ASSET, status="done", low=False):
    t = world["teachers"][teacher_no]
    school = world["schools"][teacher_no // 2]
    return LessonVisit.objects.create(
        visitor=world["users"]["center_staff"],
        visitor_kind=kind,
        member=member,
        person=t,
        organization=school,
        municipality=school.municipality,
        low_results=low,
        status=status,
        date=day if status == "done" else None,
        planned_on=day if status == "planned" else None,
    )


def _consultation(world, teacher_nos, day, low=(), status="done"):
    c = Consultation.objects.create(
        visitor=world["users"]["center_staff"],
        visitor_kind=VisitorKind.CENTER,
        topic="Консультация для счёта",
        status=status,
        date=day if status == "done" else None,
        planned_on=day if status == "planned" else None,
    )
    for n in teacher_nos:
        school = world["schools"][n // 2]
        ConsultationTeacher.objects.create(
            consultation=c,
            person=world["teachers"][n],
            organization=school,
            municipality=school.municipality,
            low_results=n in low,
        )
    return c


def test_counts_visits_per_member_shnor_and_consultations(world):
    muns, t = world["municipalities"], world["teachers"]
    m1 = _member(world, t[4], [muns[0]])
    m2 = _member(world, t[5], [muns[0], muns[1]])
    _member(world, t[12], [muns[3]])  # serves 2.2, visits nothing
    m4 = _member(world, t[13], [muns[0]], status="excluded", end=D(2024, 12, 31))  # gone before the period
    start, end = D(2025, 1, 1), D(2025, 6, 30)
    _visit(world, m1, 0, D(2025, 1, 15), low=True)  # school 0 (ШНОР), municipality 1.1
    _visit(world, m1, 1, D(2025, 3, 1))
    _visit(world, m1, 2, D(2025, 6, 30))  # school 1, municipality 1.1; the period's last day counts
    _visit(world, m1, 0, D(2025, 7, 1))  # after the period
    _visit(world, m2, 4, D(2025, 2, 2))  # school 2, municipality 1.2
    _visit(world, m2, 5, D(2025, 2, 3), status="planned")  # planned, not done: not counted
    _visit(world, m4, 0, D(2024, 12, 1))  # before the period
    _visit(world, None, 3, D(2025, 4, 4), kind=VisitorKind.MUNICIPAL)  # the municipal service: not row 11

    # Region: 4 visits by members (m1: 3, m2: 1) / 3 members in the asset in the period (m1, m2, m3) = 1.3;
    # below 2 visits: m2 (1) and m3 (0).
    assert LessonVisit.objects.per_member(start, end) == {
        "visits": 4,
        "members": 3,
        "per_member": Decimal("1.3"),
        "members_below": 2,
    }
    # Municipality 1.1: m1's 3 visits / members serving it: m1, m2 = 1.5; m2 has no visit there.
    assert LessonVisit.objects.per_member(start, end, muns[0].pk) == {
        "visits": 3,
        "members": 2,
        "per_member": Decimal("1.5"),
        "members_below": 1,
    }
    # Municipality 2.2: m3 serves it, no visits.
    assert LessonVisit.objects.per_member(start, end, muns[3].pk) == {
        "visits": 0,
        "members": 1,
        "per_member": Decimal("0.0"),
        "members_below": 1,
    }
    # A municipality nobody serves: no members, no ratio.
    assert LessonVisit.objects.per_member(start, end, muns[2].pk)["per_member"] is None
    assert list(LessonVisit.objects.per_municipality(start, end)) == [
        {
            "municipality": muns[0].pk,
            "visits": 4,
            "asset_visits": 3,
            "municipal_visits": 1,
            "low_results_visits": 1,
        },
        {
            "municipality": muns[1].pk,
            "visits": 1,
            "asset_visits": 1,
            "municipal_visits": 0,
            "low_results_visits": 0,
        },
    ]

    # Consultations: c1 (teachers 0, 1 of the ШНОР school 0, and 2), c2 (teacher 2), c3 (teacher 15, 2.2);
    # a planned one and one before the period are not counted.
    c1 = _consultation(world, [0, 1, 2], D(2025, 3, 10), low=(0, 1))
    _consultation(world, [2], D(2025, 5, 5))
    _consultation(world, [15], D(2025, 1, 1))
    _consultation(world, [3], D(2025, 5, 6), status="planned")
    _consultation(world, [3], D(2024, 12, 31))
    assert consultations_count(start, end) == {"consultations": 3, "teachers": 4}
    assert consultations_count(start, end, muns[0].pk) == {"consultations": 2, "teachers": 3}
    assert consultations_count(start, end, muns[3].pk) == {"consultations": 1, "teachers": 1}
    assert consultations_count(start, end, visitor_kind=VisitorKind.ASSET) == {
        "consultations": 0,
        "teachers": 0,
    }
    assert list(Consultation.objects.per_municipality(start, end)) == [
        {"municipality": muns[0].pk, "consultations": 2, "teachers": 3, "low_results_consultations": 1},
        {"municipality": muns[3].pk, "consultations": 1, "teachers": 1, "low_results_consultations": 0},
    ]
    # ШНОР: 1 visit (teacher 0) + c1 (teachers 0, 1) → 1 school, 2 teachers.
    assert low_results_support(start, end) == {
        "visits": 1,
        "consultations": 1,
        "organizations": 1,
        "teachers": 2,
    }
    assert low_results_support(start, end, muns[1].pk) == {
        "visits": 0,
        "consultations": 0,
        "organizations": 0,
        "teachers": 0,
    }
    assert c1.status == ActivityStatus.DONE


# --- the methodologist's workspace ------------------------------------------------------------------------------


def test_the_workspace_plan_done_load_and_waiting_routes(world, client, competences, metod):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from profrost.diagnostics.models import Campaign, CompetenceResult, Instrument, Result
    from profrost.support.workspace import workspace

    t0, t1 = world["teachers"][0], world["teachers"][1]
    actions.assign(world["users"]["center_staff"], metod["member"], t1, direction=ROUTES)
    user = metod["user"]
    client.force_login(user)
    # Planned through the page: a visit to teacher 0 today, then one to teacher 1 carried out by the protocol.
    client.post(
        reverse("support:visit_record"),
        {"person": t0.pk, "planned": "on", "planned_on": TODAY.isoformat(), "purpose": "Плановое"},
    )
    plan = actions.plan_visit(user, t1, planned_on=TODAY)
    response = client.post(
        reverse("support:visit_record") + f"?plan={plan.pk}", visit_post(t1, competences, plan=plan.pk)
    )
    plan.refresh_from_db()
    assert response.status_code == 302 and plan.status == "done" and plan.planned_on == TODAY
    # An unplanned visit today; a plan of a past half-year (not counted).
    actions.record_visit(user, t0, date=TODAY, observations=[(competences[0], "present", "")])
    LessonVisit.objects.create(
        visitor=user,
        visitor_kind="asset",
        person=t0,
        organization=world["schools"][0],
        status="planned",
        planned_on=TODAY - datetime.timedelta(days=200),
    )
    assert LessonVisit.objects.filter(visitor=user).count() == 4
    actions.record_consultation(user, [t0], topic="Плановая", planned=True, planned_on=TODAY)
    actions.record_consultation(user, [t0], topic="Проведённая", date=TODAY)
    # Teacher 0's latest scored result has a deficit in ПВ.1; teacher 1 has a draft route I tutor with a
    # report waiting.
    result = Result.objects.create(
        campaign=Campaign.objects.create(
            instrument=Instrument.objects.create(name="И"), name="К", kind="regional"
        ),
        person=t0,
        status="scored",
        taken_on=TODAY,
    )
    CompetenceResult.objects.create(result=result, competence=competences[0], percent=40, is_deficit=True)
    CompetenceResult.objects.create(result=result, competence=competences[1], percent=90, is_deficit=False)
    route = Route.objects.create(person=t1, start=TODAY, end=TODAY + datetime.timedelta(days=300), tutor=user)
    RouteItem.objects.create(route=route, section="1.3", content="Отчёт", reported_at=route.created_at)
    RouteItem.objects.create(
        route=route, section="1.3", content="Принят", reported_at=route.created_at, accepted=True
    )

    with CaptureQueriesContext(connection) as queries:
        data = workspace(User.objects.get(pk=user.pk))
    assert len(queries) <= 10, [q["sql"][:120] for q in queries]
    assert data["visits_plan"] == {"planned": 2, "done": 2, "done_by_plan": 1, "overdue": 0}
    assert data["consultations_plan"] == {"planned": 1, "done": 1, "done_by_plan": 0, "overdue": 0}
    assert (data["load"], data["with_deficits"], data["without_route"]) == (2, 1, 1)
    rows = {a["person_id"]: a for a in data["rows"]}
    assert rows[t0.pk]["deficits"] == [("ПВ.1", "Компетенция посещения 1")]
    assert (rows[t0.pk]["last_visit"], rows[t0.pk]["last_consultation"]) == (TODAY, TODAY)
    assert (rows[t1.pk]["last_visit"], rows[t1.pk]["last_consultation"]) == (TODAY, None)
    assert (rows[t1.pk]["route_id"], rows[t1.pk]["route_status_label"]) == (route.pk, "черновик")
    assert (rows[t0.pk]["route_id"], rows[t0.pk]["route_status_label"]) == (None, "")
    assert [(r["pk"], r["waiting"], r["url"]) for r in data["waiting_routes"]] == [
        (route.pk, 1, f"/routes/{route.pk}/")
    ]
    page = client.get(reverse("support:my_teachers")).content.decode()
    assert "Закреплено: 2 из 250" in page
    assert (
        '<tr id="plan-visits"><th>Посещения уроков</th><td>2</td><td>2</td><td>1</td><td>0</td></tr>' in page
    )
    assert (
        "отчётов на проверке: 1" in page
        and f"?plan={LessonVisit.objects.filter(visitor=user, status='planned', planned_on=TODAY).get().pk}"
        in page
    )

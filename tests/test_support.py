"""The regional methodological asset (issue 12, first half): the criteria on their boundaries, approval by order
and exclusion with the methodologist role following, the load limit, the zone, an asset member's scope, the
nomination's scope, bad inputs, and the monitoring counts against hand-computed numbers."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from openpyxl import load_workbook

from profrost.accounts.models import Role, RoleCode, User
from profrost.core.models import Notification
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Campaign, Instrument, Result
from profrost.people.models import Employment, Person, Position, sees_sensitive
from profrost.resources.models import Cohort, Enrollment, Program
from profrost.structure.models import Organization
from profrost.support import actions
from profrost.support.actions import SupportError
from profrost.support.criteria import check_person, years_word
from profrost.support.models import (
    AssetMember,
    Assignment,
    Direction,
    MemberStatus,
    Order,
    teachers_per_member,
)
from tests.factories import make_person, make_user, valid_snils

TODAY = datetime.date.today()
D = datetime.date
ROUTES = Direction.ROUTES


def _by_code(criteria):
    return {c.code: c for c in criteria}


def good_candidate(world, school=None, **kw):
    """A teacher meeting every criterion: highest category (awarded after 01.09.2023: no expiry), higher
    pedagogical education, 15+ years, a teacher at a school, «повышенный» in a federal assessment, a completed
    course on methodological support."""
    school = school or world["schools"][0]
    fields = dict(
        last_name="Методистова",
        first_name="Ольга",
        middle_name="Ивановна",
        category="highest",
        category_date=D(2024, 1, 10),
        education="higher",
        has_higher_pedagogical=True,
        pedagogical_start=D(2008, 9, 1),
    )
    fields.update(kw)
    person = make_person(school, **fields)
    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="Методические компетенции"),
        name="Оценка ФИОКО 2024",
        kind="federal",
    )
    Result.objects.create(
        campaign=campaign,
        person=person,
        status="scored",
        level="повышенный",
        total_percent=78,
        taken_on=D(2024, 4, 12),
    )
    program = Program.objects.create(
        title="Организация методического сопровождения профессионального развития педагогов",
        hours=40,
        form="distance",
        provider=world["center"],
    )
    cohort = Cohort.objects.create(program=program, start=D(2022, 9, 12), end=D(2022, 10, 24), capacity=30)
    Enrollment.objects.create(
        cohort=cohort,
        person=person,
        status="completed",
        attestation_passed=True,
        certificate_number="123",
        certificate_date=D(2022, 10, 25),
    )
    return person


def nominate(world, person, zone=None, by="center_staff", directions=(ROUTES,)):
    return actions.nominate(
        world["users"][by],
        person,
        directions=list(directions),
        zone=zone or [world["municipalities"][0]],
    )


def approved_member(world, person=None, zone=None, number="12-од", date=None):
    member = nominate(world, person or good_candidate(world), zone=zone)
    actions.approve(
        world["users"]["center_staff"], [member.pk], order_number=number, order_date=date or TODAY
    )
    member.refresh_from_db()
    return member


# --- the criteria -----------------------------------------------------------------------------------------------


def test_a_candidate_meeting_every_criterion_with_its_evidence(world):
    person = good_candidate(world)
    criteria = _by_code(check_person(person, on=D(2025, 1, 15)))
    assert all(c.met for c in criteria.values()), [c for c in criteria.values() if not c.met]
    assert criteria["category"].evidence == "Высшая, присвоена 10.01.2024, бессрочно"
    assert criteria["education"].evidence == "Высшее педагогическое"
    assert criteria["experience"].evidence == "Стаж 16 лет (с 01.09.2008)"
    assert criteria["organization"].evidence == "учитель — МБОУ СОШ № 111 (школа)"
    assert criteria["assessment"].evidence == "«Оценка ФИОКО 2024»: повышенный (78 %), 12.04.2024"
    assert criteria["training"].evidence == (
        "«Организация методического сопровождения профессионального развития педагогов», "
        "12.09.2022–24.10.2022, удостоверение № 123 от 25.10.2022"
    )


def test_experience_exactly_five_years_passes_a_day_less_fails(world):
    person = good_candidate(world, pedagogical_start=D(2018, 9, 1))
    exactly = _by_code(check_person(person, on=D(2023, 9, 1)))["experience"]
    assert exactly.met and exactly.evidence == "Стаж 5 лет (с 01.09.2018)"
    day_less = _by_code(check_person(person, on=D(2023, 8, 31)))["experience"]
    assert not day_less.met
    assert day_less.evidence == "Стаж 4 года (с 01.09.2018) — меньше 5 лет"
    Person.objects.filter(pk=person.pk).update(pedagogical_start=None)
    person.refresh_from_db()
    missing = _by_code(check_person(person))["experience"]
    assert not missing.met and missing.evidence == "Дата начала педагогической деятельности не указана"
    assert [years_word(n) for n in (1, 2, 5, 11, 21, 22, 112)] == [
        "1 год",
        "2 года",
        "5 лет",
        "11 лет",
        "21 год",
        "22 года",
        "112 лет",
    ]


def test_category_expired_not_highest_and_the_categories_that_require_it(world):
    # Awarded before 01.09.2023: valid for five years, through 10.05.2023 as the card says.
    person = good_candidate(world, category_date=D(2018, 5, 10), category_expiry=D(2023, 5, 10))
    on_last_day = _by_code(check_person(person, on=D(2023, 5, 10)))["category"]
    assert on_last_day.met and on_last_day.evidence == "Высшая, присвоена 10.05.2018, действует до 10.05.2023"
    expired = _by_code(check_person(person, on=D(2023, 5, 11)))["category"]
    assert not expired.met
    assert expired.evidence == "Высшая, присвоена 10.05.2018: срок действия истёк 10.05.2023"
    # The expiry is derived when the card has none stored.
    Person.objects.filter(pk=person.pk).update(category_expiry=None)
    person.refresh_from_db()
    assert not _by_code(check_person(person, on=D(2023, 5, 11)))["category"].met
    Person.objects.filter(pk=person.pk).update(category="first")
    person.refresh_from_db()
    first = _by_code(check_person(person))["category"]
    assert not first.met and first.evidence == "Категория: первая"
    Person.objects.filter(pk=person.pk).update(category="methodologist", category_date=D(2024, 2, 1))
    person.refresh_from_db()
    assert (
        _by_code(check_person(person))["category"].evidence
        == "Педагог-методист, присвоена 01.02.2024, бессрочно"
    )


def test_no_higher_pedagogical_education(world):
    person = good_candidate(world, has_higher_pedagogical=False)
    criterion = _by_code(check_person(person))["education"]
    assert not criterion.met and criterion.evidence == "Высшее, не педагогическое"
    Person.objects.filter(pk=person.pk).update(education="secondary_vocational")
    person.refresh_from_db()
    assert _by_code(check_person(person))["education"].evidence == "Образование: среднее профессиональное"
    Person.objects.filter(pk=person.pk).update(education="")
    person.refresh_from_db()
    assert _by_code(check_person(person))["education"].evidence == "Образование не указано"


def test_organization_running_general_education_programs(world):
    at_center = good_candidate(world, school=world["center"])
    criterion = _by_code(check_person(at_center))["organization"]
    assert not criterion.met
    assert criterion.evidence == (
        "Текущие места работы не в школе или детском саду: учитель — "
        "Центр непрерывного повышения профессионального мастерства (цнппм)"
    )
    kindergarten = Organization.objects.create(
        region=world["region"], municipality=world["municipalities"][0], name="МБДОУ № 5", kind="kindergarten"
    )
    Employment.objects.create(
        person=at_center, organization=kindergarten, position=Position.objects.get(name="учитель")
    )
    assert _by_code(check_person(at_center))["organization"].met
    # A job that has ended does not count.
    Employment.objects.filter(person=at_center, organization=kindergarten).update(
        start=D(2015, 1, 1), end=TODAY - datetime.timedelta(days=1)
    )
    assert not _by_code(check_person(at_center))["organization"].met


def test_assessment_level_campaign_and_kind(world):
    person = good_candidate(world)
    Result.objects.filter(person=person).update(level="базовый", total_percent=55)
    criterion = _by_code(check_person(person))["assessment"]
    assert not criterion.met
    assert (
        criterion.evidence
        == "«Оценка ФИОКО 2024»: базовый (55 %), 12.04.2024 — ниже требуемого (высокий или повышенный)"
    )
    # A course's exit test is not an assessment of methodological competences.
    Result.objects.filter(person=person).update(level="высокий")
    Campaign.objects.filter(results__person=person).update(kind="course")
    assert _by_code(check_person(person))["assessment"].evidence == (
        "Нет оценённого результата диагностики на уровне высокий или повышенный"
    )
    Campaign.objects.filter(results__person=person).update(kind="federal")
    # The campaign named on the nomination: a result elsewhere does not count.
    other = Campaign.objects.create(instrument=Instrument.objects.first(), name="ФИОКО 2025", kind="federal")
    assert _by_code(check_person(person, campaign=other))["assessment"].evidence == (
        "Нет оценённого результата в «ФИОКО 2025»"
    )
    with override_settings(SUPPORT_ASSESSMENT_LEVELS=("высокий",)):
        assert _by_code(check_person(person))["assessment"].met
        Result.objects.filter(person=person).update(level="повышенный")
        assert not _by_code(check_person(person))["assessment"].met


def test_training_completed_and_passed(world):
    person = good_candidate(world)
    enrollment = Enrollment.objects.get(person=person)
    Enrollment.objects.filter(pk=enrollment.pk).update(attestation_passed=False)
    criterion = _by_code(check_person(person))["training"]
    assert not criterion.met
    assert criterion.evidence == "Нет завершённого обучения по программе методического сопровождения"
    Enrollment.objects.filter(pk=enrollment.pk).update(attestation_passed=None, status="studying")
    assert not _by_code(check_person(person))["training"].met
    Enrollment.objects.filter(pk=enrollment.pk).update(status="completed")
    assert _by_code(check_person(person))["training"].met
    other = Program.objects.create(title="Другая", hours=16, form="distance", provider=world["center"])
    assert _by_code(check_person(person, program=other))["training"].evidence == (
        "Нет завершённого обучения по программе «Другая»"
    )


# --- nomination, approval, exclusion ----------------------------------------------------------------------------


def test_approval_by_order_grants_the_role_and_exclusion_revokes_it(world):
    person = good_candidate(world)
    login = make_user("metodistova", "teacher", person=person)
    member = nominate(world, person, by="school_coordinator_in")
    assert (
        member.status == MemberStatus.NOMINATED
        and member.nominated_by == world["users"]["school_coordinator_in"]
    )
    assert not Role.objects.filter(user=login, role=RoleCode.METHODOLOGIST).exists()
    center = world["users"]["center_staff"]
    result = actions.approve(center, [member.pk], order_number=" 45-од ", order_date=D(2025, 9, 1))
    member.refresh_from_db()
    assert member.status == MemberStatus.APPROVED and member.start == D(2025, 9, 1)
    assert str(member.order) == "№ 45-од от 01.09.2025" and member.unmet_at_approval == []
    assert result["without_login"] == []
    assert Role.objects.filter(user=login, role=RoleCode.METHODOLOGIST, is_active=True).count() == 1
    assert Notification.objects.filter(
        user=login, text__contains="включены в региональный методический актив"
    ).exists()
    # A second approval of the same row is refused with its status.
    with pytest.raises(SupportError, match="Уже не кандидаты: Методистова Ольга Ивановна \\(утверждён\\)"):
        actions.approve(center, [member.pk], order_number="46", order_date=D(2025, 9, 2))

    teacher = world["teachers"][0]
    assignment = actions.assign(center, member, teacher, direction=ROUTES, since=D(2025, 9, 10))
    with pytest.raises(SupportError, match="^Укажите номер приказа об исключении$"):
        actions.exclude(center, member, reason="Переезд в другой регион")
    with pytest.raises(SupportError, match="^Укажите причину исключения$"):
        actions.exclude(center, member, reason="  ", order_number="50", order_date=D(2025, 10, 1))
    with pytest.raises(SupportError, match=r"раньше включения в актив \(01.09.2025\)"):
        actions.exclude(center, member, reason="x", order_number="50", order_date=D(2025, 8, 1))
    actions.exclude(
        center, member, reason="Переезд в другой регион", order_number="50", order_date=D(2025, 10, 1)
    )
    member.refresh_from_db()
    assignment.refresh_from_db()
    assert member.status == MemberStatus.EXCLUDED and member.end == D(2025, 10, 1)
    assert str(member.exclusion_order) == "№ 50 от 01.10.2025"
    assert (assignment.active, assignment.until) == (False, D(2025, 10, 1))
    assert not Role.objects.filter(user=login, role=RoleCode.METHODOLOGIST).exists()
    assert Role.objects.filter(user=login, role=RoleCode.TEACHER).exists()  # the other roles stay
    with pytest.raises(SupportError, match="уже исключена"):
        actions.exclude(center, member, reason="ещё раз", order_number="51", order_date=D(2025, 10, 2))
    # Excluded, the person may be nominated again: a new row, the old one stays in the register.
    again = nominate(world, person)
    assert again.pk != member.pk and AssetMember.objects.filter(person=person).count() == 2


def test_a_member_without_a_login_gets_the_role_when_one_is_created(world):
    member = approved_member(world)
    login = User.objects.create_user(username="later", password="x-Пароль-2024", person=member.person)
    assert Role.objects.filter(user=login, role=RoleCode.METHODOLOGIST).count() == 1
    login.last_name = "Позже"
    login.save()
    assert Role.objects.filter(user=login, role=RoleCode.METHODOLOGIST).count() == 1


def test_a_failing_candidate_is_approved_only_with_a_justification(world):
    weak = good_candidate(world, pedagogical_start=D(2022, 9, 1), has_higher_pedagogical=False)
    strong = good_candidate(world, last_name="Сильнова")
    weak_member, strong_member = nominate(world, weak), nominate(world, strong)
    center = world["users"]["center_staff"]
    with pytest.raises(SupportError) as refused:
        actions.approve(center, [weak_member.pk, strong_member.pk], order_number="7", order_date=TODAY)
    assert str(refused.value) == (
        "Не выполнены критерии — укажите обоснование включения или снимите отметку: "
        "Методистова О. И. (образование, стаж)"
    )
    assert set(refused.value.missing) == {weak_member.pk}
    # Nothing written: both still candidates, no order, no role.
    assert set(AssetMember.objects.values_list("status", flat=True)) == {MemberStatus.NOMINATED}
    assert not Order.objects.exists()
    actions.approve(
        center,
        [weak_member.pk, strong_member.pk],
        order_number="7",
        order_date=TODAY,
        justifications={
            weak_member.pk: "Руководитель районного методического объединения учителей математики"
        },
    )
    weak_member.refresh_from_db()
    assert weak_member.status == MemberStatus.APPROVED
    assert weak_member.justification.startswith("Руководитель районного")
    assert weak_member.unmet_at_approval == [
        "Высшее педагогическое образование",
        "Стаж педагогической работы не менее 5 лет",
    ]
    assert Order.objects.count() == 1 and AssetMember.objects.filter(order__number="7").count() == 2


def test_bad_order_inputs(world):
    member = nominate(world, good_candidate(world))
    center = world["users"]["center_staff"]
    for number, date, message in (
        ("", TODAY, "Укажите номер приказа"),
        ("   ", TODAY, "Укажите номер приказа"),
        ("12", None, "Укажите дату приказа"),
        ("12", TODAY + datetime.timedelta(days=1), "Дата приказа не может быть в будущем"),
        ("1" * 101, TODAY, "Номер приказа длиннее 100 символов"),
    ):
        with pytest.raises(SupportError, match=f"^{message}$"):
            actions.approve(center, [member.pk], order_number=number, order_date=date)
    with pytest.raises(SupportError, match="^Отметьте кандидатов, включаемых в приказ$"):
        actions.approve(center, [], order_number="1", order_date=TODAY)
    with pytest.raises(
        SupportError, match="^Срок включения в актив не может окончиться раньше даты приказа$"
    ):
        actions.approve(
            center, [member.pk], order_number="1", order_date=TODAY, end=TODAY - datetime.timedelta(1)
        )
    with pytest.raises(PermissionDenied):
        actions.approve(
            world["users"]["municipal_coordinator_in"], [member.pk], order_number="1", order_date=TODAY
        )
    member.refresh_from_db()
    assert member.status == MemberStatus.NOMINATED and not Order.objects.exists()


def test_approval_page_keeps_what_was_typed_and_says_what_is_wrong(world, client):
    weak = nominate(world, good_candidate(world, has_higher_pedagogical=False))
    client.force_login(world["users"]["center_staff"])
    page = client.get("/support/approve/").content.decode()
    assert "Высшее, не педагогическое" in page and f'name="justification-{weak.pk}"' in page
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        "/support/approve/",
        {
            "member": [weak.pk],
            "order_number": "9",
            "order_date": future,
            f"justification-{weak.pk}": "Эксперт ЕГЭ",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Дата приказа не может быть в будущем" in page
    assert "Эксперт ЕГЭ</textarea>" in page and f'value="{weak.pk}" id="member-{weak.pk}" checked' in page
    response = client.post(
        "/support/approve/", {"member": [weak.pk], "order_number": "9", "order_date": "31.02.2025"}
    )
    assert "Неверная дата" in response.content.decode()
    response = client.post(
        "/support/approve/",
        {"member": [weak.pk, "x\x00", "-1"], "order_number": "9", "order_date": TODAY.isoformat()},
    )
    page = response.content.decode()
    assert "Не выполнены критерии" in page and "Укажите обоснование включения</div>" in page
    weak.refresh_from_db()
    assert weak.status == MemberStatus.NOMINATED
    response = client.post(
        "/support/approve/",
        {
            "member": [weak.pk],
            "order_number": "9",
            "order_date": TODAY.isoformat(),
            f"justification-{weak.pk}": "Эксперт ЕГЭ",
        },
    )
    assert response.status_code == 302
    weak.refresh_from_db()
    assert weak.status == MemberStatus.APPROVED and weak.justification == "Эксперт ЕГЭ"


def test_a_coordinator_nominates_only_their_own_staff(world, client):
    inside = good_candidate(world)  # school 0: the school coordinator's «in»
    outside = good_candidate(world, school=world["schools"][7], last_name="Чужова")
    coordinator = world["users"]["school_coordinator_in"]
    with pytest.raises(SupportError, match="^Педагог с таким СНИЛС не найден в вашей области доступа$"):
        actions.nominate(coordinator, outside, directions=[ROUTES], zone=[world["municipalities"][3]])
    with pytest.raises(PermissionDenied):
        actions.nominate(
            world["users"]["teacher_in"], inside, directions=[ROUTES], zone=[world["municipalities"][0]]
        )
    client.force_login(coordinator)
    data = {"directions": [ROUTES], "zone": [world["municipalities"][0].pk], "engagement": "contract"}
    response = client.post("/support/nominate/", {**data, "person": outside.pk})
    assert response.status_code == 200
    assert "Педагог не найден среди работников вашей организации" in response.content.decode()
    assert not AssetMember.objects.exists()
    response = client.post("/support/nominate/", {**data, "person": inside.pk, "directions": []})
    assert "Выберите хотя бы одно направление работы" in response.content.decode()
    response = client.post("/support/nominate/", {**data, "person": inside.pk, "zone": []})
    assert "Укажите хотя бы один муниципалитет зоны" in response.content.decode()
    response = client.post("/support/nominate/", {**data, "person": inside.pk})
    member = AssetMember.objects.get(person=inside)
    assert response.status_code == 302 and response["Location"] == f"/support/{member.pk}/"
    # Twice: said so, not a server error.
    response = client.post("/support/nominate/", {**data, "person": inside.pk})
    assert "уже в реестре методического актива (статус: кандидат)" in response.content.decode()
    # The coordinator sees the candidate's criteria; a teacher may not open the register at all.
    page = client.get(f"/support/{member.pk}/").content.decode()
    assert "Критерии включения" in page and "Высшее педагогическое" in page
    client.force_login(world["users"]["teacher_out"])
    assert client.get("/support/").status_code == 403
    assert client.get(f"/support/{member.pk}/").status_code == 404  # not their row: as if it did not exist


# --- assignment: limit and zone -----------------------------------------------------------------------------------


def test_the_load_limit_at_250_and_251(world, client):
    member = approved_member(world)
    school = world["schools"][0]
    teachers = Person.objects.bulk_create(
        [
            Person(
                last_name=f"Нагрузка{i:03d}", first_name="Анна", birth_date=D(1990, 1, 1), snils=valid_snils()
            )
            for i in range(250)
        ]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                member=member, person=t, direction=ROUTES, municipality=school.municipality, since=TODAY
            )
            for t in teachers[:249]
        ]
    )
    Employment.objects.create(
        person=teachers[249], organization=school, position=Position.objects.get(name="учитель")
    )
    center = world["users"]["center_staff"]
    actions.assign(center, member, teachers[249], direction=ROUTES)  # the 250th: allowed
    extra = make_person(school, last_name="Лишняя")
    with pytest.raises(SupportError, match="^Закреплено 250 из 250 — назначение превысит лимит$"):
        actions.assign(center, member, extra, direction=ROUTES)
    assert Assignment.objects.filter(member=member, active=True).count() == 250
    client.force_login(center)
    page = client.post(
        f"/support/{member.pk}/assign/", {"person": extra.pk, "direction": ROUTES}
    ).content.decode()
    assert "Закреплено 250 из 250 — назначение превысит лимит" in page
    assert "Закреплённые педагоги: 250 из 250" in page
    assert not Assignment.objects.filter(person=extra).exists()
    # Ending one frees a place.
    first = Assignment.objects.get(member=member, person=teachers[0])
    response = client.post(f"/support/assignments/{first.pk}/end/")
    assert response.status_code == 302
    actions.assign(center, member, extra, direction=ROUTES)
    assert Assignment.objects.filter(member=member, active=True).count() == 250


@override_settings(SUPPORT_LOAD_LIMIT=2, SUPPORT_LOAD_WARNING=2)
def test_the_limit_is_a_setting_and_the_register_flags_the_load(world, client):
    member = approved_member(world)
    center = world["users"]["center_staff"]
    actions.assign(center, member, world["teachers"][0], direction=ROUTES)
    client.force_login(center)
    page = client.get("/support/").content.decode()
    assert "мало</span>" in page and "Лимит закрепления — 2 педагогов" in page
    actions.assign(center, member, world["teachers"][1], direction=ROUTES)
    with pytest.raises(SupportError, match="^Закреплено 2 из 2 — назначение превысит лимит$"):
        actions.assign(center, member, world["teachers"][2], direction=ROUTES)
    assert "лимит</span>" in client.get("/support/").content.decode()


def test_assignment_outside_the_zone_and_other_refusals(world):
    member = approved_member(world, zone=[world["municipalities"][0]])
    center = world["users"]["center_staff"]
    outside = world["teachers"][15]  # municipality 2.2
    with pytest.raises(SupportError) as refused:
        actions.assign(center, member, outside, direction=ROUTES)
    assert str(refused.value) == (
        "Учитель1111 Анна Петровна не работает в зоне методиста (Муниципалитет 1.1) — назначение вне зоны невозможно"
    )
    inside = world["teachers"][0]
    with pytest.raises(SupportError, match="Направление «Выявление профессиональных дефицитов» не входит"):
        actions.assign(center, member, inside, direction=Direction.DEFICITS)
    with pytest.raises(SupportError, match="^Дата закрепления не может быть в будущем$"):
        actions.assign(center, member, inside, direction=ROUTES, since=TODAY + datetime.timedelta(days=1))
    with pytest.raises(SupportError, match="^Нельзя закрепить методиста за самим собой$"):
        actions.assign(center, member, member.person, direction=ROUTES)
    with pytest.raises(PermissionDenied):
        actions.assign(world["users"]["municipal_coordinator_in"], member, inside, direction=ROUTES)
    actions.assign(center, member, inside, direction=ROUTES)
    with pytest.raises(SupportError, match="^Учитель0000 Анна Петровна уже закреплена за этим методистом$"):
        actions.assign(center, member, inside, direction=ROUTES)
    candidate = nominate(world, good_candidate(world, last_name="Кандидатова"))
    with pytest.raises(SupportError, match="только за утверждённым членом"):
        actions.assign(center, candidate, world["teachers"][1], direction=ROUTES)
    assert Assignment.objects.count() == 1


# --- scope ------------------------------------------------------------------------------------------------------


def test_an_asset_member_sees_the_assigned_teachers_and_nobody_else(world, client):
    person = good_candidate(world)
    login = make_user("metod", "teacher", person=person)
    member = approved_member(world, person=person)
    assigned, other = world["teachers"][0], world["teachers"][2]  # both in municipality 1.1
    actions.assign(world["users"]["center_staff"], member, assigned, direction=ROUTES)
    user = User.objects.get(pk=login.pk)
    assert scope_of(user).person_ids == {person.pk, assigned.pk}
    assert set(Person.objects.visible_to(user).values_list("pk", flat=True)) == {person.pk, assigned.pk}
    assert not sees_sensitive(user, assigned.pk) and sees_sensitive(user, person.pk)

    client.force_login(login)
    card = client.get(f"/people/{assigned.pk}/")
    page = card.content.decode()
    assert card.status_code == 200 and assigned.full_name in page
    assert assigned.snils not in page and assigned.snils_display not in page and "14.03.1985" not in page
    assert client.get(f"/people/{other.pk}/").status_code == 404
    # The search field POSTs its text: by SNILS the assigned teacher is found, the other one is not.
    found = client.post("/lookup/people/", {"q": assigned.snils}).json()["results"]
    assert [r["id"] for r in found] == [assigned.pk]
    assert client.post("/lookup/people/", {"q": other.snils}).json()["results"] == []
    # Their list of teachers; no page of the center's.
    page = client.get("/support/my-teachers/").content.decode()
    assert assigned.full_name in page and other.full_name not in page
    assert (
        client.post(f"/support/{member.pk}/assign/", {"person": other.pk, "direction": ROUTES}).status_code
        == 403
    )
    assert client.post("/support/nominate/", {"person": other.pk}).status_code == 403
    assert not Assignment.objects.filter(person=other).exists()

    # Unassigned (or excluded), the teacher leaves the scope.
    actions.unassign(world["users"]["center_staff"], Assignment.objects.get(person=assigned))
    assert client.get(f"/people/{assigned.pk}/").status_code == 404
    assert scope_of(User.objects.get(pk=login.pk)).person_ids == {person.pk}


def test_the_register_filters_search_and_export(world, client):
    m1 = approved_member(world, zone=[world["municipalities"][0]])
    second = nominate(
        world,
        good_candidate(world, school=world["schools"][2], last_name="Второва"),
        zone=[world["municipalities"][1]],
        directions=[Direction.DEFICITS],
    )
    client.force_login(world["users"]["center_staff"])

    def names(query):
        page = client.get(f"/support/?{query}").content.decode()
        return [n for n in ("Методистова", "Второва") if n in page]

    assert names("") == ["Методистова", "Второва"]
    assert names("q=втор") == ["Второва"]
    assert names(f"direction={Direction.DEFICITS}") == ["Второва"]
    assert names(f"municipality={world['municipalities'][0].pk}") == ["Методистова"]
    assert names("status=nominated") == ["Второва"]
    assert "Неверное значение фильтра «Статус»" in client.get("/support/?status=x").content.decode()
    response = client.get("/support/?status=approved&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("СНИЛС", "ФИО", "Направления")
    assert rows[1][1:3] == ("Методистова Ольга Ивановна", "Построение и сопровождение ИОМ")
    assert rows[1][9:12] == ("12-од", datetime.datetime.combine(TODAY, datetime.time()), 0) and len(rows) == 2
    # A municipal coordinator sees the members serving their municipality (and their own people), no SNILS.
    client.force_login(world["users"]["municipal_coordinator_out"])
    assert names("") == []
    AssetMember.zone.through.objects.create(
        assetmember_id=m1.pk, municipality_id=world["municipalities"][3].pk
    )
    assert names("") == ["Методистова"]
    page = client.get(f"/support/{m1.pk}/").content.decode()
    assert "Критерии включения" not in page  # the person is not theirs: no evidence about their card
    assert client.get(f"/support/{second.pk}/").status_code == 404
    sheet = load_workbook(io.BytesIO(b"".join(client.get("/support/?format=xlsx").streaming_content))).active
    assert list(sheet.values)[0][0] == "ФИО"


# --- counts for the monitoring (004_… row 10) -------------------------------------------------------------------


def test_teachers_per_member_by_municipality_and_period(world):
    """Hand-computed: members A (zone m1, m2), B (m1), C (m2, excluded 01.03.2024), D (a candidate, not counted);
    assignments A–t1 m1 from 01.02 open, A–t2 m2 01.02–31.05, A–t3 m1 from 01.07 open, B–t1 m1 from 01.02 open,
    B–t4 m1 01.02–15.02, C–t5 m2 01.02–01.03.

    First half of 2024: teachers t1, t2, t4, t5 = 4; members A, B, C = 3 → 1.3. m1: t1, t4 = 2 over A, B → 1.0;
    m2: t2, t5 = 2 over A, C → 1.0. Second half: t1, t3 = 2 over A, B → 1.0; m2: none over A → 0.0."""
    m1, m2 = world["municipalities"][0], world["municipalities"][1]
    order = Order.objects.create(number="1", date=D(2024, 1, 10))
    t = world["teachers"]

    def member(person, zone, **kw):
        row = AssetMember.objects.create(person=person, directions=[ROUTES], **kw)
        row.zone.set(zone)
        return row

    a = member(t[8], [m1, m2], status="approved", order=order, start=D(2024, 1, 10))
    b = member(t[9], [m1], status="approved", order=order, start=D(2024, 1, 10))
    c = member(
        t[10],
        [m2],
        status="excluded",
        order=order,
        start=D(2024, 1, 10),
        end=D(2024, 3, 1),
        exclusion_reason="x",
    )
    member(t[11], [m1, m2])

    def assign(m, teacher, municipality, since, until=None):
        Assignment.objects.create(
            member=m,
            person=teacher,
            direction=ROUTES,
            municipality=municipality,
            since=since,
            until=until,
            active=until is None,
        )

    t1, t2, t3, t4, t5 = t[0], t[1], t[2], t[3], t[4]
    assign(a, t1, m1, D(2024, 2, 1))
    assign(a, t2, m2, D(2024, 2, 1), D(2024, 5, 31))
    assign(a, t3, m1, D(2024, 7, 1))
    assign(b, t1, m1, D(2024, 2, 1))
    assign(b, t4, m1, D(2024, 2, 1), D(2024, 2, 15))
    assign(c, t5, m2, D(2024, 2, 1), D(2024, 3, 1))
    h1, h2 = (D(2024, 1, 1), D(2024, 6, 30)), (D(2024, 7, 1), D(2024, 12, 31))

    assert teachers_per_member(*h1) == {"teachers": 4, "members": 3, "per_member": Decimal("1.3")}
    assert teachers_per_member(*h1, municipality_id=m1.pk) == {
        "teachers": 2,
        "members": 2,
        "per_member": Decimal("1.0"),
    }
    assert teachers_per_member(*h1, municipality_id=m2.pk) == {
        "teachers": 2,
        "members": 2,
        "per_member": Decimal("1.0"),
    }
    assert teachers_per_member(*h2) == {"teachers": 2, "members": 2, "per_member": Decimal("1.0")}
    assert teachers_per_member(*h2, municipality_id=m2.pk) == {
        "teachers": 0,
        "members": 1,
        "per_member": Decimal("0.0"),
    }
    assert teachers_per_member(D(2023, 1, 1), D(2023, 12, 31)) == {
        "teachers": 0,
        "members": 0,
        "per_member": None,
    }

    counts = dict(AssetMember.objects.with_teacher_counts(*h1).values_list("pk", "teachers"))
    assert (counts[a.pk], counts[b.pk], counts[c.pk]) == (2, 2, 1)
    assert {
        row["municipality"]: (row["teachers"], row["members"])
        for row in Assignment.objects.per_municipality(*h1)
    } == {m1.pk: (2, 2), m2.pk: (2, 2)}
    assert dict(AssetMember.objects.with_load().values_list("pk", "load"))[a.pk] == 2  # t1 and t3 now


# --- the pages with odd input -----------------------------------------------------------------------------------


def test_pages_answer_odd_input_with_a_message_never_a_server_error(world, client):
    member = approved_member(world)
    candidate = nominate(world, good_candidate(world, last_name="Кандидатова"))
    client.force_login(world["users"]["center_staff"])
    for path in ("/support/", f"/support/{member.pk}/", "/support/approve/", "/support/nominate/"):
        for value in ("a\x00b", "x" * 5000, "9" * 5000, "-1", "99999999999999999999", "²"):
            query = {key: value for key in ("q", "direction", "municipality", "status", "page", "format")}
            assert client.get(path, query).status_code == 200, (path, value[:10])
    assert (
        "Неверное значение фильтра «Муниципалитет»"
        in client.get("/support/", {"municipality": "99999999999999999999"}).content.decode()
    )
    for path in (f"/support/{member.pk}/", f"/support/{member.pk}/exclude/", f"/support/{member.pk}/assign/"):
        assert client.get(path).status_code == 200
    assert client.get("/support/999999/").status_code == 404
    # Posts with odd values: the page again with a message, nothing written.
    page = client.post(
        f"/support/{member.pk}/assign/", {"person": "x\x00", "direction": "nope", "since": "31.02.2025"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "Педагог не найден в вашей области доступа" in text
    assert "Выберите одно из направлений методиста" in text
    assert "Неверная дата" in text and not Assignment.objects.exists()
    page = client.post(
        f"/support/{member.pk}/exclude/",
        {"reason": "Причина", "order_number": "3", "order_date": "1900-01-01"},
    )
    assert "Неверная дата приказа об исключении: раньше 2000 года" in page.content.decode()
    page = client.post(f"/support/{candidate.pk}/exclude/", {"reason": ""})
    assert "Укажите причину исключения" in page.content.decode()
    page = client.post(
        "/support/approve/", {"member": ["9" * 5000], "order_number": "1", "order_date": TODAY.isoformat()}
    )
    assert "Отметьте кандидатов, включаемых в приказ" in page.content.decode()
    assert client.post("/support/assignments/99999/end/").status_code == 404
    member.refresh_from_db()
    candidate.refresh_from_db()
    assert (member.status, candidate.status) == (MemberStatus.APPROVED, MemberStatus.NOMINATED)


def test_a_candidate_opens_their_own_row_and_nobody_elses(world, client):
    """The nomination's notification links to the candidate's row: a teacher opens their own (without links to
    the register they may not open) and no other."""
    mine = nominate(world, good_candidate(world))
    login = make_user("kandidat", "teacher", person=mine.person)
    other = nominate(world, good_candidate(world, school=world["schools"][1], last_name="Другова"))
    client.force_login(login)
    page = client.get(f"/support/{mine.pk}/").content.decode()
    assert "Методистова Ольга Ивановна" in page and 'href="/support/"' not in page
    assert "Высшее педагогическое" in page  # their own criteria
    assert client.get(f"/support/{other.pk}/").status_code == 404
    assert client.get("/support/").status_code == 403
    card = client.get(f"/people/{mine.person_id}/").content.decode()
    assert f'href="/support/{mine.pk}/"' in card

"""State changes of the methodological asset (docs/support.md): nominate a candidate, approve a list by order,
exclude, assign a teacher to a member, end an assignment; the support activities (docs/support.md §8): record a
lesson visit with its protocol or a consultation (or plan one), the teacher's acknowledgement, a recommendation
turned into a route item. The pages and (later) the command line and the imports all go through these functions.

Every refusal is a SupportError with a Russian message for the user, and nothing is written then; a user whose
role may not do the thing at all gets PermissionDenied. A member's load is serialised on the member's row
(SELECT … FOR UPDATE): two assignments racing for the last place queue on the lock, the second sees it taken.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from profrost.accounts.models import Role, User
from profrost.accounts.permissions import is_municipal_coordinator, is_region_staff
from profrost.accounts.roles import RoleCode
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.notifications import notify
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Competence
from profrost.people.models import NOT_FOUND_IN_SCOPE, Employment, Person
from profrost.routes import actions as route_actions
from profrost.routes.models import ACTIVE as ACTIVE_ROUTE
from profrost.routes.models import Route, RouteItem, RouteStatus, Section
from profrost.structure.models import Organization, OrganizationStatus, OrganizationStatusKind
from profrost.support import permissions, tutors
from profrost.support.criteria import check_members, unmet
from profrost.support.models import (
    OPEN_STATUSES,
    WEAK_LEVELS,
    ActivityFormat,
    ActivityStatus,
    AssetMember,
    Assignment,
    Consultation,
    ConsultationKind,
    ConsultationTeacher,
    Direction,
    Engagement,
    Ground,
    LessonVisit,
    MemberStatus,
    ObservedLevel,
    Order,
    VisitObservation,
    VisitorKind,
    VisitRecommendation,
    load_limit,
    nominees,
    supported_people,
)

ORDER_NUMBER_MAX = 100
MIN_ORDER_YEAR = 2000  # the regional systems date from 2021 (000_…); earlier is a typing error
# The criteria by a short name, for a message listing what a candidate lacks.
SHORT = {
    "category": "категория",
    "education": "образование",
    "experience": "стаж",
    "organization": "место работы",
    "assessment": "оценка компетенций",
    "training": "обучение",
}


class SupportError(Exception):
    """A refused action; the message is for the user. `missing` (approval): {member id: [criteria]} of the
    candidates who fail a criterion and have no justification."""

    def __init__(self, message, missing=None):
        super().__init__(message)
        self.missing = missing or {}


def _d(day):
    return day.strftime("%d.%m.%Y")


def _clean_order(number, date, what="приказа"):
    """The order's number and date as given, checked: both present, the date not in the future."""
    number = (number or "").strip()
    if not number:
        raise SupportError(f"Укажите номер {what}")
    if len(number) > ORDER_NUMBER_MAX:
        raise SupportError(f"Номер {what} длиннее {ORDER_NUMBER_MAX} символов")
    if date is None:
        raise SupportError(f"Укажите дату {what}")
    if date > datetime.date.today():
        raise SupportError(f"Дата {what} не может быть в будущем")
    if date.year < MIN_ORDER_YEAR:
        raise SupportError(f"Неверная дата {what}: раньше {MIN_ORDER_YEAR} года")
    return number, date


def _order(number, date, actor):
    order, _ = Order.objects.get_or_create(number=number, date=date, defaults={"created_by": actor})
    return order


def _member_url(member):
    return reverse("support:member", args=[member.pk])


# --- the methodologist role follows the membership -------------------------------------------------------------


def grant_role(user, actor=None, request=None, reason=""):
    """Give the user the methodologist role unless they hold it; journaled as any role change."""
    if Role.objects.filter(user=user, role=RoleCode.METHODOLOGIST, is_active=True).exists():
        return False
    Role.objects.create(user=user, role=RoleCode.METHODOLOGIST, created_by=actor)
    journal(
        JournalAction.ROLE_CHANGE,
        request=request,
        user=actor,
        obj=user,
        change="grant",
        role=RoleCode.METHODOLOGIST,
        scope="региональный методический актив",
        reason=reason,
    )
    return True


def revoke_role(user, actor=None, request=None, reason=""):
    removed, _ = Role.objects.filter(user=user, role=RoleCode.METHODOLOGIST).delete()
    if removed:
        journal(
            JournalAction.ROLE_CHANGE,
            request=request,
            user=actor,
            obj=user,
            change="revoke",
            role=RoleCode.METHODOLOGIST,
            scope="региональный методический актив",
            reason=reason,
        )
    return bool(removed)


def sync_role_for_login(user):
    """A login linked to an approved member's person gets the methodologist role (accounts' user saved)."""
    if (
        user.person_id
        and AssetMember.objects.filter(person_id=user.person_id, status=MemberStatus.APPROVED).exists()
    ):
        grant_role(user, reason="учётная запись члена методического актива")


# --- nomination ------------------------------------------------------------------------------------------------


@transaction.atomic
def nominate(
    actor,
    person,
    *,
    directions,
    zone,
    engagement=Engagement.CONTRACT,
    subjects=(),
    note="",
    grounds=(),
    grounds_note="",
    assessment_campaign=None,
    training_program=None,
    request=None,
):
    """A candidate nominated by a coordinator (their organization's or municipality's current staff) or by the
    center; the criteria are checked on the member's page and at approval, not here — a candidate failing one
    may still be approved with a justification."""
    if not permissions.may_nominate_to_asset(actor):
        raise PermissionDenied
    if not nominees(actor).filter(pk=person.pk).exists():
        raise SupportError(NOT_FOUND_IN_SCOPE)
    directions = list(dict.fromkeys(directions or ()))
    if not directions:
        raise SupportError("Выберите хотя бы одно направление работы")
    if set(directions) - set(Direction.values):
        raise SupportError("Неизвестное направление работы")
    if set(grounds or ()) - set(Ground.values):
        raise SupportError("Неизвестное дополнительное основание")
    if engagement not in Engagement.values:
        raise SupportError("Неизвестная форма привлечения")
    zone = list(zone or ())
    if not zone:
        raise SupportError("Укажите зону — муниципалитеты, которые будет обслуживать методист")
    existing = AssetMember.objects.filter(person=person, status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise SupportError(
            f"{person.full_name} уже в реестре методического актива (статус: "
            f"{existing.get_status_display().lower()})"
        )
    try:
        with transaction.atomic():
            member = AssetMember.objects.create(
                person=person,
                directions=directions,
                engagement=engagement,
                nominated_by=actor,
                nomination_note=(note or "").strip(),
                grounds=list(dict.fromkeys(grounds or ())),
                grounds_note=(grounds_note or "").strip(),
                assessment_campaign=assessment_campaign,
                training_program=training_program,
            )
    except IntegrityError:  # nominated by someone else a moment ago
        raise SupportError(f"{person.full_name} уже в реестре методического актива") from None
    member.zone.set(zone)
    member.subjects.set(subjects or ())
    journal(JournalAction.CREATE, request=request, user=actor, obj=member, what="asset nomination")
    user = User.objects.filter(person=person, is_active=True).first()
    if user is not None and user != actor:
        notify(
            [user],
            "Вы выдвинуты кандидатом в региональный методический актив",
            _member_url(member),
        )
    return member


# --- approval by order -----------------------------------------------------------------------------------------


@transaction.atomic
def approve(actor, member_ids, *, order_number, order_date, justifications=None, end=None, request=None):
    """The center approves a list of candidates by one order (004_… 3.6). A candidate failing a criterion (as of
    the order's date) is approved only with a justification — the seeds admit members on other grounds
    (000_… 3.2.4); the failed criteria are recorded with it. Approved members' logins get the methodologist
    role; a member without a login gets it when one is created (support.receivers). All or nothing.
    Returns {"order", "members", "without_login": [person]}."""
    if not permissions.may_manage_asset(actor):
        raise PermissionDenied
    ids = list(dict.fromkeys(member_ids or ()))
    if not ids:
        raise SupportError("Отметьте кандидатов, включаемых в приказ")
    number, date = _clean_order(order_number, order_date)
    if end is not None and end < date:
        raise SupportError("Срок включения в актив не может окончиться раньше даты приказа")
    justifications = {k: (v or "").strip() for k, v in (justifications or {}).items()}
    members = list(
        AssetMember.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("person", "assessment_campaign", "training_program")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    if len(members) != len(ids):
        raise SupportError("Часть отмеченных кандидатов не найдена — обновите страницу")
    not_candidates = [m for m in members if m.status != MemberStatus.NOMINATED]
    if not_candidates:
        raise SupportError(
            "Уже не кандидаты: "
            + "; ".join(f"{m.person.full_name} ({m.get_status_display().lower()})" for m in not_candidates)
        )
    criteria = check_members(members, on=date)
    missing = {}
    for m in members:
        failed = unmet(criteria[m.pk])
        if failed and not justifications.get(m.pk):
            missing[m.pk] = failed
    if missing:
        names = "; ".join(
            f"{m.person.short_name} ({', '.join(SHORT[c.code] for c in missing[m.pk])})"
            for m in members
            if m.pk in missing
        )
        raise SupportError(
            f"Не выполнены критерии — укажите обоснование включения или снимите отметку: {names}",
            missing=missing,
        )
    order = _order(number, date, actor)
    for m in members:
        failed = unmet(criteria[m.pk])
        m.status = MemberStatus.APPROVED
        m.order = order
        m.start = date
        m.end = end
        m.approved_by = actor
        m.justification = justifications.get(m.pk, "")
        m.unmet_at_approval = [c.title for c in failed]
        m.version += 1
        m.save()
        journal(JournalAction.UPDATE, request=request, user=actor, obj=m, change="approve", order=str(order))
    users = {
        u.person_id: u
        for u in User.objects.filter(person_id__in=[m.person_id for m in members], is_active=True)
    }
    without_login = []
    for m in members:
        user = users.get(m.person_id)
        if user is None:
            without_login.append(m.person)
            continue
        grant_role(user, actor, request, reason=f"включение в методический актив, приказ {order}")
        notify(
            [user],
            f"Вы включены в региональный методический актив (приказ {order}). Вам доступна роль "
            f"«{RoleCode.METHODOLOGIST.label}».",
            _member_url(m),
        )
    return {"order": order, "members": members, "without_login": without_login}


# --- exclusion --------------------------------------------------------------------------------------------------


@transaction.atomic
def exclude(actor, member, *, reason, order_number="", order_date=None, request=None):
    """Exclude a member by order (or withdraw a candidate, with or without one), with the reason. The member's
    assignments end on the order's date and their login loses the methodologist role."""
    if not permissions.may_manage_asset(actor):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise SupportError("Укажите причину исключения")
    member = (
        AssetMember.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("person")
        .get(pk=member.pk)
    )
    if member.status == MemberStatus.EXCLUDED:
        raise SupportError(f"{member.person.full_name} уже {member.person.by_sex('исключён', 'исключена')}")
    order = None
    if member.status == MemberStatus.APPROVED or (order_number or "").strip() or order_date:
        number, date = _clean_order(order_number, order_date, "приказа об исключении")
        if member.start and date < member.start:
            raise SupportError(f"Дата приказа об исключении раньше включения в актив ({_d(member.start)})")
        order = _order(number, date, actor)
    on = order.date if order else datetime.date.today()
    ended = Assignment.objects.filter(member=member, active=True).update(
        active=False, until=Greatest(F("since"), Value(on))
    )
    was_member = member.status == MemberStatus.APPROVED
    member.status = MemberStatus.EXCLUDED
    member.exclusion_order = order
    member.exclusion_reason = reason
    member.excluded_by = actor
    if was_member:
        member.end = on if member.end is None or member.end > on else member.end
    member.version += 1
    member.save()
    journal(
        JournalAction.UPDATE,
        request=request,
        user=actor,
        obj=member,
        change="exclude",
        order=str(order) if order else "",
        assignments_ended=ended,
    )
    for user in User.objects.filter(person_id=member.person_id):
        revoke_role(user, actor, request, reason=f"исключение из методического актива: {reason}"[:300])
        if user.is_active:
            notify([user], f"Вы исключены из регионального методического актива: {reason}"[:500], "")
    return member


# --- assignment of teachers -------------------------------------------------------------------------------------


def zone_municipality(member, teacher, on=None):
    """The municipality of the member's zone where the teacher works now (the main job first), or None."""
    zone = set(member.zone.values_list("pk", flat=True))
    jobs = (
        Employment.objects.filter(person=teacher)
        .active_on(on or datetime.date.today())
        .select_related("organization")
        .order_by("-is_main", "pk")
    )
    for job in jobs:
        if job.organization.municipality_id in zone:
            return job.organization.municipality
    return None


@transaction.atomic
def assign(actor, member, teacher, *, direction, since=None, request=None):
    """Assign a teacher to an approved member for one of the member's directions, in the member's zone, within
    the load limit (settings.SUPPORT_LOAD_LIMIT, 000_… 5.3) — never silently over it."""
    if not permissions.may_assign_teachers(actor):
        raise PermissionDenied
    if not Person.objects.visible_to(actor).filter(pk=teacher.pk).exists():
        raise SupportError(NOT_FOUND_IN_SCOPE)
    member = (
        AssetMember.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("person")
        .get(pk=member.pk)
    )
    today = datetime.date.today()
    since = since or today
    if since > today:
        raise SupportError("Дата закрепления не может быть в будущем")
    if member.status != MemberStatus.APPROVED:
        raise SupportError("Закреплять педагогов можно только за утверждённым членом методического актива")
    if member.start and since < member.start:
        raise SupportError(f"Дата закрепления раньше включения методиста в актив ({_d(member.start)})")
    if direction not in member.directions:
        label = dict(Direction.choices).get(direction)
        raise SupportError(
            f"Направление «{label}» не входит в направления методиста" if label else "Выберите направление"
        )
    if teacher.pk == member.person_id:
        raise SupportError("Нельзя закрепить методиста за самим собой")
    municipality = zone_municipality(member, teacher)
    if municipality is None:
        zone = ", ".join(member.zone.order_by("name").values_list("name", flat=True))
        raise SupportError(
            f"{teacher.full_name} не работает в зоне методиста ({zone}) — назначение вне зоны невозможно"
        )
    if Assignment.objects.filter(member=member, person=teacher, active=True).exists():
        raise SupportError(
            f"{teacher.full_name} уже {teacher.by_sex('закреплён', 'закреплена')} за этим методистом"
        )
    load, limit = Assignment.objects.filter(member=member, active=True).count(), load_limit()
    if load >= limit:
        raise SupportError(f"Закреплено {load} из {limit} — назначение превысит лимит")
    assignment = Assignment.objects.create(
        member=member,
        person=teacher,
        direction=direction,
        municipality=municipality,
        since=since,
        assigned_by=actor,
    )
    journal(JournalAction.CREATE, request=request, user=actor, obj=assignment, what="assignment")
    methodologist = User.objects.filter(person_id=member.person_id, is_active=True).first()
    if methodologist is not None:
        notify(
            [methodologist],
            f"За вами закреплён педагог: {teacher.full_name} ({assignment.get_direction_display().lower()})",
            reverse("people:detail", args=[teacher.pk]),
        )
    # The member becomes the tutor of the teacher's running route without one (docs/support.md §12).
    tutors.take_routes(assignment, actor)
    return assignment


@transaction.atomic
def unassign(actor, assignment, *, on=None, request=None):
    """End an assignment (today, or on a given day not before it began and not in the future)."""
    if not permissions.may_assign_teachers(actor):
        raise PermissionDenied
    assignment = Assignment.objects.select_for_update().select_related("person").get(pk=assignment.pk)
    if not assignment.active:
        raise SupportError("Закрепление уже снято")
    on = on or datetime.date.today()
    if on > datetime.date.today():
        raise SupportError("Дата снятия закрепления не может быть в будущем")
    if on < assignment.since:
        raise SupportError(f"Дата снятия раньше закрепления ({_d(assignment.since)})")
    assignment.active = False
    assignment.until = on
    assignment.save(update_fields=["active", "until"])
    journal(JournalAction.UPDATE, request=request, user=actor, obj=assignment, change="unassign")
    return assignment


# --- support activities: lesson visits and consultations (docs/support.md §8) ----------------------------------

FUTURE_VISIT = "Дата посещения не может быть в будущем"
FUTURE_CONSULTATION = "Дата консультации не может быть в будущем"
ALREADY_IN_ROUTE = "Эта рекомендация уже в маршруте педагога"
ROUTE_BASIS = "по итогам посещения урока методистом"
# «В маршрут»: the section a recommendation goes to unless the user picks another (docs/support.md §8).
RECOMMENDATION_SECTION = Section.MATERIALS
RECOMMENDATIONS_MAX = 30
RECOMMENDATION_MAX = 500
TEXT_MAX = 4000
DURATION_MAX = 600  # minutes: a consultation of more than ten hours is a typing error
PLAN_AHEAD_DAYS = 400


def visitor_of(actor):
    """(VisitorKind, the actor's approved asset membership or None): as whom the actor supports — an asset
    member first (the row 11 count), then the municipal methodological service, then the center."""
    if not permissions.may_record_support(actor):
        raise PermissionDenied
    if RoleCode.METHODOLOGIST in scope_of(actor).roles and actor.person_id:
        member = AssetMember.objects.approved().filter(person_id=actor.person_id).first()
        if member is not None:
            return VisitorKind.ASSET, member
    if is_municipal_coordinator(actor):
        return VisitorKind.MUNICIPAL, None
    if is_region_staff(actor):
        return VisitorKind.CENTER, None
    # A methodologist by role with no approved membership: not an asset member any more.
    raise SupportError("Записывать посещения могут члены методического актива, муниципальная служба и ЦНППМ")


def teacher_place(teacher, on, actor=None):
    """(organization, municipality id, ШНОР on that day) of the teacher's job on the day — a job in the actor's
    organizations or municipalities first, then the main job; None without a job."""
    jobs = list(
        Employment.objects.filter(person=teacher)
        .active_on(on)
        .select_related("organization")
        .order_by("-is_main", "pk")
    )
    if not jobs:
        return None
    if actor is not None and len(jobs) > 1:
        mine = set(
            Organization.objects.visible_to(actor)
            .filter(pk__in=[j.organization_id for j in jobs])
            .values_list("pk", flat=True)
        )
        jobs.sort(key=lambda j: j.organization_id not in mine)
    org = jobs[0].organization
    low = (
        OrganizationStatus.objects.filter(organization=org, kind=OrganizationStatusKind.LOW_RESULTS)
        .active_on(on)
        .exists()
    )
    return org, org.municipality_id, low


def _check_teacher(actor, teacher):
    if teacher is None or not supported_people(actor).filter(pk=teacher.pk).exists():
        raise SupportError(NOT_FOUND_IN_SCOPE)


def _check_done_date(day, future_message, what):
    if day is None:
        raise SupportError(f"Укажите дату {what}")
    if day > datetime.date.today():
        raise SupportError(future_message)
    if day.year < MIN_ORDER_YEAR:
        raise SupportError(f"Неверная дата {what}: раньше {MIN_ORDER_YEAR} года")
    return day


def _check_plan_date(day, what):
    today = datetime.date.today()
    if day is None:
        raise SupportError(f"Укажите, на какую дату запланировано {what}")
    if day < today - datetime.timedelta(days=183) or day > today + datetime.timedelta(days=PLAN_AHEAD_DAYS):
        raise SupportError(
            "Дата плана вне допустимых пределов: не раньше полугода назад и не позже года вперёд"
        )
    return day


def _text(value, label, limit=TEXT_MAX):
    value = (value or "").strip()
    if len(value) > limit:
        raise SupportError(f"{label}: не длиннее {limit} символов")
    return value


def _user_of(person):
    return User.objects.filter(person_id=person.pk, is_active=True).first()


def visit_url(visit):
    return reverse("support:visit", args=[visit.pk])


def _clean_observations(observations):
    """[(competence, level, comment)] checked: a known level, each competence once, at least one row."""
    rows, seen = [], set()
    levels = dict(ObservedLevel.choices)
    for competence, level, comment in observations or ():
        if competence is None:
            continue
        if level not in levels:
            raise SupportError(f"Укажите уровень проявления компетенции «{competence.name}»")
        if competence.pk in seen:
            raise SupportError(f"Компетенция «{competence.name}» указана в протоколе дважды")
        seen.add(competence.pk)
        rows.append((competence, level, _text(comment, f"Комментарий к «{competence.code}»", 2000)))
    if not rows:
        raise SupportError("Отметьте в протоколе хотя бы одну наблюдавшуюся компетенцию и её уровень")
    return rows


def _clean_recommendations(recommendations):
    lines = [(line or "").strip() for line in recommendations or ()]
    lines = [line for line in lines if line]
    if len(lines) > RECOMMENDATIONS_MAX:
        raise SupportError(f"Рекомендаций больше {RECOMMENDATIONS_MAX}: объедините часть из них")
    for line in lines:
        if len(line) > RECOMMENDATION_MAX:
            raise SupportError(f"Рекомендация длиннее {RECOMMENDATION_MAX} символов: «{line[:40]}…»")
    return lines


def _own_plan(actor, plan, model):
    """The actor's own planned activity (refreshed, locked), or a refusal."""
    if plan is None:
        return None
    plan = model.objects.select_for_update().filter(pk=plan.pk, visitor=actor).first()
    if plan is None:
        raise SupportError("Запланированная запись не найдена")
    if plan.status != ActivityStatus.PLANNED:
        raise SupportError("Эта запись уже проведена")
    return plan


@transaction.atomic
def plan_visit(actor, teacher, *, planned_on, purpose="", request=None):
    """A lesson visit planned for a day (the workspace's plan for the half-year: planned vs done)."""
    kind, member = visitor_of(actor)
    _check_teacher(actor, teacher)
    planned_on = _check_plan_date(planned_on, "посещение")
    place = teacher_place(teacher, datetime.date.today(), actor)
    if place is None:
        raise SupportError(f"{teacher.full_name} сейчас не работает ни в одной организации")
    org, municipality_id, low = place
    visit = LessonVisit.objects.create(
        visitor=actor,
        visitor_person_id=actor.person_id,
        visitor_kind=kind,
        member=member,
        status=ActivityStatus.PLANNED,
        planned_on=planned_on,
        person=teacher,
        organization=org,
        municipality_id=municipality_id,
        low_results=low,
        purpose=_text(purpose, "Цель посещения"),
    )
    journal(JournalAction.CREATE, request=request, user=actor, obj=visit, what="lesson visit planned")
    return visit


@transaction.atomic
def record_visit(
    actor,
    teacher,
    *,
    date,
    observations,
    grade="",
    subject=None,
    topic="",
    purpose="",
    strengths="",
    recommendations=(),
    plan=None,
    request=None,
):
    """A lesson visit with its protocol: per observed competence a level and a comment, strengths,
    recommendations (one line each). The teacher's organization, municipality and ШНОР status are taken from
    their job on the day; the teacher is notified. `plan`: the actor's planned visit this one carries out."""
    kind, member = visitor_of(actor)
    _check_teacher(actor, teacher)
    date = _check_done_date(date, FUTURE_VISIT, "посещения")
    rows = _clean_observations(observations)
    lines = _clean_recommendations(recommendations)
    place = teacher_place(teacher, date, actor)
    if place is None:
        raise SupportError(
            f"{teacher.full_name} не {teacher.by_sex('работал', 'работала', 'работал(а)')} ни в одной организации "
            f"{_d(date)} — проверьте дату посещения"
        )
    org, municipality_id, low = place
    plan = _own_plan(actor, plan, LessonVisit)
    if plan is not None and plan.person_id != teacher.pk:
        raise SupportError("Запланированное посещение относится к другому педагогу")
    visit = plan or LessonVisit(visitor=actor, person=teacher)
    visit.visitor_person_id = actor.person_id
    visit.visitor_kind = kind
    visit.member = member
    visit.status = ActivityStatus.DONE
    visit.date = date
    visit.organization = org
    visit.municipality_id = municipality_id
    visit.low_results = low
    visit.grade = _text(grade, "Класс", 20)
    visit.subject = subject
    visit.topic = _text(topic, "Тема урока", 300)
    visit.purpose = _text(purpose, "Цель посещения") or visit.purpose
    visit.strengths = _text(strengths, "Сильные стороны")
    visit.save()
    VisitObservation.objects.bulk_create(
        VisitObservation(visit=visit, competence=c, level=level, comment=comment)
        for c, level, comment in rows
    )
    VisitRecommendation.objects.bulk_create(
        VisitRecommendation(visit=visit, position=i, text=line) for i, line in enumerate(lines)
    )
    journal(JournalAction.CREATE, request=request, user=actor, obj=visit, what="lesson visit")
    teacher_user = _user_of(teacher)
    if teacher_user is not None and teacher_user != actor:
        notify(
            [teacher_user],
            f"Протокол посещения вашего урока {_d(date)} готов: ознакомьтесь с ним и подтвердите ознакомление",
            visit_url(visit),
        )
    return visit


@transaction.atomic
def acknowledge_visit(user, visit, request=None):
    """The visited teacher confirms they have read the protocol (only they, once)."""
    visit = LessonVisit.objects.select_for_update().get(pk=visit.pk)
    if not user.person_id or user.person_id != visit.person_id:
        raise SupportError("Подтвердить ознакомление с протоколом может только педагог, чей урок посещён")
    if visit.status != ActivityStatus.DONE:
        raise SupportError("Посещение ещё не проведено")
    if visit.acknowledged_at is not None:
        raise SupportError(
            f"Вы уже ознакомились с протоколом {timezone.localtime(visit.acknowledged_at):%d.%m.%Y}"
        )
    visit.acknowledged_at = timezone.now()
    visit.save(update_fields=["acknowledged_at"])
    journal(JournalAction.UPDATE, request=request, user=user, obj=visit, change="acknowledge")
    return visit


def may_route_recommendation(user, visit):
    """«В маршрут»: the one who recorded the visit, the visited teacher, the center."""
    return visit.status == ActivityStatus.DONE and (
        visit.visitor_id == user.pk
        or (bool(user.person_id) and user.person_id == visit.person_id)
        or is_region_staff(user)
    )


@transaction.atomic
def recommendation_to_route(actor, recommendation, section=None, request=None):
    """«В маршрут»: the recommendation becomes an item of the teacher's draft route (once). Without an active
    route, a hand-made one is drafted with the basis «по итогам посещения урока методистом» when the actor may
    make routes for the teacher (the teacher, the school coordinator, the center); a route past the draft is
    refused — it goes back to the draft first and is approved again (routes' rule). The visitor, who does not
    edit routes otherwise, writes into the draft on the visit's ground. Returns the item."""
    rec = VisitRecommendation.objects.select_for_update().filter(pk=recommendation.pk).first()
    visit = (
        LessonVisit.objects.visible_to(actor).select_related("person").filter(pk=rec.visit_id).first()
        if rec
        else None
    )
    if visit is None:
        raise SupportError("Рекомендация не найдена")
    if not may_route_recommendation(actor, visit):
        raise PermissionDenied
    if rec.route_item_id is not None:
        raise SupportError(ALREADY_IN_ROUTE)
    section = section or RECOMMENDATION_SECTION
    if section not in Section.values:
        raise SupportError("Неизвестный раздел маршрута")
    teacher = visit.person
    weak = list(
        Competence.objects.filter(
            pk__in=visit.observations.filter(level__in=WEAK_LEVELS).values("competence_id")
        )
    )
    route = Route.objects.select_for_update().filter(person=teacher, status__in=ACTIVE_ROUTE).first()
    if route is None:
        if not route_actions.may_create(actor, teacher):
            raise SupportError(
                f"У педагога нет действующего маршрута. {teacher.full_name}, уполномоченный ОО или ЦНППМ может "
                f"составить его вручную (основание «{ROUTE_BASIS}») — затем рекомендацию можно добавить."
            )
        today = datetime.date.today()
        try:
            route = route_actions.create_route(
                teacher,
                actor,
                today,
                today.replace(year=today.year + 1) - datetime.timedelta(days=1)
                if not (today.month == 2 and today.day == 29)
                else today + datetime.timedelta(days=364),
                ROUTE_BASIS,
                deficits=weak,
            )
        except route_actions.RouteError as exc:
            raise SupportError(str(exc)) from None
    if route.status != RouteStatus.DRAFT:
        raise SupportError(
            f"Маршрут педагога {route.get_status_display()} — верните его в черновик, чтобы добавить пункт"
        )
    data = {
        "section": section,
        "content": rec.text[:500],
        "form": f"по итогам посещения урока {_d(visit.date)}",
        "hours": None,
        "start": None,
        "end": None,
        "deficits": weak,
    }
    if route_actions.may_edit(actor, route):
        try:
            item = route_actions.save_item(route, actor, data)
        except route_actions.RouteError as exc:
            raise SupportError(str(exc)) from None
    else:
        # The visitor (an asset member, a municipal coordinator) adds to the draft only what their visit
        # recommended; the route's own checks (draft only, under the route's lock) hold as above.
        item = RouteItem.objects.create(
            route=route,
            section=section,
            position=route.items.count(),
            content=data["content"],
            form=data["form"],
        )
        item.deficits.set(weak)
    item.reason = f"рекомендация по итогам посещения урока {_d(visit.date)}"
    item.save(update_fields=["reason"])
    rec.route_item = item
    rec.added_at = timezone.now()
    rec.save(update_fields=["route_item", "added_at"])
    journal(JournalAction.UPDATE, request=request, user=actor, obj=visit, change="recommendation to route")
    teacher_user = _user_of(teacher)
    if teacher_user is not None and teacher_user != actor:
        notify(
            [teacher_user],
            f"В ваш маршрут добавлен пункт по итогам посещения урока: {rec.text[:200]}",
            f"/routes/{route.pk}/",
        )
    return item


def _clean_consultation(kind, teachers, topic, duration, fmt):
    if kind not in ConsultationKind.values:
        raise SupportError("Укажите вид консультации: индивидуальная или групповая")
    if fmt not in ActivityFormat.values:
        raise SupportError("Укажите формат: очно или дистанционно")
    topic = _text(topic, "Тема", 300)
    if not topic:
        raise SupportError("Укажите тему консультации")
    teachers = list({t.pk: t for t in teachers or () if t is not None}.values())
    if not teachers:
        raise SupportError("Выберите педагогов, которых консультировали")
    if kind == ConsultationKind.INDIVIDUAL and len(teachers) != 1:
        raise SupportError(
            "Индивидуальная консультация — для одного педагога; для нескольких выберите групповую"
        )
    if duration is not None and not (1 <= duration <= DURATION_MAX):
        raise SupportError(f"Продолжительность — от 1 до {DURATION_MAX} минут")
    return teachers, topic


@transaction.atomic
def record_consultation(
    actor,
    teachers,
    *,
    topic,
    date=None,
    kind=ConsultationKind.INDIVIDUAL,
    competences=(),
    duration=None,
    format=ActivityFormat.IN_PERSON,
    planned=False,
    planned_on=None,
    plan=None,
    request=None,
):
    """A consultation done (dated, not in the future) or planned (`planned=True`, `planned_on`); each teacher
    is recorded with their organization, municipality and ШНОР status on the day."""
    visitor_kind, member = visitor_of(actor)
    teachers, topic = _clean_consultation(kind, teachers, topic, duration, format)
    for teacher in teachers:
        _check_teacher(actor, teacher)
    if planned:
        planned_on, date, on = _check_plan_date(planned_on, "консультация"), None, datetime.date.today()
    else:
        date = on = _check_done_date(date, FUTURE_CONSULTATION, "консультации")
    plan = _own_plan(actor, plan, Consultation)
    consultation = plan or Consultation(visitor=actor)
    consultation.visitor_person_id = actor.person_id
    consultation.visitor_kind = visitor_kind
    consultation.member = member
    consultation.status = ActivityStatus.PLANNED if planned else ActivityStatus.DONE
    if planned:
        consultation.planned_on = planned_on
    consultation.date = date
    consultation.kind, consultation.topic, consultation.duration, consultation.format = (
        kind,
        topic,
        duration,
        format,
    )
    consultation.save()
    consultation.competences.set(competences or ())
    ConsultationTeacher.objects.filter(consultation=consultation).delete()
    rows = []
    for teacher in teachers:
        place = teacher_place(teacher, on, actor)
        org, municipality_id, low = place if place else (None, None, False)
        rows.append(
            ConsultationTeacher(
                consultation=consultation,
                person=teacher,
                organization=org,
                municipality_id=municipality_id,
                low_results=low,
            )
        )
    ConsultationTeacher.objects.bulk_create(rows)
    journal(
        JournalAction.CREATE,
        request=request,
        user=actor,
        obj=consultation,
        what="consultation planned" if planned else "consultation",
    )
    return consultation

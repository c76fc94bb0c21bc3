"""The route's workflow: edit the draft, send for approval, approve or reject (school, optionally municipality),
report on items, accept or return reports, close; notifications; items linked to the catalog update
themselves. Every refusal is a RouteError with a Russian message; nothing is written then.

Optimistic locking: a change carries the version the user saw; a stale version is refused with
core.forms.CONFLICT_MESSAGE.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from profrost.accounts.models import Role, RoleCode, User
from profrost.accounts.permissions import (
    TUTOR_ROLES,
    is_municipal_coordinator,
    is_region_staff,
    is_school_coordinator,
)
from profrost.core.forms import CONFLICT_MESSAGE
from profrost.core.notifications import notify, notify_each, sent_before
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Competence
from profrost.people.models import Employment, Person
from profrost.resources.models import ApplicationStatus, Cohort, ProgramStatus
from profrost.routes.extensions import default_tutors, tutor_refusals
from profrost.routes.models import (
    ACTIVE,
    GOAL,
    Evidence,
    ItemStatus,
    Route,
    RouteItem,
    RouteOrigin,
    RouteStatus,
)
from profrost.routes.proposals import SECTION_OF, kind_of, proposal_for
from profrost.routes.signals import routes_created
from profrost.structure.models import Organization

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = (".pdf", ".docx", ".doc", ".xlsx", ".pptx", ".jpg", ".jpeg", ".png")


class RouteError(Exception):
    """A refused action; the message is for the user."""


# --- who may do what -----------------------------------------------------------------------------------------


def _current_orgs(person_id):
    return set(
        Employment.objects.filter(person_id=person_id).current().values_list("organization_id", flat=True)
    )


def is_owner(user, route):
    return bool(user.person_id) and user.person_id == route.person_id


def is_school(user, route):
    return is_school_coordinator(user) and bool(
        _current_orgs(route.person_id) & scope_of(user).organization_ids
    )


def is_municipal(user, route):
    if not is_municipal_coordinator(user):
        return False
    municipalities = set(
        Organization.objects.filter(pk__in=_current_orgs(route.person_id)).values_list(
            "municipality_id", flat=True
        )
    )
    return bool(municipalities & scope_of(user).municipality_ids)


def is_tutor(user, route):
    return route.tutor_id is not None and route.tutor_id == user.pk


def may_view(user, route):
    return routes_visible_to(user).filter(pk=route.pk).exists()


def may_edit(user, route):
    """The draft is edited by the teacher or their school coordinator (and the center)."""
    return route.status == RouteStatus.DRAFT and (
        is_owner(user, route) or is_school(user, route) or is_region_staff(user)
    )


def routes_visible_to(user):
    """Routes of the people the user may see (core.scoping through Person.visible_to: the center all, a
    municipality's and a school's people, oneself), plus the routes the user tutors."""
    return Route.objects.filter(
        Q(person__in=Person.objects.visible_to(user).values("pk")) | Q(tutor_id=user.pk)
    )


# --- notifications --------------------------------------------------------------------------------------------


def _teacher(route):
    return User.objects.filter(person_id=route.person_id, is_active=True).first()


def _school_coordinators(route):
    ids = Role.objects.filter(
        role=RoleCode.SCHOOL_COORDINATOR, is_active=True, organization_id__in=_current_orgs(route.person_id)
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _municipal_coordinators(route):
    municipalities = Organization.objects.filter(pk__in=_current_orgs(route.person_id)).values(
        "municipality_id"
    )
    ids = Role.objects.filter(
        role=RoleCode.MUNICIPAL_COORDINATOR, is_active=True, municipality_id__in=municipalities
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _url(route):
    return f"/routes/{route.pk}/"


# --- the route --------------------------------------------------------------------------------------------------


def _check_version(obj, version):
    """The version the user saw (None or empty: not given, no check); any other than the current is refused."""
    if version is None or version == "":
        return
    version = str(version)
    if not (version.isascii() and version.isdigit() and len(version) < 19) or int(version) != obj.version:
        raise RouteError(CONFLICT_MESSAGE)


def _locked(route, version=None):
    route = Route.objects.select_for_update().select_related("person").get(pk=route.pk)
    _check_version(route, version)
    return route


def _save(route, *fields):
    route.version += 1
    route.save(update_fields=[*fields, "version"])
    return route


@transaction.atomic
def edit_route(route, user, data, version):
    route = _locked(route, version)
    if not may_edit(user, route):
        if route.status != RouteStatus.DRAFT:
            raise RouteError("Маршрут не в черновике: чтобы изменить его, верните его на доработку.")
        raise RouteError("Изменять этот маршрут вы не можете.")
    if data["end"] < data["start"]:
        raise RouteError("Окончание маршрута раньше начала.")
    outside = route.items.filter(Q(start__lt=data["start"]) | Q(end__gt=data["end"])).exists()
    if outside:
        raise RouteError("Есть пункты с датами вне нового периода: сначала измените их.")
    route.goal, route.start, route.end = data["goal"], data["start"], data["end"]
    if "municipal_approval" in data:
        route.municipal_approval = data["municipal_approval"]
    if "tutor" in data and (is_region_staff(user) or is_school(user, route)):
        if data["tutor"] is not None and data["tutor"].pk != route.tutor_id:
            refusal = tutor_refusals([route], data["tutor"]).get(route.pk)
            if refusal:
                raise RouteError(refusal)
        route.tutor = data["tutor"]
    return _save(route, "goal", "start", "end", "municipal_approval", "tutor")


def _check_item_data(route, data):
    if data.get("hours") is not None and data["hours"] < 0:
        raise RouteError("Часы не могут быть отрицательными.")
    start, end = data.get("start"), data.get("end")
    if start and end and end < start:
        raise RouteError("Окончание пункта раньше начала.")
    for day in (start, end):
        if day and not (route.start <= day <= route.end):
            raise RouteError(
                f"Сроки пункта должны быть в периоде маршрута: {route.start:%d.%m.%Y} — {route.end:%d.%m.%Y}."
            )


ITEM_FIELDS = ("section", "content", "form", "hours", "start", "end")


@transaction.atomic
def save_item(route, user, data, item=None, version=None):
    """Add or change an item of the draft."""
    route = _locked(route)
    if not may_edit(user, route):
        raise RouteError("Маршрут не в черновике: чтобы изменить его, верните его на доработку.")
    _check_item_data(route, data)
    if item is None:
        item = RouteItem(route=route, position=route.items.count())
    else:
        item = RouteItem.objects.select_for_update().get(pk=item.pk, route=route)
        _check_version(item, version)
        item.version += 1
    for f in ITEM_FIELDS:
        setattr(item, f, data.get(f))
    item.form = item.form or ""
    item.save()
    if "deficits" in data:
        item.deficits.set(data["deficits"])
    return item


@transaction.atomic
def delete_item(route, user, item):
    route = _locked(route)
    if not may_edit(user, route):
        raise RouteError("Маршрут не в черновике: чтобы изменить его, верните его на доработку.")
    RouteItem.objects.filter(pk=item.pk, route=route).delete()


@transaction.atomic
def submit(route, user, version=None):
    route = _locked(route, version)
    if route.status != RouteStatus.DRAFT:
        raise RouteError("На согласование отправляется только черновик.")
    if not (is_owner(user, route) or is_school(user, route) or is_region_staff(user)):
        raise RouteError("Отправить маршрут на согласование может педагог или уполномоченный ОО.")
    if not route.items.exists():
        raise RouteError("В маршруте нет ни одного пункта.")
    route.status, route.school_approved_at = RouteStatus.REVIEW, None
    _save(route, "status", "school_approved_at")
    notify(_school_coordinators(route), f"ИОМ на согласование: {route.person.full_name}", _url(route))
    return route


@transaction.atomic
def approve(route, user, comment="", version=None):
    """The school coordinator approves; with municipal approval required, the municipality then does."""
    route = _locked(route, version)
    if route.status != RouteStatus.REVIEW:
        raise RouteError("Маршрут не на согласовании.")
    now = timezone.now()
    if route.municipal_approval and route.school_approved_at is not None:
        if not (is_municipal(user, route) or is_region_staff(user)):
            raise RouteError("Маршрут ждёт согласования муниципального координатора.")
    elif not (is_school(user, route) or is_region_staff(user)):
        raise RouteError("Утверждает маршрут уполномоченный ОО педагога.")
    route.review_comment = comment
    if route.municipal_approval and route.school_approved_at is None:
        route.school_approved_at = now
        _save(route, "school_approved_at", "review_comment")
        notify(_municipal_coordinators(route), f"ИОМ на согласование: {route.person.full_name}", _url(route))
        return route
    route.status, route.approved_by, route.approved_at = RouteStatus.APPROVED, user, now
    _save(route, "status", "approved_by", "approved_at", "review_comment")
    notify([_teacher(route), route.tutor], f"ИОМ утверждён: {route.person.full_name}", _url(route))
    return route


@transaction.atomic
def reject(route, user, comment, version=None):
    route = _locked(route, version)
    if route.status != RouteStatus.REVIEW:
        raise RouteError("Маршрут не на согласовании.")
    if not (is_school(user, route) or is_municipal(user, route) or is_region_staff(user)):
        raise RouteError("Отклонить маршрут может уполномоченный ОО или муниципальный координатор.")
    if not comment.strip():
        raise RouteError("Укажите, что исправить: комментарий обязателен.")
    route.status, route.review_comment, route.school_approved_at = RouteStatus.DRAFT, comment.strip(), None
    _save(route, "status", "review_comment", "school_approved_at")
    notify([_teacher(route)], f"ИОМ возвращён на доработку: {comment.strip()[:200]}", _url(route))
    return route


@transaction.atomic
def send_back(route, user, version=None):
    """An approved route goes back to the draft to be changed (and approved again)."""
    route = _locked(route, version)
    if route.status not in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS, RouteStatus.REVIEW):
        raise RouteError("Вернуть на доработку можно маршрут на согласовании, утверждённый или выполняемый.")
    if not (is_owner(user, route) or is_school(user, route) or is_region_staff(user)):
        raise RouteError("Вернуть маршрут на доработку может педагог или уполномоченный ОО.")
    route.status, route.school_approved_at = RouteStatus.DRAFT, None
    _save(route, "status", "school_approved_at")
    return route


@transaction.atomic
def close(route, user, success, conclusion, version=None):
    route = _locked(route, version)
    if route.status not in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS):
        raise RouteError("Завершить можно утверждённый или выполняемый маршрут.")
    if not (is_tutor(user, route) or is_region_staff(user)):
        raise RouteError("Завершает маршрут тьютор.")
    if not conclusion.strip():
        raise RouteError("Напишите заключение по итогам маршрута.")
    route.status = RouteStatus.DONE if success else RouteStatus.PARTIAL
    route.conclusion = conclusion.strip()
    _save(route, "status", "conclusion")
    notify([_teacher(route)], f"ИОМ завершён: {route.get_status_display()}", _url(route))
    return route


@transaction.atomic
def cancel(route, user, version=None):
    route = _locked(route, version)
    if route.status not in (
        RouteStatus.DRAFT,
        RouteStatus.REVIEW,
        RouteStatus.APPROVED,
        RouteStatus.IN_PROGRESS,
    ):
        raise RouteError("Маршрут уже завершён.")
    if not (is_region_staff(user) or is_school(user, route)):
        raise RouteError("Отменить маршрут может центр или уполномоченный ОО.")
    route.status = RouteStatus.CANCELLED
    return _save(route, "status")


# --- tutors ------------------------------------------------------------------------------------------------------

CLOSED = (RouteStatus.DONE, RouteStatus.PARTIAL, RouteStatus.CANCELLED)
TUTOR_NOT_FOUND = "Тьютор не найден: укажите логин методиста или наставника."


def find_tutor(username):
    """The active user with this login who may tutor (methodologist, mentor, the center's staff), or None."""
    username = (username or "").strip()
    if not username:
        return None
    return User.objects.filter(username=username, is_active=True, roles__role__in=TUTOR_ROLES).first()


def tutor_assignable(user):
    """The routes whose tutor this user may name: the center every route, a school coordinator the routes of
    their organizations' current staff (is_school, set-wise); nobody else any."""
    if is_region_staff(user):
        return Route.objects.all()
    if is_school_coordinator(user):
        staff = Employment.objects.current().filter(organization_id__in=scope_of(user).organization_ids)
        return Route.objects.filter(person_id__in=staff.values("person_id"))
    return Route.objects.none()


def may_assign_tutor(user, route):
    return is_region_staff(user) or is_school(user, route)


@transaction.atomic
def assign_tutor(routes, user, tutor, version=None):
    """Name `tutor` the tutor of `routes` — the route page one, the list's bulk form the ones ticked. Each route
    changed has its version bumped. One route: refused (RouteError) unless the user may assign it
    (may_assign_tutor) and it is not closed, and with `version` (the one the user saw) refused when stale.
    Several routes: those the user may not assign (tutor_assignable) or closed are left out. The tutor is told
    once, by the bell and — after the commit — by email. Returns the number of routes assigned."""
    if tutor is None or not find_tutor(tutor.username):
        raise RouteError(TUTOR_NOT_FOUND)
    ids = sorted({r.pk for r in routes})
    locked = list(
        tutor_assignable(user)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .exclude(status__in=CLOSED)
        .select_related("person")
        .order_by("pk")
    )
    if len(ids) == 1:
        if not locked:
            route = Route.objects.filter(pk=ids[0]).first()
            if route is not None and route.status in CLOSED:
                raise RouteError("Маршрут завершён или отменён: тьютора не меняют.")
            raise RouteError("Назначает тьютора центр или уполномоченный ОО педагога.")
        _check_version(locked[0], version)
    elif version is not None and version != "":
        raise ValueError("a version is checked for one route only")
    # The tutor must be allowed for each route's teacher (support: an asset member assigned to the teacher, or
    # the center's staff — routes/extensions.py). One route: refused with the reason; several: left out, and
    # refused when none is left.
    refusals = tutor_refusals(locked, tutor) if locked else {}
    if refusals:
        allowed = [route for route in locked if route.pk not in refusals]
        if not allowed:
            raise RouteError(next(iter(refusals.values())))
        locked = allowed
    for route in locked:
        route.tutor = tutor
        _save(route, "tutor")
    if len(locked) == 1:
        notify([tutor], f"Вы назначены тьютором ИОМ: {locked[0].person.full_name}", _url(locked[0]))
    elif locked:
        notify([tutor], f"Вы назначены тьютором маршрутов: {len(locked)}", "/routes/")
    return len(locked)


# --- reports -----------------------------------------------------------------------------------------------------


def check_evidence(upload):
    name = upload.name.lower()
    if upload.size > EVIDENCE_MAX_BYTES:
        raise RouteError(f"Файл «{upload.name}» больше 10 МБ.")
    if not name.endswith(EVIDENCE_TYPES):
        raise RouteError(f"Файл «{upload.name}»: допустимы PDF, DOC/DOCX, XLSX, PPTX, JPG, PNG.")


@transaction.atomic
def report(item, user, text, links="", files=(), version=None):
    """The teacher's reflective report on an item (text, links, files); an approved route starts."""
    route = _locked(item.route)
    if not is_owner(user, route):
        raise RouteError("Отчёт по пункту представляет сам педагог.")
    if route.status not in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS):
        raise RouteError("Отчитываться можно по утверждённому маршруту.")
    item = RouteItem.objects.select_for_update().get(pk=item.pk)
    _check_version(item, version)
    if not text.strip():
        raise RouteError("Напишите рефлексивный отчёт.")
    for f in files:
        check_evidence(f)
    item.report, item.links = text.strip(), links.strip()
    item.reported_at, item.accepted, item.version = timezone.now(), None, item.version + 1
    if item.status == ItemStatus.PLANNED:
        item.status = ItemStatus.IN_PROGRESS
    item.save()
    for f in files:
        Evidence.objects.create(item=item, file=f, name=f.name[:255], uploaded_by=user)
    if route.status == RouteStatus.APPROVED:
        route.status = RouteStatus.IN_PROGRESS
        _save(route, "status")
    notify(
        [route.tutor], f"Отчёт по пункту ИОМ: {route.person.full_name} — {item.content[:100]}", _url(route)
    )
    return item


@transaction.atomic
def review_report(item, user, accept, comment="", version=None):
    route = _locked(item.route)
    if not (is_tutor(user, route) or is_region_staff(user)):
        raise RouteError("Отчёты принимает тьютор маршрута.")
    item = RouteItem.objects.select_for_update().get(pk=item.pk)
    _check_version(item, version)
    if not item.reported_at:
        raise RouteError("По пункту ещё нет отчёта.")
    if not accept and not comment.strip():
        raise RouteError("Напишите, что доработать в отчёте.")
    item.accepted, item.tutor_comment, item.version = accept, comment.strip(), item.version + 1
    if accept:
        item.status = ItemStatus.DONE
    item.save()
    if not accept:
        notify(
            [_teacher(route)], f"Отчёт возвращён: {item.content[:100]} — {comment.strip()[:200]}", _url(route)
        )
    return item


def sync_enrollments(enrollments):
    """Items linked to a cohort follow the enrollment: completed with a certificate → done (with the
    certificate in the report); expelled → not done."""
    for e in enrollments:
        items = RouteItem.objects.filter(cohort_id=e.cohort_id, route__person_id=e.person_id).exclude(
            status__in=[ItemStatus.DONE, ItemStatus.NOT_DONE]
        )
        if e.status == "completed" and e.attestation_passed and e.certificate_number:
            items.update(
                status=ItemStatus.DONE,
                accepted=True,
                report=f"Обучение завершено, удостоверение № {e.certificate_number} от {e.certificate_date:%d.%m.%Y}.",
                reported_at=timezone.now(),
                version=F("version") + 1,
            )
        elif e.status == "expelled" or (e.status == "completed" and e.attestation_passed is False):
            items.update(status=ItemStatus.NOT_DONE, version=F("version") + 1)


def sync_participation(participation):
    """An item planned for an event is done when the organizer marks the teacher present."""
    items = RouteItem.objects.filter(
        event_id=participation.event_id, route__person_id=participation.person_id
    ).exclude(status=ItemStatus.DONE)
    if participation.attended:
        role = participation.get_role_display()
        items.filter(reported_at__isnull=True).update(
            report=f"Участие подтверждено организатором (роль: {role}).", reported_at=timezone.now()
        )
        items.update(status=ItemStatus.DONE, accepted=True, version=F("version") + 1)


def remind_deadlines(today=None):
    """Notifications, once each, for items past their end without a report and for routes past their end, to
    the teacher and the tutor (run daily). A handful of queries whatever the number of routes."""
    today = today or datetime.date.today()
    running = [RouteStatus.APPROVED, RouteStatus.IN_PROGRESS]
    late_items = RouteItem.objects.filter(
        route__status__in=running,
        end__lt=today,
        reported_at__isnull=True,
        status__in=[ItemStatus.PLANNED, ItemStatus.IN_PROGRESS],
    ).select_related("route__person", "route__tutor")
    late_routes = Route.objects.filter(status__in=running, end__lt=today).select_related("person", "tutor")
    wanted = [
        (item.route, f"Срок пункта ИОМ истёк без отчёта: {item.content[:120]}") for item in late_items
    ] + [
        (r, f"ИОМ просрочен: срок окончания {r.end:%d.%m.%Y}, маршрут не закрыт — {r.person.full_name}")
        for r in late_routes
    ]
    if not wanted:
        return 0
    already = sent_before({_url(r) for r, _ in wanted})
    teachers = dict(
        User.objects.filter(person_id__in={r.person_id for r, _ in wanted}, is_active=True).values_list(
            "person_id", "pk"
        )
    )
    notes, sent = [], 0
    for route, text in wanted:
        text = text[:500]
        if (_url(route), text) in already:
            continue
        already.add((_url(route), text))
        for user_id in {teachers.get(route.person_id), route.tutor_id} - {None}:
            notes.append((user_id, text, _url(route)))
        sent += 1
    notify_each(notes)
    return sent


# --- the route as the teacher's hub: routes made by hand, resources added, applications and registrations ---

ACTIVE_ROUTE_EXISTS = "У педагога уже есть действующий маршрут; новый можно составить после его завершения."
NO_ACTIVE_ROUTE = "У педагога нет действующего маршрута: сначала составьте его."
RESOURCE_TWICE = "Этот ресурс уже есть в маршруте."


def active_route(person_id):
    return Route.objects.filter(person_id=person_id, status__in=ACTIVE).first()


def people_for_new_route(user, limit=2000):
    """(id, full name) of the people this user may make a route for by hand and who have no active route —
    their own staff for a school coordinator, oneself for a teacher, anyone in scope for the center; the
    first `limit` by name."""
    people = Person.objects.visible_to(user).exclude(routes__status__in=ACTIVE)
    if is_region_staff(user):
        pass
    elif is_school_coordinator(user):
        staff = Employment.objects.current().filter(organization_id__in=scope_of(user).organization_ids)
        people = people.filter(Q(pk__in=staff.values("person_id")) | Q(pk=user.person_id or 0))
    elif user.person_id:
        people = people.filter(pk=user.person_id)
    else:
        return []
    rows = people.order_by("last_name", "first_name", "middle_name", "pk").values_list(
        "pk", "last_name", "first_name", "middle_name"
    )[:limit]
    return [
        (pk, " ".join(part for part in (last, first, middle) if part)) for pk, last, first, middle in rows
    ]


def may_create(user, person):
    """Who makes a route by hand for a person in their scope: the teacher themselves, the school coordinator of
    the teacher's current school, the center — those who edit a draft (may_edit)."""
    if not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return False
    return (
        (bool(user.person_id) and user.person_id == person.pk)
        or is_region_staff(user)
        or (is_school_coordinator(user) and bool(_current_orgs(person.pk) & scope_of(user).organization_ids))
    )


@transaction.atomic
def create_route(person, user, start, end, basis, goal="", deficits=()):
    """A draft route made by hand, with no diagnostic result needed (a person not diagnosed yet, a
    methodologist's visit to a lesson), marked as such with its basis; `deficits` are the competences it is
    aimed at, if any. The teacher is told unless they made it themselves."""
    if not may_create(user, person):
        raise RouteError("Составить маршрут для этого педагога вы не можете.")
    basis = (basis or "").strip()
    if not basis:
        raise RouteError(
            "Укажите основание: почему маршрут составляется вручную (например, «по итогам посещения урока "
            "методистом»)."
        )
    if end < start:
        raise RouteError("Окончание маршрута раньше начала.")
    # The person's row serialises two routes made at once; the second sees the first.
    Person.objects.select_for_update().filter(pk=person.pk).exists()
    if active_route(person.pk) is not None:
        raise RouteError(ACTIVE_ROUTE_EXISTS)
    route = Route.objects.create(
        person=person,
        origin=RouteOrigin.MANUAL,
        basis=basis[:500],
        created_by=user,
        start=start,
        end=end,
        goal=(goal or "").strip() or GOAL,
        tutor=default_tutors([person.pk]).get(person.pk),
    )
    if deficits:
        route.deficits.set(deficits)
    routes_created.send(sender=Route, person_ids=[person.pk])
    if not is_owner(user, route):
        notify(
            [_teacher(route)],
            f"Для вас составлен черновик ИОМ ({basis[:200]}): проверьте и отправьте на согласование",
            _url(route),
        )
    return route


def _add_item(route, obj, how):
    """A new item for a catalog object, as the generator would write it (routes.proposals); refused when the
    resource's dates fall outside the route's period."""
    kind = kind_of(obj)
    p = proposal_for(obj, route, how)
    if p.start and p.end and not (route.start <= p.start and p.end <= route.end):
        raise RouteError(
            f"Сроки ресурса ({p.start:%d.%m.%Y} — {p.end:%d.%m.%Y}) вне периода маршрута "
            f"({route.start:%d.%m.%Y} — {route.end:%d.%m.%Y}): измените сроки маршрута или выберите другой ресурс."
        )
    item = RouteItem.objects.create(
        route=route,
        section=p.section,
        position=route.items.count(),
        content=p.content[:500],
        form=p.form[:500],
        hours=p.hours,
        start=p.start,
        end=p.end,
        reason=p.reason[:500],
        **{kind: obj},
    )
    if p.codes:
        item.deficits.set(Competence.objects.filter(code__in=p.codes))
    return item


@transaction.atomic
def add_resource(person_or_route, resource, user):
    """«Добавить в маршрут»: an item for a cohort, event, internship or community on the person's active route
    (a Person: their active route; a Route: that one, if active). Changing a route is editing its draft
    (may_edit): an approved route goes back to the draft first and is approved again. The same resource
    twice is refused; nothing changes then."""
    if isinstance(person_or_route, Route):
        routes = Route.objects.filter(pk=person_or_route.pk, status__in=ACTIVE)
    else:
        routes = Route.objects.filter(person_id=person_or_route.pk, status__in=ACTIVE)
    route = routes.select_for_update().select_related("person").first()
    if route is None:
        raise RouteError(NO_ACTIVE_ROUTE)
    if not may_edit(user, route):
        if is_owner(user, route) or is_school(user, route) or is_region_staff(user):
            raise RouteError(
                f"Маршрут {route.get_status_display()}: добавлять пункты можно только в черновик. Верните "
                "маршрут на доработку — изменения нужно будет согласовать снова."
            )
        raise RouteError("Изменять этот маршрут вы не можете.")
    kind = kind_of(resource)
    if route.items.filter(**{kind: resource}).exists():
        raise RouteError(RESOURCE_TWICE)
    if kind == "cohort" and resource.program.status != ProgramStatus.ACTIVE:
        raise RouteError("Программа не действует: добавить её в маршрут нельзя.")
    return _add_item(route, resource, "добавлено в маршрут вручную")


def resource_title(obj):
    """What a catalog object is called: a cohort by its program, a community by its name."""
    kind = kind_of(obj)
    return {"cohort": lambda: obj.program.title, "community": lambda: obj.name}.get(kind, lambda: obj.title)()


def _find_item(route, obj):
    """The route's item for this resource: the one linked to it; else a line typed by hand with the resource's
    title in its section; else, for a cohort, a planned line of another cohort of the same program (moved to
    this one, with its dates when they fit the route). The found line is linked to the resource."""
    kind = kind_of(obj)
    item = route.items.filter(**{kind: obj}).first()
    if item is not None:
        return item
    open_ = [ItemStatus.PLANNED, ItemStatus.IN_PROGRESS]
    item = route.items.filter(
        section=SECTION_OF[kind],
        content__iexact=resource_title(obj),
        status__in=open_,
        cohort__isnull=True,
        event__isnull=True,
        internship__isnull=True,
        community__isnull=True,
    ).first()
    if item is None and kind == "cohort":
        item = (
            route.items.filter(cohort__program_id=obj.program_id, status=ItemStatus.PLANNED)
            .exclude(cohort=obj)
            .first()
        )
        if item is not None and route.start <= obj.start and obj.end <= route.end:
            item.start, item.end = obj.start, obj.end
    if item is not None:
        setattr(item, kind, obj)
        item.version += 1
        item.save()
    return item


def _follow(person_id, obj, note, add, how, status=None):
    """The person's active route follows a catalog step: its item for `obj` (found and linked, or — when
    `add` — added) records `note` and moves to `status` from planned. A resource that does not fit the route
    (its dates) is left out: the catalog's step never fails because of the route."""
    route = Route.objects.select_for_update().filter(person_id=person_id, status__in=ACTIVE).first()
    if route is None:
        return None
    item = _find_item(route, obj)
    if item is None and add:
        try:
            with transaction.atomic():  # a savepoint: a refused item leaves the catalog's change whole
                item = _add_item(route, obj, how)
        except RouteError:
            return None
    if item is None or item.status in (ItemStatus.DONE, ItemStatus.NOT_DONE):
        return item
    item.note = note[:500]
    if status is not None and item.status == ItemStatus.PLANNED:
        item.status = status
    item.version += 1
    item.save(update_fields=["note", "status", "version"])
    return item


APPLICATION_NOTES = {
    ApplicationStatus.REQUESTED: "педагог попросил записать на курс",
    ApplicationStatus.DECLINED: "просьба о записи отклонена ОО",
    ApplicationStatus.SUBMITTED: "заявка подана",
    ApplicationStatus.WAITING: "заявка в листе ожидания",
    ApplicationStatus.CONFIRMED: "заявка подтверждена муниципалитетом",
    ApplicationStatus.ENROLLED: "зачисление в группу",
    ApplicationStatus.REJECTED: "заявка отклонена",
    ApplicationStatus.WITHDRAWN: "заявка отозвана",
}


def follow_application(application, reason=""):
    """The course's item follows the application (resources.signals.application_changed): added or linked once
    the application is confirmed or enrolled; every step noted on the linked item («заявка подтверждена
    муниципалитетом 12.03.2027»); enrolled → the item is in progress. Rejected, withdrawn or declined, the item
    stays planned with the note: the school may apply to another group (completion and expulsion are
    sync_enrollments')."""
    cohort = Cohort.objects.select_related("program").get(pk=application.cohort_id)
    status = application.status
    note = f"{APPLICATION_NOTES.get(status, status)} {datetime.date.today():%d.%m.%Y}"
    if reason:
        note += f": {reason.strip()}"
    return _follow(
        application.person_id,
        cohort,
        note,
        add=status in (ApplicationStatus.CONFIRMED, ApplicationStatus.ENROLLED),
        how="добавлено при подтверждении заявки на курс",
        status=ItemStatus.IN_PROGRESS if status == ApplicationStatus.ENROLLED else None,
    )


def follow_registration(participation):
    """A registration for an event (resources.signals.participation_registered) adds or links the event's
    item; attendance then closes it (sync_participation)."""
    event = participation.event
    note = f"регистрация на мероприятие {datetime.date.today():%d.%m.%Y}"
    if participation.role == "speaker" and participation.topic:
        note += f", выступление: {participation.topic}"
    return _follow(
        participation.person_id, event, note, add=True, how="добавлено при регистрации на мероприятие"
    )

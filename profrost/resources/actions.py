"""State changes of the resources: applications within quotas, enrollment, events, internships (interns,
mentors, completion), internship sites' monthly reports, communities. The pages, the command line and the
tasks all change state through these functions.

Quota arithmetic is serialised on the cohort row (SELECT … FOR UPDATE): two coordinators taking the last place
at once queue on the lock, the second one sees the place taken. Every refusal is a ResourceError with a
Russian message for the user; nothing is written then.

The teacher hears of every decision on their application (core.notifications), and the apps above follow
applications and registrations through resources.signals (routes: the route's items).
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse

from profrost.accounts.models import Role, RoleCode, User
from profrost.accounts.permissions import (
    is_municipal_coordinator,
    is_region_staff,
    is_school_coordinator,
    may_register_others,
)
from profrost.core.notifications import notify
from profrost.core.scoping import scope_of
from profrost.people.models import Employment, Person
from profrost.resources.models import (
    CLOSED_APPLICATION,
    HOLDING_QUOTA,
    Application,
    ApplicationStatus,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Event,
    Internship,
    InternshipParticipant,
    Membership,
    Participation,
    ProgramStatus,
    Quota,
    SiteReport,
)
from profrost.resources.signals import (
    application_changed,
    attendance_marked,
    enrollments_changed,
    participation_registered,
)


class ResourceError(Exception):
    """A refused action; the message is for the user."""


def may_manage_municipality(user, municipality_id):
    scope = scope_of(user)
    return is_region_staff(user) or (
        is_municipal_coordinator(user) and municipality_id in scope.municipality_ids
    )


def may_apply_for(user, organization):
    scope = scope_of(user)
    return (
        is_region_staff(user)
        or may_manage_municipality(user, organization.municipality_id)
        or (is_school_coordinator(user) and organization.pk in scope.organization_ids)
    )


def _locked(cohort):
    return Cohort.objects.select_for_update().select_related("program").get(pk=cohort.pk)


def quota_use(cohort, municipality_id, organization_id=None):
    """(places, used) of a municipality's quota in a cohort, or of an organization's part of it."""
    quota = Quota.objects.filter(
        cohort=cohort, municipality_id=municipality_id, organization_id=organization_id
    ).first()
    holding = Application.objects.filter(cohort=cohort, status__in=HOLDING_QUOTA)
    if organization_id:
        used = holding.filter(organization_id=organization_id).count()
    else:
        used = holding.filter(municipality_id=municipality_id).count()
    return (quota.places if quota else None), used


def _current_job(person, organization):
    return Employment.objects.filter(person=person, organization=organization).current().exists()


# --- what the teacher hears, what the apps above follow ---------------------------------------------------


def _teacher_of(person_id):
    """The active account of a person, or None (a teacher without a login hears nothing)."""
    return User.objects.filter(person_id=person_id, is_active=True).first()


def _course(cohort):
    return f"«{cohort.program.title}» (группа с {cohort.start:%d.%m.%Y})"


def _changed(application, text="", reason=""):
    """After an application's change, in its transaction: the teacher is told `text` (with their name and the
    course, linking the cohort's page) and application_changed is sent (routes: the course's item follows)."""
    if text:
        cohort = Cohort.objects.select_related("program").get(pk=application.cohort_id)
        reason = (reason or "").strip()
        notify(
            [_teacher_of(application.person_id)],
            f"{text}: {application.person.full_name} — {_course(cohort)}"
            + (f". Причина: {reason}" if reason else ""),
            reverse("resources:cohort", args=[cohort.pk]),
        )
    application_changed.send(Application, application=application, reason=reason)


# --- a teacher's request for a course («хочу на этот курс») ------------------------------------------------

ALREADY_ASKED = "Вы уже просили записать вас на этот курс: просьба ждёт решения уполномоченного ОО."


def main_job(person):
    """The person's current job to apply through: the main one first, then the earliest recorded."""
    return (
        Employment.objects.filter(person=person)
        .current()
        .select_related("organization")
        .order_by("-is_main", "pk")
        .first()
    )


def school_coordinators(organization_id):
    ids = Role.objects.filter(
        role=RoleCode.SCHOOL_COORDINATOR, is_active=True, organization_id=organization_id
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def request_course(cohort, user, comment=""):
    """The signed-in teacher asks to be applied for a cohort: a request (status «просьба педагога») in the
    queue of the school of their main current job, which holds no place; the school's coordinators are told.
    The school turns it into an application (apply) or declines it (decline_request)."""
    cohort = _locked(cohort)
    if not user.person_id:
        raise ResourceError(
            "Попросить записать на курс может педагог, чья учётная запись связана с реестром."
        )
    person = Person.objects.get(pk=user.person_id)
    job = main_job(person)
    if job is None:
        raise ResourceError("Вы не работаете ни в одной организации реестра: заявку подавать некому.")
    if cohort.start <= datetime.date.today():
        raise ResourceError("Обучение в этой группе уже началось: записаться нельзя.")
    if cohort.program.status != ProgramStatus.ACTIVE:
        raise ResourceError("Программа не действует: записаться на неё нельзя.")
    current = (
        Application.objects.filter(cohort=cohort, person=person)
        .exclude(status__in=CLOSED_APPLICATION)
        .first()
    )
    if current is not None:
        if current.status == ApplicationStatus.REQUESTED:
            raise ResourceError(ALREADY_ASKED)
        raise ResourceError(f"Заявка на вас в эту группу уже есть: {current.get_status_display()}.")
    try:
        with transaction.atomic():  # a savepoint: a request made at the same moment is refused, not an error
            application = Application.objects.create(
                cohort=cohort,
                person=person,
                organization=job.organization,
                municipality_id=job.organization.municipality_id,
                status=ApplicationStatus.REQUESTED,
                applied_by=user,
                comment=(comment or "").strip()[:500],
            )
    except IntegrityError as exc:
        raise ResourceError(ALREADY_ASKED) from exc
    notify(
        school_coordinators(job.organization_id),
        f"Педагог просит записать на курс: {person.full_name} — {_course(cohort)}",
        reverse("resources:cohort", args=[cohort.pk]),
    )
    _changed(application)
    return application


@transaction.atomic
def decline_request(application, user, reason):
    """The school declines a teacher's request, saying why; the teacher is told."""
    _locked(application.cohort)
    application = (
        Application.objects.select_for_update().select_related("organization").get(pk=application.pk)
    )
    if not may_apply_for(user, application.organization):
        raise ResourceError("Отвечать на просьбы можно только педагогов своей организации.")
    if application.status != ApplicationStatus.REQUESTED:
        raise ResourceError(
            f"Это уже не просьба педагога: заявка в статусе «{application.get_status_display()}»."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ResourceError("Напишите педагогу причину отказа.")
    application.status, application.decided_by = ApplicationStatus.DECLINED, user
    application.comment = (
        application.comment + "\n" if application.comment else ""
    ) + f"Просьба отклонена: {reason}"
    application.save(update_fields=["status", "decided_by", "comment"])
    _changed(application, "Просьба записать на курс отклонена", reason=reason)
    return application


@transaction.atomic
def apply(cohort, person, organization, user, deficit=None, waitlist=False, comment=""):
    """A school's application for one of its teachers; it holds a place of the municipality's quota
    (and of the school's part, when the municipality split it). Over quota: refused, or put on the
    waiting list when asked."""
    cohort = _locked(cohort)
    if not may_apply_for(user, organization):
        raise ResourceError("Подавать заявки можно только за педагогов своей организации.")
    if not _current_job(person, organization):
        raise ResourceError(f"{person.full_name} не работает в «{organization.name}».")
    if deficit is not None and (not deficit.is_deficit or deficit.result.person_id != person.pk):
        raise ResourceError("Указанный дефицит не относится к этому педагогу.")
    if cohort.start <= datetime.date.today():
        raise ResourceError("Обучение в этой группе уже началось: заявки не принимаются.")
    current = (
        Application.objects.select_for_update()
        .filter(cohort=cohort, person=person)
        .exclude(status__in=CLOSED_APPLICATION)
        .first()
    )
    if current is not None and current.status != ApplicationStatus.REQUESTED:
        raise ResourceError(f"Заявка на {person.in_case('accusative')} в эту группу уже подана.")
    municipality_id = organization.municipality_id
    places, used = quota_use(cohort, municipality_id)
    if places is None:
        raise ResourceError("Для вашего муниципалитета в этой группе квота не выделена.")
    full = used >= places
    org_places, org_used = quota_use(cohort, municipality_id, organization.pk)
    if org_places is not None and org_used >= org_places:
        full = True
    if full and not waitlist:
        raise ResourceError(
            f"Квота исчерпана: занято {used} из {places} мест муниципалитета"
            + (f", {org_used} из {org_places} мест организации" if org_places is not None else "")
            + ". Заявку можно поставить в лист ожидания."
        )
    status = ApplicationStatus.WAITING if full else ApplicationStatus.SUBMITTED
    if current is not None:  # the teacher's own request becomes the application, in its place
        current.organization, current.municipality_id = organization, municipality_id
        current.deficit = deficit or current.deficit
        current.status, current.applied_by, current.decided_by = status, user, user
        current.comment = "\n".join(c for c in (current.comment, comment) if c)
        current.save()
        application = current
    else:
        application = Application.objects.create(
            cohort=cohort,
            person=person,
            organization=organization,
            municipality_id=municipality_id,
            deficit=deficit,
            status=status,
            applied_by=user,
            comment=comment,
        )
    waiting = " (в листе ожидания: квота исчерпана)" if status == ApplicationStatus.WAITING else ""
    _changed(application, "Подана заявка на курс" + waiting)
    return application


def _decide(application, user, allowed_from, to, check):
    with transaction.atomic():
        _locked(application.cohort)
        application = Application.objects.select_for_update().get(pk=application.pk)
        check(application)
        if application.status not in allowed_from:
            raise ResourceError(f"Заявка уже в статусе «{application.get_status_display()}».")
        application.status = to
        application.decided_by = user
        application.save(update_fields=["status", "decided_by"])
        if to not in HOLDING_QUOTA:
            promote_waiting(application.cohort, application.municipality_id)
        return application


def confirm(application, user):
    """The municipal coordinator confirms an application of their municipality."""

    def check(a):
        if not may_manage_municipality(user, a.municipality_id):
            raise ResourceError("Подтверждать можно только заявки своего муниципалитета.")

    with transaction.atomic():
        application = _decide(
            application, user, [ApplicationStatus.SUBMITTED], ApplicationStatus.CONFIRMED, check
        )
        _changed(application, "Заявка на курс подтверждена муниципалитетом")
    return application


def reject(application, user, comment=""):
    def check(a):
        if not may_manage_municipality(user, a.municipality_id):
            raise ResourceError("Отклонять можно только заявки своего муниципалитета.")
        if comment:
            a.comment = (a.comment + "\n" if a.comment else "") + f"Отклонена: {comment}"
            a.save(update_fields=["comment"])

    with transaction.atomic():
        application = _decide(
            application,
            user,
            [ApplicationStatus.SUBMITTED, ApplicationStatus.CONFIRMED, ApplicationStatus.WAITING],
            ApplicationStatus.REJECTED,
            check,
        )
        _changed(application, "Заявка на курс отклонена", reason=comment)
    return application


def withdraw(application, user):
    """The school takes its application back; the place returns to the municipality's quota."""

    def check(a):
        if not may_apply_for(user, a.organization):
            raise ResourceError("Отозвать можно только заявку своей организации.")

    with transaction.atomic():
        application = _decide(
            application,
            user,
            [ApplicationStatus.SUBMITTED, ApplicationStatus.CONFIRMED, ApplicationStatus.WAITING],
            ApplicationStatus.WITHDRAWN,
            check,
        )
        _changed(application)
    return application


def promote_waiting(cohort, municipality_id):
    """Move waiting applications (first come, first served) into free places of the quota."""
    places, used = quota_use(cohort, municipality_id)
    if places is None:
        return 0
    promoted = 0
    for application in Application.objects.filter(
        cohort=cohort, municipality_id=municipality_id, status=ApplicationStatus.WAITING
    ).order_by("created_at", "pk"):
        if used >= places:
            break
        org_places, org_used = quota_use(cohort, municipality_id, application.organization_id)
        if org_places is not None and org_used >= org_places:
            continue
        application.status = ApplicationStatus.SUBMITTED
        application.save(update_fields=["status"])
        _changed(application)
        used += 1
        promoted += 1
    return promoted


@transaction.atomic
def set_quota(cohort, municipality, places, user, organization=None):
    """The center gives a municipality its places (within the cohort's capacity); a municipal coordinator
    splits their municipality's places among its organizations or gives unused places back (lowers its own
    quota). A quota never goes under the places already taken."""
    cohort = _locked(cohort)
    if places < 0:
        raise ResourceError("Число мест не может быть отрицательным.")
    if organization is None and not is_region_staff(user):
        current, used = quota_use(cohort, municipality.pk)
        if not may_manage_municipality(user, municipality.pk) or current is None or places > current:
            raise ResourceError("Увеличить квоту муниципалитета может только центр; вернуть места можно.")
    if organization is not None and not may_manage_municipality(user, municipality.pk):
        raise ResourceError("Распределять квоту можно только своего муниципалитета.")
    _, used = quota_use(cohort, municipality.pk, organization.pk if organization else None)
    if places < used:
        raise ResourceError(f"Занято уже {used} мест: квоту нельзя сделать меньше.")
    others = Quota.objects.filter(cohort=cohort)
    if organization is None:
        given = (
            others.filter(organization__isnull=True)
            .exclude(municipality=municipality)
            .aggregate(n=Sum("places"))["n"]
            or 0
        )
        if given + places > cohort.capacity:
            raise ResourceError(
                f"В группе {cohort.capacity} мест; другим муниципалитетам выделено {given}: "
                f"можно не более {cohort.capacity - given}."
            )
        split = (
            others.filter(municipality=municipality, organization__isnull=False).aggregate(n=Sum("places"))[
                "n"
            ]
            or 0
        )
        if places < split:
            raise ResourceError(f"Организациям муниципалитета уже распределено {split} мест.")
    else:
        muni_places, _ = quota_use(cohort, municipality.pk)
        split = (
            others.filter(municipality=municipality, organization__isnull=False)
            .exclude(organization=organization)
            .aggregate(n=Sum("places"))["n"]
            or 0
        )
        if muni_places is None or split + places > muni_places:
            raise ResourceError(
                f"Квота муниципалитета — {muni_places or 0} мест, организациям уже распределено {split}."
            )
    quota, _ = Quota.objects.update_or_create(
        cohort=cohort, municipality=municipality, organization=organization, defaults={"places": places}
    )
    promote_waiting(cohort, municipality.pk)
    return quota


@transaction.atomic
def enroll(application, user):
    """The center enrolls a confirmed application (a cohort never takes more than its capacity)."""
    if not is_region_staff(user):
        raise ResourceError("Зачисляет центр.")
    cohort = _locked(application.cohort)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.CONFIRMED:
        raise ResourceError("Зачислить можно только подтверждённую муниципалитетом заявку.")
    if cohort.enrollments.exclude(status=EnrollmentStatus.EXPELLED).count() >= cohort.capacity:
        raise ResourceError(f"Группа заполнена: {cohort.capacity} мест.")
    application.status = ApplicationStatus.ENROLLED
    application.decided_by = user
    application.save(update_fields=["status", "decided_by"])
    enrollment = Enrollment.objects.create(cohort=cohort, person=application.person, application=application)
    _changed(application, "Зачисление на курс")
    return enrollment


ENROLLMENT_MOVES = {
    EnrollmentStatus.ENROLLED: {EnrollmentStatus.STUDYING, EnrollmentStatus.EXPELLED},
    EnrollmentStatus.STUDYING: {EnrollmentStatus.COMPLETED, EnrollmentStatus.EXPELLED},
    EnrollmentStatus.COMPLETED: set(),
    EnrollmentStatus.EXPELLED: set(),
}


def check_enrollment_move(current, new, passed=None, certificate_number="", certificate_date=None):
    """The message for a move that is not allowed, or "" (shared by the pages and the import)."""
    if new == current:
        return ""
    if new not in ENROLLMENT_MOVES[current]:
        return (
            f"из статуса «{EnrollmentStatus(current).label}» нельзя перейти в «{EnrollmentStatus(new).label}»"
        )
    if new == EnrollmentStatus.COMPLETED:
        if passed is None:
            return "для завершения обучения укажите результат итоговой аттестации"
        if passed and not (certificate_number and certificate_date):
            return "при пройденной аттестации нужны номер и дата удостоверения"
    return ""


@transaction.atomic
def move_enrollment(
    enrollment, user, status, passed=None, certificate_number="", certificate_date=None, hours=None
):
    if not is_region_staff(user):
        raise ResourceError("Результаты обучения отмечает центр.")
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    error = check_enrollment_move(enrollment.status, status, passed, certificate_number, certificate_date)
    if error:
        raise ResourceError(error[0].upper() + error[1:] + ".")
    enrollment.status = status
    if status == EnrollmentStatus.COMPLETED:
        enrollment.attestation_passed = passed
        enrollment.certificate_number = certificate_number if passed else ""
        enrollment.certificate_date = certificate_date if passed else None
    if hours is not None:
        enrollment.hours_attended = hours
    enrollment.version += 1
    enrollment.save()
    enrollments_changed.send(
        Enrollment, enrollments=[enrollment]
    )  # e.g. route items linked to the cohort follow
    return enrollment


# --- events -------------------------------------------------------------------------------------------


def may_register(user, person):
    if user.person_id == person.pk:
        return True
    coordinator = may_register_others(user)
    return coordinator and Person.objects.visible_to(user).filter(pk=person.pk).exists()


@transaction.atomic
def register(event, person, user, role="participant", topic=""):
    """A teacher registers (or is registered by their coordinator); capacity is held on the event row."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not may_register(user, person):
        raise ResourceError("Зарегистрировать можно себя или педагогов своей организации.")
    if event.end < datetime.date.today():
        raise ResourceError("Мероприятие уже прошло: регистрация закрыта.")
    if event.participations.filter(person=person).exists():
        raise ResourceError(f"{person.full_name} уже {person.by_sex('зарегистрирован', 'зарегистрирована')}.")
    if event.capacity is not None and event.participations.count() >= event.capacity:
        raise ResourceError(f"Мест нет: все {event.capacity} заняты.")
    if role == "speaker" and not topic.strip():
        raise ResourceError("Укажите тему выступления.")
    participation = Participation.objects.create(
        event=event, person=person, role=role, topic=topic.strip(), registered_by=user
    )
    if user.person_id != person.pk:
        notify(
            [_teacher_of(person.pk)],
            f"Регистрация на мероприятие: {person.full_name} — «{event.title}» ({event.start:%d.%m.%Y})",
            reverse("resources:event", args=[event.pk]),
        )
    participation_registered.send(Participation, participation=participation)  # e.g. the route's item
    return participation


@transaction.atomic
def mark_attendance(event, person, user, attended=True, role=None):
    """The organizer (the center or the event's municipality) marks who came, and contest results."""
    if not (is_region_staff(user) or may_manage_municipality(user, event.organizer.municipality_id)):
        raise ResourceError("Отмечать посещаемость может организатор мероприятия.")
    participation = Participation.objects.select_for_update().filter(event=event, person=person).first()
    if participation is None:
        registered = person.by_sex("зарегистрирован", "зарегистрирована")
        raise ResourceError(f"{person.full_name} не {registered} на это мероприятие.")
    participation.attended = attended
    if role:
        participation.role = role
    participation.save(update_fields=["attended", "role"])
    attendance_marked.send(Participation, participation=participation)  # e.g. the route item planned follows
    return participation


# --- internships and communities ------------------------------------------------------------------------


@transaction.atomic
def add_intern(internship, person, user):
    internship = Internship.objects.select_for_update().get(pk=internship.pk)
    if not (is_region_staff(user) or may_register(user, person)):
        raise ResourceError("Направить на стажировку можно педагогов своей организации.")
    if internship.participants.filter(person=person).exists():
        raise ResourceError(f"{person.full_name} уже среди стажёров.")
    if internship.participants.count() >= internship.capacity:
        raise ResourceError(f"Мест нет: все {internship.capacity} заняты.")
    return InternshipParticipant.objects.create(internship=internship, person=person)


@transaction.atomic
def add_mentor(internship, user, person):
    """The center names a mentor of the internship: a teacher of the site (any job there, past or present)
    within the user's scope. Returns the person."""
    if not is_region_staff(user):
        raise ResourceError("Наставников стажировки назначает центр.")
    visible = Person.objects.visible_to(user).filter(pk=person.pk)
    if not visible.exists():
        raise ResourceError("Педагог не найден в вашей области доступа.")
    if not visible.filter(employments__organization=internship.site_id).exists():
        raise ResourceError(f"{person.full_name} не работает на площадке «{internship.site.name}».")
    internship.mentors.add(person)
    return person


@transaction.atomic
def remove_mentor(internship, user, person_id):
    if not is_region_staff(user):
        raise ResourceError("Наставников стажировки назначает центр.")
    internship.mentors.remove(person_id)


@transaction.atomic
def set_intern_completed(internship, user, participant_id, completed):
    """The center marks an intern of this internship as having completed it (or not). Returns how many rows
    changed: 0 for a participant of another internship."""
    if not is_region_staff(user):
        raise ResourceError("Завершение стажировки отмечает центр.")
    return internship.participants.filter(pk=participant_id).update(completed=completed)


# --- internship sites' reports ---------------------------------------------------------------------------


def may_report_for(user, site):
    """A site's monthly report is written by the center or the site's own school coordinator."""
    return is_region_staff(user) or (
        is_school_coordinator(user) and site.pk in scope_of(user).organization_ids
    )


def _violates(error, constraint):
    """Whether an IntegrityError comes from this constraint (psycopg's diagnostics name it)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint


def add_site_report(site, user, month, text, file=None):
    """A site's report for the month of `month` (any day of it); one per site and month. Race-free: the
    unique constraint decides — a second report, even one inserted between another request's check and its
    insert, is refused with the same message, never a server error. Returns the report."""
    if not may_report_for(user, site):
        raise ResourceError("Отчёт площадки пишет центр или уполномоченный ОО площадки.")
    month = month.replace(day=1)
    taken = f"Отчёт за {month:%m.%Y} уже есть"
    report = SiteReport(site=site, month=month, text=text, file=file or None, created_by=user)
    if report.file:
        report.file_name = report.file.name.rsplit("/", 1)[-1][:255]
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            report.save()
    except IntegrityError as exc:
        if report.file:
            report.file.delete(save=False)  # stored before the INSERT failed
        if _violates(exc, "site_report_once_a_month"):
            raise ResourceError(taken) from exc
        raise
    return report


@transaction.atomic
def add_member(community, person, status, user, leader=False):
    """Join a community (oneself), or be added by its leader or one's coordinator."""
    if not (leader or is_region_staff(user) or may_register(user, person)):
        raise ResourceError("Добавить в сообщество можно себя или педагогов своей организации.")
    membership, created = Membership.objects.get_or_create(
        community=community, person=person, defaults={"status": status, "since": datetime.date.today()}
    )
    if not created:
        raise ResourceError(f"{person.full_name} уже в сообществе.")
    return membership


def cohort_numbers(cohorts):
    """Cohorts annotated with places taken (applications holding quota) and enrolled, counted in SQL."""
    return cohorts.annotate(
        taken=Count("applications", filter=Q(applications__status__in=HOLDING_QUOTA), distinct=True),
        enrolled=Count(
            "enrollments", filter=~Q(enrollments__status=EnrollmentStatus.EXPELLED), distinct=True
        ),
    )

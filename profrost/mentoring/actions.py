"""State changes of mentoring (docs/mentoring.md): a program (create, approve, close), a pair or a group (create
with its checks, close), the personal plan (tasks, both sides' marks, the mentor's final assessment and the
mentee's reflection), and section 3 of the routes that follows the pairs (§7). Pages, imports, proposals and the
command line all go through these functions.

Every refusal is a MentoringError with a Russian message, and nothing is written then; a user whose role may not
do the thing at all gets PermissionDenied. A mentor's load is serialised on the mentor's person row (SELECT …
FOR UPDATE): two pairs racing for the mentor's last place queue on the lock, the second sees the cap reached.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse

from profrost.accounts.models import Role, User
from profrost.accounts.permissions import is_region_staff
from profrost.accounts.roles import RoleCode
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.notifications import notify
from profrost.core.scoping import scope_of
from profrost.mentoring import permissions
from profrost.mentoring.models import (
    GROUP_FORMS,
    ORGANIZATION_FORMS,
    MemberRole,
    MentoringProgram,
    Mentorship,
    MentorshipForm,
    MentorshipMember,
    MentorshipRouteItem,
    MentorshipStatus,
    PlanTask,
    ProgramStatus,
    TaskMark,
    current_employment,
    mentee_cap,
)
from profrost.people.models import Person
from profrost.routes.models import ACTIVE as ACTIVE_ROUTE
from profrost.routes.models import ItemStatus, Route, RouteItem, Section
from profrost.structure.models import Organization

TEXT_MAX = 500
LONG_TEXT_MAX = 5000
MIN_YEAR = 2000
MAX_YEARS = 10  # a program or a pair longer than ten years is a typing error
MAX_MENTEES = 30  # a group larger than a class is a typing error

WITH_MENTOR = "Работа с наставником"
AS_MENTOR = "Работа в качестве наставника"


class MentoringError(Exception):
    """A refused action; the message is for the user."""


def _d(day):
    return day.strftime("%d.%m.%Y")


def _text(value, what, limit=TEXT_MAX, required=False):
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise MentoringError(f"Укажите {what}")
    if len(value) > limit:
        raise MentoringError(f"Поле «{what}» длиннее {limit} символов")
    return value


def _period(start, end, what, required_end=True):
    if start is None:
        raise MentoringError(f"Укажите дату начала {what}")
    if end is None and required_end:
        raise MentoringError(f"Укажите дату окончания {what}")
    if start.year < MIN_YEAR:
        raise MentoringError(f"Неверная дата начала {what}: раньше {MIN_YEAR} года")
    if end is not None:
        if end < start:
            raise MentoringError(f"Окончание {what} раньше его начала")
        if (end - start).days > 366 * MAX_YEARS:
            raise MentoringError(f"Период {what} длиннее {MAX_YEARS} лет")


def _order(number, date, what="приказа"):
    number = _text(number, f"номер {what}", 100)
    if date is not None:
        if date > datetime.date.today():
            raise MentoringError(f"Дата {what} не может быть в будущем")
        if date.year < MIN_YEAR:
            raise MentoringError(f"Неверная дата {what}: раньше {MIN_YEAR} года")
    if bool(number) != bool(date):
        raise MentoringError(f"Укажите и номер, и дату {what}")
    return number, date


def _require(predicate, user):
    if not predicate(user):
        raise PermissionDenied


def mentorship_url(mentorship):
    return reverse("mentoring:mentorship", args=[mentorship.pk])


def manages_organization(user, organization):
    """The organization is in the user's scope (its school coordinator, its municipality's, the region)."""
    return (
        organization is not None and Organization.objects.visible_to(user).filter(pk=organization.pk).exists()
    )


def may_manage(user, mentorship):
    """Close a pair, edit its plan as the organization: a manager whose scope holds the pair's organization, or
    the curator of its program."""
    if not permissions.may_manage_mentoring(user) and not is_curator(user, mentorship):
        return False
    return is_curator(user, mentorship) or manages_organization(user, mentorship.organization)


def is_curator(user, mentorship):
    return bool(user.person_id and mentorship.program_id and mentorship.program.curator_id == user.person_id)


def role_in(user, mentorship):
    """MemberRole of the user's person in the pair, or None."""
    if not user.person_id:
        return None
    return (
        MentorshipMember.objects.filter(mentorship=mentorship, person_id=user.person_id)
        .values_list("role", flat=True)
        .first()
    )


# --- the mentor role follows the pairs -------------------------------------------------------------------------


def grant_mentor_role(person_ids, actor=None, request=None):
    """Logins of these people get the mentor role unless they hold it (journaled as any role change)."""
    users = User.objects.filter(person_id__in=list(person_ids), is_active=True).exclude(
        roles__role=RoleCode.MENTOR, roles__is_active=True
    )
    for user in users:
        Role.objects.create(user=user, role=RoleCode.MENTOR, created_by=actor)
        journal(
            JournalAction.ROLE_CHANGE,
            request=request,
            user=actor,
            obj=user,
            change="grant",
            role=RoleCode.MENTOR,
            scope="наставничество",
            reason="назначен наставником",
        )


def sync_role_for_login(user):
    """A login saved for the person of an active mentor gets the mentor role (accounts' user saved)."""
    if user.person_id and Mentorship.objects.active().of_mentor(user.person_id).exists():
        grant_mentor_role([user.person_id])


# --- programs --------------------------------------------------------------------------------------------------


def _clean_forms(forms):
    codes = set(MentorshipForm.values)
    forms = [f for f in dict.fromkeys(forms or ())]
    unknown = [f for f in forms if f not in codes]
    if unknown:
        raise MentoringError(f"Неизвестная форма наставничества: {str(unknown[0])[:50]}")
    if not forms:
        raise MentoringError("Выберите хотя бы одну форму наставничества")
    return forms


@transaction.atomic
def save_program(
    actor,
    *,
    program=None,
    organization=None,
    municipality=None,
    title,
    start,
    end,
    forms,
    curator=None,
    act_number="",
    act_date=None,
    act_file=None,
    request=None,
):
    """Create (or, as a draft, edit) an organization's or a municipality's mentoring program."""
    _require(permissions.may_manage_mentoring, actor)
    if program is not None:
        program = MentoringProgram.objects.select_for_update().get(pk=program.pk)
        if program.status != ProgramStatus.DRAFT:
            raise MentoringError("Утверждённую программу изменить нельзя: завершите её и составьте новую.")
        organization, municipality = program.organization, program.municipality
    if (organization is None) == (municipality is None):
        raise MentoringError("Программа принадлежит организации или муниципалитету — укажите одно из двух")
    if organization is not None and not manages_organization(actor, organization):
        raise MentoringError("Организация вне вашей области: программу составляет её уполномоченный")
    if municipality is not None:
        scope = scope_of(actor)
        if not (scope.everything or municipality.pk in scope.municipality_ids or is_region_staff(actor)):
            raise MentoringError("Муниципалитет вне вашей области")
    title = _text(title, "наименование программы", 300, required=True)
    _period(start, end, "программы")
    forms = _clean_forms(forms)
    act_number, act_date = _order(act_number, act_date, "локального акта")
    if curator is not None and not Person.objects.visible_to(actor).filter(pk=curator.pk).exists():
        raise MentoringError("Куратор вне вашей области: выберите сотрудника своей организации")
    fields = dict(
        organization=organization,
        municipality=municipality,
        title=title,
        start=start,
        end=end,
        forms=forms,
        curator=curator,
        act_number=act_number,
        act_date=act_date,
    )
    created = program is None
    if created:
        program = MentoringProgram(created_by=actor, **fields)
    else:
        for name, value in fields.items():
            setattr(program, name, value)
    if act_file is not None:
        program.act_file = act_file
    program.save()
    journal(
        JournalAction.CREATE if created else JournalAction.UPDATE,
        request=request,
        user=actor,
        obj=program,
        what="программа наставничества",
    )
    return program


@transaction.atomic
def approve_program(actor, program, request=None):
    """A draft program with its local act (number and date) becomes approved."""
    program = MentoringProgram.objects.select_for_update().get(pk=program.pk)
    if not _manages_program(actor, program):
        raise PermissionDenied
    if program.status != ProgramStatus.DRAFT:
        raise MentoringError("Программа уже утверждена")
    if not (program.act_number and program.act_date):
        raise MentoringError("Укажите номер и дату локального акта, которым утверждена программа")
    program.status = ProgramStatus.APPROVED
    program.save(update_fields=["status"])
    journal(JournalAction.UPDATE, request=request, user=actor, obj=program, change="approve")
    return program


@transaction.atomic
def close_program(actor, program, request=None):
    program = MentoringProgram.objects.select_for_update().get(pk=program.pk)
    if not _manages_program(actor, program):
        raise PermissionDenied
    if program.status != ProgramStatus.APPROVED:
        raise MentoringError("Завершить можно утверждённую программу")
    if program.mentorships.active().exists():
        raise MentoringError("В программе есть активные пары: сначала завершите их")
    program.status = ProgramStatus.CLOSED
    program.save(update_fields=["status"])
    journal(JournalAction.UPDATE, request=request, user=actor, obj=program, change="close")
    return program


def _manages_program(user, program):
    if not permissions.may_manage_mentoring(user):
        return False
    if program.organization_id:
        return manages_organization(user, program.organization)
    scope = scope_of(user)
    return scope.everything or program.municipality_id in scope.municipality_ids


def programs_for(organization, day):
    """The organization's approved programs running on the day — its own first, then its municipality's."""
    q = Q(organization=organization)
    if organization.municipality_id:
        q |= Q(municipality_id=organization.municipality_id)
    return MentoringProgram.objects.filter(
        q, status=ProgramStatus.APPROVED, start__lte=day, end__gte=day
    ).order_by(F("organization_id").asc(nulls_last=True), "-start")


# --- pairs and groups ------------------------------------------------------------------------------------------


def active_mentee_counts(person_ids):
    """{mentor person id: mentees in their active pairs}. A group counts as one place of the cap however many
    mentees it has (docs/mentoring.md §4): group mentoring is one activity of the mentor."""
    rows = (
        MentorshipMember.objects.filter(
            role=MemberRole.MENTOR, person_id__in=list(person_ids), mentorship__status=MentorshipStatus.ACTIVE
        )
        .values("person_id", "mentorship__form")
        .annotate(
            mentees=Count(
                "mentorship__members", filter=Q(mentorship__members__role=MemberRole.MENTEE), distinct=True
            ),
            pairs=Count("mentorship", distinct=True),
        )
    )
    out = {}
    for row in rows:
        n = row["pairs"] if row["mentorship__form"] in GROUP_FORMS else row["mentees"]
        out[row["person_id"]] = out.get(row["person_id"], 0) + n
    return out


def _people_in_scope(actor, people, what):
    ids = [p.pk for p in people]
    seen = set(Person.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    outside = [p for p in people if p.pk not in seen]
    if outside:
        raise MentoringError(f"{what} вне вашей области: {outside[0].short_name}")


def _mentors_allowed(actor, mentors, organization, day):
    """A mentor is someone the actor sees, or a colleague of the pair's municipality: their job on the start day
    (people.units) is in the organization's municipality — or, for an organization without one, in the
    organization itself (docs/mentoring.md §2, §4: a school's young specialist may get a mentor from another
    school of the municipality, whom the school's coordinator does not see)."""
    ids = [p.pk for p in mentors]
    seen = set(Person.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    for mentor in mentors:
        if mentor.pk in seen:
            continue
        job = current_employment(mentor.pk, day)
        same = job is not None and (
            job.organization_id == organization.pk
            or (
                organization.municipality_id
                and job.organization.municipality_id == organization.municipality_id
            )
        )
        if not same:
            raise MentoringError(f"Наставник вне вашей области: {mentor.short_name}")


def young_ids(person_ids, day):
    return set(
        Person.objects.with_facts(on=day)
        .filter(pk__in=list(person_ids), is_young_specialist=True)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def create_mentorship(
    actor,
    *,
    form,
    mentors=(),
    mentees=(),
    organization=None,
    mentor_organization=None,
    competences=(),
    directions="",
    start,
    end=None,
    program=None,
    order_number="",
    order_date=None,
    goal="",
    reason="",
    request=None,
    notify_people=True,
):
    """A pair or a group appointed by the organization (docs/mentoring.md §2). The checks, each a Russian
    message: the form; mentors and mentees present, in the actor's scope, nobody both; a mentee not already in an
    active pair of the same form; a mentor who is not a young specialist and below the cap; for school–school
    two different organizations, the mentee one in scope and not already mentored; the period inside the
    program's."""
    _require(permissions.may_manage_mentoring, actor)
    if form not in MentorshipForm.values:
        raise MentoringError(f"Неизвестная форма наставничества: {str(form)[:50]}")
    directions = _text(directions, "направления работы")
    goal = _text(goal, "цель программы", LONG_TEXT_MAX)
    reason = _text(reason, "основание")
    _period(start, end, "наставничества", required_end=False)
    order_number, order_date = _order(order_number, order_date)
    mentors = list(dict.fromkeys(mentors))
    mentees = list(dict.fromkeys(mentees))
    if form in ORGANIZATION_FORMS:
        if organization is None or mentor_organization is None:
            raise MentoringError("Укажите организацию-наставника и наставляемую организацию")
        if organization.pk == mentor_organization.pk:
            raise MentoringError("Организация не может быть наставником самой себе")
        if not manages_organization(actor, organization):
            raise MentoringError("Наставляемая организация вне вашей области")
        if Mentorship.objects.active().filter(form=form, organization=organization).exists():
            raise MentoringError(f"У организации «{organization}» уже есть активный ментор (школа — школа)")
        if mentees:
            raise MentoringError(
                "В менторстве «школа — школа» наставляемые — управленческая команда организации"
            )
    else:
        if not mentors:
            raise MentoringError("Укажите наставника")
        if not mentees:
            raise MentoringError("Укажите наставляемого")
        if form not in GROUP_FORMS and len(mentees) > 1:
            raise MentoringError("В паре один наставляемый; для нескольких выберите групповое наставничество")
        if len(mentees) > MAX_MENTEES:
            raise MentoringError(f"В группе больше {MAX_MENTEES} наставляемых")
        both = {p.pk for p in mentors} & {p.pk for p in mentees}
        if both:
            who = next(p for p in mentors if p.pk in both)
            raise MentoringError(f"{who.short_name} не может быть наставником самому себе")
        _people_in_scope(actor, mentees, "Наставляемый")
        if organization is None:
            job = current_employment(mentees[0].pk, start)
            if job is None:
                raise MentoringError(f"У {mentees[0].short_name} нет места работы на дату начала")
            organization = job.organization
        if not manages_organization(actor, organization):
            raise MentoringError("Организация вне вашей области: пару назначает её уполномоченный")
        _mentors_allowed(actor, mentors, organization, start)
    if program is not None:
        if program.status != ProgramStatus.APPROVED:
            raise MentoringError("Программа наставничества не утверждена")
        if not (
            program.organization_id == organization.pk
            or (program.municipality_id and program.municipality_id == organization.municipality_id)
        ):
            raise MentoringError("Программа относится к другой организации")
        if start < program.start or start > program.end or (end is not None and end > program.end):
            raise MentoringError(
                f"Сроки пары вне периода программы ({_d(program.start)} — {_d(program.end)})"
            )
        if form not in program.forms:
            raise MentoringError("Эта форма не предусмотрена программой наставничества")
    # Serialise the mentors' load: the cap is checked under their rows' locks (a stale proposal meets it here).
    if mentors:
        list(
            Person.objects.select_for_update()
            .filter(pk__in=[p.pk for p in mentors])
            .order_by("pk")
            .values("pk")
        )
        young = young_ids([p.pk for p in mentors], start)
        if young:
            who = next(p for p in mentors if p.pk in young)
            raise MentoringError(
                f"{who.short_name} — молодой специалист (до 35 лет, стаж до 3 лет) и не может быть наставником"
            )
        cap = mentee_cap()
        counts = active_mentee_counts([p.pk for p in mentors])
        adds = 1 if form in GROUP_FORMS else len(mentees)
        for mentor in mentors:
            have = counts.get(mentor.pk, 0)
            if have + adds > cap:
                raise MentoringError(
                    f"У наставника {mentor.short_name} уже {have} наставляемых из {cap} — предел достигнут"
                )
    busy = (
        MentorshipMember.objects.filter(
            role=MemberRole.MENTEE,
            person_id__in=[p.pk for p in mentees],
            mentorship__status=MentorshipStatus.ACTIVE,
            mentorship__form=form,
        )
        .select_related("person")
        .first()
    )
    if busy is not None:
        raise MentoringError(
            f"{busy.person.short_name} уже в активной паре этой формы: завершите её, прежде чем назначать новую"
        )
    competences = list(competences)
    mentorship = Mentorship.objects.create(
        form=form,
        program=program,
        organization=organization,
        mentor_organization=mentor_organization if form in ORGANIZATION_FORMS else None,
        directions=directions,
        start=start,
        end=end,
        order_number=order_number,
        order_date=order_date,
        goal=goal,
        reason=reason,
        created_by=actor,
    )
    MentorshipMember.objects.bulk_create(
        [MentorshipMember(mentorship=mentorship, person=p, role=MemberRole.MENTOR) for p in mentors]
        + [MentorshipMember(mentorship=mentorship, person=p, role=MemberRole.MENTEE) for p in mentees]
    )
    if competences:
        mentorship.competences.set(competences)
    grant_mentor_role([p.pk for p in mentors], actor, request)
    sync_route_items(mentorship)
    journal(
        JournalAction.CREATE, request=request, user=actor, obj=mentorship, what="наставничество", form=form
    )
    if notify_people:
        people = [p.pk for p in mentors + mentees]
        users = list(User.objects.filter(person_id__in=people, is_active=True))
        notify(
            users, f"Назначено наставничество: {mentorship.get_form_display()}", mentorship_url(mentorship)
        )
    return mentorship


@transaction.atomic
def close_mentorship(actor, mentorship, *, success, reason="", closed_on=None, request=None):
    """The curator (or the organization) closes a pair: successfully, or early with a reason. Both section-3
    route items follow (done / not done)."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if not may_manage(actor, mentorship):
        raise PermissionDenied
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise MentoringError("Пара уже завершена")
    reason = _text(reason, "причина досрочного завершения")
    if not success and not reason:
        raise MentoringError("Укажите причину досрочного завершения")
    closed_on = closed_on or datetime.date.today()
    if closed_on < mentorship.start:
        raise MentoringError("Дата завершения раньше начала наставничества")
    if closed_on > datetime.date.today():
        raise MentoringError("Дата завершения не может быть в будущем")
    mentorship.status = MentorshipStatus.DONE if success else MentorshipStatus.ENDED_EARLY
    mentorship.end_reason = "" if success else reason
    mentorship.closed_on = closed_on
    mentorship.closed_by = actor
    mentorship.version = F("version") + 1
    mentorship.save(update_fields=["status", "end_reason", "closed_on", "closed_by", "version"])
    mentorship.refresh_from_db()
    sync_route_items(mentorship)
    journal(
        JournalAction.UPDATE,
        request=request,
        user=actor,
        obj=mentorship,
        change="close",
        status=mentorship.status,
    )
    people = mentorship.members.values_list("person_id", flat=True)
    notify(
        list(User.objects.filter(person_id__in=list(people), is_active=True)),
        f"Наставничество {mentorship.get_status_display().lower()}",
        mentorship_url(mentorship),
    )
    return mentorship


# --- the personal plan -----------------------------------------------------------------------------------------


def _may_plan(user, mentorship):
    return role_in(user, mentorship) == MemberRole.MENTOR or may_manage(user, mentorship)


def _check_task_dates(mentorship, start, due):
    if due is None:
        raise MentoringError("Укажите срок задачи")
    if start is not None and due < start:
        raise MentoringError("Срок задачи раньше её начала")
    first = start or due
    if first < mentorship.start or (mentorship.end is not None and due > mentorship.end):
        end = _d(mentorship.end) if mentorship.end else "…"
        raise MentoringError(f"Сроки задачи вне периода наставничества ({_d(mentorship.start)} — {end})")


@transaction.atomic
def save_task(
    actor, mentorship, *, task=None, title, due, start=None, competence=None, expected_result="", request=None
):
    """The mentor (or the organization, the curator) adds or edits a task of the personal plan."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if not _may_plan(actor, mentorship):
        raise PermissionDenied
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise MentoringError("Пара завершена: план больше не меняется")
    title = _text(title, "задача", required=True)
    expected_result = _text(expected_result, "ожидаемый результат")
    _check_task_dates(mentorship, start, due)
    if task is None:
        task = PlanTask(mentorship=mentorship)
    elif task.mentorship_id != mentorship.pk:
        raise PermissionDenied
    task.title, task.due, task.start = title, due, start
    task.competence, task.expected_result = competence, expected_result
    task.save()
    return task


@transaction.atomic
def delete_task(actor, task):
    mentorship = Mentorship.objects.select_for_update().get(pk=task.mentorship_id)
    if not _may_plan(actor, mentorship):
        raise PermissionDenied
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise MentoringError("Пара завершена: план больше не меняется")
    if task.mentee_mark != TaskMark.PLANNED or task.mentor_mark != TaskMark.PLANNED:
        raise MentoringError("По задаче уже есть отметки — её нельзя удалить")
    task.delete()


@transaction.atomic
def mark_task(actor, task, *, mark, comment=""):
    """Each side marks its own progress: the mentee (their mark and comment), the mentor (theirs). A task is
    done when the mentor marks it done."""
    task = PlanTask.objects.select_for_update().select_related("mentorship").get(pk=task.pk)
    mentorship = task.mentorship
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise MentoringError("Пара завершена: отметки больше не меняются")
    if mark not in TaskMark.values:
        raise MentoringError("Неизвестная отметка")
    comment = _text(comment, "комментарий", LONG_TEXT_MAX)
    role = role_in(actor, mentorship)
    if role == MemberRole.MENTEE:
        task.mentee_mark, task.mentee_comment = mark, comment
    elif role == MemberRole.MENTOR:
        task.mentor_mark, task.mentor_comment = mark, comment
    else:
        raise PermissionDenied
    task.save()
    other = MemberRole.MENTOR if role == MemberRole.MENTEE else MemberRole.MENTEE
    people = mentorship.members.filter(role=other).values_list("person_id", flat=True)
    notify(
        list(User.objects.filter(person_id__in=list(people), is_active=True)),
        f"Отметка по задаче «{task.title[:80]}»: {TaskMark(mark).label.lower()}",
        mentorship_url(mentorship),
    )
    return task


@transaction.atomic
def write_summary(actor, mentorship, text):
    """The mentor's final assessment or the mentee's reflection, by who writes."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    text = _text(text, "текст", LONG_TEXT_MAX, required=True)
    role = role_in(actor, mentorship)
    if role == MemberRole.MENTOR:
        mentorship.final_assessment = text
        mentorship.save(update_fields=["final_assessment"])
    elif role == MemberRole.MENTEE:
        mentorship.reflection = text
        mentorship.save(update_fields=["reflection"])
    else:
        raise PermissionDenied
    sync_route_items(mentorship)
    return mentorship


# --- section 3 of the routes (docs/mentoring.md §7) -------------------------------------------------------------


def _position_text(person_id, day):
    job = current_employment(person_id, day)
    return f"{job.position.name.lower()}, {job.organization}" if job else "место работы не указано"


def _item_texts(mentorship, role, person_id, members):
    """(content, form) of the section-3 item for one member: the mentee's names the mentor and the directions,
    the mentor's names the mentee's position and the directions (002_… section 3)."""
    what = mentorship.directions or ", ".join(c.name for c in mentorship.competences.all()) or "по программе"
    if role == MemberRole.MENTEE:
        names = ", ".join(p.short_name for r, p in members if r == MemberRole.MENTOR)
        return (
            WITH_MENTOR,
            f"наставник: {names}; {mentorship.get_form_display().lower()}; направления: {what}",
        )
    mentees = [p for r, p in members if r == MemberRole.MENTEE]
    positions = "; ".join(_position_text(p.pk, mentorship.start) for p in mentees)
    return (
        AS_MENTOR,
        f"наставляемый: {positions}; {mentorship.get_form_display().lower()}; направления: {what}",
    )


def _status_of(mentorship):
    if mentorship.status == MentorshipStatus.DONE:
        return ItemStatus.DONE
    if mentorship.status == MentorshipStatus.ENDED_EARLY:
        return ItemStatus.NOT_DONE
    return ItemStatus.IN_PROGRESS if mentorship.start <= datetime.date.today() else ItemStatus.PLANNED


def sync_route_items(mentorship, person_ids=None):
    """Keep section 3 of each member's active route in step with the pair: create the item (adopting an
    unlinked «Работа с наставником» line the generator wrote for a young specialist), rewrite its texts and
    dates, set its status from the pair's (active → planned/in progress, done → done, ended early → not done).
    A member without an active route gets nothing now; their route gets the item when it is created
    (mentoring.receivers). School–school mentoring has no persons and no route items."""
    if mentorship.form in ORGANIZATION_FORMS:
        return
    members = [
        (m.role, m.person)
        for m in MentorshipMember.objects.filter(mentorship=mentorship)
        .select_related("person")
        .order_by("pk")
    ]
    linked = {
        link.item.route.person_id: link
        for link in MentorshipRouteItem.objects.filter(mentorship=mentorship).select_related("item__route")
    }
    status = _status_of(mentorship)
    for role, person in members:
        if person_ids is not None and person.pk not in person_ids:
            continue
        content, form = _item_texts(mentorship, role, person.pk, members)
        link = linked.get(person.pk)
        if link is None:
            if mentorship.status != MentorshipStatus.ACTIVE:
                continue  # a closed pair adds nothing to a route made after it
            route = Route.objects.filter(person_id=person.pk, status__in=ACTIVE_ROUTE).first()
            if route is None:
                continue
            item = None
            if role == MemberRole.MENTEE:
                item = (
                    RouteItem.objects.filter(route=route, section=Section.MENTORING, content=WITH_MENTOR)
                    .exclude(mentorship_link__isnull=False)
                    .first()
                )
            if item is None:
                item = RouteItem(route=route, section=Section.MENTORING, position=route.items.count())
            start = max(mentorship.start, route.start)
            end = min(mentorship.end or route.end, route.end)
            item.start, item.end = (start, end) if start <= end else (None, None)
        else:
            item = link.item
        item.content = content
        item.form = form[:500]
        item.reason = (mentorship.reason or f"наставничество с {_d(mentorship.start)}")[:500]
        item.status = status
        if mentorship.status != MentorshipStatus.ACTIVE:
            item.note = f"{mentorship.get_status_display()} {_d(mentorship.closed_on)}"[:500]
            if mentorship.end_reason:
                item.note = f"{item.note}: {mentorship.end_reason}"[:500]
        # the item's reflective report: the mentee's reflection on theirs, the mentor's final assessment on the
        # mentor's (written once; a report the teacher typed on the item is kept)
        own = mentorship.reflection if role == MemberRole.MENTEE else mentorship.final_assessment
        if own and not item.report:
            item.report = own
        item.save()
        if link is None:
            MentorshipRouteItem.objects.create(mentorship=mentorship, item=item, role=role)
        if mentorship.competences.exists() and role == MemberRole.MENTEE:
            item.deficits.set(mentorship.competences.all())


def sync_for_people(person_ids):
    """A route was created for these people: each active pair they are in adds its section-3 item."""
    ids = set(person_ids)
    pairs = Mentorship.objects.active().filter(members__person_id__in=list(ids)).distinct()
    for mentorship in pairs:
        sync_route_items(mentorship, person_ids=ids)

"""The start page's to-do list: what needs this user now, with counts and links (issue 11, point 5).

Each entry is computed in the database from the same rules the pages apply (the scope, the workflow's states);
an entry with nothing to do is left out, so the page shows only what waits for the user.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse

from profrost.accounts import permissions
from profrost.core.models import Notification
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Result, ResultStatus
from profrost.diagnostics.taking import expert_queue
from profrost.people.models import Person
from profrost.resources.models import Application, ApplicationStatus
from profrost.routes.actions import routes_visible_to
from profrost.routes.models import ItemStatus, Route, RouteItem, RouteStatus

SHOWN = 5  # the first few objects of an entry, each with its link


@dataclass
class Todo:
    label: str
    count: int
    url: str
    items: list = field(default_factory=list)  # [(text, url)]


def todos(user, today=None):
    today = today or datetime.date.today()
    week = today + datetime.timedelta(days=7)
    out = []
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    if unread:
        out.append(Todo("Непрочитанные уведомления", unread, reverse("notifications")))
    if user.person_id:
        out += _teacher_todos(user, today, week)
    out += _approvals(user)
    reports = (
        RouteItem.objects.filter(route__tutor=user, reported_at__isnull=False, accepted__isnull=True)
        .values("route_id", "route__person__last_name", "route__person__first_name")
        .annotate(n=Count("pk"))
        .order_by("route__person__last_name")
    )
    if reports:
        out.append(
            Todo(
                "Отчёты по пунктам ИОМ ждут вашей проверки (вы — тьютор)",
                sum(r["n"] for r in reports),
                reverse("routes:list"),
                [
                    (
                        f"{r['route__person__last_name']} {r['route__person__first_name']}: {r['n']}",
                        reverse("routes:detail", args=[r["route_id"]]),
                    )
                    for r in reports[:SHOWN]
                ],
            )
        )
    if permissions.may_review_answers(user):
        answers = expert_queue(user).count()
        if answers:
            out.append(Todo("Открытые ответы ждут оценки", answers, reverse("diagnostics:expert_queue")))
    out += _applications(user)
    out += _course_requests(user)
    return out


def _teacher_todos(user, today, week):
    out = []
    tests = Result.objects.filter(
        person_id=user.person_id, status__in=[ResultStatus.INVITED, ResultStatus.IN_PROGRESS]
    ).select_related("campaign")
    if tests:
        out.append(
            Todo(
                "Диагностики, которые нужно пройти",
                len(tests),
                reverse("diagnostics:my_tests"),
                [(t.campaign.name, reverse("diagnostics:take", args=[t.pk])) for t in tests[:SHOWN]],
            )
        )
    drafts = Route.objects.filter(person_id=user.person_id, status=RouteStatus.DRAFT)
    if drafts:
        out.append(
            Todo(
                "Черновик вашего ИОМ: проверьте и отправьте на согласование",
                len(drafts),
                reverse("routes:detail", args=[drafts[0].pk]),
            )
        )
    due = RouteItem.objects.filter(
        route__person_id=user.person_id,
        route__status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS],
        end__lte=week,
        reported_at__isnull=True,
        status__in=[ItemStatus.PLANNED, ItemStatus.IN_PROGRESS],
    ).order_by("end")
    if due:
        out.append(
            Todo(
                "Сроки пунктов ИОМ на этой неделе (и просроченные)",
                len(due),
                reverse("routes:detail", args=[due[0].route_id]),
                [
                    (f"до {i.end:%d.%m.%Y}: {i.content[:80]}", reverse("routes:detail", args=[i.route_id]))
                    for i in due[:SHOWN]
                ],
            )
        )
    return out


def _approvals(user):
    """Routes on approval that wait for this user: the school's step, then the municipality's where required."""
    review = routes_visible_to(user).filter(status=RouteStatus.REVIEW)
    if permissions.is_region_staff(user):
        waiting = review
    else:
        wait = Q(pk__in=[])
        if permissions.is_school_coordinator(user):
            wait |= Q(school_approved_at__isnull=True)
        if permissions.is_municipal_coordinator(user):
            wait |= Q(municipal_approval=True, school_approved_at__isnull=False)
        waiting = review.filter(wait)
    count = waiting.count()
    if not count:
        return []
    shown = waiting.select_related("person").order_by("person__last_name")[:SHOWN]
    return [
        Todo(
            "Маршруты ждут вашего согласования",
            count,
            f"{reverse('routes:list')}?status=review",
            [(r.person.full_name, reverse("routes:detail", args=[r.pk])) for r in shown],
        )
    ]


def _applications(user):
    """Applications for courses: a municipality confirms its schools' ones, the center enrolls confirmed ones."""
    if permissions.is_region_staff(user):
        pending, label = (
            Application.objects.filter(status=ApplicationStatus.CONFIRMED),
            "Заявки на курсы ждут зачисления",
        )
    elif permissions.is_municipal_coordinator(user):
        pending = Application.objects.filter(
            status=ApplicationStatus.SUBMITTED, municipality_id__in=scope_of(user).municipality_ids
        )
        label = "Заявки на курсы ждут подтверждения муниципалитета"
    else:
        return []
    by_cohort = (
        pending.values("cohort_id", "cohort__program__title", "cohort__start")
        .annotate(n=Count("pk"))
        .order_by("cohort__start")
    )
    if not by_cohort:
        return []
    return [
        Todo(
            label,
            sum(c["n"] for c in by_cohort),
            reverse("resources:programs"),
            [
                (
                    f"{c['cohort__program__title']} (с {c['cohort__start']:%d.%m.%Y}): {c['n']}",
                    reverse("resources:cohort", args=[c["cohort_id"]]),
                )
                for c in by_cohort[:SHOWN]
            ],
        )
    ]


def _course_requests(user):
    """Teachers' requests for courses («хочу на этот курс») wait in their school's queue: the school
    coordinator applies for them or declines — the requests of their own current staff."""
    if not permissions.is_school_coordinator(user):
        return []
    pending = Application.objects.filter(
        status=ApplicationStatus.REQUESTED,
        organization_id__in=scope_of(user).organization_ids,
        person__in=Person.objects.visible_to(user).values("pk"),
    )
    by_cohort = (
        pending.values("cohort_id", "cohort__program__title", "cohort__start")
        .annotate(n=Count("pk"))
        .order_by("cohort__start")
    )
    if not by_cohort:
        return []
    return [
        Todo(
            "Педагоги просят записать их на курсы",
            sum(c["n"] for c in by_cohort),
            reverse("resources:cohort", args=[by_cohort[0]["cohort_id"]]),
            [
                (
                    f"{c['cohort__program__title']} (с {c['cohort__start']:%d.%m.%Y}): {c['n']}",
                    reverse("resources:cohort", args=[c["cohort_id"]]),
                )
                for c in by_cohort[:SHOWN]
            ],
        )
    ]

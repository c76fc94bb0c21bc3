"""The queries of mentoring's pages (docs/mentoring.md §5, §6): the plan's counts of a pair (tasks, done, overdue),
the mentor's workspace (my mentees and groups, their plans, deficits and routes, what is due this month, the
closed pairs), the mentee's «Мой наставник» and the curator's program page (all pairs of the program, overdue
first). The numbers are counted by the database; a fixed handful of queries whatever the number of pairs.

A mentee's person data beyond the name (the current job, deficits, route) is shown only for people the viewer sees
through the one scoping mechanism (Person.objects.visible_to: mentoring/cards.py gives a mentor the mentees of
their active pairs); SNILS and the birth date are never read here."""

import datetime
from collections import defaultdict

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from profrost.diagnostics.models import CompetenceResult
from profrost.mentoring.models import (
    MemberRole,
    Mentorship,
    MentorshipMember,
    MentorshipStatus,
    PlanTask,
    TaskMark,
)
from profrost.people.models import Employment, Person
from profrost.routes.models import ACTIVE as ACTIVE_ROUTE
from profrost.routes.models import Route

NOT_DONE = ~Q(
    mentor_mark=TaskMark.DONE
)  # a task is done when the mentor marks it done (docs/mentoring.md §5)


def month_bounds(today):
    """The first and the last day of the month of `today`."""
    first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _count(condition=None):
    tasks = (
        PlanTask.objects.filter(condition or Q(), mentorship=OuterRef("pk"))
        .order_by()
        .values("mentorship")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(tasks, output_field=IntegerField()), Value(0))


def with_task_counts(qs, today=None):
    """Mentorships annotated with n_tasks, n_done (the mentor marked done) and n_overdue (past the due day and
    not done) — subqueries, so other joins of the queryset do not multiply them."""
    today = today or datetime.date.today()
    return qs.annotate(
        n_tasks=_count(),
        n_done=_count(Q(mentor_mark=TaskMark.DONE)),
        n_overdue=_count(NOT_DONE & Q(due__lt=today)),
    )


def active_first(qs):
    return qs.annotate(
        closed=Case(When(status=MentorshipStatus.ACTIVE, then=Value(0)), default=Value(1))
    ).order_by("closed", "-start", "-pk")


def jobs_of(person_ids, today):
    """{person id: "должность, организация"} of the current jobs (the main one first)."""
    out = {}
    for row in (
        Employment.objects.active_on(today)
        .filter(person_id__in=list(person_ids))
        .order_by("person_id", "-is_main", "pk")
        .values("person_id", "position__name", "organization__name")
    ):
        out.setdefault(row["person_id"], f"{row['position__name']}, {row['organization__name']}")
    return out


def _deficits(person_ids):
    out = defaultdict(list)
    for person_id, code, name in (
        CompetenceResult.objects.current_deficits()
        .filter(result__person_id__in=list(person_ids))
        .order_by("competence__code")
        .values_list("result__person_id", "competence__code", "competence__name")
    ):
        out[person_id].append((code, name))
    return out


def _routes(person_ids):
    """{person id: (route id, status label)} of each person's active route (the newest)."""
    out = {}
    for route in (
        Route.objects.filter(person_id__in=list(person_ids), status__in=ACTIVE_ROUTE)
        .order_by("person_id", "-created_at", "-pk")
        .only("pk", "person_id", "status")
    ):
        out.setdefault(route.person_id, (route.pk, route.get_status_display()))
    return out


def _members(pairs):
    """{mentorship id: [(role, person)]}: names only (the person rows are loaded without their SNILS and birth
    date)."""
    out = defaultdict(list)
    for m in (
        MentorshipMember.objects.filter(mentorship_id__in=[p.pk for p in pairs])
        .select_related("person")
        .only(
            "mentorship_id",
            "role",
            "person",
            "person__last_name",
            "person__first_name",
            "person__middle_name",
            "person__sex",
        )
        .order_by("role", "person__last_name", "person__first_name", "pk")
    ):
        out[m.mentorship_id].append((m.role, m.person))
    return out


def _pair_rows(user, pairs, today, details=True):
    """Each pair with its mentors and mentees; a mentee the viewer sees gets the current job, the current
    deficits and the active route."""
    members = _members(pairs)
    mentee_ids = {p.pk for roles in members.values() for role, p in roles if role == MemberRole.MENTEE}
    seen = (
        set(Person.objects.visible_to(user).filter(pk__in=mentee_ids).values_list("pk", flat=True))
        if details and mentee_ids
        else set()
    )
    jobs = jobs_of(seen, today) if seen else {}
    deficits = _deficits(seen) if seen else {}
    routes = _routes(seen) if seen else {}
    rows = []
    for pair in pairs:
        mentees = []
        for role, person in members.get(pair.pk, []):
            if role != MemberRole.MENTEE:
                continue
            visible = person.pk in seen
            route = routes.get(person.pk)
            mentees.append(
                {
                    "person": person,
                    "visible": visible,
                    "job": jobs.get(person.pk, ""),
                    "deficits": deficits.get(person.pk, []),
                    "deficit_codes": ", ".join(code for code, _ in deficits.get(person.pk, [])),
                    "deficit_titles": "; ".join(f"{c} {n}" for c, n in deficits.get(person.pk, [])),
                    "route_id": route[0] if route else None,
                    "route_status": route[1] if route else "",
                }
            )
        rows.append(
            {
                "pair": pair,
                "mentors": [p for role, p in members.get(pair.pk, []) if role == MemberRole.MENTOR],
                "mentees": mentees,
                "percent": round(100 * pair.n_done / pair.n_tasks) if pair.n_tasks else 0,
            }
        )
    return rows


def workspace(user, today=None):
    """The mentor's workspace (docs/mentoring.md §6): my pairs and groups as a mentor, active first, with their
    plans' progress; each mentee's deficits and route; the tasks due this month and not done; the closed
    pairs. Empty lists for a user without a person."""
    today = today or datetime.date.today()
    first, last = month_bounds(today)
    result = {"today": today, "month_start": first, "month_end": last, "active": [], "closed": [], "due": []}
    if not user.person_id:
        result.update(totals={"pairs": 0, "mentees": 0, "tasks": 0, "done": 0, "overdue": 0, "due": 0})
        return result
    mine = Mentorship.objects.of_mentor(user.person_id).distinct()
    pairs = list(
        with_task_counts(active_first(mine), today).select_related("organization", "mentor_organization")
    )
    active = [p for p in pairs if p.status == MentorshipStatus.ACTIVE]
    closed = [p for p in pairs if p.status != MentorshipStatus.ACTIVE]
    result["active"] = _pair_rows(user, active, today)
    result["closed"] = _pair_rows(user, closed, today, details=False)
    due = (
        PlanTask.objects.filter(
            NOT_DONE,
            mentorship__in=[p.pk for p in active],
            due__gte=first,
            due__lte=last,
        )
        .select_related("competence")
        .order_by("due", "pk")
    )
    names = {
        row["pair"].pk: ", ".join(m["person"].short_name for m in row["mentees"]) for row in result["active"]
    }
    result["due"] = [
        {"task": t, "mentees": names.get(t.mentorship_id, ""), "overdue": t.due < today} for t in due
    ]
    result["totals"] = {
        "pairs": len(active),
        "mentees": len({m["person"].pk for row in result["active"] for m in row["mentees"]}),
        "tasks": sum(p.n_tasks for p in active),
        "done": sum(p.n_done for p in active),
        "overdue": sum(p.n_overdue for p in active),
        "due": len(result["due"]),
    }
    return result


def my_mentors(user, today=None):
    """«Мой наставник»: the pairs where the user's person is a mentee, active first, each with its mentors, the
    plan (all tasks) and its counts."""
    today = today or datetime.date.today()
    if not user.person_id:
        return {"rows": [], "today": today}
    pairs = list(
        with_task_counts(
            active_first(Mentorship.objects.of_mentee(user.person_id).distinct()), today
        ).select_related("organization", "mentor_organization")
    )
    tasks = defaultdict(list)
    for task in (
        PlanTask.objects.filter(mentorship__in=[p.pk for p in pairs])
        .select_related("competence")
        .order_by("due", "pk")
    ):
        task.overdue = task.is_overdue(today)
        tasks[task.mentorship_id].append(task)
    rows = _pair_rows(user, pairs, today, details=False)
    for row in rows:
        row["tasks"] = tasks.get(row["pair"].pk, [])
    return {"rows": rows, "today": today}


def is_mentee(user):
    """The user's person is a mentee of an active pair (one query; the navigation's «Мой наставник»)."""
    return bool(
        user.person_id
        and MentorshipMember.objects.filter(
            person_id=user.person_id, role=MemberRole.MENTEE, mentorship__status=MentorshipStatus.ACTIVE
        ).exists()
    )


def program_pairs(user, program, today=None):
    """The curator's view (docs/mentoring.md §6): the program's pairs the user sees, active and overdue first,
    with their plans' counts, mentors and mentees (names only)."""
    today = today or datetime.date.today()
    pairs = list(
        with_task_counts(Mentorship.objects.visible_to(user).filter(program=program), today)
        .annotate(closed=Case(When(status=MentorshipStatus.ACTIVE, then=Value(0)), default=Value(1)))
        .select_related("organization", "mentor_organization")
        .order_by("closed", "-n_overdue", "-start", "-pk")
    )
    rows = _pair_rows(user, pairs, today, details=False)
    totals = {
        "pairs": len(pairs),
        "active": sum(1 for p in pairs if p.status == MentorshipStatus.ACTIVE),
        "with_overdue": sum(1 for p in pairs if p.n_overdue),
        "overdue": sum(p.n_overdue for p in pairs),
    }
    return rows, totals


def implements_model(program):
    """Pairs active within the program's period — of its organization (any pair there), or of a municipality's
    program its own pairs. An organization implements the mentoring model when it has an approved program with
    at least one such pair (docs/mentoring.md §1; 004_… row 6)."""
    qs = Mentorship.objects.active_during(program.start, program.end)
    if program.organization_id:
        qs = qs.filter(organization_id=program.organization_id)
    else:
        qs = qs.filter(program=program)
    return qs.count()

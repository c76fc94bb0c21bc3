"""The methodologist's workspace (docs/support.md §9): the teachers assigned to me with their current deficits,
route status, my last visit and consultation; my plan for the half-year (planned vs done); my load vs the limits;
the routes I tutor with reports waiting for me. A fixed handful of queries whatever the number of teachers, the
numbers counted by the database (benchmarks/support_workspace.py: 250 teachers)."""

import datetime
from collections import defaultdict

from django.db.models import Case, Count, Max, OuterRef, Q, Subquery, When
from django.urls import reverse

from profrost.diagnostics.models import CompetenceResult
from profrost.routes.models import ACTIVE, Route, RouteStatus
from profrost.support.models import (
    ActivityStatus,
    AssetMember,
    Assignment,
    Consultation,
    ConsultationTeacher,
    Direction,
    LessonVisit,
    MemberStatus,
    half_year,
    load_limit,
    load_warning,
)

UPCOMING = 20  # planned activities listed on the page (the counts cover all)


def _plan(model, user, start, end):
    """{planned, done, done_by_plan, overdue} of the user's visits or consultations in [start, end]: planned — the
    activities planned for a day of the half-year; done — those done in it (planned or not); done_by_plan —
    planned ones since done; overdue — planned for a day already past and not done."""
    today = datetime.date.today()
    in_plan = Q(planned_on__gte=start, planned_on__lte=end)
    return model.objects.filter(visitor=user).aggregate(
        planned=Count("pk", filter=in_plan),
        done=Count("pk", filter=Q(status=ActivityStatus.DONE, date__gte=start, date__lte=end)),
        done_by_plan=Count("pk", filter=in_plan & Q(status=ActivityStatus.DONE)),
        overdue=Count("pk", filter=in_plan & Q(status=ActivityStatus.PLANNED, planned_on__lt=today)),
    )


def workspace(user, today=None):
    """Everything the page shows, or {"member": None} for a methodologist outside the asset."""
    today = today or datetime.date.today()
    member = (
        AssetMember.objects.filter(person_id=user.person_id, status=MemberStatus.APPROVED).first()
        if user.person_id
        else None
    )
    start, end = half_year(today)
    result = {
        "member": member,
        "limit": load_limit(),
        "warning": load_warning(),
        "half_start": start,
        "half_end": end,
        "visits_plan": _plan(LessonVisit, user, start, end),
        "consultations_plan": _plan(Consultation, user, start, end),
        "upcoming_visits": list(
            LessonVisit.objects.filter(visitor=user, status=ActivityStatus.PLANNED)
            .select_related("teacher")
            .order_by("planned_on", "pk")[:UPCOMING]
        ),
        "upcoming_consultations": list(
            Consultation.objects.filter(visitor=user, status=ActivityStatus.PLANNED).order_by(
                "planned_on", "pk"
            )[:UPCOMING]
        ),
        "waiting_routes": list(
            Route.objects.filter(tutor=user, status__in=ACTIVE)
            .annotate(
                waiting=Count(
                    "items", filter=Q(items__reported_at__isnull=False, items__accepted__isnull=True)
                )
            )
            .filter(waiting__gt=0)
            .order_by("person__last_name", "person__first_name", "pk")
            .values("pk", "waiting", "person__last_name", "person__first_name", "person__middle_name")
        ),
    }
    route_url = reverse("routes:detail", args=[0])[:-2]  # "/routes/" + id + "/"
    for r in result["waiting_routes"]:
        r["url"] = f"{route_url}{r['pk']}/"
        r["full_name"] = " ".join(
            x for x in (r["person__last_name"], r["person__first_name"], r["person__middle_name"]) if x
        )
    if member is None:
        result["rows"] = []
        return result
    my_visits = LessonVisit.objects.filter(
        visitor=user, status=ActivityStatus.DONE, teacher_id=OuterRef("person_id")
    )
    my_consultations = ConsultationTeacher.objects.filter(
        person_id=OuterRef("person_id"),
        consultation__visitor=user,
        consultation__status=ActivityStatus.DONE,
    )
    # The active route first, else the latest one.
    route = Route.objects.filter(person_id=OuterRef("person_id")).order_by(
        Case(When(status__in=ACTIVE, then=0), default=1), "-created_at", "-pk"
    )
    # Plain rows (values, not model instances) and addresses built once: 250 rows render in a few milliseconds.
    rows = list(
        Assignment.objects.filter(member=member, active=True)
        .annotate(
            last_visit=Subquery(my_visits.values("teacher_id").annotate(m=Max("date")).values("m")[:1]),
            last_consultation=Subquery(
                my_consultations.values("person_id").annotate(m=Max("consultation__date")).values("m")[:1]
            ),
            route_id=Subquery(route.values("pk")[:1]),
            route_status=Subquery(route.values("status")[:1]),
        )
        .order_by("person__last_name", "person__first_name", "pk")
        .values(
            "person_id",
            "person__last_name",
            "person__first_name",
            "person__middle_name",
            "municipality__name",
            "direction",
            "since",
            "last_visit",
            "last_consultation",
            "route_id",
            "route_status",
        )
    )
    deficits = defaultdict(list)
    for person_id, code, name in (
        CompetenceResult.objects.current_deficits()
        .filter(result__person_id__in=[a["person_id"] for a in rows])
        .order_by("competence__code")
        .values_list("result__person_id", "competence__code", "competence__name")
    ):
        deficits[person_id].append((code, name))
    statuses = dict(RouteStatus.choices)
    directions = dict(Direction.choices)
    person_url = reverse("people:detail", args=[0])[:-2]  # "/people/" + id + "/"
    for a in rows:
        pid = a["person_id"]
        a["full_name"] = " ".join(
            x for x in (a["person__last_name"], a["person__first_name"], a["person__middle_name"]) if x
        )
        a["deficits"] = deficits.get(pid, [])
        a["deficit_codes"] = ", ".join(code for code, _ in a["deficits"])
        a["deficit_titles"] = "; ".join(f"{code} {name}" for code, name in a["deficits"])
        a["route_status_label"] = statuses.get(a["route_status"], "")
        a["direction_label"] = directions.get(a["direction"], a["direction"])
        # Dates formatted here: the template's date filter costs more than the rest of a row.
        a["since_text"] = a["since"].strftime("%d.%m.%Y")
        a["last_visit_text"] = a["last_visit"].strftime("%d.%m.%Y") if a["last_visit"] else "—"
        a["last_consultation_text"] = (
            a["last_consultation"].strftime("%d.%m.%Y") if a["last_consultation"] else "—"
        )
        a["person_url"] = f"{person_url}{pid}/"
        a["route_url"] = f"{route_url}{a['route_id']}/" if a["route_id"] else ""
    result.update(
        rows=rows,
        load=len(rows),
        with_deficits=sum(1 for a in rows if a["deficits"]),
        without_route=sum(1 for a in rows if a["route_status"] not in ACTIVE),
        visit_url=reverse("support:visit_record"),
        consultation_url=reverse("support:consultation_record"),
    )
    return result

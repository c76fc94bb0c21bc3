"""The methodologist's workspace (docs/support.md §9): the teachers assigned to me with their current deficits,
route status, my last visit and consultation; my plan for the half-year (planned vs done); my load vs the limits;
the routes I tutor with reports waiting for me. A fixed handful of queries whatever the number of teachers, the
numbers counted by the database (benchmarks/bench_support_workspace.py: 250 teachers)."""

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import Case, Count, Max, Min, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import ExtractMonth
from django.urls import reverse

from profrost.diagnostics.models import CompetenceResult
from profrost.people.models import Person
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
    VisitRecommendation,
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
            .select_related("person")
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
        visitor=user, status=ActivityStatus.DONE, person_id=OuterRef("person_id")
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
            last_visit=Subquery(my_visits.values("person_id").annotate(m=Max("date")).values("m")[:1]),
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


# --- the annual report (docs/support.md §16) --------------------------------------------------------------------

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)

# Deficits of the member's teachers and which closed after re-diagnosis (docs/support.md §16). The "closed" rule
# is routes/registers.py's (docs/domain.md §5): a later scored result of the same person where that competence is
# measured and is not a deficit. The teachers: those assigned to the member at some day of the year; the baseline:
# each teacher's latest scored result taken on or before the start of support in the year (the later of the first
# assignment's day and 1 January), else their first scored result of the year; the later result: taken on after
# the baseline and not after 31 December. GROUP BY ROLLUP adds the totals' row (person_id NULL).
CLOSED_SQL = """
WITH t AS MATERIALIZED (
    SELECT a.person_id, GREATEST(min(a.since), %(start)s::date) AS ref
      FROM support_assignment a
     WHERE a.member_id = %(member)s AND a.since <= %(end)s AND (a.until IS NULL OR a.until >= %(start)s)
     GROUP BY a.person_id
), base AS MATERIALIZED (
    SELECT DISTINCT ON (r.person_id) r.person_id, r.id, r.taken_on
      FROM diagnostics_result r JOIN t ON t.person_id = r.person_id
     WHERE r.status = 'scored' AND r.taken_on IS NOT NULL AND r.taken_on <= %(end)s
     ORDER BY r.person_id, (r.taken_on <= t.ref) DESC,
              CASE WHEN r.taken_on <= t.ref THEN r.taken_on END DESC NULLS LAST, r.taken_on, r.id DESC
), d AS MATERIALIZED (
    SELECT base.person_id, base.taken_on, cr.competence_id, c.code
      FROM base
      JOIN diagnostics_competenceresult cr ON cr.result_id = base.id AND cr.is_deficit
      JOIN diagnostics_competence c ON c.id = cr.competence_id
), later AS (
    SELECT DISTINCT d.person_id, d.competence_id, NOT cr.is_deficit AS closed
      FROM d
      JOIN diagnostics_result lr ON lr.person_id = d.person_id AND lr.status = 'scored'
                                AND lr.taken_on > d.taken_on AND lr.taken_on <= %(end)s
      JOIN diagnostics_competenceresult cr ON cr.result_id = lr.id AND cr.competence_id = d.competence_id
), flags AS (
    SELECT d.person_id, d.code,
           EXISTS (SELECT 1 FROM later l WHERE l.person_id = d.person_id AND l.competence_id = d.competence_id)
               AS remeasured,
           EXISTS (SELECT 1 FROM later l WHERE l.person_id = d.person_id AND l.competence_id = d.competence_id
                      AND l.closed) AS closed
      FROM d
)
SELECT person_id, count(*), count(*) FILTER (WHERE remeasured), count(*) FILTER (WHERE closed),
       coalesce(string_agg(code, ', ' ORDER BY code) FILTER (WHERE closed), ''),
       coalesce(string_agg(code, ', ' ORDER BY code) FILTER (WHERE NOT closed), '')
  FROM flags
 GROUP BY ROLLUP (person_id)
"""


def report_years(member, today=None):
    """The years a report may be asked for: from the member's inclusion (or nomination) to this year."""
    today = today or datetime.date.today()
    first = min((member.start or today).year, today.year)
    return list(range(today.year, first - 1, -1))


def _deficits(member, start, end):
    """{person_id: {deficits, remeasured, closed, closed_codes, open_codes}} and the totals (key None)."""
    with connection.cursor() as cursor:
        cursor.execute(CLOSED_SQL, {"member": member.pk, "start": start, "end": end})
        rows = cursor.fetchall()
    out = {}
    for person_id, deficits, remeasured, closed, closed_codes, open_codes in rows:
        out[person_id] = {
            "deficits": deficits,
            "remeasured": remeasured,
            "closed": closed,
            "closed_codes": closed_codes,
            "open_codes": open_codes,
        }
    out.setdefault(None, {"deficits": 0, "remeasured": 0, "closed": 0, "closed_codes": "", "open_codes": ""})
    return out


def annual_report(member, year):
    """What the asset member did in the year (their done visits and consultations — by month, format, kind), for
    whom (the teachers assigned at some day of the year or supported in it, each with the counts) and which of
    those teachers' deficits closed after re-diagnosis. Everything counted by the database."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    visits = LessonVisit.objects.filter(member=member).done_during(start, end)
    consultations = Consultation.objects.filter(member=member).done_during(start, end)
    in_person = Q(format="in_person")
    totals = visits.aggregate(
        visits=Count("pk"),
        low_results_visits=Count("pk", filter=Q(low_results=True)),
        visited_teachers=Count("person", distinct=True),
    )
    totals.update(
        consultations.aggregate(
            consultations=Count("pk"),
            in_person=Count("pk", filter=in_person),
            remote=Count("pk", filter=~in_person),
            individual=Count("pk", filter=Q(kind="individual")),
            group=Count("pk", filter=Q(kind="group")),
            minutes=Sum("duration", default=0),
        )
    )
    totals.update(
        VisitRecommendation.objects.filter(visit__in=visits).aggregate(
            recommendations=Count("pk"), to_route=Count("pk", filter=Q(route_item__isnull=False))
        )
    )
    totals["consulted_teachers"] = (
        ConsultationTeacher.objects.filter(consultation__in=consultations).values("person").distinct().count()
    )
    months = [
        {"month": m, "label": MONTHS[m - 1], "visits": 0, "in_person": 0, "remote": 0, "consultations": 0}
        for m in range(1, 13)
    ]
    for row in visits.annotate(m=ExtractMonth("date")).values("m").annotate(n=Count("pk")).order_by():
        months[row["m"] - 1]["visits"] = row["n"]
    for row in (
        consultations.annotate(m=ExtractMonth("date"))
        .values("m")
        .annotate(n=Count("pk"), p=Count("pk", filter=in_person), r=Count("pk", filter=~in_person))
        .order_by()
    ):
        months[row["m"] - 1].update(consultations=row["n"], in_person=row["p"], remote=row["r"])

    assigned = Assignment.objects.filter(member=member, since__lte=end).filter(
        Q(until__isnull=True) | Q(until__gte=start)
    )
    teacher_ids = (
        Person.objects.filter(
            Q(pk__in=assigned.values("person_id"))
            | Q(pk__in=visits.values("person_id"))
            | Q(pk__in=ConsultationTeacher.objects.filter(consultation__in=consultations).values("person_id"))
        )
        .annotate(
            n_visits=Subquery(
                visits.filter(person_id=OuterRef("pk"))
                .values("person_id")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            n_consultations=Subquery(
                ConsultationTeacher.objects.filter(consultation__in=consultations, person_id=OuterRef("pk"))
                .values("person_id")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            since=Subquery(
                assigned.filter(person_id=OuterRef("pk"))
                .values("person_id")
                .annotate(m=Min("since"))
                .values("m")
            ),
        )
        .order_by("last_name", "first_name", "middle_name", "pk")
        .values("pk", "last_name", "first_name", "middle_name", "n_visits", "n_consultations", "since")
    )
    deficits = _deficits(member, start, end)
    empty = {"deficits": 0, "remeasured": 0, "closed": 0, "closed_codes": "", "open_codes": ""}
    teachers = []
    for t in teacher_ids:
        teachers.append(
            {
                "person_id": t["pk"],
                "full_name": " ".join(x for x in (t["last_name"], t["first_name"], t["middle_name"]) if x),
                "assigned_since": t["since"],
                "visits": t["n_visits"] or 0,
                "consultations": t["n_consultations"] or 0,
                **deficits.get(t["pk"], empty),
            }
        )
    totals["assigned_teachers"] = assigned.values("person_id").distinct().count()
    totals.update(
        {f"deficit_{k}": v for k, v in deficits[None].items() if k in ("deficits", "remeasured", "closed")}
    )
    return {
        "member": member,
        "year": year,
        "start": start,
        "end": end,
        "totals": totals,
        "months": months,
        "teachers": teachers,
        "visits": list(
            visits.select_related("person", "organization", "subject")
            .annotate(n_rec=Count("recommendations"))
            .order_by("date", "pk")
        ),
        "consultations": list(
            consultations.annotate(n_teachers=Count("participants")).order_by("date", "pk")
        ),
    }

"""Routes generated from deficits (issue 5, item 3).

For one person: the resources matching the deficits (resources.matching, the catalog loaded once per run) are
taken greedily —
1. courses (cohorts): while a deficit is uncovered, the cohort covering most of the uncovered deficits, a
   federal-registry program first, then the earliest, that fits the hours budget and overlaps no dated item;
2. one internship, then events (at most three), by the same rule;
3. a community line for each competence group in deficit (the community covering most of that group's
   deficits);
4. a mentor line for a young specialist (recommended, not obligatory; an active mentoring pair replaces it
   with its own line — mentoring receives routes_created, docs/mentoring.md §7).
Every item says why it is there; deficits nothing covers are kept on the route as «непокрытые».

In bulk, for a campaign: every scored participant with deficits and no route yet for that result (and no
other active route) gets a draft; rows are written with bulk inserts. Re-running creates nothing new.
Places are not reserved: a route proposes, the school applies.
"""

import datetime

from django.db import connection, transaction

from profrost.accounts.models import User
from profrost.core.imports import copy_rows
from profrost.core.models import Notification
from profrost.diagnostics.models import Competence, CompetenceResult, Result, ResultStatus
from profrost.people.models import Person
from profrost.resources.matching import Catalog, people_facts
from profrost.routes.actions import RouteError
from profrost.routes.extensions import default_tutors
from profrost.routes.models import ACTIVE, ItemStatus, Route, RouteItem, Section
from profrost.routes.proposals import Proposal, community_form, member_statuses, proposal
from profrost.routes.signals import routes_created

DEFAULT_HOURS = 72
MAX_EVENTS = 3


def academic_year(today=None):
    """The academic year from today: 1 September … 31 August (the current one until the summer)."""
    today = today or datetime.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    start = max(today, datetime.date(year, 9, 1))
    return start, datetime.date(year + 1, 8, 31)


def _overlaps(start, end, busy):
    return any(start <= b_end and b_start <= end for b_start, b_end in busy)


def plan(codes, facts, catalog, start, end, hours=DEFAULT_HOURS, young=False, groups=None):
    """(proposals, uncovered codes) for one person's deficits."""
    codes = sorted(set(codes))
    matches = catalog.match(codes, facts)
    remaining, busy, hours_left, proposals = set(codes), [], hours, []

    def take(kind, limit, use_hours):
        nonlocal hours_left
        taken = 0
        pool = [m for m in matches if m.kind == kind]
        while remaining and taken < limit:
            best = None
            for m in pool:
                r = m.resource
                gain = set(m.covers) & remaining
                if not gain or (use_hours and (r.hours or 0) > hours_left):
                    continue
                if r.start and r.end and _overlaps(r.start, r.end, busy):
                    continue
                key = (-len(gain), not r.federal, r.start or datetime.date.max, r.title, r.pk)
                if best is None or key < best[0]:
                    best = (key, m, gain)
            if best is None:
                return
            _, m, gain = best
            r = m.resource
            pool.remove(m)
            if r.start and r.end:
                busy.append((r.start, r.end))
            if use_hours:
                hours_left -= r.hours or 0
            remaining.difference_update(gain)
            taken += 1
            proposals.append(proposal(m, gain))

    take("cohort", 10, True)
    take("internship", 1, False)
    take("event", MAX_EVENTS, False)
    # A community line for each competence group in deficit.
    groups = groups or {}
    community_lines = {}  # community pk → its proposal: one line per community, whatever groups it covers
    for group in sorted({groups.get(c, c) for c in codes}):
        group_codes = {c for c in codes if groups.get(c, c) == group}
        best = None
        for m in matches:
            if m.kind != "community":
                continue
            gain = set(m.covers) & group_codes
            if gain and (best is None or len(gain) > len(best[1])):
                best = (m, gain)
        if best:
            m, gain = best
            remaining.difference_update(gain)
            same = community_lines.get(m.resource.pk)
            if same is not None:
                same.codes = tuple(sorted(set(same.codes) | gain))
                continue
            p = proposal(m, gain)
            p.start, p.end = start, end
            community_lines[m.resource.pk] = p
            proposals.append(p)
    if young:
        proposals.append(
            Proposal(
                section=Section.MENTORING,
                content="Работа с наставником",
                form="наставничество «педагог — педагог»: наставника назначает организация",
                start=start,
                end=end,
                # a recommendation, not an obligation: the seeds set targets for young teachers in support
                # forms (004_… 1.2.4 row 4), they do not oblige one (docs/mentoring.md §7)
                reason="молодой специалист (до 35 лет, стаж до 3 лет): рекомендуется наставничество",
            )
        )
    return proposals, sorted(remaining)


ITEM_COLUMNS = [
    "id",
    "route_id",
    "section",
    "position",
    "content",
    "form",
    "hours",
    "start",
    '"end"',  # a reserved word in SQL
    "reason",
    "status",
    "cohort_id",
    "event_id",
    "internship_id",
    "community_id",
    "report",
    "links",
    "tutor_comment",
    "version",
]


def _next_ids(model, n):
    if not n:
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [row[0] for row in cur.fetchall()]


def _notify_teachers(routes):
    """Each teacher with an account learns that a draft route awaits them (the bell only, no email)."""
    by_person = {r.person_id: r.pk for r in routes}
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                text="Для вас построен черновик индивидуального образовательного маршрута: проверьте и отправьте на согласование",
                url=f"/routes/{by_person[person_id]}/",
            )
            for user_id, person_id in User.objects.filter(
                person_id__in=list(by_person), is_active=True
            ).values_list("pk", "person_id")
        ],
        batch_size=5000,
    )


def competence_groups():
    return dict(Competence.objects.values_list("code", "group__code"))


def deficits_of(result_ids):
    """{result id: [codes]} of the deficits, from the database."""
    out = {}
    for result_id, code in (
        CompetenceResult.objects.filter(result_id__in=result_ids, is_deficit=True)
        .order_by("competence__code")
        .values_list("result_id", "competence__code")
    ):
        out.setdefault(result_id, []).append(code)
    return out


@transaction.atomic
def generate_for_campaign(
    campaign, hours=DEFAULT_HOURS, start=None, end=None, person_ids=None, progress=None, again=False
):
    """Draft routes for the campaign's scored participants with deficits. Returns counts."""
    if start is None or end is None:
        start, end = academic_year()
    with (
        connection.cursor() as cur
    ):  # keeps the history triggers cheap on bulk inserts (see core.imports.copy_rows)
        cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
    results = Result.objects.filter(campaign=campaign, competence_results__is_deficit=True).scored()
    if person_ids is not None:
        results = results.filter(person_id__in=list(person_ids))
    results = list(results.distinct().values_list("pk", "person_id"))
    busy = set(
        Route.objects.filter(person_id__in=[p for _, p in results])
        .filter(status__in=ACTIVE)
        .values_list("person_id", flat=True)
    )
    done = (
        set()
        if again
        else set(
            Route.objects.filter(result_id__in=[r for r, _ in results]).values_list("result_id", flat=True)
        )
    )
    todo = [(r, p) for r, p in results if r not in done and p not in busy]
    skipped = len(results) - len(todo)
    deficits = deficits_of([r for r, _ in todo])
    facts = people_facts([p for _, p in todo], start)
    young = set(
        Person.objects.with_facts(on=start)
        .filter(pk__in=[p for _, p in todo], is_young_specialist=True)
        .values_list("pk", flat=True)
    )
    catalog = Catalog(start, end)
    groups = competence_groups()
    competence_ids = dict(Competence.objects.values_list("code", "pk"))
    created = uncovered_total = 0
    chunk = 1000
    for offset in range(0, len(todo), chunk):
        part = todo[offset : offset + chunk]
        plans = []
        for result_id, person_id in part:
            codes = deficits.get(result_id, [])
            proposals, uncovered = plan(
                codes, facts[person_id], catalog, start, end, hours, person_id in young, groups
            )
            plans.append((result_id, person_id, codes, proposals, uncovered))
        statuses = member_statuses(
            {person_id for _, person_id, _, _, _ in plans},
            {
                p.links["community_id"]
                for *_, proposals, _ in plans
                for p in proposals
                if "community_id" in p.links
            },
        )
        for _, person_id, _, proposals, _ in plans:
            for p in proposals:
                if "community_id" in p.links:
                    p.form = community_form(statuses.get((person_id, p.links["community_id"])))
        # Each new route's tutor: the asset member the teacher is assigned to (routes/extensions.py).
        tutors = default_tutors([p for _, p, _, _, _ in plans])
        routes = Route.objects.bulk_create(
            [
                Route(person_id=p, result_id=r, start=start, end=end, tutor=tutors.get(p))
                for r, p, _, _, _ in plans
            ]
        )
        items = []
        route_deficits, route_uncovered = [], []
        for route, (_, _, codes, proposals, uncovered) in zip(routes, plans, strict=True):
            route_deficits += [(route.pk, competence_ids[c]) for c in codes]
            route_uncovered += [(route.pk, competence_ids[c]) for c in uncovered]
            uncovered_total += len(uncovered)
            for n, p in enumerate(proposals):
                items.append((route.pk, n, p))
        # Items and link rows go in with COPY (ids taken from the sequence first): at 20,000 routes and
        # 150,000 items, INSERTs spend most of the run building statements.
        ids = _next_ids(RouteItem, len(items))
        copy_rows(
            RouteItem._meta.db_table,
            ITEM_COLUMNS,
            (
                (
                    item_id,
                    route_id,
                    p.section,
                    n,
                    p.content[:500],
                    p.form[:500],
                    p.hours,
                    p.start,
                    p.end,
                    p.reason[:500],
                    ItemStatus.PLANNED.value,
                    p.links.get("cohort_id"),
                    p.links.get("event_id"),
                    p.links.get("internship_id"),
                    p.links.get("community_id"),
                    "",
                    "",
                    "",
                    1,
                )
                for item_id, (route_id, n, p) in zip(ids, items, strict=True)
            ),
        )
        copy_rows(
            RouteItem.deficits.through._meta.db_table,
            ["routeitem_id", "competence_id"],
            (
                (item_id, competence_ids[c])
                for item_id, (_, _, p) in zip(ids, items, strict=True)
                for c in p.codes
            ),
        )
        copy_rows(Route.deficits.through._meta.db_table, ["route_id", "competence_id"], route_deficits)
        copy_rows(Route.uncovered.through._meta.db_table, ["route_id", "competence_id"], route_uncovered)
        routes_created.send(sender=Route, person_ids=[route.person_id for route in routes])
        _notify_teachers(routes)
        created += len(routes)
        if progress:
            progress(offset + len(part), len(todo), "маршруты")
    return {"created": created, "uncovered": uncovered_total, "skipped": skipped}


def generate_route(result, hours=DEFAULT_HOURS, start=None, end=None):
    """One person's draft route from one result; refuses without a scored result with deficits."""
    if result is None or result.status != ResultStatus.SCORED:
        raise RouteError("Маршрут строится по оценённому результату диагностики, а его у педагога нет.")
    if not CompetenceResult.objects.filter(result=result, is_deficit=True).exists():
        raise RouteError("По этой диагностике у педагога нет дефицитов — маршрут строить не по чему.")
    if Route.objects.filter(person_id=result.person_id, status__in=ACTIVE).exists():
        raise RouteError(
            "У педагога уже есть действующий маршрут; новый можно построить после его завершения."
        )
    counts = generate_for_campaign(
        result.campaign, hours, start, end, person_ids=[result.person_id], again=True
    )
    return Route.objects.filter(result=result).order_by("-pk").first(), counts

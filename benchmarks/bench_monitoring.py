"""The monitoring's live computation (docs/monitoring.md §4) at the region's — or the country's — scale: every
indicator of the 004_… set × every municipality for the current academic year, beside a raw count over the same
tables in the same run; the dashboard page's server time.

    .venv/bin/python benchmarks/bench_monitoring.py [--people 100000] [--explain]

The region is people.seeding.RegionGenerator's; on it, set-based in PostgreSQL (INSERT … SELECT, no per-row ORM):
a federal campaign scored for ~70 % of the people (4 competences each, ~30 % deficits) and a regional one a year
before for ~20 %; routes on ~60 % of the results (approved, in progress, done, partly done); 300 programs (40 % in
the federal registry, 2 competences each) with 2 cohorts each and completed enrollments for ~25 % of the people
(a third of them on their route); approved mentoring programs in ~70 % of the educational organizations with
pairs for ~half the young specialists and school–school pairs; the methodological asset (1 member per 200
people) with ~20 % of the people assigned and lessons visited; site statuses for ~5 % of the organizations;
events with participants. Uses the database `profrost_bench_monitoring_<people>` (seeded on first run, kept).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import create_database, setup_django  # noqa: E402

TARGETS_S = {100_000: 0.5, 1_000_000: 3.0}
DASHBOARD_TARGET_MS = 300


def insert_select(model, values, from_sql, params=()):
    """INSERT INTO the model's table (columns) SELECT … FROM from_sql: `values` maps columns to SQL expressions;
    every other NOT NULL column gets the field's Python default (now() for auto_now_add). One statement; the SQL
    always goes with parameters, so a literal percent sign is written %%."""
    from django.db import connection

    cols, exprs, defaults = [], [], []
    for f in model._meta.concrete_fields:
        if f.column in values:
            cols.append(f.column)
            exprs.append(values[f.column])
        elif f.primary_key or f.null:
            continue
        elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            cols.append(f.column)
            exprs.append("now()")
        else:
            default = f.get_default()
            if default is None:
                raise ValueError(f"{model.__name__}.{f.name}: no value and no default")
            cols.append(f.column)
            exprs.append("%s")
            defaults.append(f.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(connection.ops.quote_name(c) for c in cols)}) "
        f"SELECT {', '.join(exprs)} FROM {from_sql}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*defaults, *params])
        return cur.rowcount


def day(d):
    """A date as an SQL literal (our own dates: no parameter needed)."""
    return f"DATE '{d.isoformat()}'"


def ids(numbers):
    return f"ARRAY[{', '.join(str(int(n)) for n in numbers)}]::bigint[]"


def seed(people, period):
    import pghistory
    from django.db import connection, transaction

    from profrost.accounts.models import User
    from profrost.diagnostics.models import Campaign, Competence, CompetenceResult, Instrument, Result
    from profrost.mentoring.models import MentoringProgram, Mentorship, MentorshipMember
    from profrost.people.seeding import RegionGenerator
    from profrost.resources.models import Cohort, Enrollment, Event, Participation, Program
    from profrost.routes.models import Route, RouteItem
    from profrost.structure.models import Organization, OrganizationStatus
    from profrost.support.models import AssetMember, Assignment, LessonVisit, Order

    started = time.perf_counter()
    RegionGenerator(people, seed=1).run()
    print(f"  region generated: {time.perf_counter() - started:.0f} s", flush=True)
    start, end = period.start, period.end
    today = min(datetime.date.today(), end)
    days = max(1, (today - start).days)
    step = time.perf_counter()

    def done(label, rows):
        nonlocal step
        print(f"  {label}: {rows:,} rows, {time.perf_counter() - step:.0f} s", flush=True)
        step = time.perf_counter()

    # a pghistory context: the history triggers find their setting instead of raising and catching an error per row
    with transaction.atomic(), pghistory.context(source="benchmark"):
        with connection.cursor() as cur:
            cur.execute("SELECT setseed(0.42)")
            # history triggers still fire (route_done reads a route's history); set, pgtrigger's per-row check
            # does not raise and catch an error for every row (core/imports.py copy_rows)
            cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        competences = list(Competence.objects.order_by("pk").values_list("pk", flat=True)[:12])
        instrument = Instrument.objects.create(name="Бенчмарк: диагностика профессиональных дефицитов")
        federal = Campaign.objects.create(
            instrument=instrument, name="Федеральная", kind="federal", start=start
        )
        regional = Campaign.objects.create(instrument=instrument, name="Региональная", kind="regional")
        # this year's results (70 %) and last year's (20 %): the level by a random percent
        for campaign, share, first, span in (
            (federal, 0.7, start, days),
            (regional, 0.2, start - datetime.timedelta(days=365), 300),
        ):
            rows = insert_select(
                Result,
                {
                    "campaign_id": str(campaign.pk),
                    "person_id": "p.id",
                    "status": "'scored'",
                    "taken_on": f"{day(first)} + (random() * {span - 1})::int",
                    "total_percent": "x.pct",
                    "level": "CASE WHEN x.pct >= 85 THEN 'высокий' WHEN x.pct >= 70 THEN 'повышенный' "
                    "WHEN x.pct >= 50 THEN 'базовый' ELSE 'низкий' END",
                },
                f"people_person p, LATERAL (SELECT round((random() * 100)::numeric, 2) AS pct, p.id AS pid) x "
                f"WHERE random() < {share}",
            )
            done(f"results ({campaign.kind})", rows)
        rows = insert_select(
            CompetenceResult,
            {
                "result_id": "r.id",
                "competence_id": "c.id",
                "percent": "x.pct",
                "is_deficit": "x.pct < 50",
                "is_severe": "x.pct < 25",
            },
            "diagnostics_result r CROSS JOIN LATERAL (SELECT id FROM diagnostics_competence "
            "WHERE id = ANY(%s) ORDER BY random() + r.id * 0 LIMIT 4) c, "
            "LATERAL (SELECT round((random() * 100)::numeric, 2) + c.id * 0 AS pct) x",
            [competences],
        )
        done("competence results", rows)
        # routes on 60 % of this year's results; done routes leave their history event (route_done's date)
        rows = insert_select(
            Route,
            {
                "person_id": "r.person_id",
                "result_id": "r.id",
                "start": "r.taken_on + 10",
                "end": "r.taken_on + 300",
                "status": "(ARRAY['approved', 'in_progress', 'done', 'partial'])[1 + (random() * 3.6)::int %% 4]",
            },
            "diagnostics_result r WHERE r.campaign_id = %s AND random() < 0.6",
            [federal.pk],
        )
        done("routes", rows)
        # programs of the regional organizations and others, two cohorts each inside the period
        providers = list(
            Organization.objects.filter(kind__in=("center", "dpo_institute", "college")).values_list(
                "pk", flat=True
            )
        )
        rows = insert_select(
            Program,
            {
                "title": "'Программа ДПП № ' || g",
                "hours": "36",
                "form": "'full_time'",
                "provider_id": f"({ids(providers)})[1 + g %% {len(providers)}]",
                "in_federal_registry": "g %% 5 < 2",
                "status": "'active'",
            },
            "generate_series(1, 300) g",
        )
        through = Program.competences.through
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {through._meta.db_table} (program_id, competence_id) "
                "SELECT p.id, (%s::bigint[])[1 + (p.id + k) %% 12] FROM resources_program p, generate_series(0, 1) k",
                [competences],
            )
        insert_select(
            Cohort,
            {
                "program_id": "p.id",
                "start": f"{day(start)} + k * 60",
                "end": f"{day(start)} + k * 60 + 20",
                "capacity": "30",
            },
            "resources_program p, generate_series(0, 1) k",
        )
        rows = insert_select(
            Enrollment,
            {
                "cohort_id": "(SELECT array_agg(id) FROM resources_cohort)[1 + (random() * 599)::int]",
                "person_id": "p.id",
                "status": "'completed'",
                "attestation_passed": "random() < 0.95",
            },
            "people_person p WHERE random() < 0.25",
        )
        done("programs, cohorts, enrollments", rows)
        rows = insert_select(
            RouteItem,
            {
                "route_id": "rt.id",
                "section": "'1.1'",
                "content": "'Обучение по программе'",
                "status": "'done'",
                "cohort_id": "en.cohort_id",
            },
            "routes_route rt JOIN resources_enrollment en ON en.person_id = rt.person_id WHERE random() < 0.33",
        )
        done("route items on courses", rows)
        # mentoring: approved programs in 70 % of the educational organizations, pairs for half the young
        rows = insert_select(
            MentoringProgram,
            {
                "organization_id": "o.id",
                "title": "'Программа наставничества'",
                "start": f"{day(start)} - 200",
                "end": f"{day(end)} + 200",
                "forms": "ARRAY['teacher_teacher', 'school_school']::varchar[]",
                "status": "'approved'",
            },
            "structure_organization o WHERE o.kind IN ('school', 'kindergarten', 'additional_education') "
            "AND random() < 0.7",
        )
        done("mentoring programs", rows)
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE bench_young AS SELECT e.person_id, e.organization_id, "
                "(SELECT e2.person_id FROM people_employment e2 WHERE e2.organization_id = e.organization_id "
                "AND e2.person_id <> e.person_id LIMIT 1) AS mentor_id "
                "FROM people_employment e JOIN people_person p ON p.id = e.person_id "
                "WHERE age(%s::date, p.birth_date) < interval '35 years' AND random() < 0.5",
                [end],
            )
        rows = insert_select(
            Mentorship,
            {
                "form": "'teacher_teacher'",
                "organization_id": "y.organization_id",
                "start": f"{day(start)} - 30",
                "status": "'active'",
                "directions": "y.person_id::text",
            },
            "bench_young y WHERE y.mentor_id IS NOT NULL",
        )
        for role, column in (("mentee", "person_id"), ("mentor", "mentor_id")):
            insert_select(
                MentorshipMember,
                {"mentorship_id": "m.id", "person_id": f"y.{column}", "role": f"'{role}'"},
                "mentoring_mentorship m JOIN bench_young y ON y.person_id::text = m.directions",
            )
        insert_select(
            Mentorship,
            {
                "form": "'school_school'",
                "organization_id": "o.id",
                "mentor_organization_id": "o.id + 1",
                "start": f"{day(start)} - 30",
                "status": "'active'",
            },
            "structure_organization o WHERE o.kind = 'school' AND o.id %% 20 = 0",
        )
        done("mentorships", rows)
        # the methodological asset: a member per 200 people, 20 % of the people assigned, lessons visited
        order = Order.objects.create(number="бенчмарк", date=start)
        admin, _ = User.objects.get_or_create(username="bench_admin")
        insert_select(
            AssetMember,
            {
                "person_id": "p.id",
                "directions": "ARRAY['routes']::varchar[]",
                "status": "'approved'",
                "order_id": str(order.pk),
                "start": f"{day(start)} - 100",
                "engagement": "'contract'",
            },
            "people_person p WHERE p.id %% 200 = 7",
        )
        rows = insert_select(
            Assignment,
            {
                "member_id": "(SELECT array_agg(id) FROM support_assetmember)[1 + (random() * "
                "((SELECT count(*) FROM support_assetmember) - 1))::int]",
                "person_id": "e.person_id",
                "direction": "'routes'",
                "municipality_id": "o.municipality_id",
                "since": f"{day(start)} + 5",
            },
            "people_employment e JOIN structure_organization o ON o.id = e.organization_id "
            "WHERE o.municipality_id IS NOT NULL AND random() < 0.2",
        )
        done("asset members, assignments", rows)
        rows = insert_select(
            LessonVisit,
            {
                "visitor_id": str(admin.pk),
                "visitor_kind": "'asset'",
                "status": "'done'",
                "date": f"{day(start)} + (random() * {days - 1})::int",
                "member_id": "a.member_id",
                "person_id": "a.person_id",
                "organization_id": "e.organization_id",
                "municipality_id": "a.municipality_id",
            },
            "support_assignment a JOIN people_employment e ON e.person_id = a.person_id WHERE random() < 0.25",
        )
        done("lesson visits", rows)
        insert_select(
            OrganizationStatus,
            {"organization_id": "o.id", "kind": "'internship_site'", "start": f"{day(start)} - 100"},
            "structure_organization o WHERE o.kind IN ('school', 'kindergarten', 'additional_education') "
            "AND random() < 0.05",
        )
        organizer = providers[0]
        insert_select(
            Event,
            {
                "title": "'Конкурс профессионального мастерства № ' || g",
                "kind": "(ARRAY['contest', 'conference', 'seminar'])[1 + g %% 3]",
                "level": "'regional'",
                "organizer_id": str(organizer),
                "start": f"{day(start)} + g * 7",
                "end": f"{day(start)} + g * 7 + 1",
            },
            "generate_series(1, 20) g",
        )
        rows = insert_select(
            Participation,
            {
                "event_id": "(SELECT array_agg(id) FROM resources_event)[1 + (random() * 19)::int]",
                "person_id": "p.id",
                "role": "(ARRAY['participant', 'speaker', 'winner'])[1 + (random() * 2)::int]",
            },
            "people_person p WHERE random() < 0.1",
        )
        done("sites, events, participations", rows)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)


def median_s(fn, repeat=3, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the one statement")
    args = parser.parse_args()
    db = f"profrost_bench_monitoring_{args.people}"
    create_database(db, fresh=False)
    # the pages' cache of computed counts as deployed (docs/monitoring.md §4): the dashboard is timed both cold
    # (the cache cleared before each request) and warm
    os.environ["MONITORING_CACHE_SECONDS"] = "300"
    setup_django(db)
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from profrost.accounts.models import Role, User
    from profrost.core.periods import current_academic_year
    from profrost.monitoring import compute
    from profrost.monitoring.models import IndicatorSet, Level
    from profrost.people.models import Person
    from profrost.structure.models import Municipality, Region

    period = current_academic_year()
    if not Person.objects.exists():
        started = time.perf_counter()
        seed(args.people, period)
        print(f"Generated {args.people:,} people and their facts in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    indicators = list(IndicatorSet.objects.get(code="004").indicators.order_by("order", "code"))
    municipalities = Municipality.objects.count()
    tables = (
        "people_employment",
        "diagnostics_result",
        "diagnostics_competenceresult",
        "routes_route",
        "resources_enrollment",
        "mentoring_mentorshipmember",
        "support_assignment",
        "support_lessonvisit",
    )
    counts = {}
    with connection.cursor() as cur:
        for t in tables:
            cur.execute(f"SELECT count(*) FROM {t}")
            counts[t] = cur.fetchone()[0]

    def run():
        return compute.compute(indicators, period, Level.MUNICIPALITY)

    def raw():
        with connection.cursor() as cur:
            cur.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables))
            return cur.fetchone()

    values = run()
    filled = sum(1 for rows in values.values() for v in rows.values() if v.value is not None)
    computed = median_s(run)
    baseline = median_s(raw)
    target = TARGETS_S.get(args.people, 0.5 if args.people <= 100_000 else 3.0)
    print(
        f"\nMonitoring, {Person.objects.count():,} people, {municipalities} municipalities, period {period.label}; "
        "median of 3 after a warm-up"
    )
    print("  " + ", ".join(f"{t}: {n:,}" for t, n in counts.items()))
    flag = "" if computed <= target else "  over target"
    print(f"{'compute(004 × municipalities), s':<46}{computed:>10.3f}   (target ≤ {target} s){flag}")
    print(f"{'  values with a number':<46}{filled:>10}")
    print(f"{'raw SQL: count(*) of the same 8 tables, s':<46}{baseline:>10.3f}")
    for level in (Level.REGION, Level.ORGANIZATION):
        t = median_s(lambda level=level: compute.compute(indicators, period, level))
        print(f"{f'compute(004 × {level}), s':<46}{t:>10.3f}")

    if args.explain:
        codes = [
            c for i in indicators if Level.MUNICIPALITY in i.levels for c in (i.numerator, i.denominator)
        ]
        sql, params = explain_sql(compute, codes, period)
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(r[0] for r in cur.fetchall()))

    try:
        url = reverse("monitoring:dashboard")
    except NoReverseMatch:
        print("dashboard page: the view `monitoring:dashboard` does not exist yet — skipped")
        return
    admin, _ = User.objects.get_or_create(username="bench_admin")
    Role.objects.get_or_create(user=admin, role="region_admin", region=Region.objects.first())
    client = Client()
    client.force_login(admin)
    response = client.get(url)
    if response.status_code != 200:
        print(f"dashboard page: {url} answered {response.status_code} — skipped")
        return
    from profrost.monitoring.compute import forget_counts

    for label, cold in (("cold: cache cleared", True), ("warm: counts cached", False)):
        times = []
        for _ in range(5):
            if cold:
                forget_counts()
            t = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        ms = statistics.median(times)
        flag = "" if ms <= DASHBOARD_TARGET_MS else "  over target"
        print(
            f"{f'dashboard page, {label} (median of 5), ms':<46}{ms:>10.1f}   (target ≤ {DASHBOARD_TARGET_MS} ms){flag}"
        )
    indicator = next(i for i in indicators if i.code == "1")
    url = reverse("monitoring:indicator", args=[indicator.pk])
    client.get(url)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    print(f"{'indicator 1 by municipality, warm (median of 5), ms':<46}{statistics.median(times):>10.1f}")


def explain_sql(compute, codes, period):
    """The one statement compute() runs (measure_counts), captured."""
    from django.db import connection

    captured = []

    def capture(execute, sql, params, many, context):
        if "UNION ALL" in sql:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        compute.measure_counts(codes, period, "municipality")
    return captured[-1]


if __name__ == "__main__":
    main()

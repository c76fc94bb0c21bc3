"""Resource matching and the program catalog at the scale of a region.

    .venv/bin/python benchmarks/bench_matching.py [--people 10000] [--programs 2000] [--cohorts 300] [--events 1000]

- matching: 10,000 people with 3–5 deficits each against the catalog — the catalog loaded once (free places
  and quotas counted in the database), people's facts in one query, then every person matched; total and
  per-person figures, beside a raw SQL query that finds, for every person, the cohorts on any of their
  deficits (no eligibility, no ranking) — the floor any matcher pays to read the data;
- the catalog page (full request through the test client) with filters, beside a raw SQL query of the same
  page.

Creates (drops first) the database `profrost_bench_match` on BENCH_PG (default the local server).
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import create_database, median_ms, setup_django  # noqa: E402

DB = "profrost_bench_match"


def build_catalog(programs, cohorts, events, rng):
    from profrost.diagnostics.models import Competence
    from profrost.resources.models import Cohort, Community, Event, Internship, Program, Quota
    from profrost.structure.models import Municipality, Organization

    codes = list(Competence.objects.filter(is_active=True).values_list("pk", flat=True))
    providers = list(
        Organization.objects.exclude(kind__in=["school", "kindergarten"]).values_list("pk", flat=True)
    )
    schools = list(Organization.objects.filter(kind="school").values_list("pk", flat=True))
    municipalities = list(Municipality.objects.values_list("pk", flat=True))
    made = Program.objects.bulk_create(
        [
            Program(
                title=f"Программа {n:04d}: {rng.choice(['оценивание', 'функциональная грамотность', 'цифровая среда', 'воспитание', 'ОВЗ'])}",
                hours=rng.choice([16, 24, 36, 72, 144]),
                form=rng.choice(["full_time", "mixed", "distance"]),
                provider_id=rng.choice(providers),
                in_federal_registry=rng.random() < 0.3,
                registry_number=f"ФР-{n}",
            )
            for n in range(programs)
        ]
    )
    through = Program.competences.through
    through.objects.bulk_create(
        [
            through(program_id=p.pk, competence_id=c)
            for p in made
            for c in rng.sample(codes, rng.randint(1, 3))
        ]
    )
    start = datetime.date.today() + datetime.timedelta(days=14)
    made_cohorts = Cohort.objects.bulk_create(
        [
            Cohort(
                program_id=rng.choice(made).pk,
                start=start + datetime.timedelta(days=rng.randint(0, 300)),
                end=start + datetime.timedelta(days=310),
                capacity=rng.choice([25, 30, 50]),
            )
            for _ in range(cohorts)
        ]
    )
    Quota.objects.bulk_create(
        [
            Quota(cohort=c, municipality_id=m, places=rng.randint(0, 3))
            for c in made_cohorts
            for m in rng.sample(municipalities, min(len(municipalities), 12))
        ]
    )
    made_events = Event.objects.bulk_create(
        [
            Event(
                title=f"Мероприятие {n}",
                kind=rng.choice(["seminar", "webinar", "master_class", "conference"]),
                level=rng.choice(["regional", "municipal", "municipal", "institutional"]),
                organizer_id=rng.choice(providers + schools),
                start=start + datetime.timedelta(days=rng.randint(0, 300)),
                end=start + datetime.timedelta(days=300),
                capacity=rng.choice([None, 30, 100]),
            )
            for n in range(events)
        ]
    )
    et = Event.competences.through
    et.objects.bulk_create(
        [
            et(event_id=e.pk, competence_id=c)
            for e in made_events
            for c in rng.sample(codes, rng.randint(1, 2))
        ]
    )
    internships = Internship.objects.bulk_create(
        [
            Internship(
                title=f"Стажировка {n}",
                site_id=rng.choice(schools),
                start=start,
                end=start + datetime.timedelta(days=20),
                capacity=10,
                hours=24,
            )
            for n in range(50)
        ]
    )
    it = Internship.competences.through
    it.objects.bulk_create([it(internship_id=i.pk, competence_id=rng.choice(codes)) for i in internships])
    communities = Community.objects.bulk_create(
        [Community(name=f"Сообщество {n}", kind="community", level="regional") for n in range(100)]
    )
    ct = Community.competences.through
    ct.objects.bulk_create([ct(community_id=c.pk, competence_id=rng.choice(codes)) for c in communities])
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def matching_figures(people, rng):
    from django.db import connection

    from profrost.diagnostics.models import Competence
    from profrost.people.models import Person
    from profrost.resources.matching import Catalog, people_facts

    codes = list(Competence.objects.filter(is_active=True).values_list("code", flat=True))
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:people])
    deficits = {pk: rng.sample(codes, rng.randint(3, 5)) for pk in ids}
    start, end = datetime.date.today(), datetime.date.today() + datetime.timedelta(days=365)
    began = time.perf_counter()
    catalog = Catalog(start, end)
    loaded = time.perf_counter()
    facts = people_facts(ids, start)
    facts_done = time.perf_counter()
    per_person, found = [], 0
    for pk in ids:
        t = time.perf_counter()
        matches = catalog.match(deficits[pk], facts[pk])
        per_person.append((time.perf_counter() - t) * 1000)
        found += len(matches)
    total = time.perf_counter() - began
    # Raw floor: every person's deficit codes against the cohorts' program competences, in one SQL query.
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_deficit (person_id bigint, code text)")
        with cur.copy("COPY bench_deficit FROM STDIN") as copy:
            for pk, cs in deficits.items():
                for c in cs:
                    copy.write_row((pk, c))
        t = time.perf_counter()
        cur.execute(
            "SELECT d.person_id, count(DISTINCT ch.id) FROM bench_deficit d "
            "JOIN diagnostics_competence c ON c.code = d.code "
            "JOIN resources_program_competences pc ON pc.competence_id = c.id "
            "JOIN resources_cohort ch ON ch.program_id = pc.program_id "
            "WHERE ch.start >= %s AND ch.end <= %s GROUP BY d.person_id",
            [start, end],
        )
        cur.fetchall()
        raw = time.perf_counter() - t
        cur.execute("DROP TABLE bench_deficit")
    return {
        "people": len(ids),
        "catalog_s": loaded - began,
        "facts_s": facts_done - loaded,
        "total_s": total,
        "mean_ms": statistics.mean(per_person),
        "p95_ms": sorted(per_person)[int(len(per_person) * 0.95)],
        "max_ms": max(per_person),
        "per_person_all_in_ms": total * 1000 / len(ids),
        "matches_per_person": found / len(ids),
        "raw_s": raw,
    }


def catalog_figures():
    from django.db import connection
    from django.test import Client

    from profrost.accounts.models import User
    from profrost.diagnostics.models import Competence

    user = User.objects.create_user(username="bench-center", password="x" * 16)
    from profrost.accounts.models import Role
    from profrost.structure.models import Region

    Role.objects.create(user=user, role="center_staff", region=Region.objects.first())
    client = Client()
    client.force_login(user)
    mt1 = Competence.objects.get(code="МТ1").pk
    cases = [
        ("page 1, no filter", "/resources/programs/"),
        ("competence + federal + form", f"/resources/programs/?competence={mt1}&federal=yes&form=distance"),
        ("search «оценив»", "/resources/programs/?q=оценив"),
        (
            "hours 36–72, sorted by hours, page 5",
            "/resources/programs/?hours_min=36&hours_max=72&sort=hours&page=5",
        ),
    ]

    def raw():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT p.id, p.title FROM resources_program p JOIN resources_program_competences pc ON "
                "pc.program_id = p.id WHERE pc.competence_id = %s AND p.in_federal_registry AND p.form = 'distance' "
                "ORDER BY p.title LIMIT 50",
                [mt1],
            )
            cur.fetchall()

    out = []
    for label, url in cases:
        assert client.get(url).status_code == 200
        out.append((label, median_ms(lambda url=url: client.get(url))))
    return out, median_ms(raw)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--programs", type=int, default=2_000)
    parser.add_argument("--cohorts", type=int, default=300)
    parser.add_argument("--events", type=int, default=1_000)
    args = parser.parse_args()
    create_database(DB, fresh=True)
    setup_django(DB)
    from profrost.people.seeding import RegionGenerator

    rng = random.Random(3)
    RegionGenerator(args.people, seed=5).run()
    build_catalog(args.programs, args.cohorts, args.events, rng)
    m = matching_figures(args.people, rng)
    print(
        f"\nMatching: {m['people']:,} people × 3–5 deficits against {args.programs:,} programs, {args.cohorts} cohorts, "
        f"{args.events:,} events, 50 internships, 100 communities"
    )
    print(f"catalog loaded once        {m['catalog_s'] * 1000:8.0f} ms")
    print(f"people's facts, one query  {m['facts_s'] * 1000:8.0f} ms")
    print(
        f"all people matched         {m['total_s']:8.2f} s   ({m['per_person_all_in_ms']:.2f} ms per person all in)"
    )
    print(
        f"per person: mean {m['mean_ms']:.2f} ms, p95 {m['p95_ms']:.2f} ms, max {m['max_ms']:.2f} ms; "
        f"{m['matches_per_person']:.1f} matches each"
    )
    print(
        f"raw SQL floor (cohorts on any deficit, per person, one query): {m['raw_s'] * 1000:.0f} ms; "
        f"ratio {m['total_s'] / m['raw_s']:.1f}"
    )
    pages, raw = catalog_figures()
    print("\nCatalog page (full request, median of 15 after 3 warm-ups)")
    for label, ms in pages:
        print(f"{label:<40}{ms:8.1f} ms   (raw SQL of a filtered page {raw:.1f} ms, ratio {ms / raw:.0f})")


if __name__ == "__main__":
    main()

"""Routes at the scale of a region.

    .venv/bin/python benchmarks/bench_routes.py [--participants 20000]

- bulk generation for a campaign of 20,000 participants with 3–5 deficits each against the matching
  benchmark's catalog (2,000 programs, 300 cohorts, 1,000 events, 50 internships, 100 communities), in a
  fresh process: seconds and peak memory, beside a raw INSERT … SELECT of one empty route per participant;
- the registers page for the region (full request), beside a raw count of routes by status;
- one route's PDF and DOCX.

Creates (drops first) the database `profrost_bench_routes` on BENCH_PG (default the local server).
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, create_database, median_ms, setup_django  # noqa: E402

DB = "profrost_bench_routes"


def child(campaign_id):
    setup_django(DB)
    from profrost.diagnostics.models import Campaign
    from profrost.routes.generation import generate_for_campaign

    start = datetime.date.today()
    began = time.perf_counter()
    counts = generate_for_campaign(
        Campaign.objects.get(pk=campaign_id), 72, start, start + datetime.timedelta(days=365)
    )
    print(
        json.dumps(
            {
                **counts,
                "seconds": time.perf_counter() - began,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def prepare(participants):
    from bench_matching import build_catalog
    from django.db import connection

    from profrost.diagnostics.models import Campaign, Competence, CompetenceResult, Instrument, Result
    from profrost.people.models import Person
    from profrost.people.seeding import RegionGenerator

    rng = random.Random(9)
    RegionGenerator(int(participants * 1.1), seed=4).run()
    build_catalog(2000, 300, 1000, rng)
    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="Бенчмарк"), name="ДПК", kind="federal"
    )
    people = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:participants])
    taken = datetime.date.today() - datetime.timedelta(days=10)
    results = Result.objects.bulk_create(
        [
            Result(campaign=campaign, person_id=pk, status="scored", taken_on=taken, level="базовый")
            for pk in people
        ],
        batch_size=5000,
    )
    competences = list(Competence.objects.filter(is_active=True).values_list("pk", flat=True))
    rows = []
    for r in results:
        deficits = set(rng.sample(competences, rng.randint(3, 5)))
        for c in competences[:12]:
            rows.append(
                CompetenceResult(
                    result=r, competence_id=c, percent=30 if c in deficits else 80, is_deficit=c in deficits
                )
            )
        for c in deficits - set(competences[:12]):
            rows.append(CompetenceResult(result=r, competence_id=c, percent=30, is_deficit=True))
    CompetenceResult.objects.bulk_create(rows, batch_size=10000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return campaign


def raw_baseline(campaign):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_route AS SELECT * FROM routes_route WITH NO DATA")
        started = time.perf_counter()
        cur.execute(
            'INSERT INTO bench_route (person_id, result_id, goal, start, "end", status, municipal_approval, '
            "review_comment, conclusion, version, created_at) SELECT person_id, id, '', now()::date, now()::date, "
            "'draft', false, '', '', 1, now() FROM diagnostics_result WHERE campaign_id = %s",
            [campaign.pk],
        )
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_route")
    return seconds


def run_child(campaign_id):
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(campaign_id)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def page_figures():
    from django.db import connection
    from django.test import Client

    from profrost.accounts.models import Role, User
    from profrost.routes.document import route_docx, route_pdf
    from profrost.routes.models import Route
    from profrost.structure.models import Region

    user = User.objects.create_user(username="bench-center", password="x" * 16)
    Role.objects.create(user=user, role="center_staff", region=Region.objects.first())
    client = Client()
    client.force_login(user)
    assert client.get("/routes/registers/").status_code == 200

    def raw():
        with connection.cursor() as cur:
            cur.execute("SELECT status, count(*) FROM routes_route GROUP BY status")
            cur.fetchall()

    route = Route.objects.select_related("person", "result").order_by("pk").first()
    return {
        "registers_ms": median_ms(lambda: client.get("/routes/registers/"), 7, 2),
        "raw_ms": median_ms(raw, 7, 2),
        "list_ms": median_ms(lambda: client.get("/routes/"), 7, 2),
        "pdf_ms": median_ms(lambda: route_pdf(route), 5, 1),
        "docx_ms": median_ms(lambda: route_docx(route), 5, 1),
        "items": route.items.count(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    create_database(DB, fresh=True)
    setup_django(DB)
    campaign = prepare(args.participants)
    raw = raw_baseline(campaign)
    generated = run_child(campaign.pk)
    again = run_child(campaign.pk)
    print(
        f"\nBulk generation: {args.participants:,} participants with 3–5 deficits; catalog 2,000 programs, 300 cohorts, 1,000 events"
    )
    print(
        f"generated {generated['created']:,} routes in {generated['seconds']:.1f} s, peak {generated['max_rss_mb']:.0f} MB; "
        f"uncovered deficits {generated['uncovered']:,}"
    )
    print(
        f"raw INSERT … SELECT of {args.participants:,} empty routes: {raw:.2f} s (ratio {generated['seconds'] / raw:.0f})"
    )
    print(f"re-run: created {again['created']}, skipped {again['skipped']:,} in {again['seconds']:.1f} s")
    p = page_figures()
    print("\nPages, median")
    print(
        f"registers for the region   {p['registers_ms']:8.1f} ms   (raw count by status {p['raw_ms']:.1f} ms)"
    )
    print(f"route list, page 1         {p['list_ms']:8.1f} ms")
    print(f"one route's PDF            {p['pdf_ms']:8.1f} ms   ({p['items']} items)")
    print(f"one route's DOCX           {p['docx_ms']:8.1f} ms")


if __name__ == "__main__":
    main()

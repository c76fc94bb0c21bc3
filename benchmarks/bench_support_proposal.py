"""The automatic proposal of assignments at the scale of the issue (issue 12, point 9).

    .venv/bin/python benchmarks/bench_support_proposal.py [--teachers 100000] [--members 500]

A generated region (people/seeding.py) of --teachers people; each has a scored result with 2–6 deficits
(competence results written with one INSERT … SELECT), one in ten a route without a tutor; --members approved
asset members, each with 1–3 of the eight directions, a zone of 1–3 municipalities and a subject. Then, in a fresh
process: support.proposals.propose() for the region — seconds and peak memory — beside a raw baseline in the same
run: one SQL count of the teachers with a deficit in their latest scored result.

Creates (drops first) the database `profrost_bench_support` on BENCH_PG (default the local server).
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
from _common import ROOT, create_database, setup_django  # noqa: E402

DB = "profrost_bench_support"


def child():
    setup_django(DB)
    from django.db import connection

    from profrost.support.proposals import propose

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT DISTINCT ON (person_id) id FROM diagnostics_result "
            "WHERE status = 'scored' ORDER BY person_id, taken_on DESC, id DESC) latest "
            "WHERE EXISTS (SELECT 1 FROM diagnostics_competenceresult cr WHERE cr.result_id = latest.id "
            "AND cr.is_deficit)"
        )
        with_deficits = cur.fetchone()[0]
    raw = time.perf_counter() - started
    began = time.perf_counter()
    outcome = propose()
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "with_deficits": with_deficits,
                "raw_seconds": raw,
                "needing": outcome.needing,
                "proposals": len(outcome.proposals),
                "unmatched": len(outcome.unmatched),
                "seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def prepare(teachers, members):
    from django.db import connection

    from profrost.diagnostics.models import Campaign, Instrument, Result
    from profrost.people.models import Employment, Person, Subject
    from profrost.people.seeding import RegionGenerator
    from profrost.routes.models import Route
    from profrost.structure.models import Municipality
    from profrost.support.models import AssetMember, Direction, Order

    rng = random.Random(12)
    RegionGenerator(teachers, seed=12).run()
    today = datetime.date.today()
    people = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    campaign = Campaign.objects.create(instrument=Instrument.objects.create(name="Бенчмарк"), name="ДПК")
    taken = today - datetime.timedelta(days=10)
    Result.objects.bulk_create(
        [
            Result(campaign=campaign, person_id=pk, status="scored", taken_on=taken, level="базовый")
            for pk in people
        ],
        batch_size=10000,
    )
    with connection.cursor() as cur:
        # 2–6 deficits per result, spread over the competences by the ids.
        cur.execute(
            "INSERT INTO diagnostics_competenceresult (result_id, competence_id, percent, is_deficit, is_severe) "
            "SELECT r.id, c.id, 30, true, false FROM diagnostics_result r "
            "JOIN diagnostics_competence c ON c.is_active AND (r.id * 7 + c.id * 13) % 9 = 0"
        )
    Route.objects.bulk_create(
        [Route(person_id=pk, start=today, end=today + datetime.timedelta(days=300)) for pk in people[::10]],
        batch_size=10000,
    )
    order = Order.objects.create(number="1-од", date=today)
    municipalities = list(Municipality.objects.values_list("pk", flat=True))
    subjects = list(Subject.objects.values_list("pk", flat=True))
    chosen = rng.sample(people, members)
    rows = AssetMember.objects.bulk_create(
        [
            AssetMember(
                person_id=pk,
                directions=rng.sample(list(Direction.values), rng.randint(1, 3)),
                status="approved",
                order=order,
                start=today,
            )
            for pk in chosen
        ]
    )
    AssetMember.zone.through.objects.bulk_create(
        [
            AssetMember.zone.through(assetmember_id=m.pk, municipality_id=mun)
            for m in rows
            for mun in rng.sample(municipalities, rng.randint(1, 3))
        ]
    )
    if subjects:
        AssetMember.subjects.through.objects.bulk_create(
            [AssetMember.subjects.through(assetmember_id=m.pk, subject_id=rng.choice(subjects)) for m in rows]
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return Employment.objects.current().values("person_id").distinct().count()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return child()
    create_database(DB, fresh=True)
    setup_django(DB)
    started = time.perf_counter()
    working = prepare(args.teachers, args.members)
    print(
        f"data: {working:,} working teachers, {args.members} members in {time.perf_counter() - started:.0f} s"
    )
    out = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, cwd=ROOT, env=os.environ.copy()
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"proposal for the region: {r['needing']:,} teachers in need → {r['proposals']:,} proposals, "
        f"{r['unmatched']:,} without a member, in {r['seconds']:.1f} s, peak {r['max_rss_mb']:.0f} MB"
    )
    print(
        f"raw SQL count of teachers with a deficit in the latest result ({r['with_deficits']:,}): "
        f"{r['raw_seconds']:.2f} s (ratio {r['seconds'] / max(r['raw_seconds'], 1e-6):.0f})"
    )


if __name__ == "__main__":
    main()

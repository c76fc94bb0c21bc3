"""The proposal of mentors at the scale of the issue (issue 13, points 4 and 10).

    .venv/bin/python benchmarks/bench_mentoring_proposal.py [--people 100000] [--scored 0.7]

A generated region (people/seeding.py: ~9.5 % of the non-managers young specialists, subjects, categories,
experience) of --people people; a --scored share of them has a scored result with per-competence results for a
third of the framework (percent spread 0–99 by the ids: under 35 a deficit, from 85 strong), the managers with a
level; one school in twenty ШНОР, one in thirty an internship site; a few hundred pairs in force. Then, in a fresh
process: mentoring.proposals.propose() for the whole region — seconds and peak memory (ru_maxrss) — beside a raw
baseline in the same run: one SQL count of the young specialists with their facts (people.with_facts).

Creates (drops first) the database `profrost_bench_mentoring` on BENCH_PG (default the local server).
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

DB = "profrost_bench_mentoring"


def child():
    setup_django(DB)
    from profrost.mentoring.proposals import propose
    from profrost.people.models import Person

    started = time.perf_counter()
    young = Person.objects.young_specialists().count()
    raw = time.perf_counter() - started
    began = time.perf_counter()
    outcome = propose()
    seconds = time.perf_counter() - began
    by_form = {}
    for p in outcome.proposals:
        by_form[p.form] = by_form.get(p.form, 0) + 1
    print(
        json.dumps(
            {
                "young": young,
                "raw_seconds": raw,
                "considered_young": outcome.young,
                "proposals": len(outcome.proposals),
                "by_form": by_form,
                "unmatched": len(outcome.unmatched),
                "seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def prepare(people, scored):
    from django.db import connection

    from profrost.diagnostics.models import Campaign, Instrument, Result
    from profrost.mentoring.models import MemberRole, Mentorship, MentorshipMember
    from profrost.people.models import Employment, Person
    from profrost.people.seeding import RegionGenerator
    from profrost.structure.models import Organization, OrganizationStatus

    rng = random.Random(13)
    RegionGenerator(people, seed=13).run()
    today = datetime.date.today()
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, int(len(ids) * scored)))
    campaign = Campaign.objects.create(instrument=Instrument.objects.create(name="Бенчмарк"), name="ДПК")
    taken = today - datetime.timedelta(days=10)
    levels = ["высокий", "повышенный", "базовый", "базовый", "низкий"]
    Result.objects.bulk_create(
        [
            Result(campaign=campaign, person_id=pk, status="scored", taken_on=taken, level=rng.choice(levels))
            for pk in chosen
        ],
        batch_size=10000,
    )
    with connection.cursor() as cur:
        # A third of the competences per result; percent 0–99 spread by the ids.
        cur.execute(
            "INSERT INTO diagnostics_competenceresult (result_id, competence_id, percent, is_deficit, is_severe) "
            "SELECT r.id, c.id, p.pct, p.pct < 35, p.pct < 15 FROM diagnostics_result r "
            "JOIN diagnostics_competence c ON c.is_active AND (r.id * 7 + c.id * 13) % 3 = 0 "
            "CROSS JOIN LATERAL (SELECT ((r.id * 37 + c.id * 101) % 100)::numeric AS pct) p"
        )
    schools = list(Organization.objects.filter(kind="school").values_list("pk", flat=True))
    OrganizationStatus.objects.bulk_create(
        [
            OrganizationStatus(
                organization_id=pk, kind="low_results", start=today - datetime.timedelta(days=300)
            )
            for pk in schools[::20]
        ]
        + [
            OrganizationStatus(
                organization_id=pk, kind="internship_site", start=today - datetime.timedelta(days=300)
            )
            for pk in schools[7::30]
        ]
    )
    # A few hundred teacher — teacher pairs in force (mentors of the first schools).
    jobs = list(
        Employment.objects.filter(organization_id__in=schools[:100], person__category="highest").values_list(
            "person_id", "organization_id"
        )[:300]
    )
    others = ids[::331][: len(jobs)]
    for (mentor, org), mentee in zip(jobs, others, strict=False):
        m = Mentorship.objects.create(form="teacher_teacher", organization_id=org, start=today)
        MentorshipMember.objects.bulk_create(
            [
                MentorshipMember(mentorship=m, person_id=mentor, role=MemberRole.MENTOR),
                MentorshipMember(mentorship=m, person_id=mentee, role=MemberRole.MENTEE),
            ]
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return len(ids), len(chosen)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--scored", type=float, default=0.7, help="share of people with a scored result")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return child()
    create_database(DB, fresh=True)
    setup_django(DB)
    started = time.perf_counter()
    total, scored = prepare(args.people, args.scored)
    print(f"data: {total:,} people, {scored:,} with a scored result in {time.perf_counter() - started:.0f} s")
    out = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, cwd=ROOT, env=os.environ.copy()
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    forms = ", ".join(f"{form}: {n:,}" for form, n in sorted(r["by_form"].items()))
    print(
        f"proposal for the region: {r['considered_young']:,} young specialists; {r['proposals']:,} proposals "
        f"({forms}), {r['unmatched']:,} without a mentor, in {r['seconds']:.1f} s, peak {r['max_rss_mb']:.0f} MB"
    )
    print(
        f"raw count of young specialists with facts ({r['young']:,}): {r['raw_seconds']:.2f} s "
        f"(ratio {r['seconds'] / max(r['raw_seconds'], 1e-6):.0f})"
    )


if __name__ == "__main__":
    main()

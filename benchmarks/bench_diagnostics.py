"""Diagnostics at the scale of a regional campaign: 20,000 participants × 40 items.

    .venv/bin/python benchmarks/bench_diagnostics.py [--participants 20000] [--items 40]

- the federal result import (CSV) in a fresh process — seconds and peak memory — beside a raw COPY of the
  same cells into a bare table;
- the full item analysis (analysis.report: items with difficulty and discrimination, competences, levels,
  heat map) for the region and for the largest municipality, beside one raw SQL aggregate over the same
  item scores;
- the server time of saving one answer during online testing (Django test client, full request), beside a
  raw single-row UPSERT.

Creates (drops first) the database `profrost_bench_diag` on BENCH_PG (default the local server).
"""

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, create_database, median_ms, setup_django  # noqa: E402

DB = "profrost_bench_diag"
CODES = ["МТ1", "МТ2", "МТ3", "МТ4", "ПП1", "ПП2", "КМ1", "КМ2"]


def child(path, campaign_id):
    """The import in this (fresh) process; prints seconds, counts and peak memory as JSON."""
    setup_django(DB)
    from profrost.core.imports import run_import

    started = time.perf_counter()
    result = run_import("results", path, options={"campaign": int(campaign_id)})
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": result.total,
                "errors": len(result.errors),
                "file_error": result.file_error,
                "written": result.written,
                "seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def prepare(participants, n_items, folder):
    """A seeded region, an instrument of n_items mapped to eight competences, a federal campaign, and the
    results file: one row per participant with a plausible score on every item."""
    setup_django(DB)
    from profrost.diagnostics.models import Campaign, Competence, Instrument, Item
    from profrost.people.models import Person
    from profrost.people.seeding import RegionGenerator

    RegionGenerator(int(participants * 1.15), seed=11).run()
    instrument = Instrument.objects.create(name="Бенчмарк ДПК")
    competences = {c.code: c for c in Competence.objects.filter(code__in=CODES)}
    rng = random.Random(5)
    maxima = []
    for n in range(1, n_items + 1):
        max_score = rng.choice([1, 1, 2, 3])
        maxima.append(max_score)
        item = Item.objects.create(
            instrument=instrument, number=str(n), position=n, type="single", key="1", max_score=max_score
        )
        item.competences.add(competences[CODES[n % len(CODES)]])
        if n % 5 == 0:
            item.competences.add(competences[CODES[(n + 3) % len(CODES)]])
    federal = Campaign.objects.create(instrument=instrument, name="ДПК (бенчмарк)", kind="federal")
    snils = list(Person.objects.order_by("pk").values_list("snils", flat=True)[:participants])
    path = folder / "results.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["СНИЛС", "Дата", *[str(n) for n in range(1, n_items + 1)]])
        for s in snils:
            ability = rng.random()
            writer.writerow(
                [
                    s,
                    "15.10.2026",
                    *[
                        sum(
                            1
                            for _ in range(m)
                            if rng.random() < 0.25 + 0.7 * ability * (1 - k / (2 * n_items))
                        )
                        for k, m in enumerate(maxima)
                    ],
                ]
            )
    return instrument, federal, path, len(snils), n_items + 2


def raw_copy(path, columns):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare")
        cur.execute("CREATE TABLE bench_bare (" + ", ".join(f"c{i} text" for i in range(columns)) + ")")
        started = time.perf_counter()
        with (
            open(path, "rb") as fh,
            cur.copy("COPY bench_bare FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_bare")
    return seconds


def run_child(path, campaign_id):
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(campaign_id)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def analysis_figures(campaign):
    from django.db import connection
    from django.db.models import Count

    from profrost.diagnostics import analysis
    from profrost.diagnostics.models import Result
    from profrost.people.models import Employment

    results = Result.objects.filter(campaign=campaign)
    sizes = list(
        Employment.objects.values("organization__municipality_id", "organization__municipality__name")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("-n")
    )

    def raw(extra=""):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT s.item_id, avg(s.score / i.max_score), corr(s.score, r.total_score - s.score) "
                "FROM diagnostics_itemscore s JOIN diagnostics_result r ON r.id = s.result_id "
                "JOIN diagnostics_item i ON i.id = s.item_id "
                f"WHERE r.campaign_id = %s AND r.status = 'scored' {extra} GROUP BY s.item_id",
                [campaign.pk],
            )
            return cur.fetchall()

    def in_muni(pk):
        return (
            "AND r.person_id IN (SELECT e.person_id FROM people_employment e JOIN structure_organization o "
            f"ON o.id = e.organization_id WHERE o.municipality_id = {int(pk)})"
        )

    region = analysis.report(campaign, results)
    figures = [
        (
            f"region ({region['participants']:,} participants)",
            median_ms(lambda: analysis.report(campaign, results), 7, 2),
            median_ms(raw, 7, 2),
        )
    ]
    for label, size in (("largest", sizes[0]), ("median-sized", sizes[len(sizes) // 2])):
        muni = str(size["organization__municipality_id"])
        one = analysis.report(campaign, results, municipality=muni)
        figures.append(
            (
                f"{label}: {size['organization__municipality__name'][:28]} ({one['participants']:,})",
                median_ms(lambda muni=muni: analysis.report(campaign, results, municipality=muni), 7, 2),
                median_ms(lambda muni=muni: raw(in_muni(muni)), 7, 2),
            )
        )
    return figures


def save_answer_figures(instrument, answers=200):
    from django.db import connection
    from django.test import Client

    from profrost.accounts.models import User
    from profrost.diagnostics.models import Campaign, Item, Result
    from profrost.people.models import Person

    person = Person.objects.order_by("-pk").first()
    user = User.objects.create_user(username="bench-teacher", password="x" * 16, person=person)
    campaign = Campaign.objects.create(instrument=instrument, name="Онлайн (бенчмарк)", kind="regional")
    result = Result.objects.create(campaign=campaign, person=person)
    items = list(Item.objects.filter(instrument=instrument).order_by("position").values_list("pk", flat=True))
    client = Client()
    client.force_login(user)
    assert client.get(f"/diagnostics/my/{result.pk}/").status_code == 200  # starts the attempt
    url = f"/diagnostics/my/{result.pk}/answer/"
    times = []
    for n in range(answers):
        started = time.perf_counter()
        response = client.post(url, {"item": items[n % len(items)], "answer": str(n % 4 + 1)})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    raw_times = []
    with connection.cursor() as cur:
        for n in range(answers):
            started = time.perf_counter()
            cur.execute(
                "INSERT INTO diagnostics_itemscore (result_id, item_id, answer, comment) VALUES (%s, %s, %s, '') "
                "ON CONFLICT (result_id, item_id) DO UPDATE SET answer = EXCLUDED.answer",
                [result.pk, items[n % len(items)], str(n)],
            )
            raw_times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), sorted(times)[int(len(times) * 0.95)], statistics.median(raw_times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    create_database(DB, fresh=True)
    folder = Path(tempfile.mkdtemp(prefix="profrost-bench-"))
    instrument, campaign, path, rows, columns = prepare(args.participants, args.items, folder)
    copy_seconds = raw_copy(path, columns)
    imported = run_child(path, campaign.pk)
    assert imported["errors"] == 0 and not imported["file_error"], imported
    again = run_child(path, campaign.pk)
    cells = rows * args.items
    server = os.environ["DATABASE_URL"].rsplit("@", 1)[-1]
    print(
        f"\nResult import, {rows:,} participants × {args.items} items = {cells:,} cells, PostgreSQL at {server}"
    )
    print(f"{'what':<34}{'seconds':>9}{'cells/s':>12}{'vs COPY':>9}{'peak MB':>9}")
    print(
        f"{'raw COPY of the cells, bare table':<34}{copy_seconds:>9.2f}{cells / copy_seconds:>12,.0f}{'1.00':>9}"
    )
    for label, r in (("import, new results", imported), ("re-import (unchanged)", again)):
        rate = cells / r["seconds"]
        print(
            f"{label:<34}{r['seconds']:>9.2f}{rate:>12,.0f}{rate / (cells / copy_seconds):>9.3f}{r['max_rss_mb']:>9.0f}"
        )
    print("\nItem analysis (items, competences, levels, heat map), median of 7 after 2 warm-ups")
    print(f"{'group':<52}{'report, ms':>11}{'raw SQL, ms':>12}{'ratio':>7}")
    for label, ms, raw in analysis_figures(campaign):
        print(f"{label:<52}{ms:>11.1f}{raw:>12.1f}{ms / raw:>7.1f}")
    median, p95, raw = save_answer_figures(instrument)
    print("\nSaving one answer during online testing (full request through the test client), 200 answers")
    print(f"median {median:.1f} ms, 95th percentile {p95:.1f} ms; raw single-row UPSERT median {raw:.2f} ms")


if __name__ == "__main__":
    main()

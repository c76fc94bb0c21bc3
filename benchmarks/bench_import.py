"""Staff import speed and memory at 100,000 rows, beside a raw COPY of the same rows.

    .venv/bin/python benchmarks/bench_import.py [--rows 100000]

Creates (drops first) the database `profrost_bench_import` on BENCH_PG (default the local server).
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, create_database, setup_django  # noqa: E402

DB = "profrost_bench_import"


def child(kind_path_mode):
    """Run one import in this (fresh) process and print rows/s and peak memory as JSON."""
    path, mode = kind_path_mode
    setup_django(DB)
    from profrost.core.imports import run_import

    started = time.perf_counter()
    result = run_import("staff", path)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "mode": mode,
                "rows": result.total,
                "new": result.new,
                "unchanged": result.unchanged,
                "errors": len(result.errors),
                "file_error": result.file_error,
                "written": result.written,
                "seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def make_files(rows, folder):
    setup_django(DB)
    from django.db import connection

    from profrost.core.exports import write_xlsx
    from profrost.people.exports import STAFF_HEADERS
    from profrost.people.seeding import RegionGenerator
    from profrost.structure.models import Organization

    with connection.cursor() as cur:
        cur.execute("TRUNCATE people_person, people_employment, people_employment_subjects CASCADE")
    if not Organization.objects.exists():
        RegionGenerator(rows, seed=7).run()  # builds the structure sized for `rows` people …
        with connection.cursor() as cur:  # … whose people we drop: the file brings them back
            cur.execute("TRUNCATE people_person, people_employment, people_employment_subjects CASCADE")
    gen = RegionGenerator(rows, seed=8)
    schools = list(Organization.objects.filter(kind="school").values_list("inn", flat=True))
    subjects = ["математика", "русский язык; литература", "история; обществознание", "начальные классы", ""]
    data = []
    for i in range(rows):
        p = gen.person(False)
        data.append(
            [
                f"{p.snils[0:3]}-{p.snils[3:6]}-{p.snils[6:9]} {p.snils[9:]}",
                p.last_name,
                p.first_name,
                p.middle_name,
                p.birth_date.strftime("%d.%m.%Y"),
                "Ж" if p.sex == "f" else "М",
                schools[i % len(schools)],
                "",
                "",
                "учитель",
                subjects[i % len(subjects)],
                "да",
                p.get_category_display() if p.category != "none" else "",
                p.category_date.strftime("%d.%m.%Y") if p.category_date else "",
                "высшее педагогическое"
                if p.has_higher_pedagogical
                else ("высшее" if p.education == "higher" else "среднее профессиональное"),
                p.pedagogical_start.strftime("%d.%m.%Y"),
                p.email,
                p.phone,
            ]
        )
    csv_path = folder / "staff.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(STAFF_HEADERS)
        writer.writerows(data)
    xlsx_path = folder / "staff.xlsx"
    write_xlsx(xlsx_path, [("Педагоги", STAFF_HEADERS, data)])
    return csv_path, xlsx_path, len(STAFF_HEADERS)


def raw_copy(csv_path, columns):
    setup_django(DB)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare")
        cur.execute("CREATE TABLE bench_bare (" + ", ".join(f"c{i} text" for i in range(columns)) + ")")
        started = time.perf_counter()
        with (
            open(csv_path, "rb") as fh,
            cur.copy("COPY bench_bare FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM bench_bare")
        rows = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_bare")
    return rows, seconds


def run_child(path, mode):
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def truncate_people():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE people_person, people_employment, people_employment_subjects CASCADE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    create_database(DB, fresh=True)
    folder = Path(tempfile.mkdtemp(prefix="profrost-bench-"))
    csv_path, xlsx_path, columns = make_files(args.rows, folder)
    rows, seconds = raw_copy(csv_path, columns)
    copy_rate = rows / seconds
    results = [run_child(csv_path, "CSV, new rows"), run_child(csv_path, "CSV, re-import (unchanged)")]
    truncate_people()
    results.append(run_child(xlsx_path, "XLSX, new rows"))
    print(
        f"\nStaff import, {args.rows:,} rows, PostgreSQL at {os.environ['DATABASE_URL'].rsplit('@', 1)[-1]}"
    )
    print(f"{'what':<32}{'seconds':>9}{'rows/s':>11}{'vs COPY':>9}{'peak MB':>9}")
    print(f"{'raw COPY into a bare table':<32}{seconds:>9.2f}{copy_rate:>11,.0f}{'1.00':>9}{'':>9}")
    for r in results:
        rate = r["rows"] / r["seconds"]
        print(
            f"{r['mode']:<32}{r['seconds']:>9.2f}{rate:>11,.0f}{rate / copy_rate:>9.3f}{r['max_rss_mb']:>9.0f}"
        )
        assert r["errors"] == 0 and not r["file_error"], r
    print(
        f"\nfiles: CSV {csv_path.stat().st_size / 1e6:.1f} MB, XLSX {xlsx_path.stat().st_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()

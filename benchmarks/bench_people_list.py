"""Server time of the people list at 100,000 people, beside a raw SQL query of the same page.

    .venv/bin/python benchmarks/bench_people_list.py [--people 100000]

Uses the database `profrost_bench_list` on BENCH_PG (seeded on first run, kept afterwards).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import create_database, median_ms, setup_django  # noqa: E402

DB = "profrost_bench_list"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    create_database(DB, fresh=False)
    setup_django(DB)
    from django.db import connection
    from django.test import Client

    from profrost.accounts.models import Role, User
    from profrost.people.models import Person
    from profrost.people.seeding import RegionGenerator
    from profrost.structure.models import Municipality, Region

    if not Person.objects.exists():
        RegionGenerator(args.people, seed=1).run()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    admin, _ = User.objects.get_or_create(username="bench_admin")
    Role.objects.get_or_create(user=admin, role="region_admin", region=Region.objects.first())
    big = Municipality.objects.get(name="Городской округ город Волжск")
    mc, _ = User.objects.get_or_create(username="bench_mc")
    Role.objects.get_or_create(user=mc, role="municipal_coordinator", municipality=big)
    total = Person.objects.count()
    in_big = Person.objects.filter(employments__organization__municipality=big).distinct().count()
    client = Client()

    def page_of(n):
        return max(1, min(n, (in_big + 49) // 50))

    cases = [
        ("region admin, page 1", admin, "/people/", "raw_all", 0),
        ("region admin, page 1,000", admin, "/people/?page=1000", "raw_all", 999 * 50),
        ("municipality filter, page 1", admin, f"/people/?municipality={big.pk}", "raw_muni", 0),
        (
            f"municipality filter, last page ({page_of(10**6)})",
            admin,
            f"/people/?municipality={big.pk}&page={page_of(10**6)}",
            "raw_muni",
            (page_of(10**6) - 1) * 50,
        ),
        ("name search «Кузн», page 1", admin, "/people/?q=Кузн", "raw_name", 0),
        ("municipal coordinator, page 1", mc, "/people/", "raw_muni", 0),
        (
            "municipal coordinator, last page",
            mc,
            f"/people/?page={page_of(10**6)}",
            "raw_muni",
            (page_of(10**6) - 1) * 50,
        ),
    ]
    raw = {
        "raw_all": (
            "SELECT id, last_name, first_name FROM people_person ORDER BY last_name, first_name, middle_name, id LIMIT 50 OFFSET %s",
            [],
        ),
        "raw_muni": (
            "SELECT p.id, p.last_name FROM people_person p WHERE EXISTS (SELECT 1 FROM people_employment e JOIN structure_organization o ON o.id = e.organization_id "
            "WHERE e.person_id = p.id AND o.municipality_id = %s) ORDER BY p.last_name, p.first_name, p.middle_name, p.id LIMIT 50 OFFSET %s",
            [big.pk],
        ),
        "raw_name": (
            "SELECT id, last_name FROM people_person WHERE UPPER(last_name) LIKE UPPER(%s) ORDER BY last_name, first_name, middle_name, id LIMIT 50 OFFSET %s",
            ["Кузн%"],
        ),
    }
    print(f"\nPeople list, {total:,} people ({in_big:,} in «{big.name}»), median of 15 after 3 warm-ups")
    print(f"{'case':<44}{'view, ms':>10}{'raw SQL, ms':>13}{'ratio':>8}")
    for label, user, url, raw_key, offset in cases:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        view = median_ms(lambda url=url: client.get(url))
        sql, params = raw[raw_key]

        def run_raw(sql=sql, params=params, offset=offset):
            with connection.cursor() as cur:
                cur.execute(sql, [*params, offset])
                cur.fetchall()

        base = median_ms(run_raw)
        print(f"{label:<44}{view:>10.1f}{base:>13.1f}{view / base:>8.1f}")


if __name__ == "__main__":
    main()

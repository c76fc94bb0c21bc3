"""Server time of the young specialists' base (docs/mentoring.md §3) for the whole region at 100,000 people,
beside a raw SQL count of the young specialists in the same run.

    .venv/bin/python benchmarks/bench_mentoring_young.py [--people 100000]

The region is people.seeding.RegionGenerator's (as bench_people_list.py); of its young specialists (~9.5 %) a
quarter get a mentoring pair, a quarter an approved route, an eighth an asset member, an eighth a community; the
rest have no support. Uses the database `profrost_bench_mentoring_<people>` (seeded on first run, kept).
"""

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import create_database, median_ms, setup_django  # noqa: E402

TARGET_MS = 150


def seed(people):
    from django.db import connection, transaction

    from profrost.mentoring.models import MemberRole, Mentorship, MentorshipForm, MentorshipMember
    from profrost.people.models import Employment, Person
    from profrost.people.seeding import RegionGenerator
    from profrost.resources.models import Community, Membership
    from profrost.routes.models import Route, RouteStatus
    from profrost.support.models import AssetMember, Assignment, MemberStatus, Order

    RegionGenerator(people, seed=1).run()
    today = datetime.date.today()
    with transaction.atomic():
        with connection.cursor() as cur:  # as the generator: no history rows for the seed
            cur.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        young = list(Person.objects.young_specialists(on=today).order_by("pk").values_list("pk", flat=True))
        job = dict(Employment.objects.filter(person_id__in=young).values_list("person_id", "organization_id"))
        muni = dict(
            Employment.objects.filter(person_id__in=young).values_list(
                "person_id", "organization__municipality_id"
            )
        )
        mentors = list(
            Person.objects.with_facts(on=today)
            .filter(is_young_specialist=False, experience_years__gte=10)
            .order_by("pk")
            .values_list("pk", flat=True)[: len(young)]
        )
        paired = young[0::4]
        pairs = Mentorship.objects.bulk_create(
            Mentorship(
                form=MentorshipForm.TEACHER_TEACHER,
                organization_id=job[pid],
                start=today - datetime.timedelta(days=60),
            )
            for pid in paired
        )
        MentorshipMember.objects.bulk_create(
            [
                MentorshipMember(mentorship=m, person_id=pid, role=MemberRole.MENTEE)
                for m, pid in zip(pairs, paired)
            ]
            + [
                MentorshipMember(mentorship=m, person_id=mentors[i], role=MemberRole.MENTOR)
                for i, m in enumerate(pairs)
            ],
            batch_size=5000,
        )
        Route.objects.bulk_create(
            Route(
                person_id=pid,
                start=today - datetime.timedelta(days=30),
                end=today + datetime.timedelta(days=300),
                status=RouteStatus.APPROVED,
                basis="бенчмарк",
            )
            for pid in young[1::4]
        )
        order = Order.objects.create(number="бенчмарк", date=today)
        member = AssetMember.objects.create(
            person_id=mentors[-1],
            directions=["routes"],
            status=MemberStatus.APPROVED,
            order=order,
            start=today,
        )
        Assignment.objects.bulk_create(
            Assignment(
                member=member, person_id=pid, direction="routes", municipality_id=muni[pid], since=today
            )
            for pid in young[2::8]
        )
        community = Community.objects.create(name="Клуб молодых педагогов", kind="club", level="regional")
        Membership.objects.bulk_create(
            Membership(community=community, person_id=pid, since=today) for pid in young[3::8]
        )
    return len(young)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    db = f"profrost_bench_mentoring_{args.people}"
    create_database(db, fresh=False)
    setup_django(db)
    from django.db import connection
    from django.test import Client

    from profrost.accounts.models import Role, User
    from profrost.mentoring import registers
    from profrost.people.models import Person
    from profrost.structure.models import Municipality, Region

    if not Person.objects.exists():
        seed(args.people)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    admin, _ = User.objects.get_or_create(username="bench_admin")
    Role.objects.get_or_create(user=admin, role="region_admin", region=Region.objects.first())
    big = Municipality.objects.get(name="Городской округ город Волжск")
    total = Person.objects.count()
    client = Client()
    client.force_login(admin)
    today = datetime.date.today()

    def raw_count():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM people_person WHERE pedagogical_start IS NOT NULL "
                "AND EXTRACT(YEAR FROM age(%s::date, birth_date)) < 35 "
                "AND EXTRACT(YEAR FROM age(%s::date, pedagogical_start)) < 3",
                [today, today],
            )
            return cur.fetchone()[0]

    young = raw_count()
    unsupported = registers.young_specialists(admin, today, unsupported=True).count()
    last = (young + 49) // 50
    cases = [
        ("region, page 1", "/mentoring/young/"),
        (f"region, last page ({last})", f"/mentoring/young/?page={last}"),
        ("region, only without support", "/mentoring/young/?unsupported=1"),
        ("region, sorted by organization", "/mentoring/young/?sort=organization"),
        ("region, sorted: without support first", "/mentoring/young/?sort=unsupported"),
        (f"municipality «{big.name[-6:]}»", f"/mentoring/young/?municipality={big.pk}"),
        ("region, name search «Кузн»", "/mentoring/young/?q=Кузн"),
    ]
    base = median_ms(raw_count)
    print(
        f"\nYoung specialists' base, {total:,} people, {young:,} young specialists ({unsupported:,} without "
        f"support); median of 15 after 3 warm-ups; target ≤ {TARGET_MS} ms"
    )
    print(f"{'case':<44}{'view, ms':>10}{'queries':>9}")
    for label, url in cases:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        view = median_ms(lambda url=url: client.get(url))
        flag = "" if view <= TARGET_MS else "  over target"
        print(f"{label:<44}{view:>10.1f}{len(queries):>9}{flag}")
    print(f"{'raw SQL: count(*) of young specialists':<44}{base:>10.1f}")


if __name__ == "__main__":
    main()

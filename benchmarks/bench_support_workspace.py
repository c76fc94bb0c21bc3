"""Server time of the methodologist's workspace («Мои педагоги», docs/support.md §9) with 250 assigned teachers,
beside a raw SQL query of the same teacher list.

    .venv/bin/python benchmarks/bench_support_workspace.py [--teachers 250]

Each teacher has a scored result with three deficits, a draft route tutored by the methodologist with one report
waiting, two lesson visits; there are 50 planned visits and 100 consultations. Uses the database
`profrost_bench_workspace` (dropped and re-created).
"""

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import create_database, median_ms, setup_django  # noqa: E402

DB = "profrost_bench_workspace"


def snils(n):
    nine = f"{n:09d}"
    digits = [int(c) for c in nine]
    total = sum(d * (9 - i) for i, d in enumerate(digits))
    control = total % 101
    control = 0 if control in (100, 101) else control
    return nine + f"{control:02d}"


def seed(n_teachers):
    from django.utils import timezone

    from profrost.accounts.models import Role, User
    from profrost.diagnostics.models import (
        Campaign,
        Competence,
        CompetenceGroup,
        CompetenceResult,
        Instrument,
        Result,
    )
    from profrost.people.models import Employment, Person, Position
    from profrost.routes.models import Route, RouteItem
    from profrost.structure.models import Municipality, Organization, Region
    from profrost.support.models import (
        AssetMember,
        Assignment,
        Consultation,
        ConsultationTeacher,
        LessonVisit,
        Order,
    )

    today = datetime.date.today()
    region = Region.objects.create(name="Область")
    mun = Municipality.objects.create(region=region, name="Муниципалитет")
    schools = [
        Organization.objects.create(region=region, municipality=mun, name=f"МБОУ СОШ № {i}")
        for i in range(10)
    ]
    position = Position.objects.first()
    people = Person.objects.bulk_create(
        Person(
            last_name=f"Учитель{i:04d}",
            first_name="Анна",
            middle_name="Петровна",
            snils=snils(1000 + i),
            sex="f",
            birth_date=datetime.date(1985, 1, 1),
        )
        for i in range(n_teachers + 1)
    )
    Employment.objects.bulk_create(
        Employment(person=p, organization=schools[i % 10], position=position, is_main=True)
        for i, p in enumerate(people)
    )
    me_person, teachers = people[0], people[1:]
    me = User.objects.create_user(username="bench_metod", password="x", person=me_person)
    Role.objects.create(user=me, role="methodologist")
    order = Order.objects.create(number="1", date=today)
    member = AssetMember.objects.create(
        person=me_person, directions=["routes"], status="approved", order=order, start=today
    )
    member.zone.add(mun)
    Assignment.objects.bulk_create(
        Assignment(member=member, person=t, direction="routes", municipality=mun, since=today)
        for t in teachers
    )
    group = CompetenceGroup.objects.create(code="Б", name="Группа")
    competences = [
        Competence.objects.create(group=group, code=f"Б.{i}", name=f"Компетенция {i}") for i in range(20)
    ]
    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="И"), name="К", kind="regional"
    )
    results = Result.objects.bulk_create(
        Result(campaign=campaign, person=t, status="scored", taken_on=today) for t in teachers
    )
    CompetenceResult.objects.bulk_create(
        CompetenceResult(result=r, competence=competences[(i + k) % 20], percent=40, is_deficit=k < 3)
        for i, r in enumerate(results)
        for k in range(5)
    )
    routes = Route.objects.bulk_create(
        Route(person=t, start=today, end=today + datetime.timedelta(days=300), tutor=me) for t in teachers
    )
    now = timezone.now()
    RouteItem.objects.bulk_create(
        RouteItem(route=r, section="1.3", content=f"Пункт {k}", reported_at=now if k == 0 else None)
        for r in routes
        for k in range(3)
    )
    LessonVisit.objects.bulk_create(
        LessonVisit(
            visitor=me,
            visitor_kind="asset",
            member=member,
            person=t,
            organization=schools[i % 10],
            municipality=mun,
            status="done",
            date=today - datetime.timedelta(days=k * 10 + i % 7),
        )
        for i, t in enumerate(teachers)
        for k in range(2)
    )
    LessonVisit.objects.bulk_create(
        LessonVisit(
            visitor=me,
            visitor_kind="asset",
            member=member,
            person=t,
            organization=schools[0],
            municipality=mun,
            status="planned",
            planned_on=today + datetime.timedelta(days=i % 30),
        )
        for i, t in enumerate(teachers[:50])
    )
    consultations = Consultation.objects.bulk_create(
        Consultation(visitor=me, visitor_kind="asset", member=member, topic=f"Тема {i}", date=today)
        for i in range(100)
    )
    ConsultationTeacher.objects.bulk_create(
        ConsultationTeacher(consultation=c, person=teachers[(i * 3 + k) % len(teachers)], municipality=mun)
        for i, c in enumerate(consultations)
        for k in range(3)
    )
    return me, member


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=250)
    args = parser.parse_args()
    create_database(DB, fresh=True)
    setup_django(DB)
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client

    from profrost.support.workspace import workspace

    me, member = seed(args.teachers)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    client = Client()
    client.force_login(me)
    response = client.get("/support/my-teachers/")
    assert response.status_code == 200, response.status_code
    assert response.content.decode().count("data-person=") == args.teachers
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get("/support/my-teachers/")
    view = median_ms(lambda: client.get("/support/my-teachers/"))
    data = median_ms(lambda: workspace(me))
    context = workspace(me)
    rendering = median_ms(lambda: render_to_string("support/my_teachers.html", context))

    def raw():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT a.id, p.last_name, p.first_name FROM support_assignment a JOIN people_person p ON "
                "p.id = a.person_id WHERE a.member_id = %s AND a.active ORDER BY p.last_name, p.first_name, a.id",
                [member.pk],
            )
            cur.fetchall()

    base = median_ms(raw)
    print(f"\nMethodologist's workspace, {args.teachers} assigned teachers, median of 15 after 3 warm-ups")
    print(f"{'case':<40}{'view, ms':>10}{'raw SQL, ms':>13}{'queries':>9}")
    print(f"{'GET /support/my-teachers/':<40}{view:>10.1f}{base:>13.1f}{len(queries):>9}")
    print(f"{'  of which workspace() (queries + rows)':<40}{data:>10.1f}")
    print(f"{'  of which the template alone':<40}{rendering:>10.1f}")


if __name__ == "__main__":
    main()

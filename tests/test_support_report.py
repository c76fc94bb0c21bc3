"""The asset member's annual report (issue 12, point 4; docs/support.md §16) against hand-computed numbers:
2 visits and 1 consultation in the year, three deficits among the member's teachers of which one closed after
re-diagnosis; the XLSX and DOCX downloads with Russian names; who may open whose report; a bad year."""

import datetime
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from profrost.diagnostics.models import (
    Campaign,
    Competence,
    CompetenceGroup,
    CompetenceResult,
    Instrument,
    Result,
)
from profrost.routes.models import Route, RouteItem
from profrost.support.models import (
    AssetMember,
    Assignment,
    Consultation,
    ConsultationTeacher,
    LessonVisit,
    VisitRecommendation,
)
from profrost.support.workspace import annual_report
from tests.factories import assign_to_methodologist, make_person, make_user

D = datetime.date
YEAR = 2025


@pytest.fixture
def report_world(world):
    t = world["teachers"]
    school0 = world["schools"][0]
    mun = world["municipalities"][0]
    user = world["users"]["methodologist"]
    member = assign_to_methodologist(world)
    AssetMember.objects.filter(pk=member.pk).update(start=D(2024, 9, 1))
    member.refresh_from_db()
    # Assigned in the year: teacher 0 and 1 from 01.02.2025; teacher 2 from 01.10.2024 until 31.03.2025 (in force
    # at some day of the year). Teacher 5 is not assigned (their closed deficit is not the member's).
    for teacher, since, until in (
        (t[0], D(2025, 2, 1), None),
        (t[1], D(2025, 2, 1), None),
        (t[2], D(2024, 10, 1), D(2025, 3, 31)),
    ):
        Assignment.objects.create(
            member=member,
            person=teacher,
            direction="routes",
            municipality=mun,
            since=since,
            until=until,
            active=until is None,
        )

    def visit(teacher, day, who=member, status="done", low=False, school=school0):
        return LessonVisit.objects.create(
            visitor=user,
            visitor_kind="asset",
            member=who,
            person=teacher,
            organization=school,
            municipality=mun,
            low_results=low,
            status=status,
            date=day if status == "done" else None,
            planned_on=day if status == "planned" else None,
        )

    v1 = visit(t[0], D(2025, 3, 10))
    visit(t[1], D(2025, 3, 20), low=True)
    visit(t[0], D(2024, 12, 20))  # the year before
    visit(t[0], D(2025, 4, 15), status="planned")  # planned, not done
    other_person = make_person(school0, last_name="Другая", first_name="Методистка")
    other = AssetMember.objects.create(
        person=other_person, directions=["routes"], status="approved", start=D(2024, 9, 1), order=member.order
    )
    visit(t[0], D(2025, 5, 5), who=other)  # another member's
    route = Route.objects.create(person=t[0], start=D(2025, 3, 11), end=D(2025, 12, 31))
    item = RouteItem.objects.create(route=route, section="2.2", content="Роли в группах")
    VisitRecommendation.objects.create(visit=v1, text="Распределять роли в группах", route_item=item)
    VisitRecommendation.objects.create(visit=v1, text="Листы самооценки", position=1)

    def consultation(day, status="done", fmt="remote", duration=45):
        c = Consultation.objects.create(
            visitor=user,
            visitor_kind="asset",
            member=member,
            topic="Формирующее оценивание",
            status=status,
            date=day if status == "done" else None,
            planned_on=day if status == "planned" else None,
            format=fmt,
            duration=duration,
        )
        ConsultationTeacher.objects.create(
            consultation=c, person=t[0], organization=school0, municipality=mun
        )
        return c

    consultation(D(2025, 5, 15))
    consultation(D(2025, 6, 1), status="planned")

    group = CompetenceGroup.objects.create(code="ОТ", name="Группа для отчёта", order=91)
    c = [
        Competence.objects.create(group=group, code=f"ОТ.{i}", name=f"Компетенция {i}", order=i)
        for i in range(1, 5)
    ]
    instrument = Instrument.objects.create(name="И")

    def result(person, day, deficits, fine=()):
        campaign = Campaign.objects.create(
            instrument=instrument, name=f"К {person.pk} {day}", kind="regional"
        )
        r = Result.objects.create(campaign=campaign, person=person, status="scored", taken_on=day)
        for comp in deficits:
            CompetenceResult.objects.create(result=r, competence=comp, percent=30, is_deficit=True)
        for comp in fine:
            CompetenceResult.objects.create(result=r, competence=comp, percent=90, is_deficit=False)

    result(t[0], D(2024, 5, 1), [c[3]])  # an older result: not the baseline
    result(t[0], D(2025, 1, 20), [c[0], c[1], c[2]], [c[3]])  # the baseline: 3 deficits
    result(t[0], D(2025, 10, 1), [c[1]], [c[0]])  # ОТ.1 closed, ОТ.2 still a deficit, ОТ.3 not measured
    result(t[0], D(2026, 2, 1), [], [c[1]])  # after the year: does not close ОТ.2
    result(t[5], D(2025, 1, 20), [c[0]])  # not my teacher
    result(t[5], D(2025, 9, 1), [], [c[0]])
    return {"member": member, "user": user, "teachers": t, "other": other}


def test_the_report_by_hand(report_world):
    t = report_world["teachers"]
    report = annual_report(report_world["member"], YEAR)
    assert report["totals"] == {
        "visits": 2,
        "low_results_visits": 1,
        "visited_teachers": 2,
        "consultations": 1,
        "in_person": 0,
        "remote": 1,
        "individual": 1,
        "group": 0,
        "minutes": 45,
        "recommendations": 2,
        "to_route": 1,
        "consulted_teachers": 1,
        "assigned_teachers": 3,
        "deficit_deficits": 3,
        "deficit_remeasured": 2,
        "deficit_closed": 1,
    }
    by_month = {
        m["label"]: (m["visits"], m["consultations"], m["in_person"], m["remote"]) for m in report["months"]
    }
    assert by_month["март"] == (2, 0, 0, 0) and by_month["май"] == (0, 1, 0, 1)
    assert sum(m["visits"] + m["consultations"] for m in report["months"]) == 3
    rows = {r["person_id"]: r for r in report["teachers"]}
    assert set(rows) == {t[0].pk, t[1].pk, t[2].pk}
    r0 = rows[t[0].pk]
    assert (r0["visits"], r0["consultations"], r0["deficits"], r0["remeasured"], r0["closed"]) == (
        1,
        1,
        3,
        2,
        1,
    )
    assert (r0["closed_codes"], r0["open_codes"], r0["assigned_since"]) == (
        "ОТ.1",
        "ОТ.2, ОТ.3",
        D(2025, 2, 1),
    )
    assert (rows[t[1].pk]["visits"], rows[t[1].pk]["deficits"]) == (1, 0)
    assert (rows[t[2].pk]["visits"], rows[t[2].pk]["assigned_since"]) == (0, D(2024, 10, 1))
    # The year before: one visit, nothing consulted, teacher 2 only assigned (from 01.10.2024); teacher 0's
    # baseline then is the 2024-05 result (ОТ.4), closed by 20.01.2025 — not before the year's end: not counted.
    before = annual_report(report_world["member"], 2024)
    assert (
        before["totals"]["visits"],
        before["totals"]["consultations"],
        before["totals"]["assigned_teachers"],
    ) == (1, 0, 1)
    assert (before["totals"]["deficit_deficits"], before["totals"]["deficit_closed"]) == (0, 0)


def test_pages_downloads_and_who_opens_them(report_world, client, world):
    member, user = report_world["member"], report_world["user"]
    client.force_login(user)
    page = client.get(reverse("support:my_report") + f"?year={YEAR}").content.decode()
    assert f"Мой отчёт за {YEAR} год" in page and "Закрыто: <b>1</b>" in page
    assert "Посещено уроков: <b>2</b> (в ШНОР: 1)" in page
    workspace = client.get(reverse("support:my_teachers")).content.decode()
    assert reverse("support:my_report") in workspace

    response = client.get(reverse("support:my_report") + f"?year={YEAR}&format=xlsx")
    disposition = unquote(response["Content-Disposition"])
    assert f"Отчёт методиста {member.person.short_name} за {YEAR} год.xlsx" in disposition
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = {row[0]: row[1] for row in wb["Итоги"].iter_rows(min_row=2, values_only=True)}
    assert summary["Посещено уроков"] == 2 and summary["Проведено консультаций"] == 1
    assert summary["из них закрыто по повторной диагностике"] == 1
    assert summary["Дефицитов у педагогов до сопровождения"] == 3
    months = list(wb["По месяцам"].iter_rows(min_row=2, values_only=True))
    assert months[2] == ("март", 2, 0, 0, 0) and months[4] == ("май", 0, 1, 0, 1)

    response = client.get(reverse("support:my_report") + f"?year={YEAR}&format=docx")
    assert "за 2025 год.docx" in unquote(response["Content-Disposition"])
    doc = Document(io.BytesIO(response.content))
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert ["Посещено уроков", "2"] in cells and ["из них закрыто по повторной диагностике", "1"] in cells
    teachers = [[c.text for c in row.cells] for row in doc.tables[2].rows]
    assert any(r[0].startswith("Учитель0000") and r[4:7] == ["3", "2", "1"] for r in teachers)

    # The member opens their own row's report; the center any; another methodologist not (404).
    url = reverse("support:member_report", args=[member.pk]) + f"?year={YEAR}"
    assert client.get(url).status_code == 200
    client.force_login(world["users"]["center_staff"])
    assert "Закрыто: <b>1</b>" in client.get(url).content.decode()
    stranger = make_user("metod2", "methodologist", person=report_world["other"].person)
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(world["users"]["municipal_coordinator_in"])
    assert client.get(url).status_code == 404


def test_a_bad_year_is_a_message_not_an_error(report_world, client):
    client.force_login(report_world["user"])
    this_year = datetime.date.today().year
    for bad in ("abc", "1999", "99999999999999999999", str(this_year + 1)):
        response = client.get(reverse("support:my_report") + f"?year={bad}")
        page = response.content.decode()
        assert response.status_code == 200 and "Отчёт можно получить за 2024–" in page, bad
        assert f"Мой отчёт за {this_year} год" in page


def test_navigation_entries(world, client):
    assign_to_methodologist(world)
    client.force_login(world["users"]["methodologist"])
    page = client.get("/").content.decode()
    for url, label in (
        (reverse("support:my_teachers"), "Мои педагоги"),
        (reverse("support:my_activities"), "Посещения и консультации"),
        (reverse("support:my_report"), "Мой отчёт"),
    ):
        assert f'href="{url}"' in page and label in page
    assert client.get(reverse("support:my_activities")).status_code == 200
    client.force_login(world["users"]["teacher_in"])
    page = client.get("/").content.decode()
    assert f'href="{reverse("support:my_support")}"' in page and "Мои посещения и консультации" in page
    assert f'href="{reverse("support:my_report")}"' not in page

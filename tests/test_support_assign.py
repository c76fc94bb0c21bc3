"""Issue 12, points 2 and 7 and the appendix of point 1: a route's tutor from the assignment, the automatic proposal
of assignments (limit, direction, zone, existing pairs, reasons), applying it in bulk through the page and the
command line, the imports of the asset and of assignments, the load export, and the order's appendix."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from profrost.accounts.models import Role, RoleCode
from profrost.core.models import TaskProgress
from profrost.diagnostics.models import Campaign, CompetenceResult, Instrument, Result
from profrost.people.models import Subject
from profrost.routes import actions as route_actions
from profrost.routes.actions import RouteError
from profrost.routes.models import Route
from profrost.support import actions, proposals
from profrost.support.models import AssetMember, Assignment, Direction, Order
from tests.factories import make_person, make_user
from tests.test_support import approved_member, good_candidate

TODAY = datetime.date.today()


def member_with_login(world, username="asset1", zone=None, directions=(Direction.ROUTES,), **kw):
    """An approved member whose person has a login (the methodologist role comes with the approval)."""
    person = good_candidate(world, last_name=kw.pop("last_name", "Методистова"), **kw)
    user = make_user(username, person=person)
    member = actions.nominate(
        world["users"]["center_staff"],
        person,
        directions=list(directions),
        zone=zone or [world["municipalities"][0]],
    )
    actions.approve(
        world["users"]["center_staff"], [member.pk], order_number=f"{username}-од", order_date=TODAY
    )
    member.refresh_from_db()
    return member, user


# --- a route's tutor from the assignment -------------------------------------------------------------------------


def test_a_methodologist_not_assigned_is_refused_as_tutor_and_the_assigned_member_accepted(world):
    center = world["users"]["center_staff"]
    teacher = world["teachers"][0]
    route = Route.objects.create(person=teacher, start=TODAY, end=TODAY)
    member, user = member_with_login(world)
    assert RoleCode.METHODOLOGIST in set(Role.objects.filter(user=user).values_list("role", flat=True))
    # Not assigned to the teacher: refused with the reason, nothing changed.
    with pytest.raises(RouteError, match=f"asset1 не может быть тьютором ИОМ педагога {teacher.full_name}:"):
        route_actions.assign_tutor([route], center, user)
    # The world's methodologist (no asset membership at all) likewise.
    with pytest.raises(RouteError, match="тьютором назначают члена методического актива"):
        route_actions.assign_tutor([route], center, world["users"]["methodologist"])
    route.refresh_from_db()
    assert route.tutor is None
    # The center's staff tutors any route.
    assert route_actions.assign_tutor([route], center, center) == 1
    Route.objects.filter(pk=route.pk).update(tutor=None)
    # Assigned: the member becomes the tutor of the running route without one, automatically.
    actions.assign(center, member, teacher, direction=Direction.ROUTES)
    route.refresh_from_db()
    assert route.tutor == user
    # …and is accepted when named by hand on another route of theirs; a tutor already there is never replaced.
    other = world["teachers"][1]
    other_route = Route.objects.create(person=other, start=TODAY, end=TODAY, tutor=center)
    actions.assign(center, member, other, direction=Direction.ROUTES)
    other_route.refresh_from_db()
    assert other_route.tutor == center
    assert route_actions.assign_tutor([other_route], center, user) == 1
    # A route made by hand for an assigned teacher gets the member as its tutor.
    Route.objects.filter(pk=route.pk).update(status="done")
    made = route_actions.create_route(teacher, center, TODAY, TODAY, "по итогам посещения урока")
    assert made.tutor == user


def test_bulk_tutor_leaves_out_the_teachers_not_assigned(world, client):
    center = world["users"]["center_staff"]
    member, user = member_with_login(world)
    a, b = world["teachers"][0], world["teachers"][1]
    ra = Route.objects.create(person=a, start=TODAY, end=TODAY)
    rb = Route.objects.create(person=b, start=TODAY, end=TODAY)
    Assignment.objects.create(
        member=member,
        person=a,
        direction=Direction.ROUTES,
        municipality=world["municipalities"][0],
        since=TODAY,
    )
    client.force_login(center)
    page = client.post(
        "/routes/tutor/", {"tutor": user.pk, "route": [ra.pk, rb.pk]}, follow=True
    ).content.decode()
    assert "назначен маршрутам: 1" in page
    assert dict(Route.objects.values_list("pk", "tutor_id")) == {ra.pk: user.pk, rb.pk: None}


# --- the proposal -----------------------------------------------------------------------------------------------


@pytest.fixture
def deficits(world):
    """Teachers 0–3 (all in municipality 0: two schools × two teachers per municipality in the world) with a
    scored result: ПП1 deficit for 0, 2, 3; МТ1 for 1. Teacher 4 (municipality 1) has a route without a tutor and
    no result."""
    campaign = Campaign.objects.create(instrument=Instrument.objects.create(name="ДПК"), name="ДПК-2025")
    from profrost.diagnostics.models import Competence

    pp1, mt1 = Competence.objects.get(code="ПП1"), Competence.objects.get(code="МТ1")
    t = world["teachers"]
    for teacher, competence in ((t[0], pp1), (t[1], mt1), (t[2], pp1), (t[3], pp1)):
        result = Result.objects.create(
            campaign=campaign, person=teacher, status="scored", total_percent=40, taken_on=TODAY
        )
        CompetenceResult.objects.create(result=result, competence=competence, percent=30, is_deficit=True)
    Route.objects.create(person=t[4], start=TODAY, end=TODAY)
    return campaign


def test_teachers_of_the_world(world):
    """The fixture's layout the proposal tests rely on: 4 teachers per municipality, in order."""
    t, m = world["teachers"], world["municipalities"]
    jobs = {p.pk: p.employments.get().organization.municipality_id for p in t[:8]}
    assert [jobs[p.pk] for p in t[:8]] == [m[0].pk] * 4 + [m[1].pk] * 4


@override_settings(SUPPORT_LOAD_LIMIT=3)
def test_the_proposal_keeps_the_limit_prefers_direction_and_zone_keeps_pairs_and_explains(world, deficits):
    t, m = world["teachers"], world["municipalities"]
    # A: «Выявление дефицитов», zone municipality 0, at 1 of 3 (an existing pair).
    a = approved_member(world, good_candidate(world, last_name="Альфа"), zone=[m[0]], number="1")
    AssetMember.objects.filter(pk=a.pk).update(directions=[Direction.DEFICITS])
    filler = make_person(world["schools"][0], last_name="Закреплённая")
    Assignment.objects.create(
        member=a, person=filler, direction=Direction.DEFICITS, municipality=m[0], since=TODAY
    )
    # B: «Каскадное ПК» only (no matching direction), zone municipality 0, empty.
    b = approved_member(world, good_candidate(world, last_name="Бета"), zone=[m[0]], number="2")
    AssetMember.objects.filter(pk=b.pk).update(directions=[Direction.CASCADE])
    # C: «ИОМ», zone municipality 2 only: out of everyone's zone here.
    c = approved_member(world, good_candidate(world, last_name="Гамма"), zone=[m[2]], number="3")
    outcome = proposals.propose()
    got = {p.teacher_id: (p.member_id, p.reason) for p in outcome.proposals}
    # Teachers 0–3 need support in municipality 0 (A and B serve it); taken by id (both have two candidates):
    # A (matching) takes 0 and 1 (load 1 → 3, its limit), then the non-matching B takes 2 and 3.
    zone = f"муниципалитет в зоне ({m[0].name})"
    matching = "— направление «Выявление профессиональных дефицитов»"
    fallback = "— совпадающего направления нет, направление методиста «Каскадное повышение квалификации (практическая часть)»"
    assert got == {
        t[0].pk: (a.pk, f"Дефицит ПП1 {matching}; {zone}; нагрузка 2 из 3"),
        t[1].pk: (a.pk, f"Дефицит МТ1 {matching}; {zone}; нагрузка 3 из 3"),
        t[2].pk: (b.pk, f"Дефицит ПП1 {fallback}; {zone}; нагрузка 1 из 3"),
        t[3].pk: (b.pk, f"Дефицит ПП1 {fallback}; {zone}; нагрузка 2 из 3"),
    }
    assert c.pk not in {p.member_id for p in outcome.proposals}
    assert [p.direction for p in outcome.proposals] == [Direction.DEFICITS] * 2 + [Direction.CASCADE] * 2
    # Teacher 4 (a route without a tutor, municipality 1): nobody serves it.
    assert outcome.unmatched == [
        (t[4].pk, f"ИОМ без тьютора — нет методиста, в зону которого входит {m[1].name}")
    ]
    assert (outcome.needing, outcome.kept) == (5, 0)
    # Existing pairs kept: teacher 0 assigned to B already is not proposed again, and B's load counts it.
    Assignment.objects.create(
        member=b, person=t[0], direction=Direction.CASCADE, municipality=m[0], since=TODAY
    )
    again = proposals.propose()
    assert again.kept == 1
    assert {p.teacher_id: p.member_id for p in again.proposals} == {
        t[1].pk: a.pk,
        t[2].pk: a.pk,
        t[3].pk: b.pk,
    }
    # B full too (3 of 3): nobody over the limit, teacher 3 left without a member, with the reason.
    for n in range(2):
        extra = make_person(world["schools"][1], last_name=f"Доп{n}")
        Assignment.objects.create(
            member=b, person=extra, direction=Direction.CASCADE, municipality=m[0], since=TODAY
        )
    last = proposals.propose()
    assert {p.teacher_id: p.member_id for p in last.proposals} == {t[1].pk: a.pk, t[2].pk: a.pk}
    assert dict(last.unmatched)[t[3].pk] == "Дефицит ПП1 — все методисты зоны загружены до лимита (3)"


def test_a_member_at_249_gets_exactly_one_more(world, deficits):
    t, m = world["teachers"], world["municipalities"]
    member = approved_member(world, zone=[m[0]])
    AssetMember.objects.filter(pk=member.pk).update(directions=[Direction.DEFICITS])
    filler = [make_person(world["schools"][0], last_name=f"Заполнитель{n}") for n in range(249)]
    Assignment.objects.bulk_create(
        Assignment(member=member, person=p, direction=Direction.DEFICITS, municipality=m[0], since=TODAY)
        for p in filler
    )
    outcome = proposals.propose()
    assert [(p.teacher_id, p.member_id) for p in outcome.proposals] == [(t[0].pk, member.pk)]
    assert outcome.proposals[0].reason.endswith("нагрузка 250 из 250")
    unmatched = dict(outcome.unmatched)
    assert [unmatched[x.pk] for x in t[1:4]] == [
        "Дефицит МТ1 — все методисты зоны загружены до лимита (250)",
        "Дефицит ПП1 — все методисты зоны загружены до лимита (250)",
        "Дефицит ПП1 — все методисты зоны загружены до лимита (250)",
    ]


def test_the_subject_is_preferred_for_subject_deficits(world, deficits):
    t, m = world["teachers"], world["municipalities"]
    maths = Subject.objects.create(name="Математика")
    t[1].employments.get().subjects.add(maths)  # МТ1 deficit, teaches maths
    plain = approved_member(world, good_candidate(world, last_name="Без"), zone=[m[0]], number="1")
    maths_member = approved_member(world, good_candidate(world, last_name="Мат"), zone=[m[0]], number="2")
    maths_member.subjects.add(maths)
    AssetMember.objects.filter(pk__in=[plain.pk, maths_member.pk]).update(directions=[Direction.DEFICITS])
    got = {p.teacher_id: p for p in proposals.propose().proposals}
    assert got[t[1].pk].member_id == maths_member.pk
    assert "предмет «Математика»" in got[t[1].pk].reason
    # ПП1 (not tied to the subject): balanced to the other member.
    assert got[t[0].pk].member_id == plain.pk


def test_applying_through_the_page_in_bulk_reports_refusals(world, deficits, client):
    t, m = world["teachers"], world["municipalities"]
    member = approved_member(world, zone=[m[0]])
    AssetMember.objects.filter(pk=member.pk).update(directions=[Direction.DEFICITS])
    center = world["users"]["center_staff"]
    client.force_login(center)
    response = client.post("/support/proposals/", {"municipality": m[0].pk})
    progress = TaskProgress.objects.get(kind="support_propose")
    assert response["Location"] == f"/support/proposals/{progress.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Предложено закреплений: 4" in page and t[0].full_name in page and t[3].full_name in page
    # Someone else's proposal is not theirs to see or apply.
    client.force_login(world["users"]["region_admin"])
    assert client.get(f"/support/proposals/{progress.pk}/").status_code == 404
    assert client.post(f"/support/proposals/{progress.pk}/apply/", {"all": "1"}).status_code == 404
    client.force_login(center)
    # Nothing marked: refused with a message.
    page = client.post(f"/support/proposals/{progress.pk}/apply/", {}, follow=True).content.decode()
    assert "Отметьте предложения" in page
    # Between the proposal and the applying, teacher 1 moved to a school of municipality 3, out of the zone.
    job = t[1].employments.get()
    job.organization = world["schools"][6]
    job.save()
    response = client.post(f"/support/proposals/{progress.pk}/apply/", {"all": "1"})
    applied = TaskProgress.objects.get(kind="support_apply")
    page = client.get(response["Location"]).content.decode()
    assert "Закреплено: 3; отказано: 1" in page
    assert f"{t[1].full_name} не работает в зоне методиста ({m[0].name})" in page
    assert set(Assignment.objects.filter(active=True).values_list("person_id", flat=True)) == {
        t[0].pk,
        t[2].pk,
        t[3].pk,
    }
    assert applied.user == center


def test_the_proposal_pages_are_the_centers(world, client):
    client.force_login(world["users"]["municipal_coordinator_in"])
    assert client.get("/support/proposals/").status_code == 403
    client.force_login(world["users"]["center_staff"])
    page = client.post("/support/proposals/", {"municipality": "999999"}).content.decode()
    assert "Муниципалитет не найден: выберите из списка." in page


# --- the order's appendix ---------------------------------------------------------------------------------------


def test_the_appendix_docx_and_pdf_list_the_orders_members(world, client):
    first = approved_member(world, number="77-од")
    order = Order.objects.get(number="77-од")
    other = approved_member(world, good_candidate(world, last_name="Другая"), number="78-од")
    client.force_login(world["users"]["center_staff"])
    response = client.get(f"/support/orders/{order.pk}/appendix.docx")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"Приложение к приказу № 77-од от {TODAY:%d.%m.%Y}" in text
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0] == ["№", "ФИО", "Должность", "Организация", "Направления", "Зона"]
    assert cells[1][:3] == ["1", first.person.full_name, "учитель"]
    assert cells[1][4:] == ["Построение и сопровождение ИОМ", world["municipalities"][0].name]
    assert len(cells) == 2 and other.person.full_name not in str(cells)
    pdf = client.get(f"/support/orders/{order.pk}/appendix.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Приложение к приказу № 77-од" in text and "Методистова" in text and "Другая" not in text
    assert client.get(f"/support/orders/{order.pk}/appendix.exe").status_code == 404
    client.force_login(world["users"]["municipal_coordinator_in"])
    assert client.get(f"/support/orders/{order.pk}/appendix.docx").status_code == 403


# --- the command line -------------------------------------------------------------------------------------------


def test_cli_propose_assignments_writes_the_russian_sheet_and_applies(world, deficits, tmp_path):
    t, m = world["teachers"], world["municipalities"]
    member = approved_member(world, zone=[m[0]])
    AssetMember.objects.filter(pk=member.pk).update(directions=[Direction.DEFICITS])
    out = tmp_path / "предложение.xlsx"
    stdout = io.StringIO()
    call_command(
        "support",
        "propose-assignments",
        "--municipality",
        m[0].name.upper(),
        "--out",
        str(out),
        stdout=stdout,
    )
    assert "Предложено закреплений: 4" in stdout.getvalue()
    rows = list(load_workbook(out).active.values)
    assert list(rows[0]) == [
        "СНИЛС педагога",
        "ФИО педагога",
        "СНИЛС методиста",
        "ФИО методиста",
        "Направление",
        "Причина",
    ]
    first = rows[1]
    assert first[:5] == (
        t[0].snils_display,
        t[0].full_name,
        member.person.snils_display,
        member.person.full_name,
        "Выявление профессиональных дефицитов",
    )
    assert (
        first[5]
        == f"Дефицит ПП1 — направление «Выявление профессиональных дефицитов»; муниципалитет в зоне ({m[0].name}); нагрузка 1 из 250"
    )
    assert len(rows) == 5 and not Assignment.objects.exists()
    # --apply: written through support.actions.assign, as the center's staff member.
    stdout = io.StringIO()
    call_command(
        "support",
        "propose-assignments",
        "--out",
        str(out),
        "--apply",
        "--as-user",
        "center_staff",
        stdout=stdout,
    )
    assert "Закреплено: 4; отказано: 0" in stdout.getvalue()
    assert Assignment.objects.filter(member=member, active=True).count() == 4
    assert set(Assignment.objects.values_list("assigned_by__username", flat=True)) == {"center_staff"}
    # An unknown municipality or a login that may not assign: a clear message, nothing written.
    with pytest.raises(CommandError, match="муниципалитет «Нигде» не найден"):
        call_command("support", "propose-assignments", "--municipality", "Нигде", "--out", str(out))
    with pytest.raises(CommandError, match="нужен активный сотрудник центра"):
        call_command(
            "support", "propose-assignments", "--out", str(out), "--apply", "--as-user", "teacher_in"
        )


def test_cli_load_per_member(world, tmp_path):
    m = world["municipalities"]
    member = approved_member(world, zone=[m[0]])
    for teacher in world["teachers"][:3]:
        actions.assign(world["users"]["center_staff"], member, teacher, direction=Direction.ROUTES)
    actions.unassign(
        world["users"]["center_staff"], Assignment.objects.filter(person=world["teachers"][2]).get()
    )
    out = tmp_path / "нагрузка.xlsx"
    call_command("support", "load", "--out", str(out), stdout=io.StringIO())
    rows = list(load_workbook(out).active.values)
    assert rows == [
        ("СНИЛС", "ФИО", "Закреплено", "Лимит", "Посещено уроков", "Консультаций"),
        (member.person.snils_display, member.person.full_name, 2, 250, 0, 0),
    ]

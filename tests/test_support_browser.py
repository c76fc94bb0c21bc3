"""Issue 12, point 8's browser test (Playwright): the center approves a candidate by an order (number and date);
the system proposes the assignments (tasks run in-process in tests) and the center applies them; the
methodologist opens their teacher, records a lesson visit with recommendations and turns one into a route item;
the teacher sees the protocol and acknowledges it."""

import datetime
import os

import pytest

from profrost.diagnostics.models import (
    Campaign,
    Competence,
    CompetenceGroup,
    CompetenceResult,
    Instrument,
    Result,
)
from profrost.routes.models import Route, RouteItem
from profrost.support.models import AssetMember, Assignment, LessonVisit
from tests.factories import make_user
from tests.test_support import good_candidate, nominate

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date.today()
PASSWORD = "Пароль-для-теста-2024"


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_approve_propose_visit_route_item_acknowledge(world, live_server, browser):
    teacher = world["teachers"][0]
    candidate = good_candidate(world)
    make_user("kandidat", "teacher", person=candidate)
    member = nominate(world, candidate)
    # The teacher's latest scored result has a deficit (so the proposal covers them) and a draft route.
    group = CompetenceGroup.objects.create(code="ББ", name="Группа браузера", order=92)
    competence = Competence.objects.create(
        group=group, code="ББ.1", name="Организация групповой работы", order=1
    )
    result = Result.objects.create(
        campaign=Campaign.objects.create(
            instrument=Instrument.objects.create(name="И"), name="К", kind="regional"
        ),
        person=teacher,
        status="scored",
        taken_on=TODAY,
    )
    CompetenceResult.objects.create(result=result, competence=competence, percent=30, is_deficit=True)
    route = Route.objects.create(person=teacher, start=TODAY, end=TODAY + datetime.timedelta(days=300))

    # The center approves the candidate by an order.
    context, page = _login(browser, live_server, "center_staff")
    page.goto(f"{live_server.url}/support/approve/")
    page.check(f"#member-{member.pk}")
    page.fill("#id_order_number", "77-од")
    page.fill("#id_order_date", TODAY.isoformat())
    page.click("#approve-form button[type=submit]")
    page.wait_for_load_state()
    member.refresh_from_db()
    assert member.status == "approved" and member.order.number == "77-од"
    # The proposal, applied in bulk.
    page.goto(f"{live_server.url}/support/proposals/")
    page.click("#proposal-form button")
    page.wait_for_selector("#apply-form")
    assert teacher.full_name in page.inner_text("#apply-form")
    page.click("button[name=all]")
    page.wait_for_selector("#task-message")
    context.close()
    assert Assignment.objects.filter(member=member, person=teacher, active=True).exists()

    # The methodologist: «Мои педагоги» → the teacher's card → a lesson visit with two recommendations.
    context, page = _login(browser, live_server, "kandidat")
    page.click("nav >> text=Сопровождение")
    page.click("nav >> text=Мои педагоги")
    page.click(f"text={teacher.full_name}")
    page.click("text=Записать посещение урока")
    page.fill("#id_date", TODAY.isoformat())
    page.fill("#id_topic", "Линейные уравнения")
    page.select_option("select[name=competence_0]", str(competence.pk))
    page.select_option("select[name=level_0]", "partial")
    page.fill("#id_recommendations", "Распределять роли в группах\nИспользовать листы самооценки")
    page.click("#visit-form button[type=submit]")
    page.wait_for_load_state()
    visit = LessonVisit.objects.get(person=teacher)
    assert page.url.endswith(f"/support/visits/{visit.pk}/")
    page.locator("button:has-text('В маршрут')").first.click()
    page.wait_for_load_state()
    item = RouteItem.objects.get(route=route)
    assert item.content == "Распределять роли в группах"
    assert [c.code for c in item.deficits.all()] == ["ББ.1"]
    context.close()

    # The teacher sees the protocol from their menu and acknowledges it.
    context, page = _login(browser, live_server, "teacher_in")
    page.click("nav >> text=Мои посещения и консультации")
    page.click("#my-visits >> text=ознакомиться")
    assert "Организация групповой работы" in page.inner_text("main")
    page.click("button:has-text('С протоколом ознакомлен')")
    page.wait_for_load_state()
    context.close()
    visit.refresh_from_db()
    assert visit.acknowledged_at is not None
    assert AssetMember.objects.get(pk=member.pk).status == "approved"

"""Issue 13, point 9's browser test (Playwright): a school coordinator opens the young specialists' base, follows
«Подобрать наставника», builds the proposal and applies it (tasks run in-process in tests); the mentor adds a task
to the personal plan; the mentee marks it; the program's curator closes the pair; both routes show section 3 done.
"""

import datetime
import os

import pytest

from profrost.accounts.roles import RoleCode
from profrost.mentoring import actions
from profrost.mentoring.models import Mentorship, MentorshipForm, MentorshipStatus, PlanTask, TaskMark
from profrost.routes.models import ItemStatus, Route, RouteItem, Section
from tests.factories import make_person, make_user

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


def test_young_base_proposal_plan_marks_close_and_both_routes(world, live_server, browser):
    school = world["schools"][0]
    coordinator = world["users"]["school_coordinator_in"]
    young = make_person(
        school,
        last_name="Молодцова",
        first_name="Ирина",
        birth_date=TODAY.replace(year=TODAY.year - 24),
        pedagogical_start=TODAY.replace(year=TODAY.year - 1),
    )
    mentor = make_person(
        school,
        last_name="Наставникова",
        first_name="Ольга",
        category="highest",
        birth_date=datetime.date(1975, 1, 1),
        pedagogical_start=datetime.date(2001, 9, 1),
    )
    curator = make_person(school, last_name="Кураторова", first_name="Вера", category="highest")
    make_user("irina", RoleCode.TEACHER, person=young)
    make_user("olga", RoleCode.TEACHER, person=mentor)
    make_user("vera", RoleCode.TEACHER, person=curator)
    end = TODAY + datetime.timedelta(days=300)
    routes = {p.pk: Route.objects.create(person=p, start=TODAY, end=end) for p in (young, mentor)}
    program = actions.save_program(
        coordinator,
        organization=school,
        title="Программа наставничества школы",
        start=TODAY - datetime.timedelta(days=10),
        end=end,
        forms=[MentorshipForm.TEACHER_TEACHER, MentorshipForm.COMPETENCE],
        curator=curator,
        act_number="7-о",
        act_date=TODAY,
    )
    actions.approve_program(coordinator, program)

    # The school coordinator: the young specialists' base → «Подобрать наставника» → the proposal → apply.
    context, page = _login(browser, live_server, "sc_in")
    page.goto(f"{live_server.url}/mentoring/young/")
    row = page.locator("tr", has_text="Молодцова")
    assert "нет сопровождения" in row.inner_text().lower()
    row.get_by_role("link", name="Подобрать наставника").click()
    page.wait_for_load_state()
    page.click("#proposal-form button")
    page.wait_for_selector("#apply-form")
    assert "Наставникова" in page.inner_text("#apply-form")
    page.click("button[name=all]")
    page.wait_for_selector("text=Назначено")
    pair = Mentorship.objects.get(members__person=young)
    assert pair.status == MentorshipStatus.ACTIVE and pair.program == program
    assert pair.members.get(role="mentor").person == mentor
    context.close()

    # The mentor adds a task to the plan from the workspace.
    context, page = _login(browser, live_server, "olga")
    page.goto(f"{live_server.url}/mentoring/my/")
    assert "Молодцова" in page.inner_text("main")
    page.click(f"a[href='/mentoring/pairs/{pair.pk}/']")
    page.wait_for_load_state()
    page.fill("#id_task_title", "Открытый урок по теме «Дроби»")
    page.fill("#id_task_due", (TODAY + datetime.timedelta(days=14)).isoformat())
    page.click("#task-form button[type=submit]")
    page.wait_for_load_state()
    task = PlanTask.objects.get(mentorship=pair)
    assert task.title == "Открытый урок по теме «Дроби»"
    context.close()

    # The mentee marks her side done.
    context, page = _login(browser, live_server, "irina")
    page.goto(f"{live_server.url}/mentoring/pairs/{pair.pk}/")
    page.select_option(f"#id_t{task.pk}_mark", TaskMark.DONE)
    page.fill(f"#id_t{task.pk}_comment", "Провела урок, конспект приложен")
    page.click(f"#mark-{task.pk} button[type=submit]")
    page.wait_for_load_state()
    task.refresh_from_db()
    assert task.mentee_mark == TaskMark.DONE and task.mentor_mark == TaskMark.PLANNED
    context.close()

    # The curator (a teacher of the school, no coordinator role) closes the pair successfully.
    context, page = _login(browser, live_server, "vera")
    page.goto(f"{live_server.url}/mentoring/programs/{program.pk}/")
    assert "Молодцова" in page.inner_text("main")
    page.click(f"a[href='/mentoring/pairs/{pair.pk}/']")
    page.wait_for_load_state()
    page.check("#close-form input[name=outcome][value=done]")
    page.click("#close-form button[type=submit]")
    page.wait_for_load_state()
    pair.refresh_from_db()
    assert pair.status == MentorshipStatus.DONE
    context.close()

    # Both routes' section 3 show the pair, done; the mentee sees hers on the route page.
    items = {
        i.route.person_id: i
        for i in RouteItem.objects.filter(
            section=Section.MENTORING, route__in=routes.values()
        ).select_related("route")
    }
    assert items[young.pk].content == "Работа с наставником" and "Наставникова" in items[young.pk].form
    assert items[mentor.pk].content == "Работа в качестве наставника"
    assert {i.status for i in items.values()} == {ItemStatus.DONE}
    context, page = _login(browser, live_server, "irina")
    page.goto(f"{live_server.url}/routes/{routes[young.pk].pk}/")
    text = page.inner_text("body")
    assert "Работа с наставником" in text and "Наставникова" in text
    context.close()

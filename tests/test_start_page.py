"""The start page per role (issue 11, point 5): what waits for the user now, with counts and links."""

import datetime

import pytest
from django.utils import timezone

from profrost.core.models import Notification
from profrost.diagnostics.models import Campaign, Instrument, Item, ItemScore, Result
from profrost.resources.models import Application, Cohort, Program
from profrost.routes.models import Route, RouteItem

TODAY = datetime.date.today()


def _todos(client, user):
    client.force_login(user)
    page = client.get("/").content.decode()
    return page.split('id="todos"')[1].split("<h2")[0] if 'id="todos"' in page else ""


@pytest.fixture
def work(world):
    users, teacher = world["users"], world["teachers"][0]
    instrument = Instrument.objects.create(name="Тест")
    campaign = Campaign.objects.create(
        instrument=instrument, name="Региональная диагностика 2026", kind="regional"
    )
    invited = Result.objects.create(campaign=campaign, person=teacher, status="invited")
    route = Route.objects.create(
        person=teacher,
        start=TODAY,
        end=TODAY + datetime.timedelta(days=300),
        status="in_progress",
        tutor=users["methodologist"],
    )
    RouteItem.objects.create(
        route=route, section="1.3", content="Семинар по оцениванию", end=TODAY + datetime.timedelta(days=3)
    )
    RouteItem.objects.create(
        route=route, section="1.3", content="Осенний семинар", end=TODAY + datetime.timedelta(days=60)
    )
    RouteItem.objects.create(
        route=route, section="2.1", content="Открытый урок", reported_at=timezone.now(), status="in_progress"
    )
    Notification.objects.create(user=users["teacher_in"], text="ИОМ утверждён")
    return {
        "teacher": teacher,
        "route": route,
        "invited": invited,
        "campaign": campaign,
        "instrument": instrument,
    }


def test_a_teacher_sees_tests_deadlines_and_notifications(client, world, work):
    todos = _todos(client, world["users"]["teacher_in"])
    assert "Диагностики, которые нужно пройти" in todos and f"/diagnostics/my/{work['invited'].pk}/" in todos
    assert "Сроки пунктов ИОМ на этой неделе" in todos and "Семинар по оцениванию" in todos
    assert "Осенний семинар" not in todos  # two months away
    assert "Непрочитанные уведомления" in todos and "/notifications/" in todos


def test_a_tutor_sees_the_reports_to_check(client, world, work):
    todos = _todos(client, world["users"]["methodologist"])
    assert "Отчёты по пунктам ИОМ ждут вашей проверки" in todos
    assert (
        f"/routes/{work['route'].pk}/" in todos
        and f"{work['teacher'].last_name} {work['teacher'].first_name}: 1" in todos
    )


def test_approvals_wait_for_the_school_then_for_the_municipality(client, world, work):
    Route.objects.filter(pk=work["route"].pk).update(status="review", municipal_approval=True)
    assert "Маршруты ждут вашего согласования" in _todos(client, world["users"]["school_coordinator_in"])
    assert "Маршруты ждут вашего согласования" not in _todos(client, world["users"]["school_coordinator_out"])
    assert "Маршруты ждут вашего согласования" not in _todos(
        client, world["users"]["municipal_coordinator_in"]
    )
    Route.objects.filter(pk=work["route"].pk).update(school_approved_at=timezone.now())
    todos = _todos(client, world["users"]["municipal_coordinator_in"])
    assert "Маршруты ждут вашего согласования" in todos and work["teacher"].full_name in todos
    assert "Маршруты ждут вашего согласования" not in _todos(client, world["users"]["school_coordinator_in"])


def test_a_municipality_sees_its_applications_to_confirm(client, world, work):
    program = Program.objects.create(
        title="Формирующее оценивание", hours=36, form="distance", provider=world["center"]
    )
    cohort = Cohort.objects.create(
        program=program,
        start=TODAY + datetime.timedelta(days=20),
        end=TODAY + datetime.timedelta(days=40),
        capacity=10,
    )
    for teacher, school in (
        (world["teachers"][0], world["schools"][0]),
        (world["teachers"][15], world["schools"][7]),
    ):
        Application.objects.create(
            cohort=cohort,
            person=teacher,
            organization=school,
            municipality=school.municipality,
            status="submitted",
        )
    todos = _todos(client, world["users"]["municipal_coordinator_in"])
    assert "Заявки на курсы ждут подтверждения муниципалитета" in todos
    assert (
        f"Формирующее оценивание (с {cohort.start:%d.%m.%Y}): 1" in todos
        and f"/resources/cohorts/{cohort.pk}/" in todos
    )


def test_an_expert_sees_the_answers_to_score(client, world, work):
    item = Item.objects.create(instrument=work["instrument"], number="1", type="open", max_score=2)
    result = Result.objects.create(campaign=work["campaign"], person=world["teachers"][1], status="submitted")
    ItemScore.objects.create(result=result, item=item, answer="ответ", assigned_to=world["users"]["expert"])
    todos = _todos(client, world["users"]["expert"])
    assert "Открытые ответы ждут оценки" in todos and "/diagnostics/review/" in todos


def test_nothing_waiting_says_so(client, world):
    client.force_login(world["users"]["mentor"])
    assert "Сейчас ничего не ждёт вашего действия." in client.get("/").content.decode()

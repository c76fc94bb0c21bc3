"""The route as the teacher's hub (issue 11, point 3): «Добавить в маршрут» from the matches and the resources'
pages, items added or linked when a course is confirmed or an event registered for, «Хочу на этот курс» in the
school's queue, the teacher told of every decision, a route made by hand — each through the pages."""

import datetime
import html
import io

import pytest
from docx import Document

from profrost.core.models import Notification
from profrost.diagnostics.models import Competence
from profrost.resources import actions as resource_actions
from profrost.resources.models import Application, Event, Internship
from profrost.routes import actions
from profrost.routes.generation import generate_for_campaign
from profrost.routes.models import Route, RouteItem
from tests import test_routes
from tests.test_resources import make_cohort, make_program
from tests.test_routes import END, START, days

TODAY = datetime.date.today()
# The fixtures of the routes' tests: teacher 0 diagnosed (МТ1, МТ4, ПП1), a catalog of courses and a community.
diagnosed, catalog = test_routes.diagnosed, test_routes.catalog


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _follow_post(client, url, data):
    """POST and follow the redirect: the page the user lands on, with its messages."""
    return client.post(url, data, follow=True)


@pytest.fixture
def route0(world, diagnosed, catalog):
    """Teacher 0's generated draft: the federal course, the short ПП course and the community."""
    generate_for_campaign(diagnosed, 72, START, END)
    return Route.objects.get(person=world["teachers"][0])


def _event(world, title="Семинар по МТ1", start=None, codes=("МТ1",)):
    start = start or days(40)
    event = Event.objects.create(
        title=title, kind="seminar", level="regional", organizer=world["center"], start=start, end=start
    )
    event.competences.set(Competence.objects.filter(code__in=codes))
    return event


def _notes(user, startswith):
    return list(
        Notification.objects.filter(user=user, text__startswith=startswith).values_list("text", "url")
    )


def test_teacher_adds_a_course_from_the_matches_once(world, route0, catalog, client):
    teacher, user = world["teachers"][0], world["users"]["teacher_in"]
    regional = catalog["regional"]
    client.force_login(user)
    matches = f"/resources/match/{teacher.pk}/"
    page = client.get(matches).content.decode()
    # The course already on the route says so; the other one offers the button (and the request).
    assert page.count("✓ В маршруте") == 3  # the federal and the short course, the community
    assert f'name="resource" value="{regional.pk}"' in page and "Добавить в маршрут" in page
    assert "Хочу на этот курс" in page
    data = {"person": teacher.pk, "kind": "cohort", "resource": regional.pk, "next": matches}
    response = _follow_post(client, "/routes/add/", data)
    assert response.redirect_chain[-1][0] == matches
    assert "Добавлено в маршрут (раздел 1.1): «Региональная МТ»." in _messages(response)
    item = route0.items.get(cohort=regional)
    assert (item.section, item.hours, item.start, item.end, item.status) == (
        "1.1",
        36,
        regional.start,
        regional.end,
        "planned",
    )
    assert item.form == "обучение по ДПП"
    assert item.reason.startswith(
        "добавлено в маршрут вручную; развивает МТ1, МТ4; региональная программа; 36 ч"
    )
    assert sorted(item.deficits.values_list("code", flat=True)) == ["МТ1", "МТ4"]
    assert page.count("✓ В маршруте") + 1 == client.get(matches).content.decode().count("✓ В маршруте")
    # Twice: a clear message, still one item.
    response = _follow_post(client, "/routes/add/", data)
    assert "Этот ресурс уже есть в маршруте." in _messages(response)
    assert route0.items.filter(cohort=regional).count() == 1
    # The route page shows it in section 1.1.
    detail = client.get(f"/routes/{route0.pk}/").content.decode()
    assert "Региональная МТ" in detail.split('id="section-11"')[1].split("</table>")[0]


def test_adding_is_refused_out_of_scope_and_past_the_draft(world, route0, catalog, client):
    teacher, users = world["teachers"][0], world["users"]
    regional = catalog["regional"]
    data = {"person": teacher.pk, "kind": "cohort", "resource": regional.pk}
    for outsider in ("teacher_out", "school_coordinator_out"):
        client.force_login(users[outsider])
        response = _follow_post(client, "/routes/add/", data)
        assert response.status_code == 200
        assert "Педагог не найден в вашей области доступа." in _messages(response)
    # A municipal coordinator sees the teacher but does not edit routes.
    client.force_login(users["municipal_coordinator_in"])
    assert "Изменять этот маршрут вы не можете." in _messages(_follow_post(client, "/routes/add/", data))
    # Garbled or unknown resources.
    client.force_login(users["teacher_in"])
    for bad in ({**data, "kind": "route"}, {**data, "resource": "x"}, {**data, "resource": 10**12}):
        messages = _messages(_follow_post(client, "/routes/add/", bad))
        assert any(m.startswith("Ресурс не найден") for m in messages), messages
    assert not route0.items.filter(cohort=regional).exists()
    # A course past the route's end does not fit it.
    late = make_cohort(
        world, make_program(world, "Поздняя МТ", ("МТ1",)), start=END + datetime.timedelta(days=5)
    )
    messages = _messages(_follow_post(client, "/routes/add/", {**data, "resource": late.pk}))
    assert any("вне периода маршрута" in m for m in messages), messages
    # The school coordinator of the teacher adds; once the route is on approval nobody does.
    client.force_login(users["school_coordinator_in"])
    assert "Добавлено в маршрут (раздел 1.1): «Региональная МТ»." in _messages(
        _follow_post(client, "/routes/add/", data)
    )
    actions.submit(route0, users["teacher_in"])
    client.force_login(users["teacher_in"])
    event = _event(world)
    messages = _messages(
        _follow_post(client, "/routes/add/", {**data, "kind": "event", "resource": event.pk})
    )
    assert messages == [
        "Маршрут на согласовании: добавлять пункты можно только в черновик. Верните маршрут на доработку — "
        "изменения нужно будет согласовать снова."
    ]
    assert not route0.items.filter(event=event).exists()
    # The event's page says how to change the route instead of offering the button.
    page = client.get(f"/resources/events/{event.pk}/").content.decode()
    assert "Добавить в маршрут" not in page and "верните его в черновик" in page


def test_resource_pages_offer_the_button_and_a_teacher_without_a_route_makes_one(world, catalog, client):
    users = world["users"]
    internship = Internship.objects.create(
        title="Стажировка по МТ", site=world["schools"][1], start=days(20), end=days(25), capacity=5, hours=16
    )
    event = _event(world)
    community = catalog["community"]
    cohort = catalog["regional"]
    client.force_login(users["teacher_in"])  # teacher 0, no route yet (no diagnosis in this world)
    for url in (
        f"/resources/cohorts/{cohort.pk}/",
        f"/resources/events/{event.pk}/",
        f"/resources/internships/{internship.pk}/",
        f"/resources/communities/{community.pk}/",
    ):
        page = client.get(url).content.decode()
        assert "Составить маршрут и добавить" in page, url
    # Without a route, «Добавить в маршрут» leads to the route form, the resource carried along.
    teacher = world["teachers"][0]
    data = {"person": teacher.pk, "kind": "internship", "resource": internship.pk}
    response = client.post("/routes/add/", data)
    assert response["Location"] == f"/routes/new/{teacher.pk}/?add=internship:{internship.pk}"
    form = client.get(response["Location"]).content.decode()
    assert "После создания в маршрут будет добавлен ресурс: «Стажировка по МТ»." in form
    response = _follow_post(
        client,
        response["Location"],
        {
            "basis": "составлен педагогом до диагностики",
            "start": START.strftime("%d.%m.%Y"),
            "end": END.strftime("%d.%m.%Y"),
            "goal": "Освоить формирующее оценивание",
            "add": f"internship:{internship.pk}",
        },
    )
    route = Route.objects.get(person=teacher)
    assert (route.status, route.origin, route.basis, route.result_id) == (
        "draft",
        "manual",
        "составлен педагогом до диагностики",
        None,
    )
    item = route.items.get()
    assert (item.section, item.internship_id, item.hours, item.form) == (
        "1.2",
        internship.pk,
        16,
        "стажировка",
    )
    assert "Добавлено в маршрут (раздел 1.2): «Стажировка по МТ»." in _messages(response)
    # Every page now offers the button, and says «В маршруте» for the internship.
    page = client.get(f"/resources/internships/{internship.pk}/").content.decode()
    assert "✓ В маршруте" in page and "Добавить в маршрут" not in page
    page = client.get(f"/resources/communities/{community.pk}/").content.decode()
    assert "Добавить в маршрут" in page
    response = _follow_post(
        client, "/routes/add/", {"person": teacher.pk, "kind": "community", "resource": community.pk}
    )
    line = route.items.get(community=community)
    assert (line.section, line.start, line.end) == ("1.4", START, END)
    assert line.form == "участие в работе; не состоит (вступление запланировано)"


def test_registering_for_an_event_adds_or_links_the_item(world, route0, client):
    users, teacher = world["users"], world["teachers"][0]
    event = _event(world, "Семинар по формирующему оцениванию")
    client.force_login(users["teacher_in"])
    response = _follow_post(
        client, f"/resources/events/{event.pk}/register/", {"person": teacher.pk, "role": "participant"}
    )
    assert response.status_code == 200
    item = route0.items.get(event=event)
    assert (item.section, item.start, item.status) == ("1.3", event.start, "planned")
    assert item.reason.startswith("добавлено при регистрации на мероприятие; развивает МТ1; мероприятие")
    assert item.note == f"регистрация на мероприятие {TODAY:%d.%m.%Y}"
    assert "Ход записи: регистрация на мероприятие" in client.get(f"/routes/{route0.pk}/").content.decode()
    # A line typed by hand with the event's title is linked, not doubled.
    typed = RouteItem.objects.create(route=route0, section="1.3", content="Вебинар по МТ4", position=9)
    webinar = _event(world, "Вебинар по МТ4", codes=("МТ4",))
    client.force_login(users["school_coordinator_in"])  # the school registers its teacher
    _follow_post(
        client, f"/resources/events/{webinar.pk}/register/", {"person": teacher.pk, "role": "participant"}
    )
    typed.refresh_from_db()
    assert typed.event_id == webinar.pk and route0.items.filter(content="Вебинар по МТ4").count() == 1
    # Registered by someone else, the teacher hears of it.
    assert _notes(users["teacher_in"], "Регистрация на мероприятие:") == [
        (
            f"Регистрация на мероприятие: {teacher.full_name} — «Вебинар по МТ4» ({webinar.start:%d.%m.%Y})",
            f"/resources/events/{webinar.pk}/",
        )
    ]
    # Attendance closes the item as before.
    resource_actions.mark_attendance(event, teacher, users["center_staff"], attended=True)
    item.refresh_from_db()
    assert item.status == "done"
    # An event outside the route's period, or a teacher without a route: the registration stands, no item.
    later = _event(world, "Конференция после маршрута", start=END + datetime.timedelta(days=3))
    client.force_login(users["teacher_in"])
    response = _follow_post(
        client, f"/resources/events/{later.pk}/register/", {"person": teacher.pk, "role": "participant"}
    )
    assert not any(m.startswith("Мест нет") or "прошло" in m for m in _messages(response))
    assert (
        later.participations.filter(person=teacher).exists() and not route0.items.filter(event=later).exists()
    )
    other = world["teachers"][15]
    client.force_login(users["teacher_out"])
    _follow_post(
        client, f"/resources/events/{event.pk}/register/", {"person": other.pk, "role": "participant"}
    )
    assert (
        event.participations.filter(person=other).exists() and not Route.objects.filter(person=other).exists()
    )


def test_decisions_reach_the_teacher_and_the_item_follows(world, route0, catalog, client):
    users, teacher = world["users"], world["teachers"][0]
    regional, federal = catalog["regional"], catalog["federal"]
    application = resource_actions.apply(
        regional, teacher, world["schools"][0], users["school_coordinator_in"]
    )
    assert _notes(users["teacher_in"], "Подана заявка на курс") == [
        (
            f"Подана заявка на курс: {teacher.full_name} — «Региональная МТ» (группа с {regional.start:%d.%m.%Y})",
            f"/resources/cohorts/{regional.pk}/",
        )
    ]
    assert not route0.items.filter(cohort=regional).exists()  # submitted is not yet a place
    client.force_login(users["municipal_coordinator_in"])
    _follow_post(client, f"/resources/applications/{application.pk}/confirm/", {})
    assert _notes(users["teacher_in"], "Заявка на курс подтверждена муниципалитетом") == [
        (
            "Заявка на курс подтверждена муниципалитетом: "
            f"{teacher.full_name} — «Региональная МТ» (группа с {regional.start:%d.%m.%Y})",
            f"/resources/cohorts/{regional.pk}/",
        )
    ]
    item = route0.items.get(cohort=regional)
    assert item.status == "planned" and item.section == "1.1"
    assert item.note == f"заявка подтверждена муниципалитетом {TODAY:%d.%m.%Y}"
    assert item.reason.startswith("добавлено при подтверждении заявки на курс")
    client.force_login(users["center_staff"])
    _follow_post(client, f"/resources/applications/{application.pk}/enroll/", {})
    item.refresh_from_db()
    assert (item.status, item.note) == ("in_progress", f"зачисление в группу {TODAY:%d.%m.%Y}")
    assert len(_notes(users["teacher_in"], "Зачисление на курс: ")) == 1
    # The teacher sees the confirmation arrive on their notifications page.
    client.force_login(users["teacher_in"])
    page = client.get("/notifications/").content.decode()
    assert "Заявка на курс подтверждена муниципалитетом" in page and "Зачисление на курс" in page
    # Rejected with a reason: told with it; the course's line stays planned, noting why.
    on_route = route0.items.get(cohort=federal)
    second = resource_actions.apply(federal, teacher, world["schools"][0], users["school_coordinator_in"])
    client.force_login(users["municipal_coordinator_in"])
    _follow_post(
        client, f"/resources/applications/{second.pk}/reject/", {"comment": "Нет мест в этом потоке"}
    )
    on_route.refresh_from_db()
    assert (on_route.status, on_route.note) == (
        "planned",
        f"заявка отклонена {TODAY:%d.%m.%Y}: Нет мест в этом потоке",
    )
    [(text, _)] = _notes(users["teacher_in"], "Заявка на курс отклонена")
    assert text.endswith(
        "«Федеральная МТ» (группа с " + f"{federal.start:%d.%m.%Y}). Причина: Нет мест в этом потоке"
    )


def test_a_request_lands_in_the_school_queue_and_becomes_an_application(world, route0, catalog, client):
    users, teacher = world["users"], world["teachers"][0]
    regional = catalog["regional"]
    client.force_login(users["teacher_in"])
    cohort_page = f"/resources/cohorts/{regional.pk}/"
    assert "Хочу на этот курс" in client.get(cohort_page).content.decode()
    response = _follow_post(
        client, f"/resources/cohorts/{regional.pk}/request/", {"comment": "Очень нужно по МТ1"}
    )
    assert any(
        m.startswith("Просьба записать вас на курс «Региональная МТ» передана") for m in _messages(response)
    )
    request = Application.objects.get(cohort=regional, person=teacher)
    assert (request.status, request.comment) == ("requested", "Очень нужно по МТ1")
    assert resource_actions.quota_use(regional, world["municipalities"][0].pk) == (5, 0)  # no place held
    page = client.get(cohort_page).content.decode()
    assert "Вы попросили записать вас на этот курс" in page and "Хочу на этот курс" not in page
    # Twice: refused with the message, one request.
    response = _follow_post(client, f"/resources/cohorts/{regional.pk}/request/", {})
    assert "Вы уже просили записать вас на этот курс: просьба ждёт решения уполномоченного ОО." in _messages(
        response
    )
    assert Application.objects.filter(cohort=regional, person=teacher).count() == 1
    # The school coordinator is told, sees it on the start page and in the cohort's queue.
    assert _notes(users["school_coordinator_in"], "Педагог просит записать на курс") == [
        (
            f"Педагог просит записать на курс: {teacher.full_name} — «Региональная МТ» (группа с {regional.start:%d.%m.%Y})",
            cohort_page,
        )
    ]
    client.force_login(users["school_coordinator_in"])
    start = client.get("/").content.decode()
    assert (
        "Педагоги просят записать их на курсы" in start
        and f"Региональная МТ (с {regional.start:%d.%m.%Y}): 1" in start
    )
    queue = client.get(cohort_page).content.decode()
    assert "просьба педагога" in queue and "Очень нужно по МТ1" in queue and "Отклонить просьбу" in queue
    # …not the municipality's «to confirm», nor another school's.
    client.force_login(users["municipal_coordinator_in"])
    assert "Заявки на курсы ждут подтверждения муниципалитета" not in client.get("/").content.decode()
    client.force_login(users["school_coordinator_out"])
    assert client.post(f"/resources/requests/{request.pk}/apply/", {}).status_code == 404
    # The coordinator applies: the same row becomes the application, within the quota; the teacher hears.
    client.force_login(users["school_coordinator_in"])
    response = _follow_post(client, f"/resources/requests/{request.pk}/apply/", {})
    assert f"Заявка на {teacher.in_case('accusative')} подана по просьбе педагога." in _messages(response)
    request.refresh_from_db()
    assert (request.status, request.applied_by, Application.objects.filter(person=teacher).count()) == (
        "submitted",
        users["school_coordinator_in"],
        1,
    )
    assert resource_actions.quota_use(regional, world["municipalities"][0].pk) == (5, 1)
    assert len(_notes(users["teacher_in"], "Подана заявка на курс: ")) == 1
    assert "Педагоги просят записать их на курсы" not in client.get("/").content.decode()
    # Then the municipality confirms and the teacher sees it arrive.
    resource_actions.confirm(request, users["municipal_coordinator_in"])
    client.force_login(users["teacher_in"])
    assert "Заявка на курс подтверждена муниципалитетом" in client.get("/notifications/").content.decode()
    assert route0.items.get(cohort=regional).note.startswith("заявка подтверждена муниципалитетом")


def test_a_declined_request_tells_the_teacher_why(world, catalog, client):
    users, teacher = world["users"], world["teachers"][0]
    short = catalog["short"]
    client.force_login(users["teacher_in"])
    _follow_post(client, f"/resources/cohorts/{short.pk}/request/", {})
    request = Application.objects.get(cohort=short, person=teacher, status="requested")
    client.force_login(users["school_coordinator_in"])
    response = _follow_post(client, f"/resources/requests/{request.pk}/decline/", {"reason": "  "})
    assert "Напишите педагогу причину отказа." in _messages(response)
    assert Application.objects.get(pk=request.pk).status == "requested"
    _follow_post(client, f"/resources/requests/{request.pk}/decline/", {"reason": "Сначала курс по МТ"})
    assert Application.objects.get(pk=request.pk).status == "declined"
    [(text, url)] = _notes(users["teacher_in"], "Просьба записать на курс отклонена")
    assert text.endswith("Причина: Сначала курс по МТ") and url == f"/resources/cohorts/{short.pk}/"
    # A declined request is over: the teacher may ask again, the coordinator may apply.
    client.force_login(users["teacher_in"])
    assert "Хочу на этот курс" in client.get(f"/resources/cohorts/{short.pk}/").content.decode()
    # The teacher's request from a cohort that has started is refused.
    started = make_cohort(world, make_program(world, "Идущая МТ", ("МТ1",)), start=TODAY)
    messages = _messages(_follow_post(client, f"/resources/cohorts/{started.pk}/request/", {}))
    assert messages == ["Обучение в этой группе уже началось: записаться нельзя."]


def test_a_route_made_by_hand_is_marked_on_the_page_and_in_the_document(world, client):
    users, teacher = world["users"], world["teachers"][0]  # no diagnostic result in this world
    client.force_login(users["school_coordinator_in"])
    card = client.get(f"/people/{teacher.pk}/").content.decode()
    assert f'href="/routes/new/{teacher.pk}/"' in card
    form_url = f"/routes/new/{teacher.pk}/"
    data = {
        "basis": "",
        "start": START.strftime("%d.%m.%Y"),
        "end": END.strftime("%d.%m.%Y"),
        "goal": "Цель",
        "deficits": [Competence.objects.get(code="МТ1").pk],
    }
    page = client.post(form_url, data).content.decode()
    assert "Обязательное поле" in page and not Route.objects.filter(person=teacher).exists()
    before = (START - datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    page = client.post(form_url, {**data, "basis": "x", "end": before}).content.decode()
    assert "Окончание раньше начала" in page and not Route.objects.filter(person=teacher).exists()
    response = client.post(form_url, {**data, "basis": "по итогам посещения урока методистом"})
    route = Route.objects.get(person=teacher)
    assert response["Location"] == f"/routes/{route.pk}/"
    assert (route.origin, route.created_by, list(route.deficits.values_list("code", flat=True))) == (
        "manual",
        users["school_coordinator_in"],
        ["МТ1"],
    )
    assert _notes(users["teacher_in"], "Для вас составлен черновик ИОМ") == [
        (
            "Для вас составлен черновик ИОМ (по итогам посещения урока методистом): проверьте и отправьте на согласование",
            f"/routes/{route.pk}/",
        )
    ]
    detail = client.get(f"/routes/{route.pk}/").content.decode()
    assert "Маршрут составлен вручную: по итогам посещения урока методистом" in detail
    assert "(составлен вручную)" in client.get(f"/people/{teacher.pk}/").content.decode()
    doc = Document(io.BytesIO(client.get(f"/routes/{route.pk}/document.docx").content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Маршрут составлен вручную: по итогам посещения урока методистом" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "дефицит: МТ1 " + Competence.objects.get(code="МТ1").name in cells
    from pypdf import PdfReader

    pdf = client.get(f"/routes/{route.pk}/document.pdf").content
    assert "Маршрут составлен вручную" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    # A second route while this one is active: refused, to the route.
    response = client.get(form_url, follow=True)
    assert response.redirect_chain[-1][0] == f"/routes/{route.pk}/"
    assert actions.ACTIVE_ROUTE_EXISTS in _messages(response)
    # Out of scope: not found; a municipal coordinator sees the teacher but does not make routes.
    other = world["teachers"][1]
    client.force_login(users["school_coordinator_out"])
    assert client.get(f"/routes/new/{other.pk}/").status_code == 404
    assert client.post(f"/routes/new/{other.pk}/", {**data, "basis": "x"}).status_code == 404
    client.force_login(users["municipal_coordinator_in"])
    assert client.get(f"/routes/new/{other.pk}/").status_code == 403
    # From the routes list: the teacher is picked by name (the people lookup, within the scope), not from a
    # list of thousands; someone outside the scope is refused, nothing is made.
    client.force_login(users["school_coordinator_in"])
    page = client.get("/routes/new/").content.decode()
    assert 'data-lookup-url="/lookup/people/"' in page
    assert other.full_name not in page  # no select of names on the page
    page = client.post("/routes/new/", {**data, "person": world["teachers"][15].pk, "basis": "x"})
    assert "Выберите из списка" in page.content.decode()
    assert not Route.objects.filter(person=world["teachers"][15]).exists()
    # The one with an active route: the action refuses, with its message.
    page = client.post("/routes/new/", {**data, "person": teacher.pk, "basis": "x"}).content.decode()
    assert actions.ACTIVE_ROUTE_EXISTS in html.unescape(page)
    client.post(
        "/routes/new/",
        {**data, "person": other.pk, "basis": "диагностика ещё не проводилась", "deficits": []},
    )
    made = Route.objects.get(person=other)
    assert made.origin == "manual"
    doc = Document(io.BytesIO(client.get(f"/routes/{made.pk}/document.docx").content))
    assert "диагностика не проводилась" in [c.text for t in doc.tables for row in t.rows for c in row.cells]


def test_generated_routes_are_marked_by_diagnostics(world, route0, client):
    assert route0.origin == "diagnostics" and route0.origin_text == ""
    client.force_login(world["users"]["teacher_in"])
    assert "составлен вручную" not in client.get(f"/routes/{route0.pk}/").content.decode()

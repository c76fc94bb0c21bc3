"""Routes (ИОМ): generation on hand-built cases, the workflow with each role, linked items, deadlines,
documents, registers, the command line."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from profrost.core.imports import run_import
from profrost.core.models import Notification
from profrost.diagnostics.models import Campaign, Competence, Result
from profrost.resources import actions as resource_actions
from profrost.resources.matching import Catalog, people_facts
from profrost.resources.models import Application, Community
from profrost.routes import actions
from profrost.routes.actions import RouteError
from profrost.routes.generation import generate_for_campaign, generate_route, plan
from profrost.routes.models import Route, RouteItem
from tests.factories import assign_to_methodologist
from tests.test_imports import write_csv
from tests.test_resources import make_cohort, make_program
from tests.test_results_import import MAP

TODAY = datetime.date.today()
START, END = TODAY, TODAY + datetime.timedelta(days=365)
L = TODAY + datetime.timedelta(days=10)


def days(n):
    return L + datetime.timedelta(days=n)


@pytest.fixture
def diagnosed(world, tmp_path):
    """Teacher 0 and teacher 1 diagnosed: deficits МТ1 (0 of 5), МТ4 (1 of 8), ПП1 (0 of 1) for teacher 0;
    only ПП1 for teacher 1; teacher 2 without deficits."""
    instrument = run_import(
        "instrument", write_csv(tmp_path / "m.csv", MAP, headers=list(MAP[0])), options={"name": "ДПК"}
    ).created_id
    campaign = Campaign.objects.create(instrument_id=instrument, name="ДПК-2026", kind="federal")
    t = world["teachers"]
    rows = [
        {"СНИЛС": t[0].snils, "Дата": "15.10.2026", "1": "0", "2": "0", "3": "1", "4": "0"},
        {"СНИЛС": t[1].snils, "Дата": "15.10.2026", "1": "2", "2": "3", "3": "5", "4": "0"},
        {"СНИЛС": t[2].snils, "Дата": "15.10.2026", "1": "2", "2": "3", "3": "5", "4": "1"},
    ]
    run_import(
        "results",
        write_csv(tmp_path / "r.csv", rows, headers=["СНИЛС", "Дата", "1", "2", "3", "4"]),
        options={"campaign": campaign.pk},
    )
    return campaign


@pytest.fixture
def catalog(world):
    mun = world["municipalities"][0]
    c = {}
    c["federal"] = make_cohort(
        world,
        make_program(world, "Федеральная МТ", ("МТ1", "МТ4"), federal=True, hours=36),
        start=days(0),
        quotas={mun: 5},
    )
    c["regional"] = make_cohort(
        world,
        make_program(world, "Региональная МТ", ("МТ1", "МТ4"), hours=36),
        start=days(30),
        quotas={mun: 5},
    )
    c["big"] = make_cohort(
        world, make_program(world, "Большая ПП", ("ПП1",), hours=72), start=days(60), quotas={mun: 5}
    )
    c["overlap"] = make_cohort(
        world, make_program(world, "Пересекающаяся ПП", ("ПП1",), hours=24), start=days(5), quotas={mun: 5}
    )
    c["short"] = make_cohort(
        world, make_program(world, "Короткая ПП", ("ПП1",), hours=36), start=days(90), quotas={mun: 5}
    )
    community = Community.objects.create(name="РМО учителей", kind="association", level="regional")
    community.competences.set(Competence.objects.filter(code__in=["МТ1"]))
    c["community"] = community
    return c


def test_generation_covers_within_budget_prefers_federal_and_reports_uncovered(world, diagnosed, catalog):
    teacher = world["teachers"][0]
    facts = people_facts([teacher.pk], START)[teacher.pk]
    cat = Catalog(START, END)
    groups = {"МТ1": "МТ", "МТ4": "МТ", "ПП1": "ПП"}
    proposals, uncovered = plan(["МТ1", "МТ4", "ПП1"], facts, cat, START, END, 72, young=False, groups=groups)
    # Federal before regional at equal coverage; the 72-hour ПП course does not fit after 36 hours; the
    # 24-hour one overlaps the federal course's dates; the 36-hour one fits: 36 + 36 = 72.
    assert [(p.section, p.content, p.codes) for p in proposals] == [
        ("1.1", "Федеральная МТ", ("МТ1", "МТ4")),
        ("1.1", "Короткая ПП", ("ПП1",)),
        ("1.4", "РМО учителей", ("МТ1",)),  # a community line for the МТ group
    ]
    assert uncovered == []
    assert proposals[0].reason.startswith("развивает МТ1, МТ4; ФР ДПП; 36 ч")
    assert sum(p.hours or 0 for p in proposals if p.section == "1.1") == 72
    # With 36 hours only, ПП1 stays uncovered; a young specialist gets a mentor line.
    proposals, uncovered = plan(["МТ1", "МТ4", "ПП1"], facts, cat, START, END, 36, young=True, groups=groups)
    assert uncovered == ["ПП1"]
    assert proposals[-1].section == "3" and "молодой специалист" in proposals[-1].reason


def test_a_community_covering_two_groups_is_one_line(world, diagnosed, catalog):
    """A community developing МТ1 and ПП1 was proposed twice (once per competence group), and the route
    document printed both lines."""
    catalog["community"].competences.set(Competence.objects.filter(code__in=["МТ1", "ПП1"]))
    teacher = world["teachers"][0]
    facts = people_facts([teacher.pk], START)[teacher.pk]
    groups = {"МТ1": "МТ", "МТ4": "МТ", "ПП1": "ПП"}
    proposals, _ = plan(["МТ1", "МТ4", "ПП1"], facts, Catalog(START, END), START, END, 72, groups=groups)
    lines = [(p.content, p.codes) for p in proposals if p.section == "1.4"]
    assert lines == [("РМО учителей", ("МТ1", "ПП1"))]


def test_bulk_generation_is_idempotent_and_counts_uncovered(world, diagnosed, catalog, capsys):
    counts = generate_for_campaign(diagnosed, 36, START, END)
    # Teachers 0 and 1 have deficits (teacher 2 none). With 36 hours, teacher 0's ПП1 is uncovered, and
    # teacher 1 (ПП1 only) gets the earliest ПП course within 36 hours (the 24-hour one; nothing else is busy).
    assert counts == {"created": 2, "uncovered": 1, "skipped": 0}
    # The teacher with an account (teacher 0 is «teacher_in») is told about the draft.
    assert (
        Notification.objects.filter(
            user=world["users"]["teacher_in"], text__startswith="Для вас построен черновик"
        ).count()
        == 1
    )
    route0 = Route.objects.get(person=world["teachers"][0])
    assert sorted(route0.deficits.values_list("code", flat=True)) == ["МТ1", "МТ4", "ПП1"]
    assert list(route0.uncovered.values_list("code", flat=True)) == ["ПП1"]
    item = route0.items.get(section="1.1")
    assert (item.cohort_id, sorted(item.deficits.values_list("code", flat=True))) == (
        catalog["federal"].pk,
        ["МТ1", "МТ4"],
    )
    route1 = Route.objects.get(person=world["teachers"][1])
    assert list(route1.items.values_list("content", flat=True)) == ["Пересекающаяся ПП"]
    # Re-running creates nothing; the command line says so.
    assert generate_for_campaign(diagnosed, 36, START, END) == {"created": 0, "uncovered": 0, "skipped": 2}
    call_command("routes", "generate", "--campaign", str(diagnosed.pk), "--hours", "36")
    assert (
        "Создано маршрутов: 0; непокрытых дефицитов: 0; пропущено (маршрут уже есть): 2"
        in capsys.readouterr().out
    )
    assert Route.objects.count() == 2
    # A person without a result, or without deficits, gets a clear refusal.
    with pytest.raises(RouteError, match="нет дефицитов"):
        generate_route(Result.objects.get(person=world["teachers"][2]))
    with pytest.raises(RouteError, match="оценённому результату"):
        generate_route(None)


def test_export_command(world, diagnosed, catalog, tmp_path, capsys):
    generate_for_campaign(diagnosed, 36, START, END)
    out = tmp_path / "routes.xlsx"
    call_command("routes", "export", "--campaign", str(diagnosed.pk), "--out", str(out))
    book = load_workbook(out)
    items = list(book["Пункты маршрутов"].iter_rows(values_only=True))
    assert items[0] == (
        "СНИЛС",
        "ФИО",
        "Статус маршрута",
        "Раздел",
        "Содержание",
        "Часы",
        "Начало",
        "Окончание",
        "Дефициты",
        "ФР ДПП",
    )
    teacher = world["teachers"][0]
    federal = [r for r in items if r[4] == "Федеральная МТ"][0]
    assert (
        federal[0] == teacher.snils_display
        and federal[2:4] == ("черновик", "1.1")
        and federal[8:] == ("МТ1;МТ4", "да")
    )
    assert list(book["Непокрытые дефициты"].iter_rows(values_only=True))[1:] == [
        (teacher.snils_display, teacher.full_name, "ПП1")
    ]


def test_workflow_with_each_role(world, diagnosed, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    teacher, school, school_out = (
        world["users"][k] for k in ("teacher_in", "school_coordinator_in", "school_coordinator_out")
    )
    municipal, tutor = world["users"]["municipal_coordinator_in"], world["users"]["methodologist"]
    Route.objects.filter(pk=route.pk).update(tutor=tutor, municipal_approval=True)
    route.refresh_from_db()
    # The teacher edits the draft: bad hours and dates outside the period are refused; a stale version too.
    item = route.items.get(content="Короткая ПП")
    data = {
        "section": "1.1",
        "content": "Короткая ПП (дистанционно)",
        "form": "заочная с ДОТ",
        "hours": -1,
        "start": None,
        "end": None,
    }
    with pytest.raises(RouteError, match="Часы не могут быть отрицательными"):
        actions.save_item(route, teacher, data, item, item.version)
    with pytest.raises(RouteError, match="в периоде маршрута"):
        actions.save_item(
            route,
            teacher,
            {**data, "hours": 36, "start": END + datetime.timedelta(days=1)},
            item,
            item.version,
        )
    actions.save_item(route, teacher, {**data, "hours": 36}, item, item.version)
    with pytest.raises(RouteError, match="Запись изменена другим пользователем"):
        actions.save_item(route, teacher, {**data, "hours": 30}, item, item.version)  # the old version
    # Sent for approval; a school coordinator of another school cannot approve; the school, then the
    # municipality approve.
    actions.submit(route, teacher, route.version)
    route.refresh_from_db()
    with pytest.raises(RouteError, match="уполномоченный ОО"):
        actions.approve(route, school_out)
    actions.approve(route, school)
    route.refresh_from_db()
    assert (route.status, route.school_approved_at is not None) == ("review", True)
    assert Notification.objects.filter(user=municipal, text__contains="на согласование").exists()
    actions.approve(route, municipal)
    route.refresh_from_db()
    assert route.status == "approved"
    assert Notification.objects.filter(user=teacher, text__startswith="ИОМ утверждён").exists()
    # An approved route is not edited without being sent back.
    with pytest.raises(RouteError, match="верните его на доработку"):
        actions.save_item(route, teacher, {**data, "hours": 30}, route.items.first())
    # Reports: only the teacher; a forbidden file type or a too large file is refused, nothing saved.
    item = route.items.get(section="1.4")
    with pytest.raises(RouteError, match="сам педагог"):
        actions.report(item, school, "Отчёт")
    with pytest.raises(RouteError, match="допустимы PDF"):
        actions.report(item, teacher, "Отчёт", files=[SimpleUploadedFile("x.exe", b"MZ")])
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(RouteError, match="больше 10 МБ"):
        actions.report(item, teacher, "Отчёт", files=[big])
    item.refresh_from_db()
    assert item.report == "" and not item.evidence.exists()
    actions.report(
        item,
        teacher,
        "Выступил на заседании РМО",
        "https://example.org/rmo",
        [SimpleUploadedFile("протокол.pdf", b"%PDF-1.4")],
    )
    route.refresh_from_db()
    assert route.status == "in_progress"
    stored = item.evidence.get()
    assert stored.name == "протокол.pdf" and "протокол" not in stored.file.name
    # The tutor returns (a comment is needed), then accepts.
    item.refresh_from_db()
    with pytest.raises(RouteError, match="что доработать"):
        actions.review_report(item, tutor, False)
    actions.review_report(item, tutor, False, "Добавьте тему выступления")
    assert Notification.objects.filter(user=teacher, text__startswith="Отчёт возвращён").exists()
    actions.report(RouteItem.objects.get(pk=item.pk), teacher, "Выступил на РМО с темой «Оценивание»")
    actions.review_report(RouteItem.objects.get(pk=item.pk), tutor, True)
    assert RouteItem.objects.get(pk=item.pk).status == "done"
    # Only the tutor closes, with a conclusion.
    with pytest.raises(RouteError, match="тьютор"):
        actions.close(route, teacher, True, "Всё")
    with pytest.raises(RouteError, match="заключение"):
        actions.close(route, tutor, True, " ")
    actions.close(route, tutor, False, "Курс не пройден, остальное выполнено")
    route.refresh_from_db()
    assert (route.status, route.conclusion) == ("partial", "Курс не пройден, остальное выполнено")


def test_one_active_route_reject_and_send_back(world, diagnosed, catalog):
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    with pytest.raises(RouteError, match="уже есть действующий маршрут"):
        generate_route(Result.objects.get(person=world["teachers"][0]))
    teacher, school = world["users"]["teacher_in"], world["users"]["school_coordinator_in"]
    actions.submit(route, teacher)
    with pytest.raises(RouteError, match="комментарий обязателен"):
        actions.reject(route, school, "")
    actions.reject(route, school, "Добавьте мероприятие")
    route.refresh_from_db()
    assert (route.status, route.review_comment) == ("draft", "Добавьте мероприятие")
    actions.submit(route, teacher)
    actions.approve(route, school)
    actions.send_back(route, teacher)
    assert Route.objects.get(pk=route.pk).status == "draft"
    # Cancelled, a new route may be generated from the same result.
    actions.cancel(route, school)
    again, _ = generate_route(Result.objects.get(person=world["teachers"][0]))
    assert again.pk != route.pk and again.status == "draft"


def test_linked_course_item_completes_with_the_certificate(world, diagnosed, catalog):
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    item = route.items.get(content="Федеральная МТ")
    cohort = catalog["federal"]
    users = world["users"]
    application = resource_actions.apply(
        cohort, world["teachers"][0], world["schools"][0], users["school_coordinator_in"]
    )
    resource_actions.confirm(application, users["municipal_coordinator_in"])
    enrollment = resource_actions.enroll(Application.objects.get(pk=application.pk), users["center_staff"])
    resource_actions.move_enrollment(enrollment, users["center_staff"], "studying")
    item.refresh_from_db()
    assert item.status == "in_progress"  # enrolled: the course's item is under way (tests/test_route_hub.py)
    resource_actions.move_enrollment(
        enrollment, users["center_staff"], "completed", True, "342400000777", datetime.date(2026, 12, 20)
    )
    item.refresh_from_db()
    assert (item.status, item.accepted) == ("done", True)
    assert item.report == "Обучение завершено, удостоверение № 342400000777 от 20.12.2026."


def test_deadlines_overdue_items_and_routes(world, diagnosed, catalog, client):
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    past = TODAY - datetime.timedelta(days=1)
    Route.objects.filter(pk=route.pk).update(
        status="in_progress", start=past - datetime.timedelta(days=200), end=past
    )
    RouteItem.objects.filter(route=route, content="Федеральная МТ").update(
        start=past - datetime.timedelta(days=10), end=past
    )
    client.force_login(world["users"]["teacher_in"])
    page = client.get(f"/routes/{route.pk}/").content.decode()
    assert "просрочен" in page and "срок истёк, отчёта нет" in page
    listing = client.get("/routes/?status=overdue").content.decode()
    assert world["teachers"][0].full_name in listing
    assert actions.remind_deadlines() == 2  # the item past its end, and the route past its end
    assert actions.remind_deadlines() == 0  # not twice
    assert (
        Notification.objects.filter(
            user=world["users"]["teacher_in"], text__startswith="ИОМ просрочен"
        ).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            user=world["users"]["teacher_in"], text__startswith="Срок пункта ИОМ истёк"
        ).count()
        == 1
    )


def test_documents_read_back(world, diagnosed, catalog, client):
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    teacher = world["teachers"][0]
    client.force_login(world["users"]["teacher_in"])
    from docx import Document

    doc = Document(io.BytesIO(client.get(f"/routes/{route.pk}/document.docx").content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Индивидуальный образовательный маршрут" in text and "2. Цель реализации ИОМ – Непрерывное" in text
    assert text.startswith("Утверждаю")
    assert (
        f"Начало {route.start:%d.%m.%Y}" in text
        and "Уполномоченный ОО:" in text
        and f"Педагог: _______________ / {teacher.full_name} /" in text
    )
    assert "ФИО педагога" in cells and teacher.full_name in cells and world["schools"][0].name in cells
    assert "Дополнительная информация (форма обучения, трудоёмкость (кол-во часов) и пр.)" in cells
    assert (
        "1.1. Обучение по дополнительным профессиональным программам повышения квалификации и/или "
        "профессиональной переподготовки"
        in cells
        and "Федеральная МТ" in cells
    )
    assert "3. Наставничество" in cells and "Рефлексивный отчёт" in cells
    from pypdf import PdfReader

    pdf = client.get(f"/routes/{route.pk}/document.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Индивидуальный образовательный маршрут" in text and "Федеральная МТ" in text
    assert "Уполномоченный ОО" in text and teacher.last_name in text
    # Someone else's route answers 404; the bulk ZIP holds the visible ones.
    client.force_login(world["users"]["teacher_out"])
    assert client.get(f"/routes/{route.pk}/document.pdf").status_code == 404
    client.force_login(world["users"]["school_coordinator_in"])
    import zipfile

    # The ZIP is made by the worker (in-process under the tests' task backend); the page shows its progress,
    # then the link to the file, which only its requester may download.
    response = client.post("/routes/zip/", {"query": "", "fmt": "docx"})
    assert response.status_code == 302 and response["Location"].startswith("/downloads/")
    status = client.get(response["Location"]).content.decode()
    assert "Готово: документов в архиве — 2." in status and 'id="download-link"' in status
    download = client.get(response["Location"] + "file/")
    assert "filename*=utf-8''%D0%98%D0%9E%D0%9C%20%28DOCX%29" in download["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert len(names) == 2 and all(n.startswith("ИОМ ") and n.endswith(".docx") for n in names)
    assert (
        f"ИОМ {teacher.last_name} {teacher.first_name[0]}. {teacher.middle_name[0]}. {route.start.year}-{route.end.year}.docx"
        in names
    )
    client.force_login(world["users"]["school_coordinator_out"])
    assert client.get(response["Location"]).status_code == 404
    assert client.get(response["Location"] + "file/").status_code == 404
    # The single document is named in Russian too (RFC 5987).
    client.force_login(world["users"]["region_admin"])
    one = client.get(f"/routes/{route.pk}/document.docx")
    assert "filename*=utf-8''%D0%98%D0%9E%D0%9C%20" in one["Content-Disposition"]


def test_registers_by_hand(world, diagnosed, catalog, client, tmp_path):
    generate_for_campaign(diagnosed, 72, START, END)
    routes = {r.person_id: r for r in Route.objects.all()}
    t0, t1 = world["teachers"][0], world["teachers"][1]
    Route.objects.filter(pk=routes[t1.pk].pk).update(status="done")
    # A later diagnosis of teacher 0: МТ1 closed (5 of 5), МТ4 closed (8 of 8), ПП1 still (0 of 1).
    again = Campaign.objects.create(instrument=diagnosed.instrument, name="ДПК-2027", kind="federal")
    run_import(
        "results",
        write_csv(
            tmp_path / "r2.csv",
            [{"СНИЛС": t0.snils, "Дата": "15.10.2027", "1": "2", "2": "3", "3": "5", "4": "0"}],
            headers=["СНИЛС", "Дата", "1", "2", "3", "4"],
        ),
        options={"campaign": again.pk},
    )
    from profrost.routes.registers import register_rows

    rows, total = register_rows(world["users"]["center_staff"])
    first = {r["name"]: r for r in rows}[world["municipalities"][0].name]
    # Municipality 1.1: 3 diagnosed (teachers 0–2); t0's route is a machine draft (not developed), t1's is
    # completed: 1 with a developed route, 1 draft, 1 developed, 1 completed; deficits in routes: 3 (t0) + 1
    # (t1) = 4, closed 2 (МТ1, МТ4 of t0) → 50.0 %.
    assert (first["diagnosed"], first["with_route"], first["drafts"], first["developed"], first["done"]) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert (first["deficits"], first["closed"], str(first["closed_share"])) == (4, 2, "50.0")
    client.force_login(world["users"]["municipal_coordinator_in"])
    page = client.get("/routes/registers/").content.decode()
    assert world["municipalities"][0].name in page and "50,0" in page
    drill = client.get(f"/routes/registers/?municipality={world['municipalities'][0].pk}").content.decode()
    assert world["schools"][0].name in drill and world["schools"][1].name in drill
    # The route's page shows the effect.
    client.force_login(world["users"]["teacher_in"])
    page = client.get(f"/routes/{routes[t0.pk].pk}/").content.decode()
    assert "закрыты — <strong>МТ1, МТ4</strong>; остались — ПП1" in page
    # A teacher cannot open the registers.
    assert client.get("/routes/registers/").status_code == 403


def test_pages_scope_and_bulk_generation_task(world, diagnosed, catalog, client):
    client.force_login(world["users"]["center_staff"])
    response = client.post(
        f"/routes/generate/campaign/{diagnosed.pk}/",
        {"hours": "72", "start": START.strftime("%d.%m.%Y"), "end": END.strftime("%d.%m.%Y")},
    )
    page = client.get(response["Location"]).content.decode()  # tasks run in-process in tests
    assert "Создано маршрутов: 2" in page
    page = client.post(
        f"/routes/generate/campaign/{diagnosed.pk}/",
        {"hours": "-5", "start": "01.09.2027", "end": "01.01.2027"},
    ).content.decode()
    assert "Окончание раньше начала" in page
    route = Route.objects.get(person=world["teachers"][0])
    for persona, status in [
        ("teacher_in", 200),
        ("school_coordinator_in", 200),
        ("municipal_coordinator_in", 200),
        ("teacher_out", 404),
        ("school_coordinator_out", 404),
        ("municipal_coordinator_out", 404),
        ("methodologist", 404),
    ]:
        client.force_login(world["users"][persona])
        assert client.get(f"/routes/{route.pk}/").status_code == status, persona
    # The school coordinator of another school cannot approve through the page either.
    client.force_login(world["users"]["teacher_in"])
    client.post(f"/routes/{route.pk}/do/submit/", {"version": route.version})
    client.force_login(world["users"]["school_coordinator_out"])
    assert client.post(f"/routes/{route.pk}/do/approve/").status_code == 404
    assert Route.objects.get(pk=route.pk).status == "review"
    # Two people saving the same route at once: the second, with the old version, is told so.
    client.force_login(world["users"]["school_coordinator_in"])
    stale = Route.objects.get(pk=route.pk).version
    client.post(f"/routes/{route.pk}/do/reject/", {"version": stale, "comment": "Доработать"})
    page = client.post(f"/routes/{route.pk}/do/approve/", {"version": stale}, follow=True).content.decode()
    assert "Запись изменена другим пользователем" in page
    # The bell counts unread notifications.
    client.force_login(world["users"]["teacher_in"])
    assert 'id="bell"' in client.get("/routes/").content.decode()
    assert "возвращён на доработку" in client.get("/notifications/").content.decode()


def test_linked_event_item_is_done_when_attendance_is_marked(world, diagnosed, catalog):
    from profrost.resources.models import Event

    event = Event.objects.create(
        title="Семинар по ПП1",
        kind="seminar",
        level="regional",
        organizer=world["center"],
        start=days(200),
        end=days(200),
    )
    event.competences.set(Competence.objects.filter(code="ПП1"))
    generate_for_campaign(diagnosed, 36, START, END)  # 36 hours: ПП1 goes to the event, not a course
    route = Route.objects.get(person=world["teachers"][0])
    item = route.items.get(event=event)
    assert list(route.uncovered.all()) == []
    resource_actions.register(event, world["teachers"][0], world["users"]["teacher_in"])
    resource_actions.mark_attendance(
        event, world["teachers"][0], world["users"]["center_staff"], attended=True
    )
    item.refresh_from_db()
    assert (item.status, item.report) == ("done", "Участие подтверждено организатором (роль: участник).")


def test_notifications_go_by_email_when_smtp_is_configured(
    world, diagnosed, catalog, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User = type(world["users"]["teacher_in"])
    User.objects.filter(pk=world["users"]["school_coordinator_in"].pk).update(email="school@example.org")
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    with django_capture_on_commit_callbacks(execute=True):  # emails leave after the commit
        actions.submit(route, world["users"]["teacher_in"])
    assert [m.to for m in mailoutbox] == [["school@example.org"]]
    assert "ИОМ на согласование" in mailoutbox[0].subject
    # Deadline reminders go by email too.
    User.objects.filter(pk=world["users"]["teacher_in"].pk).update(email="teacher@example.org")
    RouteItem.objects.filter(route=route).update(start=None, end=None)
    Route.objects.filter(pk=route.pk).update(
        status="in_progress",
        start=TODAY - datetime.timedelta(days=30),
        end=TODAY - datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.remind_deadlines()
    assert mailoutbox[-1].to == ["teacher@example.org"] and "ИОМ просрочен" in mailoutbox[-1].subject


def test_bulk_tutor_assignment_stays_in_scope(world, diagnosed, catalog, client):
    generate_for_campaign(diagnosed, 72, START, END)
    mine, other = (
        Route.objects.get(person=world["teachers"][0]),
        Route.objects.get(person=world["teachers"][1]),
    )
    outside = Route.objects.create(person=world["teachers"][15], start=START, end=END)
    client.force_login(world["users"]["school_coordinator_in"])  # school 0: teachers 0 and 1
    methodologist = world["users"]["methodologist"]
    # A methodologist tutors only the teachers assigned to them in the asset (docs/support.md §12).
    page = client.post(
        "/routes/tutor/", {"tutor": methodologist.pk, "route": [mine.pk, other.pk]}, follow=True
    ).content.decode()
    assert "не может быть тьютором ИОМ педагога" in page
    assert not Route.objects.filter(tutor__isnull=False).exists()
    assign_to_methodologist(world, world["teachers"][0], world["teachers"][1])
    page = client.post(
        "/routes/tutor/", {"tutor": methodologist.pk, "route": [mine.pk, other.pk, outside.pk]}, follow=True
    ).content.decode()
    assert "назначен маршрутам: 2" in page
    tutors = dict(Route.objects.values_list("pk", "tutor__username"))
    assert (tutors[mine.pk], tutors[other.pk], tutors[outside.pk]) == ("methodologist", "methodologist", None)
    # A teacher is no tutor: not in the list, and refused when named by a crafted POST.
    page = client.post(
        "/routes/tutor/", {"tutor": world["users"]["teacher_in"].pk, "route": [mine.pk]}, follow=True
    ).content.decode()
    assert "Тьютор не найден: выберите методиста, наставника или сотрудника центра из списка." in page
    client.force_login(world["users"]["teacher_in"])
    assert client.post("/routes/tutor/", {"tutor": methodologist.pk, "route": [mine.pk]}).status_code == 403


def test_assigning_a_tutor_is_one_action_with_the_version_bumped(
    world, diagnosed, catalog, client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The route page and the list's bulk form call actions.assign_tutor: the version goes up (a form opened
    before is stale), the tutor hears of it once, and the email leaves only after the commit."""
    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    methodologist, center = world["users"]["methodologist"], world["users"]["center_staff"]
    type(methodologist).objects.filter(pk=methodologist.pk).update(email="tutor@example.org")
    methodologist.refresh_from_db()
    generate_for_campaign(diagnosed, 72, START, END)
    assign_to_methodologist(world, world["teachers"][0], world["teachers"][1])
    route = Route.objects.get(person=world["teachers"][0])
    seen = route.version
    with django_capture_on_commit_callbacks() as callbacks:
        assert actions.assign_tutor([route], center, methodologist, seen) == 1
        assert mailoutbox == []  # not before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [["tutor@example.org"]]
    route.refresh_from_db()
    assert (route.tutor, route.version) == (methodologist, seen + 1)
    assert Notification.objects.filter(user=methodologist, url=f"/routes/{route.pk}/").count() == 1
    # A form opened before the change carries the old version: refused, nothing changed.
    with pytest.raises(RouteError, match="изменена другим пользователем"):
        actions.assign_tutor([route], center, world["users"]["center_staff"], seen)
    # The page: the school coordinator, with the version the page showed.
    client.force_login(world["users"]["school_coordinator_in"])
    assert f'name="version" value="{seen + 1}"' in client.get(f"/routes/{route.pk}/").content.decode()
    page = client.post(
        f"/routes/{route.pk}/tutor/", {"tutor": center.pk, "version": seen}, follow=True
    ).content.decode()
    assert "Запись изменена другим пользователем" in page
    client.post(f"/routes/{route.pk}/tutor/", {"tutor": center.pk, "version": seen + 1})
    route.refresh_from_db()
    assert (route.tutor.username, route.version) == ("center_staff", seen + 2)
    # The list's bulk form: the same action, each route's version bumped, closed routes left as they are.
    other = Route.objects.get(person=world["teachers"][1])
    Route.objects.filter(pk=other.pk).update(status="done")
    client.post("/routes/tutor/", {"tutor": methodologist.pk, "route": [route.pk, other.pk]})
    route.refresh_from_db()
    other.refresh_from_db()
    assert (route.tutor, route.version) == (methodologist, seen + 3)
    assert (other.tutor, other.version) == (None, 1)
    # A single closed route is refused with a message, not silently skipped.
    page = client.post(
        f"/routes/{other.pk}/tutor/", {"tutor": methodologist.pk}, follow=True
    ).content.decode()
    assert "Маршрут завершён или отменён: тьютора не меняют." in page
    with pytest.raises(RouteError, match="Тьютор не найден"):
        actions.assign_tutor([route], center, None)


def test_a_garbled_version_is_a_conflict_not_an_error(world, diagnosed, catalog, client):
    generate_for_campaign(diagnosed, 72, START, END)
    route = Route.objects.get(person=world["teachers"][0])
    client.force_login(world["users"]["teacher_in"])
    response = client.post(f"/routes/{route.pk}/do/submit/", {"version": "abc"}, follow=True)
    assert response.status_code == 200 and "Запись изменена другим пользователем" in response.content.decode()
    assert Route.objects.get(pk=route.pk).status == "draft"

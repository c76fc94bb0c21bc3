"""Issue 9, «Defects found on the way»: points 11–15 and 17–19, each with a test that fails on the code before
the fix and asserts the real behaviour."""

import datetime
import io
import re

import pytest
from django.core import mail

from profrost.core.imports import run_import
from profrost.diagnostics.models import Campaign, Competence, CompetenceResult, Result
from profrost.people.models import Employment
from profrost.resources.models import Application, Community, Membership
from profrost.routes.models import Route, RouteItem
from tests.test_imports import write_csv
from tests.test_resources import make_cohort, make_program
from tests.test_results_import import MAP

TODAY = datetime.date.today()
START, END = TODAY, TODAY + datetime.timedelta(days=365)
RESULT_HEADERS = ["СНИЛС", "Дата", "1", "2", "3", "4"]


def _results(tmp_path, campaign, rows, name="r.csv"):
    run_import(
        "results", write_csv(tmp_path / name, rows, headers=RESULT_HEADERS), options={"campaign": campaign.pk}
    )


@pytest.fixture
def diagnosed(world, tmp_path):
    """Results of one federal campaign (item map MAP: МТ1 = items 1, 2 of 5 points; МТ4 = items 2, 3 of 8;
    ПП1 = item 4 of 1; deficit under 50 %, severe under 25 %):
    - teacher 0 (school 1.1.1, municipality 1.1): МТ1 2/5 = 40 % (deficit), МТ4 2/8 = 25 % (deficit),
      ПП1 0/1 = 0 % (severe);
    - teacher 1 (same school): ПП1 only (severe);
    - teacher 2 (school 1.1.2, same municipality): ПП1 only;
    - teacher 4 (school 1.2.1, municipality 1.2): ПП1 only."""
    instrument = run_import(
        "instrument", write_csv(tmp_path / "m.csv", MAP, headers=list(MAP[0])), options={"name": "ДПК"}
    ).created_id
    campaign = Campaign.objects.create(instrument_id=instrument, name="ДПК-2026", kind="federal")
    t = world["teachers"]
    full = {"1": "2", "2": "3", "3": "5", "4": "0"}
    _results(
        tmp_path,
        campaign,
        [
            {"СНИЛС": t[0].snils, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "2", "4": "0"},
            {"СНИЛС": t[1].snils, "Дата": "15.10.2026", **full},
            {"СНИЛС": t[2].snils, "Дата": "15.10.2026", **full},
            {"СНИЛС": t[4].snils, "Дата": "15.10.2026", **full},
        ],
    )
    return campaign


# --- 11. Route generation «Только для муниципалитета» -------------------------------------------------------


def test_generation_for_one_municipality_builds_routes_only_for_its_people(world, diagnosed, client):
    client.force_login(world["users"]["center_staff"])
    response = client.post(
        f"/routes/generate/campaign/{diagnosed.pk}/",
        {
            "municipality": str(world["municipalities"][0].pk),
            "hours": "72",
            "start": START.strftime("%d.%m.%Y"),
            "end": END.strftime("%d.%m.%Y"),
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()  # tasks run in-process in tests
    # Teachers 0, 1, 2 work in municipality 1.1; teacher 4 (municipality 1.2) is not generated.
    t = world["teachers"]
    assert set(Route.objects.values_list("person_id", flat=True)) == {t[0].pk, t[1].pk, t[2].pk}
    assert "Создано маршрутов: 3" in page
    # The whole region, asked for next, adds teacher 4 only.
    client.post(
        f"/routes/generate/campaign/{diagnosed.pk}/",
        {"hours": "72", "start": START.strftime("%d.%m.%Y"), "end": END.strftime("%d.%m.%Y")},
    )
    assert Route.objects.filter(person=t[4]).count() == 1 and Route.objects.count() == 4


# --- 12. The application's deficit -------------------------------------------------------------------------


def _deficit(person, code):
    return CompetenceResult.objects.get(result__person=person, competence__code=code, is_deficit=True)


def test_application_offers_and_keeps_the_persons_own_current_deficit(world, diagnosed, client):
    t = world["teachers"]
    school, mun = world["schools"][0], world["municipalities"][0]
    cohort = make_cohort(
        world,
        make_program(world, "Проектирование урока", ("МТ1",)),
        start=TODAY + datetime.timedelta(days=30),
        quotas={mun: 5},
    )
    job = {i: Employment.objects.get(person=t[i]).pk for i in (0, 1, 4)}
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.get(f"/resources/cohorts/{cohort.pk}/").content.decode()
    select = re.search(r'<select name="deficit".*?</select>', page, re.S).group(0)
    # No teacher chosen yet: pick automatically (the default) or give none; nobody's deficits are listed.
    assert 'value="auto" selected' in select and 'value=""' in select and "МТ1" not in select
    # Once one teacher is chosen, the page loads that teacher's deficits from the latest diagnosis: the one the
    # program develops first and marked; nobody else's.
    mt1, pp1_t0, pp1_t1 = _deficit(t[0], "МТ1"), _deficit(t[0], "ПП1"), _deficit(t[1], "ПП1")
    url = f"/resources/cohorts/{cohort.pk}/deficits/"
    options = client.get(url, {"job": job[0]}).json()["results"]
    assert [o["id"] for o in options][0] == mt1.pk and pp1_t0.pk in [o["id"] for o in options]
    assert "развивает программа" in options[0]["label"] and any("(выраженный)" in o["label"] for o in options)
    assert pp1_t1.pk not in [o["id"] for o in options]
    # A teacher outside the coordinator's scope: nothing.
    assert client.get(url, {"job": job[4]}).json() == {"results": []}
    # Another person's deficit — in scope (teacher 1) or not (teacher 4) — is refused, nothing is created; the
    # form comes back with the teacher still chosen and that teacher's deficits listed.
    for foreign in (pp1_t1, _deficit(t[4], "ПП1")):
        response = client.post(
            f"/resources/cohorts/{cohort.pk}/apply/", {"people": job[0], "deficit": str(foreign.pk)}
        )
        page = response.content.decode()
        assert "Этот дефицит не относится к выбранному педагогу" in page
        assert f'<option value="{job[0]}" selected>{t[0].full_name} — {school.name}</option>' in page
        assert f'<option value="{mt1.pk}">' in page
        assert not Application.objects.exists()
    # For several teachers a deficit is picked automatically or not given.
    page = client.post(
        f"/resources/cohorts/{cohort.pk}/apply/", {"people": [job[0], job[1]], "deficit": str(mt1.pk)}
    ).content.decode()
    assert "дефицит подбирается автоматически или не указывается" in page
    assert not Application.objects.exists()
    # A person outside the coordinator's scope cannot be applied for, with or without their deficit.
    client.post(
        f"/resources/cohorts/{cohort.pk}/apply/",
        {"people": job[4], "deficit": str(_deficit(t[4], "ПП1").pk)},
    )
    assert not Application.objects.exists()
    # The applicant's own deficit is kept and shown in the list.
    client.post(f"/resources/cohorts/{cohort.pk}/apply/", {"people": job[0], "deficit": str(mt1.pk)})
    application = Application.objects.get()
    assert (application.person_id, application.deficit_id) == (t[0].pk, mt1.pk)
    page = client.get(f"/resources/cohorts/{cohort.pk}/").content.decode()
    table = re.search(r'<table class="table table-sm" id="applications">.*?</table>', page, re.S).group(0)
    assert "<th>Дефицит</th>" in table and f"<td>МТ1 {mt1.competence.name}</td>" in table


def test_applying_for_several_picks_each_ones_deficit_the_program_develops(world, diagnosed, client):
    """«Подобрать»: each teacher's current deficit in a competence the program develops, none for a teacher
    without one."""
    t = world["teachers"]
    cohort = make_cohort(
        world,
        make_program(world, "Проектирование урока", ("МТ1",)),
        start=TODAY + datetime.timedelta(days=30),
        quotas={world["municipalities"][0]: 5},
    )
    client.force_login(world["users"]["school_coordinator_in"])
    jobs = [Employment.objects.get(person=t[i]).pk for i in (0, 1)]
    page = client.post(
        f"/resources/cohorts/{cohort.pk}/apply/", {"people": jobs, "deficit": "auto"}, follow=True
    ).content.decode()
    assert "Подано заявок: 2; в листе ожидания: 0." in page
    assert dict(Application.objects.values_list("person_id", "deficit_id")) == {
        t[0].pk: _deficit(t[0], "МТ1").pk,
        t[1].pk: None,  # ПП1 only: the program does not develop it
    }


# --- 13. Registers: drafts are not developed routes --------------------------------------------------------


def test_registers_count_approved_routes_as_developed_and_drafts_apart(world, client):
    t = world["teachers"]
    # Municipality 1.1 (teachers 0–3): a draft, a route under review, an approved one, one in progress.
    # Municipality 1.2 (teachers 4–7): a completed route and a draft. A cancelled one counts nowhere.
    for person, status in [
        (t[0], "draft"),
        (t[1], "review"),
        (t[2], "approved"),
        (t[3], "in_progress"),
        (t[4], "done"),
        (t[5], "draft"),
        (t[6], "cancelled"),
    ]:
        Route.objects.create(person=person, start=START, end=END, status=status)
    from profrost.routes.registers import register_rows

    rows, total = register_rows(world["users"]["center_staff"])
    by_name = {r["name"]: r for r in rows}
    keys = ("with_route", "drafts", "review", "developed", "in_progress", "done")
    first, second = world["municipalities"][0].name, world["municipalities"][1].name
    # By hand: 1.1 → developed = approved + in progress = 2 (2 people), 1 draft, 1 under review;
    # 1.2 → developed = the completed one (1 person), 1 draft; the region: 3 developed, 2 drafts.
    assert tuple(by_name[first][k] for k in keys) == (2, 1, 1, 2, 1, 0)
    assert tuple(by_name[second][k] for k in keys) == (1, 1, 0, 1, 0, 1)
    assert tuple(total[k] for k in keys) == (3, 2, 1, 3, 1, 1)
    client.force_login(world["users"]["center_staff"])
    page = client.get("/routes/registers/").content.decode()
    headers = re.findall(r'<th class="text-end">([^<]+)</th>', page)
    assert headers[1:5] == [
        "С разработанным маршрутом",
        "Черновики",
        "На согласовании",
        "Разработано (утверждено)",
    ]
    foot = re.search(r"<tfoot>.*?</tfoot>", page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r'<td class="text-end">(.*?)</td>', foot)]
    assert cells[:5] == ["0", "3", "2", "1", "3"]
    from openpyxl import load_workbook

    response = client.get("/routes/registers/?format=xlsx")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(body))
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[0][2:6] == (
        "С разработанным маршрутом",
        "Черновики",
        "На согласовании",
        "Разработано (утверждено)",
    )
    assert sheet[-1][0] == "Итого" and sheet[-1][2:6] == (3, 2, 1, 3)


# --- 14. The route document against the template (seed 002_…) ----------------------------------------------


@pytest.fixture
def documented_route(world, diagnosed):
    """Teacher 0's route with a line in every section: a course, a community line (an association the
    teacher leads), a presentation, a material, and both kinds of mentoring."""
    from profrost.routes.generation import generate_for_campaign

    teacher = world["teachers"][0]
    association = Community.objects.create(
        name="РМО учителей математики", kind="association", level="regional"
    )
    association.competences.set(Competence.objects.filter(code="МТ1"))
    Membership.objects.create(community=association, person=teacher, status="leader")
    generate_for_campaign(diagnosed, 72, START, END, person_ids=[teacher.pk])
    route = Route.objects.get(person=teacher)
    extra = [
        ("2.1", "Формирующее оценивание на уроке", "региональная конференция"),
        ("2.2", "Сборник заданий по функциональной грамотности", "сайт школы"),
        ("3", "Работа с наставником", "планирование уроков"),
        ("3", "Работа в качестве наставника", "учитель математики (молодой специалист), оценивание"),
    ]
    for n, (section, content, form) in enumerate(extra, start=10):
        RouteItem.objects.create(route=route, section=section, position=n, content=content, form=form)
    return route


def _docx(client, route):
    from docx import Document

    return Document(io.BytesIO(client.get(f"/routes/{route.pk}/document.docx").content))


def _rows(table):
    """Each row's texts, a merged cell once."""
    out = []
    for row in table.rows:
        texts, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                texts.append(cell.text)
        out.append(texts)
    return out


def test_route_document_follows_the_template(world, documented_route, client):
    route, teacher = documented_route, world["teachers"][0]
    assert route.items.get(section="1.4").form == "участие в работе, статус: руководитель"
    client.force_login(world["users"]["teacher_in"])
    doc = _docx(client, route)
    header, first, second = (_rows(t) for t in doc.tables)
    names = {c.code: c.name for c in Competence.objects.filter(code__in=["МТ1", "МТ4", "ПП1"])}
    # The deficits with their severity, not the result's overall level («низкий»).
    level = dict(header)["Уровень профессиональных дефицитов"]
    assert level == (
        f"выраженный дефицит: ПП1 {names['ПП1']} (0 %); "
        f"дефицит: МТ1 {names['МТ1']} (40 %), МТ4 {names['МТ4']} (25 %)"
    )
    assert Result.objects.get(person=teacher).level not in level
    columns = [
        "Содержание работы (мероприятие)",
        "Дополнительная информация (форма обучения, трудоёмкость (кол-во часов) и пр.)",
        "Сроки",
        "Рефлексивный отчёт",
    ]
    # Table 1: section 1 with the template's wording, 1.4's two sub-column rows, the association under its own
    # with the teacher's real status.
    assert first[0] == columns
    assert [r[0] for r in first if len(r) == 1] == [
        "1. Мероприятия, направленные на получение знаний и формирование или совершенствование умений для "
        "решения профессиональных задач",
        "1.1. Обучение по дополнительным профессиональным программам повышения квалификации и/или "
        "профессиональной переподготовки",
        "1.2. Стажировка (индивидуальная или групповая)",
        "1.3. Мероприятия, направленные на профессиональное развитие и обмен опытом (форум, конференция, "
        "семинар, вебинар, мастер-класс, конкурс, посещение урочных и внеурочных занятий учителей-методистов и пр.)",
        "1.4. Работа в профессиональных сообществах, методических объединениях",
    ]
    tail = first[
        [r[0] for r in first].index("1.4. Работа в профессиональных сообществах, методических объединениях")
        + 1 :
    ]
    period = f"{START:%d.%m.%Y} — {END:%d.%m.%Y}"
    assert tail == [
        ["Наименование профессионального сообщества", "Содержание работы", "", ""],
        ["Наименование методического объединения", "Статус педагога в методическом объединении", "", ""],
        ["РМО учителей математики", "статус: руководитель; участие в работе", period, ""],
    ]
    # Table 2: sections 2 and 3 — «3. Наставничество» once, the two fixed rows of section 3.
    assert second == [
        columns,
        ["2. Мероприятия, направленные на трансляцию / презентацию личного опыта"],
        ["2.1. Представление личного опыта"],
        ["Тема", "Мероприятие, на котором представлен опыт", "", ""],
        ["Формирующее оценивание на уроке", "региональная конференция", "", ""],
        ["2.2. Разработка собственных методических, учебно-методических материалов"],
        ["Наименование продукта (материалов)", "Где представлены, размещены, используются", "", ""],
        ["Сборник заданий по функциональной грамотности", "сайт школы", "", ""],
        ["3. Наставничество"],
        ["Работа с наставником", "Основные направления работы с наставником", "", ""],
        ["Работа с наставником", "планирование уроков", "", ""],
        [
            "Работа в качестве наставника",
            "Должность педагога, у которого является наставником, основные направления работы",
            "",
            "",
        ],
        ["Работа в качестве наставника", "учитель математики (молодой специалист), оценивание", "", ""],
    ]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Продолжительность прохождения ИОМ\nНачало " in text
    # The HTML behind the PDF says the same.
    from django.template.loader import render_to_string

    from profrost.routes.document import COLUMNS, document_data

    html = render_to_string("routes/route_pdf.html", {**document_data(route), "columns": COLUMNS})
    assert html.count("3. Наставничество") == 1
    assert "статус: руководитель; участие в работе" in html and "статус: член" not in html
    assert '<td class="section">Работа в качестве наставника</td>' in html
    assert f"выраженный дефицит: ПП1 {names['ПП1']} (0 %)" in html
    assert f"<p>Начало {START:%d.%m.%Y}</p>" in html


def test_community_line_status_follows_the_membership(world, documented_route, client):
    route, teacher = documented_route, world["teachers"][0]
    client.force_login(world["users"]["teacher_in"])
    Membership.objects.filter(person=teacher).update(status="expert")
    rows = _rows(_docx(client, route).tables[1])
    assert [
        "РМО учителей математики",
        "статус: эксперт; участие в работе",
        f"{START:%d.%m.%Y} — {END:%d.%m.%Y}",
        "",
    ] in rows
    Membership.objects.filter(person=teacher).delete()
    rows = _rows(_docx(client, route).tables[1])
    assert any(r[1:2] == ["статус: не состоит (вступление запланировано); участие в работе"] for r in rows)


# --- 15. A federal item map without types ------------------------------------------------------------------


def test_federal_item_map_without_type_key_text_imports_and_takes_points(world, tmp_path, client):
    federal = [
        {"Номер": "1", "Компетенция": "МТ1", "Макс. балл": "2"},
        {"Номер": "2", "Компетенция": "МТ1;МТ4", "Макс. балл": "3"},
        {"Номер": "3", "Компетенция": "МТ4", "Макс. балл": "5"},
        {"Номер": "4", "Компетенция": "ПП1", "Макс. балл": "1"},
    ]
    result = run_import(
        "instrument",
        write_csv(tmp_path / "fioko.csv", federal, headers=["Номер", "Компетенция", "Макс. балл"]),
        options={"name": "ФИОКО-2026"},
    )
    assert result.written and result.created_id
    from profrost.diagnostics.models import Instrument

    instrument = Instrument.objects.get(pk=result.created_id)
    assert instrument.items.count() == 4 and not instrument.items.exclude(key="").exists()
    campaign = Campaign.objects.create(instrument=instrument, name="ФИОКО-2026", kind="federal")
    teacher = world["teachers"][0]
    _results(
        tmp_path,
        campaign,
        [{"СНИЛС": teacher.snils, "Дата": "15.10.2026", "1": "2", "2": "3", "3": "5", "4": "0"}],
    )
    scored = Result.objects.get(campaign=campaign, person=teacher)
    assert (scored.status, scored.total_score, scored.max_score) == ("scored", 10, 11)
    assert list(
        CompetenceResult.objects.filter(result=scored, is_deficit=True).values_list(
            "competence__code", flat=True
        )
    ) == ["ПП1"]
    # A key without a type stays an error (the key could not be checked).
    bad = run_import(
        "instrument",
        write_csv(
            tmp_path / "bad.csv",
            [{"Номер": "1", "Компетенция": "МТ1", "Макс. балл": "2", "Ключ": "3"}],
            headers=["Номер", "Компетенция", "Макс. балл", "Ключ"],
        ),
        options={"name": "С ключом"},
    )
    assert not bad.written
    assert any("не указан тип задания" in str(e) for e in bad.errors)


# --- 17. The school coordinator's «Организации» --------------------------------------------------------------


def test_school_coordinator_sees_their_own_organization_in_the_tree(world, client):
    school, mun = world["schools"][0], world["municipalities"][0]
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.get("/structure/").content.decode()
    assert "Организаций пока нет" not in page
    assert f"{mun.name} — организаций: 1, педагогов:" in page
    assert f"/structure/municipality/{mun.pk}/organizations/" in page
    fragment = client.get(f"/structure/municipality/{mun.pk}/organizations/")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert school.name in body and world["schools"][1].name not in body
    # Nothing of another municipality.
    other = world["municipalities"][3]
    assert other.name not in page
    assert client.get(f"/structure/municipality/{other.pk}/organizations/").status_code == 404


# --- 18. Pages point to the upload pages, not to a command ---------------------------------------------------


def test_pages_link_to_the_upload_pages_instead_of_commands(world, client):
    client.force_login(world["users"]["center_staff"])
    instruments = client.get("/diagnostics/instruments/").content.decode()
    assert 'href="/imports/instrument/upload/"' in instruments and "profrost import" not in instruments
    campaigns = client.get("/diagnostics/campaigns/").content.decode()
    assert 'href="/imports/results/upload/"' in campaigns and "profrost import" not in campaigns
    choose = client.get("/imports/results/upload/").content.decode()
    assert 'href="/diagnostics/campaigns/new/"' in choose and "profrost diagnostics" not in choose
    # A viewer who may not upload is not sent there.
    client.force_login(world["users"]["municipal_coordinator_in"])
    campaigns = client.get("/diagnostics/campaigns/").content.decode()
    assert "/imports/results/upload/" not in campaigns and "profrost import" not in campaigns


def test_federal_campaign_page_offers_the_results_upload(world, diagnosed, client):
    client.force_login(world["users"]["center_staff"])
    page = client.get(f"/diagnostics/campaigns/{diagnosed.pk}/").content.decode()
    assert f'href="/imports/results/upload/?campaign={diagnosed.pk}"' in page


# --- 19. Email after the commit; one commit of an import ----------------------------------------------------


def test_route_email_is_sent_after_the_commit(world, settings, django_capture_on_commit_callbacks):
    from profrost.routes import actions

    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator = world["users"]["school_coordinator_in"]
    coordinator.email = "school@example.org"
    coordinator.save()
    route = Route.objects.create(person=world["teachers"][0], start=START, end=END)
    RouteItem.objects.create(route=route, section="1.1", content="Курс")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.submit(route, world["users"]["teacher_in"])
        assert mail.outbox == []  # nothing leaves while the route's row is locked
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["school@example.org"]
    assert "ИОМ на согласование" in mail.outbox[0].subject
    # The bell is written with the change itself.
    assert coordinator.notifications.filter(text__startswith="ИОМ на согласование").count() == 1


def test_rolled_back_change_sends_no_email(world, settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    from profrost.routes import actions

    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator = world["users"]["school_coordinator_in"]
    coordinator.email = "school@example.org"
    coordinator.save()
    route = Route.objects.create(person=world["teachers"][0], start=START, end=END)
    RouteItem.objects.create(route=route, section="1.1", content="Курс")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                actions.submit(route, world["users"]["teacher_in"])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert mail.outbox == []


def test_double_submit_of_an_import_commits_once(world, client, tmp_path, settings, monkeypatch):
    from profrost.core import import_views
    from profrost.core.models import ImportJob
    from profrost.diagnostics.models import Instrument

    settings.UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(world["users"]["center_staff"])
    path = write_csv(tmp_path / "map.csv", MAP, headers=list(MAP[0]))
    with open(path, "rb") as fh:
        client.post("/imports/instrument/upload/", {"file": fh, "name": "ДПК"})
    job = ImportJob.objects.get()
    assert job.state == "validated"
    # Two submits of the commit: the second request read the job before the first one moved it.
    stale = ImportJob.objects.get(pk=job.pk)
    first = client.post(f"/imports/job/{job.pk}/commit/")
    assert first.status_code == 302
    monkeypatch.setattr(import_views, "_my_job", lambda request, pk: stale)
    client.raise_request_exception = False
    second = client.post(f"/imports/job/{job.pk}/commit/", follow=True)
    assert second.status_code == 200
    assert "Этот файл уже загружается или загружен" in second.content.decode()
    job.refresh_from_db()
    assert job.state == "done" and Instrument.objects.count() == 1
    # Also when the stale request comes first in the queue of states: a job moved to «importing» by another
    # request is not committed by this one.
    ImportJob.objects.filter(pk=job.pk).update(state="importing")
    stale.state = "validated"
    third = client.post(f"/imports/job/{job.pk}/commit/", follow=True)
    assert third.status_code == 200 and Instrument.objects.count() == 1


def test_registers_place_people_by_the_unit_rule_of_today(world, client):
    """The registers use the one rule of who counts where (people/units.py, docs/domain.md §4): the main job
    active today. Teacher 0's main job (municipality 1.1) ended yesterday; a second job at a school of
    municipality 1.2 goes on — the route counts in 1.2, and 1.1's drill-down no longer lists it."""
    from profrost.people.models import Position
    from profrost.routes.registers import register_rows

    t = world["teachers"]
    job = Employment.objects.get(person=t[0])
    job.end = TODAY - datetime.timedelta(days=1)
    job.save()
    other_school = world["schools"][2]
    assert other_school.municipality_id == world["municipalities"][1].pk
    Employment.objects.create(
        person=t[0], organization=other_school, position=Position.objects.get(name="учитель"), is_main=False
    )
    Route.objects.create(person=t[0], start=START, end=END, status="approved")
    first, second = world["municipalities"][0], world["municipalities"][1]
    rows, total = register_rows(world["users"]["center_staff"])
    by_name = {r["name"]: r for r in rows}
    assert by_name[second.name]["developed"] == 1
    assert first.name not in by_name or by_name[first.name]["developed"] == 0
    assert total["developed"] == 1
    rows, _ = register_rows(world["users"]["center_staff"], municipality_id=first.pk)
    assert sum(r["developed"] for r in rows) == 0
    rows, _ = register_rows(world["users"]["center_staff"], municipality_id=second.pk)
    assert {r["name"]: r["developed"] for r in rows if r["developed"]} == {other_school.name: 1}
    # the routes list a register's number opens agrees
    client.force_login(world["users"]["center_staff"])
    name = t[0].last_name
    assert name not in client.get("/routes/", {"municipality": first.pk}).content.decode()
    assert name in client.get("/routes/", {"municipality": second.pk}).content.decode()

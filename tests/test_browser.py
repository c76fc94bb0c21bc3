"""Playwright driving Debian's Chromium: a municipal coordinator loads staff with an error in it."""

import os
from decimal import Decimal

import pytest

from profrost.core.validators import inn10
from tests.factories import valid_snils
from tests.test_imports import HEADERS, staff_row, write_csv

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_imports_valid_rows_and_finds_the_new_teacher(
    world, live_server, page, tmp_path, settings
):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    for i, school in enumerate(world["schools"]):
        school.inn = inn10(f"3400000{i:02d}")
        school.save()
    new_snils = valid_snils()
    good = staff_row(world, СНИЛС=new_snils, Фамилия="Лебедева", Имя="Дарья")
    good["ИНН организации"] = world["schools"][1].inn
    bad = staff_row(world, СНИЛС="112-233-445 96", Фамилия="Ошибкина")
    bad["ИНН организации"] = world["schools"][1].inn
    path = write_csv(tmp_path / "staff.csv", [good, bad], headers=HEADERS)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "mc_in")
    page.fill("#id_password", "Пароль-для-теста-2024")
    page.click("button[type=submit]")
    page.click("nav >> text=Реестр")  # the registry's pages sit in one menu
    page.click("text=Загрузка данных")
    page.click("text=Загрузить: педагоги")
    page.set_input_files("#id_file", str(path))
    page.click("text=Проверить файл")

    errors = page.locator(".import-errors li")
    assert errors.count() == 1
    assert errors.first.inner_text() == "строка 3, «СНИЛС»: неверная контрольная сумма СНИЛС"
    assert page.inner_text("#count-new") == "1" and page.inner_text("#count-errors") == "1"

    page.check("#skip_invalid")
    page.click("button:has-text('Загрузить')")
    assert "Загружено: новых 1" in page.inner_text(".alert-success")

    page.click("nav >> text=Реестр")
    page.click("nav >> text=Педагоги")
    formatted = f"{new_snils[0:3]}-{new_snils[3:6]}-{new_snils[6:9]} {new_snils[9:]}"
    page.fill("input[name=q]", formatted)
    page.click("button:has-text('Найти')")
    assert new_snils not in page.url  # SNILS never travels in a URL
    assert "Найдено: 1" in page.inner_text("#people-table")
    page.click("text=Лебедева Дарья")
    assert page.inner_text("#person-snils") == formatted


def test_teacher_closes_the_test_halfway_comes_back_and_sees_deficits(world, live_server, page):
    from profrost.diagnostics import taking
    from profrost.diagnostics.models import Campaign, Competence, CompetenceGroup, Instrument, Item, Result

    instrument = Instrument.objects.create(name="Региональный тест")
    first = Item.objects.create(
        instrument=instrument,
        number="1",
        position=1,
        type="single",
        key="2",
        max_score=1,
        options=["первый", "второй"],
        text="Какой вариант верный?",
    )
    second = Item.objects.create(
        instrument=instrument, number="2", position=2, type="short", key="Ёлка", max_score=2, text="Слово?"
    )
    # A transactional test starts from a flushed database: make the competences it needs.
    group = CompetenceGroup.objects.get_or_create(code="МТ", defaults={"name": "Методические"})[0]
    first.competences.add(
        Competence.objects.get_or_create(code="МТ1", defaults={"name": "Урок", "group": group})[0]
    )
    second.competences.add(
        Competence.objects.get_or_create(code="МТ2", defaults={"name": "Оценивание", "group": group})[0]
    )
    campaign = Campaign.objects.create(
        instrument=instrument, name="Региональная ДПК", kind="regional", one_per_screen=True
    )
    campaign.organizations.add(world["schools"][0])
    taking.invite_participants(campaign)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "teacher_in")
    page.fill("#id_password", "Пароль-для-теста-2024")
    page.click("button[type=submit]")
    page.click("text=Мои тесты")
    page.click("text=Начать")
    page.check("text=второй")
    page.wait_for_selector(".save-state >> text=сохранено")
    # The tab is closed halfway; the teacher comes back in a new one.
    context = page.context
    page.close()
    page = context.new_page()
    page.goto(f"{live_server.url}/diagnostics/my/")
    page.click("text=Продолжить")
    assert page.is_checked("text=второй")
    page.click("text=Далее")
    page.fill("input[name=answer]", "сосна")
    page.press("input[name=answer]", "Tab")
    page.wait_for_selector(".save-state >> text=сохранено")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=Завершить тест")
    # 1 of 3 points: 33.33 % → низкий; МТ1 100 %, МТ2 0 % — a severe deficit.
    assert page.inner_text("#level") == "низкий"
    assert "выраженный" in page.inner_text("main")
    result = Result.objects.get(person=world["inside"]["teacher"])
    assert (result.total_percent, result.status) == (Decimal("33.33"), "scored")


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Пароль-для-теста-2024")
    page.click("button[type=submit]")


def test_application_to_certificate_across_four_roles(world, live_server, page, browser):
    from profrost.diagnostics.models import Competence, CompetenceGroup
    from profrost.resources.models import Enrollment
    from tests.test_resources import make_cohort

    group = CompetenceGroup.objects.get_or_create(code="МТ", defaults={"name": "Методические"})[0]
    Competence.objects.get_or_create(code="МТ1", defaults={"name": "Урок", "group": group})
    cohort = make_cohort(world, capacity=5, quotas={world["municipalities"][0]: 1})
    first, second = world["teachers"][0], world["teachers"][1]
    school = world["schools"][0]
    url = f"{live_server.url}/resources/cohorts/{cohort.pk}/"

    # The school coordinator applies for two teachers: the second is over quota and waits.
    _login(page, live_server, "sc_in")
    page.goto(url)
    for teacher in (first, second):
        page.fill("#id_people", teacher.last_name)
        page.click(f"#id_people_list [role=option]:has-text('{teacher.full_name} — {school.name}')")
        if teacher == second:
            page.check("#id_waitlist")
        page.click("#apply-form button[type=submit]")
        page.wait_for_load_state()
    assert "Подано заявок: 0; в листе ожидания: 1" in page.inner_text(".alert")

    # The municipal coordinator confirms the one within the quota.
    context = browser.new_context()
    mc = context.new_page()
    _login(mc, live_server, "mc_in")
    mc.goto(url)
    mc.click("#applications >> text=Подтвердить")
    assert "Заявка подтверждена" in mc.inner_text(".alert")
    context.close()

    # The center enrolls, marks the study and the completion with a certificate.
    context = browser.new_context()
    center = context.new_page()
    _login(center, live_server, "center_staff")
    center.goto(url)
    center.click("#applications >> text=Зачислить")
    center.click("#enrollments >> text=Сохранить")  # → обучается
    center.select_option("#enrollments select[name=attestation]", "yes")
    center.fill("#enrollments input[name=certificate_number]", "342400777001")
    center.fill("#enrollments input[name=certificate_date]", "2026-12-25")  # a date input
    center.click("#enrollments >> text=Сохранить")
    assert "Сохранено" in center.inner_text(".alert")
    context.close()
    assert Enrollment.objects.get(person=first).status == "completed"

    # The teacher's growth record shows the certificate.
    context = browser.new_context()
    teacher = context.new_page()
    _login(teacher, live_server, "teacher_in")
    teacher.click("text=Моя карточка")
    assert "№ 342400777001 от 25.12.2026" in teacher.inner_text("#growth-programs")
    context.close()


def test_route_from_draft_to_closing_and_pdf(world, live_server, page, browser, tmp_path, settings):
    import datetime

    from profrost.core.imports import run_import
    from profrost.diagnostics.models import Campaign, Competence, CompetenceGroup
    from profrost.routes.generation import generate_for_campaign
    from profrost.routes.models import Route
    from tests.test_imports import write_csv
    from tests.test_resources import make_cohort, make_program
    from tests.test_results_import import MAP

    settings.MEDIA_ROOT = tmp_path / "files"
    for group, codes in (("МТ", ("МТ1", "МТ4")), ("ПП", ("ПП1",))):
        g = CompetenceGroup.objects.get_or_create(code=group, defaults={"name": group})[0]
        for code in codes:
            Competence.objects.get_or_create(code=code, defaults={"name": f"Компетенция {code}", "group": g})
    instrument = run_import(
        "instrument", write_csv(tmp_path / "m.csv", MAP, headers=list(MAP[0])), options={"name": "ДПК"}
    ).created_id
    campaign = Campaign.objects.create(instrument_id=instrument, name="ДПК-2026", kind="federal")
    teacher = world["teachers"][0]
    run_import(
        "results",
        write_csv(
            tmp_path / "r.csv",
            [{"СНИЛС": teacher.snils, "Дата": "15.10.2026", "1": "0", "2": "0", "3": "1", "4": "0"}],
            headers=["СНИЛС", "Дата", "1", "2", "3", "4"],
        ),
        options={"campaign": campaign.pk},
    )
    today = datetime.date.today()
    make_cohort(
        world,
        make_program(world, "Формирующее оценивание", ("МТ1", "МТ4"), federal=True),
        start=today + datetime.timedelta(days=20),
        quotas={world["municipalities"][0]: 3},
    )
    generate_for_campaign(campaign, 72, today, today + datetime.timedelta(days=300))
    route = Route.objects.get(person=teacher)
    Route.objects.filter(pk=route.pk).update(tutor=world["users"]["methodologist"])

    # The teacher opens the generated route, edits its item, sends it for approval.
    _login(page, live_server, "teacher_in")
    page.click("text=Маршруты")
    page.click(f"#routes >> text={teacher.full_name}")
    assert "Формирующее оценивание" in page.inner_text("main")
    assert "ПП1" in page.inner_text(".alert-warning")  # nothing in the catalog covers ПП1
    page.click("td a:text-is('изменить')")
    page.fill("#id_form", "заочная с ДОТ, по субботам")
    page.click("button[type=submit] >> text=Сохранить")
    assert "Пункт сохранён" in page.inner_text(".alert")
    page.click("text=Отправить на согласование")
    assert "на согласовании" in page.inner_text("#route-status")

    # The school coordinator approves.
    context = browser.new_context()
    school = context.new_page()
    _login(school, live_server, "sc_in")
    school.goto(f"{live_server.url}/routes/{route.pk}/")
    school.click("text=Согласовать")
    assert "утверждён" in school.inner_text("#route-status")
    context.close()

    # The teacher reports on the item with a file.
    evidence = tmp_path / "сертификат.pdf"
    evidence.write_bytes(b"%PDF-1.4 test")
    page.reload()
    page.click("summary >> text=Написать отчёт")
    page.fill("textarea[name=report]", "Прошла курс, применяю приёмы формирующего оценивания на уроках.")
    page.set_input_files("input[name=files]", str(evidence))
    page.click("text=Отправить отчёт")
    assert "Отчёт сохранён" in page.inner_text(".alert")
    assert "сертификат.pdf" in page.inner_text("main")

    # The tutor accepts the report and closes the route.
    context = browser.new_context()
    tutor = context.new_page()
    _login(tutor, live_server, "methodologist")
    tutor.goto(f"{live_server.url}/routes/{route.pk}/")
    tutor.click("button >> text=Принять")
    assert "Отчёт принят" in tutor.inner_text(".alert")
    tutor.fill("#close-form input[name=comment]", "Маршрут выполнен, дефициты МТ1 и МТ4 проработаны.")
    tutor.click("text=Завершить успешно")
    assert "завершён успешно" in tutor.inner_text("#route-status")
    context.close()

    # The PDF downloads.
    page.reload()
    with page.expect_download() as download:
        page.click("#pdf-link")
    path = download.value.path()
    assert open(path, "rb").read(4) == b"%PDF"

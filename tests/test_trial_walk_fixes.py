"""Problems found by walking the trial as each role (issue 9 follow-up), each with the test that shows it."""

import os

import pytest
from django.urls import reverse

from profrost.people.models import Employment, Position
from tests.test_results_import import campaign  # noqa: F401 (fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.mark.django_db
def test_card_offers_no_edit_buttons_for_a_job_in_another_organization(world, client):
    """A teacher who moved in keeps the old school's job; the new school's coordinator may not edit or end
    it (403), so the card must not offer «изменить» / «завершить» for it."""
    teacher = world["teachers"][0]  # works in school 0 (school_coordinator_in's)
    elsewhere = Employment.objects.create(
        person=teacher,
        organization=world["schools"][7],
        position=Position.objects.get(name="учитель"),
        is_main=False,
    )
    own = Employment.objects.get(person=teacher, organization=world["schools"][0])
    client.force_login(world["users"]["school_coordinator_in"])
    html = client.get(reverse("people:detail", args=[teacher.pk])).content.decode()
    assert reverse("people:employment_edit", args=[own.pk]) in html
    assert reverse("people:employment_edit", args=[elsewhere.pk]) not in html
    assert reverse("people:employment_end", args=[elsewhere.pk]) not in html
    # What the buttons would lead to.
    assert client.get(reverse("people:employment_edit", args=[elsewhere.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["view=list", "view=list&q=Семинар&year=2025", "view=calendar"])
def test_event_list_tabs_and_filter_form_raise_no_false_filter_error(world, client, query):
    """The «Список» tab and the filter form's hidden field send view=list; the page must take it, not say
    «Неверное значение фильтра «Вид страницы»» on every search."""
    client.force_login(world["users"]["school_coordinator_in"])
    response = client.get(reverse("resources:events") + "?" + query)
    assert response.status_code == 200
    assert "Неверное значение фильтра" not in response.content.decode()


@pytest.mark.django_db
def test_results_upload_page_names_the_campaign_it_loads_into(world, campaign, client):  # noqa: F811
    """«Загрузить результаты» on a campaign's page opens the upload for that campaign: the page must say
    which one, or a user with several campaigns cannot tell where the file goes."""
    client.force_login(world["users"]["center_staff"])
    page = client.get(f"/imports/results/upload/?campaign={campaign}").content.decode()
    assert "Диагностика: <strong>ДПК-2026</strong>" in page


@pytest.mark.django_db
def test_community_add_member_form_is_labelled_and_adds_a_member_by_default(world, client):
    """The leader's «Добавить» row had a bare input (no label, no placeholder) and a status preset to
    «руководитель», so a quick «Добавить» made everyone a leader."""
    from profrost.resources.models import Community

    community = Community.objects.create(
        name="Клуб", kind="club", level="municipal", municipality=world["municipalities"][0]
    )
    client.force_login(world["users"]["municipal_coordinator_in"])
    html = client.get(reverse("resources:community", args=[community.pk])).content.decode()
    assert '<label class="form-label small mb-0" for="id_person">Педагог</label>' in html
    assert '<option value="member" selected>' in html
    assert 'placeholder="Тема заседания"' in html


def _browser_login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Пароль-для-теста-2024")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_do_not_scroll_sideways_on_a_phone_nor_on_a_laptop(world, live_server, page):
    """390 px: a wide table scrolled the whole page sideways (every list); 1366 px: a municipal
    coordinator's navigation (eight entries and a long name) ran past the window's right edge."""
    user = world["users"]["municipal_coordinator_in"]
    user.last_name, user.first_name = "Муниципальный координатор", "(демо) Алексеевского района"
    user.save()
    _browser_login(page, live_server, "mc_in")
    width = "document.documentElement.scrollWidth"
    for viewport, path in (
        ({"width": 390, "height": 844}, "/people/"),
        ({"width": 390, "height": 844}, "/structure/"),
        ({"width": 1366, "height": 900}, "/people/"),
    ):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(width) <= viewport["width"], (viewport, path)


@pytest.mark.django_db
def test_import_command_says_a_missing_file_is_missing(tmp_path):
    """`profrost import staff MISSING.csv` printed a FileNotFoundError traceback."""
    from django.core.management import CommandError, call_command

    missing = tmp_path / "нет-такого.csv"
    with pytest.raises(CommandError, match="файл не найден"):
        call_command("import", "staff", str(missing), "--dry-run")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["routes", "export", "--campaign", "1"],
        ["diagnostics", "export-results", "1"],
        ["diagnostics", "report", "1"],
    ],
)
def test_export_commands_say_a_missing_output_folder_before_working(tmp_path, args):
    """`--out` into a folder that does not exist printed a traceback after the whole export was built."""
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="папка для файла не найдена"):
        call_command(*args, "--out", str(tmp_path / "нет-папки" / "x.xlsx"))


@pytest.mark.django_db
def test_people_list_names_the_wrong_filter_instead_of_blaming_the_scope(world, client):
    """A mistyped sort key or a 5,000-character search was answered «значения вне вашей области доступа не
    учитываются» — even for the region's administrator, who has no scope limit. Say which filter was wrong."""
    client.force_login(world["users"]["region_admin"])
    html = client.get(reverse("people:list") + "?sort=bogus").content.decode()
    assert "«Сортировка»" in html
    html = client.get(reverse("people:list") + "?q=" + "x" * 5000).content.decode()
    assert "«ФИО»" in html


@pytest.mark.django_db
def test_community_form_offers_no_empty_organization_select(world, client):
    client.force_login(world["users"]["center_staff"])
    html = client.get(reverse("resources:community_create")).content.decode()
    assert 'name="name"' in html and 'name="organization"' not in html

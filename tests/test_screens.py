"""Any screen (issue 11, point 8): at 1366×900 and on a 390×844 phone no page scrolls sideways — wide tables
scroll inside their own box — and the navigation (with «Выйти») stays reachable."""

import os

import pytest

from tests.factories import PERSONAS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
PAGES = ["/", "/people/", "/structure/", "/routes/", "/resources/", "/diagnostics/", "/accounts/users/"]
# The widest roles: every menu of the region administrator, a coordinator's, a teacher's.
ROLES = {"region_admin": "region_admin", "school_coordinator_in": "sc_in", "teacher_in": "teacher_in"}

# scrollWidth of the document beyond its viewport: a sideways scroll of the whole page.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def route(world):
    """The teacher's route with long items in every kind of section: the widest page a teacher opens."""
    import datetime

    from profrost.routes.models import Route, RouteItem, Section

    today = datetime.date.today()
    route = Route.objects.create(
        person=world["teachers"][0], start=today, end=today + datetime.timedelta(days=300), status="approved"
    )
    for n, section in enumerate(Section.values):
        RouteItem.objects.create(
            route=route,
            section=section,
            position=n,
            content="Формирование функциональной грамотности обучающихся: читательская, математическая, "
            "естественнонаучная грамотность на уроках",
            form="очно-заочная с применением дистанционных образовательных технологий",
            hours=72,
            start=today,
            end=today + datetime.timedelta(days=30),
            reason="Дефицит ПП1 — проектирование образовательного процесса",
        )
    return route


@pytest.mark.parametrize("size", SIZES)
def test_no_page_scrolls_sideways(world, route, live_server, browser, size):
    assert set(ROLES) <= set(PERSONAS)
    pages = [*PAGES, f"/routes/{route.pk}/", "/routes/registers/", "/routes/uncovered/"]
    width, height = SIZES[size]
    wrong = []
    for persona, username in ROLES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "Пароль-для-теста-2024")
        page.click("button[type=submit]")
        opened = 0
        for path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status < 500, (persona, path, response.status)
            if response.status != 200:
                continue  # a page the role may not open
            opened += 1
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                wrong.append(f"{persona} {path}: {overflow} px wider than the {width} px screen")
        assert opened >= 3, (persona, opened)
        # The sign-out is reachable: on the phone behind the menu button.
        page.goto(f"{live_server.url}/")
        if size == "phone":
            page.click("button.navbar-toggler")
            page.wait_for_selector("#nav.show")  # the menu has finished opening
        page.click("a.user-menu")
        # Waits up to 5 s for the dropdown to show; raises if it never does.
        page.locator("button.dropdown-item:has-text('Выйти')").wait_for(state="visible", timeout=5000)
        if size == "desktop":
            box = page.locator("a.user-menu").bounding_box()
            assert box["x"] + box["width"] <= width, (persona, box)
        context.close()
    assert not wrong, "\n".join(wrong)

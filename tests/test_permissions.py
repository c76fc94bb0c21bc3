"""One place for "who may" (issue 9, point 10).

Role rules live in profrost.accounts.permissions, built on RoleCode. These tests hold the code to that:
no role-name literal elsewhere, and no page shows a link or a button its viewer would get 403 on.
"""

import ast
import datetime
import os
import re
from collections import deque
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from profrost.accounts.models import RoleCode
from tests.factories import PERSONAS

ROOT = Path(__file__).resolve().parent.parent / "profrost"
ROLE_NAMES = set(RoleCode.values)

# Where role names may be spelled out: the enum itself, migrations, and the code that generates demo data.
ALLOWED_FILES = {
    "accounts/roles.py",
    "people/seeding.py",
    "portal/demo.py",
    "portal/management/commands/trial.py",
}


def _allowed(relative):
    return relative in ALLOWED_FILES or "/migrations/" in f"/{relative}"


def _other_choices(tree):
    """String constants that are values of other enums (a qualification «методист», a member «эксперт»):
    the first element of a member tuple in a `class …(models.TextChoices)` body."""
    spared = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            (isinstance(b, ast.Attribute) and b.attr.endswith("Choices"))
            or (isinstance(b, ast.Name) and b.id.endswith("Choices"))
            for b in node.bases
        ):
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.value, ast.Tuple)
                    and stmt.value.elts
                    and isinstance(stmt.value.elts[0], ast.Constant)
                ):
                    spared.add(id(stmt.value.elts[0]))
    return spared


def test_no_role_name_literals_outside_the_role_enum():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if _allowed(relative):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        spared = _other_choices(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in ROLE_NAMES
                and id(node) not in spared
            ):
                found.append(f"{relative}:{node.lineno}: {node.value!r}")
    names = "|".join(sorted(ROLE_NAMES))
    quoted = re.compile(rf"""["']({names})["']""")
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in quoted.finditer(line):
                found.append(f"{relative}:{number}: {match.group(0)}")
    assert not found, "Role names outside RoleCode; use profrost.accounts.permissions:\n" + "\n".join(found)


def test_templates_ask_only_predicates_that_exist():
    """`{% if can.manage_campaings %}` would silently be false: every `can.…` a template uses is a predicate."""
    from profrost.core import rules

    used = {}
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        for name in re.findall(r"\bcan\.(\w+)", path.read_text(encoding="utf-8")):
            used.setdefault(name, path.relative_to(ROOT).as_posix())
    assert used, "the templates ask no predicates at all"
    unknown = {name: where for name, where in used.items() if name not in rules.names()}
    assert not unknown, unknown


# --- the crawl ----------------------------------------------------------------------------------------------------

PAGES_PER_PERSONA = 150
URLS_PER_VIEW = 3  # distinct URLs (objects, filters, pages) of one view that are worth visiting
SKIP_VIEWS = {"accounts:logout", "accounts:password_change"}
# CRAWL_DEBUG=1 (with pytest -s) prints every request of the crawl and its answer.


class _Links(HTMLParser):
    """Internal links, GET forms (as links) and POST forms with the values they would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.posts = [], []
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for attr in ("hx-get",):
            if a.get(attr):
                self.links.append(a[attr])
        if a.get("hx-post"):
            self.posts.append((a["hx-post"], {}))
        if tag == "form":
            method = (a.get("method") or "get").lower()
            action = a.get("action") or ""
            if method == "post":
                self._form = (action, {})
                self.posts.append(self._form)
            else:
                self._form = None
                self.links.append(action or "")
        elif tag in ("input", "button") and self._form is not None and a.get("name"):
            kind = (a.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind == "file":
                return
            self._form[1].setdefault(a["name"], a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _internal(base, href):
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc and parts.netloc not in ("testserver",):
        return None
    if parts.path.startswith(("/static/", "/media/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _is_pdf(url):
    """PDFs take a second each to typeset; each is another format of a view the crawl visits anyway (the
    same view, the same check: a route's DOCX, a result's page, the growth record's XLSX)."""
    parts = urlsplit(url)
    return parts.path.endswith(".pdf") or "format=pdf" in parts.query


def _view(url):
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


@pytest.fixture
def busy_world(world):
    """The world with something on every page: a campaign with results (one scored with deficits, one waiting
    for an expert), a route, a program with a cohort and an application, an event with a participant, an
    internship, a site report, a community with a member."""
    from profrost.core.models import ImportJob
    from profrost.diagnostics import taking
    from profrost.diagnostics.models import Campaign, Competence, Instrument, Item, Result
    from profrost.resources import models as r
    from profrost.routes.generation import generate_route
    from profrost.routes.models import Route, RouteItem, RouteStatus
    from profrost.structure.models import OrganizationStatus

    instrument = Instrument.objects.create(name="Обход")
    closed = Item.objects.create(
        instrument=instrument, number="1", position=1, type="single", key="2", max_score=1, options=["а", "б"]
    )
    open_item = Item.objects.create(instrument=instrument, number="2", position=2, type="open", max_score=2)
    competences = list(Competence.objects.order_by("code")[:2])
    closed.competences.add(competences[0])
    open_item.competences.add(competences[1])
    campaign = Campaign.objects.create(instrument=instrument, name="Обход", kind="regional", time_limit=30)
    campaign.municipalities.add(*world["municipalities"])
    taking.invite_participants(campaign)
    expert = world["users"]["expert"]
    # Teacher 0 (teacher_in) is scored, teacher 14's open answer waits for an expert, teacher 15 (teacher_out)
    # has a test to take.
    for index in (0, 14):
        result = taking.start(Result.objects.get(campaign=campaign, person=world["teachers"][index]))
        taking.save_answer(result, closed, "1")
        taking.save_answer(result, open_item, "Ответ")
        taking.submit(result)
    scored = Result.objects.get(campaign=campaign, person=world["teachers"][0])
    pending = scored.item_scores.get(item=open_item)
    taking.score_open_answer(pending, Decimal("0"), "", expert)
    scored.refresh_from_db()
    route, _ = generate_route(scored)
    route.tutor = world["users"]["methodologist"]
    route.save()
    RouteItem.objects.create(route=route, section="1.3", content="Самообразование")
    # A second route under way (teacher_out's), with an item to report on.
    running = Route.objects.create(
        person=world["teachers"][15],
        start=datetime.date.today(),
        end=datetime.date.today() + datetime.timedelta(days=90),
        status=RouteStatus.IN_PROGRESS,
        tutor=world["users"]["methodologist"],
    )
    RouteItem.objects.create(route=running, section="1.3", content="Самообразование", status="in_progress")
    for user in ("region_admin", "school_coordinator_in"):
        ImportJob.objects.create(user=world["users"][user], kind="staff", original_name="штат.csv")

    day = datetime.date.today() + datetime.timedelta(days=30)
    teacher, school = world["teachers"][0], world["schools"][0]
    program = r.Program.objects.create(title="Обход", hours=36, form="distance", provider=world["center"])
    cohort = r.Cohort.objects.create(program=program, start=day, end=day, capacity=5)
    r.Application.objects.create(
        cohort=cohort, person=teacher, organization=school, municipality=school.municipality
    )
    enrolled = r.Application.objects.create(
        cohort=cohort,
        person=world["teachers"][1],
        organization=school,
        municipality=school.municipality,
        status="enrolled",
    )
    r.Enrollment.objects.create(cohort=cohort, person=world["teachers"][1], application=enrolled)
    event = r.Event.objects.create(
        title="Обход", kind="seminar", level="regional", organizer=world["center"], start=day, end=day
    )
    r.Participation.objects.create(event=event, person=teacher)
    OrganizationStatus.objects.create(organization=school, kind="internship_site", start=day)
    internship = r.Internship.objects.create(title="Обход", site=school, start=day, end=day, capacity=3)
    r.InternshipParticipant.objects.create(internship=internship, person=teacher)
    r.SiteReport.objects.create(site=school, month=day.replace(day=1), text="x")
    community = r.Community.objects.create(name="Обход", kind="club", level="regional")
    r.Membership.objects.create(community=community, person=teacher)
    return world


def _crawl(client, persona):
    """Breadth first from the home page; returns the 403s met and the POST forms seen (action → data, page)."""
    denied, posts = [], {}
    queue = deque([("/", "(start)")])
    seen, per_view, post_views, visited = {"/"}, {}, {}, 0
    while queue and visited < PAGES_PER_PERSONA:
        url, referrer = queue.popleft()
        view = _view(url)
        if view in SKIP_VIEWS:
            continue
        visited += 1
        response = _rolled_back(client.get, url)
        if os.environ.get("CRAWL_DEBUG"):
            print(persona, "GET", url, response.status_code, referrer)
        if response.status_code in (403, 404) and referrer != "(start)":
            # A link its viewer is refused (403) or that leads nowhere for them (404: outside their scope).
            denied.append(f"{persona}: GET {url} (link on {referrer}) → {response.status_code}")
            continue
        if response.status_code in (301, 302, 303):
            target = _internal(url, response["Location"])
            if target and target not in seen and not target.startswith("/accounts/login/"):
                seen.add(target)
                queue.appendleft((target, referrer))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = _internal(url, href)
            if target is None or target in seen:
                continue
            target_view = _view(target)
            if target_view is None or target_view in SKIP_VIEWS or _is_pdf(target):
                continue
            if per_view.get(target_view, 0) >= URLS_PER_VIEW:
                continue
            per_view[target_view] = per_view.get(target_view, 0) + 1
            seen.add(target)
            queue.append((target, url))
        for action, data in parser.posts:
            target = _internal(url, action) or urlsplit(url).path
            target_view = _view(target)
            if target_view in SKIP_VIEWS or target in posts:
                continue
            if post_views.get(target_view, 0) >= URLS_PER_VIEW:
                continue
            post_views[target_view] = post_views.get(target_view, 0) + 1
            posts[target] = (data, url)
    return denied, posts


def _rolled_back(method, url, data=None):
    """One request in a savepoint that is rolled back: a POST changes nothing, and the locks a request takes
    are released at once rather than held by the test's transaction to its end."""
    with transaction.atomic():
        response = method(url, data) if data is not None else method(url)
        transaction.set_rollback(True)
    return response


@pytest.mark.django_db
def test_no_page_offers_what_its_viewer_may_not_do(busy_world, client):
    """Every link and GET form a persona is shown opens for them; every POST form they are shown is not refused
    with 403 (submitted with the form's own values, then rolled back)."""
    problems = []
    client.raise_request_exception = False  # a 500 is the hostile-parameter walk's business, not this test's
    for persona in PERSONAS:
        client.force_login(busy_world["users"][persona])
        denied, posts = _crawl(client, persona)
        problems += denied
        for url, (data, page) in sorted(posts.items()):
            status = _rolled_back(client.post, url, data).status_code
            if os.environ.get("CRAWL_DEBUG"):
                print(persona, "POST", url, status)
            if status == 403:
                problems.append(f"{persona}: POST {url} (form on {page}) → 403")
        client.logout()
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_navigation_follows_the_predicates(world, rf):
    from profrost.portal.context_processors import navigation

    coordinators = {
        "municipal_coordinator_in",
        "municipal_coordinator_out",
        "school_coordinator_in",
        "school_coordinator_out",
    }
    expected_registers = {"region_admin", "center_staff"} | coordinators
    for persona, user in world["users"].items():
        request = rf.get("/")
        request.user = user
        context = navigation(request)
        can = context["can"]
        assert bool(can.view_registers) == (persona in expected_registers), persona
        assert bool(can.manage_campaigns) == (persona in {"region_admin", "center_staff"}), persona


@pytest.mark.django_db
def test_application_buttons_only_for_those_whose_action_accepts_them(world, client):
    """«Подтвердить»/«Отклонить» are the municipality's, «Отозвать» the applying organization's: a school
    coordinator saw «Подтвердить» and got «Подтверждать можно только заявки своего муниципалитета»."""
    from profrost.resources import actions as resource_actions
    from tests.test_resources import make_cohort

    cohort = make_cohort(world, quotas={world["municipalities"][0]: 2})
    resource_actions.apply(
        cohort, world["teachers"][0], world["schools"][0], world["users"]["school_coordinator_in"]
    )
    expected = {
        "school_coordinator_in": {"Отозвать"},
        "municipal_coordinator_in": {"Подтвердить", "Отклонить", "Отозвать"},
        "center_staff": {"Подтвердить", "Отклонить", "Отозвать"},
    }
    for persona, buttons in expected.items():
        client.force_login(world["users"][persona])
        page = client.get(f"/resources/cohorts/{cohort.pk}/").content.decode()
        shown = {b for b in ("Подтвердить", "Отклонить", "Отозвать") if f">{b}</button>" in page}
        assert shown == buttons, persona

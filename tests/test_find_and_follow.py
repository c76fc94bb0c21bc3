"""Issue 11, point 4 — find and follow: a campaign's participants searched by name; every number of the registers
and of «Непокрытые дефициты» opens the list behind it; the route list's filters show as removable chips and are
kept when another filter changes."""

import datetime
import html
import re

import pytest

from profrost.diagnostics.models import Campaign, Competence, CompetenceGroup, Instrument, Result
from profrost.routes.models import Route

TODAY = datetime.date.today()


def _count(page):
    """The route list's «Маршрутов: N»."""
    return int(re.search(r"Маршрутов: (\d+)", page).group(1))


@pytest.fixture
def campaign(world):
    instrument = Instrument.objects.create(name="Поиск участников")
    campaign = Campaign.objects.create(instrument=instrument, name="Поиск-2026", kind="federal")
    # Teachers 0–7 are in district 1 (municipalities 1.1 and 1.2); teacher 0 is «Учитель0000 Анна».
    for index, status in enumerate(["scored"] * 5 + ["submitted"] * 3):
        Result.objects.create(campaign=campaign, person=world["teachers"][index], status=status)
    return campaign


@pytest.mark.django_db
def test_campaign_participants_are_found_by_name_and_status(world, campaign, login):
    client = login(world["users"]["region_admin"])
    url = f"/diagnostics/campaigns/{campaign.pk}/"
    page = client.get(url).content.decode()
    assert "Участники (8)" in page and 'id="participant-q"' in page
    page = client.get(url, {"q": "учитель0001"}).content.decode()
    assert "Участники (найдено 1 из 8)" in page and "Учитель0001" in page and "Учитель0000" not in page
    # Surname and first name, as typed in the people list.
    page = client.get(url, {"q": "Учитель000 Ан"}).content.decode()
    assert "найдено 2 из 8" in page
    page = client.get(url, {"q": "Учитель000 Борис"}).content.decode()
    assert "найдено 0 из 8" in page and "Никого не нашлось — измените ФИО или статус." in page
    page = client.get(url, {"status": "submitted"}).content.decode()
    assert "найдено 3 из 8" in page
    # The report's group narrows the list too: municipality 1.1 holds teachers 0–3.
    municipality = world["municipalities"][0].pk
    page = client.get(url, {"municipality": municipality, "status": "scored"}).content.decode()
    assert "найдено 4 из 8" in page
    # The search form keeps the group.
    assert f'<input type="hidden" name="municipality" value="{municipality}">' in page
    # The page links keep the search.
    for value in ("x" * 5000, "a\x00b"):
        response = client.get(url, {"q": value})
        assert response.status_code == 200
    page = client.get(url, {"q": "x" * 5000}).content.decode()
    assert "Неверное значение фильтра «ФИО участника»" in html.unescape(page)
    assert "Участники (8)" in page  # the bad value is ignored, not a 500


@pytest.mark.django_db
def test_campaign_participants_keep_to_the_scope(world, campaign, login):
    client = login(world["users"]["school_coordinator_in"])  # school 1.1.1: teachers 0 and 1
    page = client.get(f"/diagnostics/campaigns/{campaign.pk}/", {"q": "Учитель"}).content.decode()
    assert "Участники (2)" in page and "Учитель0010" not in page


@pytest.fixture
def routes(world, campaign):
    """Municipality 1.1 (teachers 0–3): approved, in progress, done, draft; 1.2 (teachers 4–7): partial, review,
    cancelled; 2.2 (teacher 15): an overdue approved route."""
    t = world["teachers"]
    result = {r.person_id: r for r in Result.objects.filter(campaign=campaign)}
    for index, status in ((0, "approved"), (1, "in_progress"), (2, "done"), (3, "draft"), (4, "partial"),
                          (5, "review"), (6, "cancelled")):  # fmt: skip
        Route.objects.create(
            person=t[index],
            result=result.get(t[index].pk),
            start=TODAY,
            end=TODAY + datetime.timedelta(days=200),
            status=status,
        )
    Route.objects.create(
        person=t[15],
        start=TODAY - datetime.timedelta(days=300),
        end=TODAY - datetime.timedelta(days=1),
        status="approved",
    )


def _cells(page):
    """Every linked number of the register table: (number, url)."""
    table = page[max(page.find('id="register"'), 0) :]
    return [
        (int(n), html.unescape(url))
        for url, n in re.findall(r'<td class="text-end"><a href="([^"]+)">(\d+)</a>', table)
    ]


@pytest.mark.django_db
def test_every_number_of_the_registers_opens_its_list(world, routes, campaign, login):
    client = login(world["users"]["region_admin"])
    for query in ({}, {"municipality": world["municipalities"][0].pk}, {"campaign": campaign.pk}):
        page = client.get("/routes/registers/", query).content.decode()
        cells = _cells(page)
        assert len(cells) >= 8, query
        for number, url in cells:
            target = client.get(url).content.decode()
            if url.startswith("/routes/"):
                assert _count(target) == number, (query, url)
            else:  # «Продиагностировано» → the campaign's scored participants of the unit
                assert f"найдено {number} из" in target or f"Участники ({number})" in target, (query, url)
    # Municipality 1.1: developed 3 → the three routes, each of them listed.
    page = client.get("/routes/registers/").content.decode()
    row = re.search(r"<tr><td><a[^>]*>Муниципалитет 1\.1</a></td>.*?</tr>", page, re.S).group(0)
    developed = [url for n, url in _cells(row) if "status=developed" in url][0]
    listed = client.get(developed).content.decode()
    assert _count(listed) == 3
    for index in (0, 1, 2):
        assert world["teachers"][index].last_name in listed
    assert world["teachers"][3].last_name not in listed  # the draft
    # The overdue one of municipality 2.2.
    row = re.search(r"<tr><td><a[^>]*>Муниципалитет 2\.2</a></td>.*?</tr>", page, re.S).group(0)
    overdue = [url for n, url in _cells(row) if "status=overdue" in url]
    assert overdue and world["teachers"][15].last_name in client.get(overdue[0]).content.decode()


@pytest.mark.django_db
def test_a_municipal_coordinator_follows_only_their_own_numbers(world, routes, login):
    client = login(world["users"]["municipal_coordinator_in"])  # municipality 1.1
    page = client.get("/routes/registers/").content.decode()
    assert "Муниципалитет 1.2" not in page
    for number, url in _cells(page):
        assert _count(client.get(url).content.decode()) == number
    # A link naming another municipality lists nothing of it.
    other = world["municipalities"][1].pk
    assert _count(client.get("/routes/", {"municipality": other}).content.decode()) == 0


@pytest.mark.django_db
def test_uncovered_deficits_open_their_routes(world, routes, login):
    group = CompetenceGroup.objects.create(code="ЯЯ", name="Непокрытые", order=91)
    gap = Competence.objects.create(group=group, code="ЯЯ1", name="Непокрытая компетенция", order=1)
    for route in Route.objects.filter(person__in=world["teachers"][:4]):  # 3 active of 4 (one is done)
        route.uncovered.add(gap)
    client = login(world["users"]["region_admin"])
    page = client.get("/routes/uncovered/").content.decode()
    link = html.unescape(re.search(r'<a href="([^"]+)" title="Открыть эти маршруты">3</a>', page).group(1))
    listed = client.get(link).content.decode()
    assert _count(listed) == 3
    assert "Непокрытый дефицит: ЯЯ1 Непокрытая компетенция" in listed
    assert world["teachers"][2].last_name not in listed  # its route is done: not counted, not listed


@pytest.mark.django_db
def test_route_filters_are_chips_kept_when_another_changes(world, routes, campaign, login):
    client = login(world["users"]["region_admin"])
    municipality, school = world["municipalities"][0], world["schools"][0]  # school 1.1.1: teachers 0, 1
    query = {"municipality": municipality.pk, "organization": school.pk, "campaign": campaign.pk}
    page = html.unescape(client.get("/routes/", {**query, "status": "in_progress"}).content.decode())
    assert _count(page) == 1
    chips = re.findall(r'<a class="badge[^"]*" href="([^"]+)"[^>]*>([^<]+)<', page)
    labels = [label.strip() for _, label in chips]
    assert labels == [
        "Статус: выполняется",
        "Диагностика: Поиск-2026",
        "Муниципалитет: Муниципалитет 1.1",
        f"Организация: {school.name}",
    ]
    # Removing the status chip keeps the rest: both routes of the school.
    without_status = dict(chips)[next(url for url, label in chips if label.startswith("Статус"))]
    assert without_status  # the chip has a link
    url = next(url for url, label in chips if label.startswith("Статус"))
    assert "organization=" in url and "status=" not in url
    assert _count(client.get("/routes/" + url).content.decode()) == 2
    # The filter form carries the organization, which has no select of its own: a status change keeps it.
    assert f'<input type="hidden" name="organization" value="{school.pk}">' in page
    # A hostile or foreign value is a chip the user can remove, not an error.
    page = html.unescape(client.get("/routes/", {"organization": 10**12}).content.decode())
    assert "Организация: № 1000000000000" in page and _count(page) == 0


@pytest.mark.django_db
def test_registers_show_their_filters_as_chips(world, routes, campaign, login):
    client = login(world["users"]["region_admin"])
    municipality = world["municipalities"][0]
    page = html.unescape(
        client.get(
            "/routes/registers/", {"municipality": municipality.pk, "campaign": campaign.pk}
        ).content.decode()
    )
    chips = dict(
        (label.strip(), url)
        for url, label in re.findall(r'<a class="badge[^"]*" href="([^"]+)"[^>]*>([^<]+)<', page)
    )
    assert set(chips) == {"Муниципалитет: Муниципалитет 1.1", "Диагностика: Поиск-2026"}
    assert chips["Диагностика: Поиск-2026"] == f"?municipality={municipality.pk}"
    # The school's name leads to its routes with all three filters, shown as chips there.
    school = world["schools"][0]
    link = html.unescape(
        re.search(rf'<a href="(/routes/\?[^"]*organization={school.pk}[^"]*)">', page).group(1)
    )
    assert f"municipality={municipality.pk}" in link and f"campaign={campaign.pk}" in link
    listed = html.unescape(client.get(link).content.decode())
    assert f"Организация: {school.name}" in listed and "Диагностика: Поиск-2026" in listed

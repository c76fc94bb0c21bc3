"""Pick, don't type (issue 11, point 2): every field that names a person, an organization or a tutor is a search
field over what the user may see (core.lookups) — by surname, SNILS, INN or login — and the forms take the
picked ids, refusing any id outside the user's scope; dates are date inputs; list filters are labelled."""

import datetime
import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import expect

from profrost.accounts.models import User
from profrost.core import lookups
from profrost.people.models import Employment
from profrost.resources.models import Application, Community, Internship, Membership
from profrost.routes.models import Route
from tests.factories import assign_to_methodologist, make_person
from tests.test_resources import make_cohort

DAY = datetime.date.today() + datetime.timedelta(days=30)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the browser test's live server, as test_browser


def _find(client, name, q, method="post"):
    response = getattr(client, method)(f"/lookup/{name}/", {"q": q})
    assert response.status_code == 200, response.status_code
    return response.json()


def _labels(client, name, q):
    return [r["label"] for r in _find(client, name, q)["results"]]


def _ids(client, name, q):
    return [r["id"] for r in _find(client, name, q)["results"]]


# --- the search --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_people_are_found_by_surname_name_and_full_snils(world, client):
    t = world["teachers"]
    client.force_login(world["users"]["region_admin"])
    school = world["schools"][0]
    assert _labels(client, "people", "учитель0001") == [f"{t[1].full_name} — {school.name}"]
    assert _ids(client, "people", "Учитель000") == [t[0].pk, t[1].pk]
    assert _ids(client, "people", "Учитель0001 Ан") == [t[1].pk]
    assert _ids(client, "people", "Учитель0001 Борис") == []
    formatted = f"{t[5].snils[:3]}-{t[5].snils[3:6]}-{t[5].snils[6:9]} {t[5].snils[9:]}"
    assert _ids(client, "people", formatted) == [t[5].pk]
    # A SNILS is a key, not a search term: a part of one finds nobody.
    assert _find(client, "people", t[5].snils[:9]) == {"results": [], "message": "Ничего не найдено"}


@pytest.mark.django_db
def test_organizations_are_found_by_name_or_inn_and_tutors_by_name_or_login(world, client):
    client.force_login(world["users"]["center_staff"])
    school = world["schools"][3]  # «МБОУ СОШ № 122»
    assert _labels(client, "organizations", "сош № 122") == [
        f"{school.name} — {school.municipality.name}, ИНН {school.inn}"
    ]
    assert _ids(client, "organizations", school.inn) == [school.pk]
    methodologist = world["users"]["methodologist"]
    User.objects.filter(pk=methodologist.pk).update(last_name="Смирнова", first_name="Ольга")
    assert _labels(client, "tutors", "Смирнова О") == ["Смирнова Ольга (methodologist)"]
    assert _ids(client, "tutors", "metho") == [methodologist.pk]
    # A teacher, an expert or a disabled methodologist is nobody's tutor.
    assert _ids(client, "tutors", "teacher_in") == [] and _ids(client, "tutors", "expert") == []
    User.objects.filter(pk=methodologist.pk).update(is_active=False)
    assert _ids(client, "tutors", "metho") == []


@pytest.mark.django_db
def test_organizations_by_inn_prefix(world, client):
    client.force_login(world["users"]["center_staff"])
    # The factory's INNs are 34{d}{m}{s}000000: «3410» names the two schools of district 2's first municipality.
    found = _ids(client, "organizations", "3410")
    assert sorted(found) == sorted(s.pk for s in world["schools"] if s.inn.startswith("3410"))
    assert len(found) == 2


@pytest.mark.django_db
def test_a_school_coordinator_finds_only_their_own_people_and_organization(world, client):
    t, schools = world["teachers"], world["schools"]
    client.force_login(world["users"]["school_coordinator_in"])  # school 0: teachers 0 and 1
    assert _ids(client, "people", "Учитель") == [t[0].pk, t[1].pk]
    assert _ids(client, "people", t[15].snils) == []  # someone else's SNILS: nothing, as an unknown one
    assert _ids(client, "organizations", "МБОУ") == [schools[0].pk]
    assert _ids(client, "organizations", schools[7].inn) == []
    jobs = Employment.objects.filter(person__in=t[:2]).order_by("person__last_name")
    assert _ids(client, "applicants", "Учитель") == [j.pk for j in jobs]
    # Tutors are offered to whoever assigns them (the center, a school); a teacher gets none.
    assert _ids(client, "tutors", "methodologist") == [world["users"]["methodologist"].pk]
    client.force_login(world["users"]["teacher_in"])
    assert _ids(client, "tutors", "methodologist") == []
    assert _ids(client, "people", "Учитель") == [t[0].pk]  # themselves only
    assert _ids(client, "applicants", "Учитель") == []  # teachers are applied for, they do not apply


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q, message",
    [
        ("У", "Введите не меньше 2 символов"),
        ("", "Введите не меньше 2 символов"),
        ("   \x00 ", "Введите не меньше 2 символов"),
        ("У" * 101, "Слишком длинный запрос: сократите его до 100 символов"),
        ("Учитель" * 715, "Слишком длинный запрос: сократите его до 100 символов"),  # 5,005 characters
    ],
)
def test_a_query_too_short_or_too_long_gets_a_message_and_searches_nothing(world, client, q, message):
    client.force_login(world["users"]["region_admin"])
    for method in ("post", "get"):
        with CaptureQueriesContext(connection) as queries:
            answer = _find(client, "people", q, method)
        assert answer == {"results": [], "message": message}
        assert not [x for x in queries if "people_person" in x["sql"]]


@pytest.mark.django_db
def test_nul_bytes_are_dropped_and_bad_names_are_not_found(world, client):
    client.force_login(world["users"]["region_admin"])
    assert _ids(client, "people", "Учитель00\x0001") == [world["teachers"][1].pk]
    assert client.get("/lookup/nothing/", {"q": "Учитель"}).status_code == 404
    assert client.get("/lookup/people/", {"q": "Учитель"}).status_code == 200
    assert client.put("/lookup/people/").status_code == 405
    client.logout()
    response = client.post("/lookup/people/", {"q": "Учитель"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert set(lookups.names()) >= {"people", "organizations", "tutors", "applicants"}


# --- the field -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_field_renders_a_labelled_search_and_keeps_only_choices_in_scope(world, client):
    """The label points at the search field; the chosen rows sit in a hidden select (what the form sends) with
    their labels; an id outside the scope shown again is dropped, its name never on the page."""
    from profrost.resources.forms import MemberForm

    sc = world["users"]["school_coordinator_in"]
    t = world["teachers"]
    form = MemberForm({"person": [str(t[15].pk)], "status": "member"}, user=sc)
    assert not form.is_valid()
    assert form.errors["person"] == [
        "Педагог не найден в вашей области доступа. Педагоги из других организаций вступают сами."
    ]
    html = str(form["person"])
    assert t[15].last_name not in html and f'value="{t[15].pk}"' not in html
    assert 'type="search"' in html and 'id="id_person"' in html and 'role="combobox"' in html
    assert 'aria-controls="id_person_list"' in html and 'maxlength="100"' in html
    assert '<select name="person" id="id_person_value" class="lookup-value" hidden>' in html
    assert form["person"].id_for_label == "id_person"
    form = MemberForm({"person": [str(t[1].pk)], "status": "member"}, user=sc)
    assert form.is_valid() and form.cleaned_data["person"] == t[1]
    assert (
        f'<option value="{t[1].pk}" selected>{t[1].full_name} — {world["schools"][0].name}</option>'
        in str(form["person"])
    )
    for bad in (["0"], ["-1"], ["abc"], ["9" * 30], ["1\x00"], [str(t[0].pk), str(t[1].pk)]):
        form = MemberForm({"person": bad, "status": "member"}, user=sc)
        assert not form.is_valid(), bad
    # No user given: nothing is in scope.
    assert not MemberForm({"person": [str(t[1].pk)], "status": "member"}).is_valid()
    # Several at once: each in scope, repeats counted once, at most 200.
    from profrost.diagnostics.forms import InviteForm

    form = InviteForm({"people": [str(t[1].pk), str(t[0].pk), str(t[1].pk)]}, user=sc)
    assert form.is_valid() and form.cleaned_data["people"] == [t[1], t[0]]
    form = InviteForm({"people": [str(t[0].pk), str(t[15].pk)]}, user=sc)
    assert form.errors["people"] == ["Выберите из списка"]
    form = InviteForm({"people": [str(n) for n in range(1, 202)]}, user=sc)
    assert form.errors["people"] == ["Можно выбрать не больше 200"]


# --- the converted forms, end to end -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_leader_adds_a_community_member_picked_by_surname(world, client):
    community = Community.objects.create(
        name="Клуб", kind="club", level="municipal", municipality=world["municipalities"][0]
    )
    t = world["teachers"]
    client.force_login(world["users"]["municipal_coordinator_in"])
    page = client.get(f"/resources/communities/{community.pk}/").content.decode()
    assert '<label class="form-label small mb-0" for="id_person">Педагог</label>' in page
    [picked] = _ids(client, "people", "Учитель0010")
    assert picked == t[2].pk
    page = client.post(
        f"/resources/communities/{community.pk}/join/", {"person": picked, "status": "member"}, follow=True
    ).content.decode()
    assert f"{t[2].full_name} — в сообществе." in page
    assert Membership.objects.filter(community=community, person=t[2], status="member").exists()
    # Someone outside the municipality (a crafted POST): refused, nothing added, no name shown; the leader's
    # own person record is not added instead.
    response = client.post(
        f"/resources/communities/{community.pk}/join/", {"person": t[15].pk, "status": "member"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Педагог не найден в вашей области доступа" in page
    assert t[15].last_name not in page
    response = client.post(f"/resources/communities/{community.pk}/join/", {"status": "member"})
    assert "Выберите педагога из списка" in response.content.decode()
    assert Membership.objects.filter(community=community).count() == 1


@pytest.mark.django_db
def test_the_center_names_an_internship_mentor_picked_by_name(world, client):
    from profrost.structure.models import OrganizationStatus

    site = world["schools"][1]  # teachers 2 and 3 work there
    OrganizationStatus.objects.create(
        organization=site, kind="internship_site", start=datetime.date(2020, 1, 1)
    )
    internship = Internship.objects.create(title="Стажировка", site=site, start=DAY, end=DAY, capacity=2)
    t = world["teachers"]
    client.force_login(world["users"]["center_staff"])
    url = f"/resources/internships/{internship.pk}/"
    page = client.get(url).content.decode()
    assert 'for="mentor_person">Наставник — педагог площадки</label>' in page and 'id="mentor_person"' in page
    client.post(url + "mentors/", {"person": _ids(client, "people", "Учитель0010")[0]})
    assert list(internship.mentors.all()) == [t[2]]
    page = client.post(url + "mentors/", {"person": t[0].pk}, follow=True).content.decode()
    assert f"не работает на площадке «{site.name}»" in page
    page = client.post(url + "mentors/", {"person": "не число"}).content.decode()
    assert "Выберите из списка" in page
    assert list(internship.mentors.all()) == [t[2]]


@pytest.mark.django_db
def test_events_and_internships_take_a_picked_teacher_or_the_teacher_themselves(world, client):
    from profrost.resources.models import Event, InternshipParticipant, Participation

    t = world["teachers"]
    event = Event.objects.create(
        title="Семинар", kind="seminar", level="regional", organizer=world["center"], start=DAY, end=DAY
    )
    internship = Internship.objects.create(
        title="Стажировка", site=world["schools"][1], start=DAY, end=DAY, capacity=5
    )
    client.force_login(world["users"]["school_coordinator_in"])
    assert _ids(client, "registrants", "Учитель") == [t[0].pk, t[1].pk]  # their staff, not the first 2,000
    client.post(f"/resources/events/{event.pk}/register/", {"person": t[1].pk, "role": "participant"})
    client.post(f"/resources/internships/{internship.pk}/add/", {"person": t[1].pk})
    for url, data in (
        (f"/resources/events/{event.pk}/register/", {"person": t[15].pk, "role": "participant"}),
        (f"/resources/internships/{internship.pk}/add/", {"person": t[15].pk}),
    ):
        page = client.post(url, data).content.decode()
        assert "Выберите педагога из списка" in page and t[15].last_name not in page
    assert list(Participation.objects.values_list("person_id", flat=True)) == [t[1].pk]
    assert list(InternshipParticipant.objects.values_list("person_id", flat=True)) == [t[1].pk]
    # A teacher finds themselves already chosen.
    client.force_login(world["users"]["teacher_in"])
    page = client.get(f"/resources/events/{event.pk}/").content.decode()
    assert (
        f'<option value="{t[0].pk}" selected>{t[0].full_name} — {world["schools"][0].name}</option>' in page
    )
    assert _ids(client, "registrants", "Учитель") == [t[0].pk]


@pytest.mark.django_db
def test_a_tutor_is_assigned_by_picking_them(world, client):
    t = world["teachers"]
    mine = Route.objects.create(person=t[0], start=DAY, end=DAY)
    other = Route.objects.create(person=t[1], start=DAY, end=DAY)
    assign_to_methodologist(world, t[0])  # a methodologist tutors the teachers assigned to them
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.get(f"/routes/{mine.pk}/").content.decode()
    assert 'for="tutor-pick">Назначить тьютора</label>' in page and 'id="tutor-pick"' in page
    [tutor] = _ids(client, "tutors", "methodologist")
    page = client.post(
        f"/routes/{mine.pk}/tutor/", {"tutor": tutor, "version": mine.version}, follow=True
    ).content.decode()
    assert "Тьютор:" in page
    mine.refresh_from_db()
    assert mine.tutor_id == tutor
    # The list's bulk form: the same field.
    assert (
        'for="bulk-tutor-pick">Тьютор для отмеченных маршрутов</label>'
        in client.get("/routes/").content.decode()
    )
    client.post("/routes/tutor/", {"tutor": world["users"]["mentor"].pk, "route": [mine.pk, other.pk]})
    assert set(Route.objects.values_list("tutor__username", flat=True)) == {"mentor"}
    # Someone who may not tutor (a crafted POST naming a teacher's login id) or nothing chosen: refused.
    for data in ({"tutor": world["users"]["teacher_in"].pk}, {}, {"tutor": "methodologist"}):
        page = client.post(f"/routes/{mine.pk}/tutor/", data, follow=True).content.decode()
        assert "Тьютор не найден" in page or "Выберите тьютора из списка" in page
    assert set(Route.objects.values_list("tutor__username", flat=True)) == {"mentor"}


@pytest.mark.django_db
def test_a_school_coordinator_applies_three_teachers_at_once(world, client):
    school = world["schools"][0]
    third = make_person(school, last_name="Третьякова", first_name="Вера")
    t = world["teachers"]
    cohort = make_cohort(world, capacity=10, quotas={world["municipalities"][0]: 3})
    url = f"/resources/cohorts/{cohort.pk}/"
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.get(url).content.decode()
    assert 'for="id_people">Педагоги *</label>' in page and "multiple" in page
    jobs = [Employment.objects.get(person=p).pk for p in (t[0], t[1], third)]
    assert sorted(_ids(client, "applicants", "Учитель") + _ids(client, "applicants", "Третьякова")) == sorted(
        jobs
    )
    # One of four outside the school (a crafted POST): nothing is applied, the three stay chosen.
    outside = Employment.objects.get(person=t[2]).pk
    response = client.post(url + "apply/", {"people": [*jobs, outside], "deficit": "auto"})
    page = response.content.decode()
    assert "Педагог не найден среди сотрудников, за которых вы подаёте заявки" in page
    assert f'<option value="{jobs[2]}" selected>Третьякова Вера Петровна — {school.name}</option>' in page
    assert t[2].last_name not in page.split('id="apply-form"', 1)[1]
    assert not Application.objects.exists()
    # The three: each applied.
    page = client.post(url + "apply/", {"people": jobs, "deficit": "auto"}, follow=True).content.decode()
    assert "Подано заявок: 3; в листе ожидания: 0." in page
    assert set(Application.objects.values_list("person_id", flat=True)) == {t[0].pk, t[1].pk, third.pk}


@pytest.mark.django_db
def test_applying_for_several_reports_who_was_not_applied_and_why(world, client):
    school = world["schools"][0]
    third = make_person(school, last_name="Третьякова", first_name="Вера")
    t = world["teachers"]
    cohort = make_cohort(world, capacity=10, quotas={world["municipalities"][0]: 2})
    url = f"/resources/cohorts/{cohort.pk}/apply/"
    client.force_login(world["users"]["school_coordinator_in"])
    job = {p.pk: Employment.objects.get(person=p).pk for p in (t[0], t[1], third)}
    client.post(url, {"people": [job[t[0].pk]]})
    # Teacher 0 already applied; of the other two one fits the quota (2), the last waits when asked.
    page = client.post(
        url, {"people": [job[t[0].pk], job[t[1].pk], job[third.pk]], "waitlist": "on"}, follow=True
    ).content.decode()
    [alert] = [a for a in re.findall(r'role="alert">(.*?)</div>', page, re.S) if "не подано" in a]
    assert alert.startswith(
        f"Подано заявок: 1; в листе ожидания: 1 (Третьякова Вера Петровна); не подано: {t[0].full_name} — "
    )
    assert alert.endswith("в эту группу уже подана.")
    statuses = dict(Application.objects.values_list("person_id", "status"))
    assert statuses == {t[0].pk: "submitted", t[1].pk: "submitted", third.pk: "waiting"}
    # Nobody chosen: a message, nothing more.
    page = client.post(url, {"people": []}).content.decode()
    assert "Выберите педагогов из списка" in page
    assert Application.objects.count() == 3


@pytest.mark.django_db
def test_the_center_invites_teachers_picked_by_name(world, client):
    from profrost.diagnostics.models import Campaign, Instrument, Result

    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="Тест"), name="ДПК", kind="regional"
    )
    client.force_login(world["users"]["center_staff"])
    page = client.get(f"/diagnostics/campaigns/{campaign.pk}/").content.decode()
    assert 'for="invite-people">Пригласить педагогов (по фамилии)</label>' in page
    picked = _ids(client, "people", "Учитель000")
    page = client.post(
        f"/diagnostics/campaigns/{campaign.pk}/invite/", {"pick": "1", "people": picked}, follow=True
    ).content.decode()
    assert "Приглашено участников: 2; уже были приглашены: 0." in page
    assert sorted(Result.objects.values_list("person_id", flat=True)) == sorted(picked)
    # Nobody picked: nobody invited, and not everyone «по охвату» either.
    page = client.post(
        f"/diagnostics/campaigns/{campaign.pk}/invite/", {"pick": "1"}, follow=True
    ).content.decode()
    assert "Никто не приглашён: выберите педагогов из списка" in page
    assert Result.objects.count() == 2


@pytest.mark.django_db
def test_a_school_coordinators_login_names_their_organization_by_picking_it(world, client):
    mc = world["users"]["municipal_coordinator_in"]
    client.force_login(mc)
    page = client.get("/accounts/users/new/").content.decode()
    assert 'for="id_organization">Организация (для уполномоченного ОО)</label>' in page
    assert 'for="id_person">Педагог (связать учётную запись с его карточкой)</label>' in page
    assert 'name="organization_inn"' not in page and 'name="person_snils"' not in page
    [school] = _ids(client, "organizations", world["schools"][1].inn)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "sc_new",
            "last_name": "К",
            "first_name": "Б",
            "role": "school_coordinator",
            "organization": school,
            "password": "очень-длинный-пароль-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="sc_new").roles.get().organization_id == world["schools"][1].pk
    # Another municipality's school, shown again after an error: not named on the page.
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "sc_new2",
            "last_name": "К",
            "first_name": "Б",
            "role": "school_coordinator",
            "organization": world["schools"][7].pk,
        },
    )
    page = response.content.decode()
    assert "Организация не найдена в вашей области доступа" in page and world["schools"][7].name not in page
    assert not User.objects.filter(username="sc_new2").exists()


# --- dates and filters ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dates_are_date_inputs_and_accept_both_spellings(world, client):
    client.force_login(world["users"]["center_staff"])
    for url in ("/resources/events/new/", "/diagnostics/campaigns/new/", "/people/new/"):
        page = client.get(url).content.decode()
        dates = re.findall(r'<input type="(\w+)" name="(start|end|birth_date)"', page)
        assert dates and all(kind == "date" for kind, _ in dates), (url, dates)
    client.post("/resources/communities/new/", {"name": "РУМО", "kind": "rumo", "level": "regional"})
    community = Community.objects.get(name="РУМО")
    for day in ("2026-12-01", "02.12.2026"):
        client.post(f"/resources/communities/{community.pk}/meetings/", {"date": day, "topic": day})
    assert sorted(community.meetings.values_list("date", flat=True)) == [
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 2),
    ]


@pytest.mark.django_db
def test_every_list_filter_has_a_visible_label(world, client):
    client.force_login(world["users"]["region_admin"])
    for url in (
        "/people/",
        "/routes/",
        "/resources/programs/",
        "/resources/events/",
        "/resources/communities/",
        "/accounts/users/",
    ):
        page = client.get(url).content.decode()
        form = re.search(r'<form method="(?:get|post)"[^>]*filter-row.*?</form>', page, re.S)
        assert form, url
        controls = re.findall(
            r'<(?:select|input)(?![^>]*type="(?:hidden|checkbox)")[^>]*\sid="([^"]+)"', form.group(0)
        )
        assert controls, url
        for ident in controls:
            assert f'for="{ident}"' in form.group(0), (url, ident)
    page = client.get("/people/").content.decode()
    assert '<label class="form-label" for="f-category">Категория</label>' in page
    assert '<label class="form-label" for="f-sort">Сортировка</label>' in page


# --- in a browser --------------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_a_surname_picking_it_and_submitting(world, live_server, browser):
    community = Community.objects.create(
        name="Клуб молодых", kind="club", level="municipal", municipality=world["municipalities"][0]
    )
    teacher = world["teachers"][2]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "mc_in")
    page.fill("#id_password", "Пароль-для-теста-2024")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/resources/communities/{community.pk}/")
    page.fill("#id_person", "У")
    expect(page.locator("#id_person_status")).to_have_text("Введите не меньше 2 символов")
    page.fill("#id_person", "Учитель001")
    option = page.locator("#id_person_list [role=option]").first
    option.wait_for(state="visible", timeout=5000)
    assert page.locator("#id_person_list [role=option]").count() == 2  # teachers 2 and 3 of the municipality
    # The list fits the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    # The keyboard picks: ↓ and Enter (the form is not sent by that Enter).
    page.press("#id_person", "ArrowDown")
    page.press("#id_person", "Enter")
    assert (
        page.locator("#id_person_chosen .lookup-chip").inner_text()
        == f"{teacher.full_name} — {world['schools'][1].name}"
    )
    assert page.locator("#id_person_list").is_hidden()
    page.click("#member-form button[type=submit]")
    page.wait_for_load_state()
    assert f"{teacher.full_name} — в сообществе." in page.inner_text(".alert")
    assert teacher.full_name in page.inner_text("#members")
    context.close()
    assert Membership.objects.filter(community=community, person=teacher).exists()

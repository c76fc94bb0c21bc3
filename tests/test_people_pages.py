import datetime

from profrost.core.models import JournalEntry
from profrost.people.models import Person


def content(response):
    return response.content.decode()


def test_municipal_coordinator_sees_only_their_municipality(world, client):
    client.force_login(world["users"]["municipal_coordinator_in"])
    page = content(client.get("/people/"))
    # Municipality 1.1 holds schools 0,1 → teachers 0..3 (Учитель0000…Учитель0011).
    assert "Учитель0000" in page and "Учитель0011" in page
    assert "Учитель0100" not in page and "Учитель1111" not in page
    assert "Найдено: 4" in page


def test_search_by_name_prefix_and_by_snils_not_in_url(world, client):
    client.force_login(world["users"]["region_admin"])
    page = content(client.get("/people/?q=учитель01"))
    assert "Найдено: 4" in page  # Учитель0100, 0101, 0110, 0111
    target = world["teachers"][5]
    response = client.post("/people/", {"q": target.snils_display})
    assert response.status_code == 302
    assert target.snils not in response["Location"] and "snils" in response["Location"]
    page = content(client.get(response["Location"]))
    assert "Найдено: 1" in page and target.last_name in page
    # A malformed SNILS says so and finds nobody — not the whole list.
    response = client.post("/people/", {"q": "9" * 20}, follow=True)
    page = content(response)
    assert "СНИЛС должен содержать 11 цифр" in page and "Найдено: 0" in page


def test_filters_young_specialist_and_manager(world, client):
    from tests.factories import make_person

    today = datetime.date.today()
    school = world["schools"][0]
    make_person(
        school,
        last_name="Молодая",
        birth_date=today.replace(year=today.year - 25),
        pedagogical_start=today.replace(year=today.year - 1),
    )
    make_person(school, position="руководитель организации", last_name="Директор")
    client.force_login(world["users"]["school_coordinator_in"])
    page = content(client.get("/people/?young=on"))
    assert "Найдено: 1" in page and "Молодая" in page
    page = content(client.get("/people/?manager=on"))
    assert "Найдено: 1" in page and "Директор" in page


def test_person_card_scoped_and_view_journaled(world, client):
    inside, outside = world["inside"]["teacher"], world["teachers"][15]
    client.force_login(world["users"]["school_coordinator_in"])
    response = client.get(f"/people/{inside.pk}/")
    assert response.status_code == 200
    assert inside.snils_display in content(response)
    assert client.get(f"/people/{outside.pk}/").status_code == 404
    entry = JournalEntry.objects.get(action="view_person", object_id=str(inside.pk))
    assert entry.username == "sc_in"
    assert inside.snils not in str(entry.details) + entry.object_repr


def test_teacher_sees_own_card_only_and_is_not_journaled(world, client):
    teacher = world["users"]["teacher_in"]
    client.force_login(teacher)
    assert client.get("/people/me/").status_code == 200
    assert client.get(f"/people/{world['teachers'][1].pk}/").status_code == 404
    assert not JournalEntry.objects.filter(action="view_person").exists()
    assert client.get(f"/people/{teacher.person_id}/edit/").status_code == 403


def test_optimistic_locking_keeps_the_other_users_data(world, client):
    person = world["inside"]["teacher"]
    client.force_login(world["users"]["region_admin"])
    form = {
        "last_name": person.last_name,
        "first_name": "Анна",
        "middle_name": "Петровна",
        "birth_date": "14.03.1985",
        "snils": person.snils,
        "sex": "f",
        "email": "",
        "phone": "",
        "education": "",
        "pedagogical_start": "01.09.2008",
        "category": "none",
        "category_date": "",
        "category_order": "",
        "category_expiry": "",
        "version": "1",
    }
    first = client.post(f"/people/{person.pk}/edit/", {**form, "first_name": "Алла"})
    assert first.status_code == 302
    stale = client.post(f"/people/{person.pk}/edit/", {**form, "first_name": "Ирина"}, follow=True)
    assert "изменена другим пользователем" in content(stale)
    person.refresh_from_db()
    assert person.first_name == "Алла" and person.version == 2


def test_edit_validation_messages_in_russian(world, client):
    person = world["inside"]["teacher"]
    client.force_login(world["users"]["region_admin"])
    future = (datetime.date.today() + datetime.timedelta(days=3)).strftime("%d.%m.%Y")
    response = client.post(
        f"/people/{person.pk}/edit/",
        {
            "last_name": "X",
            "first_name": "Y",
            "birth_date": future,
            "snils": "112-233-445 96",
            "category": "none",
            "version": "1",
        },
    )
    page = content(response)
    assert "неверная контрольная сумма СНИЛС" in page
    assert "Дата рождения не может быть в будущем" in page
    person.refresh_from_db()
    assert person.last_name.startswith("Учитель")


def test_history_shows_who_changed_what(world, client):
    person = world["inside"]["teacher"]
    client.force_login(world["users"]["region_admin"])
    client.post(
        f"/people/{person.pk}/edit/",
        {
            "last_name": "Петрова",
            "first_name": "Анна",
            "middle_name": "Петровна",
            "birth_date": "14.03.1985",
            "snils": person.snils,
            "sex": "f",
            "pedagogical_start": "01.09.2008",
            "category": "none",
            "version": "1",
        },
    )
    page = content(client.get(f"/people/{person.pk}/"))
    assert "Учитель0000 → Петрова" in page
    assert "region_admin" in page  # the user's name (last_name = login in the factories)
    # Foreign keys and choices by name: the job's organization and position, the sex as its label.
    assert f"{world['schools'][0].name}" in page.split("История изменений")[1]
    assert "учитель" in page.split("История изменений")[1]


def test_mentor_sees_no_snils(world, client):
    """A mentor reaches a teacher only through the route they tutor: the card is not theirs to open (404 — a
    mentor's scope holds no one), the route page names the teacher without SNILS or birth date."""
    import datetime

    from profrost.routes.models import Route

    mentor = world["users"]["mentor"]
    person = world["inside"]["teacher"]
    today = datetime.date.today()
    route = Route.objects.create(
        person=person, start=today, end=today + datetime.timedelta(days=300), tutor=mentor
    )
    client.force_login(mentor)
    assert client.get(f"/people/{person.pk}/").status_code == 404
    response = client.get(f"/routes/{route.pk}/")
    assert response.status_code == 200
    page = content(response)
    assert person.last_name in page
    assert person.snils not in page and person.snils_display not in page
    assert f"{person.birth_date:%d.%m.%Y}" not in page


def test_person_list_query_count_is_pinned(world, client, django_assert_max_num_queries):
    client.force_login(world["users"]["region_admin"])
    with django_assert_max_num_queries(14):  # 13 + the notification bell's unread count
        client.get("/people/")


def test_export_with_filters_only_scope(world, client):
    import io

    from openpyxl import load_workbook

    client.force_login(world["users"]["municipal_coordinator_in"])
    response = client.get("/people/export.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "СНИЛС"
    assert len(rows) == 1 + 4
    assert JournalEntry.objects.filter(action="export", username="mc_in").exists()


def test_create_person_with_job_in_scope_only(world, client):
    client.force_login(world["users"]["school_coordinator_in"])
    from tests.factories import valid_snils

    data = {
        "last_name": "Новикова",
        "first_name": "Ольга",
        "birth_date": "01.02.1990",
        "snils": valid_snils(),
        "category": "none",
        "job-organization": world["schools"][7].pk,
        "job-position": 1,
        "job-is_main": "on",
    }
    response = client.post("/people/new/", data)
    assert response.status_code == 200
    assert "вне вашей области доступа" in content(response)
    assert not Person.objects.filter(last_name="Новикова").exists()
    data["job-organization"] = world["schools"][0].pk
    response = client.post("/people/new/", data)
    assert response.status_code == 302
    assert Person.objects.filter(last_name="Новикова", employments__organization=world["schools"][0]).exists()

"""Issue 9, holes 1–6: what a coordinator could learn or rewrite outside their scope, and the fixes."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from profrost.core.imports import run_import
from profrost.core.models import ImportJob
from profrost.people.models import REGISTRY_MISMATCH, Employment, Person, PersonEvent
from profrost.resources.models import Community, Internship, InternshipParticipant, Membership
from profrost.routes.models import Route
from tests.test_imports import schools_inn, staff_row, write_csv  # noqa: F401 (fixture)

OUTSIDE = 15  # teacher 15 works in school 7 (municipality 3): outside every "_in" persona's scope


def _outsider_row(world, **over):
    """A staff row for the outsider, sent by someone of school 0."""
    outsider = world["teachers"][OUTSIDE]
    row = staff_row(
        world,
        СНИЛС=outsider.snils,
        Фамилия=outsider.last_name,
        Имя=outsider.first_name,
        Отчество=outsider.middle_name,
        **{"Дата рождения": outsider.birth_date.strftime("%d.%m.%Y")},
    )
    row.update(over)
    return row


def _snapshot(person):
    person.refresh_from_db()
    return {f.name: getattr(person, f.name) for f in Person._meta.concrete_fields}


# --- 1. staff import ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["school_coordinator_in", "municipal_coordinator_in"])
def test_staff_import_cannot_rewrite_a_person_outside_the_scope(schools_inn, tmp_path, persona):  # noqa: F811
    world = schools_inn
    outsider = world["teachers"][OUTSIDE]
    before = _snapshot(outsider)
    path = write_csv(tmp_path / "s.csv", [_outsider_row(world, Имя="Подменённое")])
    result = run_import("staff", path, user=world["users"][persona])
    assert not result.written
    assert result.errors == [(2, "СНИЛС", REGISTRY_MISMATCH)]
    # The error names no stored value.
    assert outsider.last_name not in REGISTRY_MISMATCH and "Анна" not in REGISTRY_MISMATCH
    assert _snapshot(outsider) == before
    assert Employment.objects.filter(person=outsider).count() == 1


@pytest.mark.django_db
def test_staff_import_attaches_a_matching_outsider_by_the_job_only(schools_inn, tmp_path, client):  # noqa: F811
    world = schools_inn
    outsider = world["teachers"][OUTSIDE]
    before = _snapshot(outsider)
    events_before = PersonEvent.objects.filter(pgh_obj=outsider).count()
    # Surname in another case and with ё, other category, email and phone: those are not theirs to write.
    row = _outsider_row(
        world, Фамилия=outsider.last_name.upper(), Категория="Высшая", Email="x@example.ru", Телефон="1"
    )
    path = write_csv(tmp_path / "s.csv", [row])
    user = world["users"]["school_coordinator_in"]
    result = run_import("staff", path, user=user)
    assert result.written and result.errors == []
    assert (result.new, result.changed) == (1, 0)
    assert _snapshot(outsider) == before
    assert PersonEvent.objects.filter(pgh_obj=outsider).count() == events_before
    jobs = set(Employment.objects.filter(person=outsider).values_list("organization_id", flat=True))
    assert jobs == {world["schools"][7].pk, world["schools"][0].pk}
    # The person is now in the importer's scope, their card shows no change made by the importer.
    client.force_login(user)
    card = client.get(f"/people/{outsider.pk}/").content.decode()
    assert "Подменённое" not in card and "x@example.ru" not in card


@pytest.mark.django_db
def test_staff_preview_tells_an_outsiders_snils_from_an_unknown_one_by_nothing(schools_inn, tmp_path):  # noqa: F811
    world = schools_inn
    user = world["users"]["school_coordinator_in"]
    known = run_import(
        "staff", write_csv(tmp_path / "a.csv", [_outsider_row(world)]), user=user, dry_run=True
    )
    unknown = run_import(
        "staff",
        write_csv(tmp_path / "b.csv", [staff_row(world, Фамилия="Новикова")]),
        user=user,
        dry_run=True,
    )
    assert (known.new, known.changed, known.unchanged) == (unknown.new, unknown.changed, unknown.unchanged)
    assert (known.new, known.changed) == (1, 0)


@pytest.mark.django_db
def test_staff_import_still_updates_people_in_the_scope(schools_inn, tmp_path):  # noqa: F811
    world = schools_inn
    insider = world["teachers"][0]
    row = staff_row(
        world,
        СНИЛС=insider.snils,
        Фамилия="Новая",
        Имя=insider.first_name,
        **{"Дата рождения": insider.birth_date.strftime("%d.%m.%Y")},
    )
    result = run_import(
        "staff", write_csv(tmp_path / "s.csv", [row]), user=world["users"]["school_coordinator_in"]
    )
    assert result.written and result.changed == 1
    insider.refresh_from_db()
    assert insider.last_name == "Новая"


# --- 1. the person form -----------------------------------------------------------------------------------------


def _person_post(world, person, **over):
    data = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "middle_name": "",
        "birth_date": person.birth_date.strftime("%d.%m.%Y"),
        "snils": person.snils,
        "sex": "f",
        "education": "",
        "category": "none",
        "job-organization": world["schools"][0].pk,
        "job-position": Employment.objects.filter(person=person).first().position_id,
        "job-is_main": "on",
    }
    data.update(over)
    return data


@pytest.mark.django_db
def test_person_form_is_no_snils_oracle(world, client):
    outsider = world["teachers"][OUTSIDE]
    before = _snapshot(outsider)
    client.force_login(world["users"]["school_coordinator_in"])
    response = client.post(
        "/people/new/", _person_post(world, outsider, last_name="Петрова", first_name="Ольга")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert REGISTRY_MISMATCH in page
    assert "уже есть" not in page and outsider.last_name not in page and "Анна" not in page
    assert _snapshot(outsider) == before
    assert Employment.objects.filter(person=outsider).count() == 1


@pytest.mark.django_db
def test_person_form_attaches_a_matching_outsider(world, client):
    outsider = world["teachers"][OUTSIDE]
    before = _snapshot(outsider)
    client.force_login(world["users"]["school_coordinator_in"])
    response = client.post("/people/new/", _person_post(world, outsider, email="new@example.ru", sex="m"))
    assert response.status_code == 302 and response["Location"] == f"/people/{outsider.pk}/"
    assert _snapshot(outsider) == before
    assert Employment.objects.filter(person=outsider, organization=world["schools"][0]).exists()
    assert Person.objects.count() == 16


@pytest.mark.django_db
def test_person_form_snils_of_someone_in_the_scope_and_edit_to_a_taken_snils(world, client):
    insider, other = world["teachers"][0], world["teachers"][OUTSIDE]
    client.force_login(world["users"]["school_coordinator_in"])
    response = client.post("/people/new/", _person_post(world, insider))
    assert "уже есть в вашей области доступа" in response.content.decode()
    assert Person.objects.count() == 16
    # Editing one's own teacher's SNILS to a taken one: an error, not a server error, and nobody's name.
    data = _person_post(world, insider, snils=other.snils, version=insider.version)
    response = client.post(f"/people/{insider.pk}/edit/", data)
    page = response.content.decode()
    assert response.status_code == 200 and "уже принадлежит другой записи" in page
    assert other.last_name not in page
    insider.refresh_from_db()
    assert insider.snils != other.snils


# --- 2–4. communities and internships ---------------------------------------------------------------------------


def _community(world, **kw):
    defaults = {"name": "Клуб", "kind": "club", "level": "regional"}
    defaults.update(kw)
    return Community.objects.create(**defaults)


@pytest.mark.django_db
def test_community_leader_adds_only_people_in_their_scope(world, client):
    own = _community(world, level="municipal", municipality=world["municipalities"][0])
    outsider = world["teachers"][OUTSIDE]
    client.force_login(world["users"]["municipal_coordinator_in"])
    response = client.post(
        f"/resources/communities/{own.pk}/join/", {"person": outsider.pk, "status": "member"}, follow=True
    )
    page = response.content.decode()
    assert "Педагог не найден в вашей области доступа" in page
    assert outsider.last_name not in page
    assert not Membership.objects.filter(community=own, person=outsider).exists()
    # A teacher of one's own municipality is added.
    insider = world["teachers"][2]
    client.post(f"/resources/communities/{own.pk}/join/", {"person": insider.pk, "status": "member"})
    assert Membership.objects.filter(community=own, person=insider).exists()
    # The outsider joins themselves.
    client.force_login(world["users"]["teacher_out"])
    client.post(f"/resources/communities/{own.pk}/join/")
    assert Membership.objects.filter(community=own, person=outsider).exists()


@pytest.mark.django_db
def test_municipal_coordinator_edits_only_their_municipalitys_communities(world, client):
    regional = _community(world, name="Региональное")
    foreign = _community(world, name="Чужое", level="municipal", municipality=world["municipalities"][3])
    own = _community(world, name="Своё", level="municipal", municipality=world["municipalities"][0])
    client.force_login(world["users"]["municipal_coordinator_in"])
    post = {
        "name": "Захват",
        "kind": "club",
        "level": "municipal",
        "municipality": world["municipalities"][0].pk,
    }
    for community in (regional, foreign):
        assert client.get(f"/resources/communities/{community.pk}/edit/").status_code == 403
        assert client.post(f"/resources/communities/{community.pk}/edit/", post).status_code == 403
        saved = Community.objects.get(pk=community.pk)
        assert (saved.name, saved.municipality_id) == (community.name, community.municipality_id)
    # Their own: editable, but not movable to another municipality.
    response = client.post(
        f"/resources/communities/{own.pk}/edit/", {**post, "municipality": world["municipalities"][3].pk}
    )
    assert response.status_code == 200
    assert Community.objects.get(pk=own.pk).municipality_id == world["municipalities"][0].pk
    response = client.post(f"/resources/communities/{own.pk}/edit/", {**post, "name": "Своё-2"})
    assert response.status_code == 302
    assert Community.objects.get(pk=own.pk).name == "Своё-2"
    # The page offers «Изменить» only where it works.
    assert "Изменить" not in client.get(f"/resources/communities/{regional.pk}/").content.decode()
    assert "Изменить" in client.get(f"/resources/communities/{own.pk}/").content.decode()


@pytest.mark.django_db
def test_member_and_participant_names_only_within_the_scope(world, client):
    from profrost.structure.models import OrganizationStatus

    inside, outsider = world["teachers"][0], world["teachers"][OUTSIDE]
    community = _community(world)
    for person in (inside, outsider):
        Membership.objects.create(
            community=community, person=person, status="member", since=datetime.date.today()
        )
    site = world["schools"][7]
    OrganizationStatus.objects.create(organization=site, kind="internship_site", start=datetime.date.today())
    day = datetime.date.today()
    internship = Internship.objects.create(title="Стажировка", site=site, start=day, end=day, capacity=5)
    for person in (inside, outsider):
        InternshipParticipant.objects.create(internship=internship, person=person)
    internship.mentors.add(world["teachers"][14])
    for persona in ("teacher_in", "school_coordinator_in", "municipal_coordinator_in", "methodologist"):
        client.force_login(world["users"][persona])
        for url, hidden_id in (
            (f"/resources/communities/{community.pk}/", "hidden-members"),
            (f"/resources/internships/{internship.pk}/", "hidden-participants"),
        ):
            page = client.get(url).content.decode()
            assert outsider.last_name not in page, (persona, url)
            assert world["teachers"][14].last_name not in page, (persona, url)
            assert hidden_id in page
            assert (inside.last_name in page) == (persona != "methodologist"), (persona, url)
    client.force_login(world["users"]["center_staff"])
    page = client.get(f"/resources/communities/{community.pk}/").content.decode()
    assert outsider.last_name in page and inside.last_name in page and "hidden-members" not in page


# --- 5. exports follow the sensitive-field rule -----------------------------------------------------------------


@pytest.mark.django_db
def test_tutors_routes_export_carries_no_snils(world, client):
    day = datetime.date.today()
    tutee = world["teachers"][0]
    tutor = world["users"]["methodologist"]
    Route.objects.create(person=tutee, start=day, end=day, tutor=tutor)

    def export_rows(user):
        client.force_login(user)
        response = client.get("/routes/?format=xlsx")
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        sheet = load_workbook(io.BytesIO(body))["Пункты маршрутов"]
        return [list(r) for r in sheet.iter_rows(values_only=True)]

    # The route has no items: add one so the sheet has a row.
    from profrost.routes.models import RouteItem

    RouteItem.objects.create(route=Route.objects.get(person=tutee), section="1.3", content="Курс")
    rows = export_rows(tutor)
    assert rows[0][0] == "СНИЛС" and rows[1][1] == tutee.full_name
    assert not rows[1][0]  # the card hides SNILS from the tutor, so does the export
    assert tutee.snils[:3] not in "".join(str(c) for c in rows[1] if c)
    rows = export_rows(world["users"]["school_coordinator_in"])
    assert rows[1][0].replace("-", "").replace(" ", "") == tutee.snils


# --- 6. no open redirect ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "http:/evil.example", " //evil.example"],
)
def test_bulk_tutor_next_stays_on_the_site(world, client, target):
    client.force_login(world["users"]["center_staff"])
    response = client.post("/routes/tutor/", {"next": target, "tutor": "nobody"})
    assert response.status_code == 302
    assert response["Location"] == "/routes/"
    response = client.post("/routes/tutor/", {"next": "/routes/?status=draft", "tutor": "nobody"})
    assert response["Location"] == "/routes/?status=draft"


@pytest.mark.django_db
def test_import_job_of_someone_else_stays_hidden(world, client):
    job = ImportJob.objects.create(user=world["users"]["region_admin"], kind="staff", original_name="x.csv")
    client.force_login(world["users"]["school_coordinator_in"])
    assert client.get(f"/imports/job/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_event_attendance_names_nobody_outside_the_event(world, client):
    from profrost.resources.models import Event

    day = datetime.date.today()
    event = Event.objects.create(
        title="Семинар", kind="seminar", level="municipal", organizer=world["schools"][0], start=day, end=day
    )
    outsider = world["teachers"][OUTSIDE]
    client.force_login(world["users"]["municipal_coordinator_in"])  # the organizer's municipality
    response = client.post(
        f"/resources/events/{event.pk}/attendance/", {"person": outsider.pk, "attended": "yes"}
    )
    assert response.status_code == 404
    assert outsider.last_name not in response.content.decode()


@pytest.mark.django_db
def test_a_teacher_returning_to_a_school_they_left_gets_a_new_job(schools_inn, tmp_path):  # noqa: F811
    """The ended job is not matched: the row is a new job (counted as «новых», like anyone the importer cannot
    see — no hint that they once worked there), and the teacher is in the school's scope again."""
    world = schools_inn
    teacher, user = world["teachers"][0], world["users"]["school_coordinator_in"]
    old_job = Employment.objects.get(person=teacher)
    Employment.objects.filter(pk=old_job.pk).update(end=datetime.date.today() - datetime.timedelta(days=30))
    assert not Person.objects.visible_to(user).filter(pk=teacher.pk).exists()
    row = staff_row(
        world,
        СНИЛС=teacher.snils,
        Фамилия=teacher.last_name,
        Имя=teacher.first_name,
        Отчество=teacher.middle_name,
        Должность=old_job.position.name,
        **{"Дата рождения": teacher.birth_date.strftime("%d.%m.%Y")},
    )
    result = run_import("staff", write_csv(tmp_path / "s.csv", [row]), user=user)
    assert result.written and (result.new, result.changed, result.unchanged) == (1, 0, 0)
    jobs = Employment.objects.filter(person=teacher).order_by("pk")
    assert [j.end is None for j in jobs] == [False, True]
    assert Person.objects.visible_to(user).filter(pk=teacher.pk).exists()

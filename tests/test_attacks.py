"""Attacks after issue 9: hostile values in hand-read POST fields, scope probes. Each test failed before its fix."""

import datetime

import pytest

from profrost.routes.models import Route, RouteItem

NUL = "a\x00b"


def _route(person, **kw):
    today = datetime.date.today()
    return Route.objects.create(person=person, start=today, end=today + datetime.timedelta(days=300), **kw)


@pytest.mark.django_db
def test_nul_in_route_comments_is_no_server_error(world, client):
    client.raise_request_exception = False
    t = world["teachers"][0]
    route = _route(t, status="review")
    RouteItem.objects.create(route=route, section="1.3", content="Пункт")
    client.force_login(world["users"]["school_coordinator_in"])
    r = client.post(f"/routes/{route.pk}/do/reject/", {"comment": NUL})
    assert r.status_code != 500


@pytest.mark.django_db
def test_nul_in_tutor_login_is_no_server_error(world, client):
    client.raise_request_exception = False
    route = _route(world["teachers"][0])
    client.force_login(world["users"]["center_staff"])
    r = client.post("/routes/tutor/", {"tutor": NUL, "route": [str(route.pk)]})
    assert r.status_code != 500
    r = client.post(f"/routes/{route.pk}/tutor/", {"tutor": NUL})
    assert r.status_code != 500


@pytest.mark.django_db
def test_nul_in_item_report_and_review_is_no_server_error(world, client):
    client.raise_request_exception = False
    route = _route(world["teachers"][0], status="approved", tutor=world["users"]["methodologist"])
    item = RouteItem.objects.create(route=route, section="1.3", content="Пункт")
    client.force_login(world["users"]["teacher_in"])
    r = client.post(f"/routes/{route.pk}/items/{item.pk}/report/", {"report": NUL, "links": NUL})
    assert r.status_code != 500
    RouteItem.objects.filter(pk=item.pk).update(reported_at=datetime.datetime.now(datetime.UTC), report="x")
    client.force_login(world["users"]["methodologist"])
    r = client.post(f"/routes/{route.pk}/items/{item.pk}/review/", {"decision": "return", "comment": NUL})
    assert r.status_code != 500


@pytest.mark.django_db
def test_nul_in_an_online_answer_and_an_expert_comment_is_no_server_error(world, client):
    from profrost.diagnostics import taking
    from profrost.diagnostics.models import Campaign, Instrument, Item, ItemScore, Result

    client.raise_request_exception = False
    instrument = Instrument.objects.create(name="Тест")
    item = Item.objects.create(instrument=instrument, number="1", position=1, type="open", max_score=3)
    campaign = Campaign.objects.create(instrument=instrument, name="ДПК", kind="regional", time_limit=30)
    campaign.municipalities.add(world["municipalities"][0])
    taking.invite_participants(campaign)
    result = Result.objects.get(person=world["inside"]["teacher"])
    client.force_login(world["users"]["teacher_in"])
    client.get(f"/diagnostics/my/{result.pk}/")
    r = client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": item.pk, "answer": NUL})
    assert r.status_code != 500
    client.post(f"/diagnostics/my/{result.pk}/answer/", {"item": item.pk, "answer": "ответ"})
    client.post(f"/diagnostics/my/{result.pk}/submit/")
    score = ItemScore.objects.get(result=result, item=item)
    client.force_login(world["users"]["center_staff"])
    r = client.post(f"/diagnostics/review/{score.pk}/", {"score": "1", "comment": NUL})
    assert r.status_code != 500


@pytest.mark.django_db
def test_nul_in_an_application_rejection_is_no_server_error(world, client):
    from profrost.resources.models import Application, Cohort, Program, Quota

    client.raise_request_exception = False
    later = datetime.date.today() + datetime.timedelta(days=30)
    program = Program.objects.create(title="П", hours=36, form="distance", provider=world["center"])
    cohort = Cohort.objects.create(program=program, start=later, end=later, capacity=5)
    Quota.objects.create(cohort=cohort, municipality=world["municipalities"][0], places=2)
    application = Application.objects.create(
        cohort=cohort,
        person=world["teachers"][0],
        organization=world["schools"][0],
        municipality=world["municipalities"][0],
    )
    client.force_login(world["users"]["municipal_coordinator_in"])
    r = client.post(f"/resources/applications/{application.pk}/reject/", {"comment": NUL})
    assert r.status_code != 500


@pytest.mark.django_db
def test_huge_hours_of_a_route_item_is_a_form_error(world, client):
    client.raise_request_exception = False
    route = _route(world["teachers"][0])
    client.force_login(world["users"]["teacher_in"])
    r = client.post(
        f"/routes/{route.pk}/items/new/",
        {"section": "1.3", "content": "Курс", "hours": "9" * 20},
    )
    assert r.status_code == 200
    assert not route.items.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["school_coordinator_in", "municipal_coordinator_in"])
def test_a_former_job_does_not_open_a_person_who_left(world, client, persona):
    """Someone who once worked in school 0 and left is outside its scope: the old job's edit page answers 404
    (not their name), and a POST can't reopen the job to bring them back into scope (then card, SNILS, edit)."""
    from profrost.people.models import Employment, Person, Position

    client.raise_request_exception = False
    left = world["teachers"][15]  # works in school 7 now
    old = Employment.objects.create(
        person=left,
        organization=world["schools"][0],
        position=Position.objects.get(name="учитель"),
        start=datetime.date(2010, 9, 1),
        end=datetime.date(2015, 8, 31),
    )
    client.force_login(world["users"][persona])
    r = client.get(f"/people/employment/{old.pk}/edit/")
    assert r.status_code == 404
    assert left.last_name not in r.content.decode()
    r = client.post(
        f"/people/employment/{old.pk}/edit/",
        {
            "organization": world["schools"][0].pk,
            "position": old.position_id,
            "is_main": "on",
            "start": "01.09.2010",
            "end": "",
        },
    )
    assert r.status_code == 404
    old.refresh_from_db()
    assert old.end == datetime.date(2015, 8, 31)
    assert not Person.objects.visible_to(world["users"][persona]).filter(pk=left.pk).exists()
    assert client.post(f"/people/employment/{old.pk}/end/").status_code == 404


def _zip_not_xlsx():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


HOSTILE_UPLOADS = {
    "zip.xlsx": _zip_not_xlsx,
    "nul.csv": lambda: "СНИЛС;Фамилия\n".encode() + b"\x00" * 100 + b";\x00x\n",
    "wide.csv": lambda: (";".join(f"c{i}" for i in range(10_000)) + "\n" + ";" * 9_999 + "\n").encode(),
    "../../x.csv": lambda: "СНИЛС;Фамилия\n1;2\n".encode(),
    "empty.xlsx": lambda: b"PK\x05\x06" + b"\x00" * 18,
    "text.xlsx": lambda: b"just text",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(HOSTILE_UPLOADS))
@pytest.mark.parametrize("persona", ["school_coordinator_in", "region_admin"])
def test_hostile_uploads_on_the_import_page(world, client, settings, tmp_path, name, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from profrost.people.models import Person

    client.raise_request_exception = False
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(world["users"][persona])
    people = Person.objects.count()
    upload = SimpleUploadedFile(name, HOSTILE_UPLOADS[name]())
    r = client.post("/imports/staff/upload/", {"file": upload})
    assert r.status_code in (200, 302)
    if r.status_code == 302:
        page = client.get(r["Location"])
        assert page.status_code == 200
        job = r["Location"].rstrip("/").rsplit("/", 1)[-1]
        assert client.post(f"/imports/job/{job}/commit/", {"skip_invalid": "1"}).status_code == 302
    assert Person.objects.count() == people
    assert not list((tmp_path).glob("x.csv"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["school_coordinator_in", "municipal_coordinator_in"])
def test_applications_name_only_people_in_the_scope(world, client, persona):
    """An application filed by school 0 for a teacher who has since left (now in school 7, municipality 3):
    the cohort page of school 0's coordinators no longer names them, and they can't act on it."""
    from profrost.resources.models import Application, Cohort, Program, Quota

    later = datetime.date.today() + datetime.timedelta(days=30)
    program = Program.objects.create(title="П", hours=36, form="distance", provider=world["center"])
    cohort = Cohort.objects.create(program=program, start=later, end=later, capacity=5)
    Quota.objects.create(cohort=cohort, municipality=world["municipalities"][0], places=2)
    left = world["teachers"][15]
    left.last_name = "Ушедшая"
    left.save()
    application = Application.objects.create(
        cohort=cohort, person=left, organization=world["schools"][0], municipality=world["municipalities"][0]
    )
    client.force_login(world["users"][persona])
    page = client.get(f"/resources/cohorts/{cohort.pk}/").content.decode()
    assert "Ушедшая" not in page
    decision = "withdraw" if persona.startswith("school") else "confirm"
    assert client.post(f"/resources/applications/{application.pk}/{decision}/").status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["/\x00/evil.example", "/routes/\x7f", "/\x1b/x"])
def test_next_with_a_control_character_goes_to_the_default(world, client, target):
    route = _route(world["teachers"][0])
    client.force_login(world["users"]["center_staff"])
    tutor = world["users"]["methodologist"].pk
    r = client.post("/routes/tutor/", {"tutor": tutor, "route": [str(route.pk)], "next": target})
    assert r.status_code == 302
    assert r["Location"] == "/routes/"

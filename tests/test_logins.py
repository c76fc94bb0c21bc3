"""Sign-ins for everyone (issue 11, point 1): bulk creation by a coordinator with one-time passwords or
invitation links, the printable sheet and its XLSX, the forced password change, «Забыли пароль?»."""

import io
import re

import openpyxl
import pytest
from django.core import mail
from django.test import override_settings

from profrost.accounts.models import LoginSheet, Role, RoleCode, User
from tests.factories import make_person

NEW_PASSWORD = "Сложный-новый-пароль-2026"


@pytest.fixture
def school(world):
    school = world["schools"][0]
    with_email = make_person(
        school,
        last_name="Архипова",
        first_name="Людмила",
        middle_name="Петровна",
        email="arkhipova@example.org",
    )
    return {
        "coordinator": world["users"]["school_coordinator_in"],
        "no_login": world["teachers"][1],  # school_a, no login, no email
        "with_email": with_email,
        "had_login": world["teachers"][0],  # teacher_in's person
        "out_of_scope": world["teachers"][2],  # another school of the same municipality
    }


def _sign_in(client, username, password):
    """Through the login page, as a person would (axes needs the request)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def _create(client, ids, method="password"):
    return client.post("/accounts/logins/", {"person": [str(i) for i in ids], "method": method, "all": "0"})


def test_a_school_coordinator_creates_the_missing_sign_ins_and_gets_a_sheet(client, school):
    client.force_login(school["coordinator"])
    ids = [school[k].pk for k in ("no_login", "with_email", "had_login", "out_of_scope")]
    response = _create(client, ids)
    sheet = LoginSheet.objects.get(created_by=school["coordinator"])
    assert response.status_code == 302 and response["Location"] == f"/accounts/logins/{sheet.pk}/"
    # Only the two without a login in the coordinator's school; the other two are reported, not touched.
    assert sorted(r["name"] for r in sheet.rows) == sorted(
        [school["no_login"].full_name, school["with_email"].full_name]
    )
    assert sheet.report == {"created": 2, "had_login": [school["had_login"].full_name], "out_of_scope": 1}
    assert not User.objects.filter(person=school["out_of_scope"]).exists()
    assert User.objects.filter(person=school["had_login"]).count() == 1
    page = client.get(f"/accounts/logins/{sheet.pk}/").content.decode()
    assert "Создано учётных записей: 2; уже были у 1; вне вашей области доступа: 1." in page
    row = next(r for r in sheet.rows if r["person_id"] == school["with_email"].pk)
    assert row["username"] == "arkhipova.lp" and row["username"] in page and row["password"] in page
    assert len(row["password"]) == 10
    user = User.objects.get(username="arkhipova.lp")
    assert user.person == school["with_email"] and user.must_change_password
    assert list(Role.objects.filter(user=user).values_list("role", flat=True)) == [RoleCode.TEACHER]
    # The same sheet as XLSX.
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(f"/accounts/logins/{sheet.pk}/sheet.xlsx"))))
    values = [[c.value for c in r] for r in book.active.iter_rows()]
    assert values[0][:4] == ["ФИО", "Организация", "Логин", "Одноразовый пароль"]
    assert [
        "Архипова Людмила Петровна",
        str(school["no_login"].employments.get().organization),
        "arkhipova.lp",
        row["password"],
    ] in [v[:4] for v in values]


def test_the_one_time_password_must_be_changed_at_the_first_sign_in(client, school):
    client.force_login(school["coordinator"])
    _create(client, [school["with_email"].pk])
    password = LoginSheet.objects.get().rows[0]["password"]
    client.logout()
    assert _sign_in(client, "arkhipova.lp", password)
    # Every page leads to the password change until the password is the person's own.
    for path in ("/", "/people/me/", "/routes/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/", path
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not User.objects.get(username="arkhipova.lp").must_change_password
    assert client.get("/people/me/").status_code == 200


def test_the_same_names_get_distinct_logins(client, world):
    school = world["schools"][0]
    twins = [
        make_person(school, last_name="Щукина", first_name="Юлия", middle_name="Ёжикова") for _ in range(3)
    ]
    User.objects.create_user(username="shchukina.iue", password="x")
    client.force_login(world["users"]["school_coordinator_in"])
    _create(client, [p.pk for p in twins])
    assert sorted(r["username"] for r in LoginSheet.objects.get().rows) == [
        "shchukina.iue2",
        "shchukina.iue3",
        "shchukina.iue4",
    ]


def test_invitations_by_link_and_by_email(client, school, django_capture_on_commit_callbacks):
    client.force_login(school["coordinator"])
    with (
        django_capture_on_commit_callbacks(execute=True),
        override_settings(
            EMAIL_HOST="smtp.example.org", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ),
    ):
        _create(client, [school["no_login"].pk, school["with_email"].pk], method="invite")
    sheet = LoginSheet.objects.get()
    by_person = {r["person_id"]: r for r in sheet.rows}
    assert by_person[school["no_login"].pk]["note"] == "нет адреса эл. почты — передайте ссылку лично"
    assert by_person[school["with_email"].pk]["note"] == ""
    # One letter, to the person with an address, carrying their link.
    assert [m.to for m in mail.outbox] == [["arkhipova@example.org"]]
    link = by_person[school["with_email"].pk]["link"]
    assert link in mail.outbox[0].body and "arkhipova.lp" in mail.outbox[0].body
    assert not User.objects.get(username="arkhipova.lp").has_usable_password()
    client.logout()
    path = re.sub(r"^https?://[^/]+", "", link)
    form_page = client.get(path, follow=True)
    assert "Задайте пароль" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(username="arkhipova.lp")
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
    # The link works once.
    again = client.get(path, follow=True).content.decode()
    assert "Ссылка недействительна" in again and "Задайте пароль" not in again


def test_an_expired_invitation_says_so_and_offers_a_new_link(client, school):
    client.force_login(school["coordinator"])
    _create(client, [school["with_email"].pk], method="invite")
    path = re.sub(r"^https?://[^/]+", "", LoginSheet.objects.get().rows[0]["link"])
    client.logout()
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        page = client.get(path, follow=True).content.decode()
    assert "Срок действия ссылки истёк" in page and "/accounts/password/forgot/" in page


@override_settings(
    EMAIL_HOST="smtp.example.org", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
def test_forgot_password_sends_a_link_only_to_a_known_address(client, world):
    user = world["users"]["teacher_in"]
    User.objects.filter(pk=user.pk).update(email="teacher@example.org")
    for email in ("nobody@example.org", "teacher@example.org"):
        response = client.post("/accounts/password/forgot/", {"email": email})
        assert response.status_code == 302 and response["Location"] == "/accounts/password/forgot/sent/"
    assert [m.to for m in mail.outbox] == [["teacher@example.org"]]
    path = re.search(r"https?://[^/]+(/accounts/password/set/\S+)", mail.outbox[0].body).group(1)
    target = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(target, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert _sign_in(client, "teacher_in", NEW_PASSWORD)


def test_forgot_password_without_mail_says_whom_to_ask(client, db):
    page = client.get("/accounts/password/forgot/").content.decode()
    assert "Отправка писем в этой системе не настроена" in page
    assert "Забыли пароль?" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("persona", ["teacher_in", "methodologist", "expert", "mentor"])
def test_only_the_center_and_coordinators_create_sign_ins(client, world, persona):
    client.force_login(world["users"][persona])
    assert _create(client, [world["teachers"][1].pk]).status_code == 403
    assert not LoginSheet.objects.exists()


def test_a_sheet_is_its_creators_only(client, school, world):
    client.force_login(school["coordinator"])
    _create(client, [school["no_login"].pk])
    sheet = LoginSheet.objects.get()
    for other in ("region_admin", "school_coordinator_out", "teacher_in"):
        client.force_login(world["users"][other])
        for path in (f"/accounts/logins/{sheet.pk}/", f"/accounts/logins/{sheet.pk}/sheet.xlsx"):
            assert client.get(path).status_code == 404
        assert client.post(f"/accounts/logins/{sheet.pk}/delete/").status_code == 404
    client.force_login(school["coordinator"])
    assert client.post(f"/accounts/logins/{sheet.pk}/delete/").status_code == 302
    assert not LoginSheet.objects.exists()


def test_everyone_in_the_filter_stays_inside_the_scope(client, world):
    client.force_login(world["users"]["municipal_coordinator_in"])
    client.post("/accounts/logins/", {"all": "1", "query": "", "method": "password"})
    sheet = LoginSheet.objects.get()
    mun = world["municipalities"][0]
    expected = {t.full_name for t in world["teachers"][:4]} - {world["teachers"][0].full_name}
    assert {r["name"] for r in sheet.rows} == expected
    assert all(t.employments.get().organization.municipality == mun for t in world["teachers"][:4])


@pytest.mark.parametrize("values", [[], ["abc"], ["-1"], ["1\x00"], ["9" * 5000]])
def test_nothing_marked_or_hostile_ids_give_a_message(client, world, values):
    client.force_login(world["users"]["school_coordinator_in"])
    response = client.post("/accounts/logins/", {"person": values, "all": "0"}, follow=True)
    assert "Отметьте педагогов в списке" in response.content.decode()
    assert not LoginSheet.objects.exists()


def test_the_people_list_offers_the_bulk_creation_to_coordinators_only(client, world):
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.get("/people/").content.decode()
    assert 'id="logins-form"' in page and 'name="person"' in page
    client.force_login(world["users"]["methodologist"])
    assert 'id="logins-form"' not in client.get("/people/").content.decode()

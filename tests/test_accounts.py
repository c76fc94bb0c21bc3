import pytest
from django.test import override_settings

from profrost.accounts.models import Role, User
from profrost.core.models import JournalEntry


def test_region_admin_creates_user_with_generated_password(world, client):
    client.force_login(world["users"]["region_admin"])
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "new_mc",
            "last_name": "Орлова",
            "first_name": "Ирина",
            "role": "municipal_coordinator",
            "municipality": world["municipalities"][1].pk,
        },
        follow=True,
    )
    assert "Пароль (показывается один раз)" in response.content.decode()
    user = User.objects.get(username="new_mc")
    role = user.roles.get()
    assert (role.role, role.municipality, role.created_by) == (
        "municipal_coordinator",
        world["municipalities"][1],
        world["users"]["region_admin"],
    )
    assert JournalEntry.objects.filter(action="role_change", object_id=str(user.pk)).exists()


def test_municipal_coordinator_creates_teacher_login_and_school_coordinator(world, client):
    mc = world["users"]["municipal_coordinator_in"]
    client.force_login(mc)
    teacher = world["teachers"][2]  # school 1 of municipality 0
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "teacher2",
            "last_name": "У",
            "first_name": "А",
            "role": "teacher",
            "person": teacher.pk,
            "password": "очень-длинный-пароль-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="teacher2").person == teacher
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "sc2",
            "last_name": "К",
            "first_name": "Б",
            "role": "school_coordinator",
            "organization": world["schools"][1].pk,
            "password": "очень-длинный-пароль-42",
        },
    )
    assert response.status_code == 302
    assert Role.objects.get(user__username="sc2").organization == world["schools"][1]


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"role": "school_coordinator", "organization": "school7"},
            "Организация не найдена в вашей области доступа",
        ),
        ({"role": "school_coordinator"}, "Выберите организацию"),
        ({"role": "school_coordinator", "organization": "34111000000"}, "Организация не найдена"),
        ({"role": "teacher", "person": "teacher15"}, "Педагог не найден в вашей области доступа"),
        ({"role": "region_admin"}, "Выберите корректный вариант"),
        ({"role": "teacher"}, "требует связать учётную запись"),
    ],
)
def test_municipal_coordinator_cannot_grant_outside_scope(world, client, data, message):
    # An id outside the coordinator's scope (a crafted POST: the page offers only their own people).
    if data.get("person") == "teacher15":
        data["person"] = world["teachers"][15].pk
    if data.get("organization") == "school7":
        data["organization"] = world["schools"][7].pk
    client.force_login(world["users"]["municipal_coordinator_in"])
    before = (User.objects.count(), Role.objects.count())
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "xx1",
            "last_name": "X",
            "first_name": "Y",
            "password": "очень-длинный-пароль-42",
            **data,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (User.objects.count(), Role.objects.count()) == before


def test_password_rules_in_russian(world, client):
    client.force_login(world["users"]["region_admin"])
    response = client.post(
        "/accounts/users/new/",
        {"username": "shortpw", "last_name": "X", "first_name": "Y", "role": "expert", "password": "qwerty"},
    )
    page = response.content.decode()
    assert "Введённый пароль слишком короткий" in page and "слишком широко распространён" in page
    assert not User.objects.filter(username="shortpw").exists()


def test_deactivated_user_loses_access_on_next_request(world, client):
    victim = world["users"]["school_coordinator_in"]
    client.force_login(victim)
    assert client.get("/people/").status_code == 200
    User.objects.filter(pk=victim.pk).update(is_active=False)
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_removed_role_loses_access_on_next_request(world, client):
    sc = world["users"]["school_coordinator_in"]
    client.force_login(sc)
    teacher = world["inside"]["teacher"]
    assert client.get(f"/people/{teacher.pk}/").status_code == 200
    Role.objects.filter(user=sc).delete()
    assert client.get(f"/people/{teacher.pk}/").status_code == 404


def test_deactivate_and_role_change_via_pages(world, client):
    admin, target = world["users"]["region_admin"], world["users"]["school_coordinator_out"]
    client.force_login(admin)
    client.post(f"/accounts/users/{target.pk}/active/", {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    role = target.roles.get()
    client.post(f"/accounts/roles/{role.pk}/remove/")
    assert not target.roles.exists()
    page = client.get(f"/accounts/users/{target.pk}/").content.decode()
    assert (
        "История изменений" in page
        and "Уполномоченный ОО" not in page.split("Назначить роль")[0].split('<h2 class="h5">Роли</h2>')[1]
    )


def test_coordinator_cannot_manage_region_staff(world, client):
    client.force_login(world["users"]["municipal_coordinator_in"])
    admin = world["users"]["region_admin"]
    assert client.post(f"/accounts/users/{admin.pk}/active/", {"active": "0"}).status_code == 404
    admin.refresh_from_db()
    assert admin.is_active


def test_login_logout_password_change_end_sessions(world, client):
    user = world["users"]["center_staff"]
    response = client.post(
        "/accounts/login/", {"username": "center_staff", "password": "Пароль-для-теста-2024"}
    )
    assert response.status_code == 302
    old_key = client.session.session_key
    assert client.get("/people/").status_code == 200
    client.post(
        "/accounts/password/",
        {
            "old_password": "Пароль-для-теста-2024",
            "new_password1": "Новый-пароль-для-теста-77",
            "new_password2": "Новый-пароль-для-теста-77",
        },
    )
    assert client.session.session_key != old_key
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert JournalEntry.objects.filter(action="password_change", user_id=user.pk).exists()
    assert JournalEntry.objects.filter(action="logout", user_id=user.pk).exists()


def test_new_session_key_at_login(world, client):
    client.get("/accounts/login/")
    client.session["x"] = 1
    before = client.session.session_key
    client.post("/accounts/login/", {"username": "center_staff", "password": "Пароль-для-теста-2024"})
    assert client.session.session_key != before


def test_absolute_session_lifetime(world, client, settings):
    client.force_login(world["users"]["center_staff"])
    assert client.get("/people/").status_code == 200
    session = client.session
    session["profrost_login_at"] = session["profrost_login_at"] - settings.SESSION_ABSOLUTE_LIFETIME - 1
    session.save()
    response = client.get("/people/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_demo_accounts_only_with_debug(world, client):
    User.objects.filter(username="expert").update(is_demo=True)
    creds = {"username": "expert", "password": "Пароль-для-теста-2024"}
    with override_settings(DEBUG=False):
        client.post("/accounts/login/", creds)
        assert "_auth_user_id" not in client.session
    with override_settings(DEBUG=True):
        client.post("/accounts/login/", creds)
        assert "_auth_user_id" in client.session

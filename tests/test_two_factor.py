"""Two-factor sign-in (issue 11, point 1): TOTP required for the region's administrators and the center's staff;
a wrong code counts towards the lockout."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from profrost.accounts.models import User

pytestmark = pytest.mark.usefixtures("two_factor_on")


@pytest.fixture
def two_factor_on():
    # django-otp also slows down guessing (a growing wait after each wrong code); off here so that a test may
    # type the right code right after a wrong one. The lockout (axes) is what these tests check.
    with override_settings(TWO_FACTOR_REQUIRED=True, OTP_TOTP_THROTTLE_FACTOR=0):
        yield


def _code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


@pytest.mark.parametrize("persona", ["region_admin", "center_staff"])
def test_the_region_roles_set_up_an_authenticator_and_then_get_in(client, world, persona):
    client.force_login(world["users"][persona])
    response = client.get("/people/", {"q": "Учитель", "page": "2"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/2fa/"
    assert parse_qs(location.query)["next"] == [
        "/people/?q=%D0%A3%D1%87%D0%B8%D1%82%D0%B5%D0%BB%D1%8C&page=2"
    ]
    page = client.get(response["Location"]).content.decode()
    device = TOTPDevice.objects.get(user=world["users"][persona])
    assert not device.confirmed and "<svg" in page and "Отсканируйте QR-код" in page
    # The same pending device (and QR code) on a reload.
    client.get("/accounts/2fa/")
    assert TOTPDevice.objects.filter(user=world["users"][persona]).count() == 1
    wrong = client.post("/accounts/2fa/", {"code": "000000" if _code(device) != "000000" else "111111"})
    assert "Неверный код" in wrong.content.decode()
    right = client.post("/accounts/2fa/", {"code": _code(device), "next": "/people/"})
    assert right.status_code == 302 and right["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_confirmed_authenticator_is_asked_for_a_code_without_the_qr(client, world):
    admin = world["users"]["region_admin"]
    device = TOTPDevice.objects.create(user=admin, name="телефон", confirmed=True)
    client.force_login(admin)
    page = client.get("/accounts/2fa/").content.decode()
    assert "Введите шесть цифр" in page and "<svg" not in page
    assert client.post("/accounts/2fa/", {"code": _code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_lock_the_login_like_wrong_passwords(client, world):
    admin = world["users"]["region_admin"]
    device = TOTPDevice.objects.create(user=admin, name="телефон", confirmed=True)
    client.force_login(admin)
    wrong = "000000" if _code(device) != "000000" else "111111"
    for _ in range(4):
        assert "Неверный код" in client.post("/accounts/2fa/", {"code": wrong}).content.decode()
    locked = client.post("/accounts/2fa/", {"code": wrong})
    assert locked.status_code == 429 and "Вход временно заблокирован" in locked.content.decode()
    # Signed out; and the password no longer opens the door either.
    assert client.get("/").status_code == 302
    response = client.post(
        "/accounts/login/", {"username": admin.username, "password": "Пароль-для-теста-2024"}
    )
    assert "Вход временно заблокирован" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["municipal_coordinator_in", "school_coordinator_in", "teacher_in", "methodologist", "expert"]
)
def test_other_roles_sign_in_with_a_password_only(client, world, persona):
    client.force_login(world["users"][persona])
    assert client.get("/").status_code in (200, 302)
    assert not client.get("/").get("Location", "").startswith("/accounts/2fa/")


def test_the_trials_demo_administrator_is_exempt(client, world):
    admin = world["users"]["region_admin"]
    User.objects.filter(pk=admin.pk).update(is_demo=True)
    with override_settings(DEBUG=True):
        client.force_login(User.objects.get(pk=admin.pk))
        assert client.get("/people/").status_code == 200


@pytest.mark.parametrize("code", ["", "abc", "1" * 5000, "12\x0034", "-1"])
def test_hostile_codes_are_wrong_codes(client, world, code):
    admin = world["users"]["region_admin"]
    TOTPDevice.objects.create(user=admin, name="телефон", confirmed=True)
    client.force_login(admin)
    assert "Неверный код" in client.post("/accounts/2fa/", {"code": code}).content.decode()

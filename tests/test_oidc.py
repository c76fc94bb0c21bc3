"""Sign-in through the region's identity provider (issue 11, point 1), against a mocked OpenID Connect provider:
the real code flow of mozilla-django-oidc (state, nonce, a signed id_token) with the provider's token and
userinfo endpoints answered by mocks."""

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.conf import settings
from django.test import override_settings

from profrost.accounts.models import Role, RoleCode, User
from tests.factories import make_person

SECRET = "a-client-secret-long-enough-for-hs256-0123456789abcdef"
PROVIDER = {
    "OIDC_RP_CLIENT_ID": "profrost",
    "OIDC_RP_CLIENT_SECRET": SECRET,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.org/auth",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.org/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.org/userinfo",
    "OIDC_RP_SIGN_ALGO": "HS256",
}


@pytest.fixture
def provider():
    backends = [*settings.AUTHENTICATION_BACKENDS, "profrost.accounts.oidc.RegionIdentityBackend"]
    with override_settings(**PROVIDER, AUTHENTICATION_BACKENDS=backends):
        yield


def _sign_in_with(client, claims, nonce_override=None):
    """Start at our page, come back from the 'provider' with a code; the provider's answers are mocked."""
    start = client.get("/accounts/oidc/start/")
    assert start.status_code == 302
    target = urlsplit(start["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == PROVIDER["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["client_id"] == "profrost" and params["redirect_uri"].endswith("/accounts/oidc/callback/")
    id_token = jwt.encode(
        {"sub": "42", "aud": "profrost", "nonce": nonce_override or params["nonce"]},
        SECRET,
        algorithm="HS256",
    )
    token_answer = mock.Mock(status_code=200, json=lambda: {"id_token": id_token, "access_token": "at"})
    userinfo = mock.Mock(headers={"content-type": "application/json"}, json=lambda: claims)
    with (
        mock.patch("mozilla_django_oidc.auth.requests.post", return_value=token_answer) as post,
        mock.patch("mozilla_django_oidc.auth.requests.get", return_value=userinfo),
    ):
        response = client.get("/accounts/oidc/callback/", {"code": "the-code", "state": params["state"]})
    assert post.call_args.kwargs["data"]["code"] == "the-code"
    return response


def _signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_a_teacher_is_matched_by_snils(client, world, provider):
    teacher = world["users"]["teacher_in"]
    response = _sign_in_with(client, {"snils": teacher.person.snils_display, "email": "other@example.org"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(client) == teacher


def test_a_registry_person_without_a_login_gets_one(client, world, provider):
    person = world["teachers"][1]
    _sign_in_with(client, {"snils": person.snils})
    user = _signed_in_as(client)
    assert user is not None and user.person == person and not user.has_usable_password()
    assert list(Role.objects.filter(user=user).values_list("role", flat=True)) == [RoleCode.TEACHER]


def test_an_unknown_snils_is_refused_with_a_message(client, world, provider):
    stranger = make_person(None)  # a valid SNILS…
    snils = stranger.snils
    stranger.delete()  # …that the registry does not hold
    response = _sign_in_with(client, {"snils": snils})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert _signed_in_as(client) is None
    page = client.get("/accounts/login/").content.decode()
    assert "Вашего СНИЛС нет в региональном реестре педагогов" in page
    assert User.objects.count() == len(world["users"])


def test_an_email_shared_by_two_logins_is_refused(client, world, provider):
    for name in ("methodologist", "expert"):
        User.objects.filter(pk=world["users"][name].pk).update(email="shared@example.org")
    response = _sign_in_with(client, {"email": "shared@example.org"})
    assert response["Location"] == "/accounts/login/" and _signed_in_as(client) is None
    assert "указан у нескольких учётных записей" in client.get("/accounts/login/").content.decode()


def test_a_unique_email_matches_when_no_snils_comes(client, world, provider):
    User.objects.filter(pk=world["users"]["methodologist"].pk).update(email="metod@example.org")
    _sign_in_with(client, {"email": "METOD@example.org", "snils": "не СНИЛС"})
    assert _signed_in_as(client) == world["users"]["methodologist"]


def test_a_token_for_another_sign_in_is_refused(client, world, provider):
    teacher = world["users"]["teacher_in"]
    response = _sign_in_with(client, {"snils": teacher.person.snils}, nonce_override="someone-elses-nonce")
    assert response["Location"] == "/accounts/login/" and _signed_in_as(client) is None
    assert "его ответ не прошёл проверку" in client.get("/accounts/login/").content.decode()


def test_a_disabled_login_is_not_signed_in(client, world, provider):
    teacher = world["users"]["teacher_in"]
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    _sign_in_with(client, {"snils": teacher.person.snils})
    assert _signed_in_as(client) is None
    assert User.objects.filter(person=teacher.person).count() == 1


def test_off_unless_configured(client, db):
    assert client.get("/accounts/oidc/start/").status_code == 404
    assert client.get("/accounts/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert 'id="oidc-login"' not in client.get("/accounts/login/").content.decode()


def test_the_sign_in_page_offers_the_provider_when_configured(client, db, provider):
    assert 'id="oidc-login"' in client.get("/accounts/login/").content.decode()

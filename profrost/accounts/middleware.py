import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from profrost.accounts import permissions


class ActiveUserMiddleware:
    """Ends sessions past their absolute lifetime (12 h) or of a deactivated user (docs/security.md §4, §8).

    Django's auth already rejects inactive users on the next request; the absolute lifetime is ours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get("profrost_login_at")
            now = time.time()
            if started is None:
                request.session["profrost_login_at"] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A login created for someone else (a one-time password) must choose its own password first: every page but
    the password change and the sign-out redirects there (User.must_change_password)."""

    ALLOWED = ("accounts:password_change", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(
                "/" + settings.STATIC_URL.lstrip("/")
            ):
                messages.info(request, "Задайте свой пароль: выданный пароль одноразовый.")
                return redirect("accounts:password_change")
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """The roles that see the whole region confirm their sign-in with a code from an authenticator app (TOTP,
    django-otp): until the session is verified, every page but the code page and the sign-out redirects there —
    to set the app up first when the user has none yet (docs/security.md, "Two-factor sign-in")."""

    ALLOWED = ("accounts:two_factor", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.TWO_FACTOR_REQUIRED
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and permissions.needs_two_factor(user)
        ):
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(
                "/" + settings.STATIC_URL.lstrip("/")
            ):
                return redirect(f"{reverse('accounts:two_factor')}?next={quote(request.get_full_path())}")
        return self.get_response(request)

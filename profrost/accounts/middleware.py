import time

from django.conf import settings
from django.contrib.auth import logout


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

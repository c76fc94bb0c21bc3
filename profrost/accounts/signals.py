import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from profrost.core.journal import journal
from profrost.core.models import JournalAction


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session["profrost_login_at"] = time.time()
    journal(JournalAction.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        journal(JournalAction.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    journal(
        JournalAction.LOGIN_FAILED,
        request=request,
        user=None,
        result="failure",
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def on_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    journal(
        JournalAction.LOCKOUT, request=request, user=None, result="locked", username=str(username or "")[:150]
    )

"""Notifications as a generic facility (docs/architecture.md): any app tells users something through the bell
(core.models.Notification) and, when an SMTP server is configured, by email.

The bell is written in the caller's transaction; the email goes after it commits — never while the caller's
rows are locked (an SMTP server's timeout would hold them), and never for a change that was rolled back.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction

from profrost.core.models import Notification


def email_on():
    return bool(getattr(settings, "EMAIL_HOST", "")) and settings.EMAIL_HOST != "localhost"


def notify(users, text, url=""):
    """One text to several users (None entries are skipped)."""
    users = [u for u in users if u is not None]
    Notification.objects.bulk_create([Notification(user=u, text=text[:500], url=url) for u in users])
    if email_on():
        recipients = [u.email for u in users if u.email]
        if recipients:
            transaction.on_commit(
                lambda: send_mail("ПрофРост: " + text[:80], text, None, recipients, fail_silently=True)
            )


def notify_each(notes):
    """Many notifications at once: `notes` are (user id, text, url); one bulk insert, one batch of email."""
    rows = [Notification(user_id=user_id, text=text[:500], url=url) for user_id, text, url in notes]
    Notification.objects.bulk_create(rows, batch_size=5000)
    if email_on() and rows:
        emails = dict(
            get_user_model()
            .objects.filter(pk__in={n.user_id for n in rows})
            .exclude(email="")
            .values_list("pk", "email")
        )
        messages = [
            ("ПрофРост: " + n.text[:80], n.text, None, [emails[n.user_id]])
            for n in rows
            if n.user_id in emails
        ]
        # After the commit, like notify(): immediately when no transaction is open.
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(rows)


def sent_before(urls):
    """{(url, text)} of the notifications already sent for these links (to send a reminder only once)."""
    return set(Notification.objects.filter(url__in=urls).values_list("url", "text"))

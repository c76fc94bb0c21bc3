"""Background work of accounts: a batch of sign-ins (hashing each password takes a fraction of a second)."""

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from profrost.accounts import actions
from profrost.accounts.models import LoginSheet, User
from profrost.core.models import TaskProgress


def invitation_link(base_url, user):
    """The link through which a new user sets their password (Django's password-reset token: it expires after
    PASSWORD_RESET_TIMEOUT and stops working once the password is set)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return base_url.rstrip("/") + reverse(
        "accounts:invitation", args=[uid, default_token_generator.make_token(user)]
    )


@task()
def create_logins(sheet_id, actor_id, person_ids, invite, base_url):
    sheet = LoginSheet.objects.select_related("progress").get(pk=sheet_id)
    progress_id = sheet.progress_id
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.RUNNING, total=len(person_ids), message="Создание учётных записей"
    )

    def report(done, total):
        TaskProgress.objects.filter(pk=progress_id).update(done=done, total=total)

    try:
        rows, report_ = actions.create_logins(
            User.objects.get(pk=actor_id),
            person_ids,
            invite=invite,
            link_for=lambda user: invitation_link(base_url, user),
            progress=report,
        )
    except actions.RoleRefused as exc:
        TaskProgress.objects.filter(pk=progress_id).update(state=TaskProgress.State.FAILED, message=str(exc))
        return
    except Exception:  # the page must say it failed, not spin forever
        TaskProgress.objects.filter(pk=progress_id).update(
            state=TaskProgress.State.FAILED, message="Не удалось создать учётные записи: ничего не создано."
        )
        raise
    LoginSheet.objects.filter(pk=sheet_id).update(rows=rows, report=report_)
    parts = [f"Создано учётных записей: {report_['created']}"]
    if report_["had_login"]:
        parts.append(f"уже были у {len(report_['had_login'])}")
    if report_["out_of_scope"]:
        parts.append(f"вне вашей области доступа: {report_['out_of_scope']}")
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.DONE, done=len(person_ids), message="; ".join(parts) + "."
    )

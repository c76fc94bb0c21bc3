"""Sign-in through the region's identity provider by OpenID Connect (a regional Keycloak, an ЕСИА gateway), with
mozilla-django-oidc. Off unless OIDC_RP_CLIENT_ID is set (settings.py, docs/deployment.md).

The provider vouches for who the person is; the system decides which login that is: by SNILS (the claim named
OIDC_SNILS_CLAIM) against the regional registry — the person's login, or a new «Педагог» login for a person
who has none yet — else by email against the logins. No match, or an email shared by several logins, is
refused with a message on the sign-in page; nothing is created then. A lookup by the provider's claim is
the system's own, not a user's: it is not scoped (docs/security.md, "Sign-in through the region's provider").
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from profrost.accounts.models import Role, RoleCode, User
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.validators import normalize_snils
from profrost.people.models import Person


class Refused(SuspiciousOperation):
    """A sign-in the system will not match; the message is for the person."""


def enabled():
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


class RegionIdentityBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims):
        return bool(self._snils(claims) or claims.get("email"))

    def _snils(self, claims):
        """The SNILS the provider passed, normalized; "" when none or not a valid one."""
        try:
            return normalize_snils(str(claims.get(settings.OIDC_SNILS_CLAIM) or "")[:40])
        except ValidationError:
            return ""

    def filter_users_by_claims(self, claims):
        self._person = None
        snils = self._snils(claims)
        if snils:
            person = Person.objects.filter(snils=snils).first()
            if person is None:
                raise self._refuse(
                    "Вашего СНИЛС нет в региональном реестре педагогов. Обратитесь к уполномоченному "
                    "вашей организации: он добавит вас в реестр."
                )
            users = User.objects.filter(person=person, is_active=True)
            if not users and User.objects.filter(person=person).exists():
                raise self._refuse("Ваша учётная запись отключена. Обратитесь к координатору.")
            self._person = person
            return users
        email = claims.get("email", "")
        users = User.objects.filter(email__iexact=email, is_active=True)
        if len(users) > 1:
            raise self._refuse(
                f"Адрес {email} указан у нескольких учётных записей — вход по нему невозможен. "
                "Обратитесь к координатору."
            )
        if not users:
            raise self._refuse(
                f"Учётной записи с адресом {email} нет, а СНИЛС поставщик входа не передал. "
                "Обратитесь к координатору."
            )
        return users

    def create_user(self, claims):
        """A person of the registry who has no login yet gets one (role «Педагог», no password of its own)."""
        person = self._person
        if person is None or not settings.OIDC_CREATE_USER:
            raise self._refuse(
                "Для вас ещё не создана учётная запись. Обратитесь к уполномоченному вашей организации."
            )
        user = User(
            username=f"snils.{person.snils}",
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            email=person.email or claims.get("email", ""),
            person=person,
        )
        user.set_unusable_password()
        user.save()
        Role.objects.create(user=user, role=RoleCode.TEACHER)
        journal(JournalAction.CREATE, request=self.request, user=user, obj=user, via="oidc")
        return user

    def _refuse(self, message):
        messages.error(self.request, message)
        journal(JournalAction.LOGIN_FAILED, request=self.request, user=None, result="failure", via="oidc")
        return Refused(message)


class _OnlyWhenConfigured:
    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class Start(_OnlyWhenConfigured, OIDCAuthenticationRequestView):
    """To the provider's sign-in page."""

    def __init__(self, *args, **kwargs):
        if enabled():  # the parent reads the provider's settings, which exist only when configured
            super().__init__(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class Callback(_OnlyWhenConfigured, OIDCAuthenticationCallbackView):
    """Back from the provider: match the person and sign in, or say why not on the sign-in page."""

    def get(self, request):
        try:
            return super().get(request)
        except Refused:
            return self.login_failure()
        except SuspiciousOperation:  # a forged, replayed or stale answer: no sign-in, and no 400 page
            messages.error(
                request,
                "Вход через поставщика не удался: его ответ не прошёл проверку. Попробуйте войти ещё раз.",
            )
            journal(JournalAction.LOGIN_FAILED, request=request, user=None, result="failure", via="oidc")
            return self.login_failure()

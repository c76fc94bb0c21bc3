"""Users and roles: who may grant what, always inside the actor's own scope (plain functions)."""

import re
import secrets

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.mail import send_mass_mail
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from profrost.accounts import permissions
from profrost.accounts.models import Role, RoleCode, User
from profrost.accounts.roles import MUNICIPALITY_ROLES, ORGANIZATION_ROLES, REGION_ROLES
from profrost.core import notifications
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.scoping import scope_of
from profrost.people.models import Employment, Person
from profrost.structure.models import Municipality, Organization, Region


class RoleRefused(Exception):
    """A Russian message saying why the role can't be granted."""


def can_manage_users(user):
    return permissions.may_manage_users(user)


def grantable_roles(actor):
    if permissions.is_region_admin(actor):
        return list(RoleCode)
    if permissions.is_region_staff(actor):
        return [r for r in RoleCode if r != RoleCode.REGION_ADMIN]
    if permissions.is_municipal_coordinator(actor):
        return [RoleCode.SCHOOL_COORDINATOR, RoleCode.TEACHER]
    return []


def check_grant(actor, user, role, unit):
    """Raise RoleRefused unless `actor` may give `user` the role on `unit` (None for self roles)."""
    if role not in grantable_roles(actor):
        raise RoleRefused("Вы не можете назначать эту роль")
    scope = scope_of(actor)
    if role in REGION_ROLES:
        if not isinstance(unit, Region) or not (scope.everything or unit.pk in scope.region_ids):
            raise RoleRefused("Укажите регион из вашей области доступа")
    elif role in MUNICIPALITY_ROLES:
        if (
            not isinstance(unit, Municipality)
            or not Municipality.objects.visible_to(actor).filter(pk=unit.pk).exists()
        ):
            raise RoleRefused("Укажите муниципалитет из вашей области доступа")
    elif role in ORGANIZATION_ROLES:
        if (
            not isinstance(unit, Organization)
            or not Organization.objects.visible_to(actor).filter(pk=unit.pk).exists()
        ):
            raise RoleRefused("Укажите организацию из вашей области доступа")
    else:
        if role == RoleCode.TEACHER and not user.person_id:
            raise RoleRefused("Роль «Педагог» требует связать учётную запись с карточкой педагога")
        if user.person_id and not Person.objects.visible_to(actor).filter(pk=user.person_id).exists():
            raise RoleRefused("Педагог вне вашей области доступа")


def _unit_kwargs(role, unit):
    if role in REGION_ROLES:
        return {"region": unit}
    if role in MUNICIPALITY_ROLES:
        return {"municipality": unit}
    if role in ORGANIZATION_ROLES:
        return {"organization": unit}
    return {}


@transaction.atomic
def grant_role(actor, user, role, unit=None, request=None):
    check_grant(actor, user, role, unit)
    created = Role.objects.create(user=user, role=role, created_by=actor, **_unit_kwargs(role, unit))
    journal(
        JournalAction.ROLE_CHANGE,
        request=request,
        user=actor,
        obj=user,
        change="grant",
        role=role,
        scope=created.scope_label(),
    )
    return created


@transaction.atomic
def revoke_role(actor, role_obj, request=None):
    unit = role_obj.organization or role_obj.municipality or role_obj.region
    check_grant(actor, role_obj.user, role_obj.role, unit)
    journal(
        JournalAction.ROLE_CHANGE,
        request=request,
        user=actor,
        obj=role_obj.user,
        change="revoke",
        role=role_obj.role,
        scope=role_obj.scope_label(),
    )
    role_obj.delete()


def can_manage(actor, user):
    """A user whose every role the actor could grant (so a coordinator can't disable a minister)."""
    if actor.pk == user.pk:
        return False
    if actor.is_superuser:
        return True
    grantable = set(grantable_roles(actor))
    return bool(grantable) and all(r.role in grantable for r in user.roles.all())


@transaction.atomic
def create_user(
    actor, *, username, password, last_name, first_name, middle_name, email, person, role, unit, request=None
):
    user = User(
        username=username,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        email=email,
        person=person,
    )
    user.set_password(password)
    user.save()
    grant_role(actor, user, role, unit, request=request)  # refuses (and rolls back) outside the scope
    journal(JournalAction.CREATE, request=request, user=actor, obj=user, role=role)
    return user


@transaction.atomic
def set_active(actor, user, active, request=None):
    if not can_manage(actor, user):
        raise RoleRefused("Вы не можете изменять эту учётную запись")
    # An inactive user is refused by the auth backend on the very next request (docs/security.md §4).
    User.objects.filter(pk=user.pk).update(is_active=active)
    journal(
        JournalAction.UPDATE,
        request=request,
        user=actor,
        obj=user,
        change="activate" if active else "deactivate",
    )


# --- sign-ins for the staff -----------------------------------------------------------------------------------

# Letters and digits that cannot be mistaken for one another on a printed sheet (no 0/O, 1/l/I).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 10
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e iu ia".split(),
        strict=True,
    )
)


def one_time_password():
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def login_base(person):
    """ivanova.ap: the transliterated surname and initials, lower case (Latin letters only)."""

    def latin(text):
        return "".join(TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "") for ch in text.lower())

    surname = latin(person.last_name).replace("-", "")[:20] or "user"
    initials = latin(person.first_name[:1]) + latin(person.middle_name[:1])
    return f"{surname}.{initials}" if initials else surname


def _free_usernames(persons):
    """A login per person, unique among the existing ones and within the batch (ivanova.ap, ivanova.ap2, …)."""
    bases = {p.pk: login_base(p) for p in persons}
    taken = (
        set(
            User.objects.filter(
                username__regex=r"^(" + "|".join(sorted({re.escape(b) for b in bases.values()})) + r")\d*$"
            ).values_list("username", flat=True)
        )
        if bases
        else set()
    )
    chosen = {}
    for person in persons:
        base, n = bases[person.pk], 1
        name = base
        while name in taken:
            n += 1
            name = f"{base}{n}"
        taken.add(name)
        chosen[person.pk] = name
    return chosen


def create_logins(actor, person_ids, invite=False, link_for=None, progress=None, request=None):
    """Sign-ins (role «Педагог») for the people among `person_ids` whom the actor sees and who have none.

    Returns (rows, report). Rows are the lines of the sheet handed out ({person_id, name, organization,
    username, password, link, note}): each new login with a one-time password, or, with `invite`, with an
    invitation link (`link_for(user)`; the person sets their own password through it). The report counts who was
    passed over: {"created", "had_login": [names], "out_of_scope"}. Every new login must change its password at
    the first sign-in. Hashing a password takes a fraction of a second, so a batch runs as a task
    (accounts.tasks) and reports `progress(done, total)`. One transaction: all the logins or none. The email with
    the invitation goes, after the commit, to those who have an address."""
    if not permissions.may_create_logins(actor):
        raise RoleRefused("Вы не можете создавать учётные записи")
    report_progress = progress or (lambda done, total: None)
    wanted = set(person_ids)
    persons = list(
        Person.objects.visible_to(actor).filter(pk__in=wanted).order_by("last_name", "first_name", "pk")
    )
    out_of_scope = len(wanted) - len(persons)
    with_login = set(User.objects.filter(person__in=persons).values_list("person_id", flat=True))
    had_login = [p.full_name for p in persons if p.pk in with_login]
    missing = [p for p in persons if p.pk not in with_login]
    workplace = {}
    for job in (
        Employment.objects.filter(person__in=missing)
        .current()
        .select_related("organization")
        .order_by("-is_main", "pk")
    ):
        workplace.setdefault(job.person_id, str(job.organization))
    names = _free_usernames(missing)
    rows, users = [], []
    with transaction.atomic():
        for n, person in enumerate(missing, 1):
            user = User(
                username=names[person.pk],
                last_name=person.last_name,
                first_name=person.first_name,
                middle_name=person.middle_name,
                email=person.email,
                person=person,
                must_change_password=True,
            )
            password = "" if invite else one_time_password()
            if invite:
                user.set_unusable_password()
            else:
                user.set_password(password)
            user.save()
            users.append(user)
            Role.objects.create(user=user, role=RoleCode.TEACHER, created_by=actor)
            rows.append(
                {
                    "person_id": person.pk,
                    "name": person.full_name,
                    "organization": workplace.get(person.pk, ""),
                    "username": user.username,
                    "password": password,
                    "link": link_for(user) if invite else "",
                    "email": person.email,
                    "note": "нет адреса эл. почты — передайте ссылку лично"
                    if invite and not person.email
                    else "",
                }
            )
            if n % 10 == 0:
                report_progress(n, len(missing))
        journal(
            JournalAction.CREATE,
            request=request,
            user=actor,
            what="logins",
            created=len(rows),
            had_login=len(had_login),
            invite=invite,
        )
        if invite and notifications.email_on():
            days = settings.PASSWORD_RESET_TIMEOUT // 86400
            letters = [
                (
                    "ПрофРост: приглашение",
                    f"Здравствуйте!\n\nДля вас создана учётная запись в ПрофРосте. Логин: {r['username']}.\n"
                    f"Задайте пароль по ссылке (она действует {days} дн.):\n{r['link']}\n",
                    None,
                    [r["email"]],
                )
                for r in rows
                if r["email"]
            ]
            transaction.on_commit(lambda: send_mass_mail(letters, fail_silently=True))
    report_progress(len(missing), len(missing))
    return rows, {"created": len(rows), "had_login": had_login, "out_of_scope": out_of_scope}


# --- two-factor sign-in ----------------------------------------------------------------------------------------


def totp_device(user):
    """The user's authenticator (TOTP) device: the confirmed one, or one waiting to be set up (created once and
    kept until confirmed, so reloading the setup page does not change the QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="Приложение-аутентификатор", confirmed=False
        )
    return device


def verify_second_factor(request, device, code):
    """Check a code from the authenticator app. A right code verifies the session (and confirms a device being set
    up); a wrong one counts as a failed sign-in towards the lockout (django-axes), exactly like a wrong password.
    Returns True, False, or "locked" when this failure locked the login."""
    user = request.user
    code = "".join(ch for ch in str(code)[:20] if ch.isdigit())
    if code and device.verify_token(code):
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
        journal(JournalAction.LOGIN, request=request, user=user, second_factor="totp")
        return True
    credentials = {"username": user.username}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if AxesProxyHandler.is_locked(request, credentials):
        return "locked"
    return False

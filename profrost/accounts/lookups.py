"""The tutors lookup (core.lookups): an active user who may tutor a route (a methodologist, a mentor, the
center's staff — TUTOR_ROLES), by surname and name or by login; offered to those who assign tutors only."""

from django.db.models import Q

from profrost.accounts import permissions
from profrost.accounts.models import Role, User
from profrost.core import lookups


def tutors(user):
    if not permissions.may_assign_tutors(user):
        return User.objects.none()
    return User.objects.filter(
        is_active=True, pk__in=Role.objects.filter(role__in=permissions.TUTOR_ROLES).values("user_id")
    )


def search(qs, text):
    by_name = lookups.words_q(text, ["last_name", "first_name", "middle_name"])
    return qs.filter(by_name | Q(username__istartswith=text)).order_by("last_name", "first_name", "username")


def label(user):
    name = " ".join(p for p in (user.last_name, user.first_name, user.middle_name) if p)
    return f"{name} ({user.username})" if name and name != user.username else user.username


lookups.register(
    "tutors",
    queryset=tutors,
    search=search,
    label=label,
    placeholder="Фамилия или логин методиста, наставника",
)

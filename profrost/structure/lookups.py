"""The organizations lookup (core.lookups): an organization the user may see, by name or INN."""

from django.db.models import Q

from profrost.core import lookups
from profrost.structure.models import Organization


def organizations(user):
    return Organization.objects.visible_to(user).select_related("municipality")


def search(qs, text):
    digits = lookups.digits_of(text)
    if digits:
        qs = qs.filter(inn__startswith=digits)
    else:
        qs = qs.filter(Q(name__icontains=text) | Q(short_name__icontains=text))
    return qs.order_by("name", "pk")


def label(organization):
    where = [organization.municipality.name] if organization.municipality_id else []
    if organization.inn:
        where.append(f"ИНН {organization.inn}")
    return f"{organization.name} — {', '.join(where)}" if where else organization.name


lookups.register(
    "organizations",
    queryset=organizations,
    search=search,
    label=label,
    placeholder="Наименование или ИНН организации",
)

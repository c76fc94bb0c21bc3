"""The people lookup (core.lookups): a person the user may see (Person.visible_to), by surname, name and
patronymic, or by the full SNILS — a SNILS is a key, not a search term: a part of one finds nobody
(docs/security.md, "SNILS lookups"). Shown as «ФИО — организация» (the current job, the main one first)."""

from django.db.models import OuterRef, Q, Subquery

from profrost.core import lookups
from profrost.people.models import Employment, Person, name_q

NAME_FIELDS = ("last_name", "first_name", "middle_name")


def person_q(text, prefix=""):
    """The filter of the people a typed text names: 11 digits — that SNILS; words — the name's parts in order.
    `prefix` reaches the person from another model (`person__`)."""
    digits = lookups.digits_of(text)
    if digits:
        return Q(**{f"{prefix}snils": digits}) if len(digits) == 11 else Q(pk__in=[])
    return name_q(text, prefix)


def people(user):
    job = Employment.objects.filter(person=OuterRef("pk")).current().order_by("-is_main", "pk")
    return Person.objects.visible_to(user).annotate(
        lookup_organization=Subquery(job.values("organization__name")[:1])
    )


def search(qs, text):
    return qs.filter(person_q(text)).order_by(*NAME_FIELDS, "pk")


def label(person):
    where = getattr(person, "lookup_organization", None)
    return f"{person.full_name} — {where}" if where else person.full_name


lookups.register(
    "people", queryset=people, search=search, label=label, placeholder="Фамилия Имя или СНИЛС педагога"
)

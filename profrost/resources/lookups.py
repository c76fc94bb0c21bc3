"""The resources' lookups (core.lookups). Applicants: a current job of a teacher a coordinator may apply for — their
organizations' (their municipality's) current staff, shown as «ФИО — организация»; each job is one choice, so a
teacher with two jobs in the coordinator's scope appears once per organization. The center does not apply."""

from django.db.models import Q

from profrost.accounts import permissions
from profrost.core import lookups
from profrost.people import lookups as people_lookups
from profrost.people.lookups import NAME_FIELDS, person_q
from profrost.people.models import Employment
from profrost.resources.views.common import staff_choices


def applicants(user):
    jobs = staff_choices(user)
    if jobs is None or permissions.is_region_staff(user):
        return Employment.objects.none()
    return jobs


def search(qs, text):
    return qs.filter(person_q(text, "person__")).order_by(
        *(f"person__{f}" for f in NAME_FIELDS), "organization__name", "pk"
    )


def label(job):
    return f"{job.person.full_name} — {job.organization.name}"


lookups.register(
    "applicants",
    queryset=applicants,
    search=search,
    label=label,
    placeholder="Фамилия Имя или СНИЛС педагога",
)


def registrants(user):
    """Whom the user registers for an event or sends to an internship: a coordinator their current staff, anyone
    with a person record themselves (a teacher; a coordinator too)."""
    who = Q(pk__in=[getattr(user, "person_id", None) or 0])
    jobs = staff_choices(user)
    if jobs is not None:
        who |= Q(pk__in=jobs.values("person_id"))
    return people_lookups.people(user).filter(who)


lookups.register(
    "registrants",
    queryset=registrants,
    search=people_lookups.search,
    label=people_lookups.label,
    placeholder="Фамилия Имя или СНИЛС педагога",
)

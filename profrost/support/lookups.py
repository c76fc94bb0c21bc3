"""The support app's lookups (core.lookups), searched and shown as the people lookup does (by name or the full
SNILS): `asset_nominees` — whom the user may nominate to the methodological asset (support.models.nominees);
`support_teachers` — whom the user may record a visit or a consultation for (support.models.supported_people)."""

from profrost.core import lookups
from profrost.people import lookups as people_lookups
from profrost.support.models import nominees, supported_people


def candidates(user):
    return people_lookups.people(user).filter(pk__in=nominees(user).values("pk"))


lookups.register(
    "asset_nominees",
    queryset=candidates,
    search=people_lookups.search,
    label=people_lookups.label,
    placeholder="Фамилия Имя или СНИЛС педагога",
)


def supported(user):
    return people_lookups.people(user).filter(pk__in=supported_people(user).values("pk"))


lookups.register(
    "support_teachers",
    queryset=supported,
    search=people_lookups.search,
    label=people_lookups.label,
    placeholder="Фамилия Имя или СНИЛС педагога",
)

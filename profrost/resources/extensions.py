"""The resources app's extension points (profrost.core.extensions): the apps above it put their actions next to
a resource — on a cohort's, event's, internship's or community's page and on each row of a person's matching
resources — without resources knowing them (routes: «Добавить в маршрут»)."""

from dataclasses import dataclass

from profrost.core.extensions import Slot


@dataclass(frozen=True)
class Offer:
    """A resource offered to a person: `kind` is "cohort", "event", "internship" or "community" (as in
    resources.matching), `pk` the resource's id; `compact` on a list row (a short form, no explanations)."""

    person: object  # people.Person
    kind: str
    pk: int
    compact: bool = False


# Actions on a resource for a person (context functions get (request, Offer)); rendered by the
# `{% resource_actions %}` tag (resources/templatetags/resource_actions.py).
resource_actions = Slot("resource_actions")

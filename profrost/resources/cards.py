"""The resources app's sections on lower apps' pages (registered in ResourcesConfig.ready())."""

from profrost.people.extensions import person_card
from profrost.resources.growth import growth_record


@person_card.register("matching", "resources/_person_matching.html", order=15)
def person_matching(request, person):
    """The link to the resources matching the person's deficits, once there is a diagnostic result."""
    return {"person": person} if person.results.exists() else None


@person_card.register("growth", "resources/_person_growth.html", order=30)
def person_growth(request, person):
    return {"person": person, "growth": growth_record(person)}

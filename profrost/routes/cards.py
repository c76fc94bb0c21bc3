"""The routes app's sections on lower apps' pages (registered in RoutesConfig.ready())."""

from profrost.people.extensions import person_card


@person_card.register("routes", "routes/_person_routes.html", order=20)
def person_routes(request, person):
    return {"person": person, "routes": person.routes.order_by("-created_at")}

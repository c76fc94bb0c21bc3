"""The routes app's sections on lower apps' pages (registered in RoutesConfig.ready()): the routes on the person
card; «Добавить в маршрут» next to a resource (resources.extensions.resource_actions)."""

from types import SimpleNamespace

from profrost.accounts.permissions import is_region_staff
from profrost.people.extensions import person_card
from profrost.resources.extensions import resource_actions
from profrost.routes.actions import active_route, is_owner, is_school, may_create, may_edit
from profrost.routes.proposals import MODELS


@person_card.register("routes", "routes/_person_routes.html", order=20)
def person_routes(request, person):
    return {
        "person": person,
        "routes": person.routes.order_by("-created_at"),
        "can_create": active_route(person.pk) is None and may_create(request.user, person),
    }


def _hub(request, person):
    """The person's active route as the viewer meets it, once per request and person (a page of matches asks
    for every row): the route, the resources already in it, whether the viewer may add to it or make one."""
    cache = request.__dict__.setdefault("_route_hub", {})
    if person.pk not in cache:
        user = request.user
        route = active_route(person.pk)
        keys = set()
        if route is not None:
            fields = [f"{kind}_id" for kind in MODELS]
            for row in route.items.values(*fields):
                keys.update((kind, row[f"{kind}_id"]) for kind in MODELS if row[f"{kind}_id"])
        cache[person.pk] = SimpleNamespace(
            route=route,
            keys=keys,
            can_add=route is not None and may_edit(user, route),
            may_change=route is not None
            and (is_owner(user, route) or is_school(user, route) or is_region_staff(user)),
            can_create=route is None and may_create(user, person),
        )
    return cache[person.pk]


@resource_actions.register("route", "routes/_resource_action.html", order=10)
def add_to_route(request, offer):
    """«В маршруте» when the resource is on the person's active route; else «Добавить в маршрут» for whoever
    may edit its draft; for a route past its draft, how to change it (on a resource's page); with no route,
    «Составить маршрут» for whoever may make one."""
    hub = _hub(request, offer.person)
    in_route = (offer.kind, offer.pk) in hub.keys
    if not (in_route or hub.can_add or hub.can_create or (hub.may_change and not offer.compact)):
        return None
    return {"offer": offer, "hub": hub, "in_route": in_route, "next": request.get_full_path()}

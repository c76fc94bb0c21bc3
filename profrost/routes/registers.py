"""The registers of routes by municipality or, drilled down, by organization (replaces the Google Form of
004_… 1.3): developed, approved, in progress, completed, overdue; diagnosed vs with a route vs completed; and
the share of the routes' deficits closed by a later diagnosis. Counted in the database."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from profrost.diagnostics.models import CompetenceResult, Result
from profrost.people.models import Employment
from profrost.routes.actions import routes_visible_to
from profrost.routes.models import Route, RouteStatus
from profrost.structure.models import Municipality, Organization

COUNTERS = (
    "diagnosed",
    "with_route",
    "developed",
    "approved",
    "in_progress",
    "done",
    "partial",
    "overdue",
    "deficits",
    "closed",
)


def _unit(person_ref, by_organization):
    """The person's main-job municipality (or organization)."""
    field = "organization_id" if by_organization else "organization__municipality_id"
    return Subquery(
        Employment.objects.filter(person_id=OuterRef(person_ref)).order_by("-is_main", "pk").values(field)[:1]
    )


def register_rows(user, municipality_id=None, campaign_id=None):
    today = datetime.date.today()
    by_org = municipality_id is not None
    routes = routes_visible_to(user).exclude(status=RouteStatus.CANCELLED)
    results = Result.objects.visible_to(user).filter(status="scored")
    if campaign_id:
        routes = routes.filter(result__campaign_id=campaign_id)
        results = results.filter(campaign_id=campaign_id)
    if by_org:
        in_muni = Employment.objects.filter(organization__municipality_id=municipality_id).values("person_id")
        routes = routes.filter(person_id__in=in_muni)
        results = results.filter(person_id__in=in_muni)
    counts = {}

    def add(unit, key, n):
        counts.setdefault(unit, dict.fromkeys(COUNTERS, 0))[key] += n

    for row in (
        routes.annotate(unit=_unit("person_id", by_org))
        .values("unit")
        .annotate(
            developed=Count("pk"),
            with_route=Count("person_id", distinct=True),
            approved=Count(
                "pk",
                filter=Q(
                    status__in=[
                        RouteStatus.APPROVED,
                        RouteStatus.IN_PROGRESS,
                        RouteStatus.DONE,
                        RouteStatus.PARTIAL,
                    ]
                ),
            ),
            in_progress=Count("pk", filter=Q(status=RouteStatus.IN_PROGRESS)),
            done=Count("pk", filter=Q(status=RouteStatus.DONE)),
            partial=Count("pk", filter=Q(status=RouteStatus.PARTIAL)),
            overdue=Count(
                "pk", filter=Q(status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS], end__lt=today)
            ),
        )
    ):
        for key in ("developed", "with_route", "approved", "in_progress", "done", "partial", "overdue"):
            add(row["unit"], key, row[key])
    for row in (
        results.annotate(unit=_unit("person_id", by_org))
        .values("unit")
        .annotate(n=Count("person_id", distinct=True))
    ):
        add(row["unit"], "diagnosed", row["n"])
    # Deficits of the routes, and those a later scored diagnosis of the same person found closed.
    through = Route.deficits.through.objects.filter(route__in=routes.values("pk"))
    later_ok = CompetenceResult.objects.filter(
        result__person_id=OuterRef("route__person_id"),
        result__status="scored",
        result__taken_on__gt=OuterRef("route__result__taken_on"),
        competence_id=OuterRef("competence_id"),
        is_deficit=False,
    )
    for row in (
        through.annotate(unit=_unit("route__person_id", by_org), closed=Exists(later_ok))
        .values("unit")
        .annotate(n=Count("pk"), c=Count("pk", filter=Q(closed=True)))
    ):
        add(row["unit"], "deficits", row["n"])
        add(row["unit"], "closed", row["c"])
    model = Organization if by_org else Municipality
    names = dict(model.objects.filter(pk__in=[k for k in counts if k]).values_list("pk", "name"))
    rows = []
    for unit, values in counts.items():
        rows.append(
            {
                "pk": unit,
                "name": names.get(unit, "без места работы"),
                **values,
                "closed_share": _share(values),
            }
        )
    rows.sort(key=lambda r: r["name"])
    total = {key: sum(r[key] for r in rows) for key in COUNTERS}
    total.update(pk=None, name="Итого")
    total["closed_share"] = _share(total)
    return rows, total


def _share(values):
    if not values["deficits"]:
        return None
    return (Decimal(values["closed"]) * 100 / values["deficits"]).quantize(Decimal("0.1"), ROUND_HALF_UP)

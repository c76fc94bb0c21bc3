"""The registers of routes by municipality or, drilled down, by organization (replaces the Google Form of
004_… 1.3): drafts, under review, developed, in progress, completed, overdue; diagnosed vs with a developed
route vs completed; and the share of the routes' deficits closed by a later diagnosis. Counted in the database.

A route counts as developed (004_… row 2, «разработаны ИОМ») once it is approved — approved, in progress or
completed. A draft (a machine-built one nobody looked at included) or a route under review is not developed:
they are counted in their own columns."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models.expressions import RawSQL

from profrost.core.charts import GREY, stacked_bars
from profrost.core.sql import subquery
from profrost.diagnostics.models import Result
from profrost.people.units import LEVEL_COLUMNS, PERSON_UNIT_SQL
from profrost.routes.actions import routes_visible_to
from profrost.routes.models import RouteStatus
from profrost.structure.models import Municipality, Organization

REGISTER_SQL = """
WITH rt AS MATERIALIZED (
    SELECT r.id, r.person_id, r.status, r."end", res.taken_on
      FROM routes_route r LEFT JOIN diagnostics_result res ON res.id = r.result_id
     WHERE r.id IN ({routes})
), dg AS MATERIALIZED (
    SELECT DISTINCT person_id FROM diagnostics_result WHERE id IN ({results})
), unit AS MATERIALIZED (
    -- each person's unit today: the one rule of people/units.py (the main job active today), set-wise
    SELECT pu.person_id, pu.{unit} AS unit FROM ({person_unit}) pu
     WHERE pu.person_id IN (SELECT person_id FROM rt UNION SELECT person_id FROM dg)
), route_counts AS (
    SELECT coalesce(u.unit, 0) AS unit,
           count(DISTINCT rt.person_id) FILTER (WHERE rt.status IN ({developed})) AS with_route,
           count(*) FILTER (WHERE rt.status = 'draft') AS drafts,
           count(*) FILTER (WHERE rt.status = 'review') AS review,
           count(*) FILTER (WHERE rt.status IN ({developed})) AS developed,
           count(*) FILTER (WHERE rt.status = 'approved') AS approved,
           count(*) FILTER (WHERE rt.status = 'in_progress') AS in_progress,
           count(*) FILTER (WHERE rt.status = 'done') AS done,
           count(*) FILTER (WHERE rt.status = 'partial') AS partial,
           count(*) FILTER (WHERE rt.status IN ('approved', 'in_progress') AND rt."end" < %s) AS overdue
      FROM rt LEFT JOIN unit u ON u.person_id = rt.person_id
     GROUP BY 1
), diagnosed AS (
    SELECT coalesce(u.unit, 0) AS unit, count(*) AS diagnosed
      FROM dg LEFT JOIN unit u ON u.person_id = dg.person_id GROUP BY 1
), d AS MATERIALIZED (
    SELECT rt.person_id, rt.taken_on, rd.competence_id
      FROM routes_route_deficits rd JOIN rt ON rt.id = rd.route_id
), closed AS (
    SELECT DISTINCT d.person_id, d.competence_id, d.taken_on
      FROM d
      JOIN diagnostics_result lr ON lr.person_id = d.person_id AND lr.status = 'scored' AND lr.taken_on > d.taken_on
      JOIN diagnostics_competenceresult cr
        ON cr.result_id = lr.id AND cr.competence_id = d.competence_id AND NOT cr.is_deficit
), deficits AS (
    SELECT coalesce(u.unit, 0) AS unit, count(*) AS deficits, count(c.person_id) AS closed
      FROM d
      LEFT JOIN closed c ON c.person_id = d.person_id AND c.competence_id = d.competence_id AND c.taken_on = d.taken_on
      LEFT JOIN unit u ON u.person_id = d.person_id
     GROUP BY 1
)
SELECT coalesce(rc.unit, dn.unit, df.unit),
       coalesce(dn.diagnosed, 0), coalesce(rc.with_route, 0), coalesce(rc.drafts, 0), coalesce(rc.review, 0),
       coalesce(rc.developed, 0), coalesce(rc.approved, 0),
       coalesce(rc.in_progress, 0), coalesce(rc.done, 0), coalesce(rc.partial, 0), coalesce(rc.overdue, 0),
       coalesce(df.deficits, 0), coalesce(df.closed, 0)
  FROM route_counts rc
  FULL JOIN diagnosed dn ON dn.unit = rc.unit
  FULL JOIN deficits df ON df.unit = coalesce(rc.unit, dn.unit)
"""

# Approved and later: the route was looked at and signed off (see the module's docstring).
DEVELOPED = (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS, RouteStatus.DONE, RouteStatus.PARTIAL)

COUNTERS = (
    "diagnosed",
    "with_route",
    "drafts",
    "review",
    "developed",
    "approved",
    "in_progress",
    "done",
    "partial",
    "overdue",
    "deficits",
    "closed",
)


def register_rows(user, municipality_id=None, campaign_id=None):
    today = datetime.date.today()
    by_org = municipality_id is not None
    routes = routes_visible_to(user).exclude(status=RouteStatus.CANCELLED)
    results = Result.objects.visible_to(user).filter(status="scored")
    if campaign_id:
        routes = routes.filter(result__campaign_id=campaign_id)
        results = results.filter(campaign_id=campaign_id)
    # who counts where: the unit rule of people/units.py on today (docs/domain.md §4), also for the drill-down
    person_unit = PERSON_UNIT_SQL.replace("%(day)s", "%s")
    unit_params = [today] * PERSON_UNIT_SQL.count("%(day)s")
    if by_org:
        in_muni = RawSQL(
            f"SELECT pu.person_id FROM ({person_unit}) pu WHERE pu.municipality_id = %s",
            [*unit_params, municipality_id],
        )
        routes = routes.filter(person_id__in=in_muni)
        results = results.filter(person_id__in=in_muni)
    counts = {}
    routes_sql, routes_params = subquery(routes.values("pk"))
    results_sql, results_params = subquery(results.values("pk"))
    sql = REGISTER_SQL.format(
        routes=routes_sql,
        results=results_sql,
        unit=LEVEL_COLUMNS["organization" if by_org else "municipality"],
        person_unit=person_unit,
        developed=", ".join(f"'{status}'" for status in DEVELOPED),
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*routes_params, *results_params, *unit_params, today])
        for unit, *values in cur.fetchall():
            counts[unit or None] = dict(zip(COUNTERS, values, strict=True))  # 0: no job
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


# The routes of a unit as one bar: the developed ones by their state (approved and not yet started, in progress,
# completed successfully, completed partially — together «разработано»), then those under review and the drafts.
CHART_SERIES = (
    ("approved", "Утверждены, не начаты", "#0072B2"),
    ("in_progress", "Выполняются", "#56B4E9"),
    ("done", "Завершены успешно", "#009E73"),
    ("partial", "Завершены частично", "#E69F00"),
    ("review", "На согласовании", "#CC79A7"),
    ("drafts", "Черновики", GREY),
)


def register_chart(rows, by_organization=False):
    """The registers' rows (register_rows) as stacked bars, one per municipality or organization."""
    return stacked_bars(
        f"Маршруты (ИОМ) по {'организациям' if by_organization else 'муниципалитетам'}",
        [r["name"] for r in rows],
        [(label, [r[key] for r in rows]) for key, label, _ in CHART_SERIES],
        colors=[color for *_, color in CHART_SERIES],
        total_labels=[
            f"разработано {r['developed']} из {r['developed'] + r['review'] + r['drafts']}" for r in rows
        ],
    )

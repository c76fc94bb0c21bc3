"""Routes as a spreadsheet: one row per route item, and the deficits nothing covers."""

from profrost.core.validators import format_snils
from profrost.people.models import sees_sensitive
from profrost.routes.models import Route, RouteItem

ITEM_HEADERS = [
    "СНИЛС",
    "ФИО",
    "Статус маршрута",
    "Раздел",
    "Содержание",
    "Часы",
    "Начало",
    "Окончание",
    "Дефициты",
    "ФР ДПП",
]


def _date(d):
    return d.strftime("%d.%m.%Y") if d else ""


def route_sheets(routes, user=None):
    """The SNILS column follows the cards' rule (people.models.sees_sensitive): empty for a tutor.
    user=None: the command line, which sees everything."""
    route_ids = routes.values("pk")

    def snils(person):
        return format_snils(person.snils) if user is None or sees_sensitive(user, person.pk) else ""

    items = (
        RouteItem.objects.filter(route_id__in=route_ids)
        .select_related("route__person", "cohort__program")
        .prefetch_related("deficits")
        .order_by(
            "route__person__last_name", "route__person__first_name", "route_id", "section", "position", "pk"
        )
    )

    def item_rows():
        for item in items.iterator(chunk_size=2000):
            person = item.route.person
            yield [
                snils(person),
                person.full_name,
                item.route.get_status_display(),
                item.section,
                item.content,
                item.hours,
                _date(item.start),
                _date(item.end),
                ";".join(sorted(c.code for c in item.deficits.all())),
                "да" if item.cohort_id and item.cohort.program.in_federal_registry else "нет",
            ]

    uncovered = (
        Route.uncovered.through.objects.filter(route_id__in=route_ids)
        .select_related("route__person", "competence")
        .order_by("route__person__last_name", "competence__code")
    )
    return [
        ("Пункты маршрутов", ITEM_HEADERS, item_rows()),
        (
            "Непокрытые дефициты",
            ["СНИЛС", "ФИО", "Код"],
            (
                [snils(u.route.person), u.route.person.full_name, u.competence.code]
                for u in uncovered.iterator(chunk_size=2000)
            ),
        ),
    ]

"""Поэлементный анализ of a campaign, computed in the database.

Over the scored results of a campaign, optionally narrowed to a group (a district, a municipality, an
organization, a position, a subject — a person belongs to a group through any of their jobs):

- per item: difficulty = the mean score as a share of the item's maximum; discrimination = the corrected
  item–total correlation, Pearson's r between the item's score and the rest of the test (total − item),
  PostgreSQL's corr(); flags for items too easy (> 0.95), too hard (< 0.10) or not discriminating (< 0.20);
- per competence: the mean percentage and the share of participants in deficit;
- the distribution of levels;
- the heat map municipality × competence (mean percentage), the municipality being that of the person's
  main job — the same one the results export shows.

Rounding (percentages and shares to one decimal, difficulty and discrimination to three) is half-up and
happens only at the end, on the figures the database returned.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.aggregates import Corr
from django.db.models import Avg, Count, F, OuterRef, Q, Subquery

from profrost.diagnostics.models import CompetenceResult, Item, ItemScore, ResultStatus
from profrost.people.models import Employment

TOO_EASY = Decimal("0.95")
TOO_HARD = Decimal("0.10")
NOT_DISCRIMINATING = Decimal("0.20")

GROUPS = {
    "district": "organization__municipality__district_id",
    "municipality": "organization__municipality_id",
    "organization": "organization_id",
    "position": "position_id",
    "subject": "subjects",
}

LEVELS = ["высокий", "повышенный", "базовый", "удовлетворительный", "низкий"]


def rounded(value, places):
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share(part, whole):
    return rounded(Decimal(part) * 100 / whole, 1) if whole else None


def narrow(results, **groups):
    """The results of the people in every given group (ids; empty values are ignored)."""
    wanted = {GROUPS[k]: v for k, v in groups.items() if k in GROUPS and v and str(v).isdigit()}
    if wanted:
        results = results.filter(person__in=Employment.objects.filter(**wanted).values("person_id"))
    return results.filter(status=ResultStatus.SCORED)


def remark(difficulty, discrimination):
    notes = []
    if difficulty is not None and difficulty > TOO_EASY:
        notes.append("слишком лёгкое")
    if difficulty is not None and difficulty < TOO_HARD:
        notes.append("слишком трудное")
    if discrimination is None:
        notes.append("не различает участников (баллы не различаются)")
    elif discrimination < NOT_DISCRIMINATING:
        notes.append("не различает участников")
    return "; ".join(notes)


def items(results):
    scored = ItemScore.objects.filter(result__in=results.values("pk"), score__isnull=False)
    rows = (
        scored.values("item_id", "item__number", "item__position")
        .annotate(
            n=Count("pk"),
            full=Count("pk", filter=Q(score=F("item__max_score"))),
            difficulty=Avg(F("score") / F("item__max_score")),
            discrimination=Corr(F("score"), F("result__total_score") - F("score")),
        )
        .order_by("item__position")
    )
    rows = list(rows)
    codes = {}
    for item_id, code in (
        Item.competences.through.objects.filter(item_id__in=[r["item_id"] for r in rows])
        .order_by("competence__code")
        .values_list("item_id", "competence__code")
    ):
        codes.setdefault(item_id, []).append(code)
    out = []
    for r in rows:
        difficulty = rounded(r["difficulty"], 3)
        discrimination = rounded(r["discrimination"], 3)
        out.append(
            {
                "number": r["item__number"],
                "competences": ";".join(codes.get(r["item_id"], [])),
                "n": r["n"],
                "difficulty": difficulty,
                "discrimination": discrimination,
                "full": share(r["full"], r["n"]),
                "remark": remark(difficulty, discrimination),
            }
        )
    return out


def competences(results):
    rows = (
        CompetenceResult.objects.filter(result__in=results.values("pk"))
        .values("competence__code", "competence__name", "competence__group__order", "competence__order")
        .annotate(mean=Avg("percent"), n=Count("pk"), deficit=Count("pk", filter=Q(is_deficit=True)))
        .order_by("competence__group__order", "competence__order", "competence__code")
    )
    return [
        {
            "code": r["competence__code"],
            "name": r["competence__name"],
            "mean": rounded(r["mean"], 1),
            "n": r["n"],
            "deficit": r["deficit"],
            "deficit_share": share(r["deficit"], r["n"]),
        }
        for r in rows
    ]


def levels(results, five_levels=False):
    counts = dict(results.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    total = sum(counts.values())
    names = [name for name in LEVELS if five_levels or name in counts or name != "удовлетворительный"]
    return [
        {"level": name, "n": counts.get(name, 0), "share": share(counts.get(name, 0), total)}
        for name in names
    ]


def main_municipality(person_ref):
    """The municipality of the person's main job (the first job when none is marked main)."""
    return Subquery(
        Employment.objects.filter(person_id=OuterRef(person_ref))
        .order_by("-is_main", "pk")
        .values("organization__municipality__name")[:1]
    )


def heat_map(results, codes):
    """[(municipality, [mean % per code, None where nobody was measured])], municipalities by name."""
    rows = (
        CompetenceResult.objects.filter(result__in=results.values("pk"))
        .annotate(municipality=main_municipality("result__person_id"))
        .values("municipality", "competence__code")
        .annotate(mean=Avg("percent"))
    )
    cells = {}
    for r in rows:
        cells.setdefault(r["municipality"] or "без муниципалитета", {})[r["competence__code"]] = rounded(
            r["mean"], 1
        )
    return [(name, [cells[name].get(code) for code in codes]) for name in sorted(cells)]


def heat_class(value):
    """A colour band for a mean percentage (CSS classes, the page allows no inline styles)."""
    if value is None:
        return "heat-none"
    for bound, css in ((30, "heat-1"), (50, "heat-2"), (70, "heat-3"), (85, "heat-4")):
        if value < bound:
            return css
    return "heat-5"


def report(campaign, campaign_results, **groups):
    """The whole analysis of a campaign over the given results (already limited to the viewer's scope)."""
    results = narrow(campaign_results, **groups)
    comps = competences(results)
    codes = [c["code"] for c in comps]
    return {
        "participants": results.count(),
        "items": items(results),
        "competences": comps,
        "levels": levels(results, campaign.instrument.satisfactory_from is not None),
        "codes": codes,
        "heat_map": heat_map(results, codes),
    }


def report_sheets(data):
    """The report as the sheets of an XLSX file (core.exports.write_xlsx)."""

    def num(value):
        return float(value) if value is not None else None

    return [
        (
            "Задания",
            ["Номер", "Компетенции", "Трудность", "Дискриминативность", "Замечание"],
            [
                [i["number"], i["competences"], num(i["difficulty"]), num(i["discrimination"]), i["remark"]]
                for i in data["items"]
            ],
        ),
        (
            "Компетенции",
            ["Код", "Наименование", "Средний %", "Доля с дефицитом, %"],
            [[c["code"], c["name"], num(c["mean"]), num(c["deficit_share"])] for c in data["competences"]],
        ),
        (
            "Уровни",
            ["Уровень", "Число", "Доля, %"],
            [[lv["level"], lv["n"], num(lv["share"])] for lv in data["levels"]],
        ),
        (
            "Муниципалитеты",
            ["Муниципалитет", *data["codes"]],
            [[name, *[num(v) for v in values]] for name, values in data["heat_map"]],
        ),
    ]

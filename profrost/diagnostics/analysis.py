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
from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce, TruncDate

from profrost.core.sql import subquery
from profrost.diagnostics.models import (
    Campaign,
    Competence,
    CompetenceResult,
    Item,
    ItemScore,
    ResultLevel,
    ResultStatus,
)
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

LEVELS = ResultLevel.values  # highest first


def rounded(value, places):
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share(part, whole):
    return rounded(Decimal(part) * 100 / whole, 1) if whole else None


def in_groups(results, **groups):
    """The results of the people in every given group (ids; empty values are ignored), whatever their status."""
    wanted = {GROUPS[k]: v for k, v in groups.items() if k in GROUPS and v and str(v).isdigit()}
    if wanted:
        results = results.filter(person__in=Employment.objects.filter(**wanted).values("person_id"))
    return results


def narrow(results, **groups):
    """The scored results of the people in every given group: what the analysis counts."""
    return in_groups(results, **groups).filter(status=ResultStatus.SCORED)


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
    stats = {
        r["item_id"]: r
        for r in scored.values("item_id").annotate(
            n=Count("pk"),
            full=Count("pk", filter=Q(score=F("item__max_score"))),
            mean=Avg("score"),
            discrimination=Corr(F("score"), F("result__total_score") - F("score")),
        )
    }
    codes = {}
    for item_id, code in (
        Item.competences.through.objects.filter(item_id__in=list(stats))
        .order_by("competence__code")
        .values_list("item_id", "competence__code")
    ):
        codes.setdefault(item_id, []).append(code)
    out = []
    for item in (
        Item.objects.filter(pk__in=list(stats)).order_by("position").values("pk", "number", "max_score")
    ):
        r = stats[item["pk"]]
        # The mean share of the maximum = the mean score ÷ the item's maximum (a constant per item).
        difficulty = rounded(Decimal(r["mean"]) / item["max_score"], 3)
        discrimination = rounded(r["discrimination"], 3)
        out.append(
            {
                "number": item["number"],
                "competences": ";".join(codes.get(item["pk"], [])),
                "n": r["n"],
                "difficulty": difficulty,
                "discrimination": discrimination,
                "full": share(r["full"], r["n"]),
                "remark": remark(difficulty, discrimination),
            }
        )
    return out


def competences(results):
    stats = {
        r["competence_id"]: r
        for r in CompetenceResult.objects.filter(result__in=results.values("pk"))
        .values("competence_id")
        .annotate(mean=Avg("percent"), n=Count("pk"), deficit=Count("pk", filter=Q(is_deficit=True)))
    }
    return [
        {
            "code": c.code,
            "name": c.name,
            "mean": rounded(stats[c.pk]["mean"], 1),
            "n": stats[c.pk]["n"],
            "deficit": stats[c.pk]["deficit"],
            "deficit_share": share(stats[c.pk]["deficit"], stats[c.pk]["n"]),
        }
        for c in Competence.objects.filter(pk__in=list(stats)).order_by("group__order", "order", "code")
    ]


def levels(results, five_levels=False):
    counts = dict(results.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    total = sum(counts.values())
    names = [name for name in LEVELS if five_levels or name in counts or name != ResultLevel.SATISFACTORY]
    return [
        {"level": name, "n": counts.get(name, 0), "share": share(counts.get(name, 0), total)}
        for name in names
    ]


def campaign_levels(campaign, results):
    """The distribution of levels of a campaign's (narrowed) results: five levels where its instrument has them."""
    return levels(results, campaign.instrument.satisfactory_from is not None)


HEAT_MAP_SQL = """
WITH participant AS MATERIALIZED (
    SELECT r.id,
           (SELECT m.name FROM people_employment e
              JOIN structure_organization o ON o.id = e.organization_id
              JOIN structure_municipality m ON m.id = o.municipality_id
             WHERE e.person_id = r.person_id
             ORDER BY e.is_main DESC, e.id LIMIT 1) AS municipality
      FROM diagnostics_result r
     WHERE r.id IN ({results})
)
SELECT p.municipality, c.code, avg(cr.percent)
  FROM diagnostics_competenceresult cr
  JOIN participant p ON p.id = cr.result_id
  JOIN diagnostics_competence c ON c.id = cr.competence_id
 GROUP BY p.municipality, c.code
"""


def heat_map(results, codes):
    """[(municipality, [mean % per code, None where nobody was measured])], municipalities by name.

    A participant counts in the municipality of their main job (the first job when none is marked main),
    looked up once per participant — the same municipality the results export shows."""
    sql, params = subquery(results.values("pk"))
    cells = {}
    with connection.cursor() as cur:
        cur.execute(HEAT_MAP_SQL.format(results=sql), params)
        for municipality, code, mean in cur.fetchall():
            cells.setdefault(municipality or "без муниципалитета", {})[code] = rounded(mean, 1)
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
    level_rows = campaign_levels(campaign, results)
    return {
        "participants": sum(lv["n"] for lv in level_rows),
        "items": items(results),
        "competences": comps,
        "levels": level_rows,
        "codes": codes,
        "heat_map": heat_map(results, codes),
    }


# Every version of an instrument: its ancestors and its descendants along Instrument.previous (a chain).
FAMILY_SQL = """
WITH RECURSIVE up(id, previous_id) AS (
    SELECT id, previous_id FROM diagnostics_instrument WHERE id = %(id)s
    UNION SELECT i.id, i.previous_id FROM diagnostics_instrument i JOIN up ON i.id = up.previous_id
), down(id) AS (
    SELECT id FROM diagnostics_instrument WHERE id = %(id)s
    UNION SELECT i.id FROM diagnostics_instrument i JOIN down ON i.previous_id = down.id
)
SELECT id FROM up UNION SELECT id FROM down
"""


def family_campaigns(campaign):
    """The campaigns run with any version of the campaign's instrument, oldest first: by start date (a campaign
    without one by the day it was created)."""
    with connection.cursor() as cur:
        cur.execute(FAMILY_SQL, {"id": campaign.instrument_id})
        instruments = [row[0] for row in cur.fetchall()]
    return (
        Campaign.objects.filter(instrument_id__in=instruments)
        .annotate(day=Coalesce("start", TruncDate("created_at")))
        .order_by("day", "created_at", "pk")
    )


def trend(campaign, visible_results, **groups):
    """The share of participants in deficit per competence across the campaigns of the instrument's versions
    (family_campaigns) that have scored results in the group — each column is `competences()` of that campaign,
    the same figures its own report shows. None when fewer than two campaigns have results.

    {"campaigns": [Campaign], "participants": [n per campaign],
     "rows": [{"code", "name", "shares": [deficit share or None], "cells": [competences() row or None]}]}"""
    columns, participants, measured = [], [], []
    for other in family_campaigns(campaign):
        results = narrow(visible_results.filter(campaign=other), **groups)
        n = results.count()
        if n:
            columns.append(other)
            participants.append(n)
            measured.append({c["code"]: c for c in competences(results)})
    if len(columns) < 2:
        return None
    codes = {code for by_code in measured for code in by_code}
    rows = []
    for code, name in (
        Competence.objects.filter(code__in=codes)
        .order_by("group__order", "order", "code")
        .values_list("code", "name")
    ):
        rows.append(
            {
                "code": code,
                "name": name,
                "shares": [
                    by_code[code]["deficit_share"] if code in by_code else None for by_code in measured
                ],
                "cells": [by_code.get(code) for by_code in measured],
            }
        )
    return {"campaigns": columns, "participants": participants, "rows": rows}


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

"""The semi-annual rating of municipalities (docs/monitoring.md §8; 004_… 1.4: December and June).

The seeds give no aggregation rule, so the rule is a setting (`MONITORING_RATING_RULE`) with a documented
default, «capped_mean»: over the set's indicators that are in the rating (`Indicator.in_rating`), offered at the
municipal level and with a positive target for the half-year, each municipality scores

    score = Σ wᵢ·aᵢ / Σ wᵢ,   aᵢ = min(value ÷ target, 1) for «не менее», min(target ÷ value, 1) for «не более»
                              (value 0 of a «не более» indicator: aᵢ = 1)

wᵢ being the indicator's weight (`Indicator.weight`; 0 leaves it out). A municipality without a value on an
indicator (a denominator of 0, a manual value not entered) scores 0 on it — or, with
`MONITORING_RATING_SKIP_MISSING = True`, the indicator is left out of that municipality's sums (a municipality
with no value at all then has no score and no place). An indicator whose target is missing or not positive is
left out of the rating (and listed as such). The other rule, «met_share», scores the weighted share of the
indicators whose target is met (aᵢ = 1 if met, else 0).

Places go by score descending (the score rounded to 4 decimals, as it is published); equal scores share the place
and the next place skips (1, 2, 2, 4). The change is against the previous published rating of the same set.
"What pulled it down": the indicators with the largest weighted shortfall wᵢ·(1 − aᵢ) / Σ wᵢ — what the score
lost on each.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from profrost.core.periods import Period, PeriodError, academic_year, calendar_year, half_year, parse
from profrost.monitoring.compute import compute, rounded, targets_for, units
from profrost.monitoring.models import Direction, Level, Snapshot, SnapshotKind, SnapshotValue

ONE = Decimal(1)
ZERO = Decimal(0)
SCORE_PLACES = Decimal("0.0001")  # a score as it is published (SnapshotValue.score) and ranked
SHOWN_PLACES = Decimal("0.001")  # a score as it is shown and exported
RULES = {
    "capped_mean": "среднее взвешенное достижения целей: значение ÷ цель, но не больше 1 (для «не более» — цель ÷ "
    "значение, но не больше 1)",
    "met_share": "взвешенная доля показателей, по которым цель достигнута",
}
DEFAULT_RULE = "capped_mean"
PULLED_DOWN = 3  # indicators named as "what pulled it down", at most


def rule():
    """The rule in force (docs/monitoring.md §8) as stored with a published rating."""
    name = getattr(settings, "MONITORING_RATING_RULE", DEFAULT_RULE)
    if name not in RULES:
        raise ImproperlyConfigured(
            f"MONITORING_RATING_RULE: неизвестное правило «{name}»; допустимо: {', '.join(RULES)}"
        )
    return {
        "name": name,
        "description": RULES[name],
        "skip_missing": bool(getattr(settings, "MONITORING_RATING_SKIP_MISSING", False)),
    }


def achievement(direction, value, target, rule_name=DEFAULT_RULE):
    """aᵢ of one indicator for one unit, 0…1; None when there is no value."""
    if value is None or target is None or target <= 0:
        return None
    if rule_name == "met_share":
        met = value <= target if direction == Direction.AT_MOST else value >= target
        return ONE if met else ZERO
    if direction == Direction.AT_MOST:
        return ONE if value == 0 else min(Decimal(target) / Decimal(value), ONE)
    return min(Decimal(value) / Decimal(target), ONE)


def places(scores):
    """{key: place} by score descending, ties sharing the place (1, 2, 2, 4); a None score has no place."""
    ranked = sorted((s, k) for k, s in scores.items() if s is not None)
    ranked.sort(key=lambda sk: sk[0], reverse=True)
    out, place, previous = {}, 0, None
    for n, (score, key) in enumerate(ranked, 1):
        if score != previous:
            place, previous = n, score
        out[key] = place
    return out


def shown_score(score):
    return None if score is None else Decimal(score).quantize(SHOWN_PLACES, ROUND_HALF_UP)


@dataclass
class Column:
    """An indicator of the rating: as it was when computed (a published rating keeps its own copy)."""

    code: str
    name: str
    unit: str
    direction: str
    weight: Decimal
    indicator: object = None  # the live Indicator (None once deleted)

    def shown(self, value):
        return rounded(self, value)


@dataclass
class Part:
    column: Column
    value: Decimal | None
    target: Decimal | None
    achievement: Decimal | None
    shortfall: Decimal  # the score lost on this indicator: w·(1 − a) / Σw (0 when left out)
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def met(self):
        if self.value is None or self.target is None:
            return None
        if self.column.direction == Direction.AT_MOST:
            return self.value <= self.target
        return self.value >= self.target

    @property
    def shown(self):
        return self.column.shown(self.value)


@dataclass
class Row:
    unit_id: int
    name: str
    score: Decimal | None
    place: int | None = None
    parts: list = field(default_factory=list)
    previous_place: int | None = None
    previous_score: Decimal | None = None

    @property
    def shown_score(self):
        return shown_score(self.score)

    @property
    def change(self):
        """Places gained (+) or lost (−) since the previous rating; None when not placed in either."""
        if self.place is None or self.previous_place is None:
            return None
        return self.previous_place - self.place

    @property
    def pulled_down(self):
        """The indicators that cost the most, largest first (at most PULLED_DOWN)."""
        lost = [p for p in self.parts if p.shortfall > 0]
        lost.sort(key=lambda p: p.shortfall, reverse=True)
        return lost[:PULLED_DOWN]


@dataclass
class Rating:
    indicator_set: object
    period: Period
    rule: dict
    columns: list
    rows: list
    skipped: list  # (indicator code and name, reason)
    snapshot: Snapshot | None = None  # the published rating, when read from one
    previous: Snapshot | None = None

    @property
    def title(self):
        return rating_title(self.indicator_set, self.period)


def rating_title(indicator_set, period):
    return f"Рейтинг муниципалитетов за {period.label}: {indicator_set.name}"


def rating_indicators(indicator_set, period):
    """(columns, skipped): the set's indicators that enter the rating, and those left out with the reason."""
    indicators = list(indicator_set.indicators.order_by("order", "code"))
    targets = targets_for(indicators, period)
    columns, skipped = [], []
    for ind in indicators:
        label = f"{ind.code}. {ind.name}"
        if not ind.in_rating:
            continue
        if Level.MUNICIPALITY not in ind.levels:
            skipped.append((label, "не считается по муниципалитетам"))
        elif targets.get(ind.pk) is None:
            skipped.append((label, "нет целевого значения"))
        elif targets[ind.pk] <= 0:
            skipped.append((label, "целевое значение не положительное"))
        elif ind.weight is None or ind.weight <= 0:
            skipped.append((label, "вес в рейтинге равен 0"))
        else:
            columns.append(Column(ind.code, ind.name, ind.unit, ind.direction, Decimal(ind.weight), ind))
    return columns, skipped


def score_parts(columns, values, rule_in_force):
    """(score, parts) of one unit: values are {column code: (value, target, numerator, denominator)}."""
    name, skip = rule_in_force["name"], rule_in_force["skip_missing"]
    achieved = []
    for col in columns:
        value, target, num, den = values.get(col.code, (None, None, None, None))
        a = achievement(col.direction, value, target, name)
        achieved.append((col, value, target, a, num, den))
    counted = [(col, a) for col, _v, _t, a, _n, _d in achieved if a is not None or not skip]
    total = sum((col.weight for col, _ in counted), ZERO)
    score = None
    if total > 0:
        score = (sum((col.weight * (a or ZERO) for col, a in counted), ZERO) / total).quantize(
            SCORE_PLACES, ROUND_HALF_UP
        )
    in_sum = {col.code for col, _ in counted}
    parts = []
    for col, value, target, a, num, den in achieved:
        lost = col.weight * (ONE - (a or ZERO)) / total if total > 0 and col.code in in_sum else ZERO
        parts.append(Part(col, value, target, a, lost, num, den))
    return score, parts


def _previous(indicator_set, period):
    return (
        Snapshot.objects.filter(kind=SnapshotKind.RATING, indicator_set=indicator_set, end__lt=period.start)
        .select_related("published_by")
        .order_by("-end", "-published_at")
        .first()
    )


def _with_previous(rating):
    rating.previous = _previous(rating.indicator_set, rating.period)
    if rating.previous is not None:
        before = {
            v.unit_id: v
            for v in SnapshotValue.objects.filter(snapshot=rating.previous, indicator_code="").only(
                "unit_id", "place", "score"
            )
        }
        for row in rating.rows:
            if row.unit_id in before:
                row.previous_place, row.previous_score = before[row.unit_id].place, before[row.unit_id].score
    return rating


def _ordered(rows):
    ranked = places({row.unit_id: row.score for row in rows})
    for row in rows:
        row.place = ranked.get(row.unit_id)
    rows.sort(key=lambda r: (r.place is None, r.place or 0, r.name))
    return rows


def live(indicator_set, period):
    """The rating computed now from the live values (the preview, the CLI, the publication)."""
    rule_in_force = rule()
    columns, skipped = rating_indicators(indicator_set, period)
    municipalities = list(units(Level.MUNICIPALITY).values_list("pk", "name"))
    values = (
        compute([c.indicator for c in columns], period, Level.MUNICIPALITY, [pk for pk, _ in municipalities])
        if columns
        else {}
    )
    targets = targets_for([c.indicator for c in columns], period)
    rows = []
    for pk, name in municipalities:
        unit_values = {}
        for col in columns:
            v = values.get(col.indicator.pk, {}).get(pk)
            if v is not None:
                unit_values[col.code] = (v.value, v.target, v.numerator, v.denominator)
            else:  # a manual value not entered
                unit_values[col.code] = (None, targets.get(col.indicator.pk), None, None)
        score, parts = score_parts(columns, unit_values, rule_in_force)
        rows.append(Row(pk, name, score if columns else None, parts=parts))
    return _with_previous(Rating(indicator_set, period, rule_in_force, columns, _ordered(rows), skipped))


def published(indicator_set, period):
    """The published rating of the set for the half-year, or None."""
    snapshot = Snapshot.objects.filter(
        kind=SnapshotKind.RATING, indicator_set=indicator_set, level=Level.MUNICIPALITY, period=period.code
    ).first()
    return from_snapshot(snapshot) if snapshot else None


def from_snapshot(snapshot):
    """A Rating read from a published snapshot: its frozen places, scores, values and the rule it was computed
    with (weights, directions copied at publication)."""
    stored = snapshot.rule or {}
    live_indicators = {i.code: i for i in snapshot.indicator_set.indicators.all()}
    columns = [
        Column(
            c["code"],
            c["name"],
            c["unit"],
            c["direction"],
            Decimal(c["weight"]),
            live_indicators.get(c["code"]),
        )
        for c in stored.get("columns", [])
    ]
    by_code = {c.code: c for c in columns}
    rows, parts = {}, {}
    for v in SnapshotValue.objects.filter(snapshot=snapshot).order_by("pk"):
        if not v.indicator_code:
            rows[v.unit_id] = Row(v.unit_id, v.unit_name, v.score, v.place)
        elif v.indicator_code in by_code:
            parts.setdefault(v.unit_id, {})[v.indicator_code] = v
    skip = bool(stored.get("skip_missing"))
    for unit_id, row in rows.items():
        frozen = parts.get(unit_id, {})
        achieved = {c.code: (frozen[c.code].score if c.code in frozen else None) for c in columns}
        counted = {c.code for c in columns if achieved[c.code] is not None or not skip}
        weight = sum((c.weight for c in columns if c.code in counted), ZERO)
        for col in columns:
            v = frozen.get(col.code)
            a = achieved[col.code]
            lost = col.weight * (ONE - (a or ZERO)) / weight if weight and col.code in counted else ZERO
            row.parts.append(
                Part(
                    col,
                    v.value if v else None,
                    v.target if v else None,
                    a,
                    lost,
                    v.numerator if v else None,
                    v.denominator if v else None,
                )
            )
    ordered = sorted(rows.values(), key=lambda r: (r.place is None, r.place or 0, r.name))
    period = snapshot_period(snapshot)
    rating = Rating(
        snapshot.indicator_set,
        period,
        {k: stored.get(k) for k in ("name", "description", "skip_missing")},
        columns,
        ordered,
        [tuple(s) for s in stored.get("skipped", [])],
        snapshot=snapshot,
    )
    return _with_previous(rating)


def snapshot_period(snapshot):
    """The Period of a snapshot (its code parsed; its dates if the code is not a known kind)."""
    try:
        period = parse(snapshot.period)
    except PeriodError:
        return Period(snapshot.start, snapshot.end)
    return (
        period
        if (period.start, period.end) == (snapshot.start, snapshot.end)
        else Period(snapshot.start, snapshot.end)
    )


def stored_rule(rating):
    """What a published rating keeps of its rule: the rule, the indicators with their weights and directions."""
    return {
        **rating.rule,
        "columns": [
            {
                "code": c.code,
                "name": c.name,
                "unit": c.unit,
                "direction": c.direction,
                "weight": str(c.weight),
            }
            for c in rating.columns
        ],
        "skipped": [list(s) for s in rating.skipped],
    }


# --- the half-years ------------------------------------------------------------------------------------------------


def half_year_of(day):
    """The half-year that contains the day."""
    return half_year(day.year, 1 if day.month <= 6 else 2)


def previous_half_year(period):
    """The half-year before (core.periods.Period.previous gives, for a January–June, the July–December of the
    same year — reported to the lead; this one goes back a year)."""
    return half_year(period.start.year - 1, 2) if period.start.month == 1 else half_year(period.start.year, 1)


def recent_half_years(today=None, count=8):
    """The half-years from the current one back, newest first (the rating page's choice)."""
    period = half_year_of(today or datetime.date.today())
    out = []
    for _ in range(count):
        out.append(period)
        period = previous_half_year(period)
    return out


def next_period(period):
    """The period of the same kind right after this one (a recommendation's "did it move" looks there)."""
    if period.kind == "academic_year":
        return academic_year(period.start.year + 1)
    if period.kind == "half_year":
        return (
            half_year(period.start.year, 2)
            if period.start.month == 1
            else half_year(period.start.year + 1, 1)
        )
    if period.kind == "year":
        return calendar_year(period.start.year + 1)
    length = period.end - period.start
    start = period.end + datetime.timedelta(days=1)
    return Period(start, start + length)


# --- a recommendation's effect ---------------------------------------------------------------------------------

MOVED = {
    "reached": "цель достигнута",
    "better": "значение улучшилось",
    "same": "без изменений",
    "worse": "значение ухудшилось",
    "none": "нет данных",
}


def movement(indicator, before, after, target):
    """How the value moved from the recommendation's period to the next: a MOVED key."""
    if after is None or before is None:
        return "none"
    if target is not None:
        after, target = Decimal(after), Decimal(target)
        met = after <= target if indicator.direction == Direction.AT_MOST else after >= target
        if met:
            return "reached"
    b, a = rounded(indicator, Decimal(before)), rounded(indicator, Decimal(after))
    if a == b:
        return "same"
    better = a < b if indicator.direction == Direction.AT_MOST else a > b
    return "better" if better else "worse"


def next_value(recommendation):
    """(next period, live Value or None, movement key) of the recommendation's indicator for its municipality."""
    following = next_period(snapshot_period(recommendation.snapshot))
    indicator = recommendation.indicator
    if Level.MUNICIPALITY not in indicator.levels:
        return following, None, "none"
    value = compute([indicator], following, Level.MUNICIPALITY, [recommendation.municipality_id])
    v = value.get(indicator.pk, {}).get(recommendation.municipality_id)
    moved = movement(
        indicator, recommendation.value, v.value if v else None, v.target if v else recommendation.target
    )
    return following, v, moved

"""Computing the indicators (docs/monitoring.md §4): every measure an indicator set needs × every unit of a level ×
one period, in ONE SQL statement — the measures' SELECTs joined to the units (people/units.py for people, the
organization's own place for organizations) and grouped by the level's unit, UNION ALL'ed. No pre-aggregation:
the numbers are live; a published Snapshot freezes them.

Values: a share is numerator / denominator × 100 (%), a ratio numerator / denominator, a count the numerator;
no value when the denominator is 0. Percentages are rounded half-up to one decimal where they are shown or
exported (`rounded`); the stored and compared value is exact.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from profrost.core.periods import Period
from profrost.monitoring.measures import MEASURES, ORGANIZATIONS, PEOPLE, SHARED
from profrost.monitoring.models import Direction, Level, ManualValue, Target, ValueUnit
from profrost.people.units import LEVEL_COLUMNS, PERSON_UNIT_SQL

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)

# The staff a people measure counts among (people/units.py's row of the person): a pedagogical or managerial
# position; `teachers_only` measures: a pedagogical, not managerial one.
STAFF_FILTER = "(pu.is_pedagogical OR pu.is_manager)"
TEACHER_FILTER = "(pu.is_pedagogical AND NOT pu.is_manager)"
ORG_COLUMNS = {
    "region": "o.region_id",
    "district": "mu.district_id",
    "municipality": "o.municipality_id",
    "organization": "o.id",
}
_NAMED = re.compile(r"%\((\w+)\)s")


def _positional(sql, named):
    """A measure's SQL with %(name)s parameters → %s and the list of values in order."""
    params = []

    def take(m):
        params.append(named[m.group(1)])
        return "%s"

    return _NAMED.sub(take, sql), params


def _who(measure):
    who = TEACHER_FILTER if measure.teachers_only else STAFF_FILTER
    return f"{who} AND {measure.where}" if measure.where else who


def _named(period):
    return {"start": period.start, "end": period.end, "day": period.end}


def measure_sql(code, period):
    """(sql, params) of the measure's (id, amount) rows for the period (`pu` in scope)."""
    measure = MEASURES[code]
    if measure.population:
        return _positional(
            f"SELECT pu.person_id AS id, 1 AS amount FROM pu JOIN people_person p ON p.id = pu.person_id "
            f"WHERE {measure.population}",
            _named(period),
        )
    sql = measure.sql(period) if callable(measure.sql) else measure.sql
    if isinstance(sql, tuple):
        return sql
    return _positional(sql, _named(period))


def _unit_cte(period, codes=()):
    """The WITH list of a statement over the measures `codes`: `pu` (people/units.py) and the shared CTEs they
    read (measures.SHARED), each once."""
    sql, params = _positional(f"pu AS MATERIALIZED ({PERSON_UNIT_SQL})", {"day": period.end})
    for name in dict.fromkeys(n for code in codes for n in MEASURES[code].shared):
        shared, p = _positional(SHARED[name], _named(period))
        sql += f", {name} AS MATERIALIZED ({shared})"
        params += p
    return sql, params


def _population_part(numbered, period, column):
    """All population measures in one pass over the staff: a count per measure (FILTER) per unit, unpivoted to
    (m, unit, amount) rows."""
    counts, params = [], []
    for n, measure in numbered:
        cond, p = _positional(f"{_who(measure)} AND ({measure.population})", _named(period))
        counts.append(f"count(*) FILTER (WHERE {cond}) AS c{n}")
        params += p
    pairs = ", ".join(f"({n}, c{n})" for n, _ in numbered)
    sql = (
        f"SELECT v.m, g.unit, v.amount FROM (SELECT pu.{column} AS unit, {', '.join(counts)} FROM pu "
        f"JOIN people_person p ON p.id = pu.person_id GROUP BY 1) g CROSS JOIN LATERAL (VALUES {pairs}) v(m, amount)"
    )
    return sql, params


def _events_part(numbered, period, column):
    """All other people measures: their (m, id, amount) rows UNION ALL'ed and joined to the people's units once,
    each row kept when the person is of the measure's staff (`_who`)."""
    selects, params, whos = [], [], []
    for n, measure in numbered:
        sql, p = measure_sql(measure.code, period)
        selects.append(f"SELECT {n} AS m, y.id, y.amount FROM ({sql}) y")
        params += list(p)
        who, wp = _positional(_who(measure), _named(period))
        whos.append((n, who, wp))
    case = " ".join(f"WHEN {n} THEN {who}" for n, who, _ in whos)
    for _, _, wp in whos:
        params += wp
    sql = (
        f"SELECT x.m, pu.{column} AS unit, sum(x.amount) AS amount FROM ({' UNION ALL '.join(selects)}) x "
        f"JOIN pu ON pu.person_id = x.id WHERE CASE x.m {case} END GROUP BY 1, 2"
    )
    return sql, params


class Counts(dict):
    """{measure code: {unit id: amount}}; `computed_at` — when the oldest of them was computed, if taken from the
    cache (None: computed just now)."""

    computed_at = None


def _key(code, period, level):
    return f"counts:{period.code}:{level}:{code}"


def forget_counts():
    """Drop every cached count (the «Пересчитать» button): the next page computes live."""
    caches["monitoring"].clear()


def measure_counts(codes, period, level, unit_ids=None, cached=False):
    """{measure code: {unit id: amount}} for the codes, the period and the level. `unit_ids` narrows the units
    (ids of the level). With `cached` (pages, the API) a measure's counts computed less than
    MONITORING_CACHE_SECONDS ago are reused and only the others are computed (docs/monitoring.md §4)."""
    codes = [c for c in dict.fromkeys(codes) if c]
    timeout = settings.MONITORING_CACHE_SECONDS
    if not (cached and timeout > 0):
        return _narrowed(_statement(codes, period, level), codes, unit_ids)
    cache = caches["monitoring"]
    keys = {code: _key(code, period, level) for code in codes}
    hits = cache.get_many(list(keys.values()))
    missing = [code for code in codes if keys[code] not in hits]
    now = timezone.now()
    if missing:
        computed = _statement(missing, period, level)
        fresh = {keys[code]: (now, computed[code]) for code in missing}
        cache.set_many(fresh, timeout)
        hits.update(fresh)
    out = _narrowed({code: hits[keys[code]][1] for code in codes}, codes, unit_ids)
    oldest = min((hits[keys[code]][0] for code in codes), default=now)
    out.computed_at = oldest if oldest < now else None
    return out


def _narrowed(counts, codes, unit_ids):
    wanted = None if unit_ids is None else set(unit_ids)
    out = Counts()
    for code in codes:
        rows = counts.get(code, {})
        out[code] = rows if wanted is None else {u: a for u, a in rows.items() if u in wanted}
    return out


def _statement(codes, period, level):
    """{measure code: {unit id: amount}} for every unit of the level, in one statement: the people's units
    (`pu`, people/units.py) taken once; the population measures counted in one pass over them; the other people
    measures' rows joined to them once; organizations and programs by their own place."""
    if not codes:
        return {}
    cte_sql, params = _unit_cte(period, codes)
    numbered = list(enumerate(MEASURES[c] for c in codes))
    people_column = LEVEL_COLUMNS[level]
    parts = []
    population = [(n, m) for n, m in numbered if m.subject == PEOPLE and m.population]
    events = [(n, m) for n, m in numbered if m.subject == PEOPLE and not m.population]
    if population:
        parts.append(_population_part(population, period, people_column))
    if events:
        parts.append(_events_part(events, period, people_column))
    for n, measure in numbered:
        if measure.subject == PEOPLE:
            continue
        sql, p = measure_sql(measure.code, period)
        if measure.subject == ORGANIZATIONS:
            part = (
                f"SELECT {n} AS m, {ORG_COLUMNS[level]} AS unit, sum(x.amount) AS amount FROM ({sql}) x "
                "JOIN structure_organization o ON o.id = x.id "
                "LEFT JOIN structure_municipality mu ON mu.id = o.municipality_id GROUP BY 2"
            )
        else:  # programs belong to the region of their provider
            if level != Level.REGION:
                continue
            part = (
                f"SELECT {n} AS m, o.region_id AS unit, sum(x.amount) AS amount FROM ({sql}) x "
                "JOIN resources_program pr ON pr.id = x.id JOIN structure_organization o ON o.id = pr.provider_id "
                "GROUP BY 2"
            )
        parts.append((part, list(p)))
    out = {code: {} for code in codes}
    if not parts:
        return out
    for _, p in parts:
        params += p
    sql = f"WITH {cte_sql} " + " UNION ALL ".join(f"({s})" for s, _ in parts)
    # every unit of the level, narrowed afterwards (`_narrowed`), not in SQL: a filter on the unit makes the
    # planner misjudge the rows and pick a plan twenty times slower (measured: 34 s against 1.9 s at 100,000 people)
    with transaction.atomic(savepoint=False), connection.cursor() as cur:
        # one statement of a few hundred thousand rows: sorts and hashes in memory rather than on disk, and no JIT
        # compilation (it cost more than the statement saves) — for this transaction only (docs/monitoring.md §4)
        cur.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")
        cur.execute(sql, params)
        for m, unit, amount in cur.fetchall():
            if unit is not None and amount:
                out[codes[m]][unit] = Decimal(amount)
    return out


def ids_sql(code, period, level, unit_id):
    """(sql, params) of the ids (people or organizations) a measure counts in one unit — the people behind a
    number. The same rule as measure_counts."""
    measure = MEASURES[code]
    sql, p = measure_sql(code, period)
    if measure.subject == PEOPLE:
        cte_sql, cte_params = _unit_cte(period, [code])
        who = _who(measure)
        q = (
            f"WITH {cte_sql} SELECT x.id FROM ({sql}) x JOIN pu ON pu.person_id = x.id "
            f"WHERE {who} AND pu.{LEVEL_COLUMNS[level]} = %s"
        )
        return q, [*cte_params, *p, unit_id]
    if measure.subject == ORGANIZATIONS:
        cte_sql, cte_params = _unit_cte(period, [code])
        q = (
            f"WITH {cte_sql} SELECT x.id FROM ({sql}) x JOIN structure_organization o ON o.id = x.id "
            f"LEFT JOIN structure_municipality mu ON mu.id = o.municipality_id WHERE {ORG_COLUMNS[level]} = %s"
        )
        return q, [*cte_params, *p, unit_id]
    return f"SELECT x.id FROM ({sql}) x", list(p)


def behind(code, period, level, unit_id, queryset):
    """The queryset (people visible to the viewer, organizations…) narrowed to what the measure counts in the
    unit. The caller passes a queryset already limited by the viewer's scope (`visible_to`)."""
    sql, params = ids_sql(code, period, level, unit_id)
    return queryset.filter(pk__in=RawSQL(sql, params))


# --- values -----------------------------------------------------------------------------------------------------


@dataclass
class Value:
    indicator: object
    unit_id: int
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None

    @property
    def met(self):
        if self.value is None or self.target is None:
            return None
        if self.indicator.direction == Direction.AT_MOST:
            return self.value <= self.target
        return self.value >= self.target

    @property
    def shown(self):
        return rounded(self.indicator, self.value)


def rounded(indicator, value):
    """Percentages and ratios half-up to one decimal, counts whole (docs/monitoring.md §4)."""
    if value is None:
        return None
    if indicator.unit in (ValueUnit.COUNT, ValueUnit.YESNO):
        return value.quantize(Decimal(1), ROUND_HALF_UP)
    return value.quantize(TENTH, ROUND_HALF_UP)


def value_of(indicator, numerator, denominator):
    if indicator.unit == ValueUnit.COUNT:
        return numerator
    if not denominator:
        return None
    ratio = Decimal(numerator or 0) / Decimal(denominator)
    return ratio * HUNDRED if indicator.unit == ValueUnit.PERCENT else ratio


def targets_for(indicators, period):
    """{indicator id: target} — the period's own target, else the default one (period '')."""
    out = {}
    for t in Target.objects.filter(indicator__in=indicators, period__in=[period.code, ""]).order_by("period"):
        if t.period or t.indicator_id not in out:
            out[t.indicator_id] = t.value
    return out


class Computed(dict):
    """{indicator id: {unit id: Value}}; `computed_at` as in Counts."""

    computed_at = None


def compute(indicators, period: Period, level, unit_ids=None, cached=False):
    """{indicator id: {unit id: Value}} for the indicators (those offered at the level), one statement for all
    their measures, plus the values entered by hand (ManualValue) for yes/no indicators. `cached`: see
    measure_counts (targets and hand-entered values are always read live)."""
    indicators = [i for i in indicators if level in i.levels]
    codes = [c for i in indicators for c in (i.numerator, i.denominator) if c]
    counts = measure_counts(codes, period, level, unit_ids, cached=cached)
    targets = targets_for(indicators, period)
    manual = {}
    for mv in ManualValue.objects.filter(indicator__in=indicators, period=period.code, level=level):
        manual.setdefault(mv.indicator_id, {})[mv.unit_id] = mv.value
    out = Computed()
    out.computed_at = counts.computed_at if codes else None
    for ind in indicators:
        rows = {}
        if ind.unit == ValueUnit.YESNO or not ind.numerator:
            for unit, v in manual.get(ind.pk, {}).items():
                rows[unit] = Value(ind, unit, None, None, v, targets.get(ind.pk))
        else:
            num = counts.get(ind.numerator, {})
            den = counts.get(ind.denominator, {}) if ind.denominator else {}
            units = set(num) | set(den) if ind.denominator else set(num)
            if unit_ids is not None:
                units |= set(unit_ids)
            for unit in units:
                n = num.get(unit, Decimal(0))
                d = den.get(unit, Decimal(0)) if ind.denominator else None
                rows[unit] = Value(ind, unit, n, d, value_of(ind, n, d), targets.get(ind.pk))
        out[ind.pk] = rows
    return out


# --- units --------------------------------------------------------------------------------------------------------

LEVEL_MODELS = {
    Level.REGION: ("structure", "Region"),
    Level.DISTRICT: ("structure", "District"),
    Level.MUNICIPALITY: ("structure", "Municipality"),
    Level.ORGANIZATION: ("structure", "Organization"),
}


def unit_model(level):
    # the level's model by name (one table of four, no branching)
    from django.apps import apps

    return apps.get_model(*LEVEL_MODELS[level])


def units(level, within=None):
    """The units of a level as a queryset ordered by name; `within` = (level, id) narrows them to a parent
    (a district's municipalities, a municipality's organizations; organizations: the educational ones)."""
    model = unit_model(level)
    qs = model.objects.all()
    if level == Level.ORGANIZATION:
        qs = qs.filter(kind__in=("school", "kindergarten", "additional_education"))
    if within is not None:
        parent_level, parent_id = within
        field = {
            (Level.MUNICIPALITY, Level.DISTRICT): "district_id",
            (Level.MUNICIPALITY, Level.REGION): "region_id",
            (Level.DISTRICT, Level.REGION): "region_id",
            (Level.ORGANIZATION, Level.MUNICIPALITY): "municipality_id",
            (Level.ORGANIZATION, Level.DISTRICT): "municipality__district_id",
            (Level.ORGANIZATION, Level.REGION): "region_id",
        }.get((level, parent_level))
        if field is None:
            return qs.none()
        qs = qs.filter(**{field: parent_id})
    return qs.order_by("name")


def unit_names(level, ids):
    """{id: name} of the units of a level."""
    model = unit_model(level)
    return {pk: str(obj) for pk, obj in ((o.pk, o) for o in model.objects.filter(pk__in=list(ids)))}

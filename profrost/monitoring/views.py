"""The monitoring's pages (docs/monitoring.md §5, §6): the region's dashboard, an indicator's page (units ranked,
drill-down district → municipality → organization), a unit's page (every indicator vs the target and the
region) and the people (or organizations, programs) behind a number — each table also as XLSX.

Numbers are the aggregate values of compute.py — anyone who may view the monitoring sees them for every unit
(they are not personal data; §6). The lists behind a number are asked live and always within the viewer's scope
(`Person.objects.visible_to`, `Organization.objects.visible_to`); the page says how many the viewer does not see.
A page makes a few compute() calls (one statement each), never one per row.
"""

import re
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from profrost.core import periods
from profrost.core.exports import file_name, xlsx_response
from profrost.core.http import next_url
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.monitoring import actions, charts
from profrost.monitoring.compute import (
    compute,
    forget_counts,
    ids_sql,
    rounded,
    targets_for,
    unit_model,
    units,
)
from profrost.monitoring.forms import BehindFilter, ManualValueForm, MonitoringFilter, period_choices
from profrost.monitoring.measures import MEASURES, ORGANIZATIONS, PEOPLE, PROGRAMS
from profrost.monitoring.models import Indicator, IndicatorSet, Level, ValueUnit
from profrost.monitoring.permissions import may_manage_monitoring, may_view_monitoring
from profrost.people.models import Employment, Person, name_q, sees_sensitive
from profrost.resources.models import Program
from profrost.structure.models import District, Municipality, Organization, Region

TREND_PERIODS = 4  # the dashboard's trend: the period and the three before it (docs/monitoring.md §5)
CHART_BARS = 40  # the ranking chart shows at most this many units (the table shows all)
RANKING_PAGE = 100
LEVEL_NAMES = dict(Level.choices)
# The level below each level, for the drill-down (district → municipality → organization).
CHILD = {
    Level.REGION: Level.DISTRICT,
    Level.DISTRICT: Level.MUNICIPALITY,
    Level.MUNICIPALITY: Level.ORGANIZATION,
}
SUB_LEVELS = (Level.DISTRICT, Level.MUNICIPALITY, Level.ORGANIZATION)
LEVEL_PLURALS = {
    Level.DISTRICT: "Межмуниципальные округа",
    Level.MUNICIPALITY: "Муниципалитеты",
    Level.ORGANIZATION: "Организации",
}
SIDE_NAMES = {"num": "числитель", "den": "знаменатель", "gap": "не учтены в числителе"}
NO_DATA = "нет данных за период"


# --- common -----------------------------------------------------------------------------------------------------


def _require_view(request):
    if not may_view_monitoring(request.user):
        raise PermissionDenied


def _region(user):
    """The region whose numbers the viewer's pages show: the region of their scope (a single-region deployment:
    the region)."""
    scope = scope_of(user)
    regions = Region.objects.order_by("pk")
    if scope.region_ids:
        return regions.filter(pk__in=scope.region_ids).first()
    if scope.municipality_ids:
        return regions.filter(municipalities__pk__in=scope.municipality_ids).first()
    if scope.organization_ids:
        return regions.filter(organizations__pk__in=scope.organization_ids).first()
    return regions.first()


def _filters(request, form_class=MonitoringFilter, default=None):
    """(form, values, period): the parameters read, every refused one told in a message."""
    default = default or periods.current_academic_year()
    form = form_class.of(request, notify=False)
    form.notify(request, f"Показаны данные за период «{default.label}».")
    return form, form.values, form.chosen_period(default)


def _pick_set(request, set_id):
    """(all sets, the chosen one): the asked one, else the region's chosen set, else the first."""
    sets = list(IndicatorSet.objects.all())
    chosen = next((s for s in sets if s.pk == set_id), None) if set_id else None
    if set_id and chosen is None:
        messages.error(request, "Набор показателей не найден: показан набор, выбранный регионом.")
    chosen = chosen or next((s for s in sets if s.is_chosen), None) or (sets[0] if sets else None)
    return sets, chosen


def _indicators(indicator_set, level):
    if indicator_set is None:
        return []
    return [i for i in indicator_set.indicators.all() if level in i.levels]


def is_manual(indicator):
    """A value the system does not compute: a yes/no indicator or one without a numerator (entered by hand)."""
    return indicator.unit == ValueUnit.YESNO or not indicator.numerator


def _count_text(amount):
    if amount is None:
        return "—"
    amount = Decimal(amount)
    return str(int(amount)) if amount == amount.to_integral_value() else charts.number(amount.normalize())


def _gap_available(indicator):
    if is_manual(indicator) or not indicator.denominator or indicator.unit != ValueUnit.PERCENT:
        return False
    num, den = MEASURES.get(indicator.numerator), MEASURES.get(indicator.denominator)
    return bool(num and den and num.subject == den.subject and num.code != den.code)


class Links:
    """The URLs of one page: the people behind a number, the drill-down, the unit pages."""

    def __init__(self, period, indicator_set=None):
        self.period = period
        self.behind_base = reverse("monitoring:behind")
        self.set_id = indicator_set.pk if indicator_set else None

    def behind(self, indicator, side, level, unit_id):
        query = {
            "indicator": indicator.pk,
            "side": side,
            "level": level,
            "unit": unit_id,
            "period": self.period.code,
        }
        return f"{self.behind_base}?{urlencode(query)}"

    def indicator(self, indicator, level=None, within=None):
        query = {"period": self.period.code}
        if level:
            query["level"] = level
        if within:
            query["within"] = within
        return reverse("monitoring:indicator", args=[indicator.pk]) + "?" + urlencode(query)

    def unit(self, level, pk):
        query = {"period": self.period.code}
        if self.set_id:
            query["set"] = self.set_id
        return reverse("monitoring:unit", args=[level, pk]) + "?" + urlencode(query)


def cells(indicator, value, target, level, unit_id, links):
    """One indicator's numbers for one unit as the pages and the exports show them: numerator and denominator
    (each a link to what it counts), the value, the target with its direction, met / not met / no target."""
    manual = is_manual(indicator)
    num = value.numerator if value is not None and not manual else None
    den = value.denominator if value is not None and not manual else None
    v = value.value if value is not None else None
    met = value.met if value is not None else None
    if v is None and manual:
        empty = "не введено"
    elif v is None:
        empty = NO_DATA
    else:
        empty = ""
    row = {
        "indicator": indicator,
        "manual": manual,
        "numerator": num,
        "denominator": den,
        "num_text": _count_text(num) if not manual else "",
        "den_text": _count_text(den) if not manual and indicator.denominator else "",
        "value": v,
        "shown": rounded(indicator, v) if v is not None else None,
        "value_text": charts.value_text(indicator, v, empty=empty),
        "target": target,
        "target_text": charts.target_text(indicator, target),
        "met": met,
        "state": "met" if met is True else "not-met" if met is False else "none",
        "state_text": "достигнуто"
        if met is True
        else "не достигнуто"
        if met is False
        else "цель не задана"
        if target is None
        else "нет значения",
        "empty": empty,
        "num_url": "",
        "den_url": "",
        "gap_url": "",
        "gap_text": "",
    }
    if not manual:
        if num:
            row["num_url"] = links.behind(indicator, "num", level, unit_id)
        if den:
            row["den_url"] = links.behind(indicator, "den", level, unit_id)
        if den and _gap_available(indicator):
            row["gap_url"] = links.behind(indicator, "gap", level, unit_id)
            if MEASURES[indicator.numerator].subject == PEOPLE and num is not None and 0 <= num <= den:
                row["gap_text"] = _count_text(den - num)
    return row


def _state_word(row):
    return row["state_text"]


def _number(value):
    return None if value is None else float(value)


_NOT_IN_SHEET_NAMES = re.compile(r"[\\/:*?\[\]]+")


def _sheet(title):
    """A sheet's name: without the characters Excel refuses there, at most 31 characters."""
    return " ".join(_NOT_IN_SHEET_NAMES.sub(" ", str(title)).split())[:31].strip() or "Лист"


def _xlsx(title, headers, rows):
    return xlsx_response(file_name(title, "xlsx"), [(_sheet(title), headers, rows)])


def _filter_context(request, values, period, sets=None, chosen=None, **extra):
    """The context of the filter bar (_filters.html)."""
    return {
        "period": period,
        "period_groups": period_choices(period),
        "custom": period.kind == "custom",
        "sets": sets or [],
        "chosen_set": chosen,
        "query": query_without_page(request),
        "may_refresh": may_manage_monitoring(request.user),
        "cache_minutes": max(1, settings.MONITORING_CACHE_SECONDS // 60),
        **extra,
    }


def _oldest(*computed):
    """When the oldest of the values shown was computed, if they came from the cache (compute.Computed)."""
    times = [c.computed_at for c in computed if getattr(c, "computed_at", None)]
    return min(times) if times else None


@require_POST
def refresh(request):
    """«Пересчитать сейчас» (docs/monitoring.md §4, "Cached counts"): the region's monitoring staff drop the cached
    counts; the page they came from computes live."""
    if not may_manage_monitoring(request.user):
        raise PermissionDenied
    forget_counts()
    messages.success(request, "Значения показателей пересчитаны по текущим данным.")
    return redirect(next_url(request, "monitoring:dashboard"))


# --- the dashboard --------------------------------------------------------------------------------------------------


def _trend_periods(period, n=TREND_PERIODS):
    out = [period]
    while len(out) < n:
        try:
            out.insert(0, out[0].previous())
        except periods.PeriodError:
            break
    return out


def dashboard(request):
    """The region's indicators of a set for a period (docs/monitoring.md §5): value, target, met or not, the
    trend over the last periods of the same kind, each number opening what it counts."""
    _require_view(request)
    form, values, period = _filters(request)
    sets, chosen = _pick_set(request, values["set"])
    region = _region(request.user)
    indicators = _indicators(chosen, Level.REGION)
    links = Links(period, chosen)
    trend = _trend_periods(period)
    rows = []
    computed = {}
    if region is not None and indicators:
        computed = {p: compute(indicators, p, Level.REGION, [region.pk], cached=True) for p in trend}
        targets = targets_for(indicators, period)
        for ind in indicators:
            value = computed[period][ind.pk].get(region.pk)
            row = cells(ind, value, targets.get(ind.pk), Level.REGION, region.pk, links)
            series = [computed[p][ind.pk].get(region.pk) for p in trend]
            row["trend"] = [s.value if s is not None else None for s in series]
            if ind.unit != ValueUnit.YESNO:
                row["spark"] = charts.sparkline(
                    [p.label for p in trend],
                    [rounded(ind, v) if v is not None else None for v in row["trend"]],
                    unit="%" if ind.unit == ValueUnit.PERCENT else "",
                    target=targets.get(ind.pk),
                    title=f"Показатель {ind.code}",
                )
            row["url"] = links.indicator(ind)
            rows.append(row)
    if values["format"] == "xlsx":
        title = f"Мониторинг {chosen.code if chosen else ''} {period.code}"
        headers = ["Код", "Показатель", "Числитель", "Знаменатель", "Значение", "Цель", "Выполнение"]
        headers += [f"Значение: {p.label}" for p in trend]
        data = [
            [
                r["indicator"].code,
                r["indicator"].name,
                _number(r["numerator"]),
                _number(r["denominator"]),
                _number(r["shown"]),
                r["target_text"],
                _state_word(r),
                *[_number(rounded(r["indicator"], v)) if v is not None else None for v in r["trend"]],
            ]
            for r in rows
        ]
        return _xlsx(title, headers, data)
    met = sum(1 for r in rows if r["met"] is True)
    not_met = sum(1 for r in rows if r["met"] is False)
    context = _filter_context(
        request,
        values,
        period,
        sets,
        chosen,
        rows=rows,
        region=region,
        trend=trend,
        met_count=met,
        not_met_count=not_met,
        computed_at=_oldest(*computed.values()) if rows else None,
        may_manage=may_manage_monitoring(request.user),
    )
    return render(request, "monitoring/dashboard.html", context)


# --- an indicator -----------------------------------------------------------------------------------------------


def _level_for(request, indicator, asked):
    """The level of the ranking: the asked one if the indicator is computed for it, else the indicator's first
    level below the region; None when it is computed for the region only."""
    offered = [level for level in SUB_LEVELS if level in indicator.levels]
    if asked == Level.REGION:
        asked = None
    if asked and asked in offered:
        return asked
    fallback = Level.MUNICIPALITY if Level.MUNICIPALITY in offered else (offered[0] if offered else None)
    if asked:
        messages.error(
            request,
            f"Показатель не считается на уровне «{LEVEL_NAMES.get(asked, asked)}»"
            + (f": показан уровень «{LEVEL_NAMES[fallback]}»." if fallback else "."),
        )
    return fallback


def _within(request, level, within_id):
    """(parent level, parent object) of the ranking's units, or (None, None). A parent that does not exist or
    does not fit the level is told and ignored."""
    if not within_id:
        return None, None
    parent_level = {Level.MUNICIPALITY: Level.DISTRICT, Level.ORGANIZATION: Level.MUNICIPALITY}.get(level)
    parent = None
    if parent_level == Level.DISTRICT:
        parent = District.objects.filter(pk=within_id).first()
    elif parent_level == Level.MUNICIPALITY:
        parent = Municipality.objects.select_related("district").filter(pk=within_id).first()
    if parent is None:
        messages.error(request, "Неверное значение «В составе»: такой единицы нет. Фильтр не применён.")
        return None, None
    return parent_level, parent


def _ranked(indicator, rows):
    """Best first by the indicator's direction; units without a value last; ties share a place."""

    def key(row):
        v = row["shown"]
        if v is None:
            return (1, 0, row["name"])
        return (0, v if indicator.direction == "le" else -v, row["name"])

    rows.sort(key=key)
    place, previous = 0, object()
    for n, row in enumerate(rows, start=1):
        if row["shown"] is None:
            row["place"] = None
            continue
        if row["shown"] != previous:
            place, previous = n, row["shown"]
        row["place"] = place
    return rows


def indicator(request, pk):
    """An indicator's units ranked (docs/monitoring.md §5), with the region's value and the target, as a chart
    and a table; each unit drills down, each number opens what it counts."""
    _require_view(request)
    ind = get_object_or_404(Indicator.objects.select_related("indicator_set"), pk=pk)
    form, values, period = _filters(request)
    level = _level_for(request, ind, values["level"])
    parent_level, parent = _within(request, level, values["within"]) if level else (None, None)
    region = _region(request.user)
    links = Links(period, ind.indicator_set)
    targets = targets_for([ind], period)
    target = targets.get(ind.pk)
    region_row = None
    shown = []
    if region is not None and Level.REGION in ind.levels:
        shown.append(compute([ind], period, Level.REGION, [region.pk], cached=True))
        region_value = shown[-1][ind.pk].get(region.pk)
        region_row = cells(ind, region_value, target, Level.REGION, region.pk, links)
    rows = []
    if level:
        unit_list = list(
            units(level, (parent_level, parent.pk) if parent else None).values_list("pk", "name")
        )
        if unit_list:
            shown.append(compute([ind], period, level, [pk for pk, _ in unit_list], cached=True))
        computed = shown[-1][ind.pk] if unit_list else {}
        for unit_pk, name in unit_list:
            row = cells(ind, computed.get(unit_pk), target, level, unit_pk, links)
            row.update(unit_pk=unit_pk, name=name, unit_url=links.unit(level, unit_pk))
            child = CHILD.get(level)
            row["drill_url"] = links.indicator(ind, child, unit_pk) if child and child in ind.levels else ""
            row["vs_region"] = charts.better(ind, row["value"], region_row["value"] if region_row else None)
            rows.append(row)
        _ranked(ind, rows)
    level_name = LEVEL_NAMES.get(level, "") if level else ""
    title = f"Показатель {ind.code}: {level_name.lower()}" if level else f"Показатель {ind.code}"
    if values["format"] == "xlsx":
        headers = [
            "Место",
            level_name or "Единица",
            "Числитель",
            "Знаменатель",
            "Значение",
            "Цель",
            "Выполнение",
            "Сравнение с регионом",
        ]
        compare = {1: "лучше региона", -1: "хуже региона", 0: "на уровне региона", None: ""}
        data = [
            [
                r["place"],
                r["name"],
                _number(r["numerator"]),
                _number(r["denominator"]),
                _number(r["shown"]),
                r["target_text"],
                _state_word(r),
                compare[r["vs_region"]],
            ]
            for r in rows
        ]
        if region_row:
            data.append(
                [
                    None,
                    f"Регион: {region}",
                    _number(region_row["numerator"]),
                    _number(region_row["denominator"]),
                    _number(region_row["shown"]),
                    region_row["target_text"],
                    _state_word(region_row),
                    "",
                ]
            )
        return _xlsx(f"{title} {period.code}", headers, data)
    chart = None
    if rows:
        shown = rows[:CHART_BARS]
        chart = charts.ranking_chart(
            f"Показатель {ind.code} — {period.label}",
            [r["name"] for r in shown],
            [r["shown"] for r in shown],
            unit="%" if ind.unit == ValueUnit.PERCENT else "",
            target=target,
            region=region_row["shown"] if region_row else None,
            met=[r["met"] for r in shown],
            direction=ind.direction,
        )
    page = page_of(request, rows, RANKING_PAGE)
    manual_form = None
    if is_manual(ind) and may_manage_monitoring(request.user):
        form_level = level or Level.REGION
        manual_units = _manual_units(form_level, region, rows)
        manual_form = ManualValueForm(indicator=ind, units=manual_units)
        manual_form.level = form_level
    context = _filter_context(
        request,
        values,
        period,
        indicator=ind,
        level=level,
        level_name=level_name,
        level_plural=LEVEL_PLURALS.get(level, ""),
        levels=[(lv, LEVEL_NAMES[lv]) for lv in SUB_LEVELS if lv in ind.levels],
        parent=parent,
        parent_level=parent_level,
        region=region,
        region_row=region_row,
        rows=rows,
        page=page,
        chart=chart,
        chart_uri=chart.data_uri() if chart else "",
        chart_cut=len(rows) > CHART_BARS,
        chart_bars=CHART_BARS,
        title=title,
        links=links,
        up_url=_up_url(ind, links, level, parent_level, parent),
        top_url=links.indicator(ind),
        keep=[("level", level), ("within", parent.pk if parent else None)],
        manual_form=manual_form,
        computed_at=_oldest(*shown),
    )
    return render(request, "monitoring/indicator.html", context)


def _short(text, limit=90):
    text = " ".join(str(text).split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _up_url(ind, links, level, parent_level, parent):
    """One step up the drill-down: a municipality's organizations → its district's municipalities."""
    if parent_level == Level.MUNICIPALITY and parent is not None:
        if parent.district_id and Level.MUNICIPALITY in ind.levels:
            return links.indicator(ind, Level.MUNICIPALITY, parent.district_id)
        return links.indicator(ind, Level.MUNICIPALITY)
    if parent_level == Level.DISTRICT:
        return links.indicator(ind, Level.DISTRICT) if Level.DISTRICT in ind.levels else links.indicator(ind)
    return ""


def _manual_units(level, region, rows):
    if level == Level.REGION:
        return [(region.pk, str(region))] if region else []
    return [(r["unit_pk"], r["name"]) for r in sorted(rows, key=lambda r: r["name"])]


# --- a value entered by hand ----------------------------------------------------------------------------------------


@require_POST
def manual_value(request, pk):
    ind = get_object_or_404(Indicator, pk=pk)
    if not may_manage_monitoring(request.user):
        raise PermissionDenied
    if not is_manual(ind):
        raise Http404
    level = request.POST.get("level", "")
    if level not in ind.levels:
        messages.error(request, "Неверный уровень: значение не сохранено.")
        return redirect(reverse("monitoring:indicator", args=[ind.pk]))
    try:
        period = periods.parse(request.POST.get("period", ""))
    except periods.PeriodError as exc:
        messages.error(request, f"{exc}: значение не сохранено.")
        return redirect(reverse("monitoring:indicator", args=[ind.pk]))
    links = Links(period)
    back = links.indicator(ind, level if level != Level.REGION else None)
    region = _region(request.user)
    if level == Level.REGION:
        choices = [(region.pk, str(region))] if region else []
    else:
        choices = list(units(level).values_list("pk", "name"))
    form = ManualValueForm(request.POST, indicator=ind, units=choices)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {'; '.join(errors)}. Значение не сохранено.")
        return redirect(back)
    data = form.cleaned_data
    try:
        actions.save_manual_value(request.user, ind, period, level, data["unit"], data["value"], data["note"])
    except actions.MonitoringError as exc:
        messages.error(request, f"{exc}. Значение не сохранено.")
        return redirect(back)
    names = dict(choices)
    if data["value"] is None:
        messages.success(request, f"Значение для «{names.get(data['unit'])}» за {period.label} удалено.")
    else:
        messages.success(
            request,
            f"Значение для «{names.get(data['unit'])}» за {period.label} сохранено: "
            f"{charts.value_text(ind, data['value'])}.",
        )
    return redirect(back)


# --- a unit -----------------------------------------------------------------------------------------------------


def _unit_object(level, pk):
    if level not in SUB_LEVELS:
        raise Http404
    model = unit_model(level)
    qs = model.objects.all()
    if level == Level.MUNICIPALITY:
        qs = qs.select_related("district")
    elif level == Level.ORGANIZATION:
        qs = qs.select_related("municipality__district")
    return get_object_or_404(qs, pk=pk)


def unit(request, level, pk):
    """All indicators of a set for one district, municipality or organization, against the target and the region
    (docs/monitoring.md §5). Any unit's numbers are open to whoever may view the monitoring (§6)."""
    _require_view(request)
    obj = _unit_object(level, pk)
    form, values, period = _filters(request)
    sets, chosen = _pick_set(request, values["set"])
    indicators = _indicators(chosen, level)
    region = Region.objects.filter(pk=obj.region_id).first()
    links = Links(period, chosen)
    rows = []
    mine = regional = {}
    if indicators:
        mine = compute(indicators, period, level, [obj.pk], cached=True)
        regional = compute(indicators, period, Level.REGION, [region.pk], cached=True) if region else {}
        targets = targets_for(indicators, period)
        for ind in indicators:
            row = cells(ind, mine[ind.pk].get(obj.pk), targets.get(ind.pk), level, obj.pk, links)
            region_value = regional.get(ind.pk, {}).get(region.pk) if region else None
            row["region_value"] = region_value.value if region_value else None
            row["region_shown"] = (
                rounded(ind, row["region_value"]) if row["region_value"] is not None else None
            )
            row["region_text"] = charts.value_text(ind, row["region_value"], empty="—")
            row["vs_region"] = charts.better(ind, row["value"], row["region_value"])
            row["url"] = links.indicator(ind, level if level != Level.DISTRICT else Level.DISTRICT)
            child = CHILD.get(level)
            row["drill_url"] = links.indicator(ind, child, obj.pk) if child and child in ind.levels else ""
            rows.append(row)
    name = str(obj)
    compare = {1: "лучше региона", -1: "хуже региона", 0: "на уровне региона", None: ""}
    if values["format"] == "xlsx":
        headers = [
            "Код",
            "Показатель",
            "Числитель",
            "Знаменатель",
            "Значение",
            "Цель",
            "Выполнение",
            "Регион",
            "Сравнение с регионом",
        ]
        data = [
            [
                r["indicator"].code,
                r["indicator"].name,
                _number(r["numerator"]),
                _number(r["denominator"]),
                _number(r["shown"]),
                r["target_text"],
                _state_word(r),
                _number(r["region_shown"]),
                compare[r["vs_region"]],
            ]
            for r in rows
        ]
        return _xlsx(f"{name} {period.code}", headers, data)
    shares = [
        r
        for r in rows
        if r["indicator"].unit == ValueUnit.PERCENT
        and (r["value"] is not None or r["region_value"] is not None)
    ]
    chart = None
    if shares:
        chart = charts.unit_chart(
            f"{_short(name, 60)} и регион — {period.label}",
            [f"Показатель {r['indicator'].code}" for r in shares],
            _short(name, 40),
            [r["value"] for r in shares],
            [r["region_value"] for r in shares],
        )
    for r in rows:
        r["compare_text"] = compare[r["vs_region"]]
    context = _filter_context(
        request,
        values,
        period,
        sets,
        chosen,
        unit=obj,
        unit_name=name,
        level=level,
        level_name=LEVEL_NAMES[level],
        rows=rows,
        region=region,
        chart=chart,
        chart_uri=chart.data_uri() if chart else "",
        links=links,
        parents=_parents(level, obj, links),
        computed_at=_oldest(mine, regional),
    )
    return render(request, "monitoring/unit.html", context)


def _parents(level, obj, links):
    """[(name, url)] of the unit's district and municipality, for the breadcrumb."""
    out = []
    if level == Level.ORGANIZATION and obj.municipality_id:
        mun = obj.municipality
        if mun.district_id:
            out.append((str(mun.district), links.unit(Level.DISTRICT, mun.district_id)))
        out.append((str(mun), links.unit(Level.MUNICIPALITY, mun.pk)))
    elif level == Level.MUNICIPALITY and obj.district_id:
        out.append((str(obj.district), links.unit(Level.DISTRICT, obj.district_id)))
    return out


# --- the people behind a number ------------------------------------------------------------------------------------


def _refuse(request, message, status=400):
    return render(request, "monitoring/behind.html", {"error": message}, status=status)


def _measure_for(ind, side):
    """(the measure listed, the measure excluded — `gap` only) of the indicator's side, or None."""
    if is_manual(ind):
        return None
    if side == "num":
        return (MEASURES.get(ind.numerator), None)
    if side == "den":
        return (MEASURES.get(ind.denominator), None) if ind.denominator else None
    if side == "gap" and _gap_available(ind):
        return (MEASURES[ind.denominator], MEASURES[ind.numerator])
    return None


def _visible(request, subject):
    """The viewer's part of a subject: people and organizations within their scope; programs belong to the
    region's catalogue, open to all."""
    if subject == PEOPLE:
        return Person.objects.visible_to(request.user)
    if subject == ORGANIZATIONS:
        return Organization.objects.visible_to(request.user)
    return Program.objects.all()


def _everyone(subject):
    return {PEOPLE: Person.objects.all(), ORGANIZATIONS: Organization.objects.all()}.get(subject) or (
        Program.objects.all()
    )


def _narrow(qs, measure, excluded, period, level, unit_id):
    sql, params = ids_sql(measure.code, period, level, unit_id)
    qs = qs.filter(pk__in=RawSQL(sql, params))
    if excluded is not None:
        sql, params = ids_sql(excluded.code, period, level, unit_id)
        qs = qs.exclude(pk__in=RawSQL(sql, params))
    return qs


def _jobs(person_ids, day):
    """{person id: the job that places them on the day} (people/units.py's rule), in one query."""
    out = {}
    jobs = (
        Employment.objects.active_on(day)
        .filter(person_id__in=person_ids)
        .select_related("organization__municipality", "position")
        .order_by("person_id", "-is_main", F("start").asc(nulls_first=True), "pk")
    )
    for job in jobs:
        out.setdefault(job.person_id, job)
    return out


def _title(ind, side, measure, excluded):
    if side == "gap":
        return f"{measure.name} — не учтены в числителе «{excluded.name}»"
    return measure.name


def behind(request):
    """The people (or organizations, programs) a number counts, within the viewer's scope (docs/monitoring.md
    §5–§6): a numerator, a denominator, or `gap` — in the denominator and not in the numerator («молодые
    педагоги без сопровождения»). Searched, sorted, paged by 50, exported to XLSX (journaled)."""
    _require_view(request)
    form, values, period = _filters(request, BehindFilter)
    if not values["indicator"]:
        # opened without a number (a bookmark, the address typed): back to the numbers, with a word why
        messages.info(
            request, "Не указан показатель: откройте список по ссылке из числа на странице мониторинга."
        )
        return redirect("monitoring:dashboard")
    ind = get_object_or_404(Indicator.objects.select_related("indicator_set"), pk=values["indicator"])
    side = values["side"] or "num"
    level = values["level"] or Level.REGION
    if level not in ind.levels:
        return _refuse(request, f"Показатель {ind.code} не считается на уровне «{LEVEL_NAMES[level]}».")
    pair = _measure_for(ind, side)
    if pair is None or pair[0] is None:
        return _refuse(request, f"У показателя {ind.code} нет списка «{SIDE_NAMES[side]}».")
    measure, excluded = pair
    unit_id = values["unit"]
    if level == Level.REGION and not unit_id:
        region = _region(request.user)
        unit_id = region.pk if region else None
    if not unit_id:
        return _refuse(
            request, "Не указана единица (муниципалитет, организация…), по которой открыть список."
        )
    unit_obj = unit_model(level).objects.filter(pk=unit_id).first()
    if unit_obj is None:
        raise Http404
    if measure.subject == PROGRAMS and level != Level.REGION:
        return _refuse(request, "Программы учитываются только по региону.")
    visible_qs = _narrow(_visible(request, measure.subject), measure, excluded, period, level, unit_id)
    qs = visible_qs
    if values["q"]:
        if measure.subject == PEOPLE:
            qs = qs.filter(name_q(values["q"]))
        elif measure.subject == ORGANIZATIONS:
            qs = qs.filter(name__icontains=values["q"])
        else:
            qs = qs.filter(title__icontains=values["q"])
    sort = values["sort"] or "name"
    if measure.subject == PEOPLE:
        order = ["last_name", "first_name", "middle_name", "pk"]
    elif measure.subject == ORGANIZATIONS:
        order = ["name", "pk"]
    else:
        order = ["title", "pk"]
    if sort == "-name":
        order = [f"-{field}" for field in order]
    qs = qs.order_by(*order)
    title = _title(ind, side, measure, excluded)
    with_snils = measure.subject == PEOPLE and sees_sensitive(request.user, None)
    if values["format"] == "xlsx":
        return _behind_export(request, qs, measure, title, unit_obj, period, with_snils)
    page = page_of(request, qs)
    # Each count runs the measure's SQL: the paginator's count is the visible one when nothing is searched, and
    # the whole population is the visible one for whoever sees everything.
    visible = visible_qs.count() if values["q"] else page.paginator.count
    sees_all = scope_of(request.user).everything or measure.subject == PROGRAMS
    total = (
        visible
        if sees_all
        else _narrow(_everyone(measure.subject), measure, excluded, period, level, unit_id).count()
    )
    rows = list(page.object_list)
    jobs = _jobs([p.pk for p in rows], period.end) if measure.subject == PEOPLE else {}
    if measure.subject == PEOPLE:
        rows = [{"person": p, "job": jobs.get(p.pk)} for p in rows]
    elif measure.subject == ORGANIZATIONS:
        rows = [
            {"organization": o}
            for o in Organization.objects.select_related("municipality")
            .filter(pk__in=[o.pk for o in rows])
            .order_by(*order)
        ]
    else:
        rows = [{"program": p} for p in rows]
    links = Links(period, ind.indicator_set)
    context = _filter_context(
        request,
        values,
        period,
        indicator=ind,
        side=side,
        side_name=SIDE_NAMES[side],
        sides=[(s, n) for s, n in SIDE_NAMES.items() if _measure_for(ind, s)],
        level=level,
        level_name=LEVEL_NAMES[level],
        unit=unit_obj,
        unit_id=unit_id,
        measure=measure,
        excluded=excluded,
        subject=measure.subject,
        title=title,
        indicator_name=ind.name.strip().rstrip("."),
        rows=rows,
        page=page,
        total=total,
        visible=visible,
        hidden=max(total - visible, 0),
        q=values["q"],
        sort=sort,
        sorts=BehindFilter.base_fields["sort"].choices,
        with_snils=with_snils,
        back_url=links.unit(level, unit_id)
        if level != Level.REGION
        else reverse("monitoring:dashboard")
        + f"?{urlencode({'period': period.code, 'set': ind.indicator_set_id})}",
        indicator_url=links.indicator(ind),
        side_links=[
            (s, n, links.behind(ind, s, level, unit_id))
            for s, n in SIDE_NAMES.items()
            if _measure_for(ind, s)
        ],
        keep=[
            ("indicator", ind.pk),
            ("side", side),
            ("level", level),
            ("unit", unit_id),
            ("q", values["q"]),
            ("sort", values["sort"]),
        ],
    )
    return render(request, "monitoring/behind.html", context)


PEOPLE_HEADERS = ["ФИО", "Организация", "Муниципалитет", "Должность"]


def _behind_export(request, qs, measure, title, unit_obj, period, with_snils):
    """The whole list (the viewer's part of it) as XLSX, journaled as every export of people is."""
    journal(
        JournalAction.EXPORT,
        request=request,
        what="monitoring behind",
        measure=measure.code,
        rows=qs.count(),
        filters={k: v[:200] for k, v in request.GET.items() if k != "page"},
    )
    name = f"{_short(title, 70)} — {unit_obj} {period.code}"
    if measure.subject == PEOPLE:
        headers = PEOPLE_HEADERS[:1] + (["СНИЛС"] if with_snils else []) + PEOPLE_HEADERS[1:]
        return xlsx_response(
            file_name(name, "xlsx"), [(_sheet(title), headers, _people_rows(qs, period, with_snils))]
        )
    if measure.subject == ORGANIZATIONS:
        rows = (
            [o.name, o.municipality.name if o.municipality else "", o.get_kind_display()]
            for o in qs.select_related("municipality").iterator(chunk_size=1000)
        )
        return xlsx_response(
            file_name(name, "xlsx"), [("Организации", ["Организация", "Муниципалитет", "Тип"], rows)]
        )
    rows = ([p.title] for p in qs.iterator(chunk_size=1000))
    return xlsx_response(file_name(name, "xlsx"), [("Программы", ["Программа"], rows)])


def _people_rows(qs, period, with_snils, batch=1000):
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        people = Person.objects.in_bulk(chunk)
        jobs = _jobs(chunk, period.end)
        for pk in chunk:
            person, job = people[pk], jobs.get(pk)
            org = job.organization if job else None
            row = [person.full_name]
            if with_snils:
                row.append(person.snils_display)
            row += [
                org.name if org else "",
                org.municipality.name if org and org.municipality else "",
                job.position.name if job else "",
            ]
            yield row


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("indicators/<int:pk>/", indicator, name="indicator"),
    path("indicators/<int:pk>/manual/", manual_value, name="manual_value"),
    path("units/<slug:level>/<int:pk>/", unit, name="unit"),
    path("behind/", behind, name="behind"),
    path("refresh/", refresh, name="refresh"),
]

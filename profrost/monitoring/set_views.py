"""The indicator sets (docs/monitoring.md §1): the shipped sets and the region's own, the chosen one, the
indicators with their measures and targets. The region's staff choose the set, create their own (empty or a copy),
add indicators composed of two measures of the catalogue, and set targets per period; everyone who may view the
monitoring reads them."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from profrost.monitoring import actions
from profrost.monitoring.measures import MEASURES, SUBJECT_NAMES
from profrost.monitoring.models import Direction, IndicatorSet, Level, ValueUnit
from profrost.monitoring.permissions import may_manage_monitoring, may_view_monitoring

MAX_TARGET = Decimal("9999999999")


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _text(request, name, limit=500):
    return (request.POST.get(name) or "").replace("\x00", "")[:limit]


def _decimal(text):
    """A number typed with a comma or a point; None when empty; MonitoringError when not a number."""
    text = (text or "").strip().replace(",", ".").replace("\x00", "")
    if not text:
        return None
    if len(text) > 20:
        raise actions.MonitoringError("Слишком длинное число")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise actions.MonitoringError("Целевое значение — число, например 40 или 12,5") from None
    if not value.is_finite() or abs(value) > MAX_TARGET:
        raise actions.MonitoringError("Слишком большое число")
    return value


def sets(request):
    _require(may_view_monitoring(request.user))
    rows = IndicatorSet.objects.all().order_by("-is_chosen", "order", "code")
    return render(
        request,
        "monitoring/sets.html",
        {"rows": rows, "may_manage": may_manage_monitoring(request.user), "all_sets": rows},
    )


@require_POST
def set_create(request):
    _require(may_manage_monitoring(request.user))
    source = None
    if request.POST.get("copy_from"):
        try:
            source = IndicatorSet.objects.filter(pk=int(request.POST["copy_from"])).first()
        except (TypeError, ValueError):
            source = None
    try:
        new = actions.create_set(
            request.user,
            code=_text(request, "code", 100),
            name=_text(request, "name", 1000),
            copy_from=source,
            request=request,
        )
    except actions.MonitoringError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:sets")
    messages.success(request, f"Набор «{new.name}» создан.")
    return redirect("monitoring:set", pk=new.pk)


@require_POST
def set_choose(request, pk):
    _require(may_manage_monitoring(request.user))
    chosen = get_object_or_404(IndicatorSet, pk=pk)
    actions.choose_set(request.user, chosen, request=request)
    messages.success(
        request, f"Выбран набор «{chosen.name}»: он открывается на панели и в рейтинге по умолчанию."
    )
    return redirect("monitoring:sets")


def set_detail(request, pk):
    _require(may_view_monitoring(request.user))
    chosen = get_object_or_404(IndicatorSet, pk=pk)
    indicators = list(chosen.indicators.prefetch_related("targets").order_by("order", "code"))
    for ind in indicators:
        ind.num_measure = MEASURES.get(ind.numerator)
        ind.den_measure = MEASURES.get(ind.denominator)
        ind.target_list = sorted(ind.targets.all(), key=lambda t: t.period)
    measures = [(m.code, f"{m.name} ({SUBJECT_NAMES[m.subject]})") for m in MEASURES.values()]
    return render(
        request,
        "monitoring/set.html",
        {
            "set": chosen,
            "indicators": indicators,
            "may_manage": may_manage_monitoring(request.user),
            "measures": measures,
            "units": ValueUnit.choices,
            "directions": Direction.choices,
            "levels": Level.choices,
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@require_POST
def set_target(request, pk):
    _require(may_manage_monitoring(request.user))
    chosen = get_object_or_404(IndicatorSet, pk=pk)
    try:
        indicator = chosen.indicators.filter(pk=int(request.POST.get("indicator") or 0)).first()
    except (TypeError, ValueError):
        indicator = None
    if indicator is None:
        messages.error(request, "Выберите показатель набора")
        return redirect("monitoring:set", pk=chosen.pk)
    try:
        actions.set_target(
            request.user,
            indicator,
            period_code=_text(request, "period", 40),
            value=_decimal(request.POST.get("value")),
            request=request,
        )
    except actions.MonitoringError as exc:
        messages.error(request, f"{indicator.code}: {exc}")
    else:
        messages.success(request, f"Цель показателя {indicator.code} сохранена.")
    return redirect("monitoring:set", pk=chosen.pk)


@require_POST
def indicator_add(request, pk):
    _require(may_manage_monitoring(request.user))
    chosen = get_object_or_404(IndicatorSet, pk=pk)
    try:
        actions.add_indicator(
            request.user,
            chosen,
            code=_text(request, "code", 100),
            name=_text(request, "name", 6000),
            numerator=_text(request, "numerator", 60),
            denominator=_text(request, "denominator", 60),
            unit=_text(request, "unit", 20),
            direction=_text(request, "direction", 5),
            levels=[v[:20] for v in request.POST.getlist("levels")[:4]],
            target=_decimal(request.POST.get("target")),
            request=request,
        )
    except actions.MonitoringError as exc:
        messages.error(request, str(exc))
        request.method = "POST"
        return set_detail(request, pk)
    messages.success(request, "Показатель добавлен в набор.")
    return redirect("monitoring:set", pk=chosen.pk)


urlpatterns = [
    path("sets/", sets, name="sets"),
    path("sets/new/", set_create, name="set_create"),
    path("sets/<int:pk>/", set_detail, name="set"),
    path("sets/<int:pk>/choose/", set_choose, name="set_choose"),
    path("sets/<int:pk>/target/", set_target, name="set_target"),
    path("sets/<int:pk>/indicators/", indicator_add, name="indicator_add"),
]

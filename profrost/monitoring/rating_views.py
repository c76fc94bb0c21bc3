"""Pages of the published monitoring (docs/monitoring.md §7–§10): the semi-annual rating of municipalities, the
published snapshots beside the live values, the addressed recommendations and the monitoring report.

Everyone who may view the monitoring sees the published numbers of every unit (they are not personal data);
the live preview of an unpublished rating, publishing, drafting and sending recommendations are for the region's
staff; a recommendation is answered by the coordinator of its municipality (one outside the scope: 404).
Every state change goes through monitoring/actions.py.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from profrost.core import downloads
from profrost.core.charts import number
from profrost.core.exports import attachment, file_name, xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, IdFilter, TextFilter, parse_id, without_nul
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.core.periods import PeriodError, last_half_year, parse
from profrost.monitoring import actions, report
from profrost.monitoring import rating as ratings
from profrost.monitoring.charts import target_text, value_text
from profrost.monitoring.compute import compute
from profrost.monitoring.models import (
    Indicator,
    IndicatorSet,
    Level,
    Recommendation,
    RecommendationStatus,
    Snapshot,
    SnapshotKind,
    SnapshotValue,
)
from profrost.monitoring.permissions import may_manage_monitoring, may_view_monitoring
from profrost.structure.models import Municipality


class PeriodCode(forms.CharField):
    """A core.periods code → a Period (the message of periods.parse when refused)."""

    def __init__(self, *, label="Период", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, **kwargs)  # parse() bounds the length

    def to_python(self, value):
        value = super().to_python(without_nul(value))
        if not value:
            return None
        try:
            return parse(value)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None


class HalfYear(PeriodCode):
    def to_python(self, value):
        period = super().to_python(value)
        if period is not None and period.kind != "half_year":
            raise forms.ValidationError("Рейтинг составляется за полугодие, например 2026-H1")
        return period


FORMATS = [("xlsx", "XLSX"), ("docx", "DOCX"), ("pdf", "PDF")]


class RatingFilter(FilterForm):
    set = IdFilter(label="Набор показателей")
    period = HalfYear(label="Полугодие")
    format = ChoiceFilter(label="Формат", choices=FORMATS)


class SnapshotListFilter(FilterForm):
    set = IdFilter(label="Набор показателей")
    kind = ChoiceFilter(label="Вид", choices=SnapshotKind.choices)


class SnapshotFilter(FilterForm):
    indicator = TextFilter(label="Показатель", max_length=20)
    changed = ChoiceFilter(label="Только изменившиеся", choices=[("1", "да")])
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


class RecommendationFilter(FilterForm):
    status = ChoiceFilter(label="Статус", choices=RecommendationStatus.choices)
    municipality = IdFilter(label="Муниципалитет")
    indicator = IdFilter(label="Показатель")
    set = IdFilter(label="Набор показателей")
    overdue = ChoiceFilter(label="Только просроченные", choices=[("1", "да")])
    q = TextFilter(label="Текст")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


class ReportFilter(FilterForm):
    set = IdFilter(label="Набор показателей")
    period = PeriodCode()
    format = ChoiceFilter(label="Формат", choices=[("docx", "DOCX"), ("pdf", "PDF")])


class PublishForm(forms.Form):
    set = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    period = PeriodCode(required=True)
    level = forms.ChoiceField(choices=Level.choices, required=False)


class RecommendationForm(forms.Form):
    text = forms.CharField(max_length=actions.LONG_TEXT_MAX, required=False)
    answer_due = forms.DateField(input_formats=["%Y-%m-%d", "%d.%m.%Y"], required=False)
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class AnswerForm(forms.Form):
    measures = forms.CharField(max_length=actions.LONG_TEXT_MAX, required=False)
    measures_due = forms.DateField(input_formats=["%Y-%m-%d", "%d.%m.%Y"], required=False)
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


def _form_error(form):
    for field, errors in form.errors.items():
        label = {
            "text": "Текст рекомендации",
            "answer_due": "Срок ответа",
            "measures": "Принятые меры",
            "measures_due": "Срок исполнения мер",
            "set": "Набор показателей",
            "period": "Период",
            "level": "Уровень",
        }.get(field, field)
        return f"{label}: {errors[0]}"
    return "Неверные данные формы"


def _require_view(request):
    if not may_view_monitoring(request.user):
        raise PermissionDenied


def _require_manage(request):
    if not may_manage_monitoring(request.user):
        raise PermissionDenied


def _sets():
    return list(IndicatorSet.objects.order_by("order", "code"))


def _chosen_set(request, form, values, sets):
    """The set asked for, else the one the region chose, else the first."""
    if values["set"]:
        found = next((s for s in sets if s.pk == values["set"]), None)
        if found is not None:
            return found
        messages.error(request, "Неверное значение фильтра «Набор показателей»: набор не найден.")
    return next((s for s in sets if s.is_chosen), sets[0] if sets else None)


# --- the rating (docs/monitoring.md §8) -------------------------------------------------------------------------


def rating_view(request):
    _require_view(request)
    form = RatingFilter.of(request)
    values = form.values
    sets = _sets()
    chosen = _chosen_set(request, form, values, sets)
    period = values["period"] or last_half_year()
    staff = may_manage_monitoring(request.user)
    result = None
    if chosen is not None:
        result = ratings.published(chosen, period)
        if result is None and staff:
            result = ratings.live(chosen, period)
    if values["format"]:
        if result is None:
            messages.error(request, "Рейтинг за этот период ещё не опубликован: выгружать нечего.")
            return redirect(
                f"{reverse('monitoring:rating')}?set={chosen.pk if chosen else ''}&period={period.code}"
            )
        journal(
            JournalAction.EXPORT,
            request=request,
            what="monitoring rating",
            fmt=values["format"],
            period=period.code,
        )
        title = result.title if result.snapshot else f"{result.title} (предварительный)"
        if values["format"] == "xlsx":
            return xlsx_response(file_name(title, "xlsx"), report.rating_sheets(result))
        if values["format"] == "docx":
            response = HttpResponse(
                report.rating_docx(result),
                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        else:
            response = HttpResponse(report.rating_pdf(result), content_type="application/pdf")
        return attachment(response, title, values["format"])
    periods_offered = ratings.recent_half_years()
    published_codes = set()
    if chosen is not None:
        published_codes = set(
            Snapshot.objects.filter(kind=SnapshotKind.RATING, indicator_set=chosen).values_list(
                "period", flat=True
            )
        )
    for code in sorted(published_codes - {p.code for p in periods_offered}, reverse=True):
        try:
            periods_offered.append(parse(code))
        except PeriodError:
            continue
    if period.code not in {p.code for p in periods_offered}:
        periods_offered.insert(0, period)
    chart = report.rating_chart(result) if result is not None and result.rows else None
    return render(
        request,
        "monitoring/rating.html",
        {
            "sets": sets,
            "chosen": chosen,
            "period": period,
            "periods": [(p, p.code in published_codes) for p in periods_offered],
            "rating": result,
            "rows": report.rating_rows(result) if result is not None else [],
            "staff": staff,
            "can_publish": staff and result is not None and result.snapshot is None and period.is_over(),
            "chart": chart,
            "chart_uri": chart.data_uri() if chart is not None else "",
            "query": query_without_page(request),
        },
    )


@require_POST
def rating_publish(request):
    _require_manage(request)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("monitoring:rating")
    chosen = get_object_or_404(IndicatorSet, pk=form.cleaned_data["set"])
    period = form.cleaned_data["period"]
    back = f"{reverse('monitoring:rating')}?set={chosen.pk}&period={period.code}"
    try:
        actions.publish_rating(request.user, chosen, period)
    except actions.MonitoringError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, f"Рейтинг за {period.label} опубликован.")
    return redirect(back)


# --- snapshots (docs/monitoring.md §7) ----------------------------------------------------------------------------


def snapshots(request):
    _require_view(request)
    form = SnapshotListFilter.of(request)
    values = form.values
    qs = Snapshot.objects.visible_to(request.user).select_related("indicator_set", "published_by")
    if values["set"]:
        qs = qs.filter(indicator_set_id=values["set"])
    if values["kind"]:
        qs = qs.filter(kind=values["kind"])
    page = page_of(request, qs.order_by("-end", "-published_at", "-pk"))
    sets = _sets()
    return render(
        request,
        "monitoring/snapshots.html",
        {
            "page": page,
            "sets": sets,
            "params": {k: "" if v is None else str(v) for k, v in values.items()},
            "kinds": SnapshotKind.choices,
            "levels": Level.choices,
            "staff": may_manage_monitoring(request.user),
            "default_period": last_half_year().code,
            "chosen": next((s for s in sets if s.is_chosen), sets[0] if sets else None),
            "query": query_without_page(request),
        },
    )


@require_POST
def snapshot_publish(request):
    _require_manage(request)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("monitoring:snapshots")
    chosen = get_object_or_404(IndicatorSet, pk=form.cleaned_data["set"])
    try:
        snapshot = actions.publish_snapshot(
            request.user,
            chosen,
            form.cleaned_data["period"],
            form.cleaned_data["level"] or Level.MUNICIPALITY,
        )
    except actions.MonitoringError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:snapshots")
    messages.success(request, f"Срез «{snapshot.title}» опубликован.")
    return redirect("monitoring:snapshot", pk=snapshot.pk)


def snapshot_comparison(snapshot):
    """(indicators, rows by indicator code): every frozen value beside the live value now. indicators: [(code,
    name, changed count)]; a row: the frozen SnapshotValue, the live Value (or None), `changed` — the value as
    shown differs, or the value's presence, or its numerator or denominator."""
    frozen = list(SnapshotValue.objects.filter(snapshot=snapshot).exclude(indicator_code="").order_by("pk"))
    live_indicators = list(
        Indicator.objects.filter(pk__in={v.indicator_id for v in frozen if v.indicator_id})
    )
    period = ratings.snapshot_period(snapshot)
    live = (
        compute(live_indicators, period, snapshot.level, list({v.unit_id for v in frozen}))
        if live_indicators
        else {}
    )
    by_code, names, changed = {}, {}, {}
    for v in frozen:
        now = live.get(v.indicator_id, {}).get(v.unit_id) if v.indicator_id else None
        indicator = v.indicator
        frozen_shown = ratings.rounded(indicator, v.value) if indicator else v.value
        now_shown = ratings.rounded(indicator, now.value) if indicator and now else None
        differs = indicator is not None and (
            frozen_shown != now_shown
            or (
                v.numerator is not None
                and now is not None
                and now.numerator is not None
                and v.numerator != now.numerator
            )
            or (
                v.denominator is not None
                and now is not None
                and now.denominator is not None
                and v.denominator != now.denominator
            )
        )
        by_code.setdefault(v.indicator_code, []).append(
            {
                "frozen": v,
                "live": now,
                "changed": differs,
                "frozen_text": value_text(indicator, v.value) if indicator else number(v.value),
                "live_text": value_text(indicator, now.value if now else None) if indicator else "—",
            }
        )
        names[v.indicator_code] = v.indicator_name
        changed[v.indicator_code] = changed.get(v.indicator_code, 0) + (1 if differs else 0)
    indicators = [(code, names[code], changed[code]) for code in by_code]
    return indicators, by_code


SNAPSHOT_HEADERS = [
    "Показатель",
    "Наименование показателя",
    "Единица",
    "Числитель",
    "Знаменатель",
    "Значение",
    "Цель",
    "Цель достигнута",
    "Значение сейчас",
    "Числитель сейчас",
    "Знаменатель сейчас",
    "Изменилось",
]


def _snapshot_sheet(indicators, by_code):
    for code, name, _ in indicators:
        for row in by_code[code]:
            v, now = row["frozen"], row["live"]
            ind = v.indicator
            yield [
                code,
                name,
                v.unit_name,
                v.numerator,
                v.denominator,
                ratings.rounded(ind, v.value) if ind else v.value,
                v.target,
                v.met,
                ratings.rounded(ind, now.value) if ind and now else None,
                now.numerator if now else None,
                now.denominator if now else None,
                row["changed"],
            ]


def snapshot_view(request, pk):
    _require_view(request)
    snapshot = get_object_or_404(
        Snapshot.objects.visible_to(request.user).select_related("indicator_set", "published_by"), pk=pk
    )
    if request.method == "POST":
        # A published snapshot is never edited: whatever was posted, the message says so (docs/monitoring.md §7).
        try:
            actions.change_snapshot(request.user, snapshot)
        except actions.MonitoringError as exc:
            messages.error(request, str(exc))
        return redirect("monitoring:snapshot", pk=snapshot.pk)
    form = SnapshotFilter.of(request)
    values = form.values
    indicators, by_code = snapshot_comparison(snapshot)
    if values["format"] == "xlsx":
        journal(JournalAction.EXPORT, request=request, obj=snapshot, what="monitoring snapshot")
        return xlsx_response(
            file_name(snapshot.title, "xlsx"),
            [("Срез", SNAPSHOT_HEADERS, _snapshot_sheet(indicators, by_code))],
        )
    codes = [code for code, _, _ in indicators]
    code = values["indicator"] if values["indicator"] in codes else (codes[0] if codes else None)
    if values["indicator"] and values["indicator"] not in codes:
        messages.error(request, "Неверное значение фильтра «Показатель»: фильтр не применён.")
    rows = by_code.get(code, [])
    if values["changed"]:
        rows = [r for r in rows if r["changed"]]
    page = page_of(request, rows)
    indicator = rows[0]["frozen"].indicator if rows else None
    return render(
        request,
        "monitoring/snapshot.html",
        {
            "snapshot": snapshot,
            "indicators": indicators,
            "code": code,
            "indicator": indicator,
            "page": page,
            "changed_total": sum(c for _, _, c in indicators),
            "params": {k: "" if v is None else str(v) for k, v in values.items()},
            "query": query_without_page(request),
            "staff": may_manage_monitoring(request.user),
            "recommendations": Recommendation.objects.visible_to(request.user)
            .filter(snapshot=snapshot)
            .count(),
            "is_rating": snapshot.kind == SnapshotKind.RATING,
            "rating_url": f"{reverse('monitoring:rating')}?set={snapshot.indicator_set_id}&period={snapshot.period}",
        },
    )


# --- recommendations (docs/monitoring.md §9) ---------------------------------------------------------------------

RECOMMENDATION_HEADERS = [
    "Муниципалитет",
    "Набор",
    "Показатель",
    "Период",
    "Значение",
    "Цель",
    "Статус",
    "Направлена",
    "Ответ до",
    "Просрочена",
    "Принятые меры",
    "Срок исполнения мер",
    "Текст рекомендации",
]


def _recommendation_rows(qs, today):
    for r in qs.iterator(chunk_size=500):
        yield [
            r.municipality.name,
            r.snapshot.indicator_set.code,
            f"{r.indicator.code}. {r.indicator.name}",
            r.snapshot.period,
            value_text(r.indicator, r.value, ""),
            target_text(r.indicator, r.target),
            r.get_status_display(),
            r.sent_at,
            r.answer_due,
            r.status in actions.OPEN and r.answer_due is not None and r.answer_due < today,
            r.measures,
            r.measures_due,
            r.text,
        ]


def recommendations(request):
    _require_view(request)
    form = RecommendationFilter.of(request)
    values = form.values
    today = datetime.date.today()
    qs = Recommendation.objects.visible_to(request.user).select_related(
        "municipality", "indicator", "snapshot__indicator_set"
    )
    if values["status"]:
        qs = qs.filter(status=values["status"])
    if values["municipality"]:
        qs = qs.filter(municipality_id=values["municipality"])
    if values["indicator"]:
        qs = qs.filter(indicator_id=values["indicator"])
    if values["set"]:
        qs = qs.filter(snapshot__indicator_set_id=values["set"])
    if values["overdue"]:
        qs = actions.overdue(qs, today)
    if values["q"]:
        qs = qs.filter(text__icontains=values["q"])
    qs = qs.order_by("-snapshot__end", "municipality__name", "indicator__order", "pk")
    if values["format"] == "xlsx":
        journal(JournalAction.EXPORT, request=request, what="monitoring recommendations", rows=qs.count())
        return xlsx_response(
            "Адресные рекомендации.xlsx",
            [("Рекомендации", RECOMMENDATION_HEADERS, _recommendation_rows(qs, today))],
        )
    page = page_of(request, qs)
    visible = Recommendation.objects.visible_to(request.user)
    municipalities = Municipality.objects.filter(pk__in=visible.values("municipality_id")).order_by("name")
    indicators = (
        Indicator.objects.filter(pk__in=visible.values("indicator_id"))
        .select_related("indicator_set")
        .order_by("indicator_set__order", "order")
    )
    names = {
        "municipality": dict(municipalities.values_list("pk", "name")),
        "indicator": {i.pk: f"{i.indicator_set.code}: {i.code}" for i in indicators},
        "set": dict(IndicatorSet.objects.values_list("pk", "name")),
    }
    return render(
        request,
        "monitoring/recommendations.html",
        {
            "page": page,
            "today": today,
            "params": {k: "" if v is None else str(v) for k, v in values.items()},
            "chips": form.chips(request, names),
            "statuses": RecommendationStatus.choices,
            "municipalities": list(municipalities.values_list("pk", "name")),
            "indicators": [(i.pk, f"{i.indicator_set.code}: {i.code}. {i.name[:80]}") for i in indicators],
            "sets": _sets(),
            "overdue_count": actions.overdue(visible, today).count(),
            "open": actions.OPEN,
            "query": query_without_page(request),
            "staff": may_manage_monitoring(request.user),
            "drafts": visible.filter(status=RecommendationStatus.DRAFT).count()
            if may_manage_monitoring(request.user)
            else 0,
        },
    )


@require_POST
def recommendations_draft(request):
    _require_manage(request)
    snapshot_id = parse_id(request.POST.get("snapshot"))
    if snapshot_id is None:
        messages.error(request, "Не указан опубликованный срез")
        return redirect("monitoring:recommendations")
    snapshot = get_object_or_404(Snapshot.objects.visible_to(request.user), pk=snapshot_id)
    try:
        count = actions.draft_recommendations(request.user, snapshot)
    except actions.MonitoringError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:snapshot", pk=snapshot.pk)
    if count:
        messages.success(request, f"Составлено черновиков рекомендаций: {count}. Проверьте и направьте их.")
    else:
        messages.info(request, "Новых рекомендаций нет: все муниципалитеты ниже цели уже получили черновики.")
    return redirect(f"{reverse('monitoring:recommendations')}?status=draft")


def recommendation_view(request, pk):
    _require_view(request)
    rec = get_object_or_404(
        Recommendation.objects.visible_to(request.user).select_related(
            "snapshot__indicator_set", "indicator", "municipality", "sent_by", "answered_by"
        ),
        pk=pk,
    )
    if request.method == "POST":
        return _recommendation_post(request, rec)
    following, live, moved = ratings.next_value(rec)
    today = datetime.date.today()
    return render(
        request,
        "monitoring/recommendation.html",
        {
            "rec": rec,
            "following": following,
            "live": live,
            "moved": moved,
            "moved_text": ratings.MOVED[moved],
            "value": value_text(rec.indicator, rec.value),
            "target": target_text(rec.indicator, rec.target),
            "live_value": value_text(rec.indicator, live.value if live else None),
            "live_target": target_text(rec.indicator, live.target if live else None),
            "overdue": rec.status in actions.OPEN and rec.answer_due is not None and rec.answer_due < today,
            "staff": may_manage_monitoring(request.user),
            "may_answer": actions.may_answer(request.user, rec),
            "today": today,
        },
    )


def _recommendation_post(request, rec):
    action = without_nul(request.POST.get("action", ""))[:20]
    try:
        if action in ("save", "send"):
            form = RecommendationForm(request.POST)
            if not form.is_valid():
                raise actions.MonitoringError(_form_error(form))
            data = form.cleaned_data
            do = actions.send_recommendation if action == "send" else actions.edit_recommendation
            do(request.user, rec, data["text"], data["answer_due"], version=data["version"])
            messages.success(
                request, "Рекомендация направлена." if action == "send" else "Изменения сохранены."
            )
        elif action == "acknowledge":
            actions.acknowledge(request.user, rec)
            messages.success(request, "Получение рекомендации подтверждено.")
        elif action == "answer":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                raise actions.MonitoringError(_form_error(form))
            data = form.cleaned_data
            actions.answer(request.user, rec, data["measures"], data["measures_due"], version=data["version"])
            messages.success(request, "Ответ направлен.")
        else:
            messages.error(request, "Неизвестное действие")
    except actions.MonitoringError as exc:
        messages.error(request, str(exc))
        return _recommendation_again(request, rec)
    return redirect("monitoring:recommendation", pk=rec.pk)


def _recommendation_again(request, rec):
    """After a refusal the page again, with what the user typed kept in the form (nothing lost)."""
    following, live, moved = ratings.next_value(rec)
    today = datetime.date.today()
    typed = {
        k: without_nul(request.POST.get(k, ""))[: actions.LONG_TEXT_MAX]
        for k in ("text", "answer_due", "measures", "measures_due")
    }
    return render(
        request,
        "monitoring/recommendation.html",
        {
            "rec": rec,
            "typed": typed,
            "following": following,
            "live": live,
            "moved": moved,
            "moved_text": ratings.MOVED[moved],
            "value": value_text(rec.indicator, rec.value),
            "target": target_text(rec.indicator, rec.target),
            "live_value": value_text(rec.indicator, live.value if live else None),
            "live_target": target_text(rec.indicator, live.target if live else None),
            "overdue": rec.status in actions.OPEN and rec.answer_due is not None and rec.answer_due < today,
            "staff": may_manage_monitoring(request.user),
            "may_answer": actions.may_answer(request.user, rec),
            "today": today,
        },
        status=400,
    )


# --- the monitoring report (docs/monitoring.md §10) --------------------------------------------------------------


def report_view(request):
    """The page to choose the set and the period; with `format` the report is made by the worker while the
    download page shows its progress (charts for every indicator take seconds)."""
    _require_view(request)
    form = ReportFilter.of(request)
    values = form.values
    sets = _sets()
    chosen = _chosen_set(request, form, values, sets)
    period = values["period"] or last_half_year()
    if values["format"] and chosen is not None:
        journal(
            JournalAction.EXPORT,
            request=request,
            obj=chosen,
            what="monitoring report",
            period=period.code,
            fmt=values["format"],
        )
        progress = downloads.start(
            request.user, file_name(report.report_title(chosen, period), values["format"])
        )
        report.build_report_file.enqueue(
            progress.pk, chosen.pk, period.code, request.user.pk, values["format"]
        )
        return redirect("download", pk=progress.pk)
    return render(
        request,
        "monitoring/report.html",
        {
            "sets": sets,
            "chosen": chosen,
            "period": period,
            "periods": report.period_options(period),
            "snapshots": Snapshot.objects.filter(indicator_set=chosen, period=period.code).select_related(
                "published_by"
            )
            if chosen
            else [],
        },
    )


urlpatterns = [
    path("rating/", rating_view, name="rating"),
    path("rating/publish/", rating_publish, name="rating_publish"),
    path("snapshots/", snapshots, name="snapshots"),
    path("snapshots/publish/", snapshot_publish, name="snapshot_publish"),
    path("snapshots/<int:pk>/", snapshot_view, name="snapshot"),
    path("recommendations/", recommendations, name="recommendations"),
    path("recommendations/draft/", recommendations_draft, name="recommendations_draft"),
    path("recommendations/<int:pk>/", recommendation_view, name="recommendation"),
    path("report/", report_view, name="report"),
]

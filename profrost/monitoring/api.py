"""The monitoring's read-only JSON API (docs/monitoring.md §12): indicator sets and their indicators, values
computed live for a period and a level, and published snapshots (reports and ratings with places) — for the
region's analytics system or BI. Django REST Framework, the OpenAPI schema by drf-spectacular.

Who: a token (`profrost monitoring token LOGIN`, rest_framework.authtoken) or the session of a user who may view
the monitoring (`may_view_monitoring`, the pages' rule); everyone else 401/403. Only aggregate numbers: the API
never lists the people or organizations behind a number (those are asked on the pages, within the viewer's
scope). Every query parameter is checked: a bad one is a 400 with a Russian message in JSON, never a 500.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Prefetch
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from profrost.core import periods
from profrost.monitoring import compute
from profrost.monitoring.measures import MEASURES
from profrost.monitoring.models import (
    Indicator,
    IndicatorSet,
    Level,
    Snapshot,
    SnapshotKind,
    SnapshotValue,
    Target,
    ValueUnit,
)
from profrost.monitoring.permissions import may_view_monitoring

MAX_PARAM = 100  # characters of a text parameter (a set code, a period code, a level)
MAX_ID = 2**63 - 1


# --- the rows of a table of values: shared by the API and `profrost monitoring compute` -----------------------


@dataclass
class Row:
    indicator: Indicator
    unit_id: int
    unit_name: str
    value: compute.Value

    @property
    def numerator(self):
        return whole(self.value.numerator)

    @property
    def denominator(self):
        return whole(self.value.denominator)

    @property
    def shown(self):
        """The value as shown and exported: a share or a ratio half-up to one decimal, a count whole
        (compute.rounded, docs/monitoring.md §4)."""
        return compute.rounded(self.indicator, self.value.value)

    @property
    def target(self):
        return compute.rounded(self.indicator, self.value.target)


def whole(amount):
    """A numerator or a denominator: the measures count people, organizations, programs or things — whole."""
    if amount is None:
        return None
    return int(Decimal(amount).to_integral_value())


def value_rows(indicators, period, level, unit_ids=None):
    """[Row] — every indicator offered at the level × every unit of the level (or only `unit_ids`), ordered by the
    indicator's place in its set, then by the unit's name. One compute() for all: a unit without data gets a
    zero numerator and denominator (no value), a yes/no indicator without an entered value an empty row."""
    indicators = [i for i in indicators if level in i.levels]
    # The whole level, narrowed here: a unit filter inside compute's statement misleads PostgreSQL's planner
    # (benchmarks/bench_monitoring.py at 100,000 people: one municipality 9 s, the whole level 1.7 s).
    values = compute.compute(indicators, period, level, cached=True)
    if unit_ids is None:
        ids = set(compute.units(level).values_list("pk", flat=True))
        for rows in values.values():
            ids |= {u for u in rows if u is not None}
    else:
        ids = set(unit_ids)
    names = compute.unit_names(level, ids)
    ordered = sorted((u for u in ids if u in names), key=lambda u: (names[u].lower(), u))
    targets = compute.targets_for(indicators, period)
    out = []
    for ind in indicators:
        rows = values.get(ind.pk, {})
        for unit in ordered:
            value = rows.get(unit)
            if value is None:
                computed = ind.unit != ValueUnit.YESNO and bool(ind.numerator)
                n = Decimal(0) if computed else None
                d = Decimal(0) if computed and ind.denominator else None
                value = compute.Value(
                    ind, unit, n, d, compute.value_of(ind, n, d) if computed else None, targets.get(ind.pk)
                )
            out.append(Row(ind, unit, names[unit], value))
    return out


# --- errors, permission, pagination --------------------------------------------------------------------------


class BadParameter(APIException):
    """400 with {"detail": "<Russian message>", "parameter": "<name>"}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, parameter, message):
        super().__init__({"detail": message, "parameter": parameter})


class MayViewMonitoring(BasePermission):
    """The pages' rule (monitoring/permissions.py): region staff and coordinators."""

    message = "Нет доступа к мониторингу: API доступно сотрудникам региона и координаторам."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and may_view_monitoring(user))


class Pages(PageNumberPagination):
    """100 a page (REST_FRAMEWORK["PAGE_SIZE"]); `page_size` up to 1000 for a system pulling everything."""

    page_size_query_param = "page_size"
    max_page_size = 1000
    invalid_page_message = "Нет такой страницы."


def text_param(request, name, required=False, default=None):
    value = request.query_params.get(name)
    if value is None or value.strip() == "":
        if required:
            raise BadParameter(name, f"Укажите параметр «{name}».")
        return default
    if "\x00" in value or len(value) > MAX_PARAM:
        raise BadParameter(name, f"Неверное значение параметра «{name}».")
    return value.strip()


def id_param(request, name):
    value = text_param(request, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise BadParameter(name, f"Параметр «{name}» должен быть целым положительным числом.")
    return int(value)


def set_param(request, name="set"):
    code = text_param(request, name, required=True)
    found = IndicatorSet.objects.filter(code=code).first()
    if found is None:
        raise BadParameter(name, unknown_set_message(code))
    return found


def unknown_set_message(code):
    codes = ", ".join(IndicatorSet.objects.values_list("code", flat=True))
    return f"Набор показателей «{code[:40]}» не найден; есть: {codes or 'нет наборов'}."


def period_param(request, name="period", required=True):
    code = text_param(request, name, required=required)
    if code is None:
        return None
    try:
        return periods.parse(code)
    except periods.PeriodError as exc:
        raise BadParameter(name, str(exc)) from None


def level_param(request, name="level", default=Level.MUNICIPALITY):
    level = text_param(request, name, default=default)
    if level is not None and level not in Level.values:
        raise BadParameter(name, f"Неверный уровень: укажите один из {', '.join(Level.values)}.")
    return level


def choice_param(request, name, choices):
    value = text_param(request, name)
    if value is not None and value not in choices.values:
        raise BadParameter(name, f"Неверное значение «{name}»: укажите один из {', '.join(choices.values)}.")
    return value


# --- serializers (they also describe the schema) ---------------------------------------------------------------


class SetSerializer(serializers.ModelSerializer):
    indicators_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = IndicatorSet
        fields = ["code", "name", "source", "description", "is_chosen", "is_shipped", "indicators_count"]


class TargetSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="код периода; пусто — цель по умолчанию для любого периода")
    value = serializers.FloatField()


class IndicatorSerializer(serializers.ModelSerializer):
    numerator_name = serializers.SerializerMethodField()
    denominator_name = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="get_unit_display", read_only=True)
    direction_name = serializers.CharField(source="get_direction_display", read_only=True)
    weight = serializers.FloatField()
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "formula",
            "reading",
            "numerator",
            "numerator_name",
            "denominator",
            "denominator_name",
            "unit",
            "unit_name",
            "direction",
            "direction_name",
            "levels",
            "source",
            "data_source",
            "weight",
            "in_rating",
            "targets",
        ]

    def get_numerator_name(self, obj) -> str:
        return MEASURES[obj.numerator].name if obj.numerator in MEASURES else ""

    def get_denominator_name(self, obj) -> str:
        return MEASURES[obj.denominator].name if obj.denominator in MEASURES else ""

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, obj):
        """[{period, value}] — the period "" is the default target of every period without its own."""
        return TargetSerializer(obj.targets.all(), many=True).data


class ValueSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code", help_text="код показателя в наборе")
    indicator_name = serializers.CharField(source="indicator.name")
    value_unit = serializers.CharField(source="indicator.unit", help_text="percent | ratio | count | yesno")
    unit_id = serializers.IntegerField(help_text="id единицы уровня (муниципалитета, организации…)")
    unit_name = serializers.CharField()
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    value = serializers.FloatField(
        source="shown",
        allow_null=True,
        help_text="доля в % и отношение — до 0,1 (half-up), количество — целое",
    )
    target = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(source="value.met", allow_null=True)


class SnapshotSerializer(serializers.ModelSerializer):
    set = serializers.CharField(source="indicator_set.code")
    set_name = serializers.CharField(source="indicator_set.name")
    kind_name = serializers.CharField(source="get_kind_display")
    level_name = serializers.CharField(source="get_level_display")

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "kind",
            "kind_name",
            "set",
            "set_name",
            "level",
            "level_name",
            "period",
            "start",
            "end",
            "title",
            "published_at",
        ]


class SnapshotValueSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator_code")
    numerator = serializers.SerializerMethodField()
    denominator = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField()
    target = serializers.FloatField(allow_null=True)

    class Meta:
        model = SnapshotValue
        fields = ["indicator", "indicator_name", "unit_id", "unit_name", "numerator", "denominator", "value"]
        fields += ["target", "met"]

    def get_numerator(self, obj) -> int | None:
        return whole(obj.numerator)

    def get_denominator(self, obj) -> int | None:
        return whole(obj.denominator)

    def get_value(self, obj) -> float | None:
        if obj.value is None:
            return None
        if obj.indicator is not None:
            return float(compute.rounded(obj.indicator, obj.value))
        return float(obj.value.quantize(compute.TENTH))


class RatingSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(allow_null=True)

    class Meta:
        model = SnapshotValue
        fields = ["place", "unit_id", "unit_name", "score"]


# --- views -----------------------------------------------------------------------------------------------------


class MonitoringAPIView(APIView):
    permission_classes = [MayViewMonitoring]


@extend_schema(summary="Наборы показателей", tags=["мониторинг"])
class SetList(ListAPIView):
    """The indicator sets with the number of their indicators."""

    permission_classes = [MayViewMonitoring]
    pagination_class = Pages
    serializer_class = SetSerializer

    def get_queryset(self):
        return IndicatorSet.objects.annotate(indicators_count=Count("indicators")).order_by("order", "code")


@extend_schema(summary="Показатели набора", tags=["мониторинг"])
class IndicatorList(ListAPIView):
    """The indicators of a set: measures of the numerator and denominator, unit, levels, targets."""

    permission_classes = [MayViewMonitoring]
    pagination_class = Pages
    serializer_class = IndicatorSerializer

    def get_queryset(self):
        code = self.kwargs["code"]
        if "\x00" in code or len(code) > MAX_PARAM:
            raise NotFound("Набор показателей не найден.")
        found = IndicatorSet.objects.filter(code=code).first()
        if found is None:
            raise NotFound(unknown_set_message(code))
        return found.indicators.order_by("order", "code").prefetch_related(
            Prefetch("targets", queryset=Target.objects.order_by("period"))
        )


VALUES_PARAMETERS = [
    OpenApiParameter("set", str, required=True, description="код набора показателей (004, 000, 003…)"),
    OpenApiParameter(
        "period",
        str,
        required=True,
        description="период: учебный год 2025-2026, полугодие 2026-H1, год 2026 или 2026-01-01..2026-03-31",
    ),
    OpenApiParameter("level", str, enum=Level.values, description="уровень (по умолчанию municipality)"),
    OpenApiParameter("unit", int, description="id одной единицы уровня"),
    OpenApiParameter("indicator", str, description="код одного показателя набора"),
]


@extend_schema(
    summary="Значения показателей (вычисляются на лету)",
    tags=["мониторинг"],
    parameters=VALUES_PARAMETERS,
    responses=ValueSerializer(many=True),
)
class ValueList(MonitoringAPIView):
    """Every indicator of the set offered at the level × every unit of the level for the period, computed live
    (monitoring/compute.py): numerator, denominator, value, target, met."""

    def get(self, request):
        indicator_set = set_param(request)
        period = period_param(request)
        level = level_param(request)
        unit = id_param(request, "unit")
        code = text_param(request, "indicator")
        indicators = list(indicator_set.indicators.order_by("order", "code"))
        if code is not None:
            indicators = [i for i in indicators if i.code == code]
            if not indicators:
                raise BadParameter(
                    "indicator", f"Показателя «{code[:40]}» нет в наборе «{indicator_set.code}»."
                )
        unit_ids = None
        if unit is not None:
            if not compute.unit_model(level).objects.filter(pk=unit).exists():
                raise BadParameter("unit", f"Единица уровня «{Level(level).label}» с id {unit} не найдена.")
            unit_ids = [unit]
        rows = value_rows(indicators, period, level, unit_ids)
        pages = Pages()
        page = pages.paginate_queryset(rows, request, view=self)
        response = pages.get_paginated_response(ValueSerializer(page, many=True).data)
        response.data["set"] = indicator_set.code
        response.data["period"] = period.code
        response.data["period_name"] = period.label
        response.data["level"] = level
        return response


SNAPSHOT_PARAMETERS = [
    OpenApiParameter("set", str, description="код набора показателей"),
    OpenApiParameter("kind", str, enum=SnapshotKind.values, description="report — отчёт, rating — рейтинг"),
    OpenApiParameter("period", str, description="код периода"),
    OpenApiParameter("level", str, enum=Level.values),
]


@extend_schema(summary="Опубликованные срезы и рейтинги", tags=["мониторинг"], parameters=SNAPSHOT_PARAMETERS)
class SnapshotList(ListAPIView):
    """Published snapshots (reports and ratings), newest period first."""

    permission_classes = [MayViewMonitoring]
    pagination_class = Pages
    serializer_class = SnapshotSerializer

    def get_queryset(self):
        qs = Snapshot.objects.visible_to(self.request.user).select_related("indicator_set")
        request = self.request
        if text_param(request, "set") is not None:
            qs = qs.filter(indicator_set=set_param(request))
        kind = choice_param(request, "kind", SnapshotKind)
        if kind:
            qs = qs.filter(kind=kind)
        period = period_param(request, required=False)
        if period is not None:
            qs = qs.filter(period=period.code)
        level = level_param(request, default=None)
        if level:
            qs = qs.filter(level=level)
        return qs.order_by("-end", "-published_at", "-pk")


class SnapshotDetailSerializer(SnapshotSerializer):
    rule = serializers.JSONField()
    rating = RatingSerializer(many=True, help_text="места муниципалитетов (только у рейтинга)")
    values = inline_serializer(
        "SnapshotValuesPage",
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": SnapshotValueSerializer(many=True),
        },
    )

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "rule", "rating", "values"]


@extend_schema(
    summary="Опубликованный срез: значения и места",
    tags=["мониторинг"],
    parameters=[OpenApiParameter("page", int, description="страница значений (по 100)")],
    responses=SnapshotDetailSerializer,
)
class SnapshotDetail(MonitoringAPIView):
    """A published snapshot: its frozen values (paginated, 100 a page: `page`, `page_size`) and, for a rating, the
    places of the units."""

    def get(self, request, pk):
        snapshot = (
            Snapshot.objects.visible_to(request.user).select_related("indicator_set").filter(pk=pk).first()
        )
        if snapshot is None:
            raise NotFound("Срез не найден.")
        data = SnapshotSerializer(snapshot).data
        data["rule"] = snapshot.rule
        rating = snapshot.values.filter(indicator_code="").order_by("place", "unit_name", "unit_id")
        data["rating"] = RatingSerializer(rating, many=True).data
        values = (
            snapshot.values.exclude(indicator_code="")
            .select_related("indicator")
            .order_by("indicator__order", "indicator_code", "unit_name", "pk")
        )
        pages = Pages()
        page = pages.paginate_queryset(values, request, view=self)
        data["values"] = {
            "count": pages.page.paginator.count,
            "next": pages.get_next_link(),
            "previous": pages.get_previous_link(),
            "results": SnapshotValueSerializer(page, many=True).data,
        }
        return Response(data)


class Schema(SpectacularAPIView):
    """The OpenAPI document (JSON; `?format=yaml` for YAML), for the same users as the API."""

    permission_classes = [MayViewMonitoring]
    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]


# The API authenticates by its own means (a token or the session), not by the site's login redirect: the views
# are exempt from LoginRequiredMiddleware and answer 401/403 themselves.
def api_view(view_class):
    return login_not_required(view_class.as_view())

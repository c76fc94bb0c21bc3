"""The monitoring of the regional system (docs/monitoring.md; seeds 004_… 1.2.4, 1.4; 000_… section 5;
003_… 6.1–6.2; 001_… 7.3–7.4).

Indicators are data: an `Indicator` of an `IndicatorSet` names its numerator and denominator **measures** — codes
of the fixed catalogue in monitoring/measures.py (populations computed in SQL) — its unit (a share in %, a ratio,
a count, yes/no), the levels it is computed for, the direction of its targets and the seed it comes from. A
`Target` is its value for a period (an academic year, a half-year, a calendar year).

Values are computed live for any period (monitoring/compute.py). A `Snapshot` freezes them for a report or a
rating: its `SnapshotValue` rows never change after publication (a trigger refuses UPDATE and DELETE). A
`Recommendation` is addressed to a municipality below target on an indicator (000_… 5.4; 003_… 6.2).
"""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from profrost.core.scoping import scope_of
from profrost.monitoring.measures import MEASURES
from profrost.monitoring.permissions import may_view_monitoring


class Level(models.TextChoices):
    REGION = "region", "Регион"
    DISTRICT = "district", "Межмуниципальный округ"
    MUNICIPALITY = "municipality", "Муниципалитет"
    ORGANIZATION = "organization", "Организация"


class ValueUnit(models.TextChoices):
    PERCENT = "percent", "доля, %"
    RATIO = "ratio", "на одного"
    COUNT = "count", "количество"
    YESNO = "yesno", "да / нет"


class Direction(models.TextChoices):
    AT_LEAST = "ge", "не менее"
    AT_MOST = "le", "не более"


class IndicatorSet(models.Model):
    code = models.CharField("код", max_length=40, unique=True)
    name = models.CharField("наименование", max_length=300)
    source = models.CharField("источник", max_length=500, blank=True)
    description = models.TextField("описание", blank=True)
    is_chosen = models.BooleanField("выбран регионом", default=False)
    is_shipped = models.BooleanField("из регламентов (поставляется)", default=False, editable=False)
    order = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "набор показателей"
        verbose_name_plural = "наборы показателей"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Indicator(models.Model):
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="indicators", verbose_name="набор"
    )
    code = models.CharField("код", max_length=20)
    name = models.TextField("наименование")
    formula = models.TextField("формула (как в источнике)", blank=True)
    reading = models.TextField("как считается (принятое прочтение)", blank=True)
    numerator = models.CharField("числитель (мера)", max_length=40, blank=True)
    denominator = models.CharField("знаменатель (мера)", max_length=40, blank=True)
    unit = models.CharField("единица", max_length=16, choices=ValueUnit.choices, default=ValueUnit.PERCENT)
    direction = models.CharField("направление цели", max_length=2, choices=Direction.choices, default="ge")
    levels = ArrayField(models.CharField(max_length=16, choices=Level.choices), verbose_name="уровни")
    source = models.CharField("источник (регламент, раздел)", max_length=300, blank=True)
    data_source = models.TextField("источник данных (по регламенту)", blank=True)
    weight = models.DecimalField("вес в рейтинге", max_digits=5, decimal_places=2, default=1)
    in_rating = models.BooleanField("входит в рейтинг", default=True)
    recommendation_template = models.TextField("шаблон рекомендации", blank=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "показатель"
        verbose_name_plural = "показатели"
        ordering = ["indicator_set", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="indicator_code_in_set"),
        ]

    def __str__(self):
        return f"{self.code}. {self.name}"

    @property
    def is_share(self):
        return self.unit == ValueUnit.PERCENT

    def clean(self):
        """An indicator is composed of two measures of the catalogue (docs/monitoring.md §1): known codes, of the
        same subject for a share (people over people, organizations over organizations); a count has no
        denominator; a yes/no indicator has no measures (its value is entered by hand)."""
        errors = {}
        for field in ("numerator", "denominator"):
            code = getattr(self, field)
            if code and code not in MEASURES:
                errors[field] = f"Неизвестная мера: {code[:40]}"
        if errors:
            raise ValidationError(errors)
        num, den = MEASURES.get(self.numerator), MEASURES.get(self.denominator)
        if self.unit == ValueUnit.YESNO and (num or den):
            raise ValidationError("Показатель «да/нет» вносится вручную и не составляется из мер")
        if self.unit == ValueUnit.COUNT and den:
            raise ValidationError({"denominator": "У количества нет знаменателя"})
        if self.unit in (ValueUnit.PERCENT, ValueUnit.RATIO):
            if num and not den:
                raise ValidationError({"denominator": "Укажите меру знаменателя"})
            if num and den and self.unit == ValueUnit.PERCENT and num.subject != den.subject:
                raise ValidationError(
                    f"Числитель и знаменатель доли — меры разного рода: «{num.name}» ({num.subject}) и "
                    f"«{den.name}» ({den.subject}); доля считается только из однородных мер"
                )
        if not self.levels or any(level not in Level.values for level in self.levels):
            raise ValidationError({"levels": "Выберите уровни, на которых считается показатель"})


class Target(models.Model):
    """The target of an indicator for a period: `period` is a core.periods code («2025-2026», «2026-H1»,
    «2026»); an empty code is the default target of every period without its own."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period = models.CharField("период", max_length=40, blank=True)
    value = models.DecimalField("значение", max_digits=12, decimal_places=2)
    note = models.CharField("пояснение", max_length=300, blank=True)

    class Meta:
        verbose_name = "цель"
        verbose_name_plural = "цели"
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="target_once_per_period")]

    def __str__(self):
        return f"{self.indicator.code}: {self.value}"

    def clean(self):
        """A share's target lies in 0…100 %; any target is not negative (docs/monitoring.md §1)."""
        if self.value is None:
            return
        if self.value < 0:
            raise ValidationError({"value": "Целевое значение не может быть отрицательным"})
        if self.indicator_id and self.indicator.unit == ValueUnit.PERCENT and self.value > 100:
            raise ValidationError({"value": "Целевое значение доли — от 0 до 100 %"})


class ManualValue(models.Model):
    """A value the system cannot compute from its data (000_… 5.1's yes/no: a roadmap developed and implemented;
    a monitoring system developed and implemented), entered by the region's staff for a period and a unit."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_values")
    period = models.CharField("период", max_length=40)
    level = models.CharField("уровень", max_length=16, choices=Level.choices, default=Level.REGION)
    unit_id = models.BigIntegerField("единица")
    value = models.DecimalField("значение", max_digits=12, decimal_places=2)
    note = models.CharField("основание", max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "значение, введённое вручную"
        verbose_name_plural = "значения, введённые вручную"
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "level", "unit_id"], name="manual_value_once"
            )
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.period}: {self.value}"


class SnapshotKind(models.TextChoices):
    REPORT = "report", "Отчёт мониторинга"
    RATING = "rating", "Рейтинг муниципалитетов"


class SnapshotQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published numbers are the region's: everyone who may view the monitoring sees them (the people behind
        them are asked live, within the viewer's scope)."""
        return self if may_view_monitoring(user) else self.none()


class Snapshot(models.Model):
    """Published, frozen values of a set for a period and a level (and, for a rating, the places)."""

    kind = models.CharField("вид", max_length=8, choices=SnapshotKind.choices)
    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.PROTECT, related_name="snapshots")
    level = models.CharField("уровень", max_length=16, choices=Level.choices, default=Level.MUNICIPALITY)
    period = models.CharField("период", max_length=40)
    start = models.DateField("начало периода")
    end = models.DateField("окончание периода")
    title = models.CharField("заголовок", max_length=300)
    rule = models.JSONField("правило рейтинга", default=dict, blank=True)
    published_at = models.DateTimeField("опубликован", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="опубликовал"
    )

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = "опубликованный срез"
        verbose_name_plural = "опубликованные срезы"
        ordering = ["-end", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "indicator_set", "level", "period"], name="snapshot_once_per_period"
            ),
        ]

    def __str__(self):
        return self.title


class SnapshotValue(models.Model):
    """One frozen number: an indicator (code and name copied — a later edit of the indicator does not change a
    published report) for a unit (level + id, its name copied), with numerator, denominator, value, target, met.
    Rating rows: indicator_code "" and `score`, `place`."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.SET_NULL, null=True, related_name="+")
    indicator_code = models.CharField(max_length=20, blank=True)
    indicator_name = models.TextField(blank=True)
    unit_id = models.BigIntegerField()
    unit_name = models.CharField(max_length=500)
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    met = models.BooleanField(null=True)
    score = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    place = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = "значение среза"
        verbose_name_plural = "значения среза"
        indexes = [models.Index(fields=["snapshot", "indicator_code", "unit_id"], name="snapshot_value_key")]

    def __str__(self):
        return f"{self.indicator_code or 'рейтинг'} — {self.unit_name}: {self.value}"


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", "Черновик"
    SENT = "sent", "Направлена"
    ACKNOWLEDGED = "acknowledged", "Получена"
    ANSWERED = "answered", "Дан ответ"


class RecommendationQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything or scope.region_ids:
            return self
        if scope.municipality_ids:
            return self.filter(municipality_id__in=scope.municipality_ids).exclude(
                status=RecommendationStatus.DRAFT
            )
        return self.none()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Recommendation(models.Model):
    """An addressed recommendation (адресная рекомендация, 000_… 5.4; 003_… 6.2) to a municipality below target on
    an indicator in a published snapshot: drafted from the indicator's template, edited and sent by the center,
    acknowledged and answered by the municipal coordinator with measures and deadlines."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="recommendations")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="recommendations")
    municipality = models.ForeignKey(
        "structure.Municipality", on_delete=models.PROTECT, related_name="recommendations"
    )
    value = models.DecimalField("значение", max_digits=14, decimal_places=4, null=True)
    target = models.DecimalField("цель", max_digits=12, decimal_places=2, null=True)
    text = models.TextField("текст рекомендации")
    status = models.CharField(
        "статус", max_length=16, choices=RecommendationStatus.choices, default=RecommendationStatus.DRAFT
    )
    answer_due = models.DateField("ответ до", null=True, blank=True)
    sent_at = models.DateTimeField("направлена", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField("получена", null=True, blank=True)
    measures = models.TextField("принятые меры", blank=True)
    measures_due = models.DateField("срок исполнения мер", null=True, blank=True)
    answered_at = models.DateTimeField("ответ дан", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = "адресная рекомендация"
        verbose_name_plural = "адресные рекомендации"
        ordering = ["-snapshot__end", "municipality__name", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "indicator", "municipality"], name="recommendation_once"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(measures=""), name="recommendation_answer_has_measures"
            ),
        ]

    def __str__(self):
        return f"{self.municipality}: {self.indicator.code}"

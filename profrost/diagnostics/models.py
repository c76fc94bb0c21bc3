"""The competence framework (docs/domain.md §4): groups and competences with stable codes.

Codes are what imports and item maps refer to; a competence is retired, never deleted, so old
results keep pointing at it.
"""

import pghistory
from django.db import models
from django.db.models.functions import Lag

from profrost.core import russian
from profrost.people.models import Person


class CompetenceGroup(models.Model):
    code = models.CharField("код", max_length=10, unique=True)
    name = models.CharField("наименование", max_length=200)
    for_managers = models.BooleanField("только для управленческих кадров", default=False)
    order = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "группа компетенций"
        verbose_name_plural = "группы компетенций"
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Competence(models.Model):
    group = models.ForeignKey(
        CompetenceGroup, on_delete=models.PROTECT, related_name="competences", verbose_name="группа"
    )
    code = models.CharField("код", max_length=10, unique=True)
    name = models.CharField("наименование", max_length=500)
    is_active = models.BooleanField("действует", default=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "компетенция"
        verbose_name_plural = "компетенции"
        ordering = ["group__order", "order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ItemType(models.TextChoices):
    SINGLE = "single", "Один вариант ответа"
    MULTIPLE = "multiple", "Несколько вариантов ответа"
    SHORT = "short", "Краткий ответ"
    NUMERIC = "numeric", "Числовой ответ"
    OPEN = "open", "Развёрнутый ответ (оценивает эксперт)"


class InstrumentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(superseded_by__isnull=True)


class Instrument(models.Model):
    """A diagnostic test. Once used, an edit makes a new version; old results keep theirs."""

    name = models.CharField("наименование", max_length=300)
    version = models.PositiveIntegerField("версия", default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name="предыдущая версия",
    )
    positions = models.ManyToManyField(
        "people.Position", blank=True, related_name="+", verbose_name="должности"
    )
    subjects = models.ManyToManyField("people.Subject", blank=True, related_name="+", verbose_name="предметы")
    # Level thresholds on the total percentage (docs/domain.md §5); five levels add «удовлетворительный».
    high_from = models.DecimalField("высокий от, %", max_digits=5, decimal_places=2, default=85)
    elevated_from = models.DecimalField("повышенный от, %", max_digits=5, decimal_places=2, default=70)
    basic_from = models.DecimalField("базовый от, %", max_digits=5, decimal_places=2, default=50)
    satisfactory_from = models.DecimalField(
        "удовлетворительный от, % (пять уровней)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    deficit_threshold = models.DecimalField(
        "порог дефицита по компетенции, %", max_digits=5, decimal_places=2, default=50
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        verbose_name = "диагностический инструмент"
        verbose_name_plural = "диагностические инструменты"
        ordering = ["name", "-version"]

    def __str__(self):
        return f"{self.name} (версия {self.version})"


class Item(models.Model):
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="items", verbose_name="инструмент"
    )
    number = models.CharField("номер", max_length=20)
    position = models.PositiveIntegerField("порядок", default=0)
    text = models.TextField("текст", blank=True)
    type = models.CharField("тип", max_length=16, choices=ItemType.choices)
    options = models.JSONField("варианты ответа", default=list, blank=True)
    key = models.CharField("ключ", max_length=500, blank=True)
    tolerance = models.DecimalField("допуск", max_digits=12, decimal_places=6, default=0)
    max_score = models.DecimalField("максимальный балл", max_digits=6, decimal_places=2)
    rubric = models.TextField("критерии оценивания", blank=True)
    competences = models.ManyToManyField(Competence, related_name="items", verbose_name="компетенции")

    class Meta:
        verbose_name = "задание"
        verbose_name_plural = "задания"
        ordering = ["instrument", "position"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="item_number_unique")]

    def __str__(self):
        return f"№ {self.number}"


class CampaignKind(models.TextChoices):
    FEDERAL = "federal", "Федеральная процедура (загрузка результатов)"
    REGIONAL = "regional", "Региональная (онлайн-тестирование)"
    COURSE = "course", "Входная/выходная диагностика курса"


class Campaign(models.Model):
    """One run of an instrument over a period and a scope."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="campaigns", verbose_name="инструмент"
    )
    name = models.CharField("наименование", max_length=300)
    kind = models.CharField("вид", max_length=16, choices=CampaignKind.choices)
    start = models.DateField("начало", null=True, blank=True)
    end = models.DateField("окончание", null=True, blank=True)
    time_limit = models.PositiveIntegerField("ограничение времени, минут", null=True, blank=True)
    one_per_screen = models.BooleanField("по одному заданию на экране", default=False)
    municipalities = models.ManyToManyField(
        "structure.Municipality", blank=True, related_name="+", verbose_name="муниципалитеты"
    )
    organizations = models.ManyToManyField(
        "structure.Organization", blank=True, related_name="+", verbose_name="организации"
    )
    positions = models.ManyToManyField(
        "people.Position", blank=True, related_name="+", verbose_name="должности"
    )
    subjects = models.ManyToManyField("people.Subject", blank=True, related_name="+", verbose_name="предметы")
    cohort = models.ForeignKey(
        "resources.Cohort",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name="учебная группа (входная/выходная диагностика курса)",
    )
    experts = models.ManyToManyField(
        "accounts.User",
        blank=True,
        related_name="expert_campaigns",
        verbose_name="эксперты (проверка развёрнутых ответов)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "диагностика (кампания)"
        verbose_name_plural = "диагностики (кампании)"
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class ResultStatus(models.TextChoices):
    INVITED = "invited", "Приглашён"
    IN_PROGRESS = "in_progress", "Проходит"
    SUBMITTED = "submitted", "Завершил, ждёт проверки"
    SCORED = "scored", "Оценён"


# The statuses above said of a woman (templates: `{{ r.get_status_display|agree:r.person }}`).
russian.feminine_forms(
    {"Приглашён": "Приглашена", "Завершил, ждёт проверки": "Завершила, ждёт проверки", "Оценён": "Оценена"}
)


class ResultLevel(models.TextChoices):
    """The level of a scored result on its total % (docs/domain.md §5), by the instrument's thresholds, highest
    first; «удовлетворительный» only on five-level instruments. Stored as the Russian word itself."""

    HIGH = "высокий", "высокий"
    ELEVATED = "повышенный", "повышенный"
    BASIC = "базовый", "базовый"
    SATISFACTORY = "удовлетворительный", "удовлетворительный"
    LOW = "низкий", "низкий"


# "The latest result" of a person: the newest by date taken, then the newest row.
LATEST_FIRST = ("-taken_on", "-pk")


class ResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(person__in=Person.objects.visible_to(user).values("pk"))

    def scored(self):
        return self.filter(status=ResultStatus.SCORED)

    def latest_scored(self):
        """The newest scored result among these (filter the person first), or None."""
        return self.scored().order_by(*LATEST_FIRST).first()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Result(models.Model):
    """A participant of a campaign and their result (оценочный лист)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="results", verbose_name="диагностика"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="results", verbose_name="педагог"
    )
    status = models.CharField(
        "статус", max_length=16, choices=ResultStatus.choices, default=ResultStatus.INVITED
    )
    taken_on = models.DateField("дата прохождения", null=True, blank=True)
    total_score = models.DecimalField("набрано баллов", max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField("максимум баллов", max_digits=8, decimal_places=2, null=True, blank=True)
    total_percent = models.DecimalField("итого, %", max_digits=5, decimal_places=2, null=True, blank=True)
    level = models.CharField("уровень", max_length=32, blank=True)
    started_at = models.DateTimeField("начало прохождения", null=True, blank=True)
    submitted_at = models.DateTimeField("завершение прохождения", null=True, blank=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = "результат диагностики"
        verbose_name_plural = "результаты диагностики"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="result_once_per_campaign")
        ]

    def __str__(self):
        return f"{self.person} — {self.campaign}"


class ItemScore(models.Model):
    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="item_scores", verbose_name="результат"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name="задание")
    answer = models.TextField("ответ", blank=True)
    score = models.DecimalField("балл", max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField("комментарий эксперта", blank=True)
    assigned_to = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="назначено эксперту",
    )
    scored_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="эксперт",
    )

    class Meta:
        verbose_name = "балл за задание"
        verbose_name_plural = "баллы за задания"
        constraints = [models.UniqueConstraint(fields=["result", "item"], name="item_score_once")]

    def __str__(self):
        return f"{self.item}: {self.score}"


class CompetenceResultQuerySet(models.QuerySet):
    def with_previous(self):
        """Each per-competence result with the same person's previous result on the same competence
        (previous_deficit is None when this is the first time the competence was measured) — the basis of
        "which deficits closed, which appeared" and of the indicator "share of deficits closed".

        Only scored results count; filter the people before calling, never the results, or a previous
        diagnosis falls out of the window."""
        order = [models.F("result__taken_on").asc(nulls_first=True), models.F("result_id").asc()]
        partition = [models.F("result__person_id"), models.F("competence_id")]
        return self.filter(result__status=ResultStatus.SCORED).annotate(
            previous_deficit=models.Window(Lag("is_deficit"), partition_by=partition, order_by=order),
            previous_percent=models.Window(Lag("percent"), partition_by=partition, order_by=order),
        )

    def of_latest_results(self):
        """Only the rows of each person's latest scored result (ResultQuerySet.latest_scored, set-wise) — what
        the person stands at now. Narrow the people with result__person_id… on the queryset returned."""
        latest = (
            Result.objects.filter(person_id=models.OuterRef("result__person_id"))
            .scored()
            .order_by(*LATEST_FIRST)
            .values("pk")[:1]
        )
        return self.filter(result__status=ResultStatus.SCORED, result_id=models.Subquery(latest))

    def current_deficits(self):
        """The person's current professional deficits: the deficits of their latest scored result."""
        return self.of_latest_results().filter(is_deficit=True)


class CompetenceResult(models.Model):
    """Per-competence percentage of a result; a row with is_deficit is a professional deficit (Deficit)."""

    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="competence_results", verbose_name="результат"
    )
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="+", verbose_name="компетенция"
    )
    percent = models.DecimalField("результат, %", max_digits=5, decimal_places=2)
    is_deficit = models.BooleanField("дефицит", default=False)
    is_severe = models.BooleanField("выраженный дефицит", default=False)

    objects = CompetenceResultQuerySet.as_manager()

    class Meta:
        verbose_name = "результат по компетенции"
        verbose_name_plural = "результаты по компетенциям"
        constraints = [
            models.UniqueConstraint(fields=["result", "competence"], name="competence_result_once")
        ]

    def __str__(self):
        return f"{self.competence.code}: {self.percent} %"

"""Individual educational routes (ИОМ, docs/domain.md §3, §6): a year of a teacher's growth built on the
deficits of a diagnosis, in the template's sections, approved, reported on and closed. State changes:
actions.py."""

import pghistory
from django.db import models

from profrost.core.validators import generated_upload_name

GOAL = (
    "Непрерывное профессиональное развитие педагога для обеспечения повышения качества образования, "
    "основанное на персонализированном подходе, учитывающем профессиональные дефициты, его личные ресурсы, "
    "педагогический контекст образовательной организации."
)


class RouteStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    REVIEW = "review", "на согласовании"
    APPROVED = "approved", "утверждён"
    IN_PROGRESS = "in_progress", "выполняется"
    DONE = "done", "завершён успешно"
    PARTIAL = "partial", "завершён частично"
    CANCELLED = "cancelled", "отменён"


ACTIVE = (RouteStatus.DRAFT, RouteStatus.REVIEW, RouteStatus.APPROVED, RouteStatus.IN_PROGRESS)


class RouteOrigin(models.TextChoices):
    DIAGNOSTICS = "diagnostics", "по результатам диагностики"
    MANUAL = "manual", "вручную"


class Section(models.TextChoices):
    PROGRAMS = "1.1", "1.1. Обучение по дополнительным профессиональным программам"
    INTERNSHIP = "1.2", "1.2. Стажировка"
    EVENTS = "1.3", "1.3. Мероприятия, направленные на профессиональное развитие и обмен опытом"
    COMMUNITIES = "1.4", "1.4. Работа в профессиональных сообществах, методических объединениях"
    EXPERIENCE = "2.1", "2.1. Представление личного опыта"
    MATERIALS = "2.2", "2.2. Разработка собственных методических материалов"
    MENTORING = "3", "3. Наставничество"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Route(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="routes", verbose_name="педагог"
    )
    result = models.ForeignKey(
        "diagnostics.Result",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routes",
        verbose_name="результат диагностики",
    )
    deficits = models.ManyToManyField(
        "diagnostics.Competence",
        blank=True,
        related_name="+",
        verbose_name="дефициты, на которые направлен маршрут",
    )
    uncovered = models.ManyToManyField(
        "diagnostics.Competence",
        blank=True,
        related_name="uncovered_in_routes",
        verbose_name="дефициты без подходящих ресурсов",
    )
    goal = models.TextField("цель", default=GOAL)
    origin = models.CharField(
        "как составлен", max_length=16, choices=RouteOrigin.choices, default=RouteOrigin.DIAGNOSTICS
    )
    basis = models.CharField(
        "основание",
        max_length=500,
        blank=True,
        help_text="для маршрута, составленного вручную: например, «по итогам посещения урока методистом»",
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="составил",
    )
    start = models.DateField("начало")
    end = models.DateField("окончание")
    tutor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tutored_routes",
        verbose_name="тьютор (методист)",
    )
    status = models.CharField("статус", max_length=16, choices=RouteStatus.choices, default=RouteStatus.DRAFT)
    municipal_approval = models.BooleanField("требует согласования муниципалитетом", default=False)
    school_approved_at = models.DateTimeField("согласован ОО", null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="утвердил",
    )
    approved_at = models.DateTimeField("утверждён", null=True, blank=True)
    review_comment = models.TextField("комментарий согласующего", blank=True)
    conclusion = models.TextField("заключение", blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "индивидуальный образовательный маршрут"
        verbose_name_plural = "индивидуальные образовательные маршруты"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["draft", "review", "approved", "in_progress"]),
                name="one_active_route_per_person",
            ),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="route_dates"),
        ]

    def __str__(self):
        return f"ИОМ: {self.person}"

    @property
    def origin_text(self):
        """«Маршрут составлен вручную: по итогам посещения урока методистом» for a hand-made route, else ""."""
        if self.origin != RouteOrigin.MANUAL:
            return ""
        return "Маршрут составлен вручную" + (f": {self.basis}" if self.basis else ".")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", "запланировано"
    IN_PROGRESS = "in_progress", "выполняется"
    DONE = "done", "выполнено"
    NOT_DONE = "not_done", "не выполнено"


# Items' changes and deletions are history; their creation is part of the route's (a generated route
# writes 150,000 items at once — an insert event for each would double the work for nothing to read).
@pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent())
class RouteItem(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="items", verbose_name="маршрут")
    section = models.CharField("раздел", max_length=4, choices=Section.choices)
    position = models.PositiveIntegerField("порядок", default=0)
    content = models.CharField("содержание работы (мероприятие)", max_length=500)
    form = models.CharField("дополнительная информация (форма обучения и пр.)", max_length=500, blank=True)
    hours = models.PositiveIntegerField("трудоёмкость, часов", null=True, blank=True)
    start = models.DateField("начало", null=True, blank=True)
    end = models.DateField("окончание", null=True, blank=True)
    deficits = models.ManyToManyField(
        "diagnostics.Competence", blank=True, related_name="+", verbose_name="дефициты"
    )
    reason = models.CharField("почему в маршруте", max_length=500, blank=True)
    status = models.CharField("статус", max_length=16, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    # What the catalog says of the linked resource: the application's or the registration's last step
    # («заявка подтверждена муниципалитетом 12.03.2027»), written by actions.follow_application/registration.
    note = models.CharField("ход записи", max_length=500, blank=True, db_default="", default="")
    cohort = models.ForeignKey(
        "resources.Cohort",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="группа",
    )
    event = models.ForeignKey(
        "resources.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="мероприятие",
    )
    internship = models.ForeignKey(
        "resources.Internship",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="стажировка",
    )
    community = models.ForeignKey(
        "resources.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="сообщество",
    )
    report = models.TextField("рефлексивный отчёт", blank=True)
    links = models.TextField("ссылки на подтверждения", blank=True)
    reported_at = models.DateTimeField("отчёт представлен", null=True, blank=True)
    accepted = models.BooleanField("отчёт принят тьютором", null=True, blank=True)
    tutor_comment = models.TextField("комментарий тьютора", blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "пункт маршрута"
        verbose_name_plural = "пункты маршрута"
        ordering = ["route", "section", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="route_item_dates",
            )
        ]

    def __str__(self):
        return self.content


def evidence_path(instance, filename):
    return generated_upload_name("route-evidence", filename)


class Evidence(models.Model):
    """A file attached to an item's report."""

    item = models.ForeignKey(
        RouteItem, on_delete=models.CASCADE, related_name="evidence", verbose_name="пункт"
    )
    file = models.FileField("файл", upload_to=evidence_path)
    name = models.CharField("имя файла", max_length=255)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "подтверждающий файл"
        verbose_name_plural = "подтверждающие файлы"

    def __str__(self):
        return self.name

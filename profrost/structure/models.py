"""Region → district → municipality → organization, and the statuses organizations hold."""

import pghistory
from django.db import models
from django.db.models import Q

from profrost.core.scoping import scope_of


class Region(models.Model):
    name = models.CharField("наименование", max_length=200, unique=True)
    code = models.CharField("код", max_length=10, blank=True)

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["name"]

    def __str__(self):
        return self.name


class District(models.Model):
    """Inter-municipal district: a group of municipalities."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="districts", verbose_name="регион"
    )
    name = models.CharField("наименование", max_length=200)

    class Meta:
        verbose_name = "межмуниципальный округ"
        verbose_name_plural = "межмуниципальные округа"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="district_unique_name")]

    def __str__(self):
        return self.name


class MunicipalityQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        return self.filter(pk__in=scope.municipality_ids)


class Municipality(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name="регион"
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
        verbose_name="межмуниципальный округ",
    )
    name = models.CharField("наименование", max_length=200)
    oktmo = models.CharField("код ОКТМО", max_length=11, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = "муниципальное образование"
        verbose_name_plural = "муниципальные образования"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name")]

    def __str__(self):
        return self.name


class OrganizationKind(models.TextChoices):
    REGIONAL_AUTHORITY = "regional_authority", "Региональный орган управления образованием"
    MUNICIPAL_AUTHORITY = "municipal_authority", "Муниципальный орган управления образованием"
    CENTER = "center", "ЦНППМ"
    DPO_INSTITUTE = "dpo_institute", "Институт (организация) ДПО"
    METHODOLOGICAL_SERVICE = "methodological_service", "Муниципальная методическая служба"
    SCHOOL = "school", "Школа"
    KINDERGARTEN = "kindergarten", "Детский сад"
    ADDITIONAL_EDUCATION = "additional_education", "Организация дополнительного образования"
    COLLEGE = "college", "Колледж"
    UNIVERSITY = "university", "Вуз"
    COMMUNITY_BODY = "community_body", "Орган профессионального сообщества"
    OTHER = "other", "Иная организация"


class OrganizationLevel(models.TextChoices):
    REGIONAL = "regional", "Региональный"
    MUNICIPAL = "municipal", "Муниципальный"
    INSTITUTIONAL = "institutional", "Институциональный"


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        return self.filter(Q(pk__in=scope.organization_ids) | Q(municipality_id__in=scope.municipality_ids))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Organization(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="organizations", verbose_name="регион"
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name="муниципальное образование",
    )
    name = models.CharField("наименование", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=200, blank=True)
    inn = models.CharField("ИНН", max_length=12, blank=True)
    kind = models.CharField(
        "тип", max_length=32, choices=OrganizationKind.choices, default=OrganizationKind.SCHOOL
    )
    level = models.CharField(
        "уровень", max_length=16, choices=OrganizationLevel.choices, default=OrganizationLevel.INSTITUTIONAL
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "организация"
        verbose_name_plural = "организации"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["inn"], condition=~Q(inn=""), name="organization_unique_inn"),
        ]
        indexes = [models.Index(fields=["municipality", "name"])]

    def __str__(self):
        return self.short_name or self.name


class OrganizationStatusKind(models.TextChoices):
    INTERNSHIP_SITE = "internship_site", "Стажировочная площадка"
    INNOVATION_SITE = "innovation_site", "Региональная инновационная площадка"
    APPROBATION_SITE = "approbation_site", "Апробационная площадка"
    LOW_RESULTS = "low_results", "Школа с низкими образовательными результатами (ШНОР)"


class OrganizationStatusQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(organization__in=Organization.objects.visible_to(user))

    def active_on(self, day):
        return self.filter(Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class OrganizationStatus(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="statuses", verbose_name="организация"
    )
    kind = models.CharField("статус", max_length=32, choices=OrganizationStatusKind.choices)
    start = models.DateField("начало")
    end = models.DateField("окончание", null=True, blank=True)
    order_number = models.CharField("номер приказа", max_length=100, blank=True)
    order_date = models.DateField("дата приказа", null=True, blank=True)

    objects = OrganizationStatusQuerySet.as_manager()

    class Meta:
        verbose_name = "статус организации"
        verbose_name_plural = "статусы организаций"
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="status_period"
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

"""The competence framework (DOMAIN.md §4): groups and competences with stable codes.

Codes are what imports and item maps refer to; a competence is retired, never deleted, so old
results keep pointing at it.
"""

import pghistory
from django.db import models


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

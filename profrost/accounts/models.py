"""Users and their roles, each role with its scope (docs/domain.md §1)."""

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from profrost.accounts.roles import MUNICIPALITY_ROLES, ORGANIZATION_ROLES, REGION_ROLES, RoleCode
from profrost.core.scoping import scope_of

# RoleCode lives in accounts.roles (importable by core.scoping without a cycle); it is re-exported here.


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        q = Q(pk=user.pk)
        if scope.region_ids:
            q |= Q(roles__region_id__in=scope.region_ids)
            q |= Q(roles__municipality__region_id__in=scope.region_ids)
            q |= Q(roles__organization__region_id__in=scope.region_ids)
        if scope.municipality_ids:
            q |= Q(roles__municipality_id__in=scope.municipality_ids)
            q |= Q(roles__organization__municipality_id__in=scope.municipality_ids)
        if scope.organization_ids:
            q |= Q(roles__organization_id__in=scope.organization_ids)
        if scope.region_ids or scope.municipality_ids or scope.organization_ids:
            from profrost.people.models import Person

            # Logins of the people one may see (teachers' accounts have no unit of their own).
            q |= Q(person__in=Person.objects.visible_to(user).values("pk"))
        return self.filter(pk__in=User.objects.filter(q).values("pk"))


class ProfrostUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude=["password", "last_login"])),
    pghistory.DeleteEvent(),
    exclude=["password"],
)
class User(AbstractUser):
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name="педагог (персона)",
    )
    middle_name = models.CharField("отчество", max_length=150, blank=True)
    # Demo logins of the embedded trial: refused whenever DEBUG is off (docs/security.md §7).
    is_demo = models.BooleanField("демонстрационная учётная запись", default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProfrostUserManager()

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["username"]

    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p) or self.username


class RoleQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(user__in=User.objects.visible_to(user))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Role(models.Model):
    """A role a user holds and the unit it applies to."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name="пользователь"
    )
    role = models.CharField("роль", max_length=32, choices=RoleCode.choices)
    region = models.ForeignKey(
        "structure.Region", on_delete=models.PROTECT, null=True, blank=True, verbose_name="регион"
    )
    district = models.ForeignKey(
        "structure.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="межмуниципальный округ",
    )
    municipality = models.ForeignKey(
        "structure.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="муниципальное образование",
    )
    organization = models.ForeignKey(
        "structure.Organization", on_delete=models.PROTECT, null=True, blank=True, verbose_name="организация"
    )
    is_active = models.BooleanField("действует", default=True)
    created_at = models.DateTimeField("назначена", auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кем назначена"
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = "роль"
        verbose_name_plural = "роли"
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches",
                condition=(
                    Q(role__in=sorted(REGION_ROLES), region__isnull=False)
                    | Q(role__in=sorted(MUNICIPALITY_ROLES))
                    & (Q(municipality__isnull=False) | Q(district__isnull=False))
                    | Q(role__in=sorted(ORGANIZATION_ROLES), organization__isnull=False)
                    | ~Q(role__in=sorted(REGION_ROLES | MUNICIPALITY_ROLES | ORGANIZATION_ROLES))
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.scope_label()}"

    def scope_label(self):
        unit = self.organization or self.municipality or self.district or self.region
        return str(unit) if unit else "собственные данные"

"""Users and their roles, each role with its scope (docs/domain.md §1)."""

import datetime

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from profrost.accounts.extensions import scope_person_ids
from profrost.accounts.roles import MUNICIPALITY_ROLES, ORGANIZATION_ROLES, REGION_ROLES, RoleCode
from profrost.core import russian
from profrost.core.scoping import EMPTY, Scope, scope_of
from profrost.people.models import Person
from profrost.structure.models import Municipality, Region

# RoleCode lives in accounts.roles (the role names and their levels, importing nothing); re-exported here.


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
    # Set for a login created for someone else (a one-time password, an invitation): the first sign-in asks
    # for a new password before anything else (accounts.middleware.PasswordChangeRequiredMiddleware).
    must_change_password = models.BooleanField("сменить пароль при входе", default=False, editable=False)

    objects = ProfrostUserManager()

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["username"]

    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p) or self.username

    def get_full_name(self):
        """The one spelling of a user's name on screen, «Фамилия Имя Отчество» (Django's is «Имя Фамилия»)."""
        return self.full_name()

    def in_case(self, case):
        """The full name in a grammatical case (core.russian.decline_name): «эксперту Иванову Петру»; the
        login name, as it is, for a user without a name."""
        if not (self.last_name or self.first_name):
            return self.username
        sex = self.person.sex if self.person_id else ""
        return russian.decline_name(self.last_name, self.first_name, self.middle_name, case, sex)

    @property
    def scope(self):
        """What part of the region this user may see (profrost.core.scoping.Scope), from the active roles:
        the region's administrators and the center's staff see their region, a municipal coordinator one
        municipality (or a district's), a school coordinator one organization, everyone their own person
        record (docs/domain.md §1). Computed once per request: the user object lives as long as the request."""
        cached = self.__dict__.get("_profrost_scope")
        if cached is None:
            cached = self.__dict__["_profrost_scope"] = _compute_scope(self)
        return cached


def _compute_scope(user):
    if not user.is_active:
        return EMPTY
    if user.is_superuser:
        return Scope(everything=True, roles=frozenset(REGION_ROLES))
    region_ids, municipality_ids, organization_ids, person_ids, roles = set(), set(), set(), set(), set()
    for role in Role.objects.filter(user=user, is_active=True).only(
        "role", "region_id", "district_id", "municipality_id", "organization_id"
    ):
        roles.add(role.role)
        if role.role in REGION_ROLES and role.region_id:
            region_ids.add(role.region_id)
        elif role.role in MUNICIPALITY_ROLES:
            if role.municipality_id:
                municipality_ids.add(role.municipality_id)
            if role.district_id:
                municipality_ids.update(
                    Municipality.objects.filter(district_id=role.district_id).values_list("pk", flat=True)
                )
        elif role.role in ORGANIZATION_ROLES and role.organization_id:
            organization_ids.add(role.organization_id)
    if user.person_id:
        person_ids.add(user.person_id)
    # People the apps above give this user (support: an asset member's assigned teachers), through the one
    # extension point — never a special case in a page (accounts.extensions).
    for ids in scope_person_ids(user, frozenset(roles)):
        person_ids.update(ids)
    # A single-region deployment: a region role sees everything there is.
    everything = bool(region_ids) and region_ids >= set(Region.objects.values_list("pk", flat=True))
    return Scope(
        everything=everything,
        region_ids=frozenset(region_ids),
        municipality_ids=frozenset(municipality_ids),
        organization_ids=frozenset(organization_ids),
        person_ids=frozenset(person_ids),
        roles=frozenset(roles),
    )


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


class LoginSheet(models.Model):
    """A batch of new sign-ins and the sheet to hand out: logins with one-time passwords or invitation links.

    Visible to its creator only, and kept until they delete it or for SHEET_LIFETIME at most — the one-time
    passwords in it are secrets (docs/security.md, "Sign-ins for the staff"). Not in the change history."""

    SHEET_LIFETIME = datetime.timedelta(hours=24)

    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    invite = models.BooleanField("приглашения вместо паролей", default=False)
    progress = models.OneToOneField(
        "core.TaskProgress", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rows = models.JSONField(default=list)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Лист учётных записей от {self.created_at:%d.%m.%Y %H:%M}"

    @classmethod
    def purge_expired(cls):
        cls.objects.filter(created_at__lt=timezone.now() - cls.SHEET_LIFETIME).delete()

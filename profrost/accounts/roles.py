"""The roles (docs/domain.md §1) and the level each one's scope sits on.

The only place role names are spelled out; everything else uses these members or the predicates of
profrost.accounts.permissions. Imports nothing of the project, so scoping and models can both use it.
"""

from django.db import models


class RoleCode(models.TextChoices):
    REGION_ADMIN = "region_admin", "Администратор региона"
    CENTER_STAFF = "center_staff", "Сотрудник ЦНППМ"
    METHODOLOGIST = "methodologist", "Региональный методист"
    MUNICIPAL_COORDINATOR = "municipal_coordinator", "Муниципальный координатор"
    SCHOOL_COORDINATOR = "school_coordinator", "Уполномоченный ОО"
    MENTOR = "mentor", "Наставник"
    TEACHER = "teacher", "Педагог"
    EXPERT = "expert", "Эксперт"


# Roles by the level their scope sits on.
REGION_ROLES = frozenset({RoleCode.REGION_ADMIN, RoleCode.CENTER_STAFF})
MUNICIPALITY_ROLES = frozenset({RoleCode.MUNICIPAL_COORDINATOR})
ORGANIZATION_ROLES = frozenset({RoleCode.SCHOOL_COORDINATOR})
SELF_ROLES = frozenset({RoleCode.METHODOLOGIST, RoleCode.MENTOR, RoleCode.TEACHER, RoleCode.EXPERT})

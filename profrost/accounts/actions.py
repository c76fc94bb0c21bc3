"""Users and roles: who may grant what, always inside the actor's own scope (plain functions)."""

from django.db import transaction

from profrost.accounts import permissions
from profrost.accounts.models import Role, RoleCode, User
from profrost.accounts.roles import MUNICIPALITY_ROLES, ORGANIZATION_ROLES, REGION_ROLES
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.scoping import scope_of


class RoleRefused(Exception):
    """A Russian message saying why the role can't be granted."""


def can_manage_users(user):
    return permissions.may_manage_users(user)


def grantable_roles(actor):
    if permissions.is_region_admin(actor):
        return list(RoleCode)
    if permissions.is_region_staff(actor):
        return [r for r in RoleCode if r != RoleCode.REGION_ADMIN]
    if permissions.is_municipal_coordinator(actor):
        return [RoleCode.SCHOOL_COORDINATOR, RoleCode.TEACHER]
    return []


def check_grant(actor, user, role, unit):
    """Raise RoleRefused unless `actor` may give `user` the role on `unit` (None for self roles)."""
    from profrost.people.models import Person
    from profrost.structure.models import Municipality, Organization, Region

    if role not in grantable_roles(actor):
        raise RoleRefused("Вы не можете назначать эту роль")
    scope = scope_of(actor)
    if role in REGION_ROLES:
        if not isinstance(unit, Region) or not (scope.everything or unit.pk in scope.region_ids):
            raise RoleRefused("Укажите регион из вашей области доступа")
    elif role in MUNICIPALITY_ROLES:
        if (
            not isinstance(unit, Municipality)
            or not Municipality.objects.visible_to(actor).filter(pk=unit.pk).exists()
        ):
            raise RoleRefused("Укажите муниципалитет из вашей области доступа")
    elif role in ORGANIZATION_ROLES:
        if (
            not isinstance(unit, Organization)
            or not Organization.objects.visible_to(actor).filter(pk=unit.pk).exists()
        ):
            raise RoleRefused("Укажите организацию из вашей области доступа")
    else:
        if role == RoleCode.TEACHER and not user.person_id:
            raise RoleRefused("Роль «Педагог» требует связать учётную запись с карточкой педагога")
        if user.person_id and not Person.objects.visible_to(actor).filter(pk=user.person_id).exists():
            raise RoleRefused("Педагог вне вашей области доступа")


def _unit_kwargs(role, unit):
    if role in REGION_ROLES:
        return {"region": unit}
    if role in MUNICIPALITY_ROLES:
        return {"municipality": unit}
    if role in ORGANIZATION_ROLES:
        return {"organization": unit}
    return {}


@transaction.atomic
def grant_role(actor, user, role, unit=None, request=None):
    check_grant(actor, user, role, unit)
    created = Role.objects.create(user=user, role=role, created_by=actor, **_unit_kwargs(role, unit))
    journal(
        JournalAction.ROLE_CHANGE,
        request=request,
        user=actor,
        obj=user,
        change="grant",
        role=role,
        scope=created.scope_label(),
    )
    return created


@transaction.atomic
def revoke_role(actor, role_obj, request=None):
    unit = role_obj.organization or role_obj.municipality or role_obj.region
    check_grant(actor, role_obj.user, role_obj.role, unit)
    journal(
        JournalAction.ROLE_CHANGE,
        request=request,
        user=actor,
        obj=role_obj.user,
        change="revoke",
        role=role_obj.role,
        scope=role_obj.scope_label(),
    )
    role_obj.delete()


def can_manage(actor, user):
    """A user whose every role the actor could grant (so a coordinator can't disable a minister)."""
    if actor.pk == user.pk:
        return False
    if actor.is_superuser:
        return True
    grantable = set(grantable_roles(actor))
    return bool(grantable) and all(r.role in grantable for r in user.roles.all())


@transaction.atomic
def create_user(
    actor, *, username, password, last_name, first_name, middle_name, email, person, role, unit, request=None
):
    user = User(
        username=username,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        email=email,
        person=person,
    )
    user.set_password(password)
    user.save()
    grant_role(actor, user, role, unit, request=request)  # refuses (and rolls back) outside the scope
    journal(JournalAction.CREATE, request=request, user=actor, obj=user, role=role)
    return user


@transaction.atomic
def set_active(actor, user, active, request=None):
    if not can_manage(actor, user):
        raise RoleRefused("Вы не можете изменять эту учётную запись")
    # An inactive user is refused by the auth backend on the very next request (docs/security.md §4).
    User.objects.filter(pk=user.pk).update(is_active=active)
    journal(
        JournalAction.UPDATE,
        request=request,
        user=actor,
        obj=user,
        change="activate" if active else "deactivate",
    )

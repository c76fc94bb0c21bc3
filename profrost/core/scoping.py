"""The one scoping mechanism: what part of the region a user may see.

Every model with personal data has a queryset method `visible_to(user)` built on `scope_of(user)`.
Role rules are code (RoleCode, profrost.accounts.roles): the region's administrators and the center's staff
see their region; a municipal coordinator sees one municipality; a school coordinator one organization;
everyone sees their own person record.
"""

from dataclasses import dataclass, field

from profrost.accounts.roles import MUNICIPALITY_ROLES, ORGANIZATION_ROLES, REGION_ROLES


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_ids: frozenset = field(default_factory=frozenset)
    municipality_ids: frozenset = field(default_factory=frozenset)
    organization_ids: frozenset = field(default_factory=frozenset)
    person_ids: frozenset = field(default_factory=frozenset)
    roles: frozenset = field(default_factory=frozenset)


EMPTY = Scope()


def scope_of(user):
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cached = getattr(user, "_profrost_scope", None)
    if cached is not None:
        return cached
    from profrost.accounts.models import Role
    from profrost.structure.models import Municipality

    if user.is_superuser:
        scope = Scope(everything=True, roles=frozenset(REGION_ROLES))
    else:
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
        # A single-region deployment: a region role sees everything there is.
        everything = bool(region_ids) and region_ids >= _all_region_ids()
        scope = Scope(
            everything=everything,
            region_ids=frozenset(region_ids),
            municipality_ids=frozenset(municipality_ids),
            organization_ids=frozenset(organization_ids),
            person_ids=frozenset(person_ids),
            roles=frozenset(roles),
        )
    user._profrost_scope = scope
    return scope


def _all_region_ids():
    from profrost.structure.models import Region

    return set(Region.objects.values_list("pk", flat=True))

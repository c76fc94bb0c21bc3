"""Who may do what: every role rule of the project, in one place, by name (issue 9, point 10).

Each predicate answers for the role part only ("may this user ever edit organizations?"); object-level checks
("is this route's school theirs?", "is the organization in their municipality?") stay with the objects, in the
actions and views, and call these predicates for the role part. Views, actions, importers, templates (through
`can`, see Can below) and the navigation all use the same predicates, so a page never offers what its viewer
would be refused.

Role names are never spelled out outside RoleCode (profrost.accounts.roles); a test holds the code to that.
"""

from profrost.accounts.roles import REGION_ROLES, RoleCode
from profrost.core import imports, rules
from profrost.core.scoping import scope_of

# Who may be a route's tutor (the list of candidates offered to the school and the center).
TUTOR_ROLES = frozenset({RoleCode.METHODOLOGIST, RoleCode.MENTOR, RoleCode.CENTER_STAFF})
COORDINATOR_ROLES = frozenset({RoleCode.MUNICIPAL_COORDINATOR, RoleCode.SCHOOL_COORDINATOR})
# The roles whose holders keep an organization's staff: the region, a municipality, a school.
STAFF_KEEPER_ROLES = REGION_ROLES | COORDINATOR_ROLES


def _roles(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return scope_of(user).roles


def _holds(user, *roles):
    return bool(_roles(user) & set(roles))


# --- who the user is ----------------------------------------------------------------------------------------------


# A superuser's scope holds the region roles (core.scoping), so these answer for superusers too.


def is_region_admin(user):
    return _holds(user, RoleCode.REGION_ADMIN)


def is_region_staff(user):
    """The region's administrators and the center's (ЦНППМ) staff: the whole region, its catalogs and campaigns."""
    return _holds(user, *REGION_ROLES)


def is_municipal_coordinator(user):
    return _holds(user, RoleCode.MUNICIPAL_COORDINATOR)


def is_school_coordinator(user):
    return _holds(user, RoleCode.SCHOOL_COORDINATOR)


def is_coordinator(user):
    """A municipal or a school coordinator (registers their own people for courses and events)."""
    return _holds(user, *COORDINATOR_ROLES)


# --- registry -------------------------------------------------------------------------------------------------


def may_view_registry(user):
    """The organizations and the teachers pages (each then shows only the user's scope)."""
    return is_region_staff(user) or _holds(user, *COORDINATOR_ROLES)


def may_edit_people(user):
    """Create and edit teachers' cards and jobs (inside the user's scope)."""
    return is_region_staff(user) or _holds(user, *COORDINATOR_ROLES)


def may_edit_organizations(user):
    """Create and edit organizations: the region, or a municipal coordinator for their municipality."""
    return is_region_staff(user) or is_municipal_coordinator(user)


def may_set_organization_status(user):
    """Statuses (internship site, innovation site, …) are given by the region."""
    return is_region_staff(user)


def may_handle_personal_data(user):
    """A person's personal-data export and erasure (152-ФЗ requests) are the region administrator's."""
    return is_region_admin(user)


def may_edit_whole_region(user):
    """Objects without a municipality (regional organizations, any municipality's) — the region only."""
    return is_region_staff(user)


# --- imports --------------------------------------------------------------------------------------------------

# Who may load which kind of file is each importer's declared `permission` (a rule name); the pipeline answers
# (profrost.core.imports.may_import, importable_kinds). This rule is for the navigation and the templates.


def may_import_anything(user):
    return bool(imports.importable_kinds(user))


# --- diagnostics ------------------------------------------------------------------------------------------------


def may_view_campaigns(user):
    """The campaigns, their reports and the instruments (results within the user's scope)."""
    return is_region_staff(user) or _holds(user, *COORDINATOR_ROLES, RoleCode.METHODOLOGIST)


def may_manage_campaigns(user):
    """Create and set up campaigns, invite participants, edit instruments, items and competences."""
    return is_region_staff(user)


def may_use_competence_catalog(user):
    """The competence catalog in the menu: those who build instruments, routes and reviews on it."""
    return is_region_staff(user) or _holds(user, RoleCode.METHODOLOGIST, RoleCode.EXPERT)


def may_review_answers(user):
    """Score open answers (experts, and the center that also hands answers out)."""
    return is_region_staff(user) or _holds(user, RoleCode.EXPERT)


def may_assign_reviewers(user):
    return is_region_staff(user)


def may_take_tests(user):
    return bool(user is not None and user.is_authenticated and user.person_id)


# --- routes -----------------------------------------------------------------------------------------------------


def may_view_registers(user):
    """The registers of routes by municipality and organization (each within the user's scope)."""
    return is_region_staff(user) or is_coordinator(user)


def may_generate_routes(user):
    """Draft routes for a whole campaign, and the list of deficits no resource covers."""
    return is_region_staff(user)


def may_view_uncovered_deficits(user):
    return is_region_staff(user)


def may_assign_tutors(user):
    """Tutors are assigned by the center and by a teacher's school (object check: is_school)."""
    return is_region_staff(user) or is_school_coordinator(user)


def may_build_route_from(user, result):
    """A draft route from one result: the teacher themselves, their coordinators, or the center."""
    return bool(user.person_id and user.person_id == result.person_id) or (
        is_region_staff(user) or is_coordinator(user)
    )


# --- resources --------------------------------------------------------------------------------------------------


def may_manage_resources(user):
    """Programs, cohorts, enrollment, quotas, internships and their mentors: the center."""
    return is_region_staff(user)


def may_organize_events(user):
    """Create events (the region) and edit them (a municipal coordinator: their municipality's)."""
    return is_region_staff(user) or is_municipal_coordinator(user)


def may_lead_communities(user):
    """Create communities (the region; a municipal coordinator in their municipality)."""
    return is_region_staff(user) or is_municipal_coordinator(user)


def may_apply_for_courses(user):
    """Apply teachers for cohorts within quotas: a school or a municipal coordinator."""
    return is_coordinator(user)


def may_register_others(user):
    """Register other people (in scope) for events and internships."""
    return is_region_staff(user) or is_coordinator(user)


def may_view_site(user, site):
    """An internship site's page and reports (an organization): the region, the site's own school coordinator,
    the coordinator of its municipality."""
    if is_region_staff(user):
        return True
    if site is None:
        return False
    scope = scope_of(user)
    return (is_school_coordinator(user) and site.pk in scope.organization_ids) or (
        is_municipal_coordinator(user) and site.municipality_id in scope.municipality_ids
    )


# --- users and the journal --------------------------------------------------------------------------------------


def may_manage_users(user):
    """Create users and grant roles (within the user's scope: accounts.actions.grantable_roles)."""
    return is_region_staff(user) or is_municipal_coordinator(user)


def needs_two_factor(user):
    """A second factor (TOTP) at sign-in: the region's administrators and the center's staff, who see every
    teacher's personal data (settings.TWO_FACTOR_REQUIRED; the trial's demo logins are exempt)."""
    return is_region_staff(user) and not getattr(user, "is_demo", False)


def may_create_logins(user):
    """Create sign-ins in bulk for the staff in one's scope who have none: the center, a municipal or a school
    coordinator (accounts.actions.create_logins)."""
    return is_region_staff(user) or is_coordinator(user)


def may_view_journal(user):
    return is_region_admin(user)


# --- registration -------------------------------------------------------------------------------------------


def _register_all():
    """Every predicate becomes a named rule (profrost.core.rules): `may_edit_people` as "edit_people",
    `is_region_staff` as "is_region_staff". Called once, from AccountsConfig.ready()."""
    for name, value in list(globals().items()):
        if name.startswith(("may_", "is_", "has_")) and callable(value):
            rules.register(name.removeprefix("may_"), value)

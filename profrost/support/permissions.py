"""Who may do what with the methodological asset: role rules built on accounts' predicates and RoleCode
(docs/architecture.md, "Permissions"), registered as named rules (core.rules) so that the templates ask
`{% if can.manage_asset %}` and the navigation uses the same functions as the pages.

Object-level checks (is this person in the coordinator's scope?) are the actions' business.
"""

from profrost.accounts import permissions as accounts
from profrost.accounts.roles import RoleCode
from profrost.core import rules
from profrost.core.scoping import scope_of


def is_asset_member(user):
    """Holds the methodologist role (given by the asset's approval, taken by the exclusion)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return RoleCode.METHODOLOGIST in scope_of(user).roles


def may_view_asset(user):
    """The register: the center (everything), coordinators (their people, the members serving their
    municipalities), asset members (their own row)."""
    return accounts.is_region_staff(user) or accounts.is_coordinator(user) or is_asset_member(user)


def may_nominate_to_asset(user):
    """Nominate candidates: a school or a municipal coordinator (004_… 3.6 — the organization sends, the
    municipal service forms the lists), and the center, which keeps the register."""
    return accounts.is_region_staff(user) or accounts.is_coordinator(user)


def may_manage_asset(user):
    """Approve a list by order, exclude: the center (ЦНППМ, 004_… 3.6)."""
    return accounts.is_region_staff(user)


def may_assign_teachers(user):
    """Assign teachers to asset members and end assignments: the center."""
    return accounts.is_region_staff(user)


def may_record_support(user):
    """Record lesson visits and consultations (docs/support.md §8): an asset member (for the teachers assigned
    to them), the municipal methodological service — a municipal coordinator, for the teachers of their
    municipality (000_… 3.3.1) — and the center's staff."""
    return is_asset_member(user) or accounts.is_municipal_coordinator(user) or accounts.is_region_staff(user)


RULES = {
    "is_asset_member": is_asset_member,
    "view_asset": may_view_asset,
    "nominate_to_asset": may_nominate_to_asset,
    "manage_asset": may_manage_asset,
    "assign_teachers": may_assign_teachers,
    "record_support": may_record_support,
}


def register_all():
    """Called once, from SupportConfig.ready()."""
    for name, predicate in RULES.items():
        rules.register(name, predicate)

"""Who may do what with mentoring (docs/mentoring.md §6): role rules built on accounts' predicates, registered
as named rules (core.rules) so that templates ask `{% if can.manage_mentoring %}`.

Object-level checks (is this organization, this person in the coordinator's scope?) are the actions' business.
"""

from profrost.accounts import permissions as accounts
from profrost.accounts.roles import RoleCode
from profrost.core import rules
from profrost.core.scoping import scope_of


def is_mentor(user):
    """Holds the mentor role (given with the first active pair where the person mentors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return RoleCode.MENTOR in scope_of(user).roles


def may_manage_mentoring(user):
    """Programs, pairs and groups, proposals, closing pairs: the organization (its school coordinator), the
    municipal methodological service (its coordinator) and the region (004_… 3.7: «Назначение наставников» is
    the organization's; the municipality keeps the bases of mentors and young specialists)."""
    return accounts.is_region_staff(user) or accounts.is_coordinator(user)


def may_view_mentoring(user):
    """The registers and the pairs: those who manage, mentors (their own pairs), any signed-in person who is a
    member or a curator (checked on the object)."""
    return may_manage_mentoring(user) or is_mentor(user)


RULES = {
    "is_mentor": is_mentor,
    "manage_mentoring": may_manage_mentoring,
    "view_mentoring": may_view_mentoring,
}


def register_all():
    """Called once, from MentoringConfig.ready()."""
    for name, predicate in RULES.items():
        rules.register(name, predicate)

"""Who may do what with the monitoring (docs/monitoring.md §6): role rules built on accounts' predicates,
registered as named rules so that templates ask `{% if can.view_monitoring %}`."""

from profrost.accounts import permissions as accounts
from profrost.core import rules


def may_view_monitoring(user):
    """The indicators: the region's staff (everything), coordinators (their units' numbers and the region's
    totals; the people behind a number only within their scope)."""
    return accounts.is_region_staff(user) or accounts.is_coordinator(user)


def may_manage_monitoring(user):
    """Indicator sets, targets, publishing snapshots and ratings, drafting and sending recommendations: the
    region's staff (the ministry and the center)."""
    return accounts.is_region_staff(user)


def may_answer_recommendations(user):
    """Acknowledge and answer a recommendation addressed to a municipality: its municipal coordinator."""
    return accounts.is_municipal_coordinator(user)


RULES = {
    "view_monitoring": may_view_monitoring,
    "manage_monitoring": may_manage_monitoring,
    "answer_recommendations": may_answer_recommendations,
}


def register_all():
    for name, predicate in RULES.items():
        rules.register(name, predicate)

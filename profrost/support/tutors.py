"""A route's tutor from the assignment (docs/support.md §12): which asset member may tutor whose route, the tutor a
teacher's new route gets, and the tutor a teacher's running route gets when the teacher is assigned.

Routes asks through its extension points (routes/extensions.py); the providers are registered in support/cards.py.
"""

from profrost.accounts.models import Role, User
from profrost.accounts.roles import REGION_ROLES, RoleCode
from profrost.routes import actions as route_actions
from profrost.routes.models import ACTIVE, Route
from profrost.support.models import Assignment, Direction, MemberStatus

NOT_ASSIGNED = (
    "{tutor} не может быть тьютором ИОМ педагога {teacher}: тьютором назначают члена методического актива, за "
    "которым закреплён педагог, или сотрудника центра"
)


def _name(user):
    return user.get_full_name() or user.username


def refusals(routes, tutor):
    """{route id: message} for the routes `tutor` may not tutor. The center's staff tutor any route; a mentor (the
    school's наставник, not the asset) stays a tutor as before; a methodologist only the routes of teachers
    assigned to them now as an approved asset member — so a methodologist's routes follow the load limit."""
    roles = set(Role.objects.filter(user=tutor).values_list("role", flat=True))
    if roles & set(REGION_ROLES) or RoleCode.MENTOR in roles or RoleCode.METHODOLOGIST not in roles:
        return {}
    assigned = set()
    if tutor.person_id:
        assigned = set(
            Assignment.objects.filter(
                active=True,
                member__status=MemberStatus.APPROVED,
                member__person_id=tutor.person_id,
                person_id__in={r.person_id for r in routes},
            ).values_list("person_id", flat=True)
        )
    return {
        r.pk: NOT_ASSIGNED.format(tutor=_name(tutor), teacher=r.person.full_name)
        for r in routes
        if r.person_id not in assigned
    }


def default_tutors(person_ids):
    """{person id: User}: the login of the approved asset member each teacher is assigned to now — the member
    assigned for «Построение и сопровождение ИОМ» first, then the earliest assignment — when that login is active
    and holds the methodologist role."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = (
        Assignment.objects.filter(active=True, member__status=MemberStatus.APPROVED, person_id__in=ids)
        .values_list("person_id", "member__person_id", "direction")
        .order_by("person_id", "since", "pk")
    )
    chosen = {}
    for person_id, member_person_id, direction in rows.iterator(chunk_size=5000):
        if person_id not in chosen or (
            direction == Direction.ROUTES and chosen[person_id][1] != Direction.ROUTES
        ):
            chosen[person_id] = (member_person_id, direction)
    if not chosen:
        return {}
    users = {
        u.person_id: u
        for u in User.objects.filter(
            is_active=True,
            person_id__in={m for m, _ in chosen.values()},
            roles__role=RoleCode.METHODOLOGIST,
        )
    }
    return {p: users[m] for p, (m, _) in chosen.items() if m in users}


def take_routes(assignment, actor):
    """After an assignment: the member becomes the tutor of the teacher's running routes that have none (never
    replacing a tutor). Returns the number of routes; 0 when the member has no login."""
    tutor = default_tutors([assignment.person_id]).get(assignment.person_id)
    if tutor is None:
        return 0
    routes = Route.objects.filter(person_id=assignment.person_id, status__in=ACTIVE, tutor__isnull=True)
    if not routes.exists():
        return 0
    try:
        return route_actions.assign_tutor(list(routes), actor, tutor)
    except route_actions.RouteError:
        return 0

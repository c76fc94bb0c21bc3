"""What support gives the lower apps (registered in SupportConfig.ready()): the people an asset member sees
(accounts.extensions.scope_person_ids), the asset's section of the person card, and who may tutor a route and
the tutor a new route gets (routes.extensions, support/tutors.py)."""

from profrost.accounts.extensions import scope_person_ids
from profrost.accounts.roles import RoleCode
from profrost.people.extensions import person_card
from profrost.routes import extensions as route_extensions
from profrost.support import permissions, tutors
from profrost.support.models import (
    ActivityStatus,
    AssetMember,
    Assignment,
    Consultation,
    LessonVisit,
    MemberStatus,
    supported_people,
)

CARD_VISITS = 5


@scope_person_ids.provide
def assigned_teachers(user, roles):
    """An approved asset member holding the methodologist role sees the teachers assigned to them now
    (docs/support.md §5). Others: nothing, and no query (only methodologists are asked)."""
    if RoleCode.METHODOLOGIST not in roles or not user.person_id:
        return ()
    return Assignment.objects.filter(
        active=True, member__person_id=user.person_id, member__status=MemberStatus.APPROVED
    ).values_list("person_id", flat=True)


@person_card.register("support", "support/_person_support.html", order=25)
def person_support(request, person):
    """The person's place in the asset (their membership, as far as the viewer sees the register) and the
    asset members they are assigned to now; nothing when there is neither."""
    memberships = list(
        AssetMember.objects.visible_to(request.user).filter(person=person).order_by("-nominated_at")[:5]
    )
    assignments = list(
        Assignment.objects.filter(person=person, active=True)
        .select_related("member__person")
        .order_by("since", "pk")
    )
    # Visits and consultations the viewer sees (LessonVisit.visible_to): the last few, the rest on the pages.
    visits = list(
        LessonVisit.objects.visible_to(request.user)
        .filter(person=person, status=ActivityStatus.DONE)
        .select_related("visitor_person", "visitor")
        .order_by("-date", "-pk")[:CARD_VISITS]
    )
    consultations = list(
        Consultation.objects.visible_to(request.user)
        .filter(teachers=person, status=ActivityStatus.DONE)
        .order_by("-date", "-pk")[:CARD_VISITS]
    )
    own = bool(request.user.person_id) and request.user.person_id == person.pk
    may_record = (
        permissions.may_record_support(request.user)
        and not own
        and supported_people(request.user).filter(pk=person.pk).exists()
    )
    if not (memberships or assignments or visits or consultations or may_record):
        return None
    return {
        "memberships": memberships,
        "assignments": assignments,
        "visits": visits,
        "consultations": consultations,
        "own": own,
        "may_record": may_record,
        "person": person,
    }


route_extensions.tutor_refusals.provide(tutors.refusals)
route_extensions.default_tutors.provide(tutors.default_tutors)

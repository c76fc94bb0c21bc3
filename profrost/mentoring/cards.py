"""What mentoring gives the lower apps (registered in MentoringConfig.ready()): the people a mentor and a curator
see (accounts.extensions.scope_person_ids — docs/mentoring.md §6) and the mentoring section of the person card."""

from django.db.models import Q

from profrost.accounts.extensions import scope_person_ids
from profrost.accounts.roles import RoleCode
from profrost.mentoring.models import MemberRole, Mentorship, MentorshipMember, MentorshipStatus
from profrost.people.extensions import person_card


@scope_person_ids.provide
def mentees_and_curated(user, roles):
    """A mentor (holding the mentor role) sees the mentees of their active pairs; the curator of a program sees
    the members of its active pairs. Nobody else is asked (one query only for users with a person)."""
    if not user.person_id:
        return ()
    q = Q(mentorship__program__curator_id=user.person_id)
    if RoleCode.MENTOR in roles:
        mentored = MentorshipMember.objects.filter(person_id=user.person_id, role=MemberRole.MENTOR).values(
            "mentorship_id"
        )
        q |= Q(mentorship_id__in=mentored, role=MemberRole.MENTEE)
    return MentorshipMember.objects.filter(q, mentorship__status=MentorshipStatus.ACTIVE).values_list(
        "person_id", flat=True
    )


@person_card.register("mentoring", "mentoring/_person_mentoring.html", order=27)
def person_mentoring(request, person):
    """The pairs and groups the person is in, as far as the viewer sees them; nothing when there are none."""
    pairs = list(
        Mentorship.objects.visible_to(request.user)
        .filter(members__person=person)
        .distinct()
        .prefetch_related("members__person")
        .order_by("-start", "-pk")[:10]
    )
    if not pairs:
        return None
    rows = []
    for m in pairs:
        role = next((x.role for x in m.members.all() if x.person_id == person.pk), None)
        others = [x.person for x in m.members.all() if x.person_id != person.pk]
        rows.append({"m": m, "role": role, "others": others})
    return {"rows": rows, "person": person}

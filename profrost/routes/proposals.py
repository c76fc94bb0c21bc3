"""What a route's item says of a resource (docs/domain.md §5): the section, content, form, hours, dates, the
deficits it addresses and why it is there — one definition for the generator (routes/generation.py, from the
catalog's matches) and for the items added one by one (actions.add_resource: «Добавить в маршрут», an
application confirmed, a registration)."""

import datetime
from dataclasses import dataclass, field

from profrost.resources.matching import Match, Resource
from profrost.resources.models import Cohort, Community, Event, Internship, Membership, MemberStatus
from profrost.routes.models import Section


@dataclass
class Proposal:
    section: str
    content: str
    form: str = ""
    hours: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    codes: tuple = ()
    reason: str = ""
    links: dict = field(default_factory=dict)


SECTION_OF = {
    "cohort": Section.PROGRAMS,
    "internship": Section.INTERNSHIP,
    "event": Section.EVENTS,
    "community": Section.COMMUNITIES,
}
# The catalog's models by kind (as resources.matching names them) and an item's link field for each.
MODELS = {"cohort": Cohort, "event": Event, "internship": Internship, "community": Community}


def kind_of(obj):
    """ "cohort", "event", "internship" or "community" for a catalog object."""
    for kind, model in MODELS.items():
        if isinstance(obj, model):
            return kind
    raise ValueError(f"not a catalog resource: {obj!r}")


def proposal(match, gain):
    """The item for one of the catalog's matches, addressing the deficits `gain`."""
    r = match.resource
    form = {
        "cohort": "обучение по ДПП (ФР ДПП)" if r.federal else "обучение по ДПП",
        "internship": "стажировка",
        "event": "мероприятие",
        "community": "участие в работе",  # the member's real status is added by community_form()
    }[r.kind]
    return Proposal(
        section=SECTION_OF[r.kind],
        content=r.title,
        form=form,
        hours=r.hours if r.kind in ("cohort", "internship") else None,
        start=r.start,
        end=r.end,
        codes=tuple(sorted(gain)),
        reason=match.explanation,
        links={f"{r.kind}_id": r.pk},
    )


NOT_A_MEMBER = "не состоит (вступление запланировано)"


def member_statuses(person_ids, community_ids):
    """{(person id, community id): the person's status there («руководитель», «член», «эксперт»)} from the
    memberships — the real status, never assumed."""
    labels = dict(MemberStatus.choices)
    return {
        (person_id, community_id): labels.get(status, status)
        for person_id, community_id, status in Membership.objects.filter(
            person_id__in=list(person_ids), community_id__in=list(community_ids)
        ).values_list("person_id", "community_id", "status")
    }


def community_form(status):
    """The «дополнительная информация» of a community line: the work and the teacher's real status."""
    return f"участие в работе, статус: {status}" if status else f"участие в работе; {NOT_A_MEMBER}"


def resource_of(obj):
    """A catalog object as resources.matching describes it (title, competence codes, dates, hours)."""
    kind = kind_of(obj)
    codes = frozenset((obj.program if kind == "cohort" else obj).competences.values_list("code", flat=True))
    if kind == "cohort":
        program = obj.program
        return Resource(
            kind=kind,
            pk=obj.pk,
            title=program.title,
            codes=codes,
            start=obj.start,
            end=obj.end,
            hours=program.hours,
            federal=program.in_federal_registry,
            program_id=program.pk,
        )
    if kind == "community":
        return Resource(kind=kind, pk=obj.pk, title=obj.name, codes=codes)
    return Resource(
        kind=kind,
        pk=obj.pk,
        title=obj.title,
        codes=codes,
        start=obj.start,
        end=obj.end,
        hours=obj.hours if kind == "internship" else None,
    )


def proposal_for(obj, route, how):
    """The item for one catalog object on `route`, as the generator would write it: the deficits it addresses
    are the route's ones it develops; a community line runs over the route's period with the teacher's real
    membership status. `how` opens the reason («добавлено вручную»)."""
    resource = resource_of(obj)
    route_codes = set(route.deficits.values_list("code", flat=True))
    gain = resource.codes & route_codes
    # The explanation names what the resource develops: the route's deficits, else all it develops.
    match = Match(resource, tuple(sorted(gain or resource.codes)), None)
    p = proposal(match, gain)
    explanation = p.reason.removeprefix("развивает ; ")  # a resource naming no competence at all
    p.reason = f"{how}; {explanation}" if explanation else how
    if resource.kind == "community":
        p.start, p.end = route.start, route.end
        status = member_statuses([route.person_id], [obj.pk]).get((route.person_id, obj.pk))
        p.form = community_form(status)
    return p

"""Resource matching: for a person's deficits (competence codes) and a period, the ranked list of suitable
resources — cohorts with free places and open quota in the person's municipality, events, internships,
communities — each explained ("развивает МТ1, МТ3; ФР ДПП; 36 ч; мест: 12").

A Catalog is loaded once for a period (free places and quota counted in the database) and then matches any
number of people in memory, so the route generator can match a whole campaign without a query per person.

Ranking, best first:
1. more of the person's deficits covered;
2. a federal-registry program before anything else;
3. the kind: a course (cohort), an internship, an event, a community;
4. the earlier start, then the title.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q

from profrost.people.models import Employment
from profrost.resources.models import (
    HOLDING_QUOTA,
    Application,
    Cohort,
    Community,
    EnrollmentStatus,
    Event,
    Internship,
    Level,
    Program,
    ProgramStatus,
    Quota,
)

KIND_ORDER = {"cohort": 0, "internship": 1, "event": 2, "community": 3}
KIND_LABEL = {"cohort": "курс", "internship": "стажировка", "event": "мероприятие", "community": "сообщество"}


@dataclass
class PersonFacts:
    municipality_id: int | None
    organization_ids: frozenset
    position_ids: frozenset
    subject_ids: frozenset


@dataclass
class Resource:
    kind: str
    pk: int
    title: str
    codes: frozenset
    start: datetime.date | None = None
    end: datetime.date | None = None
    hours: int | None = None
    federal: bool = False
    free: int | None = None  # None: no limit
    # eligibility
    municipality_id: int | None = None
    organization_id: int | None = None
    level: str = ""
    position_ids: frozenset = frozenset()
    subject_ids: frozenset = frozenset()
    quota_free: dict = field(default_factory=dict)  # cohort: municipality id → free quota places
    program_id: int | None = None


@dataclass
class Match:
    resource: Resource
    covers: tuple
    free: int | None

    @property
    def kind(self):
        return self.resource.kind

    @property
    def explanation(self):
        r = self.resource
        parts = ["развивает " + ", ".join(self.covers)]
        if r.kind == "cohort":
            parts.append("ФР ДПП" if r.federal else "региональная программа")
        else:
            parts.append(KIND_LABEL[r.kind])
        if r.hours:
            parts.append(f"{r.hours} ч")
        if r.start:
            parts.append(f"{r.start:%d.%m.%Y}" + (f"–{r.end:%d.%m.%Y}" if r.end and r.end != r.start else ""))
        if self.free is not None:
            parts.append(f"мест: {self.free}")
        return "; ".join(parts)

    def rank(self):
        r = self.resource
        return (
            -len(self.covers),
            not r.federal,
            KIND_ORDER[r.kind],
            r.start or datetime.date.max,
            r.title,
            r.pk,
        )


def person_facts(person, on=None):
    on = on or datetime.date.today()
    jobs = list(
        Employment.objects.filter(person=person)
        .active_on(on)
        .select_related("organization")
        .prefetch_related("subjects")
        .order_by("-is_main", "pk")
    )
    return PersonFacts(
        municipality_id=jobs[0].organization.municipality_id if jobs else None,
        organization_ids=frozenset(j.organization_id for j in jobs),
        position_ids=frozenset(j.position_id for j in jobs),
        subject_ids=frozenset(s.pk for j in jobs for s in j.subjects.all()),
    )


class Catalog:
    """Every resource open in [start, end], loaded once."""

    def __init__(self, start, end):
        self.start, self.end = start, end
        self.by_code = {}
        for resource in [*self._cohorts(), *self._events(), *self._internships(), *self._communities()]:
            for code in resource.codes:
                self.by_code.setdefault(code, []).append(resource)

    def _cohorts(self):
        cohorts = (
            Cohort.objects.filter(
                program__status=ProgramStatus.ACTIVE, start__gte=self.start, end__lte=self.end
            )
            .annotate(enrolled=Count("enrollments", filter=~Q(enrollments__status=EnrollmentStatus.EXPELLED)))
            .values(
                "pk",
                "program_id",
                "program__title",
                "program__hours",
                "program__in_federal_registry",
                "start",
                "end",
                "capacity",
                "enrolled",
            )
        )
        cohorts = list(cohorts)
        ids = [c["pk"] for c in cohorts]
        program_ids = {c["program_id"] for c in cohorts}
        codes = _codes_for(Program.competences.through, "program_id", program_ids)
        positions, subjects = {}, {}
        for pk, position in Program.positions.through.objects.filter(program_id__in=program_ids).values_list(
            "program_id", "position_id"
        ):
            positions.setdefault(pk, set()).add(position)
        for pk, subject in Program.subjects.through.objects.filter(program_id__in=program_ids).values_list(
            "program_id", "subject_id"
        ):
            subjects.setdefault(pk, set()).add(subject)
        # Free quota per cohort and municipality: places minus applications holding them, in one query.
        quota_free = {}
        taken = {
            (row["cohort_id"], row["municipality_id"]): row["n"]
            for row in Application.objects.filter(cohort_id__in=ids, status__in=HOLDING_QUOTA)
            .values("cohort_id", "municipality_id")
            .annotate(n=Count("pk"))
        }
        for cohort_id, municipality_id, places in Quota.objects.filter(
            cohort_id__in=ids, organization__isnull=True
        ).values_list("cohort_id", "municipality_id", "places"):
            quota_free.setdefault(cohort_id, {})[municipality_id] = places - taken.get(
                (cohort_id, municipality_id), 0
            )
        for c in cohorts:
            if c["program_id"] not in codes:
                continue
            yield Resource(
                kind="cohort",
                pk=c["pk"],
                title=c["program__title"],
                codes=codes[c["program_id"]],
                start=c["start"],
                end=c["end"],
                hours=c["program__hours"],
                federal=c["program__in_federal_registry"],
                free=c["capacity"] - c["enrolled"],
                position_ids=frozenset(positions.get(c["program_id"], ())),
                subject_ids=frozenset(subjects.get(c["program_id"], ())),
                quota_free=quota_free.get(c["pk"], {}),
                program_id=c["program_id"],
            )

    def _events(self):
        events = list(
            Event.objects.filter(start__gte=self.start, end__lte=self.end)
            .annotate(taken=Count("participations"))
            .values(
                "pk",
                "title",
                "start",
                "end",
                "capacity",
                "taken",
                "level",
                "organizer_id",
                "organizer__municipality_id",
            )
        )
        codes = _codes_for(Event.competences.through, "event_id", {e["pk"] for e in events})
        for e in events:
            if e["pk"] not in codes:
                continue
            yield Resource(
                kind="event",
                pk=e["pk"],
                title=e["title"],
                codes=codes[e["pk"]],
                start=e["start"],
                end=e["end"],
                free=None if e["capacity"] is None else e["capacity"] - e["taken"],
                level=e["level"],
                municipality_id=e["organizer__municipality_id"],
                organization_id=e["organizer_id"],
            )

    def _internships(self):
        internships = list(
            Internship.objects.filter(start__gte=self.start, end__lte=self.end)
            .annotate(taken=Count("participants"))
            .values("pk", "title", "start", "end", "capacity", "taken", "hours")
        )
        codes = _codes_for(Internship.competences.through, "internship_id", {i["pk"] for i in internships})
        for i in internships:
            if i["pk"] not in codes:
                continue
            yield Resource(
                kind="internship",
                pk=i["pk"],
                title=i["title"],
                codes=codes[i["pk"]],
                start=i["start"],
                end=i["end"],
                hours=i["hours"],
                free=i["capacity"] - i["taken"],
            )

    def _communities(self):
        communities = list(
            Community.objects.values(
                "pk", "name", "level", "municipality_id", "organization_id", "subject_id"
            )
        )
        codes = _codes_for(Community.competences.through, "community_id", {c["pk"] for c in communities})
        for c in communities:
            if c["pk"] not in codes:
                continue
            yield Resource(
                kind="community",
                pk=c["pk"],
                title=c["name"],
                codes=codes[c["pk"]],
                level=c["level"],
                municipality_id=c["municipality_id"],
                organization_id=c["organization_id"],
                subject_ids=frozenset([c["subject_id"]]) if c["subject_id"] else frozenset(),
            )

    @staticmethod
    def _free_for(resource, facts):
        """Places open to this person, None for no limit, 0 when the resource is closed to them."""
        if resource.kind == "cohort":
            if resource.position_ids and not resource.position_ids & facts.position_ids:
                return 0
            if resource.subject_ids and not resource.subject_ids & facts.subject_ids:
                return 0
            quota = resource.quota_free.get(facts.municipality_id, 0)
            return max(0, min(quota, resource.free))
        if resource.level == Level.MUNICIPAL and resource.municipality_id != facts.municipality_id:
            return 0
        if resource.level == Level.INSTITUTIONAL and resource.organization_id not in facts.organization_ids:
            return 0
        if (
            resource.kind == "community"
            and resource.subject_ids
            and not resource.subject_ids & facts.subject_ids
        ):
            return 0
        return resource.free if resource.free is None else max(0, resource.free)

    def match(self, codes, facts):
        codes = frozenset(codes)
        seen, matches = set(), []
        for code in codes:
            for resource in self.by_code.get(code, ()):
                key = (resource.kind, resource.pk)
                if key in seen:
                    continue
                seen.add(key)
                free = self._free_for(resource, facts)
                if free == 0:
                    continue
                matches.append(Match(resource, tuple(sorted(resource.codes & codes)), free))
        matches.sort(key=Match.rank)
        return matches


def people_facts(person_ids, on=None):
    """PersonFacts for many people from one query over their current jobs (the route generator's batch)."""
    on = on or datetime.date.today()
    rows = (
        Employment.objects.filter(person_id__in=list(person_ids))
        .active_on(on)
        .order_by("person_id", "-is_main", "pk")
        .values_list("person_id", "organization_id", "organization__municipality_id", "position_id", "pk")
    )
    jobs, facts = {}, {}
    for person_id, organization_id, municipality_id, position_id, job_id in rows:
        jobs.setdefault(person_id, []).append((organization_id, municipality_id, position_id, job_id))
    subjects = {}
    for job_id, subject_id in Employment.subjects.through.objects.filter(
        employment__person_id__in=list(person_ids)
    ).values_list("employment_id", "subject_id"):
        subjects.setdefault(job_id, set()).add(subject_id)
    for person_id in person_ids:
        mine = jobs.get(person_id, [])
        facts[person_id] = PersonFacts(
            municipality_id=mine[0][1] if mine else None,
            organization_ids=frozenset(j[0] for j in mine),
            position_ids=frozenset(j[2] for j in mine),
            subject_ids=frozenset(s for j in mine for s in subjects.get(j[3], ())),
        )
    return facts


def _codes_for(through, key, ids):
    out = {}
    for pk, code in through.objects.filter(**{f"{key}__in": list(ids)}).values_list(key, "competence__code"):
        out.setdefault(pk, set()).add(code)
    return {pk: frozenset(v) for pk, v in out.items()}


def match_resources(codes, person, start, end):
    """The ranked, explained resources for one person's deficits in a period."""
    return Catalog(start, end).match(codes, person_facts(person, start))

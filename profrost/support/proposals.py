"""The automatic proposal of assignments (docs/support.md §13): which teachers need an asset member, and which
member each of them should be assigned to — matching the direction and the subject, inside the member's zone,
within the load limit, the load balanced, the existing pairs kept, each proposal explained in Russian.

Set-wise: the teachers' needs, jobs and subjects, the members with their zones, subjects and loads are read in a
handful of queries; the assignment itself is a greedy pass in Python over ids (100,000 teachers × 500 members in
seconds — benchmarks/bench_support_proposal.py). Applying goes through support.actions.assign, one by one, so every
rule (the limit, the zone, the member's status) is checked again at that moment.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Subquery

from profrost.diagnostics.models import LATEST_FIRST, Competence, CompetenceResult, Result
from profrost.people.models import Employment, Person, Subject
from profrost.routes.models import ACTIVE, Route
from profrost.structure.models import Municipality, OrganizationStatus, OrganizationStatusKind
from profrost.support import actions
from profrost.support.models import AssetMember, Assignment, Direction, MemberStatus, load_limit

# The directions a need calls for, best first (docs/support.md §13). The deficits' competence group adds the
# direction of the work that closes them: subject and methodical deficits — post-course support of the courses
# they lead to; psychological-pedagogical and communicative ones — peer learning.
FOR_DEFICITS = (Direction.DEFICITS, Direction.ROUTES, Direction.CONSULTING)
BY_GROUP = {
    "ПР": Direction.POST_COURSE,
    "МТ": Direction.POST_COURSE,
    "ПП": Direction.PEER_LEARNING,
    "КМ": Direction.PEER_LEARNING,
}
# Deficits tied to the subject taught: a member of the teacher's subject is preferred first for them.
SUBJECT_GROUPS = frozenset({"ПР", "МТ"})
CODES_SHOWN = 5


@dataclass
class Need:
    """What a teacher needs: the codes of their current deficits (with groups), a route without a tutor, a
    school with low results; where they work (municipalities, main job first) and what they teach."""

    teacher_id: int
    codes: list
    groups: set
    route: bool
    low_results: bool
    municipalities: list
    subjects: set

    def directions(self):
        """The directions wanted, best first."""
        wanted = []
        if self.low_results:
            wanted.append(Direction.LOW_RESULTS)
        if self.route:
            wanted.append(Direction.ROUTES)
        if self.codes:
            wanted += FOR_DEFICITS
            wanted += sorted({BY_GROUP[g] for g in self.groups if g in BY_GROUP})
        return list(dict.fromkeys(wanted))

    def what(self):
        parts = []
        if self.codes:
            shown = ", ".join(self.codes[:CODES_SHOWN])
            more = len(self.codes) - CODES_SHOWN
            word = "Дефицит" if len(self.codes) == 1 else "Дефициты"
            parts.append(f"{word} {shown}" + (f" и ещё {more}" if more > 0 else ""))
        if self.route:
            parts.append("ИОМ без тьютора")
        if self.low_results:
            parts.append("школа ШНОР")
        return "; ".join(parts)


@dataclass
class Member:
    pk: int
    person_id: int
    directions: list
    zone: set
    subjects: set
    load: int


@dataclass
class Proposal:
    teacher_id: int
    member_id: int
    direction: str
    municipality_id: int
    reason: str

    def as_row(self):
        return [self.teacher_id, self.member_id, self.direction, self.municipality_id, self.reason]


@dataclass
class Outcome:
    proposals: list  # [Proposal]
    unmatched: list  # [(teacher id, reason)]
    kept: int  # teachers in need who already have a member (existing pairs kept)
    needing: int  # teachers in need


def _latest_deficits(teachers):
    """{person id: [(code, group code)]} of each teacher's latest scored result's deficits. The latest result
    per person is one DISTINCT ON query (the order of diagnostics.LATEST_FIRST)."""
    latest = (
        Result.objects.scored()
        .filter(person_id__in=teachers)
        .order_by("person_id", *LATEST_FIRST)
        .distinct("person_id")
        .values("pk")
    )
    competences = {
        pk: (code, group, (group_order, order, code))
        for pk, code, group, group_order, order in Competence.objects.values_list(
            "pk", "code", "group__code", "group__order", "order"
        )
    }
    # Competence ids only (no join to the framework's tables), sorted in Python by the framework's order.
    rows = (
        CompetenceResult.objects.filter(result_id__in=Subquery(latest), is_deficit=True)
        .values_list("result__person_id", "competence_id")
        .order_by()
    )
    out = defaultdict(list)
    for person_id, competence_id in rows.iterator(chunk_size=20000):
        out[person_id].append(competences[competence_id])
    for person_id, found in out.items():
        found.sort(key=lambda c: c[2])
        out[person_id] = [(code, group) for code, group, _ in found]
    return out


def needs(municipality_id=None, today=None):
    """{teacher id: Need} of the teachers working now (in the municipality when given) who have deficits in
    their latest scored result or a running route without a tutor."""
    today = today or datetime.date.today()
    jobs = Employment.objects.active_on(today)
    if municipality_id:
        teachers = jobs.filter(organization__municipality_id=municipality_id).values("person_id")
    else:
        teachers = jobs.values("person_id")
    deficits = _latest_deficits(teachers)
    routed = set(
        Route.objects.filter(status__in=ACTIVE, tutor__isnull=True, person_id__in=teachers).values_list(
            "person_id", flat=True
        )
    )
    wanted = set(deficits) | routed
    if not wanted:
        return {}
    low = set(
        OrganizationStatus.objects.active_on(today)
        .filter(kind=OrganizationStatusKind.LOW_RESULTS)
        .values_list("organization_id", flat=True)
    )
    found = {}
    job_rows = (
        jobs.filter(person_id__in=teachers)
        .values_list("pk", "person_id", "organization__municipality_id", "organization_id")
        .order_by("person_id", "-is_main", "pk")
    )
    job_person = {}
    for job_id, person_id, municipality, organization in job_rows.iterator(chunk_size=20000):
        if person_id not in wanted:
            continue
        job_person[job_id] = person_id
        need = found.get(person_id)
        if need is None:
            codes = deficits.get(person_id, [])
            need = found[person_id] = Need(
                teacher_id=person_id,
                codes=[c for c, _ in codes],
                groups={g for _, g in codes},
                route=person_id in routed,
                low_results=False,
                municipalities=[],
                subjects=set(),
            )
        if municipality not in need.municipalities:
            need.municipalities.append(municipality)
        if organization in low:
            need.low_results = True
    subject_rows = Employment.subjects.through.objects.filter(
        employment_id__in=jobs.filter(person_id__in=teachers).values("pk")
    ).values_list("employment_id", "subject_id")
    for job_id, subject_id in subject_rows.iterator(chunk_size=20000):
        person_id = job_person.get(job_id)
        if person_id is not None:
            found[person_id].subjects.add(subject_id)
    return found


def members():
    """{member id: Member}: the approved members with their zones, subjects and current loads."""
    out = {
        pk: Member(pk, person_id, list(directions), set(), set(), 0)
        for pk, person_id, directions in AssetMember.objects.approved()
        .values_list("pk", "person_id", "directions")
        .order_by("pk")
    }
    for member_id, municipality_id in AssetMember.zone.through.objects.filter(
        assetmember_id__in=list(out)
    ).values_list("assetmember_id", "municipality_id"):
        out[member_id].zone.add(municipality_id)
    for member_id, subject_id in AssetMember.subjects.through.objects.filter(
        assetmember_id__in=list(out)
    ).values_list("assetmember_id", "subject_id"):
        out[member_id].subjects.add(subject_id)
    for member_id in Assignment.objects.filter(active=True, member_id__in=list(out)).values_list(
        "member_id", flat=True
    ):
        out[member_id].load += 1
    return out


def propose(municipality_id=None, today=None):
    """The proposal (docs/support.md §13). Teachers who already have an active assignment keep it and get no
    proposal; the others are taken most constrained first (fewest members serving them), each given the member
    with the best (direction rank, subject, load, id) among those serving one of their municipalities and below
    the limit."""
    limit = load_limit()
    wanted = needs(municipality_id, today)
    assigned = set(Assignment.objects.filter(active=True).values_list("person_id", flat=True))
    pool = members()
    serving = defaultdict(list)
    for m in pool.values():
        for municipality in m.zone:
            serving[municipality].append(m)
    municipality_names = dict(Municipality.objects.values_list("pk", "name"))
    subject_names = dict(Subject.objects.values_list("pk", "name"))
    labels = dict(Direction.choices)

    todo = []
    kept = 0
    for need in wanted.values():
        if need.teacher_id in assigned:
            kept += 1
            continue
        candidates = {m.pk: m for mun in need.municipalities for m in serving.get(mun, ())}
        todo.append((len(candidates), need.teacher_id, need, list(candidates.values())))
    todo.sort(key=lambda t: (t[0], t[1]))

    proposals, unmatched = [], []
    for _, teacher_id, need, candidates in todo:
        if not candidates:
            where = ", ".join(municipality_names.get(m, "") for m in need.municipalities)
            unmatched.append((teacher_id, f"{need.what()} — нет методиста, в зону которого входит {where}"))
            continue
        directions = need.directions()
        rank_of = {d: n for n, d in enumerate(directions)}
        subject_bound = bool(need.groups & SUBJECT_GROUPS)
        best, best_key = None, None
        for m in candidates:
            if m.load >= limit or m.person_id == teacher_id:
                continue
            rank = min((rank_of.get(d, len(directions)) for d in m.directions), default=len(directions))
            subject = 0 if (need.subjects & m.subjects) else 1
            key = (rank, subject if subject_bound else 0, subject, m.load, m.pk)
            if best_key is None or key < best_key:
                best, best_key = m, key
        if best is None:
            unmatched.append(
                (teacher_id, f"{need.what()} — все методисты зоны загружены до лимита ({limit})")
            )
            continue
        rank = best_key[0]
        if rank < len(directions):
            direction = directions[rank]
            said = f"направление «{labels[direction]}»"
        else:
            direction = best.directions[0]
            said = f"совпадающего направления нет, направление методиста «{labels.get(direction, direction)}»"
        municipality = next(m for m in need.municipalities if m in best.zone)
        best.load += 1
        parts = [f"{need.what()} — {said}"]
        common = sorted(subject_names.get(s, "") for s in need.subjects & best.subjects)
        if common:
            parts.append("предмет «" + "», «".join(common) + "»")
        parts.append(f"муниципалитет в зоне ({municipality_names.get(municipality, '')})")
        parts.append(f"нагрузка {best.load} из {limit}")
        proposals.append(Proposal(teacher_id, best.pk, direction, municipality, "; ".join(parts)))
    return Outcome(proposals=proposals, unmatched=unmatched, kept=kept, needing=len(wanted))


# --- applying ---------------------------------------------------------------------------------------------------


def apply(actor, rows, report=None, request=None):
    """Apply proposals ([teacher id, member id, direction, ...] rows) through support.actions.assign, each in its
    own transaction: the limit, the zone and the member's status are checked again now. Returns
    {"applied": n, "refused": [(teacher id, member id, message)]}. `report(done, total)` as it goes."""
    rows = list(rows)
    people = Person.objects.in_bulk([r[0] for r in rows])
    member_rows = AssetMember.objects.in_bulk([r[1] for r in rows])
    applied, refused = 0, []
    for n, (teacher_id, member_id, direction, *_rest) in enumerate(rows, 1):
        teacher, member = people.get(teacher_id), member_rows.get(member_id)
        if teacher is None or member is None or member.status != MemberStatus.APPROVED:
            refused.append((teacher_id, member_id, "Методист или педагог больше не в реестре"))
        else:
            try:
                with transaction.atomic():
                    actions.assign(actor, member, teacher, direction=direction, request=request)
                applied += 1
            except actions.SupportError as exc:
                refused.append((teacher_id, member_id, str(exc)))
            except AssetMember.DoesNotExist:
                refused.append((teacher_id, member_id, "Методист не найден в вашей области доступа"))
        if report and (n % 50 == 0 or n == len(rows)):
            report(n, len(rows))
    return {"applied": applied, "refused": refused}

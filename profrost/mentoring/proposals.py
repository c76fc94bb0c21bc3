"""Explained matching of mentors (docs/mentoring.md §4): a proposal the organization, the municipality or the
region reviews and applies — nothing is created here. Three forms:

- teacher — teacher: every young specialist without an active pair of that form gets a mentor of their subject,
  from their own organization first, then their municipality, with at least five years of pedagogical
  experience, the first or highest category (or педагог-наставник, педагог-методист), not a young specialist,
  below the mentee cap;
- competence: every teacher with deficits in their latest scored result may get a colleague of the municipality
  whose latest result in those competences is at least MENTORING_STRONG_PERCENT — the one covering most of the
  deficits, then of the same organization, then of the same subject, then the least loaded;
- school — school: an organization with the ШНОР status (or flagged by the monitoring) gets a mentoring
  organization of the same municipality or district with an internship or innovation site status, or whose
  management team scored high.

Each proposal says why; each person (organization) nobody fits gets the most specific reason. The cap on a
mentor's mentees is shared by the pairs in force (actions.active_mentee_counts) and every proposal of the run.

Set-wise: the people's main jobs, subjects, facts, loads, deficits and strong results are read in a handful of
queries (no per-person query); the matching is a pass over ids in Python — heaps by (load, id) for teacher —
teacher, integer bitsets over a municipality's colleagues for the competence form (the coverage of a teacher's
deficits counted bit-sliced for all candidates at once). benchmarks/bench_mentoring_proposal.py measures it.
Applying goes through actions.create_mentorship row by row, so every rule is checked again at that moment.
"""

import datetime
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Subquery

from profrost.core.scoping import scope_of
from profrost.core.sql import subquery
from profrost.core.validators import format_snils
from profrost.diagnostics.models import (
    LATEST_FIRST,
    Competence,
    CompetenceResult,
    Result,
    ResultLevel,
    ResultStatus,
)
from profrost.mentoring import actions
from profrost.mentoring.models import (
    MemberRole,
    Mentorship,
    MentorshipForm,
    MentorshipMember,
    MentorshipStatus,
    current_employment,
    mentee_cap,
)
from profrost.people.models import Employment, Person, QualificationCategory, Subject
from profrost.structure.models import Organization, OrganizationStatus, OrganizationStatusKind
from profrost.support.criteria import years_word

FORMS = (MentorshipForm.TEACHER_TEACHER, MentorshipForm.COMPETENCE, MentorshipForm.SCHOOL_SCHOOL)
MIN_EXPERIENCE = 5
QUALIFYING = {
    QualificationCategory.HIGHEST: "высшая категория",
    QualificationCategory.FIRST: "первая категория",
    QualificationCategory.METHODOLOGIST: "педагог-методист",
    QualificationCategory.MENTOR: "педагог-наставник",
}
SITE_KINDS = (OrganizationStatusKind.INTERNSHIP_SITE, OrganizationStatusKind.INNOVATION_SITE)
HIGH_LEVELS = (ResultLevel.HIGH, ResultLevel.ELEVATED)
HIGH_SHARE = Decimal("0.5")  # a management team scored high: at least half of its managers high or elevated
CODES_SHOWN = 5
REASON_MAX = 500


def strong_percent():
    """The latest result in a competence (%) that makes a colleague its mentor (docs/mentoring.md §4)."""
    return Decimal(str(getattr(settings, "MENTORING_STRONG_PERCENT", 85)))


@dataclass
class Proposal:
    form: str
    mentor_id: int | None  # a person; None for school — school
    mentee_id: int | None
    organization_id: int  # the pair's organization: the mentee's (or the mentee organization)
    mentor_organization_id: int | None  # the mentor's organization (the mentoring one for school — school)
    competence_ids: list
    reason: str

    def as_row(self):
        return [
            self.form,
            self.mentor_id,
            self.mentee_id,
            self.organization_id,
            self.mentor_organization_id,
            list(self.competence_ids),
            self.reason,
        ]


@dataclass
class Missing:
    """Nobody fits: a person (or, for school — school, an organization) and the most specific reason."""

    form: str
    person_id: int | None
    organization_id: int | None
    reason: str

    def as_row(self):
        return [self.form, self.person_id, self.organization_id, self.reason]


@dataclass
class Outcome:
    day: datetime.date
    proposals: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)
    kept: dict = field(default_factory=dict)  # form → mentees (organizations) left out: already in a pair
    young: int = 0  # young specialists among the mentees considered


class _Teacher:
    __slots__ = ("pk", "job", "org", "pool", "subjects", "exp", "young", "category")

    def __init__(self, pk, job, org, pool):
        self.pk, self.job, self.org, self.pool = pk, job, org, pool
        self.subjects = frozenset()
        self.exp, self.young, self.category = 0, False, QualificationCategory.NONE


def _clip(text):
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _percent(value):
    text = f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} %"


def _codes(codes):
    shown = ", ".join(codes[:CODES_SHOWN])
    more = len(codes) - CODES_SHOWN
    return shown + (f" и ещё {more}" if more > 0 else "")


# --- who is proposed: the reviewer's part of the region -------------------------------------------------------


def mentee_organizations(user=None, municipality_id=None, organization_id=None):
    """The ids of the organizations whose people (or which themselves) may be proposed mentees: those the user
    sees, narrowed to a municipality or one organization; None for the whole region (a region user, the
    command line without a user, no narrowing)."""
    everything = user is None or scope_of(user).everything
    if everything and not municipality_id and not organization_id:
        return None
    orgs = Organization.objects.all() if user is None else Organization.objects.visible_to(user)
    if municipality_id:
        orgs = orgs.filter(municipality_id=municipality_id)
    if organization_id:
        orgs = orgs.filter(pk=organization_id)
    return set(orgs.values_list("pk", flat=True))


def _area(mentee_orgs):
    """(municipality ids, organization ids) whose staff the run reads: the mentees' organizations and their
    municipalities (mentors come from the municipality); None, None for the whole region."""
    if mentee_orgs is None:
        return None, None
    muns = set(
        Organization.objects.filter(pk__in=mentee_orgs, municipality__isnull=False).values_list(
            "municipality_id", flat=True
        )
    )
    return muns, set(mentee_orgs)


def _load_people(day, area_muns, area_orgs):
    """{person id: _Teacher} of everyone working on the day in the area, by their main job (the main job active
    on the day; else the earliest begun), with the job's subjects and the person's facts (experience, young
    specialist, category) as of the day."""
    jobs = Employment.objects.active_on(day)
    if area_muns is not None:
        in_area = jobs.filter(
            Q(organization__municipality_id__in=area_muns) | Q(organization_id__in=area_orgs)
        )
        jobs = jobs.filter(person_id__in=in_area.values("person_id"))
    main = (
        jobs.order_by("person_id", "-is_main", F("start").asc(nulls_first=True), "pk")
        .distinct("person_id")
        .values_list("pk", "person_id", "organization_id", "organization__municipality_id")
    )
    people, by_job = {}, {}
    for job, pk, org, mun in main.iterator(chunk_size=20000):
        if area_muns is not None and mun not in area_muns and org not in area_orgs:
            continue  # works in the area only on a second job: their unit is elsewhere
        # A pool: the colleagues a mentor comes from — the municipality, or the organization itself when it
        # belongs to none (a regional organization).
        people[pk] = by_job[job] = _Teacher(pk, job, org, mun if mun is not None else ("org", org))
    subjects = defaultdict(set)
    rows = Employment.subjects.through.objects.filter(employment_id__in=jobs.values("pk")).values_list(
        "employment_id", "subject_id"
    )
    for job, subject in rows.iterator(chunk_size=20000):
        if job in by_job:
            subjects[job].add(subject)
    for job, found in subjects.items():
        by_job[job].subjects = frozenset(found)
    facts = Person.objects.with_facts(on=day).order_by()
    if area_muns is not None:
        facts = facts.filter(pk__in=jobs.values("person_id"))
    for pk, exp, young, category in facts.values_list(
        "pk", "experience_years", "is_young_specialist", "category"
    ).iterator(chunk_size=20000):
        t = people.get(pk)
        if t is not None:
            t.exp, t.young, t.category = max(0, exp or 0), bool(young), category
    return people


def _mentees(user, day, people, mentee_orgs):
    """The people the user may be proposed mentors for: working in the mentee organizations and visible."""
    ids = [t.pk for t in people.values() if mentee_orgs is None or t.org in mentee_orgs]
    if user is None or scope_of(user).everything:
        return set(ids)
    jobs = Employment.objects.active_on(day).filter(organization_id__in=mentee_orgs)
    visible = Person.objects.visible_to(user).filter(pk__in=jobs.values("person_id"))
    return set(visible.values_list("pk", flat=True)) & set(ids)


def _loads():
    """{mentor person id: active mentees} over all active pairs (the cap is one for the region)."""
    mentors = (
        MentorshipMember.objects.filter(role=MemberRole.MENTOR, mentorship__status=MentorshipStatus.ACTIVE)
        .order_by()
        .values_list("person_id", flat=True)
        .distinct()
    )
    return actions.active_mentee_counts(list(mentors))


def _busy(form):
    return set(
        MentorshipMember.objects.filter(
            role=MemberRole.MENTEE, mentorship__status=MentorshipStatus.ACTIVE, mentorship__form=form
        ).values_list("person_id", flat=True)
    )


# --- teacher — teacher -----------------------------------------------------------------------------------------


class _Heaps:
    """Mentors by (load, id) under keys; a stale entry (its mentor's load changed) is put right when met."""

    def __init__(self, loads, cap):
        self.loads, self.cap, self.heaps = loads, cap, defaultdict(list)

    def add(self, key, pk):
        self.heaps[key].append((self.loads.get(pk, 0), pk))

    def ready(self):
        for heap in self.heaps.values():
            heapq.heapify(heap)

    def top(self, key):
        heap = self.heaps.get(key)
        while heap:
            load, pk = heap[0]
            now = self.loads.get(pk, 0)
            if now >= self.cap:
                heapq.heappop(heap)
            elif now != load:
                heapq.heapreplace(heap, (now, pk))
            else:
                return heap[0]
        return None

    def best(self, keys):
        found = [entry for entry in (self.top(k) for k in keys) if entry is not None]
        return min(found)[1] if found else None


def _teacher_teacher(people, mentees, loads, cap, names):
    busy = _busy(MentorshipForm.TEACHER_TEACHER)
    heaps = _Heaps(loads, cap)
    # Colleagues per (pool, subject) — subject None: all — for the reasons: all, experienced, qualified.
    counts = defaultdict(lambda: [0, 0, 0])
    for t in people.values():
        experienced = not t.young and t.exp >= MIN_EXPERIENCE
        qualified = experienced and t.category in QUALIFYING
        for subject in (*t.subjects, None):
            c = counts[(t.pool, subject)]
            c[0] += 1
            c[1] += experienced
            c[2] += qualified
            if qualified:
                heaps.add(("o", t.org, subject), t.pk)
                heaps.add(("m", t.pool, subject), t.pk)
    heaps.ready()
    young = [people[pk] for pk in mentees if people[pk].young]
    kept = sum(1 for t in young if t.pk in busy)
    todo = []
    for t in young:
        if t.pk in busy:
            continue
        subjects = tuple(t.subjects) or (None,)
        todo.append((sum(counts[(t.pool, s)][2] for s in subjects), t.pk, t, subjects))
    todo.sort(key=lambda x: (x[0], x[1]))  # the most constrained first, then by id
    proposals, unmatched = [], []
    for _, _, t, subjects in todo:
        who = f"молодой специалист, {years_word(t.exp)} стажа"
        mentor = heaps.best([("o", t.org, s) for s in subjects])
        if mentor is None:
            mentor = heaps.best([("m", t.pool, s) for s in subjects])
        if mentor is None:
            reason = f"{who} — {_tt_missing(t, subjects, counts, cap)}"
            unmatched.append(Missing(MentorshipForm.TEACHER_TEACHER, t.pk, t.org, _clip(reason)))
            continue
        m = people[mentor]
        loads[mentor] = loads.get(mentor, 0) + 1
        parts = sorted(names["subjects"].get(s, "") for s in t.subjects & m.subjects)
        parts += [
            QUALIFYING[m.category],
            f"{years_word(m.exp)} стажа",
            f"наставляемых: {loads[mentor]} из {cap}",
        ]
        where = "та же организация" if m.org == t.org else f"организация: {names['orgs'].get(m.org, '')}"
        reason = f"{who}; наставник: {', '.join(parts)}; {where}"
        proposals.append(
            Proposal(MentorshipForm.TEACHER_TEACHER, mentor, t.pk, t.org, m.org, [], _clip(reason))
        )
    return proposals, unmatched, kept, len(young)


def _where(t):
    return "в организации" if isinstance(t.pool, tuple) else "в муниципалитете"


def _tt_missing(t, subjects, counts, cap):
    """The most specific reason nobody fits: the first of the rules (subject, experience, category, cap) that
    leaves no colleague of the municipality."""
    where = _where(t)
    by_subject = subjects != (None,)
    rows = [counts[(t.pool, s)] for s in subjects]
    if not any(c[0] > 1 for c in rows):  # the young specialist themself is counted
        if by_subject:
            return f"нет наставника по предмету {where}"
        return f"нет других педагогов {where}"
    detail = " (по предмету)" if by_subject else ""
    if not any(c[1] for c in rows):
        return f"нет наставника со стажем от {MIN_EXPERIENCE} лет {where}{detail}"
    if not any(c[2] for c in rows):
        return (
            "нет наставника с первой или высшей категорией (педагога-наставника, педагога-методиста) "
            f"со стажем от {MIN_EXPERIENCE} лет {where}{detail}"
        )
    return f"все подходящие наставники {where} уже ведут по {cap} наставляемых{detail}"


# --- competence ------------------------------------------------------------------------------------------------


def _latest_deficits(area_people):
    """{person id: [competence id]} of the deficits of each person's latest scored result."""
    latest = (
        Result.objects.scored()
        .filter(person_id__in=area_people)
        .order_by("person_id", *LATEST_FIRST)
        .distinct("person_id")
        .values("pk")
    )
    out = defaultdict(list)
    rows = (
        CompetenceResult.objects.filter(result_id__in=Subquery(latest), is_deficit=True)
        .values_list("result__person_id", "competence_id")
        .order_by()
    )
    for pk, competence in rows.iterator(chunk_size=20000):
        out[pk].append(competence)
    return out


def _strong(area_people, threshold):
    """{person id: {competence id: percent}} where the person's latest scored result that measured the
    competence gave at least `threshold` % in it (docs/mentoring.md §4): one DISTINCT ON (person, competence) in
    the order of diagnostics.LATEST_FIRST, filtered on the percent outside it (the latest first, then the
    threshold — an older strong result replaced by a weaker one does not count)."""
    latest = (
        CompetenceResult.objects.filter(result__status=ResultStatus.SCORED, result__person_id__in=area_people)
        .order_by("result__person_id", "competence_id", "-result__taken_on", "-result_id")
        .distinct("result__person_id", "competence_id")
        .values_list("result__person_id", "competence_id", "percent")
    )
    sql, params = subquery(latest)
    out = defaultdict(dict)
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM ({sql}) latest WHERE latest.percent >= %s", [*params, threshold])
        while rows := cur.fetchmany(20000):
            for pk, competence, percent in rows:
                out[pk][competence] = percent
    return out


class _Pool:
    """A municipality's possible competence mentors as integer bitsets (bit i = the i-th by id): strong in each
    competence; in each organization; teaching each subject; by current load (those below the cap)."""

    def __init__(self, members, strong, loads, cap):
        self.pks = sorted(members)
        self.index = {pk: i for i, pk in enumerate(self.pks)}
        self.by_competence = defaultdict(int)
        self.by_org = defaultdict(int)
        self.by_subject = defaultdict(int)
        self.by_load = [0] * cap
        self.free = 0
        for i, pk in enumerate(self.pks):
            bit = 1 << i
            t = members[pk]
            for competence in strong[pk]:
                self.by_competence[competence] |= bit
            self.by_org[t.org] |= bit
            for subject in t.subjects:
                self.by_subject[subject] |= bit
            load = loads.get(pk, 0)
            if load < cap:
                self.by_load[load] |= bit
                self.free |= bit

    def take(self, bit, load_before):
        self.by_load[load_before] &= ~bit
        if load_before + 1 < len(self.by_load):
            self.by_load[load_before + 1] |= bit
        else:
            self.free &= ~bit


def _most_covering(sets):
    """The bits set in the most of `sets` (bit-sliced counters: counter i holds bit i of each candidate's
    count), and that count."""
    counters = []
    for bits in sets:
        carry, i = bits, 0
        while carry:
            if i == len(counters):
                counters.append(carry)
                break
            counters[i], carry = counters[i] ^ carry, counters[i] & carry
            i += 1
    best, count = -1, 0  # all bits
    for i in reversed(range(len(counters))):
        chosen = best & counters[i]
        if chosen:
            best, count = chosen, count | (1 << i)
    return best, count


def _competence(people, mentees, loads, cap, deficits, strong, names, threshold):
    busy = _busy(MentorshipForm.COMPETENCE)
    order = names["competence_order"]
    wanted = sorted(pk for pk in mentees if deficits.get(pk))
    kept = sum(1 for pk in wanted if pk in busy)
    pools = {}
    members_of = defaultdict(dict)
    for pk in strong:
        t = people.get(pk)
        if t is not None and not t.young:
            members_of[t.pool][pk] = t
    proposals, unmatched = [], []
    codes = names["competences"]
    for pk in wanted:
        if pk in busy:
            continue
        t = people[pk]
        own = sorted(set(deficits[pk]), key=lambda c: order.get(c, (0, 0, "")))
        who = ("дефицит " if len(own) == 1 else "дефициты ") + _codes([codes.get(c, "") for c in own])
        pool = pools.get(t.pool)
        if pool is None:
            pool = pools[t.pool] = _Pool(members_of.get(t.pool, {}), strong, loads, cap)
        self_bit = 1 << pool.index[pk] if pk in pool.index else 0
        sets = [pool.by_competence.get(c, 0) & ~self_bit for c in own]
        where = _where(t)
        if not any(sets):
            reason = (
                f"{who} — нет коллеги {where} с результатом от {_percent(threshold)} по этим компетенциям"
            )
            unmatched.append(Missing(MentorshipForm.COMPETENCE, pk, t.org, _clip(reason)))
            continue
        best, count = _most_covering([s & pool.free for s in sets])
        if not count:
            reason = (
                f"{who} — все коллеги {where} с результатом от {_percent(threshold)} по этим компетенциям "
                f"уже ведут по {cap} наставляемых"
            )
            unmatched.append(Missing(MentorshipForm.COMPETENCE, pk, t.org, _clip(reason)))
            continue
        narrowed = best & pool.by_org.get(t.org, 0)
        if narrowed:
            best = narrowed
        same_subject = 0
        for subject in t.subjects:
            same_subject |= pool.by_subject.get(subject, 0)
        if best & same_subject:
            best &= same_subject
        for level in pool.by_load:
            if best & level:
                best &= level
                break
        bit = best & -best
        mentor = pool.pks[bit.bit_length() - 1]
        before = loads.get(mentor, 0)
        loads[mentor] = before + 1
        pool.take(bit, before)
        covered = [c for c in own if c in strong[mentor]]
        m = people[mentor]
        parts = [", ".join(f"{codes.get(c, '')} — {_percent(strong[mentor][c])}" for c in covered)]
        if m.org == t.org:
            parts.append("та же организация")
        else:
            parts.append(f"организация: {names['orgs'].get(m.org, '')}")
        common = sorted(names["subjects"].get(s, "") for s in t.subjects & m.subjects)
        if common:
            parts.append(", ".join(common))
        parts.append(f"наставляемых: {loads[mentor]} из {cap}")
        reason = f"{who}; наставник: {'; '.join(parts)}"
        proposals.append(
            Proposal(MentorshipForm.COMPETENCE, mentor, pk, t.org, m.org, covered, _clip(reason))
        )
    return proposals, unmatched, kept, len(wanted)


# --- school — school -------------------------------------------------------------------------------------------


def management_results(day, organization_ids=None):
    """{organization id: (managers, managers at a high or elevated level)}: the people whose job there on the day
    is a managerial position, and how many of them have a latest scored result at «высокий» or «повышенный»
    (docs/mentoring.md §4)."""
    jobs = Employment.objects.active_on(day).filter(position__is_manager=True)
    if organization_ids is not None:
        jobs = jobs.filter(organization_id__in=organization_ids)
    pairs = set(jobs.values_list("organization_id", "person_id"))
    latest = (
        Result.objects.scored()
        .filter(person_id__in=jobs.values("person_id"))
        .order_by("person_id", *LATEST_FIRST)
        .distinct("person_id")
        .values_list("person_id", "level")
    )
    high = {pk for pk, level in latest if level in HIGH_LEVELS}
    out = defaultdict(lambda: [0, 0])
    for org, pk in pairs:
        out[org][0] += 1
        out[org][1] += pk in high
    return {org: tuple(v) for org, v in out.items()}


def _school_school(day, mentee_orgs, flagged_org_ids):
    form = MentorshipForm.SCHOOL_SCHOOL
    statuses = OrganizationStatus.objects.active_on(day)
    low = set(
        statuses.filter(kind=OrganizationStatusKind.LOW_RESULTS).values_list("organization_id", flat=True)
    )
    flagged = {int(pk) for pk in flagged_org_ids}
    wanted = (low | flagged) if mentee_orgs is None else (low | flagged) & mentee_orgs
    if not wanted:
        return [], [], 0, 0
    orgs = {
        pk: (mun, district, kind, short or name)
        for pk, mun, district, kind, short, name in Organization.objects.filter(
            municipality__isnull=False
        ).values_list("pk", "municipality_id", "municipality__district_id", "kind", "short_name", "name")
    }
    wanted_orgs = [pk for pk in sorted(wanted) if pk in orgs]
    near_muns = {orgs[pk][0] for pk in wanted_orgs}
    near_districts = {orgs[pk][1] for pk in wanted_orgs if orgs[pk][1] is not None}
    near = {
        pk
        for pk, (mun, district, _k, _n) in orgs.items()
        if mun in near_muns or (district is not None and district in near_districts)
    }
    sites = defaultdict(set)
    for pk, kind in statuses.filter(kind__in=SITE_KINDS, organization_id__in=near).values_list(
        "organization_id", "kind"
    ):
        sites[pk].add(kind)
    teams = management_results(day, near)
    active = Mentorship.objects.active().filter(form=form)
    mentored = set(active.values_list("organization_id", flat=True))
    load = defaultdict(int)
    for pk in active.values_list("mentor_organization_id", flat=True):
        load[pk] += 1
    # Possible mentors: a site, or a management team at least half high, and not itself ШНОР or flagged.
    candidates = []
    for pk in near:
        if pk in low or pk in flagged:
            continue
        managers, high = teams.get(pk, (0, 0))
        scored_high = managers and Decimal(high) / managers >= HIGH_SHARE
        if sites.get(pk) or scored_high:
            candidates.append((pk, managers, high))
    labels = dict(OrganizationStatusKind.choices)
    proposals, unmatched, kept = [], [], 0
    for pk in wanted_orgs:
        if pk in mentored:
            kept += 1
            continue
        mun, district, kind, _name = orgs[pk]
        who = "школа с низкими образовательными результатами (ШНОР)" if pk in low else "отмечена мониторингом"
        best, best_key = None, None
        for other, managers, high in candidates:
            o_mun, o_district, o_kind, _n = orgs[other]
            if other == pk or o_kind != kind:
                continue
            if o_mun == mun:
                tier = 0
            elif district is not None and o_district == district:
                tier = 1
            else:
                continue
            key = (
                tier,
                0 if sites.get(other) else 1,
                load[other],
                -(high / managers if managers else 0),
                other,
            )
            if best_key is None or key < best_key:
                best, best_key = (other, managers, high), key
        if best is None:
            reason = (
                f"{who} — нет стажировочной или инновационной площадки и организации с высокими результатами "
                "управленческой команды в муниципалитете и округе"
            )
            unmatched.append(Missing(form, None, pk, _clip(reason)))
            continue
        other, managers, high = best
        load[other] += 1
        if sites.get(other):
            basis = ", ".join(sorted(labels[k].lower() for k in sites[other]))
        else:
            basis = (
                f"высокие результаты управленческой команды: {high} из {managers} руководителей на высоком или "
                f"повышенном уровне ({round(high * 100 / managers)} %)"
            )
        where = "тот же муниципалитет" if best_key[0] == 0 else "тот же межмуниципальный округ"
        reason = f"{who}; организация-наставник: {basis}; {where}; наставляемых организаций: {load[other]}"
        proposals.append(Proposal(form, None, None, pk, other, [], _clip(reason)))
    return proposals, unmatched, kept, len(wanted_orgs)


# --- the run ---------------------------------------------------------------------------------------------------


def _names(people, org_ids):
    orgs = dict(
        (pk, short or name)
        for pk, short, name in Organization.objects.filter(pk__in=org_ids).values_list(
            "pk", "short_name", "name"
        )
    )
    competences = {}
    order = {}
    for pk, code, group_order, position in Competence.objects.values_list(
        "pk", "code", "group__order", "order"
    ):
        competences[pk] = code
        order[pk] = (group_order, position, code)
    return {
        "orgs": orgs,
        "subjects": dict(Subject.objects.values_list("pk", "name")),
        "competences": competences,
        "competence_order": order,
    }


def propose(
    user=None,
    *,
    day=None,
    municipality_id=None,
    organization_id=None,
    forms=FORMS,
    flagged_org_ids=(),
):
    """The proposal for the user's part of the region on the day (docs/mentoring.md §4): the mentees are the
    user's (Person.objects.visible_to; `user` None — the command line — sees the region), narrowed to a
    municipality or an organization; mentors come from the mentees' municipalities. Young specialists are matched
    first, then the competence mentees, so the cap serves the young first. `flagged_org_ids`: organizations
    flagged by the monitoring, proposed a mentoring organization as if they were ШНОР."""
    day = day or datetime.date.today()
    cap = mentee_cap()
    outcome = Outcome(day=day)
    mentee_orgs = mentee_organizations(user, municipality_id, organization_id)
    people_forms = [f for f in forms if f != MentorshipForm.SCHOOL_SCHOOL]
    if people_forms and (mentee_orgs is None or mentee_orgs):
        area_muns, area_orgs = _area(mentee_orgs)
        people = _load_people(day, area_muns, area_orgs)
        mentees = _mentees(user, day, people, mentee_orgs)
        loads = _loads()
        names = _names(people, {t.org for t in people.values()})
        if MentorshipForm.TEACHER_TEACHER in forms:
            found, missing, kept, young = _teacher_teacher(people, mentees, loads, cap, names)
            outcome.proposals += found
            outcome.unmatched += missing
            outcome.kept[MentorshipForm.TEACHER_TEACHER] = kept
            outcome.young = young
        if MentorshipForm.COMPETENCE in forms:
            area_people = Employment.objects.active_on(day)
            if area_muns is not None:
                area_people = area_people.filter(
                    Q(organization__municipality_id__in=area_muns) | Q(organization_id__in=area_orgs)
                )
            area_people = area_people.values("person_id")
            deficits = _latest_deficits(area_people)
            strong = _strong(area_people, strong_percent())
            found, missing, kept, _n = _competence(
                people, mentees, loads, cap, deficits, strong, names, strong_percent()
            )
            outcome.proposals += found
            outcome.unmatched += missing
            outcome.kept[MentorshipForm.COMPETENCE] = kept
    if MentorshipForm.SCHOOL_SCHOOL in forms and (mentee_orgs is None or mentee_orgs):
        found, missing, kept, _n = _school_school(day, mentee_orgs, flagged_org_ids)
        outcome.proposals += found
        outcome.unmatched += missing
        outcome.kept[MentorshipForm.SCHOOL_SCHOOL] = kept
    return outcome


# --- applying ---------------------------------------------------------------------------------------------------

STALE = "Предложение устарело: педагог, организация или компетенция больше не найдены"


def _row(row):
    """A stored row checked for shape: (form, mentor, mentee, organization, mentor organization, competences,
    reason) with ids as ints, or None."""
    try:
        form, mentor, mentee, org, mentor_org, competences, reason = row
    except (TypeError, ValueError):
        return None
    if form not in FORMS or not isinstance(reason, str):
        return None
    ids = (mentor, mentee, org, mentor_org)
    if any(x is not None and (not isinstance(x, int) or isinstance(x, bool) or x < 1) for x in ids):
        return None
    if not isinstance(competences, list) or not all(isinstance(c, int) and c > 0 for c in competences):
        return None
    return form, mentor, mentee, org, mentor_org, competences, reason


def _program(organization, form, start):
    if organization is None:
        return None
    for program in actions.programs_for(organization, start):
        if form in program.forms and program.start <= start <= program.end:
            return program
    return None


def apply_row(actor, row, start, request=None):
    """Create one proposal's pair through actions.create_mentorship (its own savepoint); the Mentorship, or
    raises actions.MentoringError with the Russian message."""
    checked = _row(row)
    if checked is None:
        raise actions.MentoringError("Строка предложения повреждена")
    form, mentor_id, mentee_id, org_id, mentor_org_id, competence_ids, reason = checked
    with transaction.atomic():
        if form == MentorshipForm.SCHOOL_SCHOOL:
            orgs = Organization.objects.in_bulk([org_id, mentor_org_id])
            organization, mentor_organization = orgs.get(org_id), orgs.get(mentor_org_id)
            if organization is None or mentor_organization is None:
                raise actions.MentoringError(STALE)
            return actions.create_mentorship(
                actor,
                form=form,
                organization=organization,
                mentor_organization=mentor_organization,
                start=start,
                program=_program(organization, form, start),
                reason=reason,
                request=request,
            )
        found = Person.objects.in_bulk([mentor_id, mentee_id])
        mentor, mentee = found.get(mentor_id), found.get(mentee_id)
        competences = list(Competence.objects.filter(pk__in=competence_ids))
        if mentor is None or mentee is None or len(competences) != len(set(competence_ids)):
            raise actions.MentoringError(STALE)
        if form == MentorshipForm.COMPETENCE and not competences:
            raise actions.MentoringError("Строка предложения повреждена")
        # The pair's organization is the mentee's on the start day (a visible mentee's; create_mentorship
        # checks the scope and the visibility again).
        if not Person.objects.visible_to(actor).filter(pk=mentee.pk).exists():
            raise actions.MentoringError(f"Наставляемый вне вашей области: {mentee.short_name}")
        job = current_employment(mentee.pk, start)
        if job is None:
            raise actions.MentoringError(f"У {mentee.short_name} нет места работы на дату начала")
        organization = job.organization
        return actions.create_mentorship(
            actor,
            form=form,
            mentors=[mentor],
            mentees=[mentee],
            organization=organization,
            competences=competences,
            start=start,
            program=_program(organization, form, start),
            reason=reason,
            request=request,
        )


def apply(actor, rows, *, start=None, report=None, request=None):
    """Apply the proposal's rows one by one, each in its own savepoint: every rule is checked again now (the
    cap, the mentee's other pairs, the scope). Returns {"created": [(n, mentorship id)], "refused": [(n,
    message)]} with n the row's position in `rows`. `report(done, total)` as it goes."""
    start = start or datetime.date.today()
    rows = list(rows)
    created, refused = [], []
    for n, row in enumerate(rows):
        try:
            mentorship = apply_row(actor, row, start, request=request)
            created.append((n, mentorship.pk))
        except actions.MentoringError as exc:
            refused.append((n, str(exc)))
        except PermissionDenied:
            refused.append((n, "Нет прав назначать наставничество в этой организации"))
        except (ObjectDoesNotExist, IntegrityError):
            refused.append((n, STALE))
        if report and ((n + 1) % 20 == 0 or n + 1 == len(rows)):
            report(n + 1, len(rows))
    return {"created": created, "refused": refused}


# --- the spreadsheet (the command line and the page's download) -----------------------------------------------

HEADERS = [
    "Форма",
    "СНИЛС наставника",
    "СНИЛС наставляемого",
    "ИНН организации-наставника",
    "ИНН наставляемой организации",
    "Компетенция",
    "Причина",
]
UNMATCHED_HEADERS = ["СНИЛС", "Причина"]


def sheets(rows, unmatched, shows_snils=lambda person_id: True):
    """[(title, headers, rows)] for core.exports.write_xlsx: the proposals and «Без наставника». SNILS only where
    `shows_snils(person id)` (people.sees_sensitive for a page)."""
    person_ids = {r[1] for r in rows} | {r[2] for r in rows} | {u[1] for u in unmatched}
    person_ids.discard(None)
    snils = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "snils"))
    org_ids = {r[3] for r in rows} | {r[4] for r in rows} | {u[2] for u in unmatched}
    org_ids.discard(None)
    orgs = {
        pk: (short or name, inn)
        for pk, short, name, inn in Organization.objects.filter(pk__in=org_ids).values_list(
            "pk", "short_name", "name", "inn"
        )
    }
    codes = dict(Competence.objects.values_list("pk", "code"))
    labels = dict(MentorshipForm.choices)

    def snils_of(pk):
        if pk is None or pk not in snils or not shows_snils(pk):
            return None
        return format_snils(snils[pk])

    def proposal_rows():
        for form, mentor, mentee, org, mentor_org, competences, reason in rows:
            between = form == MentorshipForm.SCHOOL_SCHOOL
            yield [
                labels.get(form, form),
                snils_of(mentor),
                snils_of(mentee),
                (orgs.get(mentor_org, ("", ""))[1] or None) if between else None,
                (orgs.get(org, ("", ""))[1] or None) if between else None,
                ", ".join(codes.get(c, "") for c in competences) or None,
                reason,
            ]

    def unmatched_rows():
        for _form, person, org, reason in unmatched:
            if person is None:
                name, inn = orgs.get(org, ("", ""))
                reason = f"{name} (ИНН {inn or '—'}): {reason}"
            yield [snils_of(person), reason]

    return [
        ("Предложение", HEADERS, proposal_rows()),
        ("Без наставника", UNMATCHED_HEADERS, unmatched_rows()),
    ]

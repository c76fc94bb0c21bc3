"""The two bases the municipality keeps (004_… 3.7; 003_… 3.4.3): the register of mentors (реестр
педагогов-наставников) and the base of young specialists, as of a date, within the viewer's scope
(docs/mentoring.md §3).

Everything a list needs to filter, sort and page by is an annotation (Exists / scalar subqueries), so one query
pages the people in the database; the columns of the 50 rows shown (jobs, subjects, mentors' names, routes, asset
members, communities, trainings) come from a handful of set-wise queries — never one query per row.

The rules shared with the monitoring counts (mentoring/counts.py) live here: the person's main job on a day
(`main_job`) and the support forms during a period (`support_forms`).
"""

from django.db import models
from django.db.models import Case, Exists, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from profrost.mentoring.actions import active_mentee_counts
from profrost.mentoring.models import (
    GROUP_FORMS,
    MemberRole,
    Mentorship,
    MentorshipMember,
    MentorshipStatus,
    mentee_cap,
)
from profrost.people.models import (
    YOUNG_SPECIALIST_MAX_AGE,
    YOUNG_SPECIALIST_MAX_EXPERIENCE,
    Employment,
    Person,
    QualificationCategory,
    name_q,
)
from profrost.people.units import unit_jobs
from profrost.resources.models import Enrollment, EnrollmentStatus, Membership
from profrost.routes.models import Route, RouteStatus
from profrost.structure.models import Organization
from profrost.support.models import Assignment

# A route in these states is not a support form (docs/mentoring.md §10): a draft nobody signed off, a cancelled one.
NOT_SUPPORT_ROUTES = (RouteStatus.DRAFT, RouteStatus.CANCELLED)
CLOSED_PAIRS = (MentorshipStatus.DONE, MentorshipStatus.ENDED_EARLY)
# Trainings whose program title has this stem are about mentoring (shown by title in the register of mentors).
MENTORING_TRAINING_STEM = "наставни"
LISTED_TITLES = 3


# --- the person's main job ---------------------------------------------------------------------------------------


def main_job(day, person_ref="pk"):
    """The person's unit job on `day` as a correlated subquery (take `.values(field)[:1]`): the one rule of
    people.units — the job marked main, else the first by start (no start first), then by id. A person belongs to
    the organization (and its municipality) of this one job, once (docs/mentoring.md §3)."""
    return unit_jobs(day, person_ref)


def with_main_job(qs, day):
    """Annotate `job_id`, `job_organization_id` and `job_municipality_id` of the main job on the day."""
    job = main_job(day)
    return qs.annotate(
        job_id=Subquery(job.values("pk")[:1]),
        job_organization_id=Subquery(job.values("organization_id")[:1]),
        job_municipality_id=Subquery(job.values("organization__municipality_id")[:1]),
    )


def in_unit(qs, day, municipality_id=None, organization_id=None, among=None):
    """People (annotated by with_main_job) having a main job on the day, narrowed to a unit.

    The checks are scalar subqueries probing the person's jobs by index, first "any job held on the day (in the
    unit)", then the exact main-job rule: PostgreSQL keeps them per row instead of turning an EXISTS into a join
    over every job of the region (the row estimates of the date conditions are too rough for that choice to be
    made well). `among` (a Q on the person) is the population's own condition, tested before the probe (CASE
    WHEN … THEN probe), so that only its people are probed whatever order the planner gives the conditions."""
    jobs = Employment.objects.active_on(day).filter(person=OuterRef("pk"))
    if organization_id:
        jobs = jobs.filter(organization_id=organization_id)
    elif municipality_id:
        jobs = jobs.filter(
            organization_id__in=Organization.objects.filter(municipality_id=municipality_id).values("pk")
        )
    probe = Subquery(jobs.order_by().values("pk")[:1])
    if among is not None:
        qs = qs.filter(among)
        probe = Case(When(among, then=probe), default=None, output_field=models.BigIntegerField())
    qs = qs.annotate(_job_in_unit=probe)
    if not (organization_id or municipality_id):
        return qs.filter(_job_in_unit__isnull=False)
    # the exact rule last, only for those with a job in the unit: CASE WHEN probe found THEN main job's unit
    field, unit = (
        ("organization_id", organization_id)
        if organization_id
        else ("organization__municipality_id", municipality_id)
    )
    exact = Case(
        When(_job_in_unit__isnull=False, then=Subquery(main_job(day).values(field)[:1])),
        default=None,
        output_field=models.BigIntegerField(),
    )
    return qs.annotate(_main_job_unit=exact).filter(_main_job_unit=unit)


# --- the support forms -------------------------------------------------------------------------------------------


def support_forms(start, end, person_ref="pk"):
    """{form: Exists(...)} — the support forms a person has during [start, end] (docs/mentoring.md §10):

    - pair: a mentee of a pair (group) working in the period (Mentorship.objects.active_during);
    - route: a route (ИОМ) neither a draft nor cancelled whose period overlaps [start, end];
    - asset: assigned to a member of the methodological asset in the period (support Assignment.during);
    - community: a member of a professional community by `end` (a membership has a start — `since`, possibly
      unknown — and no end: it lasts until removed)."""
    ref = OuterRef(person_ref)
    pairs = Mentorship.objects.active_during(start, end).values("pk")
    return {
        "pair": Exists(
            MentorshipMember.objects.filter(person=ref, role=MemberRole.MENTEE, mentorship_id__in=pairs)
        ),
        "route": Exists(
            Route.objects.filter(person=ref, start__lte=end, end__gte=start).exclude(
                status__in=NOT_SUPPORT_ROUTES
            )
        ),
        "asset": Exists(Assignment.objects.during(start, end).filter(person=ref)),
        "community": Exists(
            Membership.objects.filter(person=ref).filter(Q(since__isnull=True) | Q(since__lte=end))
        ),
    }


def any_support(start, end, person_ref="pk"):
    q = Q()
    for exists in support_forms(start, end, person_ref).values():
        q |= Q(exists)
    return q


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def under_age_q(day):
    """Under 35 on the day, as a condition on the birth date the planner can estimate and index: full years
    since the birth date < 35 ⇔ born after the day 35 years earlier (29 February → 28 February) — the rule of
    Person.with_facts' `age` (PostgreSQL age()), checked against it at the boundaries by the tests."""
    return Q(birth_date__gt=add_years(day, -YOUNG_SPECIALIST_MAX_AGE))


def young_q(day):
    """A young specialist on the day: under 35 and under 3 full years since the start of pedagogical work (a start
    is required) — Person.with_facts' `is_young_specialist`, as date comparisons (see under_age_q)."""
    return under_age_q(day) & Q(pedagogical_start__gt=add_years(day, -YOUNG_SPECIALIST_MAX_EXPERIENCE))


def _count(qs, field="pk", distinct=False):
    """COUNT over a correlated queryset as a scalar subquery (no GROUP BY: one row, 0 when nothing)."""
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    return Subquery(
        qs.order_by()
        .annotate(_n=Func(F(field), template=template, output_field=models.IntegerField()))
        .values("_n")
    )


# --- the young specialists ---------------------------------------------------------------------------------------

YOUNG_SORTS = {
    "name": ("last_name", "first_name", "middle_name", "pk"),
    "organization": ("job_municipality_name", "job_organization_name", "last_name", "first_name", "pk"),
    "age": ("-birth_date", "last_name", "first_name", "pk"),
    "experience": ("-pedagogical_start", "last_name", "first_name", "pk"),
    "unsupported": ("supported", "last_name", "first_name", "pk"),
}


def young_specialists(
    user, day, *, q="", municipality_id=None, organization_id=None, unsupported=False, sort="name"
):
    """The young specialists (under 35, under 3 full years of pedagogical experience on the day — young_q, the
    rule of Person.with_facts) the user sees, each once in the unit of their main job on the day, filtered and
    ordered. Only what the filters and the order need is computed here, for every candidate: page its
    `values_list("pk")` and load the page's people with young_people()."""
    qs = with_main_job(Person.objects.visible_to(user), day)
    qs = in_unit(qs, day, municipality_id, organization_id, among=young_q(day))
    if q:
        qs = qs.filter(name_q(q))
    if unsupported or sort == "unsupported":
        forms = support_forms(day, day)
        qs = qs.annotate(**{f"has_{name}": exists for name, exists in forms.items()})
        supported = Q(has_pair=True) | Q(has_route=True) | Q(has_asset=True) | Q(has_community=True)
        if unsupported:
            qs = qs.exclude(supported)
        else:
            qs = qs.annotate(
                supported=models.ExpressionWrapper(supported, output_field=models.BooleanField())
            )
    if sort == "organization":
        qs = _with_unit_names(qs, day)
    return qs.order_by(*YOUNG_SORTS.get(sort, YOUNG_SORTS["name"]))


def load_people(ids, day):
    """The people of these ids, in this order, with the facts on the day (age, experience) and the main job's
    id — the rows of one page, one query."""
    by_pk = {p.pk: p for p in with_main_job(Person.objects.filter(pk__in=list(ids)).with_facts(on=day), day)}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _with_unit_names(qs, day):
    job = main_job(day)
    return qs.annotate(
        job_organization_name=Subquery(job.values("organization__name")[:1]),
        job_municipality_name=Coalesce(
            Subquery(job.values("organization__municipality__name")[:1]), Value("")
        ),
    )


def _jobs(people):
    """{person id: Employment} of the annotated people's main jobs, with organization, municipality, position and
    subjects — three queries for the lot."""
    ids = [p.job_id for p in people if p.job_id]
    jobs = {
        e.pk: e
        for e in Employment.objects.filter(pk__in=ids)
        .select_related("organization__municipality", "position")
        .prefetch_related("subjects")
    }
    return {p.pk: jobs.get(p.job_id) for p in people}


def young_rows(people, day):
    """The register's rows for these people (from load_people()): one dict a person."""
    people = list(people)
    ids = [p.pk for p in people]
    jobs = _jobs(people)
    pairs, mentors = {}, {}
    for member in (
        MentorshipMember.objects.filter(person_id__in=ids, role=MemberRole.MENTEE)
        .filter(mentorship__in=Mentorship.objects.active_during(day, day))
        .select_related("mentorship")
        .order_by("mentorship__start", "pk")
    ):
        names = mentors.setdefault(member.mentorship_id, [])  # shared by the group's mentees on the page
        pairs.setdefault(member.person_id, []).append({"mentorship": member.mentorship, "mentors": names})
    for member in (
        MentorshipMember.objects.filter(mentorship_id__in=list(mentors), role=MemberRole.MENTOR)
        .select_related("person")
        .order_by("person__last_name", "pk")
    ):
        mentors[member.mentorship_id].append(member.person)
    routes = {}
    for route in (
        Route.objects.filter(person_id__in=ids, start__lte=day, end__gte=day)
        .exclude(status=RouteStatus.CANCELLED)
        .order_by("person_id", "-start", "-pk")
    ):
        routes.setdefault(route.person_id, route)
    assets = {}
    for a in (
        Assignment.objects.during(day, day)
        .filter(person_id__in=ids)
        .select_related("member__person")
        .order_by("person_id", "-since", "pk")
    ):
        assets.setdefault(a.person_id, []).append(a.member.person)
    communities = {}
    for m in (
        Membership.objects.filter(person_id__in=ids)
        .filter(Q(since__isnull=True) | Q(since__lte=day))
        .select_related("community")
        .order_by("community__name", "pk")
    ):
        communities.setdefault(m.person_id, []).append(m.community)
    rows = []
    for p in people:
        job = jobs.get(p.pk)
        route = routes.get(p.pk)
        row = {
            "person": p,
            "job": job,
            "subjects": [s.name for s in job.subjects.all()] if job else [],
            "age": p.age,
            "experience": p.experience_years,
            "pairs": pairs.get(p.pk, []),
            "route": route,
            "route_counts": route is not None and route.status not in NOT_SUPPORT_ROUTES,
            "asset": assets.get(p.pk, []),
            "communities": communities.get(p.pk, []),
        }
        row["supported"] = bool(row["pairs"] or row["route_counts"] or row["asset"] or row["communities"])
        rows.append(row)
    return rows


YOUNG_HEADERS = [
    "ФИО",
    "Муниципалитет",
    "Организация",
    "Должность",
    "Предмет",
    "Возраст, лет",
    "Стаж, лет",
    "Наставник (активная пара)",
    "ИОМ (статус)",
    "Методист актива",
    "Сообщества",
    "Сопровождение",
]


def young_sheet_rows(rows, with_snils=False):
    for r in rows:
        job = r["job"]
        route = r["route"]
        line = [
            r["person"].full_name,
            job.organization.municipality.name if job and job.organization.municipality else "",
            job.organization.name if job else "",
            job.position.name if job else "",
            ", ".join(r["subjects"]),
            r["age"],
            r["experience"],
            "; ".join(
                ", ".join(m.short_name for m in pair["mentors"]) or "без наставника" for pair in r["pairs"]
            ),
            f"{route.get_status_display()} ({route.start:%d.%m.%Y} — {route.end:%d.%m.%Y})" if route else "",
            "; ".join(m.short_name for m in r["asset"]),
            "; ".join(c.name for c in r["communities"]),
            "есть" if r["supported"] else "нет сопровождения",
        ]
        yield ([r["person"].snils_display] if with_snils else []) + line


# --- the mentors -------------------------------------------------------------------------------------------------

MENTOR_SORTS = {
    "name": ("last_name", "first_name", "middle_name", "pk"),
    "organization": ("job_municipality_name", "job_organization_name", "last_name", "first_name", "pk"),
    "experience": (F("pedagogical_start").asc(nulls_last=True), "last_name", "first_name", "pk"),
    "load": ("-load", "last_name", "first_name", "pk"),
    "results": ("-pairs_done", "pairs_early", "last_name", "first_name", "pk"),
}
MENTOR_KINDS = {
    "active": "Сейчас наставляют",
    "former": "Наставляли раньше, сейчас без пар",
    "category": "С категорией «педагог-наставник»",
    "free": "Есть свободные места",
}


def _mentor_pairs(person_ref="pk"):
    return Mentorship.objects.filter(members__person=OuterRef(person_ref), members__role=MemberRole.MENTOR)


def mentor_load():
    """The mentees of the person's active pairs, a group counting as one place — actions.active_mentee_counts'
    rule (docs/mentoring.md §4) as a subquery, for sorting and filtering by load."""
    mentees = _count(
        MentorshipMember.objects.filter(
            role=MemberRole.MENTEE,
            mentorship__status=MentorshipStatus.ACTIVE,
            mentorship__members__person=OuterRef("pk"),
            mentorship__members__role=MemberRole.MENTOR,
        ).exclude(mentorship__form__in=GROUP_FORMS)
    )
    groups = _count(_mentor_pairs().filter(status=MentorshipStatus.ACTIVE, form__in=GROUP_FORMS))
    return mentees + groups


def _mentor_annotations(qs):
    """load (now), pairs completed successfully / early, past mentees and those of them with a route completed
    successfully (ending on or after the pair's start), completed trainings — scalar subqueries a person."""
    closed_mentees = MentorshipMember.objects.filter(
        role=MemberRole.MENTEE,
        mentorship__status__in=CLOSED_PAIRS,
        mentorship__members__person=OuterRef("pk"),
        mentorship__members__role=MemberRole.MENTOR,
    )
    route_done = Exists(
        Route.objects.filter(
            person=OuterRef("person_id"), status=RouteStatus.DONE, end__gte=OuterRef("mentorship__start")
        )
    )
    return qs.annotate(
        load=mentor_load(),
        pairs_done=_count(_mentor_pairs().filter(status=MentorshipStatus.DONE)),
        pairs_early=_count(_mentor_pairs().filter(status=MentorshipStatus.ENDED_EARLY)),
        past_mentees=_count(closed_mentees, "person_id", distinct=True),
        past_mentees_route_done=_count(closed_mentees.filter(route_done), "person_id", distinct=True),
        trainings=_count(Enrollment.objects.filter(person=OuterRef("pk"), status=EnrollmentStatus.COMPLETED)),
    )


def load_mentors(ids, day):
    """The people of these ids, in this order, annotated as load_people and with _mentor_annotations."""
    qs = _mentor_annotations(with_main_job(Person.objects.filter(pk__in=list(ids)).with_facts(on=day), day))
    by_pk = {p.pk: p for p in qs}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def mentors(user, day, *, q="", municipality_id=None, organization_id=None, kind="", sort="name"):
    """Everyone who is or was a mentor of a pair begun by the day, and the holders of the category
    «педагог-наставник», whom the user sees, each once in the unit of their main job on the day (docs/mentoring.md
    §3), filtered and ordered: page its `values_list("pk")`, load the page's people with load_mentors()."""
    was_mentor = Exists(
        MentorshipMember.objects.filter(
            person=OuterRef("pk"), role=MemberRole.MENTOR, mentorship__start__lte=day
        )
    )
    population = Q(was_mentor) | Q(category=QualificationCategory.MENTOR)
    qs = in_unit(
        with_main_job(Person.objects.visible_to(user), day), day, municipality_id, organization_id, population
    )
    if q:
        qs = qs.filter(name_q(q))
    active = Exists(_mentor_pairs().filter(status=MentorshipStatus.ACTIVE))
    if kind == "active":
        qs = qs.filter(active)
    elif kind == "former":
        qs = qs.filter(was_mentor).exclude(active)
    elif kind == "category":
        qs = qs.filter(category=QualificationCategory.MENTOR)
    qs = _mentor_annotations(qs)
    if kind == "free":
        qs = qs.filter(load__lt=mentee_cap()).exclude(young_q(day))
    if sort == "organization":
        qs = _with_unit_names(qs, day)
    return qs.order_by(*MENTOR_SORTS.get(sort, MENTOR_SORTS["name"]))


def mentor_rows(people, day):
    """The register's rows for these people (from load_mentors())."""
    people = list(people)
    ids = [p.pk for p in people]
    jobs = _jobs(people)
    load = active_mentee_counts(ids)
    titles = {}
    for person_id, title in (
        Enrollment.objects.filter(
            person_id__in=ids,
            status=EnrollmentStatus.COMPLETED,
            cohort__program__title__icontains=MENTORING_TRAINING_STEM,
        )
        .order_by("person_id", "-cohort__end", "-pk")
        .values_list("person_id", "cohort__program__title")
    ):
        listed = titles.setdefault(person_id, [])
        if len(listed) < LISTED_TITLES and title not in listed:
            listed.append(title)
    cap = mentee_cap()
    rows = []
    for p in people:
        rows.append(
            {
                "person": p,
                "job": jobs.get(p.pk),
                "is_mentor_category": p.category == QualificationCategory.MENTOR,
                "experience": p.experience_years,
                "load": load.get(p.pk, 0),
                "cap": cap,
                "trainings": p.trainings,
                "mentoring_trainings": titles.get(p.pk, []),
                "pairs_done": p.pairs_done,
                "pairs_early": p.pairs_early,
                "past_mentees": p.past_mentees,
                "past_mentees_route_done": p.past_mentees_route_done,
            }
        )
    return rows


MENTOR_HEADERS = [
    "ФИО",
    "Муниципалитет",
    "Организация",
    "Должность",
    "Категория",
    "Стаж, лет",
    "Завершённых обучений",
    "Обучение по наставничеству",
    "Наставляемых сейчас",
    "Предел",
    "Пар завершено успешно",
    "Пар завершено досрочно",
    "Бывших наставляемых",
    "Из них с успешно завершённым ИОМ",
]


def mentor_sheet_rows(rows, with_snils=False):
    for r in rows:
        job = r["job"]
        line = [
            r["person"].full_name,
            job.organization.municipality.name if job and job.organization.municipality else "",
            job.organization.name if job else "",
            job.position.name if job else "",
            r["person"].get_category_display(),
            r["experience"],
            r["trainings"],
            "; ".join(r["mentoring_trainings"]),
            r["load"],
            r["cap"],
            r["pairs_done"],
            r["pairs_early"],
            r["past_mentees"],
            r["past_mentees_route_done"],
        ]
        yield ([r["person"].snils_display] if with_snils else []) + line


def in_batches(qs, load, rows_of, day, size=1000):
    """The rows of a whole filtered register (the export): the ordered ids in one query, then a batch of people
    at a time with their details in a few queries."""
    ids = list(qs.values_list("pk", flat=True))
    for i in range(0, len(ids), size):
        yield from rows_of(load(ids[i : i + size], day), day)

"""The counts of mentoring the monitoring reports (docs/mentoring.md §10), each a numerator and a denominator
computed in the database for a period [start, end]:

- `young_supported_of_under_35` — 004_… 1.2.4 row 4: young specialists taking part in a support form / all
  teachers under 35;
- `young_supported_of_young` — 000_… 5.3-2: the same numerator / the young specialists;
- `organizations_implementing` — 004_… 1.2.4 row 6: organizations implementing the mentoring model / the
  educational organizations;
- `school_school_organizations` — 004_… 1.2.4 row 7: organizations whose management teams are in school–school
  mentoring / the internship, innovation and approbation sites (the share may exceed 100 %).

Each function takes the unit: `organization_id` → (num, den) of that organization; `municipality_id` → (num,
den) of the municipality, or with `by_organization=True` {organization id: (num, den)} inside it; neither →
{municipality id: (num, den)} for the whole region (the key None: organizations without a municipality, e.g.
regional ones). `region_total(result)` sums such a dict.
"""

from django.db.models import Count, Exists, OuterRef, Q

from profrost.mentoring.models import (
    MentoringProgram,
    Mentorship,
    MentorshipForm,
)
from profrost.mentoring.registers import any_support, in_unit, under_age_q, with_main_job, young_q
from profrost.people.models import Person
from profrost.structure.models import (
    Organization,
    OrganizationKind,
    OrganizationStatus,
    OrganizationStatusKind,
)

# Educational organizations (the denominator of row 6): general, preschool and additional education.
EDUCATIONAL_KINDS = (
    OrganizationKind.SCHOOL,
    OrganizationKind.KINDERGARTEN,
    OrganizationKind.ADDITIONAL_EDUCATION,
)
# The sites of row 7's denominator.
SITE_KINDS = (
    OrganizationStatusKind.INTERNSHIP_SITE,
    OrganizationStatusKind.INNOVATION_SITE,
    OrganizationStatusKind.APPROBATION_SITE,
)


def _check_period(start, end):
    if start is None or end is None or end < start:
        raise ValueError("period: start and end dates, end not before start")


def _shape(rows, municipality_id, organization_id, by_organization):
    """rows: [(unit key, num, den)] grouped in SQL → the shape described in the module's docstring."""
    counts = {key: (num, den) for key, num, den in rows}
    if organization_id or (municipality_id and not by_organization):
        return next(iter(counts.values()), (0, 0))
    return counts


def region_total(counts):
    """The sum of a {unit: (num, den)} result."""
    return (sum(n for n, _ in counts.values()), sum(d for _, d in counts.values()))


# --- young specialists (rows 4 and 5.3-2) -------------------------------------------------------------------------


def _young_counts(start, end, municipality_id, organization_id, by_organization, denominator):
    """People with a main job on the period's last day, under 35 on that day (age and experience as of `end`),
    counted once in the unit of that job. `denominator`: "under_35" or "young"."""
    _check_period(start, end)
    population = young_q(end) if denominator == "young" else under_age_q(end)
    qs = in_unit(with_main_job(Person.objects.all(), end), end, municipality_id, organization_id, population)
    unit = "job_organization_id" if organization_id or by_organization else "job_municipality_id"
    rows = (
        qs.values(unit)
        .annotate(
            num=Count("pk", filter=young_q(end) & any_support(start, end)),
            den=Count("pk"),
        )
        .values_list(unit, "num", "den")
        .order_by()
    )
    return _shape(list(rows), municipality_id, organization_id, by_organization)


def young_supported_of_under_35(
    start, end, municipality_id=None, organization_id=None, by_organization=False
):
    """004_… 1.2.4 row 4: young specialists (on `end`) with a support form during [start, end] / all teachers
    under 35 on `end` (docs/mentoring.md §10)."""
    return _young_counts(start, end, municipality_id, organization_id, by_organization, "under_35")


def young_supported_of_young(start, end, municipality_id=None, organization_id=None, by_organization=False):
    """000_… 5.3-2: young specialists (on `end`) with a support form during [start, end] / the young
    specialists on `end`."""
    return _young_counts(start, end, municipality_id, organization_id, by_organization, "young")


# --- organizations (rows 6 and 7) ----------------------------------------------------------------------------------


def _organizations(municipality_id, organization_id):
    qs = Organization.objects.all()
    if organization_id:
        qs = qs.filter(pk=organization_id)
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    return qs


def _grouped(qs, num_q, den_q, municipality_id, organization_id, by_organization):
    unit = "pk" if organization_id or by_organization else "municipality_id"
    rows = (
        qs.filter(num_q | den_q)
        .values(unit)
        .annotate(num=Count("pk", filter=num_q), den=Count("pk", filter=den_q))
        .values_list(unit, "num", "den")
        .order_by()
    )
    return _shape(list(rows), municipality_id, organization_id, by_organization)


def implements_mentoring(start, end, org_ref="pk"):
    """An organization implements the mentoring model during [start, end] (docs/mentoring.md §10): at least one
    pair it appointed is active in the period, and either it has its own approved program overlapping the
    period, or such a pair is under an approved program of its municipality overlapping the period."""
    pairs = Mentorship.objects.active_during(start, end).filter(organization=OuterRef(org_ref))
    programs = MentoringProgram.objects.approved().overlapping(start, end)
    own = Exists(programs.filter(organization=OuterRef(org_ref)))
    municipal = Exists(
        pairs.filter(
            program__in=programs.filter(municipality__isnull=False),
            program__municipality_id=OuterRef("municipality_id"),
        )
    )
    return Q(Exists(pairs)) & (Q(own) | Q(municipal))


def organizations_implementing(start, end, municipality_id=None, organization_id=None, by_organization=False):
    """004_… 1.2.4 row 6: educational organizations (EDUCATIONAL_KINDS) implementing the mentoring model during
    [start, end] / all educational organizations of the unit."""
    _check_period(start, end)
    educational = Q(kind__in=EDUCATIONAL_KINDS)
    return _grouped(
        _organizations(municipality_id, organization_id),
        educational & implements_mentoring(start, end),
        educational,
        municipality_id,
        organization_id,
        by_organization,
    )


def school_school_organizations(
    start, end, municipality_id=None, organization_id=None, by_organization=False
):
    """004_… 1.2.4 row 7: organizations whose management team is in a school–school mentoring pair active during
    [start, end], on either side / the organizations holding an internship, innovation or approbation site status
    at some day of the period. Different sets: the share may exceed 100 % (docs/mentoring.md §10)."""
    _check_period(start, end)
    pairs = Mentorship.objects.active_during(start, end).filter(form=MentorshipForm.SCHOOL_SCHOOL)
    in_pair = Q(Exists(pairs.filter(Q(organization=OuterRef("pk")) | Q(mentor_organization=OuterRef("pk")))))
    site = Q(
        Exists(
            OrganizationStatus.objects.filter(
                organization=OuterRef("pk"), kind__in=SITE_KINDS, start__lte=end
            ).filter(Q(end__isnull=True) | Q(end__gte=start))
        )
    )
    return _grouped(
        _organizations(municipality_id, organization_id),
        in_pair,
        site,
        municipality_id,
        organization_id,
        by_organization,
    )

"""Who counts where — the one rule (docs/domain.md §4, "Who counts where"): on a date a person belongs to the unit
of their **main job active on that date** (the first job by start when none is main; ties by the job's id) and is
counted once, there. A person without a job on the date belongs nowhere on it. The organization's municipality,
the municipality's district and the region follow from the organization.

`PERSON_UNIT_SQL` is the rule as SQL (a SELECT to put in a WITH): one row per person with a job on `%(day)s`:
person_id, organization_id, municipality_id, district_id, region_id, position_id, is_pedagogical, is_manager,
org_kind. The monitoring's measures, the mentoring counts and the registers use it; `person_unit_q` is the same
rule for one person in Python code paths that need an Employment row.
"""

import datetime

from django.db.models import F, OuterRef

from profrost.people.models import Employment

PERSON_UNIT_SQL = """
SELECT DISTINCT ON (e.person_id)
       e.person_id, e.organization_id, o.municipality_id, mu.district_id, o.region_id, e.position_id,
       p.is_pedagogical, p.is_manager, o.kind AS org_kind
  FROM people_employment e
  JOIN structure_organization o ON o.id = e.organization_id
  JOIN people_position p ON p.id = e.position_id
  LEFT JOIN structure_municipality mu ON mu.id = o.municipality_id
 WHERE (e.start IS NULL OR e.start <= %(day)s) AND (e."end" IS NULL OR e."end" >= %(day)s)
 ORDER BY e.person_id, e.is_main DESC, e.start ASC NULLS FIRST, e.id
"""

# The unit columns of PERSON_UNIT_SQL by level (docs/monitoring.md §2).
LEVEL_COLUMNS = {
    "region": "region_id",
    "district": "district_id",
    "municipality": "municipality_id",
    "organization": "organization_id",
}


UNIT_ORDER = ("-is_main", F("start").asc(nulls_first=True), "pk")


def unit_jobs(day, person_ref="pk"):
    """The rule as a correlated queryset of the person's jobs held on `day`, the unit job first (take
    `.values(field)[:1]` in a Subquery) — for the ORM's set-wise queries (the registers)."""
    return Employment.objects.active_on(day).filter(person=OuterRef(person_ref)).order_by(*UNIT_ORDER)


def unit_job(person_id, day=None):
    """The person's job that places them on the day (the rule above), or None."""
    day = day or datetime.date.today()
    return (
        Employment.objects.active_on(day)
        .filter(person_id=person_id)
        .select_related("organization", "position")
        .order_by(*UNIT_ORDER)
        .first()
    )

"""Staff to a spreadsheet, in the columns of the «staff» import: one row per current job, and the export reads
back into the import unchanged."""

from profrost.people.imports import StaffImporter
from profrost.people.models import Education, Employment, QualificationCategory

STAFF_HEADERS = [c.header for c in StaffImporter.columns]


def education_label(person):
    if person.education == Education.HIGHER:
        return "высшее педагогическое" if person.has_higher_pedagogical else "высшее"
    return {Education.SECONDARY_VOCATIONAL: "среднее профессиональное", Education.OTHER: "иное"}.get(
        person.education, ""
    )


def _person_columns(p):
    return [
        p.snils_display,
        p.last_name,
        p.first_name,
        p.middle_name,
        p.birth_date,
        p.get_sex_display() if p.sex else "",
    ]


def _person_tail(p):
    return [
        p.get_category_display() if p.category != QualificationCategory.NONE else "",
        p.category_date,
        education_label(p),
        p.pedagogical_start,
        p.email,
        p.phone,
    ]


def staff_rows(queryset):
    """Rows in STAFF_HEADERS order: one per employment (a person without one: a row without a job)."""
    persons = queryset.order_by("last_name", "first_name", "middle_name", "pk")
    chunk = []
    for person in persons.iterator(2000):
        chunk.append(person)
        if len(chunk) == 2000:
            yield from _staff_chunk(chunk)
            chunk = []
    if chunk:
        yield from _staff_chunk(chunk)


def _staff_chunk(persons):
    employments = {}
    for e in (
        # Current jobs: the export is today's staff, and it reads back into the import unchanged.
        Employment.objects.filter(person__in=persons)
        .current()
        .select_related("organization__municipality", "position")
        .prefetch_related("subjects")
        .order_by("-is_main", "pk")
    ):
        employments.setdefault(e.person_id, []).append(e)
    for p in persons:
        jobs = employments.get(p.pk) or [None]
        for e in jobs:
            if e is None:
                job = ["", "", "", "", "", ""]
            else:
                org = e.organization
                job = [
                    org.inn,
                    org.name,
                    org.municipality.name if org.municipality else "",
                    e.position.name,
                    "; ".join(sorted(s.name for s in e.subjects.all())),
                    "да" if e.is_main else "нет",
                ]
            yield _person_columns(p) + job + _person_tail(p)

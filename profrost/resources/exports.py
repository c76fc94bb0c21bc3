"""A cohort's list to a spreadsheet, in the columns of the «cohort_results» import: the list, filled in, loads
back."""

from profrost.resources.imports.cohorts import CohortResultImporter
from profrost.resources.models import Enrollment

COHORT_RESULT_HEADERS = [c.header for c in CohortResultImporter.columns]


def attestation_label(passed):
    return {True: "пройдена", False: "не пройдена"}.get(passed, "")


def cohort_sheet(cohort):
    """(headers, rows): the cohort's enrollments in COHORT_RESULT_HEADERS order."""
    rows = [
        [
            e.person.snils_display,
            e.person.full_name,
            e.get_status_display(),
            e.hours_attended if e.hours_attended is not None else "",
            attestation_label(e.attestation_passed),
            e.certificate_number,
            e.certificate_date,
        ]
        for e in Enrollment.objects.filter(cohort=cohort)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "person__middle_name", "pk")
    ]
    return list(COHORT_RESULT_HEADERS), rows

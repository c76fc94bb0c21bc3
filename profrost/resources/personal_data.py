"""A person's professional growth as personal data (people.personal_data): the record (courses, events,
internships, communities) stays for the statistics; the history snapshots of applications and enrollments go."""

from profrost.people.personal_data import plain, register
from profrost.resources.growth import growth_record, growth_sheets
from profrost.resources.models import ApplicationEvent, EnrollmentEvent


def _growth_export(person):
    return {
        title: [dict(zip(headers, [plain(v) for v in row], strict=True)) for row in rows]
        for title, headers, rows in growth_sheets(growth_record(person))
    }


def _erase_growth_history(person):
    ApplicationEvent.objects.filter(person_id=person.pk).delete()
    EnrollmentEvent.objects.filter(person_id=person.pk).delete()


register(
    "growth",
    50,
    "профессиональное развитие",
    _growth_export,
    _erase_growth_history,
    [
        "resources.application",
        "resources.applicationevent",
        "resources.enrollment",
        "resources.enrollmentevent",
        "resources.participation",
        "resources.internshipparticipant",
        "resources.membership",
    ],
)

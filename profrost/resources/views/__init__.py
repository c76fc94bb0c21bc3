"""Pages of the resources, one module per concept: the program catalog (programs), cohorts with quotas,
applications and enrollment (cohorts), events and the annual plan (events), internships and internship sites
with their reports (internships), communities (communities), a teacher's growth record and matching resources
(person). resources/urls.py names every page through this package."""

from profrost.resources.views.cohorts import (
    application_decide,
    cohort_apply,
    cohort_create,
    cohort_deficits,
    cohort_detail,
    cohort_export,
    enrollment_move,
    quota_set,
)
from profrost.resources.views.communities import (
    community_detail,
    community_form,
    community_join,
    community_list,
    community_meeting,
)
from profrost.resources.views.events import (
    event_attendance,
    event_detail,
    event_form,
    event_list,
    event_register,
)
from profrost.resources.views.internships import (
    internship_add,
    internship_complete,
    internship_detail,
    internship_form,
    internship_list,
    internship_mentor,
    site_detail,
    site_report_file,
)
from profrost.resources.views.person import growth_export, person_matches
from profrost.resources.views.programs import program_detail, program_form, program_list
from profrost.resources.views.requests import cohort_request, request_decide

__all__ = [
    "application_decide",
    "cohort_apply",
    "cohort_create",
    "cohort_deficits",
    "cohort_detail",
    "cohort_export",
    "cohort_request",
    "community_detail",
    "community_form",
    "community_join",
    "community_list",
    "community_meeting",
    "enrollment_move",
    "event_attendance",
    "event_detail",
    "event_form",
    "event_list",
    "event_register",
    "growth_export",
    "internship_add",
    "internship_complete",
    "internship_detail",
    "internship_form",
    "internship_list",
    "internship_mentor",
    "person_matches",
    "program_detail",
    "program_form",
    "program_list",
    "quota_set",
    "request_decide",
    "site_detail",
    "site_report_file",
]

"""The access matrix (docs/security.md §1–§3), netbox-ViewTestCases style: for EVERY kind of object the world holds
an object A (on the "in" side: teacher 0, school 0, municipality 0) and an object B (on the "out" side:
teacher 15, school 7, municipality 3), and for every URL × persona × object the test asserts

* GET → 200 with the object's data on the page / 403 / 404, as the hand-written rules below say;
* on catalog pages (communities, internships, events, cohorts, campaigns) a person's surname appears only
  to a viewer who may see that person (Person.visible_to's rule, written out by hand);
* every POST the persona may not make (outside the scope, or without the right) is refused and changes
  nothing: a hash of every row of every table of the profrost apps is compared before and after.

A new URL pattern without an entry in OBJECT_URLS / PLAIN_URLS, or a new model of the profrost apps
without an entry in MODEL_KINDS, fails the test. The rules are written by hand from docs/domain.md §1 and
docs/security.md, never computed by the code under test."""

import datetime
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from profrost.accounts.models import LoginSheet
from profrost.core.models import ImportJob, Notification
from profrost.people.models import Employment, Person
from profrost.structure.models import Organization
from tests.factories import PERSONAS

# Pages for everyone, signed in or not, and what an anonymous GET gets (the provider's sign-in is off unless
# configured: 404).
PUBLIC = {
    "accounts:login": ({}, 200),
    "accounts:password_reset": ({}, 200),
    "accounts:password_reset_done": ({}, 200),
    "accounts:invitation": ({"uidb64": "MQ", "token": "not-a-token"}, 200),
    "accounts:oidc_start": ({}, 404),
    "accounts:oidc_callback": ({}, 404),
    # the monitoring's API answers 401 in JSON rather than sending to a sign-in page; who may use it
    # (may_view_monitoring, tokens) is tested in tests/test_monitoring_api.py
    "api:monitoring_sets": ({}, 401),
    "api:monitoring_set_indicators": ({"code": "004"}, 401),
    "api:monitoring_values": ({}, 401),
    "api:monitoring_snapshots": ({}, 401),
    "api:monitoring_snapshot": ({"pk": 1}, 401),
    "api:schema": ({}, 401),
}

R = {"region_admin", "center_staff"}
MC = {"municipal_coordinator_in", "municipal_coordinator_out"}
SC = {"school_coordinator_in", "school_coordinator_out"}
EDITORS = R | MC | SC
ORG_EDITORS = R | MC
MANAGERS = R | MC
CAMPAIGN_VIEWERS = R | MC | SC | {"methodologist"}


def _row(spec):
    """One row of a rule table: which of A and B each persona (in PERSONAS order) sees; '-' is neither."""
    cells = spec.split()
    assert len(cells) == len(PERSONAS), spec
    return {p: set(c.replace("-", "")) for p, c in zip(PERSONAS, cells)}


# Which of the objects A / B each persona sees, kind by kind — by hand, from docs/domain.md §1:
#                 region  center  mc_in  mc_out  sc_in  sc_out  t_in  t_out  meth  mentor  expert
PEOPLE = _row("     AB      AB      A      B       A      B      A      B     -      -       -")
SEES = {
    # the registry: people and their jobs by the unit's scope, oneself
    "person": PEOPLE,
    "employment": PEOPLE,
    "organization": _row("AB AB A B A B - - - - -"),
    # a municipality's node of the structure tree: its coordinator, and a school coordinator for the node
    # that holds their own organization (showing that one only)
    "municipality": _row("AB AB A B A B - - - - -"),
    # region-wide catalogues (who may OPEN a page is the URL's right, below)
    "campaign": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "instrument": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "item": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "competence": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "program": _row("AB AB A A A A A A A A A"),  # B is a draft: the center only
    "cohort": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "event": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "internship": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "community": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    "import_kind": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    # a lookup's search answers everyone signed in (with what they may pick: nothing, for some)
    "lookup": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    # a person's records: the person's scope
    "result": PEOPLE,
    "application": PEOPLE,
    "enrollment": PEOPLE,
    "participation": PEOPLE,
    "intern": PEOPLE,
    "membership": PEOPLE,
    "own": _row("- - - - - - A B - - -"),  # a test one takes oneself
    # an open answer: the center all, an expert those assigned to them (A)
    "review": _row("AB AB - - - - - - - - A"),
    # internship sites and their reports: the center, the site's municipality and school
    "site": _row("AB AB A B A B - - - - -"),
    "site_report": _row("AB AB A B A B - - - - -"),
    # routes: the person's scope plus the tutor (the methodologist tutors A)
    "route": _row("AB AB A B A B A B A - -"),
    "route_item": _row("AB AB A B A B A B A - -"),
    "evidence": _row("AB AB A B A B A B A - -"),
    # their owner only: A belongs to teacher_in / mc_in / center_staff, B to region_admin
    "notification": _row("B - - - - - A - - - -"),
    "import_job": _row("B - A - - - - - - - -"),
    "task": _row("B A - - - - - - - - -"),
    "download": _row("B A - - - - - - - - -"),
    # the proposal of assignments and its applying (docs/support.md §13): their owner only, like a task
    "proposal": _row("B A - - - - - - - - -"),
    "proposal_applied": _row("B A - - - - - - - - -"),
    # an order of the asset (region-wide; its appendix is the center's page)
    "order": _row("AB AB AB AB AB AB AB AB AB AB AB"),
    # a sheet of new sign-ins: its creator only (A: school_coordinator_in's, B: region_admin's)
    "login_sheet": _row("B - - - A - - - - - -"),
    # accounts and roles: managers within their scope (others have no right; a teacher's own is "seen")
    "account": PEOPLE,
    "role": PEOPLE,
    # the methodological asset's register (docs/support.md §5): the center all; a coordinator the rows of their
    # own people and the members serving their municipality (A: teacher 1 serving municipality 0, B: teacher
    # 14 serving municipality 3); nobody else (the methodologist persona is no member)
    "asset_member": _row("AB AB A B A B - - - - -"),
    # an assignment follows its teacher (A: teacher 0, B: teacher 15 — each sees their own)
    "assignment": _row("AB AB A B A B A B - - -"),
    # lesson visits and consultations (docs/support.md §8): the center, the municipal coordinator of the
    # teacher's municipality, the teacher (A: teacher 0, B: teacher 15; both recorded by center_staff)
    "visit": _row("AB AB A B - - A B - - -"),
    "consultation": _row("AB AB A B - - A B - - -"),
    # mentoring (docs/mentoring.md §6): a program and a pair of school 0 (A) and of school 7 (B): the units'
    # coordinators and the center; a pair also its members (A: teacher 0 mentored by teacher 1; B: teacher 15 by
    # teacher 14 — each teacher persona is their pair's mentee)
    "mentoring_program": _row("AB AB A B A B - - - - -"),
    "mentorship": _row("AB AB A B A B A B - - -"),
    "plan_task": _row("AB AB A B A B A B - - -"),
    # the proposal of mentors and its applying: their owner only, like a task (A: center_staff's, B: region_admin's)
    "mentoring_proposal": _row("B A - - - - - - - - -"),
    "mentoring_applied": _row("B A - - - - - - - - -"),
    # the monitoring (docs/monitoring.md §6): its numbers are open to everyone who may view the monitoring — the
    # region's staff and the coordinators — for every unit (A: set 004 / its indicator 1 / municipality 0 / the
    # 2024 report; B: set 000 / indicator 9 / municipality 3 / the 2025 report); a recommendation to a municipality
    # to the center and that municipality's coordinator (A: municipality 0, B: municipality 3)
    "indicator_set": _row("AB AB AB AB AB AB - - - - -"),
    "indicator": _row("AB AB AB AB AB AB - - - - -"),
    "monitoring_unit": _row("AB AB AB AB AB AB - - - - -"),
    "snapshot": _row("AB AB AB AB AB AB - - - - -"),
    "recommendation": _row("AB AB A B - - - - - - -"),
}

# Every model of the profrost apps and the kind whose A/B objects cover it (history models: the kind whose
# page shows them). "reference" is region-wide reference data without object pages; "journal" is the
# region admin's journal page.
MODEL_KINDS = {
    "core.JournalEntry": "journal",
    "core.TaskProgress": "task",
    "core.ImportJob": "import_job",
    "accounts.User": "account",
    "accounts.UserEvent": "account",
    "accounts.Role": "role",
    "accounts.RoleEvent": "role",
    "structure.Region": "reference",
    "structure.District": "reference",
    "structure.Municipality": "municipality",
    "structure.Organization": "organization",
    "structure.OrganizationEvent": "organization",
    "structure.OrganizationStatus": "site",
    "structure.OrganizationStatusEvent": "site",
    "people.Position": "reference",
    "people.Subject": "reference",
    "people.Person": "person",
    "people.PersonEvent": "person",
    "people.Employment": "employment",
    "people.EmploymentEvent": "employment",
    "diagnostics.CompetenceGroup": "reference",
    "diagnostics.Competence": "competence",
    "diagnostics.CompetenceEvent": "competence",
    "diagnostics.Instrument": "instrument",
    "diagnostics.Item": "item",
    "diagnostics.Campaign": "campaign",
    "diagnostics.Result": "result",
    "diagnostics.ResultEvent": "result",
    "diagnostics.ItemScore": "review",
    "diagnostics.CompetenceResult": "result",
    "resources.Program": "program",
    "resources.ProgramEvent": "program",
    "resources.Cohort": "cohort",
    "resources.CohortEvent": "cohort",
    "resources.Quota": "cohort",
    "resources.Application": "application",
    "resources.ApplicationEvent": "application",
    "resources.Enrollment": "enrollment",
    "resources.EnrollmentEvent": "enrollment",
    "resources.Event": "event",
    "resources.EventEvent": "event",
    "resources.Participation": "participation",
    "resources.Internship": "internship",
    "resources.InternshipParticipant": "intern",
    "resources.SiteReport": "site_report",
    "resources.Community": "community",
    "resources.Membership": "membership",
    "resources.Meeting": "community",
    "routes.Route": "route",
    "routes.RouteEvent": "route",
    "routes.RouteItem": "route_item",
    "routes.RouteItemEvent": "route_item",
    "routes.Evidence": "evidence",
    "core.Notification": "notification",
    "accounts.LoginSheet": "login_sheet",
    "support.AssetMember": "asset_member",
    "support.AssetMemberEvent": "asset_member",
    "support.Assignment": "assignment",
    "support.AssignmentEvent": "assignment",
    "support.Order": "reference",
    "support.OrderEvent": "reference",
    "support.LessonVisit": "visit",
    "support.LessonVisitEvent": "visit",
    "support.VisitObservation": "visit",
    "support.VisitRecommendation": "visit",
    "support.Consultation": "consultation",
    "support.ConsultationEvent": "consultation",
    "support.ConsultationTeacher": "consultation",
    "mentoring.MentoringProgram": "mentoring_program",
    "mentoring.MentoringProgramEvent": "mentoring_program",
    "mentoring.Mentorship": "mentorship",
    "mentoring.MentorshipEvent": "mentorship",
    "mentoring.MentorshipMember": "mentorship",
    "mentoring.MentorshipRouteItem": "mentorship",
    "mentoring.PlanTask": "plan_task",
    "mentoring.PlanTaskEvent": "plan_task",
    "monitoring.IndicatorSet": "indicator_set",
    "monitoring.Indicator": "indicator",
    "monitoring.IndicatorEvent": "indicator",
    "monitoring.Target": "indicator",
    "monitoring.ManualValue": "indicator",
    "monitoring.Snapshot": "snapshot",
    "monitoring.SnapshotValue": "snapshot",
    "monitoring.Recommendation": "recommendation",
    "monitoring.RecommendationEvent": "recommendation",
}

EDIT_OWN_ROUTE = {
    "A": R | {"school_coordinator_in", "teacher_in"},
    "B": R | {"school_coordinator_out", "teacher_out"},
}
PK = lambda o: {"pk": o.pk}  # noqa: E731


class U:
    """One object URL: the kind of its object, its kwargs, who may use it on an object they see (None:
    everyone who sees it; a set of personas; or {"A": set, "B": set} per object), the method, whether a
    GET shows a form whose POST must be refused too, the answer on success, extra answers of a refusal
    (a draft-only page redirects), and who may POST when that differs from who may GET."""

    def __init__(self, kind, kwargs=PK, allowed=None, method="get", form=False, ok=200, denied=(), post=None):
        self.kind, self.kwargs, self.allowed, self.method = kind, kwargs, allowed, method
        self.form, self.ok, self.denied, self.post = form, ok, set(denied), post

    def may(self, persona, which, post=False):
        allowed = self.post if post and self.post is not None else self.allowed
        if isinstance(allowed, dict):
            allowed = allowed[which]
        return allowed is None or persona in allowed

    def has_right(self, persona, post=False):
        return any(self.may(persona, w, post) for w in "AB")


ITEM = lambda o: {"pk": o.route_id, "item_pk": o.pk}  # noqa: E731
OBJECT_URLS = {
    "people:detail": U("person"),
    "people:edit": U("person", allowed=EDITORS, form=True),
    "people:employment_add": U("person", allowed=EDITORS, form=True),
    "people:personal_data": U("person", allowed={"region_admin"}),
    "people:erase": U("person", allowed={"region_admin"}, method="post"),
    "people:employment_edit": U("employment", allowed=EDITORS, form=True),
    "people:employment_end": U("employment", allowed=EDITORS, method="post"),
    "structure:organization": U("organization"),
    "structure:organization_edit": U("organization", allowed=ORG_EDITORS, form=True),
    "structure:status_add": U("organization", allowed=R, form=True),
    "structure:municipality_organizations": U("municipality"),
    "core:import_upload": U("import_kind", lambda o: {"kind": o}, {"A": EDITORS, "B": R | MC}, form=True),
    "core:import_template": U("import_kind", lambda o: {"kind": o}, {"A": EDITORS, "B": R | MC}),
    "core:import_job": U("import_job"),
    "core:import_commit": U("import_job", method="post"),
    "core:import_cancel": U("import_job", method="post"),
    "core:import_skipped": U("import_job"),
    "lookup": U("lookup", lambda o: {"name": o}),
    "diagnostics:campaign": U("campaign", allowed=CAMPAIGN_VIEWERS),
    "diagnostics:campaign_export": U("campaign", allowed=CAMPAIGN_VIEWERS),
    "diagnostics:campaign_edit": U("campaign", allowed=R, form=True),
    "diagnostics:campaign_report": U("campaign", allowed=CAMPAIGN_VIEWERS),
    "diagnostics:campaign_report_pdf": U("campaign", allowed=CAMPAIGN_VIEWERS, method="post", ok=302),
    "diagnostics:campaign_chart": U(
        "campaign", lambda o: {"pk": o.pk, "name": "levels"}, allowed=CAMPAIGN_VIEWERS
    ),
    "diagnostics:campaign_invite": U("campaign", allowed=R, method="post"),
    "diagnostics:result": U("result"),
    "diagnostics:instrument": U("instrument", allowed=CAMPAIGN_VIEWERS, form=True, post=R),
    "diagnostics:item_edit": U("item", allowed=R, form=True),
    "diagnostics:expert_score": U("review", allowed=R | {"expert"}, form=True),
    "diagnostics:take": U("own"),
    "diagnostics:save_answer": U("own", method="post"),
    "diagnostics:submit": U("own", method="post"),
    "diagnostics:competence_edit": U("competence", allowed=R, form=True),
    "diagnostics:competence_active": U("competence", allowed=R, method="post"),
    "routes:detail": U("route"),
    "routes:edit": U("route", allowed=EDIT_OWN_ROUTE, form=True, denied={302}),
    "routes:tutor": U(
        "route",
        allowed={"A": R | {"school_coordinator_in"}, "B": R | {"school_coordinator_out"}},
        method="post",
    ),
    "routes:item_create": U("route", allowed=EDIT_OWN_ROUTE, form=True, denied={302}),
    "routes:item_edit": U("route_item", ITEM, EDIT_OWN_ROUTE, form=True, denied={302}),
    "routes:item_delete": U("route_item", ITEM, EDIT_OWN_ROUTE, method="post"),
    "routes:item_report": U("route_item", ITEM, {"A": {"teacher_in"}, "B": {"teacher_out"}}, method="post"),
    "routes:item_review": U("route_item", ITEM, {"A": R | {"methodologist"}, "B": R}, method="post"),
    "routes:action": U("route", lambda o: {"pk": o.pk, "action": "submit"}, EDIT_OWN_ROUTE, method="post"),
    "routes:document": U("route", lambda o: {"pk": o.pk, "fmt": "docx"}),
    "routes:evidence": U("evidence"),
    "notification": U("notification", ok=302),
    "routes:task": U("task"),
    "download": U("download"),
    "download_file": U("download"),
    "routes:generate_result": U(
        "result",
        lambda o: {"result_pk": o.pk},
        {
            "A": R | {"municipal_coordinator_in", "school_coordinator_in", "teacher_in"},
            "B": R | {"municipal_coordinator_out", "school_coordinator_out", "teacher_out"},
        },
        method="post",
    ),
    "routes:generate_campaign": U("campaign", lambda o: {"campaign_pk": o.pk}, R, form=True),
    # a route made by hand: the teacher, their school, the center; the person has one already → to it
    "routes:create_for": U("person", lambda o: {"person_pk": o.pk}, EDIT_OWN_ROUTE, ok=302),
    "resources:person_matches": U("person", lambda o: {"person_pk": o.pk}),
    "resources:growth_export": U("person", lambda o: {"person_pk": o.pk, "fmt": "xlsx"}),
    "resources:program": U("program"),
    "resources:program_edit": U("program", allowed=R, form=True),
    "resources:cohort_create": U("program", lambda o: {"program_pk": o.pk}, R, form=True),
    "resources:cohort": U("cohort"),
    # the payloads of these POSTs name a person outside the persona's scope: nobody but the center may
    "resources:cohort_apply": U("cohort", allowed=R, method="post"),
    # the deficits of the one teacher chosen in the apply form: JSON, empty unless it is the user's own staff
    "resources:cohort_deficits": U("cohort"),
    "resources:quota_set": U("cohort", allowed=R, method="post"),
    # «хочу на этот курс»: a teacher asks for themselves (A: applied already, refused; B: a new request)
    "resources:cohort_request": U("cohort", allowed={"teacher_in", "teacher_out"}, method="post"),
    # a teacher's request turned into an application or declined: the school's (and its municipality's)
    "resources:request_decide": U(
        "application",
        lambda o: {"pk": o.pk, "decision": "decline"},
        {
            "A": R | {"municipal_coordinator_in", "school_coordinator_in"},
            "B": R | {"municipal_coordinator_out", "school_coordinator_out"},
        },
        method="post",
    ),
    "resources:cohort_export": U("cohort", allowed=R),
    "resources:application_decide": U(
        "application",
        lambda o: {"pk": o.pk, "decision": "confirm"},
        {"A": R | {"municipal_coordinator_in"}, "B": R | {"municipal_coordinator_out"}},
        method="post",
    ),
    "resources:enrollment_move": U("enrollment", allowed=R, method="post"),
    "resources:event": U("event"),
    "resources:event_edit": U("event", allowed={"A": R, "B": R | {"municipal_coordinator_out"}}, form=True),
    "resources:event_register": U("event", allowed=R, method="post"),
    "resources:event_attendance": U(
        "event", allowed={"A": R, "B": R | {"municipal_coordinator_out"}}, method="post"
    ),
    "resources:internship": U("internship"),
    "resources:internship_edit": U("internship", allowed=R, form=True),
    "resources:internship_mentor": U("internship", allowed=R, method="post"),
    "resources:internship_add": U("internship", allowed=R, method="post"),
    "resources:internship_complete": U(
        "intern", lambda o: {"pk": o.internship_id, "participant_pk": o.pk}, R, method="post"
    ),
    "resources:site": U(
        "site",
        allowed={
            "A": R | {"municipal_coordinator_in", "school_coordinator_in"},
            "B": R | {"municipal_coordinator_out", "school_coordinator_out"},
        },
        form=True,
        post={"A": R | {"school_coordinator_in"}, "B": R | {"school_coordinator_out"}},
    ),
    "resources:site_report_file": U(
        "site_report",
        allowed={
            "A": R | {"municipal_coordinator_in", "school_coordinator_in"},
            "B": R | {"municipal_coordinator_out", "school_coordinator_out"},
        },
    ),
    "resources:community": U("community"),
    # hole 3: a municipal coordinator edits their own municipality's community only
    "resources:community_edit": U(
        "community",
        allowed={"A": R | {"municipal_coordinator_in"}, "B": R | {"municipal_coordinator_out"}},
        form=True,
    ),
    # hole 2: the payload adds, by SNILS, a person outside the persona's scope
    "resources:community_join": U("community", allowed=R, method="post"),
    "resources:community_meeting": U(
        "community",
        allowed={"A": R | {"municipal_coordinator_in"}, "B": R | {"municipal_coordinator_out"}},
        method="post",
    ),
    "accounts:user_detail": U("account", allowed=MANAGERS),
    "accounts:role_add": U("account", allowed=MANAGERS, method="post"),
    "accounts:user_set_active": U("account", allowed=MANAGERS, method="post"),
    "accounts:role_remove": U("role", allowed=MANAGERS, method="post"),
    "accounts:login_sheet": U("login_sheet"),
    "accounts:login_sheet_xlsx": U("login_sheet"),
    "accounts:login_sheet_delete": U("login_sheet", method="post", ok=302),
    "support:member": U("asset_member", allowed=R | MC | SC | {"methodologist"}),
    "support:exclude": U("asset_member", allowed=R, form=True),
    "support:assign": U("asset_member", allowed=R, form=True),
    "support:unassign": U("assignment", allowed=R, method="post", ok=302),
    "support:proposal": U("proposal", allowed=R),
    "support:proposal_apply": U("proposal", allowed=R, method="post", ok=302),
    "support:proposal_applied": U("proposal_applied", allowed=R),
    "support:order_appendix": U("order", lambda o: {"pk": o.pk, "fmt": "docx"}, allowed=R),
    "support:visit": U("visit"),
    "support:visit_acknowledge": U(
        "visit", allowed={"A": {"teacher_in"}, "B": {"teacher_out"}}, method="post", ok=302
    ),
    # «В маршрут»: the visitor (center_staff recorded both), the teacher, the center
    "support:recommendation_to_route": U(
        "visit",
        lambda o: {"pk": o.recommendations.first().pk},
        {"A": R | {"teacher_in"}, "B": R | {"teacher_out"}},
        method="post",
        ok=302,
    ),
    "support:consultation": U("consultation"),
    # a member's annual report (docs/support.md §16): the center any member's, a member their own (no persona
    # here is either member)
    "support:member_report": U("asset_member", allowed=R),
    # mentoring (docs/mentoring.md §6): programs and pairs for those who manage mentoring in their units; the
    # plan's marks and the summary for the pair's members (the teacher personas are the mentees)
    "mentoring:program": U("mentoring_program"),
    "mentoring:program_edit": U("mentoring_program", allowed=EDITORS, form=True),
    "mentoring:program_approve": U("mentoring_program", allowed=EDITORS, method="post", ok=302),
    "mentoring:program_close": U("mentoring_program", allowed=EDITORS, method="post", ok=302),
    "mentoring:program_act": U("mentoring_program"),
    "mentoring:mentorship": U("mentorship"),
    "mentoring:task_add": U("mentorship", allowed=EDITORS, method="post", ok=302),
    "mentoring:task_edit": U(
        "plan_task", lambda o: {"pk": o.mentorship_id, "task_pk": o.pk}, allowed=EDITORS, form=True
    ),
    "mentoring:task_delete": U(
        "plan_task",
        lambda o: {"pk": o.mentorship_id, "task_pk": o.pk},
        allowed=EDITORS,
        method="post",
        ok=302,
    ),
    "mentoring:task_mark": U(
        "plan_task",
        lambda o: {"pk": o.mentorship_id, "task_pk": o.pk},
        allowed={"A": {"teacher_in"}, "B": {"teacher_out"}},
        method="post",
        ok=302,
    ),
    "mentoring:summary": U(
        "mentorship", allowed={"A": {"teacher_in"}, "B": {"teacher_out"}}, method="post", ok=302
    ),
    "mentoring:mentorship_close": U("mentorship", allowed=EDITORS, method="post", ok=302),
    "mentoring:proposal": U("mentoring_proposal", allowed=EDITORS),
    "mentoring:proposal_apply": U("mentoring_proposal", allowed=EDITORS, method="post", ok=302),
    "mentoring:proposal_applied": U("mentoring_applied", allowed=EDITORS),
    # the monitoring (docs/monitoring.md §6): reading for those who see it, changing for the region's staff
    "monitoring:indicator": U("indicator", allowed=EDITORS),
    "monitoring:manual_value": U("indicator", allowed=R, method="post", ok=302),
    "monitoring:unit": U("monitoring_unit", lambda o: {"level": "municipality", "pk": o.pk}, allowed=EDITORS),
    "monitoring:snapshot": U("snapshot", allowed=EDITORS),
    "monitoring:recommendation": U("recommendation", allowed=EDITORS),
    "monitoring:set": U("indicator_set", allowed=EDITORS),
    "monitoring:set_choose": U("indicator_set", allowed=R, method="post", ok=302),
    "monitoring:set_target": U("indicator_set", allowed=R, method="post", ok=302),
    "monitoring:indicator_add": U("indicator_set", allowed=R, method="post", ok=302),
}

# A POST-only page without object parameters: a GET is refused (405) for everyone.
POST_ONLY = "post only"

# Pages without object parameters and the roles that may open them (others: 403). None = everyone.
PLAIN_URLS = {
    "home": None,
    "journal": {"region_admin"},
    "accounts:logout": None,
    "accounts:password_change": None,
    "people:list": None,
    "people:export": None,
    "people:create": EDITORS,
    "people:me": None,
    "structure:tree": None,
    "structure:export": None,
    "structure:organization_create": ORG_EDITORS,
    "core:import_list": EDITORS,
    "accounts:user_list": MANAGERS,
    "diagnostics:competences": None,
    "diagnostics:my_tests": None,
    "diagnostics:campaign_create": R,
    "diagnostics:instruments": CAMPAIGN_VIEWERS,
    "diagnostics:expert_queue": R | {"expert"},
    "diagnostics:campaigns": CAMPAIGN_VIEWERS,
    "diagnostics:competence_create": R,
    "accounts:user_export": MANAGERS,
    "accounts:user_create": MANAGERS,
    "resources:programs": None,
    "resources:program_create": R,
    "resources:events": None,
    "resources:event_create": MANAGERS,
    "resources:internships": None,
    "resources:internship_create": R,
    "resources:communities": None,
    "resources:community_create": MANAGERS,
    "routes:list": None,
    "routes:registers": MANAGERS | SC,
    "routes:registers_chart": MANAGERS | SC,
    "routes:uncovered": R,
    "notifications": None,
    "routes:bulk_tutor": R | SC,
    "accounts:two_factor": None,  # a page only for those who need it; the others are sent home
    "accounts:logins_create": POST_ONLY,
    "routes:zip": POST_ONLY,
    "routes:add_resource": POST_ONLY,
    "routes:create": None,  # the user's people without an active route, or back to the list when none
    "support:register": R | MC | SC | {"methodologist"},
    "support:nominate": R | MC | SC,
    "support:approve": R,
    "support:proposals": R,
    "support:my_teachers": {"methodologist"},  # the role's holders (this one is in no asset: an empty page)
    "support:visit_record": R | MC | {"methodologist"},
    "support:consultation_record": R | MC | {"methodologist"},
    "support:my_support": None,
    "support:my_report": {"methodologist"},  # the role's holders (this one is in no asset: an empty page)
    "support:my_activities": R | MC | {"methodologist"},
    "mentoring:programs": EDITORS,
    "mentoring:program_create": EDITORS,
    "mentoring:mentorships": EDITORS,
    "mentoring:mentorship_create": EDITORS,
    "mentoring:proposals": EDITORS,
    "mentoring:workspace": {"mentor"},  # the role's holders (this one mentors nobody: an empty page)
    "mentoring:my_mentor": None,
    "mentoring:mentors": EDITORS,
    "mentoring:young": EDITORS,
    "monitoring:dashboard": EDITORS,
    "monitoring:behind": EDITORS,  # without a number: back to the dashboard
    "monitoring:rating": EDITORS,
    "monitoring:rating_publish": POST_ONLY,
    "monitoring:snapshots": EDITORS,
    "monitoring:snapshot_publish": POST_ONLY,
    "monitoring:recommendations": EDITORS,
    "monitoring:recommendations_draft": POST_ONLY,
    "monitoring:refresh": POST_ONLY,
    "monitoring:report": EDITORS,
    "monitoring:sets": EDITORS,
    "monitoring:set_create": POST_ONLY,
}

# List pages: each object's marker is on the page exactly when the persona sees the object.
LIST_PAGES = {
    "people:list": "person",
    "routes:list": "route",
    "accounts:user_list": "account",
    "notifications": "notification",
    "core:import_list": "import_job",
    "resources:programs": "program",
    "structure:tree": "municipality",
    "support:register": "asset_member",
    "mentoring:programs": "mentoring_program",
}
# Pages whose data is not the object's own name: the municipality's node lists its organizations (a school
# coordinator's own one).
URL_MARKERS = {
    "structure:municipality_organizations": lambda world, which: (
        world["schools"][0 if which == "A" else 7].name
    ),
}

# Which teachers' names each persona may see (Person.visible_to's rule, by hand): teacher t works in school
# t // 2, school s lies in municipality s // 2.
ALL = set(range(16))
TEACHERS_SEEN = {
    "region_admin": ALL,
    "center_staff": ALL,
    "municipal_coordinator_in": {0, 1, 2, 3},
    "municipal_coordinator_out": {12, 13, 14, 15},
    "school_coordinator_in": {0, 1},
    "school_coordinator_out": {14, 15},
    "teacher_in": {0},
    "teacher_out": {15},
    "methodologist": set(),
    "mentor": set(),
    "expert": set(),
}
# The people listed on catalog pages (members, participants, mentors, applicants, results): hole 4 —
# a name never shows to a viewer who may not see that person; on the pages of FULL_LISTS every person the
# viewer may see is listed.
NAMES_ON_PAGE = {
    "resources:community": {"A": [0, 15], "B": [0, 15]},
    "resources:internship": {"A": [0, 15, 1], "B": [0, 15, 14]},
    "resources:event": {"A": [0, 15], "B": [14, 15]},
    "resources:cohort": {"A": [0, 15], "B": [0, 15]},
    "diagnostics:campaign": {"A": [0, 15], "B": [0, 15]},
}
FULL_LISTS = {"resources:community", "resources:internship", "resources:event"}


def iter_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", bool(entry.pattern.converters)


# --- the world: an object A and an object B of every kind ---------------------------------------------------


def build_matrix(world):
    from profrost.accounts.models import Role
    from profrost.core.models import TaskProgress
    from profrost.diagnostics import models as d
    from profrost.resources import models as r
    from profrost.routes import models as rt
    from profrost.structure.models import OrganizationStatus

    users, t, schools, muns = world["users"], world["teachers"], world["schools"], world["municipalities"]
    today = datetime.date.today()
    later = today + datetime.timedelta(days=30)
    a_t, b_t = t[0], t[15]
    o = {}

    def pair(kind, a, b):
        o[kind] = {"A": a, "B": b}

    pair("person", a_t, b_t)
    pair("employment", Employment.objects.get(person=a_t), Employment.objects.get(person=b_t))
    pair("organization", schools[0], schools[7])
    pair("municipality", muns[0], muns[3])
    pair("import_kind", "staff", "organizations")
    pair("lookup", "people", "tutors")

    group = d.CompetenceGroup.objects.create(code="М", name="Матрица", order=99)
    pair(
        "competence",
        d.Competence.objects.create(group=group, code="М.1", name="Компетенция А-матрица"),
        d.Competence.objects.create(group=group, code="М.2", name="Компетенция Б-матрица"),
    )
    ins = [d.Instrument.objects.create(name=f"Инструмент {x}-матрица") for x in "АБ"]
    pair("instrument", *ins)
    items = [
        d.Item.objects.create(instrument=i, number="1", type="open", max_score=1, text=f"Задание {x}-матрица")
        for i, x in zip(ins, "АБ")
    ]
    pair("item", *items)
    camps = [
        d.Campaign.objects.create(instrument=i, name=f"Диагностика {x}-матрица", kind="regional")
        for i, x in zip(ins, "АБ")
    ]
    pair("campaign", *camps)
    results = [
        d.Result.objects.create(campaign=camps[0], person=p, status="submitted", submitted_at=None)
        for p in (a_t, b_t)
    ]
    pair("result", *results)
    pair(
        "review",
        d.ItemScore.objects.create(
            result=results[0], item=items[0], answer="Ответ А-матрица", assigned_to=users["expert"]
        ),
        d.ItemScore.objects.create(result=results[1], item=items[0], answer="Ответ Б-матрица"),
    )
    pair("own", *[d.Result.objects.create(campaign=camps[1], person=p) for p in (a_t, b_t)])

    center = world["center"]
    programs = [
        r.Program.objects.create(title="Программа А-матрица", hours=36, form="distance", provider=center),
        r.Program.objects.create(
            title="Программа Б-матрица", hours=36, form="distance", provider=center, status="draft"
        ),
    ]
    pair("program", *programs)
    cohorts = [
        r.Cohort.objects.create(program=programs[0], start=later, end=later, capacity=5, place=f"Место {x}")
        for x in "АБ"
    ]
    pair("cohort", *cohorts)
    for mun in (muns[0], muns[3]):
        r.Quota.objects.create(cohort=cohorts[0], municipality=mun, places=2)
    pair(
        "application",
        *[
            r.Application.objects.create(
                cohort=cohorts[0], person=p, organization=s, municipality=s.municipality
            )
            for p, s in ((a_t, schools[0]), (b_t, schools[7]))
        ],
    )
    pair("enrollment", *[r.Enrollment.objects.create(cohort=cohorts[1], person=p) for p in (a_t, b_t)])
    events = [
        r.Event.objects.create(
            title="Мероприятие А-матрица",
            kind="seminar",
            level="regional",
            organizer=center,
            start=later,
            end=later,
        ),
        r.Event.objects.create(
            title="Мероприятие Б-матрица",
            kind="seminar",
            level="municipal",
            organizer=schools[7],
            start=later,
            end=later,
        ),
    ]
    pair("event", *events)
    pair(
        "participation",
        r.Participation.objects.create(event=events[0], person=a_t),
        r.Participation.objects.create(event=events[0], person=b_t),
    )
    r.Participation.objects.create(event=events[1], person=b_t)
    r.Participation.objects.create(event=events[1], person=t[14])

    for s in (schools[0], schools[7]):
        OrganizationStatus.objects.create(
            organization=s, kind="internship_site", start=today - datetime.timedelta(days=30)
        )
    pair("site", schools[0], schools[7])
    internships = [
        r.Internship.objects.create(
            title=f"Стажировка {x}-матрица", site=s, start=later, end=later, capacity=5
        )
        for x, s in (("А", schools[0]), ("Б", schools[7]))
    ]
    internships[0].mentors.add(t[1])
    internships[1].mentors.add(t[14])
    pair("internship", *internships)
    interns = [
        [r.InternshipParticipant.objects.create(internship=i, person=p) for p in (a_t, b_t)]
        for i in internships
    ]
    pair("intern", *interns[0])
    pair(
        "site_report",
        *[
            r.SiteReport.objects.create(
                site=s,
                month=today.replace(day=1),
                text=f"Отчёт площадки {x}",
                file=ContentFile(b"%PDF-1.4 report", name=f"report-{x}.pdf"),
                file_name=f"report-{x}.pdf",
            )
            for x, s in (("А", schools[0]), ("Б", schools[7]))
        ],
    )
    communities = [
        r.Community.objects.create(
            name=f"Сообщество {x}-матрица", kind="club", level="municipal", municipality=m
        )
        for x, m in (("А", muns[0]), ("Б", muns[3]))
    ]
    pair("community", *communities)
    pair(
        "membership",
        *[r.Membership.objects.create(community=communities[0], person=p) for p in (a_t, b_t)],
    )
    for p in (a_t, b_t):
        r.Membership.objects.create(community=communities[1], person=p)

    end = today + datetime.timedelta(days=300)
    routes = [
        rt.Route.objects.create(person=a_t, start=today, end=end, tutor=users["methodologist"]),
        rt.Route.objects.create(person=b_t, start=today, end=end),
    ]
    pair("route", *routes)
    route_items = [
        rt.RouteItem.objects.create(route=route, section="1.3", content=f"Пункт {x}-матрица")
        for route, x in zip(routes, "АБ")
    ]
    pair("route_item", *route_items)
    pair(
        "evidence",
        *[
            rt.Evidence.objects.create(
                item=i, file=ContentFile(b"%PDF-1.4 x", name=f"ev-{x}.pdf"), name=f"ev-{x}.pdf"
            )
            for i, x in zip(route_items, "АБ")
        ],
    )
    pair(
        "notification",
        Notification.objects.create(user=users["teacher_in"], text="Уведомление А-матрица", url="/routes/"),
        Notification.objects.create(user=users["region_admin"], text="Уведомление Б-матрица", url="/routes/"),
    )
    pair(
        "import_job",
        *[
            ImportJob.objects.create(
                user=users[u], kind="staff", original_name=f"файл-{x}-матрица.csv", state="validated"
            )
            for u, x in (("municipal_coordinator_in", "А"), ("region_admin", "Б"))
        ],
    )
    pair(
        "task",
        *[
            TaskProgress.objects.create(
                kind="routes", user=users[u], state="done", message=f"Задача {x}-матрица"
            )
            for u, x in (("center_staff", "А"), ("region_admin", "Б"))
        ],
    )
    proposal_tasks = {"proposal": [], "proposal_applied": []}
    for u, x in (("center_staff", "А"), ("region_admin", "Б")):
        for kind, name, content in (
            ("proposal", "support_propose", b'{"proposals": [], "unmatched": [], "kept": 0}'),
            ("proposal_applied", "support_apply", b'{"refused": []}'),
        ):
            progress = TaskProgress(
                kind=name, user=users[u], state="done", message=f"Предложение {x}-матрица"
            )
            progress.file.save(f"matrix-{name}-{x}.json", ContentFile(content), save=False)
            progress.save()
            proposal_tasks[kind].append(progress)
    pair("proposal", *proposal_tasks["proposal"])
    pair("proposal_applied", *proposal_tasks["proposal_applied"])
    from profrost.support.models import Order as AssetOrder

    pair(
        "order",
        AssetOrder.objects.create(number="М-А", date=today),
        AssetOrder.objects.create(number="М-Б", date=today),
    )
    pair(
        "login_sheet",
        *[
            LoginSheet.objects.create(
                created_by=users[u],
                rows=[
                    {
                        "name": f"Лист {x}-матрица",
                        "organization": "",
                        "username": "u",
                        "password": "p",
                        "link": "",
                        "note": "",
                    }
                ],
            )
            for u, x in (("school_coordinator_in", "А"), ("region_admin", "Б"))
        ],
    )
    downloads = []
    for u, x in (("center_staff", "А"), ("region_admin", "Б")):
        progress = TaskProgress(
            kind="download", user=users[u], state="done", message=f"Файл {x}-матрица", filename="a.zip"
        )
        progress.file.save(f"matrix-{x}.zip", ContentFile(b"PK"), save=False)
        progress.save()
        downloads.append(progress)
    pair("download", *downloads)
    from profrost.support.models import AssetMember, Assignment, Order

    order = Order.objects.create(number="1-матрица", date=today)
    members = []
    for person, mun in ((t[1], muns[0]), (t[14], muns[3])):
        member = AssetMember.objects.create(
            person=person, directions=["routes"], status="approved", order=order, start=today
        )
        member.zone.add(mun)
        members.append(member)
    pair("asset_member", *members)
    pair(
        "assignment",
        *[
            Assignment.objects.create(member=m, person=p, direction="routes", municipality=mun, since=today)
            for m, p, mun in ((members[0], a_t, muns[0]), (members[1], b_t, muns[3]))
        ],
    )
    from profrost.support.models import (
        Consultation,
        ConsultationTeacher,
        LessonVisit,
        VisitObservation,
        VisitRecommendation,
    )

    visits, consultations = [], []
    for teacher, school, x in ((a_t, schools[0], "А"), (b_t, schools[7], "Б")):
        visit = LessonVisit.objects.create(
            visitor=users["center_staff"],
            visitor_kind="center",
            person=teacher,
            organization=school,
            municipality=school.municipality,
            date=today,
        )
        VisitObservation.objects.create(visit=visit, competence=d.Competence.objects.first(), level="partial")
        VisitRecommendation.objects.create(visit=visit, text=f"Рекомендация {x}-матрица")
        visits.append(visit)
        consultation = Consultation.objects.create(
            visitor=users["center_staff"],
            visitor_kind="center",
            topic=f"Консультация {x}-матрица",
            date=today,
        )
        ConsultationTeacher.objects.create(
            consultation=consultation, person=teacher, organization=school, municipality=school.municipality
        )
        consultations.append(consultation)
    pair("visit", *visits)
    pair("consultation", *consultations)
    from profrost.mentoring.models import (
        MemberRole,
        MentoringProgram,
        Mentorship,
        MentorshipMember,
        PlanTask,
    )

    programs, pairs_, tasks_ = [], [], []
    for school, mentor, mentee, x in ((schools[0], t[1], a_t, "А"), (schools[7], t[14], b_t, "Б")):
        program = MentoringProgram.objects.create(
            organization=school,
            title=f"Программа наставничества {x}-матрица",
            start=today - datetime.timedelta(days=30),
            end=today + datetime.timedelta(days=300),
            forms=["teacher_teacher"],
            act_file=ContentFile(b"%PDF-1.4 act", name=f"act-{x}.pdf"),
        )
        programs.append(program)
        m = Mentorship.objects.create(
            form="teacher_teacher", organization=school, start=today, directions=f"Направления {x}-матрица"
        )
        MentorshipMember.objects.create(mentorship=m, person=mentor, role=MemberRole.MENTOR)
        MentorshipMember.objects.create(mentorship=m, person=mentee, role=MemberRole.MENTEE)
        pairs_.append(m)
        tasks_.append(PlanTask.objects.create(mentorship=m, title=f"Задача {x}-матрица", due=today))
    pair("mentoring_program", *programs)
    pair("mentorship", *pairs_)
    pair("plan_task", *tasks_)
    mentoring_tasks = {"mentoring_proposal": [], "mentoring_applied": []}
    for u, x in (("center_staff", "А"), ("region_admin", "Б")):
        for kind, name, content in (
            (
                "mentoring_proposal",
                "mentoring_propose",
                b'{"day": "%s", "proposals": [], "unmatched": [], "kept": {}, "young": 0}'
                % today.isoformat().encode(),
            ),
            ("mentoring_applied", "mentoring_apply", b'{"source": 0, "created": [], "refused": []}'),
        ):
            progress = TaskProgress(kind=name, user=users[u], state="done", message=f"Подбор {x}-матрица")
            progress.file.save(f"matrix-{name}-{x}.json", ContentFile(content), save=False)
            progress.save()
            mentoring_tasks[kind].append(progress)
    pair("mentoring_proposal", *mentoring_tasks["mentoring_proposal"])
    pair("mentoring_applied", *mentoring_tasks["mentoring_applied"])
    from profrost.monitoring.models import Indicator, IndicatorSet, Recommendation, Snapshot, SnapshotValue

    sets = [IndicatorSet.objects.get(code="004"), IndicatorSet.objects.get(code="000")]
    pair("indicator_set", *sets)
    first = Indicator.objects.get(indicator_set=sets[0], code="1")
    pair("indicator", first, Indicator.objects.get(indicator_set=sets[0], code="9"))
    pair("monitoring_unit", muns[0], muns[3])
    snapshots = []
    for year in (2024, 2025):
        snap = Snapshot.objects.create(
            kind="report",
            indicator_set=sets[0],
            level="municipality",
            period=str(year),
            start=datetime.date(year, 1, 1),
            end=datetime.date(year, 12, 31),
            title=f"Отчёт мониторинга {year}-матрица",
            published_by=users["region_admin"],
        )
        SnapshotValue.objects.create(
            snapshot=snap,
            indicator=first,
            indicator_code="1",
            indicator_name=first.name,
            unit_id=muns[0].pk,
            unit_name=muns[0].name,
            numerator=1,
            denominator=4,
            value=25,
            target=40,
            met=False,
        )
        snapshots.append(snap)
    pair("snapshot", *snapshots)
    pair(
        "recommendation",
        *[
            Recommendation.objects.create(
                snapshot=snapshots[0],
                indicator=first,
                municipality=mun,
                text=f"Рекомендация мониторинга {x}-матрица",
                status="sent",
                answer_due=today + datetime.timedelta(days=30),
            )
            for mun, x in ((muns[0], "А"), (muns[3], "Б"))
        ],
    )
    pair("account", users["teacher_in"], users["teacher_out"])
    pair("role", Role.objects.get(user=users["teacher_in"]), Role.objects.get(user=users["teacher_out"]))
    return o


# What a page of an object must show when it opens (HTML pages; files are checked by their type).
def marker(kind, obj):
    names = {
        "person": lambda: obj.last_name,
        "employment": lambda: obj.organization.name,
        "organization": lambda: obj.name,
        "municipality": lambda: obj.name,
        "campaign": lambda: obj.name,
        "instrument": lambda: obj.name,
        "item": lambda: obj.text,
        "competence": lambda: obj.name,
        "result": lambda: obj.person.last_name,
        "own": lambda: obj.campaign.name,
        "review": lambda: obj.answer,
        "program": lambda: obj.title,
        "cohort": lambda: obj.place,
        "event": lambda: obj.title,
        "internship": lambda: obj.title,
        "site": lambda: obj.name,
        "community": lambda: obj.name,
        "route": lambda: obj.person.last_name,
        "route_item": lambda: obj.content,
        "notification": lambda: obj.text,
        "login_sheet": lambda: obj.rows[0]["name"],
        "import_job": lambda: obj.original_name,
        "task": lambda: obj.message,
        "download": lambda: obj.message,
        "proposal": lambda: obj.message,
        "proposal_applied": lambda: obj.message,
        "account": lambda: obj.username,
        "asset_member": lambda: obj.person.last_name,
        "visit": lambda: obj.person.last_name,
        "consultation": lambda: obj.topic,
        "mentoring_program": lambda: obj.title,
        "mentorship": lambda: obj.directions,
        "plan_task": lambda: obj.title,
        "mentoring_proposal": lambda: obj.message,
        "mentoring_applied": lambda: obj.message,
        "indicator_set": lambda: obj.name,
        "indicator": lambda: obj.name[:60],
        "monitoring_unit": lambda: obj.name,
        "snapshot": lambda: obj.title,
        "recommendation": lambda: obj.text,
        "import_kind": lambda: "",
    }
    return names[kind]() if kind in names else ""


# --- helpers ------------------------------------------------------------------------------------------------


def _tables():
    ours = {c.label for c in apps.get_app_configs() if c.name.startswith("profrost")}
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in ours:
            continue
        if model._meta.label == "core.JournalEntry":
            continue  # append-only: a refusal is journaled, that is expected
        tables.append(model._meta.db_table)
    return sorted(set(tables))


def snapshot(tables):
    """A hash of every row of each of the tables, in one query."""
    parts = [
        f"SELECT '{t}', (SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{t}\" x)"
        for t in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


def writes(tables):
    """Rows inserted, updated or deleted so far in this transaction, per table (PostgreSQL's own counters: no
    table is touched, so that hundreds of checks take no locks)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname = ANY(%s)",
            [list(tables)],
        )
        return dict(cursor.fetchall())


def changed_rows(tables, baseline, post):
    """Run post() in a savepoint that is rolled back; the tables whose rows it changed (a table it wrote is
    hashed again and compared with the baseline: a write rolled back inside the view changes nothing)."""
    with transaction.atomic():
        before = writes(tables)
        response = post()
        after = writes(tables)
        written = sorted(t for t in after if after[t] != before.get(t, 0))
        now = snapshot(written) if written else {}
        transaction.set_rollback(True)
    return response, sorted(t for t in written if now[t] != baseline[t])


def _request(client, method, url, data=None):
    """One request inside a savepoint that is rolled back: every request meets the same world."""
    with transaction.atomic():
        response = getattr(client, method)(url, data or {})
        if hasattr(response, "streaming_content"):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        transaction.set_rollback(True)
    return response, body


class _FormParser(HTMLParser):
    """The POST forms of a page with their current values (what a browser would send unchanged)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "data": {}}
            self.forms.append(self._form)
        if self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name, data = a["name"], self._form["data"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    data.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select":
            self._select = {"name": name, "first": None, "chosen": [], "multiple": "multiple" in a}
        elif tag == "textarea":
            self._textarea = name
            data.setdefault(name, []).append("")

    def _option(self, a):
        value = a.get("value") or ""
        if self._select["first"] is None:
            self._select["first"] = value
        if "selected" in a:
            self._select["chosen"].append(value)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            s = self._select
            values = s["chosen"] or ([] if s["multiple"] or s["first"] is None else [s["first"]])
            if self._form is not None and values:
                self._form["data"][s["name"]] = values
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["data"][self._textarea][-1] += data


def page_form(body, path):
    parser = _FormParser()
    parser.feed(body.decode())
    own = [f for f in parser.forms if f["action"] in ("", path) and "csrfmiddlewaretoken" in f["data"]]
    if not own:
        return None
    data = max(own, key=lambda f: len(f["data"]))["data"]
    data.pop("csrfmiddlewaretoken", None)
    for key in ("name", "title", "last_name", "content", "goal", "text", "topic", "comment"):
        if key in data and data[key]:
            data[key] = [data[key][0] + " захват"]
    return data


def _side(persona):
    return "B" if persona.endswith("_out") else "A"


def post_payload(name, world, o, persona, which):
    """The data of a POST-only URL: valid, and naming someone outside the persona's scope where there is one."""
    t = world["teachers"]
    # someone outside the persona's scope who is in no community, event, internship or cohort yet
    outside = t[2] if _side(persona) == "B" else t[13]
    outside_mun = world["municipalities"][0] if _side(persona) == "B" else world["municipalities"][3]
    return {
        "diagnostics:campaign_invite": {"snils": outside.snils},  # a tool of the center only
        "diagnostics:save_answer": {"item": o["item"]["B"].pk, "answer": "захват"},
        "diagnostics:competence_active": {"active": "0"},
        "core:import_commit": {"skip_invalid": "1"},
        "routes:tutor": {"tutor": world["users"]["methodologist"].pk},
        "routes:item_report": {"report": "захват"},
        "routes:item_review": {"decision": "accept"},
        "resources:cohort_apply": {"people": Employment.objects.get(person=outside).pk},
        "resources:quota_set": {"municipality": outside_mun.pk, "places": 1},
        "resources:enrollment_move": {"status": "studying"},
        "resources:event_register": {"person": outside.pk, "role": "participant"},
        "resources:event_attendance": {"person": t[15].pk, "attended": "yes"},
        "resources:internship_mentor": {"person": (t[0] if which == "A" else t[15]).pk},
        "resources:internship_add": {"person": outside.pk},
        "resources:internship_complete": {"completed": "yes"},
        "resources:community_join": {"person": outside.pk, "status": "member"},
        "resources:community_meeting": {"date": "01.09.2025", "topic": "захват"},
        "resources:request_decide": {"reason": "захват"},
        "accounts:role_add": {"role": "expert"},
        "accounts:user_set_active": {"active": "0"},
    }.get(name, {})


def form_tweaks(name, world, persona, data):
    """A persona-specific change to a form: a community moved into the persona's own municipality (hole 3)."""
    if name == "resources:community_edit" and persona in MC:
        mun = world["municipalities"][0 if _side(persona) == "A" else 3]
        data = {**data, "municipality": [str(mun.pk)], "level": ["municipal"]}
    return data


@pytest.fixture
def matrix(world, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.raise_request_exception = False  # a server error is one more wrong answer in the matrix
    return build_matrix(world)


def _url(name, o):
    u = OBJECT_URLS[name]
    return {w: reverse(name, kwargs=u.kwargs(o[u.kind][w])) for w in "AB"}


def _expected_get(u, persona, which):
    if which in SEES[u.kind][persona]:
        return {u.ok} if u.may(persona, which) else {403, 404} | u.denied
    # outside the scope: 404 for whoever has the right at all; without it a 403 may come first
    return {404} if u.has_right(persona) else {403, 404} | u.denied


# --- tests --------------------------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix():
    missing = [
        name
        for name, _ in iter_url_names()
        if name not in PUBLIC and name not in OBJECT_URLS and name not in PLAIN_URLS
    ]
    assert not missing, f"add these URL patterns to the access matrix: {missing}"
    stale = [name for name in [*OBJECT_URLS, *PLAIN_URLS] if name not in dict(iter_url_names())]
    assert not stale, f"these matrix entries name no URL pattern: {stale}"


def test_every_model_has_a_kind():
    models = [m._meta.label for m in apps.get_models() if m.__module__.startswith("profrost")]
    missing = [label for label in models if label not in MODEL_KINDS]
    assert not missing, f"add these models to MODEL_KINDS (and build their A/B objects): {missing}"
    unknown = {k for k in MODEL_KINDS.values() if k not in SEES and k not in ("reference", "journal")}
    assert not unknown, unknown
    for kind in {u.kind for u in OBJECT_URLS.values()}:
        assert kind in SEES, kind


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(matrix, client):
    for name, _ in iter_url_names():
        if name in PUBLIC:
            kwargs, status = PUBLIC[name]
            assert client.get(reverse(name, kwargs=kwargs)).status_code == status, name
            continue
        if name in OBJECT_URLS:
            urls, method = _url(name, matrix).values(), OBJECT_URLS[name].method
        else:
            urls, method = [reverse(name)], "get"
        for url in urls:
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.django_db
def test_every_persona_every_object_get(world, matrix, client):
    """GET of every object URL × persona × object A/B: 200 with the object's data, 403 or 404 as the rules say;
    names of people on catalog pages only for those who may see them."""
    every_kind = set(SEES)
    assert every_kind <= set(matrix), every_kind - set(matrix)
    wrong, checked = [], 0
    get_urls = {n: u for n, u in OBJECT_URLS.items() if u.method == "get"}
    urls = {n: _url(n, matrix) for n in get_urls}
    for persona in PERSONAS:
        client.force_login(world["users"][persona])
        for name, u in get_urls.items():
            for which in "AB":
                response, body = _request(client, "get", urls[name][which])
                checked += 1
                status = response.status_code
                expected = _expected_get(u, persona, which)
                if status not in expected:
                    wrong.append((persona, name, which, status, sorted(expected)))
                    continue
                if status != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue  # a refusal, a redirect or a file
                page = body.decode()
                if name in URL_MARKERS:
                    mark = URL_MARKERS[name](world, which)
                else:
                    mark = marker(u.kind, matrix[u.kind][which])
                if mark and mark not in page:
                    wrong.append((persona, name, which, f"200 without its data {mark!r}"))
                for i in NAMES_ON_PAGE.get(name, {}).get(which, []):
                    surname = world["teachers"][i].last_name
                    seen = i in TEACHERS_SEEN[persona]
                    if surname in page and not seen:
                        wrong.append((persona, name, which, f"shows {surname}, outside the scope (hole 4)"))
                    if name in FULL_LISTS and seen and surname not in page:
                        wrong.append((persona, name, which, f"does not list {surname}"))
    assert checked == len(PERSONAS) * len(get_urls) * 2
    assert not wrong, "\n".join(map(str, wrong))


@pytest.mark.django_db
def test_every_post_outside_the_rules_changes_nothing(world, matrix, client):
    """Every POST a persona may not make — to an object outside their scope or without the right — is refused
    (403/404 outside the scope; a visible object may also answer with a form error or a redirect with a
    message) and no row of any table of the profrost apps changes."""
    tables = _tables()
    assert len(tables) > 50, tables
    # The detector itself: a write is seen, a write undone is not.
    baseline = snapshot(tables)
    person = world["teachers"][15]
    assert changed_rows(tables, baseline, lambda: Person.objects.filter(pk=person.pk).update(first_name="Х"))[
        1
    ] == ["people_person", "people_personevent"]
    assert (
        changed_rows(tables, baseline, lambda: Person.objects.filter(pk=person.pk).update(first_name="Анна"))[
            1
        ]
        == []
    )
    urls = {n: _url(n, matrix) for n in OBJECT_URLS}
    # The forms' data as the center would send them: valid, so that a missing check would write.
    forms = {}
    client.force_login(world["users"]["region_admin"])
    for name, u in OBJECT_URLS.items():
        if u.form:
            for which in "AB":
                response, body = _request(client, "get", urls[name][which])
                assert response.status_code == 200, (name, which, response.status_code)
                forms[name, which] = page_form(body, urls[name][which])
                assert forms[name, which] is not None, (name, which, "no form on the page")
    wrong, checked = [], 0
    for persona in PERSONAS:
        client.force_login(world["users"][persona])
        baseline = snapshot(tables)
        for name, u in OBJECT_URLS.items():
            if u.method != "post" and not u.form:
                continue
            for which in "AB":
                if u.may(persona, which, post=True) and which in SEES[u.kind][persona]:
                    continue  # allowed: it may well write
                if u.form:
                    data = form_tweaks(name, world, persona, forms[name, which])
                else:
                    data = post_payload(name, world, matrix, persona, which)
                url = urls[name][which]
                response, changed = changed_rows(tables, baseline, lambda u=url, d=data: client.post(u, d))
                checked += 1
                status = response.status_code
                if which in SEES[u.kind][persona]:
                    expected = {200, 302, 403, 404}
                else:
                    expected = {404} if u.has_right(persona, post=True) else {403, 404}
                if status not in expected or changed:
                    wrong.append((persona, name, which, status, sorted(expected), changed))
    assert checked > 600, checked
    assert not wrong, "\n".join(map(str, wrong))


@pytest.mark.django_db
def test_plain_pages_by_role(world, matrix, client):
    """Pages without parameters: 200 (or a redirect) for the roles that may open them, 403 for others; list
    pages hold exactly the objects the persona sees."""
    wrong = []
    for persona in PERSONAS:
        client.force_login(world["users"][persona])
        for name, allowed in PLAIN_URLS.items():
            if name == "accounts:logout":
                continue
            response, body = _request(client, "get", reverse(name))
            if allowed == POST_ONLY:
                ok = {405}
            else:
                ok = {200, 302} if allowed is None or persona in allowed else {403}
            if response.status_code not in ok:
                wrong.append((persona, name, response.status_code))
                continue
            kind = LIST_PAGES.get(name)
            if kind and response.status_code == 200:
                page = body.decode()
                for which in "AB":
                    mark = marker(kind, matrix[kind][which])
                    if (mark in page) != (which in SEES[kind][persona]):
                        wrong.append((persona, name, which, mark, "shown" if mark in page else "missing"))
    assert not wrong, "\n".join(map(str, wrong))


@pytest.mark.django_db
def test_posts_outside_the_scope_change_nothing(world, client):
    outside_job = Employment.objects.filter(person=world["teachers"][15]).first()
    client.force_login(world["users"]["school_coordinator_in"])
    assert client.post(reverse("people:employment_end", kwargs={"pk": outside_job.pk})).status_code == 404
    outside_job.refresh_from_db()
    assert outside_job.end is None
    # Moving one's own teacher into another municipality's school is refused, nothing written.
    inside_job = Employment.objects.filter(person=world["teachers"][0]).first()
    response = client.post(
        reverse("people:employment_edit", kwargs={"pk": inside_job.pk}),
        {"organization": world["schools"][7].pk, "position": inside_job.position_id, "is_main": "on"},
    )
    assert response.status_code == 200
    inside_job.refresh_from_db()
    assert inside_job.organization_id == world["schools"][0].pk
    # An organization edit naming another municipality is rejected.
    client.force_login(world["users"]["municipal_coordinator_in"])
    school = world["schools"][0]
    response = client.post(
        reverse("structure:organization_edit", kwargs={"pk": school.pk}),
        {
            "municipality": world["municipalities"][3].pk,
            "name": "Захват",
            "kind": "school",
            "level": "institutional",
            "version": 1,
        },
    )
    assert response.status_code == 200
    assert Organization.objects.get(pk=school.pk).municipality_id == world["municipalities"][0].pk
    assert Person.objects.count() == 16

"""Hostile query strings (issue 9, point 8): every page a GET can open, as several roles, with each GET parameter
its view reads given each hostile value alone — a NUL byte, 5,000 characters, negative, huge, non-numeric, an
unknown choice… — answers with the page (and a message) or a 4xx, never a server error.

Which parameters a view reads is observed, not written down: a probe request records every key the view asks
`request.GET` for (the filter forms read through it too). A key read by a view but missing from PARAMS fails
the test, and so does a key the source reads by hand or a filter form declares."""

import pathlib
import re
import sys
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.signals import got_request_exception
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.datastructures import MultiValueDict

from tests.factories import make_user

# Every GET parameter a page reads. A new one must be added here (and read through a core.filters form).
PARAMS = {
    "action",
    "add",
    "active",
    "by",
    "campaign",
    "category",
    "changed",
    "cohort",
    "competence",
    "direction",
    "district",
    "end",
    "federal",
    "form",
    "format",
    "hours_max",
    "indicator",
    "hours_min",
    "job",
    "kind",
    "lang",
    "level",
    "manager",
    "municipality",
    "name",
    "next",
    "on",
    "organization",
    "overdue",
    "page",
    "page_size",
    "period",
    "plan",
    "position",
    "program",
    "provider",
    "q",
    "result",
    "role",
    "set",
    "side",
    "sort",
    "start",
    "status",
    "subject",
    "person",
    "user",
    "version",
    "view",
    "within",
    "year",
    "young",
    "uncovered",
    "unit",
    "unsupported",
}
# Left out to keep the walk within CI's time, each a case of one walked: "0" (like "-1": below an id's minimum),
# "no-such-choice" and "abc" (like "a\x00b": not a number, not a choice), "%" and "'" (SQL text, which the ORM
# passes as a parameter — like "a\x00b", which also reaches the SQL as text), "1e309" and "²" (not an int for
# int(), like "a\x00b").
# Every kind of hostile value — text with NUL, too long, beyond int() and bigint, negative — for every parameter as
# the region administrator, who opens every page; the school coordinator's walk (the scope-dependent code paths)
# with NUL, beyond int() and negative; the others get the probes (all parameters at once).
PERSONAS = ["region_admin", "school_coordinator_in", "teacher_in", "methodologist"]
FULL_WALK = {
    "region_admin": ["a\x00b", "x" * 5000, "9" * 5000, "-1", "99999999999999999999"],
    "school_coordinator_in": ["a\x00b", "9" * 5000, "-1"],
}
# The monitoring's pages draw charts (matplotlib) on every request: walked with the two values that broke pages
# most often (NUL, too long), as the region administrator only — their own hostile
# test (tests/test_monitoring_pages.py::test_hostile_parameters) walks each page's parameters with more values.
CHARTED = ("monitoring:",)
CHARTED_VALUES = ["a\x00b", "x" * 5000]
SOURCE = pathlib.Path(__file__).resolve().parent.parent / "profrost"


def _patterns(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern.converters


def _objects(world):
    """One object of each kind, inside the scope of the "…_in" personas (teacher 0, school 0)."""
    import datetime

    from profrost.accounts.models import LoginSheet
    from profrost.core.models import ImportJob, Notification, TaskProgress
    from profrost.diagnostics.models import (
        Campaign,
        Competence,
        CompetenceGroup,
        Instrument,
        Item,
        ItemScore,
        Result,
    )
    from profrost.people.models import Employment
    from profrost.resources import models as r
    from profrost.routes import models as rt
    from profrost.structure.models import OrganizationStatus

    day = datetime.date.today() + datetime.timedelta(days=30)
    teacher, school, municipality = world["teachers"][0], world["schools"][0], world["municipalities"][0]
    instrument = Instrument.objects.create(name="Враждебный")
    campaign = Campaign.objects.create(instrument=instrument, name="Враждебная", kind="regional")
    result = Result.objects.create(campaign=campaign, person=teacher, status="submitted")
    item = Item.objects.create(instrument=instrument, number="1", type="open", max_score=1)
    review = ItemScore.objects.create(result=result, item=item, answer="ответ")
    program = r.Program.objects.create(
        title="Враждебная", hours=36, form="distance", provider=world["center"]
    )
    cohort = r.Cohort.objects.create(program=program, start=day, end=day, capacity=5)
    application = r.Application.objects.create(
        cohort=cohort, person=teacher, organization=school, municipality=municipality, status="enrolled"
    )
    event = r.Event.objects.create(
        title="Враждебное", kind="seminar", level="regional", organizer=world["center"], start=day, end=day
    )
    OrganizationStatus.objects.create(organization=school, kind="internship_site", start=day)
    internship = r.Internship.objects.create(title="Враждебная", site=school, start=day, end=day, capacity=3)
    report = r.SiteReport.objects.create(site=school, month=day.replace(day=1), text="x")
    report.file.save("report.pdf", ContentFile(b"%PDF-1.4"))
    community = r.Community.objects.create(name="Враждебное", kind="club", level="regional")
    route = rt.Route.objects.create(person=teacher, start=day, end=day, tutor=world["users"]["region_admin"])
    route_item = rt.RouteItem.objects.create(route=route, section="1.3", content="x")
    evidence = rt.Evidence(item=route_item, name="x.pdf")
    evidence.file.save("x.pdf", ContentFile(b"%PDF-1.4"))
    users = world["users"]
    from profrost.support.models import AssetMember, Assignment, Order

    asset_member = AssetMember.objects.create(
        person=world["teachers"][2],
        directions=["routes"],
        status="approved",
        order=Order.objects.create(number="1", date=datetime.date.today()),
        start=datetime.date.today(),
    )
    asset_member.zone.add(municipality)
    Assignment.objects.create(
        member=asset_member,
        person=teacher,
        direction="routes",
        municipality=municipality,
        since=datetime.date.today(),
    )
    from profrost.support.models import Consultation, LessonVisit, VisitRecommendation

    visit = LessonVisit.objects.create(
        visitor=users["region_admin"],
        visitor_kind="center",
        person=teacher,
        organization=school,
        municipality=municipality,
        date=datetime.date.today(),
    )
    VisitRecommendation.objects.create(visit=visit, text="x")
    consultation = Consultation.objects.create(
        visitor=users["region_admin"], visitor_kind="center", topic="x", date=datetime.date.today()
    )
    consultation.teachers.add(teacher)
    # The proposal of assignments and its applying (support/tasks.py): tasks of the region's admin.

    proposal = TaskProgress.objects.create(kind="support_propose", user=users["region_admin"], state="done")
    proposal.file.save(
        "p.json",
        ContentFile(
            b'{"proposals": [[%d, %d, "routes", %d, "x"]], "unmatched": [[%d, "x"]], "kept": 0}'
            % (world["teachers"][1].pk, asset_member.pk, municipality.pk, teacher.pk)
        ),
    )
    applied = TaskProgress.objects.create(kind="support_apply", user=users["region_admin"], state="done")
    applied.file.save("a.json", ContentFile(b'{"refused": [[%d, %d, "x"]]}' % (teacher.pk, asset_member.pk)))
    # Mentoring (docs/mentoring.md): an approved program of school 0 with its act, a pair (teacher 1 mentors
    # teacher 0) with a plan task, and the region admin's proposal of mentors and its applying.
    import json

    from profrost.mentoring import proposals as mentoring_proposals
    from profrost.mentoring.models import (
        MemberRole,
        MentoringProgram,
        Mentorship,
        MentorshipForm,
        MentorshipMember,
        PlanTask,
    )

    today = datetime.date.today()
    # written directly (the actions journal their author, and the journal's usernames must stay as the Russian
    # walk renames them): the rules of mentoring are tested in tests/test_mentoring*.py
    program = MentoringProgram.objects.create(
        organization=school,
        title="Враждебная программа",
        start=today - datetime.timedelta(days=30),
        end=today + datetime.timedelta(days=300),
        forms=[MentorshipForm.TEACHER_TEACHER],
        act_number="1",
        act_date=today,
        status="approved",
        act_file=ContentFile(b"%PDF-1.4 act", name="act.pdf"),
    )
    mentorship = Mentorship.objects.create(
        form=MentorshipForm.TEACHER_TEACHER, program=program, organization=school, start=today
    )
    MentorshipMember.objects.create(
        mentorship=mentorship, person=world["teachers"][1], role=MemberRole.MENTOR
    )
    MentorshipMember.objects.create(mentorship=mentorship, person=teacher, role=MemberRole.MENTEE)
    plan_task = PlanTask.objects.create(mentorship=mentorship, title="Враждебная задача", due=today)
    outcome = mentoring_proposals.propose(users["region_admin"], day=today)
    mentoring_proposal = TaskProgress.objects.create(
        kind="mentoring_propose", user=users["region_admin"], state="done"
    )
    mentoring_proposal.file.save(
        "mp.json",
        ContentFile(
            json.dumps(
                {
                    "day": today.isoformat(),
                    "municipality": None,
                    "organization": None,
                    "proposals": [p.as_row() for p in outcome.proposals],
                    "unmatched": [u.as_row() for u in outcome.unmatched],
                    "kept": outcome.kept,
                    "young": outcome.young,
                }
            ).encode()
        ),
    )
    mentoring_applied = TaskProgress.objects.create(
        kind="mentoring_apply", user=users["region_admin"], state="done"
    )
    mentoring_applied.file.save(
        "ma.json",
        ContentFile(
            json.dumps({"source": mentoring_proposal.pk, "created": [], "refused": [[0, "x"]]}).encode()
        ),
    )
    # Monitoring (docs/monitoring.md): a published report of 2025 with a sent recommendation to municipality 0
    from profrost.monitoring.models import Indicator, IndicatorSet, Recommendation, Snapshot

    indicator = Indicator.objects.get(indicator_set__code="004", code="1")
    snapshot = Snapshot.objects.create(
        kind="report",
        indicator_set=IndicatorSet.objects.get(code="004"),
        level="municipality",
        period="2025",
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 12, 31),
        title="Враждебный отчёт",
        published_by=users["region_admin"],
    )
    recommendation = Recommendation.objects.create(
        snapshot=snapshot, indicator=indicator, municipality=municipality, text="x", status="sent"
    )
    return {
        "indicator": indicator,
        "snapshot": snapshot,
        "recommendation": recommendation,
        "mentoring_program": program,
        "mentorship": mentorship,
        "plan_task": plan_task,
        "mentoring_proposal": mentoring_proposal,
        "mentoring_applied": mentoring_applied,
        "proposal": proposal,
        "applied": applied,
        "visit": visit,
        "consultation": consultation,
        "asset_member": asset_member,
        "person": teacher,
        "teacher_free": world["teachers"][1],
        "employment": Employment.objects.filter(person=teacher).first(),
        "school": school,
        "municipality": municipality,
        # A transactional test before this one may have flushed the migrations' reference data.
        "competence": Competence.objects.first()
        or Competence.objects.create(
            group=CompetenceGroup.objects.get_or_create(code="ТГ", defaults={"name": "Группа"})[0],
            code="ТК1",
            name="Компетенция",
        ),
        "instrument": instrument,
        "campaign": campaign,
        "result": result,
        "item": item,
        "review": review,
        "program": program,
        "cohort": cohort,
        "application": application,
        "enrollment": r.Enrollment.objects.create(cohort=cohort, person=teacher, application=application),
        "event": event,
        "internship": internship,
        "site_report": report,
        "community": community,
        "route": route,
        "route_item": route_item,
        "evidence": evidence,
        "notification": {p: Notification.objects.create(user=users[p], text="x") for p in PERSONAS},
        "task": {p: TaskProgress.objects.create(kind="routes", user=users[p]) for p in PERSONAS},
        "download": {p: TaskProgress.objects.create(kind="download", user=users[p]) for p in PERSONAS},
        "job": {
            p: ImportJob.objects.create(user=users[p], kind="staff", original_name="x.csv") for p in PERSONAS
        },
        "account": users["teacher_in"],
        "role": users["teacher_in"].roles.first(),
        "login_sheet": {p: LoginSheet.objects.create(created_by=users[p]) for p in PERSONAS},
    }


# URL name → the path arguments (a list: some patterns are opened with several) for a persona.
PATH_ARGS = {
    "accounts:user_detail": lambda o, p: [{"pk": o["account"].pk}],
    "accounts:login_sheet": lambda o, p: [{"pk": o["login_sheet"][p].pk}],
    "accounts:login_sheet_xlsx": lambda o, p: [{"pk": o["login_sheet"][p].pk}],
    "accounts:invitation": lambda o, p: [
        {"uidb64": "MQ", "token": "set-password"},
        {"uidb64": "x\x00", "token": "y"},
    ],
    "structure:municipality_organizations": lambda o, p: [{"pk": o["municipality"].pk}, {"pk": 0}],
    "structure:organization": lambda o, p: [{"pk": o["school"].pk}],
    "structure:organization_edit": lambda o, p: [{"pk": o["school"].pk}],
    "structure:status_add": lambda o, p: [{"pk": o["school"].pk}],
    "people:detail": lambda o, p: [{"pk": o["person"].pk}],
    "people:edit": lambda o, p: [{"pk": o["person"].pk}],
    "people:personal_data": lambda o, p: [{"pk": o["person"].pk}],
    "people:employment_add": lambda o, p: [{"pk": o["person"].pk}],
    "people:employment_edit": lambda o, p: [{"pk": o["employment"].pk}],
    "core:import_upload": lambda o, p: [
        {"kind": k} for k in ("staff", "results", "cohort_results", "instrument", "asset", "assignments")
    ],
    "core:import_template": lambda o, p: [{"kind": "staff"}],
    "core:import_job": lambda o, p: [{"pk": o["job"][p].pk}],
    "core:import_skipped": lambda o, p: [{"pk": o["job"][p].pk}],
    "diagnostics:competence_edit": lambda o, p: [{"pk": o["competence"].pk}],
    "diagnostics:instrument": lambda o, p: [{"pk": o["instrument"].pk}],
    "diagnostics:item_edit": lambda o, p: [{"pk": o["item"].pk}],
    "diagnostics:campaign_edit": lambda o, p: [{"pk": o["campaign"].pk}],
    "diagnostics:campaign": lambda o, p: [{"pk": o["campaign"].pk}],
    "diagnostics:campaign_export": lambda o, p: [{"pk": o["campaign"].pk}],
    "diagnostics:campaign_report": lambda o, p: [{"pk": o["campaign"].pk}],
    "diagnostics:campaign_chart": lambda o, p: [
        {"pk": o["campaign"].pk, "name": name} for name in ("levels", "means", "deficits", "trend", "x")
    ],
    "diagnostics:result": lambda o, p: [{"pk": o["result"].pk}],
    "diagnostics:expert_score": lambda o, p: [{"pk": o["review"].pk}],
    "diagnostics:take": lambda o, p: [{"pk": o["result"].pk}],
    "notification": lambda o, p: [{"pk": o["notification"][p].pk}],
    "routes:task": lambda o, p: [{"pk": o["task"][p].pk}],
    "download": lambda o, p: [{"pk": o["download"][p].pk}],
    "download_file": lambda o, p: [{"pk": o["download"][p].pk}],
    "routes:generate_campaign": lambda o, p: [{"campaign_pk": o["campaign"].pk}],
    "routes:evidence": lambda o, p: [{"pk": o["evidence"].pk}],
    "routes:detail": lambda o, p: [{"pk": o["route"].pk}],
    "routes:edit": lambda o, p: [{"pk": o["route"].pk}],
    "routes:item_create": lambda o, p: [{"pk": o["route"].pk}],
    "routes:item_edit": lambda o, p: [{"pk": o["route"].pk, "item_pk": o["route_item"].pk}],
    "routes:document": lambda o, p: [{"pk": o["route"].pk, "fmt": "docx"}],
    # The teacher with a route (answers with a redirect to it) and one without (the form).
    "routes:create_for": lambda o, p: [{"person_pk": o["person"].pk}, {"person_pk": o["teacher_free"].pk}],
    "resources:program": lambda o, p: [{"pk": o["program"].pk}],
    "resources:program_edit": lambda o, p: [{"pk": o["program"].pk}],
    "resources:cohort_create": lambda o, p: [{"program_pk": o["program"].pk}],
    "resources:cohort": lambda o, p: [{"pk": o["cohort"].pk}],
    "resources:cohort_export": lambda o, p: [{"pk": o["cohort"].pk}],
    "resources:event": lambda o, p: [{"pk": o["event"].pk}],
    "resources:event_edit": lambda o, p: [{"pk": o["event"].pk}],
    "resources:internship": lambda o, p: [{"pk": o["internship"].pk}],
    "resources:internship_edit": lambda o, p: [{"pk": o["internship"].pk}],
    "resources:site": lambda o, p: [{"pk": o["school"].pk}],
    "resources:site_report_file": lambda o, p: [{"pk": o["site_report"].pk}],
    "resources:community": lambda o, p: [{"pk": o["community"].pk}],
    "resources:community_edit": lambda o, p: [{"pk": o["community"].pk}],
    "resources:person_matches": lambda o, p: [{"person_pk": o["person"].pk}],
    "resources:growth_export": lambda o, p: [{"person_pk": o["person"].pk, "fmt": "xlsx"}],
    "support:member": lambda o, p: [{"pk": o["asset_member"].pk}],
    "support:member_report": lambda o, p: [{"pk": o["asset_member"].pk}],
    "support:exclude": lambda o, p: [{"pk": o["asset_member"].pk}],
    "support:assign": lambda o, p: [{"pk": o["asset_member"].pk}],
    "support:visit": lambda o, p: [{"pk": o["visit"].pk}],
    "support:visit_acknowledge": lambda o, p: [{"pk": o["visit"].pk}],
    "support:recommendation_to_route": lambda o, p: [{"pk": o["visit"].recommendations.first().pk}],
    "support:consultation": lambda o, p: [{"pk": o["consultation"].pk}],
    "support:proposal": lambda o, p: [{"pk": o["proposal"].pk}],
    "support:proposal_apply": lambda o, p: [{"pk": o["proposal"].pk}],
    "support:proposal_applied": lambda o, p: [{"pk": o["applied"].pk}],
    "support:order_appendix": lambda o, p: [
        {"pk": o["asset_member"].order_id, "fmt": "docx"},
        {"pk": o["asset_member"].order_id, "fmt": "x"},
    ],
    "resources:cohort_deficits": lambda o, p: [{"pk": o["cohort"].pk}],
    "mentoring:program": lambda o, p: [{"pk": o["mentoring_program"].pk}],
    "mentoring:program_edit": lambda o, p: [{"pk": o["mentoring_program"].pk}],
    "mentoring:program_act": lambda o, p: [{"pk": o["mentoring_program"].pk}],
    "mentoring:mentorship": lambda o, p: [{"pk": o["mentorship"].pk}],
    "mentoring:task_edit": lambda o, p: [{"pk": o["mentorship"].pk, "task_pk": o["plan_task"].pk}],
    "mentoring:proposal": lambda o, p: [{"pk": o["mentoring_proposal"].pk}],
    "mentoring:proposal_applied": lambda o, p: [{"pk": o["mentoring_applied"].pk}],
    "monitoring:indicator": lambda o, p: [{"pk": o["indicator"].pk}],
    "monitoring:unit": lambda o, p: [
        {"level": "municipality", "pk": o["municipality"].pk},
        {"level": "organization", "pk": o["school"].pk},
        {"level": "x", "pk": 1},
    ],
    "monitoring:snapshot": lambda o, p: [{"pk": o["snapshot"].pk}],
    "monitoring:recommendation": lambda o, p: [{"pk": o["recommendation"].pk}],
    "monitoring:set": lambda o, p: [{"pk": o["indicator"].indicator_set_id}],
    "api:monitoring_snapshot": lambda o, p: [{"pk": o["snapshot"].pk}],
    "api:monitoring_set_indicators": lambda o, p: [{"code": "004"}, {"code": "x"}],
    "lookup": lambda o, p: [
        {"name": name} for name in ("people", "organizations", "tutors", "applicants", "x")
    ],
}
NOT_FOR_GET = {"accounts:logout"}  # GET answers 405 by design; the rest that do are found by a probe
PUBLIC = {"accounts:login"}


def _dummy(converters):
    return {name: 1 if type(conv).__name__ == "IntConverter" else "x" for name, conv in converters.items()}


@contextmanager
def _recording_reads():
    """Every key a view looks up in a QueryDict (request.GET, and request.POST, which a GET leaves empty)."""
    seen = set()
    originals = {name: getattr(MultiValueDict, name) for name in ("get", "__getitem__", "getlist")}
    original_contains = dict.__contains__

    def wrap(name):
        def reader(self, key, *args, **kwargs):
            if isinstance(self, QueryDict) and isinstance(key, str):
                seen.add(key)
            return originals[name](self, key, *args, **kwargs)

        return reader

    def contains(self, key):
        if isinstance(key, str):
            seen.add(key)
        return original_contains(self, key)

    with (
        mock.patch.object(MultiValueDict, "get", wrap("get")),
        mock.patch.object(MultiValueDict, "__getitem__", wrap("__getitem__")),
        mock.patch.object(MultiValueDict, "getlist", wrap("getlist")),
        mock.patch.object(QueryDict, "__contains__", contains, create=True),
    ):
        yield seen


class _Caller:
    """GETs that never raise: a server error is an answer (500) with the exception that caused it. The test
    is transactional (each request commits on its own), so one failing query cannot spoil the next request."""

    def __init__(self, client):
        self.client = client
        client.raise_request_exception = False
        self.last_exception = None
        got_request_exception.connect(self._caught)

    def _caught(self, sender, **kwargs):
        self.last_exception = sys.exc_info()[1]

    def get(self, url, params):
        self.last_exception = None
        try:
            status = self.client.get(url, params).status_code
        except Exception as exc:  # the error page itself failed
            status, self.last_exception = 500, exc
        return status, self.last_exception

    def close(self):
        got_request_exception.disconnect(self._caught)


def _urls(objects, persona):
    """(name, url) of every pattern, with real objects in its path; names without PATH_ARGS get dummy ids."""
    out = []
    for name, converters in _patterns():
        if name in NOT_FOR_GET:
            continue
        if not converters:
            out.append((name, reverse(name)))
        elif name in PATH_ARGS:
            out.extend((name, reverse(name, kwargs=kw)) for kw in PATH_ARGS[name](objects, persona))
        else:
            out.append((name, reverse(name, kwargs=_dummy(converters))))
    return out


def _short(value):
    return value if len(value) <= 20 else f"{value[:8]}…×{len(value)}"


# One test per persona (the full walks in several shards of the URL list), so that parallel test workers share
# the walk.
SHARDS = {"region_admin": 6, "school_coordinator_in": 2}
WALKS = [(persona, shard) for persona in PERSONAS for shard in range(SHARDS.get(persona, 1))]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona,shard", WALKS)
def test_no_hostile_get_parameter_gives_a_server_error(persona, shard, world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    objects = _objects(world)
    caller = _Caller(client)
    converters = dict(_patterns())
    errors, unknown, unlisted = [], set(), set()
    try:
        client.force_login(world["users"][persona])
        for name, url in _urls(objects, persona)[shard :: SHARDS.get(persona, 1)]:
            reads = set()
            probes = (
                [{}, dict.fromkeys(PARAMS, "1")]
                if persona in FULL_WALK
                else [dict.fromkeys(PARAMS, "a\x00b")]
            )
            for probe in probes:
                with _recording_reads() as seen:
                    status, exc = caller.get(url, probe)
                reads |= seen
                if status == 405:
                    break
                if status >= 500:
                    errors.append(
                        (persona, url, "all" if probe else "-", _short(str(probe)), repr(exc)[:200])
                    )
            if status == 405:
                continue
            if name not in PATH_ARGS and converters[name]:
                unlisted.add(name)
            unknown |= reads - PARAMS
            if persona not in FULL_WALK:
                continue
            values = FULL_WALK[persona]
            if name.startswith(CHARTED) and persona != "region_admin":
                continue  # the scope-dependent paths of these pages are walked by the probes above
            if name.startswith(CHARTED):
                values = CHARTED_VALUES
            for param in sorted(reads & PARAMS):
                for value in values:
                    status, exc = caller.get(url, {param: value})
                    if status >= 500:
                        errors.append((persona, url, param, _short(value), repr(exc)[:200]))
    finally:
        caller.close()
    assert not unlisted, f"give these GET pages a real object in PATH_ARGS: {sorted(unlisted)}"
    assert not unknown, f"views read GET parameters missing from PARAMS: {sorted(unknown)}"
    assert not errors, "server errors:\n" + "\n".join(map(str, errors))


def test_every_parameter_read_in_the_source_is_listed():
    """Parameters read by hand (`GET.get("x")`, `GET["x"]`) and those declared by a filter form."""
    import django.apps

    from profrost.core.filters import FilterForm

    for app in django.apps.apps.get_app_configs():  # the views modules define the filter forms
        if app.name.startswith("profrost."):
            try:
                __import__(f"{app.name}.views")
            except ModuleNotFoundError:
                pass
    __import__("profrost.core.import_views")
    read = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"GET(?:\.get|\.getlist)?[\[(]\s*[\"']([^\"']+)[\"']", text))
    forms, stack = [], [FilterForm]
    while stack:
        cls = stack.pop()
        forms.append(cls)
        stack.extend(cls.__subclasses__())
    declared = {name for form in forms for name in form.base_fields}
    assert len(forms) >= 10, forms
    assert not (read | declared) - PARAMS, sorted((read | declared) - PARAMS)


@pytest.mark.django_db
def test_campaign_page_of_a_methodologist_without_person_or_scope(world, client):
    """Nobody in scope: the analysis is empty, not EmptyResultSet from an empty subquery."""
    from profrost.diagnostics.models import Campaign, Instrument, Result

    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="И"), name="К", kind="regional"
    )
    Result.objects.create(campaign=campaign, person=world["teachers"][0], status="scored")
    client.force_login(world["users"]["methodologist"])
    for name in ("diagnostics:campaign", "diagnostics:campaign_report"):
        response = client.get(reverse(name, kwargs={"pk": campaign.pk}))
        assert response.status_code == 200, name
    page = client.get(reverse("diagnostics:campaign", kwargs={"pk": campaign.pk})).content.decode()
    assert world["teachers"][0].last_name not in page


@pytest.mark.django_db
def test_registers_of_a_coordinator_without_routes(world, client):
    """A school coordinator of a school nobody diagnosed: an empty register, not EmptyResultSet."""
    user = make_user("sc_empty", "school_coordinator", organization=world["schools"][3])
    client.force_login(user)
    assert client.get(reverse("routes:registers")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "query", "label"),
    [
        ("/resources/events/", "year=0", "Год"),
        ("/resources/events/", "year=99999", "Год"),
        ("/resources/events/", "year=99999999999999999999", "Год"),
        ("/resources/programs/", "hours_min=%C2%B2", "Часов от"),
        ("/resources/communities/", "level=no-such-level", "Уровень"),
        ("/routes/", "campaign=99999999999999999999", "Диагностика"),
    ],
)
def test_a_bad_filter_is_named_and_ignored(world, client, url, query, label):
    client.force_login(world["users"]["region_admin"])
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    assert f"Неверное значение фильтра «{label}»" in response.content.decode()


@pytest.mark.django_db
def test_nul_in_a_search_is_dropped_not_sent_to_postgresql(world, client):
    client.force_login(world["users"]["region_admin"])
    teacher = world["teachers"][0]
    for url in (
        "/routes/",
        "/resources/programs/",
        "/resources/events/",
        "/resources/communities/",
        "/structure/",
        "/accounts/users/",
        "/journal/",
        "/people/",
    ):
        assert client.get(url, {"q": "a\x00b", "user": "a\x00b"}).status_code == 200, url
    # The NUL is removed, the rest of the search still applies.
    page = client.get(
        "/people/", {"q": teacher.last_name[:3] + "\x00" + teacher.last_name[3:]}
    ).content.decode()
    assert teacher.last_name in page

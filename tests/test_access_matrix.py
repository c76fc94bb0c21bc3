"""The access matrix (SECURITY.md 1-3): every URL pattern, anonymous and every role, inside and
outside the scope. A new URL pattern must be added to OBJECT_URLS, or this test fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from profrost.core.models import ImportJob
from profrost.diagnostics.models import Competence
from profrost.people.models import Employment, Person
from profrost.structure.models import Organization

PUBLIC = {"accounts:login"}

# Which of the world's 16 teachers / 8 schools / 4 municipalities each persona may see — written out by
# hand from DOMAIN.md §1, not computed by the code under test. Teacher t works in school t // 2, school s
# lies in municipality s // 2; "in" personas sit in municipality 0 / school 0, "out" ones in 3 / 7.
ALL = "all"
VISIBLE = {
    "region_admin": {"teacher": ALL, "school": ALL, "municipality": ALL},
    "center_staff": {"teacher": ALL, "school": ALL, "municipality": ALL},
    "municipal_coordinator_in": {"teacher": {0, 1, 2, 3}, "school": {0, 1}, "municipality": {0}},
    "municipal_coordinator_out": {"teacher": {12, 13, 14, 15}, "school": {6, 7}, "municipality": {3}},
    "school_coordinator_in": {"teacher": {0, 1}, "school": {0}, "municipality": set()},
    "school_coordinator_out": {"teacher": {14, 15}, "school": {7}, "municipality": set()},
    "teacher_in": {"teacher": {0}, "school": set(), "municipality": set()},
    "teacher_out": {"teacher": {15}, "school": set(), "municipality": set()},
    "methodologist": {"teacher": set(), "school": set(), "municipality": set()},
    "mentor": {"teacher": set(), "school": set(), "municipality": set()},
    "expert": {"teacher": set(), "school": set(), "municipality": set()},
}
EDITORS = {
    "region_admin",
    "center_staff",
    "municipal_coordinator_in",
    "municipal_coordinator_out",
    "school_coordinator_in",
    "school_coordinator_out",
}
ORG_EDITORS = {"region_admin", "center_staff", "municipal_coordinator_in", "municipal_coordinator_out"}
REGION = {"region_admin", "center_staff"}
MANAGERS = {"region_admin", "center_staff", "municipal_coordinator_in", "municipal_coordinator_out"}
SAMPLE_TEACHERS = [0, 1, 2, 5, 13, 15]
SAMPLE_SCHOOLS = [0, 1, 3, 7]
SAMPLE_MUNICIPALITIES = [0, 1, 3]

# name → (object kind, kwargs, who may use it on a visible object, HTTP method)
OBJECT_URLS = {
    "people:detail": ("teacher", lambda o: {"pk": o.pk}, None, "get"),
    "people:edit": ("teacher", lambda o: {"pk": o.pk}, EDITORS, "get"),
    "people:employment_add": ("teacher", lambda o: {"pk": o.pk}, EDITORS, "get"),
    "people:personal_data": ("teacher", lambda o: {"pk": o.pk}, {"region_admin"}, "get"),
    "people:erase": ("teacher", lambda o: {"pk": o.pk}, {"region_admin"}, "post"),
    "people:employment_edit": ("employment", lambda o: {"pk": o.pk}, EDITORS, "get"),
    "people:employment_end": ("employment", lambda o: {"pk": o.pk}, EDITORS, "post"),
    "structure:organization": ("school", lambda o: {"pk": o.pk}, None, "get"),
    "structure:organization_edit": ("school", lambda o: {"pk": o.pk}, ORG_EDITORS, "get"),
    "structure:status_add": ("school", lambda o: {"pk": o.pk}, REGION, "get"),
    "structure:municipality_organizations": ("municipality", lambda o: {"pk": o.pk}, None, "get"),
    "core:import_upload": ("kind", lambda o: {"kind": o}, None, "get"),
    "core:import_template": ("kind", lambda o: {"kind": o}, None, "get"),
    "core:import_job": ("job", lambda o: {"pk": o.pk}, None, "get"),
    "core:import_commit": ("job", lambda o: {"pk": o.pk}, None, "post"),
    "core:import_cancel": ("job", lambda o: {"pk": o.pk}, None, "post"),
    "core:import_skipped": ("job", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:campaign": ("campaign", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:campaign_export": ("campaign", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:campaign_edit": ("campaign", lambda o: {"pk": o.pk}, REGION, "get"),
    "diagnostics:campaign_report": ("campaign", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:result": ("result", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:instrument": ("instrument", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:item_edit": ("item", lambda o: {"pk": o.pk}, REGION, "get"),
    "diagnostics:campaign_invite": ("campaign", lambda o: {"pk": o.pk}, REGION, "post"),
    "diagnostics:expert_score": ("review", lambda o: {"pk": o.pk}, REGION | {"expert"}, "get"),
    "diagnostics:take": ("own", lambda o: {"pk": o.pk}, None, "get"),
    "diagnostics:save_answer": ("own", lambda o: {"pk": o.pk}, None, "post"),
    "diagnostics:submit": ("own", lambda o: {"pk": o.pk}, None, "post"),
    "routes:detail": ("route", lambda o: {"pk": o.pk}, None, "get"),
    "routes:edit": ("route", lambda o: {"pk": o.pk}, None, "get"),
    "routes:tutor": ("route", lambda o: {"pk": o.pk}, None, "post"),
    "routes:item_create": ("route", lambda o: {"pk": o.pk}, None, "get"),
    "routes:item_edit": ("route_item", lambda o: {"pk": o.route_id, "item_pk": o.pk}, None, "get"),
    "routes:item_delete": ("route_item", lambda o: {"pk": o.route_id, "item_pk": o.pk}, None, "post"),
    "routes:item_report": ("route_item", lambda o: {"pk": o.route_id, "item_pk": o.pk}, None, "post"),
    "routes:item_review": ("route_item", lambda o: {"pk": o.route_id, "item_pk": o.pk}, None, "post"),
    "routes:action": ("route", lambda o: {"pk": o.pk, "action": "submit"}, None, "post"),
    "routes:document": ("route", lambda o: {"pk": o.pk, "fmt": "pdf"}, None, "get"),
    "routes:evidence": ("evidence", lambda o: {"pk": o.pk}, None, "get"),
    "routes:notification": ("notification", lambda o: {"pk": o.pk}, None, "get"),
    "routes:task": ("task", lambda o: {"pk": o.pk}, None, "get"),
    "routes:generate_result": ("result", lambda o: {"result_pk": o.pk}, None, "post"),
    "routes:generate_campaign": ("campaign", lambda o: {"campaign_pk": o.pk}, REGION, "get"),
    "resources:person_matches": ("teacher", lambda o: {"person_pk": o.pk}, None, "get"),
    "resources:growth_export": ("teacher", lambda o: {"person_pk": o.pk, "fmt": "xlsx"}, None, "get"),
    "resources:program": ("program", lambda o: {"pk": o.pk}, None, "get"),
    "resources:program_edit": ("program", lambda o: {"pk": o.pk}, REGION, "get"),
    "resources:cohort_create": ("program", lambda o: {"program_pk": o.pk}, REGION, "get"),
    "resources:cohort": ("cohort", lambda o: {"pk": o.pk}, None, "get"),
    "resources:cohort_apply": ("cohort", lambda o: {"pk": o.pk}, None, "post"),
    "resources:quota_set": ("cohort", lambda o: {"pk": o.pk}, None, "post"),
    "resources:cohort_export": ("cohort", lambda o: {"pk": o.pk}, REGION, "get"),
    "resources:application_decide": (
        "application",
        lambda o: {"pk": o.pk, "decision": "confirm"},
        None,
        "post",
    ),
    "resources:enrollment_move": ("enrollment", lambda o: {"pk": o.pk}, REGION, "post"),
    "resources:event": ("event", lambda o: {"pk": o.pk}, None, "get"),
    "resources:event_edit": ("event", lambda o: {"pk": o.pk}, MANAGERS, "get"),
    "resources:event_register": ("event", lambda o: {"pk": o.pk}, None, "post"),
    "resources:event_attendance": ("event", lambda o: {"pk": o.pk}, None, "post"),
    "resources:internship": ("internship", lambda o: {"pk": o.pk}, None, "get"),
    "resources:internship_edit": ("internship", lambda o: {"pk": o.pk}, REGION, "get"),
    "resources:internship_mentor": ("internship", lambda o: {"pk": o.pk}, REGION, "post"),
    "resources:internship_add": ("internship", lambda o: {"pk": o.pk}, None, "post"),
    "resources:internship_complete": (
        "intern",
        lambda o: {"pk": o.internship_id, "participant_pk": o.pk},
        REGION,
        "post",
    ),
    "resources:site": ("site", lambda o: {"pk": o.pk}, None, "get"),
    "resources:site_report_file": ("site_report", lambda o: {"pk": o.pk}, None, "get"),
    "resources:community": ("community", lambda o: {"pk": o.pk}, None, "get"),
    "resources:community_edit": ("community", lambda o: {"pk": o.pk}, MANAGERS, "get"),
    "resources:community_join": ("community", lambda o: {"pk": o.pk}, None, "post"),
    "resources:community_meeting": ("community", lambda o: {"pk": o.pk}, None, "post"),
    "diagnostics:competence_edit": ("competence", lambda o: {"pk": o.pk}, REGION, "get"),
    "diagnostics:competence_active": ("competence", lambda o: {"pk": o.pk}, REGION, "post"),
    "accounts:user_detail": ("account", lambda o: {"pk": o.pk}, MANAGERS, "get"),
    "accounts:role_add": ("account", lambda o: {"pk": o.pk}, MANAGERS, "post"),
    "accounts:user_set_active": ("account", lambda o: {"pk": o.pk}, MANAGERS, "post"),
    "accounts:role_remove": ("role", lambda o: {"pk": o.pk}, MANAGERS, "post"),
}
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
    "diagnostics:campaign_create": REGION,
    "diagnostics:instruments": REGION
    | {
        "municipal_coordinator_in",
        "municipal_coordinator_out",
        "school_coordinator_in",
        "school_coordinator_out",
        "methodologist",
    },
    "diagnostics:expert_queue": REGION | {"expert"},
    "diagnostics:campaigns": REGION
    | {
        "municipal_coordinator_in",
        "municipal_coordinator_out",
        "school_coordinator_in",
        "school_coordinator_out",
        "methodologist",
    },
    "diagnostics:competence_create": REGION,
    "accounts:user_export": MANAGERS,
    "accounts:user_create": MANAGERS,
    "resources:programs": None,
    "resources:program_create": REGION,
    "resources:events": None,
    "resources:event_create": MANAGERS,
    "resources:internships": None,
    "resources:internship_create": REGION,
    "resources:communities": None,
    "resources:community_create": MANAGERS,
    "routes:list": None,
    "routes:registers": MANAGERS | {"school_coordinator_in", "school_coordinator_out"},
    "routes:uncovered": REGION,
    "routes:notifications": None,
    "routes:bulk_tutor": REGION | {"school_coordinator_in", "school_coordinator_out"},
}


def iter_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", bool(entry.pattern.converters)


def _result_of(world, index):
    from profrost.diagnostics.models import Campaign, Instrument, Result

    instrument = Instrument.objects.get_or_create(name="Матрица")[0]
    campaign = Campaign.objects.get_or_create(instrument=instrument, name="Матрица", kind="regional")[0]
    return Result.objects.get_or_create(campaign=campaign, person=world["teachers"][index])[0]


def _pending_answer(world):
    from profrost.diagnostics.models import Item, ItemScore

    result = _result_of(world, 0)
    item = Item.objects.get_or_create(
        instrument=result.campaign.instrument, number="99", defaults={"type": "open", "max_score": 1}
    )[0]
    result.status = "submitted"
    result.save()
    return ItemScore.objects.get_or_create(result=result, item=item, defaults={"answer": "ответ"})[0]


RESOURCE_KINDS = {
    "route",
    "route_item",
    "evidence",
    "notification",
    "task",
    "program",
    "cohort",
    "application",
    "enrollment",
    "event",
    "internship",
    "intern",
    "site",
    "site_report",
    "community",
}


def _resources(world):
    """One of each resource, made once (the anonymous test only needs their URLs)."""
    import datetime

    from profrost.resources import models as r
    from profrost.structure.models import OrganizationStatus

    day = datetime.date.today() + datetime.timedelta(days=30)
    program = r.Program.objects.get_or_create(
        title="Матрица", defaults={"hours": 36, "form": "distance", "provider": world["center"]}
    )[0]
    cohort = r.Cohort.objects.get_or_create(
        program=program, defaults={"start": day, "end": day, "capacity": 5}
    )[0]
    teacher, school = world["teachers"][0], world["schools"][0]
    application = r.Application.objects.get_or_create(
        cohort=cohort,
        person=teacher,
        defaults={"organization": school, "municipality": school.municipality, "status": "enrolled"},
    )[0]
    enrollment = r.Enrollment.objects.get_or_create(cohort=cohort, person=teacher, application=application)[0]
    event = r.Event.objects.get_or_create(
        title="Матрица",
        defaults={
            "kind": "seminar",
            "level": "regional",
            "organizer": world["center"],
            "start": day,
            "end": day,
        },
    )[0]
    OrganizationStatus.objects.get_or_create(
        organization=school, kind="internship_site", defaults={"start": day}
    )
    internship = r.Internship.objects.get_or_create(
        title="Матрица", defaults={"site": school, "start": day, "end": day, "capacity": 3}
    )[0]
    intern = r.InternshipParticipant.objects.get_or_create(internship=internship, person=teacher)[0]
    report = r.SiteReport.objects.get_or_create(
        site=school, month=day.replace(day=1), defaults={"text": "x"}
    )[0]
    community = r.Community.objects.get_or_create(
        name="Матрица", defaults={"kind": "club", "level": "regional"}
    )[0]
    from profrost.core.models import TaskProgress
    from profrost.routes import models as rt

    route = rt.Route.objects.get_or_create(person=teacher, defaults={"start": day, "end": day})[0]
    route_item = rt.RouteItem.objects.get_or_create(route=route, defaults={"section": "1.3", "content": "x"})[
        0
    ]
    evidence = rt.Evidence.objects.get_or_create(
        item=route_item, defaults={"file": "x.pdf", "name": "x.pdf"}
    )[0]
    note = rt.Notification.objects.get_or_create(user=world["users"]["teacher_in"], defaults={"text": "x"})[0]
    task = TaskProgress.objects.get_or_create(kind="routes", user=world["users"]["center_staff"])[0]
    return {
        "route": route,
        "route_item": route_item,
        "evidence": evidence,
        "notification": note,
        "task": task,
        "program": program,
        "cohort": cohort,
        "application": application,
        "enrollment": enrollment,
        "event": event,
        "internship": internship,
        "intern": intern,
        "site": school,
        "site_report": report,
        "community": community,
    }


def _main_job(person):
    return Employment.objects.filter(person=person).first()


def test_every_url_pattern_is_in_the_matrix():
    missing = [
        name
        for name, has_params in iter_url_names()
        if name not in PUBLIC and name not in OBJECT_URLS and name not in PLAIN_URLS
    ]
    assert not missing, f"add these URL patterns to the access matrix: {missing}"


def _url(world, name):
    kind = OBJECT_URLS[name][0] if name in OBJECT_URLS else None
    sample = {
        "teacher": world["teachers"][0],
        "employment": _main_job(world["teachers"][0]) if kind == "employment" else None,
        "school": world["schools"][0],
        "municipality": world["municipalities"][0],
        "kind": "staff",
        "job": None,
        "account": world["users"]["teacher_in"],
        "competence": Competence.objects.first(),
        "campaign": _result_of(world, 0).campaign if kind in ("campaign", "result", "own") else None,
        "result": _result_of(world, 0) if kind == "result" else None,
        "own": _result_of(world, 0) if kind == "own" else None,
        "review": _pending_answer(world) if kind == "review" else None,
        "item": _pending_answer(world).item if kind == "item" else None,
        "instrument": _result_of(world, 0).campaign.instrument if kind == "instrument" else None,
        "role": world["users"]["teacher_in"].roles.first(),
    }
    if kind in RESOURCE_KINDS:
        sample[kind] = _resources(world)[kind]
    if kind == "job":
        sample["job"] = ImportJob.objects.create(
            user=world["users"]["region_admin"], kind="staff", original_name="x.csv"
        )
    return reverse(name, kwargs=OBJECT_URLS[name][1](sample[kind])) if kind else reverse(name)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(world, client):
    for name, _ in iter_url_names():
        url = _url(world, name)
        if name in PUBLIC:
            assert client.get(url).status_code == 200
            continue
        method = OBJECT_URLS.get(name, (None, None, None, "get"))[3]
        response = getattr(client, method)(url)
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), name


def _visible(persona, kind, index):
    if kind == "own":
        return (persona, index) in {("teacher_in", 0), ("teacher_out", 15)}
    allowed = VISIBLE[persona][kind]
    return allowed == ALL or index in allowed


@pytest.mark.django_db
def test_every_persona_every_object(world, client):
    """200 (or 403 without the right) inside the scope, 404 outside — never a leak."""
    leaks = []
    objects = {
        "teacher": [(i, world["teachers"][i]) for i in SAMPLE_TEACHERS],
        "employment": [(i, _main_job(world["teachers"][i])) for i in SAMPLE_TEACHERS],
        "school": [(i, world["schools"][i]) for i in SAMPLE_SCHOOLS],
        "municipality": [(i, world["municipalities"][i]) for i in SAMPLE_MUNICIPALITIES],
    }
    visibility_kind = {
        "teacher": "teacher",
        "employment": "teacher",
        "school": "school",
        "municipality": "municipality",
    }
    for persona, user in world["users"].items():
        client.force_login(user)
        for name, (kind, kwargs, allowed, method) in OBJECT_URLS.items():
            if kind not in objects or method != "get":
                continue
            for index, obj in objects[kind]:
                status = client.get(reverse(name, kwargs=kwargs(obj))).status_code
                if _visible(persona, visibility_kind[kind], index):
                    expected = {200} if allowed is None or persona in allowed else {403}
                else:
                    # Outside the scope: 404; a page the persona may not use at all may say 403 first.
                    expected = {404} if allowed is None or persona in allowed else {403, 404}
                if status not in expected:
                    leaks.append((persona, name, index, status, expected))
    assert not leaks, leaks


@pytest.mark.django_db
def test_plain_pages_by_role(world, client):
    wrong = []
    for persona, user in world["users"].items():
        client.force_login(user)
        for name, allowed in PLAIN_URLS.items():
            if name == "accounts:logout":
                continue
            status = client.get(reverse(name)).status_code
            ok = {200, 302} if allowed is None or persona in allowed else {403}
            if status not in ok:
                wrong.append((persona, name, status))
    assert not wrong, wrong


@pytest.mark.django_db
def test_lists_and_exports_hold_only_the_scope(world, client):
    for persona in ("municipal_coordinator_in", "school_coordinator_out", "teacher_in"):
        client.force_login(world["users"][persona])
        page = client.get("/people/").content.decode()
        for i, teacher in enumerate(world["teachers"]):
            assert (teacher.last_name in page) == _visible(persona, "teacher", i), (persona, i)


@pytest.mark.django_db
def test_posts_outside_the_scope_change_nothing(world, client):
    outside_job = _main_job(world["teachers"][15])
    client.force_login(world["users"]["school_coordinator_in"])
    assert client.post(reverse("people:employment_end", kwargs={"pk": outside_job.pk})).status_code == 404
    outside_job.refresh_from_db()
    assert outside_job.end is None
    # Moving one's own teacher into another municipality's school is refused, nothing written.
    inside_job = _main_job(world["teachers"][0])
    response = client.post(
        reverse("people:employment_edit", kwargs={"pk": inside_job.pk}),
        {"organization": world["schools"][7].pk, "position": inside_job.position_id, "is_main": "on"},
    )
    assert response.status_code == 200
    inside_job.refresh_from_db()
    assert inside_job.organization_id == world["schools"][0].pk
    # Someone else's import job answers 404.
    job = ImportJob.objects.create(user=world["users"]["region_admin"], kind="staff", original_name="x.csv")
    assert client.post(reverse("core:import_commit", kwargs={"pk": job.pk})).status_code == 404
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

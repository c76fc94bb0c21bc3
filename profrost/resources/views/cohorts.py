"""Cohorts of a program: quotas by municipality (and organization), applications and their decisions, the
waiting list, enrollment and its results, the listeners' XLSX."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core import lookups
from profrost.core.exports import file_name, xlsx_response
from profrost.core.filters import FilterForm, IdFilter, without_nul
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import CompetenceResult
from profrost.people.models import Person
from profrost.resources import actions, forms
from profrost.resources.actions import ResourceError, may_manage_municipality
from profrost.resources.exports import cohort_sheet
from profrost.resources.models import (
    HOLDING_QUOTA,
    Application,
    ApplicationStatus,
    Cohort,
    Enrollment,
    Program,
    Quota,
)
from profrost.resources.views.common import require_center
from profrost.structure.models import Municipality, Organization


def cohort_create(request, program_pk):
    require_center(request.user)
    program = get_object_or_404(Program, pk=program_pk)
    form = forms.CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = form.save(commit=False)
        cohort.program = program
        cohort.save()
        messages.success(request, "Группа создана. Распределите квоты по муниципалитетам.")
        return redirect("resources:cohort", pk=cohort.pk)
    return render(request, "resources/form.html", {"form": form, "title": f"Новая группа: {program}"})


def _applications_visible(user, cohort):
    qs = Application.objects.filter(cohort=cohort).select_related(
        "person", "organization", "municipality", "deficit__competence"
    )
    if permissions.is_region_staff(user):
        return qs
    scope = scope_of(user)
    if permissions.is_coordinator(user):
        # Their unit's applications, naming only people still in their scope (docs/security.md, "Lists of
        # people"): a teacher who has left is not theirs to see or to decide on.
        return qs.filter(
            Q(municipality_id__in=scope.municipality_ids) | Q(organization_id__in=scope.organization_ids),
            person__in=Person.objects.visible_to(user).values("pk"),
        )
    return qs.filter(person_id=user.person_id)


def _may_apply(user):
    """Whether this user applies for teachers (a coordinator; the center enrolls, teachers are applied for)."""
    return permissions.is_coordinator(user) and not permissions.is_region_staff(user)


def _deficits_for(program):
    """[person_id, …] -> {person_id: [(competence result pk, label, developed by the program), …]}: the current
    deficits (from the latest scored result) of those people only; the program's competences first."""

    def deficits_for(person_ids):
        if not person_ids:
            return {}
        rows = (
            CompetenceResult.objects.current_deficits()
            .filter(result__person_id__in=list(person_ids))
            .select_related("competence", "result")
            .order_by("competence__code")
        )
        developed = set(program.competences.values_list("pk", flat=True))
        found = {}
        for row in rows:
            label = f"{row.competence.code} {row.competence.name}" + (
                " (выраженный)" if row.is_severe else ""
            )
            is_developed = row.competence_id in developed
            if is_developed:
                label += " — развивает программа"
            found.setdefault(row.result.person_id, []).append((not is_developed, row.pk, label))
        return {
            pid: [(pk, label, not later) for later, pk, label in sorted(opts)] for pid, opts in found.items()
        }

    return deficits_for


def _apply_form(request, cohort, data=None):
    return forms.ApplyForm(
        data,
        user=request.user,
        deficits_for=_deficits_for(cohort.program),
        deficits_url=reverse("resources:cohort_deficits", args=[cohort.pk]),
    )


def _with_decisions(user, applications):
    """Each application with the buttons its viewer may use (the same checks as the actions)."""
    applications = list(applications.select_related("person", "organization", "deficit__competence"))
    for a in applications:
        a.may_decide = actions.may_manage_municipality(user, a.municipality_id)
        a.may_withdraw = actions.may_apply_for(user, a.organization)
    return applications


def cohort_detail(request, pk, apply_form=None):
    """A cohort: quotas, applications, listeners; `apply_form` — the apply form with its errors, shown again."""
    cohort = get_object_or_404(actions.cohort_numbers(Cohort.objects.select_related("program")), pk=pk)
    user = request.user
    quotas = list(
        Quota.objects.filter(cohort=cohort)
        .select_related("municipality", "organization")
        .order_by("municipality__name", "organization__name")
    )
    # Places taken per municipality and per organization, counted in two queries (not one per quota).
    holding = Application.objects.filter(cohort=cohort, status__in=HOLDING_QUOTA)
    by_municipality = dict(
        holding.values_list("municipality_id").annotate(n=Count("pk")).values_list("municipality_id", "n")
    )
    by_organization = dict(
        holding.values_list("organization_id").annotate(n=Count("pk")).values_list("organization_id", "n")
    )
    for quota in quotas:
        if quota.organization_id:
            quota.places_taken = by_organization.get(quota.organization_id, 0)
        else:
            quota.places_taken = by_municipality.get(quota.municipality_id, 0)
        quota.may_edit = may_manage_municipality(user, quota.municipality_id)
        quota.free = quota.places - quota.places_taken
    given = sum(q.places for q in quotas if q.organization_id is None)
    if apply_form is None and _may_apply(user):
        apply_form = _apply_form(request, cohort)
    enrollments = (
        Enrollment.objects.filter(cohort=cohort)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
        if permissions.is_region_staff(user)
        else Enrollment.objects.none()
    )
    return render(
        request,
        "resources/cohort_detail.html",
        {
            "cohort": cohort,
            "quotas": quotas,
            "reserve": cohort.capacity - given,
            "applications": _with_decisions(
                user, _applications_visible(user, cohort).order_by("status", "created_at")
            ),
            "apply_form": apply_form,
            "enrollments": enrollments,
            "is_center": permissions.is_region_staff(user),
            "municipalities": Municipality.objects.order_by("name").values_list("pk", "name")
            if permissions.is_region_staff(user)
            else (),
            "split_orgs": Organization.objects.filter(municipality_id__in=scope_of(user).municipality_ids)
            .order_by("name")
            .values_list("pk", "name", "municipality_id")
            if permissions.is_municipal_coordinator(user)
            else (),
        },
    )


@require_POST
def cohort_apply(request, pk):
    """Applications for the teachers chosen (one or several at once), each on its own: one refused (a quota
    full, an application already there) leaves the others applied, and the message says who and why."""
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=pk)
    if not _may_apply(request.user):
        raise PermissionDenied
    form = _apply_form(request, cohort, request.POST)
    if not form.is_valid():
        messages.error(request, "Заявки не поданы: исправьте отмеченное в форме «Подать заявку».")
        return cohort_detail(request, pk, apply_form=form)
    data = form.cleaned_data
    deficits = CompetenceResult.objects.in_bulk(data["deficits"].values())
    submitted, waiting, refused = [], [], []
    for job in data["people"]:
        try:
            application = actions.apply(
                cohort,
                job.person,
                job.organization,
                request.user,
                deficit=deficits.get(data["deficits"].get(job.person_id)),
                waitlist=data["waitlist"],
                comment=data["comment"],
            )
        except ResourceError as exc:
            refused.append(f"{job.person.full_name} — {exc}")
        else:
            (waiting if application.status == ApplicationStatus.WAITING else submitted).append(job.person)
    summary = f"Подано заявок: {len(submitted)}; в листе ожидания: {len(waiting)}"
    if waiting:
        summary += " (" + ", ".join(p.full_name for p in waiting) + ")"
    if refused:
        messages.warning(request, f"{summary}; не подано: " + "; ".join(refused))
    else:
        messages.success(request, f"{summary}.")
    return redirect("resources:cohort", pk=pk)


class DeficitsQuery(FilterForm):
    job = IdFilter(label="Педагог")


def cohort_deficits(request, pk):
    """The current deficits of the one teacher chosen in the apply form (its deficit list), as JSON
    [{"id", "label"}]: only a job the user may apply for (the «applicants» lookup), else nothing."""
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=pk)
    job = DeficitsQuery.of(request, notify=False).values["job"] if _may_apply(request.user) else None
    found = lookups.get("applicants").resolve(request.user, [job]) if job else {}
    if job not in found:
        return JsonResponse({"results": []})
    person_id = found[job].person_id
    options = _deficits_for(cohort.program)([person_id]).get(person_id, [])
    return JsonResponse({"results": [{"id": pk_, "label": label} for pk_, label, _ in options]})


@require_POST
def application_decide(request, pk, decision):
    application = get_object_or_404(Application.objects.select_related("organization"), pk=pk)
    if not _applications_visible(request.user, application.cohort).filter(pk=pk).exists():
        raise Http404
    try:
        if decision == "confirm":
            actions.confirm(application, request.user)
            messages.success(request, "Заявка подтверждена.")
        elif decision == "reject":
            actions.reject(application, request.user, without_nul(request.POST.get("comment", ""))[:500])
            messages.success(request, "Заявка отклонена; место вернулось в квоту.")
        elif decision == "withdraw":
            actions.withdraw(application, request.user)
            messages.success(request, "Заявка отозвана; место вернулось в квоту.")
        elif decision == "enroll":
            actions.enroll(application, request.user)
            enrolled = application.person.by_sex("зачислен", "зачислена")
            messages.success(request, f"{application.person.full_name} {enrolled} в группу.")
        else:
            raise Http404
    except ResourceError as exc:
        messages.error(request, str(exc))
    return redirect("resources:cohort", pk=application.cohort_id)


@require_POST
def quota_set(request, pk):
    cohort = get_object_or_404(Cohort, pk=pk)
    form = forms.QuotaForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Число мест — целое число не меньше 0.")
        return redirect("resources:cohort", pk=pk)
    municipality = get_object_or_404(Municipality, pk=form.cleaned_data["municipality"])
    organization = None
    if form.cleaned_data.get("organization"):
        organization = get_object_or_404(
            Organization, pk=form.cleaned_data["organization"], municipality=municipality
        )
    try:
        actions.set_quota(cohort, municipality, form.cleaned_data["places"], request.user, organization)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Квота сохранена.")
    return redirect("resources:cohort", pk=pk)


@require_POST
def enrollment_move(request, pk):
    require_center(request.user)
    enrollment = get_object_or_404(Enrollment, pk=pk)
    form = forms.EnrollmentMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Изменение не сохранено: проверьте статус, дату и часы.")
        return redirect("resources:cohort", pk=enrollment.cohort_id)
    d = form.cleaned_data
    passed = {"yes": True, "no": False}.get(d["attestation"])
    try:
        actions.move_enrollment(
            enrollment,
            request.user,
            d["status"],
            passed,
            d["certificate_number"].strip(),
            d["certificate_date"],
            d["hours"],
        )
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Сохранено.")
    return redirect("resources:cohort", pk=enrollment.cohort_id)


def cohort_export(request, pk):
    require_center(request.user)
    cohort = get_object_or_404(Cohort, pk=pk)
    headers, rows = cohort_sheet(cohort)
    journal(JournalAction.EXPORT, request=request, obj=cohort, what="cohort list")
    return xlsx_response(
        file_name(f"Группа — {cohort.program.title} с {cohort.start:%d.%m.%Y}", "xlsx"),
        [("Слушатели", headers, rows)],
    )

"""Cohorts of a program: quotas by municipality (and organization), applications and their decisions, the
waiting list, enrollment and its results, the listeners' XLSX."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core.exports import file_name, xlsx_response
from profrost.core.filters import without_nul
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
from profrost.resources.views.common import require_center, staff_choices
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


def _apply_choices(user, cohort):
    """The teachers this user may apply for: current staff of their organizations, not yet applied (the center
    enrolls, schools and municipalities apply)."""
    jobs = staff_choices(user)
    if jobs is None or permissions.is_region_staff(user):
        return []
    taken = (
        Application.objects.filter(cohort=cohort)
        .exclude(status__in=[ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
        .values("person_id")
    )
    return [
        (f"{j.person_id}:{j.organization_id}", f"{j.person.full_name} — {j.organization.name}")
        for j in jobs.exclude(person_id__in=taken)[:2000]
    ]


def _current_deficits(choices, program):
    """The current deficits (from the latest scored result) of the people offered in the apply form — only
    theirs: {person_id: [(competence result pk, label), …]}; the program's competences first."""
    person_ids = {int(value.split(":")[0]) for value, _ in choices}
    if not person_ids:
        return {}
    rows = (
        CompetenceResult.objects.current_deficits()
        .filter(result__person_id__in=person_ids)
        .select_related("competence", "result")
        .order_by("competence__code")
    )
    developed = set(program.competences.values_list("pk", flat=True))
    found = {}
    for row in rows:
        label = f"{row.competence.code} {row.competence.name}" + (" (выраженный)" if row.is_severe else "")
        if row.competence_id in developed:
            label += " — развивает программа"
        found.setdefault(row.result.person_id, []).append((row.competence_id not in developed, row.pk, label))
    return {pid: [(pk, label) for _, pk, label in sorted(opts)] for pid, opts in found.items()}


def _with_decisions(user, applications):
    """Each application with the buttons its viewer may use (the same checks as the actions)."""
    applications = list(applications.select_related("person", "organization", "deficit__competence"))
    for a in applications:
        a.may_decide = actions.may_manage_municipality(user, a.municipality_id)
        a.may_withdraw = actions.may_apply_for(user, a.organization)
    return applications


def cohort_detail(request, pk):
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
    apply_form = None
    choices = _apply_choices(user, cohort)
    if choices:
        apply_form = forms.ApplyForm(people=choices, deficits=_current_deficits(choices, cohort.program))
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
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=pk)
    choices = _apply_choices(request.user, cohort)
    form = forms.ApplyForm(request.POST, people=choices, deficits=_current_deficits(choices, cohort.program))
    if not form.is_valid():
        if "deficit" in form.errors and "person" not in form.errors:
            messages.error(request, "Выберите дефицит выбранного педагога или оставьте поле пустым.")
        else:
            messages.error(request, "Выберите педагога из списка.")
        return redirect("resources:cohort", pk=pk)
    person_id, organization_id = form.cleaned_data["person"].split(":")
    person = get_object_or_404(Person, pk=person_id)
    organization = get_object_or_404(Organization, pk=organization_id)
    deficit = None
    if form.cleaned_data["deficit"]:
        deficit = CompetenceResult.objects.get(pk=form.cleaned_data["deficit"])
    try:
        application = actions.apply(
            cohort,
            person,
            organization,
            request.user,
            deficit=deficit,
            waitlist=form.cleaned_data["waitlist"],
            comment=form.cleaned_data["comment"],
        )
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        if application.status == ApplicationStatus.WAITING:
            messages.warning(request, f"Квота исчерпана: {person.full_name} в листе ожидания.")
        else:
            messages.success(request, f"Заявка на {person.full_name} подана.")
    return redirect("resources:cohort", pk=pk)


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
            messages.success(request, f"{application.person.full_name} зачислен(а).")
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
        messages.error(request, "Проверьте статус, дату (ДД.ММ.ГГГГ) и часы.")
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

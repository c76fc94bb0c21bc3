"""The methodological asset's pages: the register, a member's page (criteria with evidence, assigned teachers),
the nomination, the center's approval by order, the exclusion, the assignment of a teacher, and an asset
member's own list of teachers. Each page reads the request, checks the permission, calls an action, renders."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts.permissions import is_region_staff
from profrost.core.exports import attachment, file_name, xlsx_response
from profrost.core.filters import parse_id
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.people.models import Person, name_q
from profrost.structure.models import Municipality
from profrost.support import actions, permissions
from profrost.support.criteria import check_member, check_members, unmet
from profrost.support.exports import (
    register_headers,
    register_rows,
    report_docx,
    report_sheets,
    report_title,
)
from profrost.support.forms import (
    ApprovalForm,
    AssignForm,
    ExclusionForm,
    NominationForm,
    RegisterFilter,
)
from profrost.support.models import (
    AssetMember,
    Assignment,
    Consultation,
    LessonVisit,
    MemberStatus,
    load_limit,
    load_warning,
)
from profrost.support.workspace import annual_report, report_years, workspace

FIX_FORM = "Не сохранено: исправьте отмеченное в форме."
APPROVAL_PAGE = 50


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _members(user):
    return AssetMember.objects.visible_to(user).select_related("person", "order")


def _member_for(request, pk):
    """A member's row the user sees, or 404 (outside the scope: as if it did not exist)."""
    return get_object_or_404(
        _members(request.user).select_related("assessment_campaign", "training_program", "exclusion_order"),
        pk=pk,
    )


# --- the register -----------------------------------------------------------------------------------------------


def register(request):
    _require(permissions.may_view_asset(request.user))
    form = RegisterFilter.of(request)
    params = form.values
    qs = (
        _members(request.user)
        .with_load()
        .prefetch_related("zone", "subjects")
        .order_by("person__last_name", "person__first_name", "person__middle_name", "pk")
    )
    if params["q"]:
        qs = qs.filter(name_q(params["q"], "person__"))
    if params["direction"]:
        qs = qs.filter(directions__contains=[params["direction"]])
    if params["municipality"]:
        qs = qs.serving(params["municipality"])
    if params["status"]:
        qs = qs.filter(status=params["status"])
    if params["format"] == "xlsx":
        with_snils = is_region_staff(request.user)
        journal(JournalAction.EXPORT, request=request, what="asset register", rows=qs.count())
        return xlsx_response(
            "методический актив.xlsx",
            [("Методический актив", register_headers(with_snils), register_rows(qs, with_snils))],
        )
    municipalities = Municipality.objects.values_list("pk", "name")
    chips = form.chips(
        request,
        {
            "municipality": dict(
                Municipality.objects.filter(pk=params["municipality"] or 0).values_list("pk", "name")
            )
        },
    )
    return render(
        request,
        "support/register.html",
        {
            "page": page_of(request, qs),
            "params": {key: "" if value is None else str(value) for key, value in params.items()},
            "chips": chips,
            "query": query_without_page(request),
            "directions": RegisterFilter.base_fields["direction"].choices,
            "statuses": RegisterFilter.base_fields["status"].choices,
            "municipalities": municipalities,
            "limit": load_limit(),
            "warning": load_warning(),
            "candidates": AssetMember.objects.filter(status=MemberStatus.NOMINATED).count()
            if permissions.may_manage_asset(request.user)
            else 0,
        },
    )


# --- a member's page --------------------------------------------------------------------------------------------


def member_detail(request, pk, assign_form=None, exclusion_form=None):
    """A member's page: the register's viewers, and the person themself (a candidate without the register's
    right follows the notification of their nomination here)."""
    user = request.user
    member = _member_for(request, pk)
    _require(permissions.may_view_asset(user) or (user.person_id and member.person_id == user.person_id))
    # The criteria tell about the person's card: only for those who see the person (not a coordinator who sees
    # the row because the member serves their municipality).
    sees_person = Person.objects.visible_to(user).filter(pk=member.person_id).exists()
    active = member.assignments.filter(active=True)
    assignments = (
        active.visible_to(user).select_related("person", "municipality").order_by("person__last_name", "pk")
    )
    load = active.count()
    shown = assignments.count()
    may_assign = permissions.may_assign_teachers(user) and member.status == MemberStatus.APPROVED
    may_manage = permissions.may_manage_asset(user) and member.status != MemberStatus.EXCLUDED
    return render(
        request,
        "support/member_detail.html",
        {
            "member": member,
            "criteria": check_member(member) if sees_person else None,
            "sees_person": sees_person,
            "assignments": assignments,
            "hidden_assignments": load - shown,
            "load": load,
            "limit": load_limit(),
            "warning": load_warning(),
            "zone": member.zone.order_by("name"),
            "subjects": member.subjects.order_by("name"),
            "may_assign": may_assign,
            "may_manage": may_manage,
            "assign_form": (assign_form or AssignForm(member=member, user=user)) if may_assign else None,
            "exclusion_form": (exclusion_form or ExclusionForm()) if may_manage else None,
        },
    )


# --- nomination -------------------------------------------------------------------------------------------------


def nominate(request):
    _require(permissions.may_nominate_to_asset(request.user))
    form = NominationForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                member = actions.nominate(
                    request.user,
                    data["person"],
                    directions=data["directions"],
                    zone=data["zone"],
                    engagement=data["engagement"],
                    subjects=data["subjects"],
                    note=data["note"],
                    grounds=data["grounds"],
                    grounds_note=data["grounds_note"],
                    assessment_campaign=data["assessment_campaign"],
                    training_program=data["training_program"],
                    request=request,
                )
            except actions.SupportError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"{member.person.full_name} — кандидат в методический актив. Критерии проверены ниже; "
                    "список кандидатов утверждает ЦНППМ приказом.",
                )
                return redirect("support:member", pk=member.pk)
        else:
            messages.error(request, FIX_FORM)
    return render(request, "support/nominate.html", {"form": form})


# --- approval by order ------------------------------------------------------------------------------------------


def _posted_ids(request):
    return [pk for pk in (parse_id(v) for v in request.POST.getlist("member")[:1000]) if pk]


def approve(request):
    """The center's list of candidates, each with the criteria met or not; the marked ones are approved by one
    order. A refusal shows the same page with everything typed kept (marks, justifications, the order)."""
    user = request.user
    _require(permissions.may_manage_asset(user))
    form = ApprovalForm(request.POST or None)
    chosen, justifications, missing = set(), {}, {}
    if request.method == "POST":
        chosen = set(_posted_ids(request))
        justifications = {pk: request.POST.get(f"justification-{pk}", "")[:4000] for pk in chosen}
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = actions.approve(
                    user,
                    sorted(chosen),
                    order_number=data["order_number"],
                    order_date=data["order_date"],
                    justifications=justifications,
                    end=data["end"],
                    request=request,
                )
            except actions.SupportError as exc:
                messages.error(request, str(exc))
                missing = exc.missing
            else:
                n = len(result["members"])
                messages.success(request, f"Приказом {result['order']} в методический актив включено: {n}.")
                if result["without_login"]:
                    names = ", ".join(p.short_name for p in result["without_login"][:20])
                    messages.warning(
                        request,
                        f"Нет учётной записи: {names}. Роль «Региональный методист» будет выдана, когда учётная "
                        "запись будет создана.",
                    )
                return redirect("support:register")
        else:
            messages.error(request, FIX_FORM)
    candidates = (
        _members(user)
        .filter(status=MemberStatus.NOMINATED)
        .select_related("assessment_campaign", "training_program", "nominated_by")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    page = page_of(request, candidates, APPROVAL_PAGE)
    rows = list(page.object_list)
    order_date = form.cleaned_data.get("order_date") if form.is_bound and form.is_valid() else None
    criteria = check_members(rows, on=order_date or datetime.date.today())
    return render(
        request,
        "support/approve.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {
                    "member": m,
                    "criteria": criteria[m.pk],
                    "unmet": unmet(criteria[m.pk]),
                    "met_count": len(criteria[m.pk]) - len(unmet(criteria[m.pk])),
                    "chosen": m.pk in chosen,
                    "justification": justifications.get(m.pk, ""),
                    "missing": m.pk in missing,
                }
                for m in rows
            ],
        },
    )


# --- exclusion --------------------------------------------------------------------------------------------------


def exclude(request, pk):
    user = request.user
    _require(permissions.may_manage_asset(user))
    member = _member_for(request, pk)
    if member.status == MemberStatus.EXCLUDED:
        messages.info(request, "Уже исключён из актива.")
        return redirect("support:member", pk=member.pk)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.exclude(
                    user,
                    member,
                    reason=data["reason"],
                    order_number=data["order_number"],
                    order_date=data["order_date"],
                    request=request,
                )
            except actions.SupportError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{member.person.full_name}: исключение из актива записано.")
                return redirect("support:member", pk=member.pk)
        else:
            messages.error(request, FIX_FORM)
    return render(request, "support/exclude.html", {"member": member, "form": form})


# --- assignment of teachers -------------------------------------------------------------------------------------


def assign(request, pk):
    user = request.user
    _require(permissions.may_assign_teachers(user))
    member = _member_for(request, pk)
    form = AssignForm(request.POST or None, member=member, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = actions.assign(
                    user,
                    member,
                    data["person"],
                    direction=data["direction"],
                    since=data["since"],
                    request=request,
                )
            except actions.SupportError as exc:
                messages.error(request, str(exc))
            else:
                teacher = assignment.person
                messages.success(
                    request, f"{teacher.full_name} {teacher.by_sex('закреплён', 'закреплена')} за методистом."
                )
                return redirect("support:member", pk=member.pk)
        else:
            messages.error(request, FIX_FORM)
    return member_detail(request, member.pk, assign_form=form)


@require_POST
def unassign(request, pk):
    user = request.user
    _require(permissions.may_assign_teachers(user))
    assignment = get_object_or_404(Assignment.objects.visible_to(user), pk=pk)
    try:
        actions.unassign(user, assignment, request=request)
    except actions.SupportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Закрепление снято.")
    return redirect("support:member", pk=assignment.member_id)


# --- an asset member's own teachers -----------------------------------------------------------------------------


def my_teachers(request):
    """The teachers assigned to the signed-in asset member now (their scope: the person cards open) —
    the methodologist's workspace (support/workspace.py, docs/support.md §9): deficits, routes, last visit and
    consultation, the half-year's plan, the load, the routes waiting for the tutor."""
    user = request.user
    _require(permissions.is_asset_member(user))
    return render(request, "support/my_teachers.html", workspace(user))


# --- an asset member's annual report (docs/support.md §16) ------------------------------------------------------

ACTIVITIES_SHOWN = 200  # the latest of each kind on «Посещения и консультации»; the annual report counts all


def _report_year(request, member):
    """The year asked for (?year=), or this year with a message for a year outside the member's years."""
    years = report_years(member)
    raw = request.GET.get("year", "")
    if not raw:
        return years[0], years
    try:
        year = int(raw)
    except ValueError:
        year = None
    if year not in years:
        messages.error(
            request, f"Отчёт можно получить за {years[-1]}–{years[0]} годы; показан {years[0]} год."
        )
        return years[0], years
    return year, years


def _report(request, member):
    year, years = _report_year(request, member)
    report = annual_report(member, year)
    fmt = request.GET.get("format", "")
    title = report_title(report)
    if fmt == "xlsx":
        return xlsx_response(file_name(title, "xlsx"), report_sheets(report))
    if fmt == "docx":
        response = HttpResponse(
            report_docx(report),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        return attachment(response, title, "docx")
    return render(
        request,
        "support/report.html",
        {**report, "years": years, "title": title, "own": member.person_id == request.user.person_id},
    )


def my_report(request):
    """«Мой отчёт за год»: the signed-in asset member's report (their latest row in the register)."""
    user = request.user
    _require(permissions.is_asset_member(user))
    member = (
        AssetMember.objects.filter(
            person_id=user.person_id, status__in=(MemberStatus.APPROVED, MemberStatus.EXCLUDED)
        )
        .select_related("person")
        .order_by("-start", "-pk")
        .first()
        if user.person_id
        else None
    )
    if member is None:
        return render(request, "support/report.html", {"member": None})
    return _report(request, member)


def member_report(request, pk):
    """A member's annual report: the center any member's, a member only their own (others: 404)."""
    user = request.user
    _require(permissions.may_view_asset(user))
    member = get_object_or_404(AssetMember.objects.select_related("person"), pk=pk)
    if not (is_region_staff(user) or (user.person_id and member.person_id == user.person_id)):
        raise Http404
    return _report(request, member)


def my_activities(request):
    """«Посещения и консультации»: the visits and consultations the signed-in user recorded (done and planned),
    newest first — what the workspace's plan counts."""
    user = request.user
    _require(permissions.may_record_support(user))
    visits = LessonVisit.objects.filter(visitor=user).select_related("person", "organization")
    consultations = Consultation.objects.filter(visitor=user).annotate(n_teachers=Count("participants"))
    order = (F("date").desc(nulls_first=True), F("planned_on").desc(nulls_last=True), "-pk")
    return render(
        request,
        "support/my_activities.html",
        {
            "visits": visits.order_by(*order)[:ACTIVITIES_SHOWN],
            "consultations": consultations.order_by(*order)[:ACTIVITIES_SHOWN],
            "shown": ACTIVITIES_SHOWN,
        },
    )

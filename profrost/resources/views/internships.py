"""Internships (interns, mentors, completion) and internship sites with their monthly reports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core.filters import parse_id
from profrost.core.paging import page_of
from profrost.people.models import Person
from profrost.resources import actions, forms
from profrost.resources.actions import ResourceError
from profrost.resources.models import Internship, SiteReport
from profrost.resources.views.common import form_page, may_register, require_center
from profrost.structure.models import Organization


def internship_list(request):
    qs = (
        Internship.objects.select_related("site")
        .annotate(taken=Count("participants"))
        .order_by("start", "title")
    )
    return render(
        request,
        "resources/internship_list.html",
        {"page": page_of(request, qs), "can_edit": permissions.is_region_staff(request.user)},
    )


def internship_form(request, pk=None):
    require_center(request.user)
    internship = get_object_or_404(Internship, pk=pk) if pk else None
    form = forms.InternshipForm(request.POST or None, instance=internship)
    return form_page(
        request, form, "resources:internship", "Стажировка сохранена.", internship or "Новая стажировка"
    )


def internship_detail(request, pk, mentor_form=None, intern_form=None):
    """An internship: participants, mentors; `mentor_form`, `intern_form` — the center's mentor form, the form
    sending a teacher, with their errors, shown again."""
    internship = get_object_or_404(Internship.objects.select_related("site"), pk=pk)
    if intern_form is None and may_register(request.user):
        intern_form = forms.InternForm(user=request.user)
    # Names of people only as far as the viewer may see them (docs/security.md, "Lists of people").
    visible = Person.objects.visible_to(request.user)
    participants = internship.participants.filter(person__in=visible)
    return render(
        request,
        "resources/internship_detail.html",
        {
            "internship": internship,
            "participants": participants.select_related("person").order_by("person__last_name"),
            "hidden_participants": internship.participants.count() - participants.count(),
            "mentors": internship.mentors.filter(pk__in=visible).order_by("last_name", "first_name"),
            "register_form": intern_form,
            "is_center": permissions.is_region_staff(request.user),
            "mentor_form": mentor_form or forms.MentorForm(user=request.user)
            if permissions.is_region_staff(request.user)
            else None,
        },
    )


@require_POST
def internship_add(request, pk):
    internship = get_object_or_404(Internship, pk=pk)
    form = forms.InternForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Никто не направлен на стажировку: выберите педагога из списка.")
        return internship_detail(request, pk, intern_form=form)
    person = form.cleaned_data["person"]
    try:
        actions.add_intern(internship, person, request.user)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        sent = person.by_sex("направлен", "направлена")
        messages.success(request, f"{person.full_name} {sent} на стажировку.")
    return redirect("resources:internship", pk=pk)


@require_POST
def internship_mentor(request, pk):
    """The center names a mentor at the site (a teacher of the site, picked from the people it sees) or removes
    one."""
    require_center(request.user)
    internship = get_object_or_404(Internship.objects.select_related("site"), pk=pk)
    try:
        if request.POST.get("remove"):
            remove = parse_id(request.POST["remove"])
            if remove is not None:
                actions.remove_mentor(internship, request.user, remove)
            messages.success(request, "Наставник снят.")
        else:
            form = forms.MentorForm(request.POST, user=request.user)
            if not form.is_valid():
                messages.error(request, "Наставник не назначен: исправьте отмеченное в форме.")
                return internship_detail(request, pk, mentor_form=form)
            person = actions.add_mentor(internship, request.user, form.cleaned_data["person"])
            messages.success(request, f"{person.full_name} — наставник стажировки.")
    except ResourceError as exc:
        messages.error(request, str(exc))
    return redirect("resources:internship", pk=pk)


@require_POST
def internship_complete(request, pk, participant_pk):
    require_center(request.user)
    internship = get_object_or_404(Internship, pk=pk)
    try:
        actions.set_intern_completed(
            internship, request.user, participant_pk, request.POST.get("completed") == "yes"
        )
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Сохранено.")
    return redirect("resources:internship", pk=pk)


def site_detail(request, pk):
    """An internship site: its internships, participants, monthly reports."""
    # Outside the viewer's scope a site is not found (404), like every other object (docs/security.md §2).
    site = get_object_or_404(
        Organization.objects.visible_to(request.user).filter(statuses__kind="internship_site").distinct(),
        pk=pk,
    )
    if not permissions.may_view_site(request.user, site):
        raise PermissionDenied
    may_report = actions.may_report_for(request.user, site)
    form = forms.SiteReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_report:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = actions.add_site_report(
                    site, request.user, data["month"], data["text"], data["file"]
                )
            except ResourceError as exc:
                form.add_error("month", str(exc))
            else:
                messages.success(request, f"Отчёт за {report.month:%m.%Y} сохранён.")
                return redirect("resources:site", pk=pk)
    internships = site.internships.annotate(taken=Count("participants")).order_by("-start")
    return render(
        request,
        "resources/site_detail.html",
        {
            "site": site,
            "internships": internships,
            "reports": site.site_reports.all(),
            "form": form if may_report else None,
        },
    )


def site_report_file(request, pk):
    report = get_object_or_404(
        SiteReport.objects.filter(site__in=Organization.objects.visible_to(request.user)).select_related(
            "site"
        ),
        pk=pk,
    )
    site = report.site
    if not permissions.may_view_site(request.user, site):
        raise PermissionDenied
    if not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.file_name or report.file.name.rsplit("/", 1)[-1],
    )

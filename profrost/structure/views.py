import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from profrost.core import rules
from profrost.core.exports import xlsx_response
from profrost.core.filters import FilterForm, TextFilter
from profrost.core.forms import CONFLICT_MESSAGE
from profrost.core.history import history
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.scoping import scope_of
from profrost.structure import actions
from profrost.structure.exports import ORGANIZATION_HEADERS, organization_rows
from profrost.structure.extensions import organization_card, staff_counts
from profrost.structure.forms import OrganizationForm, StatusForm
from profrost.structure.models import District, Municipality, Organization


def _region_wide(user):
    return rules.allowed(user, "edit_whole_region")


def can_edit_organization(user, organization=None):
    if _region_wide(user):
        return True
    if not rules.allowed(user, "edit_organizations"):
        return False
    if organization is None:
        return True
    return organization.municipality_id in scope_of(user).municipality_ids


class TreeFilter(FilterForm):
    q = TextFilter(label="Поиск")


def tree(request):
    orgs = Organization.objects.visible_to(request.user)
    q = TreeFilter.of(request).values["q"]
    if q:
        found = orgs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(inn=q)).select_related(
            "municipality"
        )
        page = Paginator(found.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
        return render(
            request,
            "structure/tree.html",
            {"q": q, "page": page, "can_edit": can_edit_organization(request.user)},
        )
    # Staff per municipality in one aggregate query: people with an active job there.
    staff = staff_counts(orgs, "municipality_id")
    org_counts = dict(
        orgs.values_list("municipality_id").annotate(n=Count("pk")).values_list("municipality_id", "n")
    )
    # The municipalities in scope, and those of the organizations in scope: a school coordinator sees no
    # municipality as a whole, but their own organization sits in one.
    municipalities = list(
        Municipality.objects.filter(
            Q(pk__in=Municipality.objects.visible_to(request.user).values("pk"))
            | Q(pk__in=orgs.filter(municipality__isnull=False).values("municipality_id"))
        ).select_related("district")
    )
    districts = {}
    for m in municipalities:
        m.staff = staff.get(m.pk, 0)
        m.org_count = org_counts.get(m.pk, 0)
        districts.setdefault(m.district, []).append(m)
    ordered = sorted(districts.items(), key=lambda item: (item[0] is None, item[0].name if item[0] else ""))
    tree_rows = [(d, ms, sum(m.staff for m in ms), sum(m.org_count for m in ms)) for d, ms in ordered]
    regional = None
    if None in org_counts:
        regional = {"org_count": org_counts[None], "staff": staff.get(None, 0)}
    return render(
        request,
        "structure/tree.html",
        {
            "tree_rows": tree_rows,
            "regional": regional,
            "region_total": sum(staff.values()),
            "can_edit": can_edit_organization(request.user),
            "districts_count": District.objects.count(),
        },
    )


def municipality_organizations(request, pk):
    """The organizations of one municipality (loaded when its node is opened)."""
    orgs = Organization.objects.visible_to(request.user)
    if pk == 0:
        orgs = orgs.filter(municipality__isnull=True)
    else:
        orgs = orgs.filter(municipality_id=pk)
        if not (Municipality.objects.visible_to(request.user).filter(pk=pk).exists() or orgs.exists()):
            raise Http404
    orgs = list(orgs.order_by("name"))
    staff = staff_counts(orgs, "id")
    for org in orgs:
        org.staff = staff.get(org.pk, 0)
    return render(request, "structure/_municipality_orgs.html", {"orgs": orgs})


def organization_export(request):
    orgs = Organization.objects.visible_to(request.user)
    journal(JournalAction.EXPORT, request=request, what="organizations", rows=orgs.count())
    return xlsx_response("организации.xlsx", [("Организации", ORGANIZATION_HEADERS, organization_rows(orgs))])


def _organization_for(request, pk):
    return get_object_or_404(
        Organization.objects.visible_to(request.user).select_related("municipality"), pk=pk
    )


def organization_detail(request, pk):
    org = _organization_for(request, pk)
    today = datetime.date.today()
    statuses = org.statuses.all()
    return render(
        request,
        "structure/organization_detail.html",
        {
            "org": org,
            "card_sections": organization_card.render(request, org),
            "statuses": statuses,
            "today": today,
            "can_edit": can_edit_organization(request.user, org),
            "can_status": rules.allowed(request.user, "set_organization_status"),
            "history": history(org, *statuses),
        },
    )


def organization_create(request):
    if not can_edit_organization(request.user):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, user=request.user, region_wide=_region_wide(request.user))
    if request.method == "POST" and form.is_valid():
        org = actions.create_organization(form.cleaned_data)
        messages.success(request, "Организация создана.")
        return redirect("structure:organization", pk=org.pk)
    return render(request, "structure/organization_form.html", {"form": form, "org": None})


def organization_edit(request, pk):
    org = _organization_for(request, pk)
    if not can_edit_organization(request.user, org):
        raise PermissionDenied
    form = OrganizationForm(
        request.POST or None, instance=org, user=request.user, region_wide=_region_wide(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_organization(org.pk, form.cleaned_data, form.cleaned_data.get("version"))
        except actions.Conflict:
            messages.error(request, CONFLICT_MESSAGE)
        else:
            messages.success(request, "Изменения сохранены.")
        return redirect("structure:organization", pk=org.pk)
    return render(request, "structure/organization_form.html", {"form": form, "org": org})


def status_add(request, pk):
    org = _organization_for(request, pk)
    if not rules.allowed(request.user, "set_organization_status"):
        raise PermissionDenied
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_status(org, form.cleaned_data)
        messages.success(request, "Статус добавлен.")
        return redirect("structure:organization", pk=org.pk)
    return render(request, "structure/status_form.html", {"form": form, "org": org})

"""The program catalog (ДПП): the list with its filters and XLSX, a program's page, its create/edit form."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from profrost.accounts import permissions
from profrost.core.exports import xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, IdFilter, IntFilter, TextFilter
from profrost.core.paging import page_of, query_without_page
from profrost.diagnostics.models import Competence
from profrost.resources import actions, forms
from profrost.resources.models import Program, ProgramStatus, StudyForm
from profrost.resources.views.common import form_page, require_center
from profrost.structure.models import Organization


class ProgramFilter(FilterForm):
    q = TextFilter(label="Поиск")
    competence = IdFilter(label="Компетенция")
    form = ChoiceFilter(label="Форма", choices=StudyForm.choices)
    federal = ChoiceFilter(label="ФР ДПП", choices=[("yes", "в реестре"), ("no", "региональные")])
    provider = IdFilter(label="Организация")
    hours_min = IntFilter(label="Часов от", max_value=100_000)
    hours_max = IntFilter(label="Часов до", max_value=100_000)
    status = ChoiceFilter(label="Статус", choices=ProgramStatus.choices)
    sort = ChoiceFilter(
        label="Сортировка", choices=[("title", "title"), ("hours", "hours"), ("-hours", "-hours")]
    )
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


def program_queryset(params, user):
    """The catalog with the page's filters (ProgramFilter.values): search, competence, form, hours, federal
    registry, provider."""
    qs = Program.objects.select_related("provider")
    if not permissions.is_region_staff(user):
        qs = qs.filter(status=ProgramStatus.ACTIVE)
    elif params["status"]:
        qs = qs.filter(status=params["status"])
    if params["q"]:
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(registry_number__iexact=params["q"]))
    if params["competence"]:
        qs = qs.filter(competences=params["competence"])
    if params["form"]:
        qs = qs.filter(form=params["form"])
    if params["federal"]:
        qs = qs.filter(in_federal_registry=params["federal"] == "yes")
    if params["provider"]:
        qs = qs.filter(provider_id=params["provider"])
    if params["hours_min"] is not None:
        qs = qs.filter(hours__gte=params["hours_min"])
    if params["hours_max"] is not None:
        qs = qs.filter(hours__lte=params["hours_max"])
    order = {"title": ("title", "pk"), "hours": ("hours", "title", "pk"), "-hours": ("-hours", "title", "pk")}
    return qs.order_by(*order.get(params["sort"], ("-in_federal_registry", "title", "pk")))


def program_list(request):
    params = ProgramFilter.of(request).values
    qs = program_queryset(params, request.user)
    if params["format"] == "xlsx":
        rows = (
            [
                p.title,
                p.get_kind_display(),
                p.hours,
                p.get_form_display(),
                p.provider.name,
                "да" if p.in_federal_registry else "нет",
                p.registry_number,
                ";".join(c.code for c in p.competences.all()),
            ]
            for p in qs.prefetch_related("competences").iterator(chunk_size=500)
        )
        headers = [
            "Наименование",
            "Вид",
            "Часы",
            "Форма",
            "Организация",
            "ФР ДПП",
            "Номер в реестре",
            "Компетенции",
        ]
        return xlsx_response("программы.xlsx", [("Программы", headers, rows)])
    page = page_of(request, qs.prefetch_related("competences"))
    providers = (
        Organization.objects.filter(pk__in=Program.objects.values("provider_id"))
        .order_by("name")
        .values_list("pk", "name")
    )
    context = {
        "page": page,
        "params": request.GET,
        "query": query_without_page(request),
        "competences": Competence.objects.filter(is_active=True).values_list("pk", "code", "name"),
        "forms": StudyForm.choices,
        "providers": providers,
        "statuses": ProgramStatus.choices,
        "can_edit": permissions.is_region_staff(request.user),
    }
    template = "resources/_program_rows.html" if request.htmx else "resources/program_list.html"
    return render(request, template, context)


def program_detail(request, pk):
    program = get_object_or_404(Program.objects.select_related("provider"), pk=pk)
    if program.status != ProgramStatus.ACTIVE and not permissions.is_region_staff(request.user):
        raise Http404
    cohorts = actions.cohort_numbers(program.cohorts.all()).order_by("start", "pk")
    return render(
        request,
        "resources/program_detail.html",
        {"program": program, "cohorts": cohorts, "can_edit": permissions.is_region_staff(request.user)},
    )


def program_form(request, pk=None):
    require_center(request.user)
    program = get_object_or_404(Program, pk=pk) if pk else None
    form = forms.ProgramForm(request.POST or None, instance=program)
    return form_page(request, form, "resources:program", "Программа сохранена.", program or "Новая программа")

"""Pages of the routes: the list and registers, a route with its items and workflow, reports, documents,
generation (one person, a whole campaign in the background), notifications."""

import datetime

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core import downloads
from profrost.core.exports import attachment, xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, IdFilter, TextFilter, wanted_format, without_nul
from profrost.core.forms import BootstrapMixin, EndNotBeforeStart, date_widget
from profrost.core.history import history
from profrost.core.http import next_url
from profrost.core.journal import journal
from profrost.core.lookups import LookupField, LookupFormMixin
from profrost.core.models import JournalAction, TaskProgress
from profrost.core.paging import page_of, query_without_page
from profrost.diagnostics.models import Campaign, Competence, CompetenceResult, Result
from profrost.people.models import Person, name_q
from profrost.people.units import unit_jobs
from profrost.routes import actions
from profrost.routes.actions import RouteError, may_edit, may_view, routes_visible_to
from profrost.routes.document import document_name, route_docx, route_pdf
from profrost.routes.exports import route_sheets
from profrost.routes.generation import academic_year, generate_route
from profrost.routes.models import (
    ACTIVE,
    GOAL,
    Evidence,
    ItemStatus,
    Route,
    RouteItem,
    RouteStatus,
    Section,
)
from profrost.routes.proposals import MODELS, kind_of
from profrost.routes.registers import DEVELOPED, register_chart, register_rows
from profrost.routes.tasks import build_routes_zip, generate_routes
from profrost.structure.models import Municipality, Organization

DATE = date_widget()


class RouteForm(BootstrapMixin, djforms.Form):
    goal = djforms.CharField(label="Цель", widget=djforms.Textarea(attrs={"rows": 3}))
    start = djforms.DateField(label="Начало", widget=DATE)
    end = djforms.DateField(label="Окончание", widget=DATE)
    municipal_approval = djforms.BooleanField(
        label="Согласовать также с муниципальным координатором", required=False
    )
    version = djforms.IntegerField(widget=djforms.HiddenInput)


class ItemForm(BootstrapMixin, djforms.Form):
    section = djforms.ChoiceField(label="Раздел", choices=Section.choices)
    content = djforms.CharField(
        label="Содержание работы (мероприятие)",
        max_length=500,
        help_text="1.4 — наименование сообщества или МО; 2.1 — тема выступления; 2.2 — наименование продукта; "
        "3 — «Работа с наставником» или «Работа в качестве наставника»",
    )
    form = djforms.CharField(
        label="Дополнительная информация",
        max_length=500,
        required=False,
        help_text="Форма обучения; 1.4 — содержание работы и статус педагога; 2.1 — мероприятие, на котором "
        "представлен опыт; 2.2 — где представлены, размещены; 3 — основные направления работы "
        "(для наставника — должность подопечного)",
    )
    hours = djforms.IntegerField(label="Часы", required=False, min_value=0, max_value=100_000)
    start = djforms.DateField(label="Начало", required=False, widget=DATE)
    end = djforms.DateField(label="Окончание", required=False, widget=DATE)
    deficits = djforms.ModelMultipleChoiceField(
        label="Дефициты", queryset=Competence.objects.none(), required=False
    )
    version = djforms.IntegerField(widget=djforms.HiddenInput, required=False)

    def __init__(self, *args, route=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deficits"].queryset = route.deficits.all() if route else Competence.objects.none()


def _route(request, pk):
    route = get_object_or_404(Route.objects.select_related("person", "result__campaign", "tutor"), pk=pk)
    if not may_view(request.user, route):
        raise Http404
    return route


def _overdue(route, today):
    return route.status in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS) and route.end < today


# --- list and registers -------------------------------------------------------------------------------------


# Groups of statuses the registers count (routes/registers.py) and «Непокрытые дефициты» reads, so that each
# of their numbers opens the list behind it.
STATUS_GROUPS = {
    "active": ("действующие", ACTIVE),
    "developed": ("разработанные (утверждены и позже)", DEVELOPED),
    "not_cancelled": ("все, кроме отменённых", [s for s in RouteStatus.values if s != RouteStatus.CANCELLED]),
}


class RouteFilter(FilterForm):
    q = TextFilter(label="ФИО")
    status = ChoiceFilter(
        label="Статус",
        choices=[
            *RouteStatus.choices,
            ("overdue", "просрочен"),
            *[(key, label) for key, (label, _) in STATUS_GROUPS.items()],
        ],
    )
    campaign = IdFilter(label="Диагностика")
    municipality = IdFilter(label="Муниципалитет")
    organization = IdFilter(label="Организация")
    uncovered = IdFilter(label="Непокрытый дефицит")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


ZIP_MAX_ROUTES = 300  # documents in one archive; a larger selection is narrowed by the filters


def route_queryset(request, params=None):
    """The routes the user may see, with the list's filters (RouteFilter.values)."""
    p = params if params is not None else RouteFilter.of(request).values
    qs = routes_visible_to(request.user).select_related("person", "result__campaign")
    if p["status"] == "overdue":
        qs = qs.filter(
            status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS], end__lt=datetime.date.today()
        )
    elif p["status"] in STATUS_GROUPS:
        qs = qs.filter(status__in=STATUS_GROUPS[p["status"]][1])
    elif p["status"]:
        qs = qs.filter(status=p["status"])
    if p["campaign"]:
        qs = qs.filter(result__campaign_id=p["campaign"])
    if p["municipality"] or p["organization"]:
        # A teacher belongs to the unit of their main job active today (people/units.py, docs/domain.md §4): the
        # registers' rule, so that a register's number and the list it opens agree.
        main_job = unit_jobs(datetime.date.today(), "person_id")
        if p["municipality"]:
            qs = qs.annotate(
                main_municipality=Subquery(main_job.values("organization__municipality_id")[:1])
            ).filter(main_municipality=p["municipality"])
        if p["organization"]:
            qs = qs.annotate(main_organization=Subquery(main_job.values("organization_id")[:1])).filter(
                main_organization=p["organization"]
            )
    if p["uncovered"]:
        qs = qs.filter(uncovered=p["uncovered"])
    return qs.filter(name_q(p["q"], "person__")).order_by("person__last_name", "person__first_name", "-pk")


def _route_filter_chips(request, form):
    values = form.values
    names = {
        "campaign": dict(Campaign.objects.filter(pk=values["campaign"] or 0).values_list("pk", "name")),
        "municipality": dict(
            Municipality.objects.visible_to(request.user)
            .filter(pk=values["municipality"] or 0)
            .values_list("pk", "name")
        ),
        "organization": dict(
            Organization.objects.visible_to(request.user)
            .filter(pk=values["organization"] or 0)
            .values_list("pk", "name")
        ),
        "uncovered": {
            pk: f"{code} {name}"
            for pk, code, name in Competence.objects.filter(pk=values["uncovered"] or 0).values_list(
                "pk", "code", "name"
            )
        },
    }
    return form.chips(request, names)


def route_list(request):
    form = RouteFilter.of(request)
    params = form.values
    qs = route_queryset(request, params)
    if params["format"] == "xlsx":
        return _export(request, qs)
    page = page_of(request, qs)
    return render(
        request,
        "routes/route_list.html",
        {
            "page": page,
            "params": {key: "" if value is None else str(value) for key, value in params.items()},
            "chips": _route_filter_chips(request, form),
            "query": query_without_page(request),
            "statuses": RouteFilter.base_fields["status"].choices,
            "today": datetime.date.today(),
            "campaigns": Campaign.objects.values_list("pk", "name"),
            "municipalities": Municipality.objects.visible_to(request.user).values_list("pk", "name"),
            "is_center": permissions.is_region_staff(request.user),
            "can_assign": permissions.may_assign_tutors(request.user),
        },
    )


@require_POST
def routes_zip(request):
    """The documents of the list's routes (its filters, at most ZIP_MAX_ROUTES) as one ZIP. Documents take a
    fraction of a second each: the worker makes the archive while the page shows its progress. A POST: it
    starts work (a GET link would be followed by crawlers and prefetching)."""
    query = QueryDict(request.POST.get("query", "")[:2000])
    params = RouteFilter(query).values
    fmt = request.POST.get("fmt")
    if fmt not in ("docx", "pdf"):
        raise Http404
    route_ids = list(route_queryset(request, params).values_list("pk", flat=True)[:ZIP_MAX_ROUTES])
    back = f"{reverse('routes:list')}?{query.urlencode()}"
    if not route_ids:
        messages.info(request, "Маршрутов по этим условиям нет — архив не нужен.")
        return redirect(back)
    journal(JournalAction.EXPORT, request=request, what="routes zip", rows=len(route_ids))
    progress = downloads.start(
        request.user, f"ИОМ ({fmt.upper()}), {len(route_ids)} шт.zip", total=len(route_ids)
    )
    build_routes_zip.enqueue(progress.pk, route_ids, fmt)
    return redirect("download", pk=progress.pk)


def _export(request, qs):
    journal(JournalAction.EXPORT, request=request, what="routes", rows=qs.count())
    return xlsx_response("маршруты.xlsx", route_sheets(qs, request.user))


class RegisterFilter(FilterForm):
    municipality = IdFilter(label="Муниципалитет")
    campaign = IdFilter(label="Диагностика")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX"), ("pdf", "PDF")])


REGISTER_HEADERS = [
    "Муниципалитет / организация",
    "Продиагностировано",
    "С разработанным маршрутом",
    "Черновики",
    "На согласовании",
    "Разработано (утверждено)",
    "Выполняется",
    "Завершено успешно",
    "Завершено частично",
    "Просрочено",
    "Дефицитов в маршрутах",
    "Закрыто дефицитов",
    "Доля закрытых, %",
]
REGISTER_COLUMNS = (
    "diagnosed",
    "with_route",
    "drafts",
    "review",
    "developed",
    "in_progress",
    "done",
    "partial",
    "overdue",
    "deficits",
    "closed",
)


def _register_params(request, notify=True):
    form = RegisterFilter.of(request, notify=notify)
    params = form.values
    rows, total = register_rows(
        request.user, municipality_id=params["municipality"], campaign_id=params["campaign"]
    )
    params["chips"] = form.chips(
        request,
        {
            "municipality": dict(
                Municipality.objects.visible_to(request.user)
                .filter(pk=params["municipality"] or 0)
                .values_list("pk", "name")
            ),
            "campaign": dict(Campaign.objects.filter(pk=params["campaign"] or 0).values_list("pk", "name")),
        },
    )
    return params, rows, total


# Each register column and the route list's status filter that lists what it counts (deficits and closed
# ones: the routes that carry them).
REGISTER_LINKS = {
    "with_route": "developed",
    "drafts": "draft",
    "review": "review",
    "developed": "developed",
    "in_progress": "in_progress",
    "done": "done",
    "partial": "partial",
    "overdue": "overdue",
    "deficits": "not_cancelled",
    "closed": "not_cancelled",
}


def _register_links(row, params, total=False):
    """{column: url} — the list behind each number of a register row: the routes (route list) of the row's
    unit, or, for «Продиагностировано», the campaign's participants (when one campaign is chosen)."""
    if row["pk"] is None and not total:
        return {}  # people without a job: no filter selects them
    unit = []
    if params["municipality"]:
        unit.append(("municipality", params["municipality"]))
    if row["pk"] is not None:
        unit.append(("organization" if params["municipality"] else "municipality", row["pk"]))
    campaign = [("campaign", params["campaign"])] if params["campaign"] else []
    routes = reverse("routes:list")
    links = {
        column: f"{routes}?{urlencode([*unit, *campaign, ('status', status)])}"
        for column, status in REGISTER_LINKS.items()
        if row[column]
    }
    if params["campaign"] and row["diagnosed"]:
        page = reverse("diagnostics:campaign", args=[params["campaign"]])
        links["diagnosed"] = f"{page}?{urlencode([*unit, ('status', 'scored')])}#participants"
    return links


def registers(request):
    """Routes by municipality (or, drilled down, by organization): developed, approved, in progress, completed,
    overdue; diagnosed vs with a route vs completed; the share of the routes' deficits closed since."""
    if not permissions.may_view_registers(request.user):
        raise PermissionDenied
    params, rows, total = _register_params(request)
    municipality = str(params["municipality"] or "")
    campaign = str(params["campaign"] or "")
    by_organization = params["municipality"] is not None
    if params["format"] == "xlsx":
        data = [
            [
                r["name"],
                *[r[key] for key in REGISTER_COLUMNS],
                float(r["closed_share"]) if r["closed_share"] is not None else None,
            ]
            for r in [*rows, total]
        ]
        return xlsx_response("Реестр ИОМ.xlsx", [("Реестр ИОМ", REGISTER_HEADERS, data)])
    chart = register_chart(rows, by_organization)
    if params["format"] == "pdf":
        return _registers_pdf(request, rows, total, chart, params)
    for row in [*rows, total]:
        links = _register_links(row, params, total=row is total)
        row["cells"] = [(row[column], links.get(column)) for column in REGISTER_COLUMNS]
    return render(
        request,
        "routes/registers.html",
        {
            "rows": rows,
            "total": total,
            "chart": chart,
            "chips": params["chips"],
            "municipality": municipality,
            "campaign": campaign,
            "campaigns": Campaign.objects.values_list("pk", "name"),
            "query": request.GET.urlencode(),
            "chart_query": urlencode(
                [(k, v) for k, v in (("municipality", municipality), ("campaign", campaign)) if v]
            ),
        },
    )


def registers_chart(request):
    """The registers' chart as SVG (an <img> of the registers page): the same rows, filters and scope."""
    if not permissions.may_view_registers(request.user):
        raise PermissionDenied
    params, rows, _ = _register_params(request, notify=False)  # the page has told about bad values already
    return register_chart(rows, params["municipality"] is not None).response()


def _registers_pdf(request, rows, total, chart, params):
    """The registers as a PDF: the chart (SVG as a data: URI, which WeasyPrint draws) above the table."""
    import weasyprint  # ~1 s to import: loaded by the PDF exports only, not by every process that loads the URLs

    municipality = Municipality.objects.filter(pk=params["municipality"] or 0).values_list("name", flat=True)
    campaign = Campaign.objects.filter(pk=params["campaign"] or 0).values_list("name", flat=True)
    journal(JournalAction.EXPORT, request=request, what="registers pdf", rows=len(rows))
    html = render_to_string(
        "routes/registers_pdf.html",
        {
            "rows": rows,
            "total": total,
            "headers": REGISTER_HEADERS,
            "chart": chart,
            "image": chart.data_uri() if rows else "",
            "municipality": municipality.first(),
            "campaign": campaign.first(),
            "today": datetime.date.today(),
        },
        request=request,
    )
    response = HttpResponse(weasyprint.HTML(string=html).write_pdf(), content_type="application/pdf")
    return attachment(response, "Реестр ИОМ", "pdf")


def uncovered_report(request):
    """Deficits no resource covers, by competence — what the DPO institute should write programs for."""
    if not permissions.may_view_uncovered_deficits(request.user):
        raise PermissionDenied
    rows = (
        Route.uncovered.through.objects.filter(route__status__in=ACTIVE)
        .values("competence_id", "competence__code", "competence__name")
        .annotate(n=Count("route_id"))
        .order_by("-n", "competence__code")
    )
    if wanted_format(request) == "xlsx":
        return xlsx_response(
            "непокрытые-дефициты.xlsx",
            [
                (
                    "Непокрытые дефициты",
                    ["Код", "Компетенция", "Маршрутов"],
                    [[r["competence__code"], r["competence__name"], r["n"]] for r in rows],
                )
            ],
        )
    return render(request, "routes/uncovered.html", {"rows": rows})


# --- one route --------------------------------------------------------------------------------------------------


def route_detail(request, pk):
    route = _route(request, pk)
    user = request.user
    today = datetime.date.today()
    items = list(route.items.prefetch_related("deficits", "evidence").order_by("section", "position", "pk"))
    for item in items:
        item.overdue = (
            route.status in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS)
            and item.end is not None
            and item.end < today
            and not item.reported_at
            and item.status not in (ItemStatus.DONE, ItemStatus.NOT_DONE)
        )
    sections = [(value, label, [i for i in items if i.section == value]) for value, label in Section.choices]
    if user.person_id != route.person_id:
        journal(JournalAction.VIEW_PERSON, request=request, obj=route.person, what="route", route_id=route.pk)
    return render(
        request,
        "routes/route_detail.html",
        {
            "route": route,
            "sections": sections,
            "overdue": _overdue(route, today),
            "deficits": route.deficits.order_by("code"),
            "uncovered": route.uncovered.order_by("code"),
            "effect": _effect(route),
            "can_edit": may_edit(user, route),
            "is_owner": actions.is_owner(user, route),
            "is_school": actions.is_school(user, route),
            "is_municipal": actions.is_municipal(user, route),
            "is_tutor": actions.is_tutor(user, route) or permissions.is_region_staff(user),
            "is_center": permissions.is_region_staff(user),
            "history": history(route, limit=30),
            "item_form": ItemForm(route=route),
        },
    )


def _effect(route):
    """After a repeated diagnosis: which of the route's deficits closed (the newest later result)."""
    if not route.result_id:
        return None
    later = Result.objects.filter(
        person_id=route.person_id, taken_on__gt=route.result.taken_on
    ).latest_scored()
    if later is None:
        return None
    codes = set(route.deficits.values_list("code", flat=True))
    now = dict(
        CompetenceResult.objects.filter(result=later, competence__code__in=codes).values_list(
            "competence__code", "is_deficit"
        )
    )
    return {
        "result": later,
        "closed": sorted(c for c in codes if now.get(c) is False),
        "remaining": sorted(c for c in codes if now.get(c) is True),
        "not_measured": sorted(c for c in codes if c not in now),
    }


def _fail(request, exc, route):
    messages.error(request, str(exc))
    return redirect("routes:detail", pk=route.pk)


def route_edit(request, pk):
    route = _route(request, pk)
    if not may_edit(request.user, route):
        messages.error(request, "Маршрут не в черновике: чтобы изменить его, верните его на доработку.")
        return redirect("routes:detail", pk=pk)
    form = RouteForm(
        request.POST or None,
        initial={
            "goal": route.goal,
            "start": route.start,
            "end": route.end,
            "municipal_approval": route.municipal_approval,
            "version": route.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_route(route, request.user, form.cleaned_data, form.cleaned_data["version"])
        except RouteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Маршрут сохранён.")
            return redirect("routes:detail", pk=pk)
    return render(
        request, "routes/form.html", {"form": form, "route": route, "title": "Маршрут: цель и сроки"}
    )


def item_form(request, pk, item_pk=None):
    route = _route(request, pk)
    item = get_object_or_404(RouteItem, pk=item_pk, route=route) if item_pk else None
    if not may_edit(request.user, route):
        messages.error(request, "Маршрут не в черновике: чтобы изменить его, верните его на доработку.")
        return redirect("routes:detail", pk=pk)
    initial = {}
    if item:
        initial = {
            f: getattr(item, f) for f in ("section", "content", "form", "hours", "start", "end", "version")
        }
        initial["deficits"] = list(item.deficits.all())
    form = ItemForm(request.POST or None, initial=initial, route=route)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_item(route, request.user, form.cleaned_data, item, form.cleaned_data.get("version"))
        except RouteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Пункт сохранён.")
            return redirect("routes:detail", pk=pk)
    return render(
        request,
        "routes/form.html",
        {"form": form, "route": route, "title": "Пункт маршрута" if item else "Новый пункт"},
    )


@require_POST
def item_delete(request, pk, item_pk):
    route = _route(request, pk)
    item = get_object_or_404(RouteItem, pk=item_pk, route=route)
    try:
        actions.delete_item(route, request.user, item)
    except RouteError as exc:
        return _fail(request, exc, route)
    messages.success(request, "Пункт удалён.")
    return redirect("routes:detail", pk=pk)


@require_POST
def route_action(request, pk, action):
    route = _route(request, pk)
    user, version = request.user, request.POST.get("version")
    comment = without_nul(request.POST.get("comment", ""))[:2000]
    done = {
        "submit": ("Маршрут отправлен на согласование.", lambda: actions.submit(route, user, version)),
        "approve": ("Маршрут согласован.", lambda: actions.approve(route, user, comment, version)),
        "reject": ("Маршрут возвращён на доработку.", lambda: actions.reject(route, user, comment, version)),
        "send_back": ("Маршрут возвращён в черновик.", lambda: actions.send_back(route, user, version)),
        "close_done": (
            "Маршрут завершён успешно.",
            lambda: actions.close(route, user, True, comment, version),
        ),
        "close_partial": (
            "Маршрут завершён частично.",
            lambda: actions.close(route, user, False, comment, version),
        ),
        "cancel": ("Маршрут отменён.", lambda: actions.cancel(route, user, version)),
    }
    if action not in done:
        raise Http404
    message, run = done[action]
    try:
        run()
    except RouteError as exc:
        return _fail(request, exc, route)
    messages.success(request, message)
    return redirect("routes:detail", pk=pk)


class TutorForm(LookupFormMixin, djforms.Form):
    """The tutor picked (by name or login) among those who may tutor — the «tutors» lookup."""

    tutor = LookupField(
        "tutors",
        label="Тьютор",
        error_messages={
            "required": "Выберите тьютора из списка: методиста, наставника или сотрудника центра.",
            "invalid_choice": "Тьютор не найден: выберите методиста, наставника или сотрудника центра из списка.",
        },
    )


def _tutor(request):
    """The tutor the POST names, or None with the reason as a message."""
    form = TutorForm(request.POST, user=request.user)
    if form.is_valid():
        return form.cleaned_data["tutor"]
    messages.error(request, form.errors["tutor"][0])
    return None


def bulk_tutor(request):
    """The center or a school coordinator assigns one tutor to many routes of the list at once."""
    if not permissions.may_assign_tutors(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("routes:list")
    ids = [int(x) for x in request.POST.getlist("route") if x.isascii() and x.isdigit() and len(x) < 10][
        :1000
    ]
    if not ids:
        messages.error(request, "Отметьте маршруты, которым назначить тьютора.")
        return redirect(next_url(request, "routes:list"))
    tutor = _tutor(request)
    if tutor is None:
        return redirect(next_url(request, "routes:list"))
    # Only the routes the user sees (a route named outside them is not theirs to touch).
    try:
        n = actions.assign_tutor(routes_visible_to(request.user).filter(pk__in=ids), request.user, tutor)
    except RouteError as exc:
        messages.error(request, str(exc))
        return redirect(next_url(request, "routes:list"))
    messages.success(request, f"Тьютор {tutor.get_full_name() or tutor.username} назначен маршрутам: {n}.")
    return redirect(next_url(request, "routes:list"))


@require_POST
def route_tutor(request, pk):
    route = _route(request, pk)
    if not actions.may_assign_tutor(request.user, route):
        raise PermissionDenied
    tutor = _tutor(request)
    if tutor is None:
        return redirect("routes:detail", pk=pk)
    try:
        actions.assign_tutor([route], request.user, tutor, request.POST.get("version"))
    except RouteError as exc:
        return _fail(request, exc, route)
    messages.success(request, f"Тьютор: {tutor.get_full_name() or tutor.username}.")
    return redirect("routes:detail", pk=pk)


@require_POST
def item_report(request, pk, item_pk):
    route = _route(request, pk)
    item = get_object_or_404(RouteItem, pk=item_pk, route=route)
    try:
        actions.report(
            item,
            request.user,
            without_nul(request.POST.get("report", ""))[:10000],
            without_nul(request.POST.get("links", ""))[:2000],
            request.FILES.getlist("files")[:10],
            request.POST.get("version"),
        )
    except RouteError as exc:
        return _fail(request, exc, route)
    messages.success(request, "Отчёт сохранён и отправлен тьютору.")
    return redirect("routes:detail", pk=pk)


@require_POST
def item_review(request, pk, item_pk):
    route = _route(request, pk)
    item = get_object_or_404(RouteItem, pk=item_pk, route=route)
    try:
        actions.review_report(
            item,
            request.user,
            request.POST.get("decision") == "accept",
            without_nul(request.POST.get("comment", ""))[:2000],
            request.POST.get("version"),
        )
    except RouteError as exc:
        return _fail(request, exc, route)
    messages.success(
        request, "Отчёт принят." if request.POST.get("decision") == "accept" else "Отчёт возвращён."
    )
    return redirect("routes:detail", pk=pk)


def evidence_file(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("item__route"), pk=pk)
    if not may_view(request.user, evidence.item.route):
        raise Http404
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


def route_document(request, pk, fmt):
    route = _route(request, pk)
    if fmt in ("docx", "pdf") and request.user.person_id != route.person_id:
        journal(
            JournalAction.EXPORT, request=request, obj=route.person, what=f"route {fmt}", route_id=route.pk
        )
    if fmt == "docx":
        body, kind = (
            route_docx(route),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    elif fmt == "pdf":
        body, kind = route_pdf(route, request), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(
        body,
        content_type=kind,
        headers={"Content-Disposition": content_disposition_header(True, document_name(route, fmt))},
    )
    return response


# --- generation ---------------------------------------------------------------------------------------------------


@require_POST
def generate_for_result(request, result_pk):
    """A draft route for one person from one result (the teacher, their school, or the center)."""
    result = get_object_or_404(
        Result.objects.visible_to(request.user).select_related("campaign"), pk=result_pk
    )
    user = request.user
    if not permissions.may_build_route_from(user, result):
        raise PermissionDenied
    try:
        route, counts = generate_route(result)
    except RouteError as exc:
        messages.error(request, str(exc))
        return redirect("diagnostics:result", pk=result.pk)
    messages.success(
        request,
        "Черновик маршрута построен."
        + (f" Непокрытых дефицитов: {counts['uncovered']}." if counts["uncovered"] else ""),
    )
    return redirect("routes:detail", pk=route.pk)


class GenerateForm(EndNotBeforeStart, BootstrapMixin, djforms.Form):
    municipality = djforms.ModelChoiceField(
        label="Только для муниципалитета",
        queryset=Municipality.objects.order_by("name"),
        required=False,
        empty_label="весь регион",
    )
    hours = djforms.IntegerField(label="Бюджет часов курсов", initial=72, min_value=0, max_value=1000)
    start = djforms.DateField(label="Начало маршрутов", widget=DATE)
    end = djforms.DateField(label="Окончание маршрутов", widget=DATE)


def generate_for_campaign(request, campaign_pk):
    if not permissions.may_generate_routes(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    start, end = academic_year()
    form = GenerateForm(request.POST or None, initial={"hours": 72, "start": start, "end": end})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        progress = TaskProgress.objects.create(kind="routes", user=request.user, message="В очереди")
        generate_routes.enqueue(
            progress.pk,
            campaign.pk,
            d["hours"],
            d["start"].isoformat(),
            d["end"].isoformat(),
            municipality_id=d["municipality"].pk if d["municipality"] else None,
        )
        return redirect("routes:task", pk=progress.pk)
    with_deficits = (
        Result.objects.filter(campaign=campaign)
        .scored()
        .filter(Exists(CompetenceResult.objects.filter(result=OuterRef("pk"), is_deficit=True)))
        .count()
    )
    existing = Route.objects.filter(result__campaign=campaign).count()
    return render(
        request,
        "routes/generate.html",
        {"campaign": campaign, "form": form, "with_deficits": with_deficits, "existing": existing},
    )


def task_status(request, pk):
    progress = get_object_or_404(TaskProgress, pk=pk, user=request.user, kind="routes")
    template = "routes/_task.html" if request.htmx else "routes/task.html"
    return render(request, template, {"progress": progress})


# --- the route as the teacher's hub: a resource added to the route, a route made by hand ---------------------


class AddResourceForm(djforms.Form):
    """The «Добавить в маршрут» button's hidden fields (routes/_resource_action.html)."""

    person = djforms.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = djforms.ChoiceField(choices=[(kind, kind) for kind in MODELS])
    resource = djforms.IntegerField(min_value=1, max_value=2**63 - 1)


@require_POST
def add_resource(request):
    """«Добавить в маршрут» from a resource's page or a row of a person's matching resources; back where it was
    pressed. A person outside the user's scope is refused with a message; with no active route, the user who
    may make one is taken to the form, the resource carried along."""
    back = next_url(request, "routes:list")
    form = AddResourceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Ресурс не найден: обновите страницу и попробуйте снова.")
        return redirect(back)
    data, user = form.cleaned_data, request.user
    person = Person.objects.visible_to(user).filter(pk=data["person"]).first()
    if person is None:
        messages.error(request, "Педагог не найден в вашей области доступа.")
        return redirect(back)
    resource = MODELS[data["kind"]].objects.filter(pk=data["resource"]).first()
    if resource is None:
        messages.error(request, "Ресурс не найден: возможно, его удалили из каталога.")
        return redirect(back)
    if actions.active_route(person.pk) is None:
        if actions.may_create(user, person):
            messages.info(
                request, "Действующего маршрута нет: составьте его — ресурс будет добавлен в новый маршрут."
            )
            return redirect(
                f"{reverse('routes:create_for', args=[person.pk])}?add={data['kind']}:{resource.pk}"
            )
        messages.error(request, actions.NO_ACTIVE_ROUTE)
        return redirect(back)
    try:
        item = actions.add_resource(person, resource, user)
    except RouteError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Добавлено в маршрут (раздел {item.section}): «{item.content}».")
    return redirect(back)


class NewRouteFilter(FilterForm):
    add = TextFilter(label="Ресурс для маршрута", max_length=40)


def _resource_to_add(value):
    """«cohort:12» (the route form's `add`) → that catalog object, or None."""
    kind, _, pk = (value or "").partition(":")
    if kind not in MODELS or not (pk.isascii() and pk.isdigit() and len(pk) < 19):
        return None
    return MODELS[kind].objects.filter(pk=int(pk)).first()


class NewRouteForm(LookupFormMixin, EndNotBeforeStart, BootstrapMixin, djforms.Form):
    # Picked by name (or full SNILS) among the people the user sees; may_create decides in create_route.
    person = LookupField("people", label="Педагог")
    basis = djforms.CharField(
        label="Основание",
        max_length=500,
        help_text="Почему маршрут составляется вручную: например, «по итогам посещения урока методистом» "
        "или «диагностика ещё не проводилась».",
    )
    start = djforms.DateField(label="Начало", widget=DATE)
    end = djforms.DateField(label="Окончание", widget=DATE)
    deficits = djforms.ModelMultipleChoiceField(
        label="Дефициты, на которые направлен маршрут (если известны)",
        queryset=Competence.objects.filter(is_active=True).order_by("code"),
        required=False,
    )
    goal = djforms.CharField(label="Цель", widget=djforms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, pick_person=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not pick_person:
            del self.fields["person"]


def route_create(request, person_pk=None):
    """A route made by hand — for a person without a diagnostic result, or after a methodologist's visit —
    marked as such with its basis: for the person of the card (person_pk), or for one chosen from the user's
    people without an active route."""
    user = request.user
    person = None
    if person_pk is not None:
        person = get_object_or_404(Person.objects.visible_to(user), pk=person_pk)
        if not actions.may_create(user, person):
            raise PermissionDenied
        route = actions.active_route(person.pk)
        if route is not None:
            messages.info(request, actions.ACTIVE_ROUTE_EXISTS)
            return redirect("routes:detail", pk=route.pk)
    elif not actions.people_for_new_route(user, limit=1):
        messages.info(request, "Педагогов без действующего маршрута в вашей области доступа нет.")
        return redirect("routes:list")
    if request.method == "POST":
        add = _resource_to_add(request.POST.get("add"))
    else:
        add = _resource_to_add(NewRouteFilter.of(request).values["add"])
    start, end = academic_year()
    form = NewRouteForm(
        request.POST or None,
        user=user,
        pick_person=person is None,
        initial={"start": start, "end": end, "goal": GOAL},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = person or data["person"]
        try:
            if target is None:
                raise RouteError("Педагог не найден в вашей области доступа.")
            route = actions.create_route(
                target, user, data["start"], data["end"], data["basis"], data["goal"], data["deficits"]
            )
        except RouteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Маршрут составлен вручную: это черновик — добавьте пункты и отправьте на согласование.",
            )
            if add is not None:
                try:
                    item = actions.add_resource(route, add, user)
                except RouteError as exc:
                    messages.warning(request, str(exc))
                else:
                    messages.success(
                        request, f"Добавлено в маршрут (раздел {item.section}): «{item.content}»."
                    )
            return redirect("routes:detail", pk=route.pk)
    return render(
        request,
        "routes/create.html",
        {
            "form": form,
            "person": person,
            "add": f"{kind_of(add)}:{add.pk}" if add else "",
            "add_title": actions.resource_title(add) if add else "",
        },
    )

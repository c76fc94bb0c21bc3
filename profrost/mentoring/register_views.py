"""The registers' pages (docs/mentoring.md §3): the register of mentors and the base of young specialists, as of a
date, filtered, sorted, paged (50) and exported to XLSX with the page's filters. For those who manage mentoring
(school and municipal coordinators, the region's staff), each within their scope."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path

from profrost.core.exports import xlsx_response
from profrost.core.filters import ChoiceFilter, DateFilter, FilterForm, IdFilter, TextFilter
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.mentoring import registers
from profrost.mentoring.models import mentee_cap
from profrost.mentoring.permissions import may_manage_mentoring
from profrost.people.models import sees_sensitive
from profrost.structure.models import Municipality, Organization


class RegisterFilter(FilterForm):
    q = TextFilter(label="ФИО")
    municipality = IdFilter(label="Муниципалитет")
    organization = IdFilter(label="Организация")
    on = DateFilter(label="Дата")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


class YoungFilter(RegisterFilter):
    unsupported = ChoiceFilter(label="Только без сопровождения", choices=[("1", "да")])
    sort = ChoiceFilter(
        label="Сортировка",
        choices=[
            ("name", "по ФИО"),
            ("organization", "по муниципалитету и организации"),
            ("age", "по возрасту"),
            ("experience", "по стажу"),
            ("unsupported", "сначала без сопровождения"),
        ],
    )


class MentorFilter(RegisterFilter):
    kind = ChoiceFilter(label="Наставники", choices=list(registers.MENTOR_KINDS.items()))
    sort = ChoiceFilter(
        label="Сортировка",
        choices=[
            ("name", "по ФИО"),
            ("organization", "по муниципалитету и организации"),
            ("experience", "по стажу (больше — выше)"),
            ("load", "по нагрузке (больше — выше)"),
            ("results", "по успешно завершённым парам"),
        ],
    )


def _require(request):
    if not may_manage_mentoring(request.user):
        raise PermissionDenied


def _choices(user, municipality_id):
    """(municipalities, organizations) for the filter selects, within the user's scope. The organizations are
    listed once a municipality is chosen, or when the scope is below the region (a few of them)."""
    scope = scope_of(user)
    municipalities = list(Municipality.objects.visible_to(user).values_list("pk", "name"))
    orgs = Organization.objects.visible_to(user)
    if municipality_id:
        orgs = orgs.filter(municipality_id=municipality_id)
    elif scope.everything or scope.region_ids:
        orgs = orgs.none()
    return municipalities, list(orgs.order_by("name").values_list("pk", "name"))


def _values(request, form):
    """The form's clean values; a municipality or an organization outside the user's scope is refused as any
    invalid filter (a message, the filter not applied) — it would only ever narrow the list to nothing."""
    values = form.values
    for name, visible in (
        ("municipality", Municipality.objects.visible_to(request.user)),
        ("organization", Organization.objects.visible_to(request.user)),
    ):
        if values[name] and not visible.filter(pk=values[name]).exists():
            messages.error(
                request, f"Неверное значение фильтра «{form.fields[name].label}»: вне вашей области."
            )
            values[name] = None
    return values


def _names(model, pk):
    return dict(model.objects.filter(pk=pk or 0).values_list("pk", "name"))


def _context(request, form, values, day):
    municipalities, organizations = _choices(request.user, values["municipality"])
    # a refused id keeps its chip (to remove it), named by number only
    names = {
        "municipality": _names(Municipality, values["municipality"]),
        "organization": _names(Organization, values["organization"]),
    }
    chips = form.chips(request, names)
    return {
        "params": {key: "" if value is None else str(value) for key, value in values.items()},
        "day": day,
        "today": datetime.date.today(),
        "chips": chips,
        "query": query_without_page(request),
        "municipalities": municipalities,
        "organizations": organizations,
        "sorts": form.fields["sort"].choices,
        "with_snils": sees_sensitive(request.user, None),
    }


def _page(request, qs, load, rows_of, day):
    """One page of the register: the ordered ids paged in the database, then the page's people and columns."""
    page = page_of(request, qs.values_list("pk", flat=True))
    return page, rows_of(load(list(page.object_list), day), day)


def _export(request, qs, load, rows_of, sheet_rows, headers, title, day, what):
    with_snils = sees_sensitive(request.user, None)
    journal(
        JournalAction.EXPORT,
        request=request,
        what=what,
        rows=qs.count(),
        filters={k: v[:200] for k, v in request.GET.items() if k != "page"},
    )
    return xlsx_response(
        f"{title} на {day:%d.%m.%Y}.xlsx",
        [
            (
                title,
                (["СНИЛС"] if with_snils else []) + headers,
                sheet_rows(registers.in_batches(qs, load, rows_of, day), with_snils),
            )
        ],
    )


def young(request):
    """The base of young specialists (docs/mentoring.md §3)."""
    _require(request)
    form = YoungFilter.of(request)
    values = _values(request, form)
    day = values["on"] or datetime.date.today()
    qs = registers.young_specialists(
        request.user,
        day,
        q=values["q"],
        municipality_id=values["municipality"],
        organization_id=values["organization"],
        unsupported=bool(values["unsupported"]),
        sort=values["sort"] or "name",
    )
    if values["format"] == "xlsx":
        return _export(
            request,
            qs,
            registers.load_people,
            registers.young_rows,
            registers.young_sheet_rows,
            registers.YOUNG_HEADERS,
            "Молодые специалисты",
            day,
            "young specialists",
        )
    page, rows = _page(request, qs, registers.load_people, registers.young_rows, day)
    context = _context(request, form, values, day)
    context.update(page=page, rows=rows)
    return render(request, "mentoring/register_young.html", context)


def mentors(request):
    """The register of mentors (docs/mentoring.md §3)."""
    _require(request)
    form = MentorFilter.of(request)
    values = _values(request, form)
    day = values["on"] or datetime.date.today()
    qs = registers.mentors(
        request.user,
        day,
        q=values["q"],
        municipality_id=values["municipality"],
        organization_id=values["organization"],
        kind=values["kind"],
        sort=values["sort"] or "name",
    )
    if values["format"] == "xlsx":
        return _export(
            request,
            qs,
            registers.load_mentors,
            registers.mentor_rows,
            registers.mentor_sheet_rows,
            registers.MENTOR_HEADERS,
            "Педагоги-наставники",
            day,
            "mentors",
        )
    page, rows = _page(request, qs, registers.load_mentors, registers.mentor_rows, day)
    context = _context(request, form, values, day)
    context.update(
        page=page,
        rows=rows,
        kinds=list(registers.MENTOR_KINDS.items()),
        cap=mentee_cap(),
    )
    return render(request, "mentoring/register_mentors.html", context)


urlpatterns = [
    path("mentors/", mentors, name="mentors"),
    path("young/", young, name="young"),
]

"""Events and the annual plan: the list (or calendar) with its filters and XLSX, an event's page, registration
and attendance."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core.exports import xlsx_response
from profrost.core.filters import ChoiceFilter, FilterForm, IdFilter, TextFilter, YearFilter, parse_id
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Competence
from profrost.people.models import Person
from profrost.resources import actions, forms
from profrost.resources.actions import ResourceError, may_manage_municipality
from profrost.resources.models import Event, EventKind, Level, ParticipationRole
from profrost.resources.views.common import form_page, may_register
from profrost.structure.models import Organization


class EventFilter(FilterForm):
    q = TextFilter(label="Название")
    kind = ChoiceFilter(label="Вид", choices=EventKind.choices)
    level = ChoiceFilter(label="Уровень", choices=Level.choices)
    plan = ChoiceFilter(label="Годовой план", choices=[("yes", "да")])
    year = YearFilter(label="Год")
    competence = IdFilter(label="Компетенция")
    # The tabs and the filter form's hidden field send view=list or view=calendar.
    view = ChoiceFilter(label="Вид страницы", choices=[("list", "список"), ("calendar", "календарь")])
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


def event_queryset(params):
    """The events with the page's filters (EventFilter.values)."""
    qs = Event.objects.select_related("organizer")
    if params["q"]:
        qs = qs.filter(title__icontains=params["q"])
    if params["kind"]:
        qs = qs.filter(kind=params["kind"])
    if params["level"]:
        qs = qs.filter(level=params["level"])
    if params["plan"] == "yes":
        qs = qs.filter(in_annual_plan=True)
    if params["year"] is not None:
        qs = qs.filter(start__year=params["year"])
    if params["competence"]:
        qs = qs.filter(competences=params["competence"])
    return qs.annotate(registered=Count("participations")).order_by("start", "title", "pk")


def event_list(request):
    params = EventFilter.of(request).values
    qs = event_queryset(params)
    if params["format"] == "xlsx":
        headers = [
            "Наименование",
            "Вид",
            "Уровень",
            "Организатор",
            "Начало",
            "Окончание",
            "Формат",
            "Место",
            "Мест",
            "Зарегистрировано",
        ]
        rows = (
            [
                e.title,
                e.get_kind_display(),
                e.get_level_display(),
                e.organizer.name,
                e.start,
                e.end,
                e.get_format_display(),
                e.place,
                e.capacity,
                e.registered,
            ]
            for e in qs.iterator(chunk_size=500)
        )
        return xlsx_response("мероприятия.xlsx", [("Мероприятия", headers, rows)])
    calendar = params["view"] == "calendar"
    context = {
        "params": request.GET,
        "query": query_without_page(request),
        "kinds": EventKind.choices,
        "levels": Level.choices,
        "competences": Competence.objects.filter(is_active=True).values_list("pk", "code", "name"),
        "can_edit": permissions.may_organize_events(request.user),
        "calendar": calendar,
    }
    if calendar:
        months = {}
        for e in qs[:2000]:
            months.setdefault((e.start.year, e.start.month), []).append(e)
        context["months"] = [(datetime.date(y, m, 1), events) for (y, m), events in sorted(months.items())]
    else:
        context["page"] = page_of(request, qs)
    return render(request, "resources/event_list.html", context)


def _organizers(user):
    if permissions.is_region_staff(user):
        return Organization.objects.exclude(kind__in=["school", "kindergarten"])
    scope = scope_of(user)
    return Organization.objects.filter(municipality_id__in=scope.municipality_ids)


def event_form(request, pk=None):
    user = request.user
    if not permissions.may_organize_events(user):
        raise PermissionDenied
    event = get_object_or_404(Event, pk=pk) if pk else None
    if event and not may_manage_municipality(user, event.organizer.municipality_id):
        raise PermissionDenied
    form = forms.EventForm(request.POST or None, instance=event, organizers=_organizers(user))
    return form_page(request, form, "resources:event", "Мероприятие сохранено.", event or "Новое мероприятие")


def event_detail(request, pk, register_form=None):
    """An event; `register_form` — the registration form with its errors, shown again."""
    event = get_object_or_404(Event.objects.select_related("organizer"), pk=pk)
    user = request.user
    organizer = may_manage_municipality(user, event.organizer.municipality_id)
    participations = event.participations.select_related("person").order_by("person__last_name")
    if not organizer:
        # Names of people only as far as the viewer may see them (docs/security.md, "Lists of people").
        participations = participations.filter(person__in=Person.objects.visible_to(user))
    if register_form is None and may_register(user):
        register_form = forms.RegisterForm(user=user)
    return render(
        request,
        "resources/event_detail.html",
        {
            "event": event,
            "participations": participations,
            "taken": event.participations.count(),
            "organizer": organizer,
            "register_form": register_form,
            "competences": event.competences.all(),
        },
    )


@require_POST
def event_register(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = forms.RegisterForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Не зарегистрировано: исправьте отмеченное в форме.")
        return event_detail(request, pk, register_form=form)
    person = form.cleaned_data["person"]
    try:
        actions.register(event, person, request.user, form.cleaned_data["role"], form.cleaned_data["topic"])
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        registered = person.by_sex("зарегистрирован", "зарегистрирована")
        messages.success(request, f"{person.full_name} {registered} на мероприятие.")
    return redirect("resources:event", pk=pk)


@require_POST
def event_attendance(request, pk):
    event = get_object_or_404(Event.objects.select_related("organizer"), pk=pk)
    # Only this event's participants: an id of anyone else answers 404, never their name.
    person = get_object_or_404(
        Person, pk=parse_id(request.POST.get("person")) or 0, participations__event=event
    )
    role = request.POST.get("role") or None
    if role and role not in ParticipationRole.values:
        role = None
    attended = request.POST.get("attended") == "yes"
    try:
        actions.mark_attendance(event, person, request.user, attended, role)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        if attended:
            verb = person.by_sex("присутствовал", "присутствовала")
        else:
            verb = person.by_sex("отсутствовал", "отсутствовала")
        messages.success(request, f"Отмечено: {person.full_name} {verb}.")
    return redirect("resources:event", pk=pk)

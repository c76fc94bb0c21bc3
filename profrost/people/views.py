import datetime
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from profrost.core import rules
from profrost.core.exports import attachment, xlsx_response
from profrost.core.forms import CONFLICT_MESSAGE
from profrost.core.history import history
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.validators import normalize_snils
from profrost.people import actions
from profrost.people.exports import STAFF_HEADERS, staff_rows
from profrost.people.extensions import person_card
from profrost.people.forms import EmploymentForm, PeopleFilterForm, PersonForm
from profrost.people.models import Employment, Person, sees_sensitive
from profrost.people.personal_data import erase_person_data, export_person_data
from profrost.people.queries import SNILS_SESSION_KEY, filtered_people
from profrost.structure.models import Organization

PAGE_SIZE = 50


def can_edit(user):
    return rules.allowed(user, "edit_people")


def can_see_sensitive(user, person):
    """SNILS and birth date: the registry's staff and the person themself (docs/security.md §5)."""
    return sees_sensitive(user, person.pk)


def _require_editor(user):
    if not can_edit(user):
        raise PermissionDenied


def person_list(request):
    if request.method == "POST":
        return _search_post(request)
    form = PeopleFilterForm(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        wrong = ", ".join(f"«{form.fields[name].label}»" for name in form.errors if name in form.fields)
        messages.error(
            request,
            f"Неверное значение фильтра {wrong}: фильтр не применён (значения не из списка "
            "или вне вашей области доступа не учитываются).",
        )
    qs = filtered_people(request, form)
    page = Paginator(qs.only(*LIST_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    people = list(page.object_list)
    jobs = {}
    for e in (
        Employment.objects.filter(person__in=people)
        .current()
        .select_related("organization__municipality", "position")
        .order_by("-is_main", "pk")
    ):
        jobs.setdefault(e.person_id, e)
    rows = [(p, jobs.get(p.pk)) for p in people]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "choices": _filter_choices(form),
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "can_edit": can_edit(request.user),
        "show_sensitive": can_edit(request.user),
        "snils_search": request.GET.get("by") == "snils",
    }
    template = "people/_person_table.html" if request.htmx else "people/person_list.html"
    return render(request, template, context)


def _filter_choices(form):
    """(value, label, selected) triples for the filter selects: a big city has a thousand
    organizations, and plain tuples render several times faster than model instances."""

    def triples(field, queryset, label):
        current = str(form.data.get(field) or "")
        return [(str(pk), text, str(pk) == current) for pk, text in queryset.values_list("pk", label)]

    fields = form.fields
    return {
        "municipality": triples("municipality", fields["municipality"].queryset, "name"),
        "organization": triples("organization", fields["organization"].queryset.order_by("name"), "name")
        if form.data.get("municipality")
        else [],
        "position": triples("position", fields["position"].queryset, "name"),
        "subject": triples("subject", fields["subject"].queryset, "name"),
    }


LIST_FIELDS = (
    "pk",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "snils",
    "category",
    "pedagogical_start",
)


def _search_post(request):
    """Searches by SNILS arrive by POST and stay in the session: no SNILS in a URL (docs/security.md §11)."""
    text = request.POST.get("q", "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and len(digits) >= 9:
        try:
            request.session[SNILS_SESSION_KEY] = normalize_snils(text)
        except ValidationError as exc:
            messages.error(request, f"СНИЛС: {exc.messages[0]}")
            # A malformed SNILS finds nobody (not everyone): no stored SNILS equals this marker.
            request.session[SNILS_SESSION_KEY] = "-"
        return redirect(reverse("people:list") + "?by=snils")
    params = QueryDict(mutable=True)
    for key in (
        "municipality",
        "organization",
        "position",
        "subject",
        "category",
        "manager",
        "young",
        "sort",
    ):
        value = request.POST.get(key)
        if value:
            params[key] = value
    if text:
        params["q"] = text
    return redirect(reverse("people:list") + ("?" + params.urlencode() if params else ""))


def person_export(request):
    form = PeopleFilterForm(request.GET or None, user=request.user)
    qs = filtered_people(request, form)
    count = qs.count()
    journal(
        JournalAction.EXPORT,
        request=request,
        what="people",
        rows=count,
        filters={k: v for k, v in request.GET.items() if k != "page"},
    )
    return xlsx_response("педагоги.xlsx", [("Педагоги", STAFF_HEADERS, staff_rows(qs))])


def _person_for(request, pk):
    return get_object_or_404(Person.objects.visible_to(request.user), pk=pk)


def person_detail(request, pk):
    person = _person_for(request, pk)
    return _render_card(request, person)


def me(request):
    if not request.user.person_id:
        return render(request, "people/no_person.html")
    return _render_card(request, get_object_or_404(Person, pk=request.user.person_id))


def _render_card(request, person):
    if request.user.person_id != person.pk:
        journal(JournalAction.VIEW_PERSON, request=request, obj=person)
    employments = list(
        person.employments.select_related("organization__municipality", "position").prefetch_related(
            "subjects"
        )
    )
    sensitive = can_see_sensitive(request.user, person)
    today = datetime.date.today()
    facts = {
        "age": person.age_on(today),
        "experience": person.experience_on(today),
        "is_manager": any(e.position.is_manager and e.is_active for e in employments),
        "is_young_specialist": person.is_young_specialist_on(today),
    }
    hide = () if sensitive else ("snils", "birth_date")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "employments": employments,
            "facts": facts,
            "today": today,
            "sensitive": sensitive,
            "can_edit": can_edit(request.user)
            and request.user.person_id != person.pk
            or request.user.is_superuser,
            "history": history(person, *employments, hide=hide),
            "is_region_admin": rules.allowed(request.user, "handle_personal_data"),
            "card_sections": person_card.render(request, person),
        },
    )


def person_create(request):
    _require_editor(request.user)
    form = PersonForm(request.POST or None)
    job_form = EmploymentForm(request.POST or None, prefix="job", user=request.user)
    if request.method == "POST" and form.is_valid() and job_form.is_valid():
        try:
            person, attached = actions.create_or_attach(form.cleaned_data, job_form, request.user)
        except actions.OutOfScope:
            messages.error(request, "Организация вне вашей области доступа: ничего не сохранено.")
        except actions.Refused as exc:
            form.add_error("snils", str(exc))
        else:
            if attached:
                messages.success(
                    request,
                    "Педагог уже есть в региональном реестре: добавлено место работы в вашей организации, "
                    "личные данные не изменены.",
                )
            else:
                messages.success(request, "Педагог добавлен.")
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "job_form": job_form, "person": None})


def person_edit(request, pk):
    person = _person_for(request, pk)
    _require_editor(request.user)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version")
        try:
            actions.update_person(person.pk, form.cleaned_data, expected)
        except actions.Conflict:
            messages.error(request, CONFLICT_MESSAGE)
            return redirect("people:detail", pk=person.pk)
        messages.success(request, "Изменения сохранены.")
        return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


def employment_add(request, pk):
    person = _person_for(request, pk)
    _require_editor(request.user)
    form = EmploymentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_employment(person, form, request.user)
        except actions.OutOfScope:
            messages.error(request, "Организация вне вашей области доступа: ничего не сохранено.")
        else:
            messages.success(request, "Место работы добавлено.")
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/employment_form.html", {"form": form, "person": person})


def _employment_for(request, pk):
    employment = get_object_or_404(
        Employment.objects.visible_to(request.user).select_related("person"), pk=pk
    )
    _require_editor(request.user)
    # Only jobs inside one's own scope are editable (a school coordinator can't end another school's job).
    if not Organization.objects.visible_to(request.user).filter(pk=employment.organization_id).exists():
        raise PermissionDenied
    return employment


def employment_edit(request, pk):
    employment = _employment_for(request, pk)
    form = EmploymentForm(request.POST or None, instance=employment, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_employment(employment.person, form, request.user)
        except actions.OutOfScope:
            messages.error(request, "Организация вне вашей области доступа: ничего не сохранено.")
        else:
            messages.success(request, "Место работы сохранено.")
            return redirect("people:detail", pk=employment.person_id)
    return render(request, "people/employment_form.html", {"form": form, "person": employment.person})


@require_POST
def employment_end(request, pk):
    employment = _employment_for(request, pk)
    actions.end_employment(employment, datetime.date.today())
    messages.success(request, "Работа в организации завершена сегодняшним днём.")
    return redirect("people:detail", pk=employment.person_id)


def _require_region_admin(user):
    if not rules.allowed(user, "handle_personal_data"):
        raise PermissionDenied


def person_data_export(request, pk):
    """Everything the system holds on a person, as JSON (docs/security.md §21)."""
    person = _person_for(request, pk)
    _require_region_admin(request.user)
    data = export_person_data(person, request=request)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    attachment(response, f"Персональные данные {person.short_name}", "json")
    return response


@require_POST
def person_erase(request, pk):
    person = _person_for(request, pk)
    _require_region_admin(request.user)
    erase_person_data(person, request=request)
    messages.success(request, "Персональные данные обезличены; история изменений удалена.")
    return redirect("people:detail", pk=person.pk)

"""Pages of the resources: the program catalog, cohorts with quotas and applications, events and the annual
plan, internships and site reports, communities, a teacher's growth record."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core.exports import xlsx_response
from profrost.core.filters import (
    ChoiceFilter,
    FilterForm,
    IdFilter,
    IntFilter,
    TextFilter,
    YearFilter,
    parse_id,
    without_nul,
)
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.diagnostics.models import Competence
from profrost.people.models import NOT_FOUND_IN_SCOPE, Employment, Person
from profrost.resources import actions, forms
from profrost.resources.actions import ResourceError, may_manage_municipality
from profrost.resources.models import (
    HOLDING_QUOTA,
    Application,
    ApplicationStatus,
    Cohort,
    Community,
    Enrollment,
    Event,
    EventKind,
    Internship,
    Level,
    Program,
    ProgramStatus,
    Quota,
    SiteReport,
    StudyForm,
)
from profrost.structure.models import Municipality, Organization


def _require_center(user):
    if not permissions.is_region_staff(user):
        raise PermissionDenied


# --- programs ---------------------------------------------------------------------------------------------


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


def _form_page(request, form, detail, saved_message, title):
    """A create/edit page of a catalog object: save and go to its page, or show the form with its errors."""
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, saved_message)
        return redirect(detail, pk=saved.pk)
    return render(request, "resources/form.html", {"form": form, "title": title})


def program_form(request, pk=None):
    _require_center(request.user)
    program = get_object_or_404(Program, pk=pk) if pk else None
    form = forms.ProgramForm(request.POST or None, instance=program)
    return _form_page(
        request, form, "resources:program", "Программа сохранена.", program or "Новая программа"
    )


def cohort_create(request, program_pk):
    _require_center(request.user)
    program = get_object_or_404(Program, pk=program_pk)
    form = forms.CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = form.save(commit=False)
        cohort.program = program
        cohort.save()
        messages.success(request, "Группа создана. Распределите квоты по муниципалитетам.")
        return redirect("resources:cohort", pk=cohort.pk)
    return render(request, "resources/form.html", {"form": form, "title": f"Новая группа: {program}"})


# --- cohorts: quotas, applications, enrollment ---------------------------------------------------------------


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


def _staff_choices(user):
    """Current jobs of the people this coordinator may act for (one scoping mechanism: visible_to), or None
    for users who are not coordinators."""
    if not permissions.is_coordinator(user):
        return None
    today = datetime.date.today()
    return (
        Employment.objects.visible_to(user)
        .filter(organization__in=Organization.objects.visible_to(user).values("pk"))
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .select_related("person", "organization")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def _apply_choices(user, cohort):
    """The teachers this user may apply for: current staff of their organizations, not yet applied (the center
    enrolls, schools and municipalities apply)."""
    jobs = _staff_choices(user)
    if jobs is None or permissions.is_region_staff(user):
        return []
    taken = (
        Application.objects.filter(cohort=cohort)
        .exclude(status__in=["rejected", "withdrawn"])
        .values("person_id")
    )
    return [
        (f"{j.person_id}:{j.organization_id}", f"{j.person.full_name} — {j.organization.name}")
        for j in jobs.exclude(person_id__in=taken)[:2000]
    ]


def _current_deficits(choices, program):
    """The current deficits (from the latest scored result) of the people offered in the apply form — only
    theirs: {person_id: [(competence result pk, label), …]}; the program's competences first."""
    from django.db.models import OuterRef, Subquery

    from profrost.diagnostics.models import CompetenceResult, Result, ResultStatus

    person_ids = {int(value.split(":")[0]) for value, _ in choices}
    if not person_ids:
        return {}
    latest = (
        Result.objects.filter(person_id=OuterRef("result__person_id"), status=ResultStatus.SCORED)
        .order_by("-taken_on", "-pk")
        .values("pk")[:1]
    )
    rows = (
        CompetenceResult.objects.filter(
            is_deficit=True, result__person_id__in=person_ids, result__status=ResultStatus.SCORED
        )
        .filter(result_id=Subquery(latest))
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
        from profrost.diagnostics.models import CompetenceResult

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
    _require_center(request.user)
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
    _require_center(request.user)
    cohort = get_object_or_404(Cohort, pk=pk)
    from profrost.resources.imports import cohort_sheet

    headers, rows = cohort_sheet(cohort)
    journal(JournalAction.EXPORT, request=request, obj=cohort, what="cohort list")
    return xlsx_response(f"группа-{cohort.pk}.xlsx", [("Слушатели", headers, rows)])


# --- events --------------------------------------------------------------------------------------------------


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
    return _form_page(
        request, form, "resources:event", "Мероприятие сохранено.", event or "Новое мероприятие"
    )


def _register_choices(user):
    """Whom this user may register: a coordinator their current staff (the first 2,000 by name), a teacher
    themselves. The center organizes and marks; schools register."""
    jobs = _staff_choices(user)
    if jobs is not None:
        people = list(dict.fromkeys((j.person_id, j.person.full_name) for j in jobs[:2000]))
        if people:
            return people
    if user.person_id:
        return [(user.person_id, "я")]
    return []


def event_detail(request, pk):
    event = get_object_or_404(Event.objects.select_related("organizer"), pk=pk)
    user = request.user
    organizer = may_manage_municipality(user, event.organizer.municipality_id)
    participations = event.participations.select_related("person").order_by("person__last_name")
    if not organizer:
        # Names of people only as far as the viewer may see them (docs/security.md, "Lists of people").
        participations = participations.filter(person__in=Person.objects.visible_to(user))
    choices = _register_choices(user)
    return render(
        request,
        "resources/event_detail.html",
        {
            "event": event,
            "participations": participations,
            "taken": event.participations.count(),
            "organizer": organizer,
            "register_form": forms.RegisterForm(people=choices) if choices else None,
            "competences": event.competences.all(),
        },
    )


@require_POST
def event_register(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = forms.RegisterForm(request.POST, people=_register_choices(request.user))
    if not form.is_valid():
        messages.error(request, "Выберите педагога из списка.")
        return redirect("resources:event", pk=pk)
    person = get_object_or_404(Person, pk=form.cleaned_data["person"])
    try:
        actions.register(event, person, request.user, form.cleaned_data["role"], form.cleaned_data["topic"])
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.full_name}: регистрация принята.")
    return redirect("resources:event", pk=pk)


@require_POST
def event_attendance(request, pk):
    event = get_object_or_404(Event.objects.select_related("organizer"), pk=pk)
    # Only this event's participants: an id of anyone else answers 404, never their name.
    person = get_object_or_404(
        Person, pk=parse_id(request.POST.get("person")) or 0, participations__event=event
    )
    role = request.POST.get("role") or None
    if role and role not in ("participant", "speaker", "winner", "prize_winner"):
        role = None
    try:
        actions.mark_attendance(event, person, request.user, request.POST.get("attended") == "yes", role)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.full_name}: отмечено.")
    return redirect("resources:event", pk=pk)


# --- internships ---------------------------------------------------------------------------------------------


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
    _require_center(request.user)
    internship = get_object_or_404(Internship, pk=pk) if pk else None
    form = forms.InternshipForm(request.POST or None, instance=internship)
    return _form_page(
        request, form, "resources:internship", "Стажировка сохранена.", internship or "Новая стажировка"
    )


def internship_detail(request, pk):
    internship = get_object_or_404(Internship.objects.select_related("site"), pk=pk)
    choices = _register_choices(request.user)
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
            "register_form": forms.RegisterForm(people=choices) if choices else None,
            "is_center": permissions.is_region_staff(request.user),
        },
    )


@require_POST
def internship_add(request, pk):
    internship = get_object_or_404(Internship, pk=pk)
    person_id = parse_id(request.POST.get("person"))
    if person_id not in {pk_ for pk_, _ in _register_choices(request.user)}:
        messages.error(request, "Выберите педагога из списка.")
        return redirect("resources:internship", pk=pk)
    person = get_object_or_404(Person, pk=person_id)
    try:
        actions.add_intern(internship, person, request.user)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.full_name} направлен(а) на стажировку.")
    return redirect("resources:internship", pk=pk)


@require_POST
def internship_mentor(request, pk):
    """The center names a mentor at the site (a teacher of the site, found by SNILS) or removes one."""
    from django.core.exceptions import ValidationError

    from profrost.core.validators import normalize_snils

    _require_center(request.user)
    internship = get_object_or_404(Internship, pk=pk)
    if request.POST.get("remove"):
        remove = parse_id(request.POST["remove"])
        if remove is not None:
            internship.mentors.remove(remove)
        messages.success(request, "Наставник снят.")
        return redirect("resources:internship", pk=pk)
    try:
        snils = normalize_snils(request.POST.get("snils", ""))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("resources:internship", pk=pk)
    person = (
        Person.objects.visible_to(request.user)
        .filter(snils=snils, employments__organization=internship.site_id)
        .first()
    )
    if person is None:
        messages.error(request, f"На площадке «{internship.site.name}» нет педагога с таким СНИЛС.")
    else:
        internship.mentors.add(person)
        messages.success(request, f"{person.full_name} — наставник стажировки.")
    return redirect("resources:internship", pk=pk)


@require_POST
def internship_complete(request, pk, participant_pk):
    _require_center(request.user)
    internship = get_object_or_404(Internship, pk=pk)
    internship.participants.filter(pk=participant_pk).update(completed=request.POST.get("completed") == "yes")
    messages.success(request, "Сохранено.")
    return redirect("resources:internship", pk=pk)


def _may_report_for(user, site):
    return permissions.is_region_staff(user) or (
        permissions.is_school_coordinator(user) and site.pk in scope_of(user).organization_ids
    )


def site_detail(request, pk):
    """An internship site: its internships, participants, monthly reports."""
    # Outside the viewer's scope a site is not found (404), like every other object (docs/security.md §2).
    site = get_object_or_404(
        Organization.objects.visible_to(request.user).filter(statuses__kind="internship_site").distinct(),
        pk=pk,
    )
    if not permissions.may_view_site(request.user, site):
        raise PermissionDenied
    form = forms.SiteReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not _may_report_for(request.user, site):
            raise PermissionDenied
        if form.is_valid():
            month = form.cleaned_data["month"].replace(day=1)
            if SiteReport.objects.filter(site=site, month=month).exists():
                form.add_error("month", f"Отчёт за {month:%m.%Y} уже есть")
            else:
                report = form.save(commit=False)
                report.site, report.month, report.created_by = site, month, request.user
                if report.file:
                    report.file_name = report.file.name.rsplit("/", 1)[-1][:255]
                report.save()
                messages.success(request, f"Отчёт за {month:%m.%Y} сохранён.")
                return redirect("resources:site", pk=pk)
    internships = site.internships.annotate(taken=Count("participants")).order_by("-start")
    return render(
        request,
        "resources/site_detail.html",
        {
            "site": site,
            "internships": internships,
            "reports": site.site_reports.all(),
            "form": form if _may_report_for(request.user, site) else None,
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


# --- communities ---------------------------------------------------------------------------------------------


class CommunityFilter(FilterForm):
    q = TextFilter(label="Название или тема")
    level = ChoiceFilter(label="Уровень", choices=Level.choices)


def community_list(request):
    qs = (
        Community.objects.select_related("municipality", "subject")
        .annotate(n=Count("members"))
        .order_by("name")
    )
    params = CommunityFilter.of(request).values
    if params["q"]:
        qs = qs.filter(Q(name__icontains=params["q"]) | Q(theme__icontains=params["q"]))
    if params["level"]:
        qs = qs.filter(level=params["level"])
    return render(
        request,
        "resources/community_list.html",
        {
            "page": page_of(request, qs),
            "params": request.GET,
            "levels": Level.choices,
            "can_edit": permissions.may_lead_communities(request.user),
        },
    )


def _may_edit_community(user, community):
    """The center edits every community; a municipal coordinator only their municipality's ones."""
    return permissions.is_region_staff(user) or bool(
        community.municipality_id and may_manage_municipality(user, community.municipality_id)
    )


def community_form(request, pk=None):
    user = request.user
    if not permissions.may_lead_communities(user):
        raise PermissionDenied
    community = get_object_or_404(Community, pk=pk) if pk else None
    # Scope before the write (the stored community) …
    if community is not None and not _may_edit_community(user, community):
        raise PermissionDenied
    form = forms.CommunityForm(request.POST or None, instance=community)
    if not permissions.is_region_staff(user):
        form.fields["municipality"].queryset = Municipality.objects.filter(
            pk__in=scope_of(user).municipality_ids
        )
        form.fields["municipality"].required = True
        form.fields["level"].choices = [(Level.MUNICIPAL, "муниципальный")]
    if request.method == "POST" and form.is_valid():
        # … and after it (what was saved), in one transaction: a refused write leaves nothing.
        with transaction.atomic():
            saved = form.save()
            if not _may_edit_community(user, saved):
                transaction.set_rollback(True)
                raise PermissionDenied
        messages.success(request, "Сообщество сохранено.")
        return redirect("resources:community", pk=saved.pk)
    return render(request, "resources/form.html", {"form": form, "title": community or "Новое сообщество"})


def _may_lead(user, community):
    if permissions.is_region_staff(user):
        return True
    if community.municipality_id and may_manage_municipality(user, community.municipality_id):
        return True
    return (
        bool(user.person_id) and community.members.filter(person_id=user.person_id, status="leader").exists()
    )


def community_detail(request, pk):
    community = get_object_or_404(Community.objects.select_related("municipality", "subject"), pk=pk)
    lead = _may_lead(request.user, community)
    # Names of people only as far as the viewer may see them (docs/security.md, "Lists of people").
    members = community.members.filter(person__in=Person.objects.visible_to(request.user))
    return render(
        request,
        "resources/community_detail.html",
        {
            "community": community,
            "members": members.select_related("person").order_by("status", "person__last_name"),
            "hidden_members": community.members.count() - members.count(),
            "may_edit": _may_edit_community(request.user, community),
            "meetings": community.meetings.all()[:100],
            "lead": lead,
            "member_form": forms.MemberForm() if lead else None,
            "meeting_form": forms.MeetingForm() if lead else None,
            "is_member": bool(request.user.person_id)
            and community.members.filter(person_id=request.user.person_id).exists(),
        },
    )


@require_POST
def community_join(request, pk):
    """A teacher joins a community themselves, or its leader (the center, the municipality) adds someone by
    SNILS."""
    from django.core.exceptions import ValidationError

    from profrost.core.validators import normalize_snils

    community = get_object_or_404(Community, pk=pk)
    lead = _may_lead(request.user, community)
    if "snils" in request.POST:
        if not lead:
            raise PermissionDenied
        form = forms.MemberForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Укажите СНИЛС и статус.")
            return redirect("resources:community", pk=pk)
        try:
            snils = normalize_snils(form.cleaned_data["snils"])
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("resources:community", pk=pk)
        # A leader adds only people in their own scope; others join themselves (no SNILS oracle).
        person = Person.objects.visible_to(request.user).filter(snils=snils).first()
        if person is None:
            messages.error(request, f"{NOT_FOUND_IN_SCOPE}. Педагоги из других организаций вступают сами.")
            return redirect("resources:community", pk=pk)
        status = form.cleaned_data["status"]
    elif request.user.person_id:
        person, status = request.user.person, "member"
    else:
        raise PermissionDenied
    try:
        actions.add_member(community, person, status, request.user, leader=lead)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.full_name} — в сообществе.")
    return redirect("resources:community", pk=pk)


@require_POST
def community_meeting(request, pk):
    community = get_object_or_404(Community, pk=pk)
    if not _may_lead(request.user, community):
        raise PermissionDenied
    form = forms.MeetingForm(request.POST)
    if form.is_valid():
        meeting = form.save(commit=False)
        meeting.community = community
        meeting.save()
        messages.success(request, "Заседание добавлено.")
    else:
        messages.error(request, "Укажите дату (ДД.ММ.ГГГГ) и тему.")
    return redirect("resources:community", pk=pk)


# --- growth record ---------------------------------------------------------------------------------------------


def growth_export(request, person_pk, fmt):
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    from profrost.resources.growth import growth_pdf, growth_record, growth_sheets

    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_pk)
    if request.user.person_id != person.pk:
        journal(JournalAction.EXPORT, request=request, obj=person, what="growth record", format=fmt)
    record = growth_record(person)
    if fmt == "xlsx":
        return xlsx_response(f"портфолио-{person.pk}.xlsx", growth_sheets(record))
    return growth_pdf(request, person, record)


# --- matching ----------------------------------------------------------------------------------------------


def person_matches(request, person_pk):
    """Resources for a person's deficits from their latest diagnosis, ranked and explained."""
    from profrost.diagnostics.models import CompetenceResult, Result
    from profrost.resources.matching import match_resources

    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_pk)
    latest = (
        Result.objects.filter(person=person, status="scored")
        .select_related("campaign")
        .order_by("-taken_on", "-pk")
        .first()
    )
    codes = []
    if latest:
        codes = list(
            CompetenceResult.objects.filter(result=latest, is_deficit=True)
            .order_by("competence__code")
            .values_list("competence__code", flat=True)
        )
    start = datetime.date.today()
    end = start + datetime.timedelta(days=365)
    matches = match_resources(codes, person, start, end) if codes else []
    covered = {c for m in matches for c in m.covers}
    links = {
        "cohort": "resources:cohort",
        "event": "resources:event",
        "internship": "resources:internship",
        "community": "resources:community",
    }
    return render(
        request,
        "resources/person_matches.html",
        {
            "person": person,
            "result": latest,
            "codes": codes,
            "uncovered": [c for c in codes if c not in covered],
            "matches": [(m, links[m.kind]) for m in matches[:100]],
            "total": len(matches),
            "start": start,
            "end": end,
        },
    )

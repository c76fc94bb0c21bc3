"""Pages of mentoring (docs/mentoring.md §1, §2, §5, §6): the programs of organizations (list, create and edit a
draft, approve, close, a program's page with its pairs — the curator's view), the pairs and groups (list with its
export, create, a pair's page with the personal plan: tasks, both sides' marks, the final assessment and the
reflection, closing), the mentor's workspace and the mentee's «Мой наставник».

Each page reads the request through a form, checks the role, calls an action (mentoring.actions), renders. A
program or a pair the user does not see (MentoringProgram / Mentorship .visible_to) is a 404, by GET and by POST;
a role that may not do the thing at all gets 403. A refusal of an action (MentoringError) is shown as the form's
error with everything typed kept."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from profrost.core.exports import file_name, xlsx_response
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.mentoring import actions, permissions
from profrost.mentoring.actions import MentoringError
from profrost.mentoring.forms import (
    OUTCOMES,
    CloseForm,
    MarkForm,
    MentorshipCreateForm,
    OrganizationPick,
    PairFilter,
    ProgramFilter,
    ProgramForm,
    ProgramPick,
    SummaryForm,
    TaskForm,
)
from profrost.mentoring.models import (
    GROUP_FORMS,
    ORGANIZATION_FORMS,
    MemberRole,
    MentoringProgram,
    Mentorship,
    MentorshipMember,
    MentorshipStatus,
    PlanTask,
    ProgramStatus,
    current_employment,
)
from profrost.mentoring.workspace import (
    active_first,
    implements_model,
    jobs_of,
    my_mentors,
    program_pairs,
    with_task_counts,
    workspace,
)
from profrost.people.models import Person, name_q
from profrost.structure.models import Municipality, Organization

FIX_FORM = "Не сохранено: исправьте отмеченное в форме."
MEMBER_FIELDS = ("person__last_name", "person__first_name", "person__middle_name")


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _curates(user):
    return bool(user.person_id) and MentoringProgram.objects.filter(curator_id=user.person_id).exists()


def _may_list(user):
    """The lists of programs and pairs: those who manage mentoring, and a program's curator."""
    return permissions.may_manage_mentoring(user) or _curates(user)


def _may_manage_program(user, program):
    """Edit, approve, close: a manager whose scope holds the program's organization or municipality (the rule of
    actions.approve_program, asked here to show the buttons)."""
    if not permissions.may_manage_mentoring(user):
        return False
    if program.organization_id:
        return actions.manages_organization(user, program.organization)
    scope = scope_of(user)
    return scope.everything or program.municipality_id in scope.municipality_ids


def _members_prefetch():
    return Prefetch(
        "members",
        queryset=MentorshipMember.objects.select_related("person")
        .only("mentorship_id", "role", "person", *MEMBER_FIELDS)
        .order_by("-role", *MEMBER_FIELDS, "pk"),
    )


def _names(mentorship, role):
    return ", ".join(m.person.short_name for m in mentorship.members.all() if m.role == role)


# --- programs (docs/mentoring.md §1) -----------------------------------------------------------------------------


def _pair_count(condition=None):
    pairs = (
        Mentorship.objects.filter(condition or Q(), program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(pairs, output_field=IntegerField()), Value(0))


def programs(request):
    user = request.user
    _require(_may_list(user))
    form = ProgramFilter.of(request)
    params = form.values
    qs = (
        MentoringProgram.objects.visible_to(user)
        .select_related("organization", "municipality", "curator")
        .annotate(n_pairs=_pair_count(), n_active=_pair_count(Q(status=MentorshipStatus.ACTIVE)))
    )
    if params["q"]:
        qs = qs.filter(title__icontains=params["q"])
    if params["municipality"]:
        m = params["municipality"]
        qs = qs.filter(Q(municipality_id=m) | Q(organization__municipality_id=m))
    if params["organization"]:
        qs = qs.filter(organization_id=params["organization"])
    if params["status"]:
        qs = qs.filter(status=params["status"])
    qs = qs.order_by("-start", "title", "pk")
    municipalities = list(Municipality.objects.visible_to(user).order_by("name").values_list("pk", "name"))
    chips = form.chips(
        request,
        {
            "municipality": dict(
                Municipality.objects.filter(pk=params["municipality"] or 0).values_list("pk", "name")
            ),
            "organization": dict(
                Organization.objects.visible_to(user)
                .filter(pk=params["organization"] or 0)
                .values_list("pk", "name")
            ),
        },
    )
    return render(
        request,
        "mentoring/programs.html",
        {
            "page": page_of(request, qs),
            "params": {key: "" if value is None else str(value) for key, value in params.items()},
            "chips": chips,
            "query": query_without_page(request),
            "statuses": ProgramStatus.choices,
            "municipalities": municipalities,
            "org_pick": OrganizationPick(initial={"organization": params["organization"]}, user=user),
            "may_create": permissions.may_manage_mentoring(user),
        },
    )


def _program(request, pk):
    return get_object_or_404(
        MentoringProgram.objects.visible_to(request.user).select_related(
            "organization", "municipality", "curator", "created_by"
        ),
        pk=pk,
    )


def program_edit(request, pk=None):
    """A new program (pk None) or a draft's changes; the owner (organization or municipality) is chosen once."""
    user = request.user
    _require(permissions.may_manage_mentoring(user))
    program = _program(request, pk) if pk is not None else None
    if program is not None:
        _require(_may_manage_program(user, program))
        if program.status != ProgramStatus.DRAFT:
            messages.info(request, "Утверждённую программу изменить нельзя: завершите её и составьте новую.")
            return redirect("mentoring:program", pk=program.pk)
    form = ProgramForm(request.POST or None, request.FILES or None, user=user, program=program)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = actions.save_program(
                    user,
                    program=program,
                    organization=data.get("organization"),
                    municipality=data.get("municipality"),
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    forms=data["forms"],
                    curator=data["curator"],
                    act_number=data["act_number"],
                    act_date=data["act_date"],
                    act_file=data["act_file"],
                    request=request,
                )
            except MentoringError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Программа «{saved.title}» сохранена как проект. Утвердите её, когда будут указаны номер и "
                    "дата локального акта.",
                )
                return redirect("mentoring:program", pk=saved.pk)
        else:
            messages.error(request, FIX_FORM)
    return render(request, "mentoring/program_form.html", {"form": form, "program": program})


def program_detail(request, pk):
    """A program's page — the curator's view (docs/mentoring.md §6): its facts, its local act, all its pairs the
    user sees with their plans' progress, overdue tasks first and highlighted."""
    user = request.user
    program = _program(request, pk)
    rows, totals = program_pairs(user, program)
    may_manage = _may_manage_program(user, program)
    curator_visible = bool(
        program.curator_id and Person.objects.visible_to(user).filter(pk=program.curator_id).exists()
    )
    return render(
        request,
        "mentoring/program.html",
        {
            "program": program,
            "rows": rows,
            "totals": totals,
            "working_pairs": implements_model(program),
            "may_manage": may_manage,
            "may_create_pair": program.status == ProgramStatus.APPROVED
            and permissions.may_manage_mentoring(user),
            "curator_visible": curator_visible,
            "today": datetime.date.today(),
        },
    )


def _program_step(request, pk, step, done):
    """Approve or close a program (POST): the action's refusal is the page's message."""
    user = request.user
    _require(permissions.may_manage_mentoring(user))
    program = _program(request, pk)
    try:
        step(user, program, request=request)
    except MentoringError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("mentoring:program", pk=program.pk)


@require_POST
def program_approve(request, pk):
    return _program_step(
        request, pk, actions.approve_program, "Программа утверждена: по ней можно назначать пары и группы."
    )


@require_POST
def program_close(request, pk):
    return _program_step(request, pk, actions.close_program, "Программа завершена.")


def program_act(request, pk):
    """The program's local act, for those who see the program."""
    program = _program(request, pk)
    if not program.act_file:
        raise Http404
    try:
        handle = program.act_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    ext = program.act_file.name.rsplit(".", 1)[-1].lower()
    title = f"Локальный акт {program.act_number or ''} {program.title}"
    return FileResponse(handle, as_attachment=True, filename=file_name(title, ext))


# --- pairs and groups (docs/mentoring.md §2) ---------------------------------------------------------------------

EXPORT_HEADERS = [
    "Форма",
    "Организация",
    "Организация-наставник",
    "Наставники",
    "Наставляемые",
    "Компетенции",
    "Направления работы",
    "Начало",
    "Окончание",
    "Статус",
    "Дата завершения",
    "Причина досрочного завершения",
    "Программа наставничества",
    "Номер приказа",
    "Дата приказа",
    "Задач в плане",
    "Выполнено",
    "Просрочено",
]


def _export_rows(qs):
    for m in qs.iterator(chunk_size=500):
        yield [
            m.get_form_display(),
            m.organization.name,
            m.mentor_organization.name if m.mentor_organization_id else "",
            _names(m, MemberRole.MENTOR),
            _names(m, MemberRole.MENTEE),
            ", ".join(c.code for c in m.competences.all()),
            m.directions,
            m.start,
            m.end,
            m.get_status_display(),
            m.closed_on,
            m.end_reason,
            m.program.title if m.program_id else "",
            m.order_number,
            m.order_date,
            m.n_tasks,
            m.n_done,
            m.n_overdue,
        ]


def mentorships(request):
    """The pairs and groups in the user's scope: filters (form, status, organization, program, a member's name),
    50 a page, the export."""
    user = request.user
    _require(_may_list(user))
    form = PairFilter.of(request)
    params = form.values
    qs = Mentorship.objects.visible_to(user)
    if params["q"]:
        qs = qs.filter(
            Exists(
                MentorshipMember.objects.filter(name_q(params["q"], "person__"), mentorship=OuterRef("pk"))
            )
        )
    if params["form"]:
        qs = qs.filter(form=params["form"])
    if params["status"]:
        qs = qs.filter(status=params["status"])
    if params["organization"]:
        o = params["organization"]
        qs = qs.filter(Q(organization_id=o) | Q(mentor_organization_id=o))
    if params["program"]:
        qs = qs.filter(program_id=params["program"])
    qs = (
        with_task_counts(active_first(qs))
        .select_related("organization", "mentor_organization", "program")
        .prefetch_related(_members_prefetch(), "competences")
    )
    if params["format"] == "xlsx":
        journal(JournalAction.EXPORT, request=request, what="mentorships", rows=qs.count())
        return xlsx_response(
            "наставнические пары.xlsx", [("Пары и группы", EXPORT_HEADERS, _export_rows(qs))]
        )
    chips = form.chips(
        request,
        {
            "organization": dict(
                Organization.objects.visible_to(user)
                .filter(pk=params["organization"] or 0)
                .values_list("pk", "name")
            ),
            "program": dict(
                MentoringProgram.objects.visible_to(user)
                .filter(pk=params["program"] or 0)
                .values_list("pk", "title")
            ),
        },
    )
    page = page_of(request, qs)
    for m in page.object_list:
        m.mentor_names = _names(m, MemberRole.MENTOR)
        m.mentee_names = _names(m, MemberRole.MENTEE)
    return render(
        request,
        "mentoring/mentorships.html",
        {
            "page": page,
            "params": {key: "" if value is None else str(value) for key, value in params.items()},
            "chips": chips,
            "query": query_without_page(request),
            "forms": PairFilter.base_fields["form"].choices,
            "statuses": MentorshipStatus.choices,
            "org_pick": OrganizationPick(initial={"organization": params["organization"]}, user=user),
            "may_create": permissions.may_manage_mentoring(user),
        },
    )


def _program_mismatch(data):
    """The program must be the mentee organization's own or its municipality's (actions.programs_for): a message,
    or None. The organization of a pair of people is the first mentee's job on the start day, as the action
    takes it."""
    program = data.get("program")
    if program is None:
        return None
    if data["form"] in ORGANIZATION_FORMS:
        organization = data.get("organization")
    else:
        job = current_employment(data["mentees"][0].pk, data["start"]) if data.get("mentees") else None
        organization = job.organization if job else None
    if organization is None:
        return None  # the action names what is missing
    if program.organization_id == organization.pk or (
        program.municipality_id and program.municipality_id == organization.municipality_id
    ):
        return None
    return (
        f"Программа «{program.title}» — не программа организации «{organization}» и не программа её "
        "муниципалитета: выберите другую или оставьте пару без программы"
    )


def mentorship_create(request):
    user = request.user
    _require(permissions.may_manage_mentoring(user))
    initial = {}
    if request.method == "GET":
        chosen = ProgramPick.of(request).values["program"]
        program = (
            MentoringProgram.objects.visible_to(user).filter(pk=chosen, status=ProgramStatus.APPROVED).first()
            if chosen
            else None
        )
        if program is not None:
            initial = {"program": program.pk, "start": max(datetime.date.today(), program.start)}
            if len(program.forms) == 1:
                initial["form"] = program.forms[0]
    form = MentorshipCreateForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            between = data["form"] in ORGANIZATION_FORMS
            try:
                mismatch = _program_mismatch(data)
                if mismatch:
                    raise MentoringError(mismatch)
                m = actions.create_mentorship(
                    user,
                    form=data["form"],
                    mentors=data["mentors"],
                    mentees=data["mentees"],
                    organization=data["organization"] if between else None,
                    mentor_organization=data["mentor_organization"] if between else None,
                    competences=data["competences"],
                    directions=data["directions"],
                    start=data["start"],
                    end=data["end"],
                    program=data["program"],
                    order_number=data["order_number"],
                    order_date=data["order_date"],
                    goal=data["goal"],
                    request=request,
                )
            except MentoringError as exc:
                form.add_error(None, str(exc))
            else:
                kind = "Группа создана" if data["form"] in GROUP_FORMS else "Наставничество назначено"
                messages.success(
                    request, f"{kind}: {m.get_form_display().lower()}. Составьте персональный план."
                )
                return redirect("mentoring:mentorship", pk=m.pk)
        else:
            messages.error(request, FIX_FORM)
    return render(request, "mentoring/mentorship_form.html", {"form": form})


# --- a pair's page and its personal plan (docs/mentoring.md §2, §5) ----------------------------------------------


def _pair(request, pk):
    """The pair the user sees, or 404 — a person not in the pair, not its program's curator and without its
    organization in scope (docs/mentoring.md §6)."""
    return get_object_or_404(
        Mentorship.objects.visible_to(request.user).select_related(
            "program", "organization", "mentor_organization", "closed_by"
        ),
        pk=pk,
    )


def _may_plan(user, m, role):
    return m.is_active and (role == MemberRole.MENTOR or actions.may_manage(user, m))


def _pair_page(request, m, *, task_form=None, mark_forms=None, summary_form=None, close_form=None):
    user = request.user
    today = datetime.date.today()
    role = actions.role_in(user, m)
    may_manage = actions.may_manage(user, m)
    may_plan = _may_plan(user, m, role)
    members = list(
        MentorshipMember.objects.filter(mentorship=m)
        .select_related("person")
        .only("mentorship_id", "role", "person", *MEMBER_FIELDS)
        .order_by("-role", *MEMBER_FIELDS, "pk")
    )
    ids = [x.person_id for x in members]
    visible = set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    jobs = jobs_of(ids, today)
    member_rows = [
        {
            "role": x.role,
            "label": x.get_role_display(),
            "person": x.person,
            "visible": x.person_id in visible,
            "job": jobs.get(x.person_id, ""),
        }
        for x in members
    ]
    tasks = list(m.tasks.select_related("competence").order_by("due", "pk"))
    side = role if role in (MemberRole.MENTOR, MemberRole.MENTEE) else None
    mark_forms = mark_forms or {}
    for t in tasks:
        t.overdue = t.is_overdue(today)
        if side and m.is_active:
            own_mark = t.mentor_mark if side == MemberRole.MENTOR else t.mentee_mark
            own_comment = t.mentor_comment if side == MemberRole.MENTOR else t.mentee_comment
            t.mark_form = mark_forms.get(t.pk) or MarkForm(
                initial={"side": side, "mark": own_mark, "comment": own_comment}, auto_id=f"id_t{t.pk}_%s"
            )
    counts = {
        "tasks": len(tasks),
        "done": sum(1 for t in tasks if t.is_done),
        "overdue": sum(1 for t in tasks if t.overdue),
    }
    if summary_form is None and side:
        own = m.final_assessment if side == MemberRole.MENTOR else m.reflection
        summary_form = SummaryForm(initial={"text": own}, auto_id="id_summary_%s")
    program_visible = bool(
        m.program_id and MentoringProgram.objects.visible_to(user).filter(pk=m.program_id).exists()
    )
    return render(
        request,
        "mentoring/mentorship.html",
        {
            "m": m,
            "role": role,
            "side": side,
            "members": member_rows,
            "competences": m.competences.order_by("code"),
            "tasks": tasks,
            "counts": counts,
            "may_manage": may_manage and m.is_active,
            "may_plan": may_plan,
            "task_form": (task_form or TaskForm(auto_id="id_task_%s")) if may_plan else None,
            "summary_form": summary_form,
            "close_form": (close_form or CloseForm(auto_id="id_close_%s"))
            if may_manage and m.is_active
            else None,
            "program_visible": program_visible,
            "outcomes": OUTCOMES,
            "today": today,
        },
    )


def mentorship(request, pk):
    return _pair_page(request, _pair(request, pk))


def _task(m, task_pk):
    return get_object_or_404(PlanTask.objects.select_related("competence"), pk=task_pk, mentorship=m)


def _plan_url(m):
    return reverse("mentoring:mentorship", args=[m.pk]) + "#plan"


def _saved_task(request, m, form, task, done):
    """Save a valid task form through the action; its refusal becomes the form's error (False)."""
    data = form.cleaned_data
    try:
        actions.save_task(
            request.user,
            m,
            task=task,
            title=data["title"],
            due=data["due"],
            start=data["start"],
            competence=data["competence"],
            expected_result=data["expected_result"],
            request=request,
        )
    except MentoringError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, done)
    return True


@require_POST
def task_add(request, pk):
    user = request.user
    m = _pair(request, pk)
    _require(_may_plan(user, m, actions.role_in(user, m)))
    form = TaskForm(request.POST, auto_id="id_task_%s")
    if form.is_valid() and _saved_task(request, m, form, None, "Задача добавлена в план."):
        return redirect(_plan_url(m))
    return _pair_page(request, m, task_form=form)


def task_edit(request, pk, task_pk):
    user = request.user
    m = _pair(request, pk)
    task = _task(m, task_pk)
    _require(_may_plan(user, m, actions.role_in(user, m)))
    form = TaskForm(request.POST or None, task=task)
    if (
        request.method == "POST"
        and form.is_valid()
        and _saved_task(request, m, form, task, "Задача изменена.")
    ):
        return redirect(_plan_url(m))
    return render(request, "mentoring/task_form.html", {"m": m, "task": task, "form": form})


@require_POST
def task_delete(request, pk, task_pk):
    user = request.user
    m = _pair(request, pk)
    task = _task(m, task_pk)
    _require(_may_plan(user, m, actions.role_in(user, m)))
    try:
        actions.delete_task(user, task)
    except MentoringError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Задача удалена из плана.")
    return redirect(_plan_url(m))


@require_POST
def task_mark(request, pk, task_pk):
    """A side's mark: the mentee marks theirs, the mentor theirs (a task is done when the mentor marks it)."""
    user = request.user
    m = _pair(request, pk)
    task = _task(m, task_pk)
    role = actions.role_in(user, m)
    _require(role in (MemberRole.MENTOR, MemberRole.MENTEE))
    form = MarkForm(request.POST, auto_id=f"id_t{task.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        if data["side"] != role:
            form.add_error(
                None,
                "Отметить можно только свою сторону: наставляемый отмечает свой ход, наставник — свою оценку.",
            )
        else:
            try:
                actions.mark_task(user, task, mark=data["mark"], comment=data["comment"])
            except MentoringError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Отметка по задаче «{task.title[:80]}» сохранена.")
                return redirect(_plan_url(m))
    return _pair_page(request, m, mark_forms={task.pk: form})


@require_POST
def summary(request, pk):
    """The mentor's final assessment or the mentee's reflection (by who writes)."""
    user = request.user
    m = _pair(request, pk)
    _require(actions.role_in(user, m) in (MemberRole.MENTOR, MemberRole.MENTEE))
    form = SummaryForm(request.POST, auto_id="id_summary_%s")
    if form.is_valid():
        try:
            actions.write_summary(user, m, form.cleaned_data["text"])
        except MentoringError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Текст сохранён.")
            return redirect("mentoring:mentorship", pk=m.pk)
    return _pair_page(request, m, summary_form=form)


@require_POST
def mentorship_close(request, pk):
    """The curator or the organization closes a pair: successfully, or early with a reason."""
    user = request.user
    m = _pair(request, pk)
    _require(actions.may_manage(user, m))
    form = CloseForm(request.POST, auto_id="id_close_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            closed = actions.close_mentorship(
                user,
                m,
                success=data["outcome"] == "done",
                reason=data["reason"],
                closed_on=data["closed_on"],
                request=request,
            )
        except MentoringError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Наставничество: {closed.get_status_display().lower()}.")
            return redirect("mentoring:mentorship", pk=m.pk)
    return _pair_page(request, m, close_form=form)


# --- the mentor's workspace and the mentee's page (docs/mentoring.md §6) -----------------------------------------


def my_mentees(request):
    """«Мои наставляемые»: the mentor's workspace."""
    user = request.user
    _require(permissions.is_mentor(user))
    return render(request, "mentoring/workspace.html", workspace(user))


def my_mentor(request):
    """«Мой наставник»: the pairs where the signed-in person is a mentee, with the plan and their own marks."""
    return render(request, "mentoring/my_mentor.html", my_mentors(request.user))


urlpatterns = [
    path("programs/", programs, name="programs"),
    path("programs/new/", program_edit, name="program_create"),
    path("programs/<int:pk>/", program_detail, name="program"),
    path("programs/<int:pk>/edit/", program_edit, name="program_edit"),
    path("programs/<int:pk>/approve/", program_approve, name="program_approve"),
    path("programs/<int:pk>/close/", program_close, name="program_close"),
    path("programs/<int:pk>/act/", program_act, name="program_act"),
    path("pairs/", mentorships, name="mentorships"),
    path("pairs/new/", mentorship_create, name="mentorship_create"),
    path("pairs/<int:pk>/", mentorship, name="mentorship"),
    path("pairs/<int:pk>/tasks/", task_add, name="task_add"),
    path("pairs/<int:pk>/tasks/<int:task_pk>/", task_edit, name="task_edit"),
    path("pairs/<int:pk>/tasks/<int:task_pk>/delete/", task_delete, name="task_delete"),
    path("pairs/<int:pk>/tasks/<int:task_pk>/mark/", task_mark, name="task_mark"),
    path("pairs/<int:pk>/summary/", summary, name="summary"),
    path("pairs/<int:pk>/close/", mentorship_close, name="mentorship_close"),
    path("my/", my_mentees, name="workspace"),
    path("mine/", my_mentor, name="my_mentor"),
]

"""The support activities' pages (docs/support.md §8): record (or plan) a lesson visit with its protocol and a
consultation, the protocol's page with the teacher's acknowledgement and «В маршрут», the consultation's page,
and a teacher's «Мои посещения и консультации». Each page reads the request, checks the permission, calls an
action (support.actions), renders. A visit or a consultation the user may not see is a 404; a teacher outside
the visitor's scope is refused by the form (POST) or is a 404 (GET with ?person=)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.core.filters import parse_id
from profrost.routes.models import Section
from profrost.support import actions, permissions
from profrost.support.forms import ConsultationForm, ToRouteForm, VisitForm
from profrost.support.models import (
    ActivityStatus,
    Consultation,
    ConsultationKind,
    LessonVisit,
    VisitRecommendation,
    supported_people,
)

FIX_FORM = "Не сохранено: исправьте отмеченное в форме."


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _teacher_param(request):
    """?person=<id> of a person the user may support, or None when absent; 404 outside the scope."""
    pk = parse_id(request.GET.get("person"))
    if pk is None:
        return None
    return get_object_or_404(supported_people(request.user), pk=pk)


def _own_plan(request, model):
    """?plan=<id>: the user's own planned activity (to record it as done), or None; 404 for anyone else's."""
    pk = parse_id(request.GET.get("plan") or request.POST.get("plan"))
    if pk is None:
        return None
    return get_object_or_404(model.objects.filter(visitor=request.user, status=ActivityStatus.PLANNED), pk=pk)


# --- lesson visits ---------------------------------------------------------------------------------------------


def visit_record(request):
    """Record a lesson visit (or only plan it). The protocol's rows: a competence, its level, a comment."""
    user = request.user
    _require(permissions.may_record_support(user))
    plan = _own_plan(request, LessonVisit)
    initial = {}
    teacher = plan.person if plan else _teacher_param(request)
    if teacher is not None:
        initial["person"] = teacher.pk
    if plan is not None:
        initial.update(date=plan.planned_on, purpose=plan.purpose)
    form = VisitForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["planned"]:
                    visit = actions.plan_visit(
                        user,
                        data["person"],
                        planned_on=data["planned_on"],
                        purpose=data["purpose"],
                        request=request,
                    )
                else:
                    visit = actions.record_visit(
                        user,
                        data["person"],
                        date=data["date"],
                        observations=form.observations(),
                        grade=data["grade"],
                        subject=data["subject"],
                        topic=data["topic"],
                        purpose=data["purpose"],
                        strengths=data["strengths"],
                        recommendations=form.recommendation_lines(),
                        plan=plan,
                        request=request,
                    )
            except actions.SupportError as exc:
                messages.error(request, str(exc))
            else:
                if visit.status == ActivityStatus.PLANNED:
                    messages.success(request, f"Посещение запланировано на {visit.planned_on:%d.%m.%Y}.")
                    return redirect("support:my_teachers")
                messages.success(request, "Протокол посещения сохранён; педагог получил уведомление.")
                return redirect("support:visit", pk=visit.pk)
        else:
            messages.error(request, FIX_FORM)
    return render(request, "support/visit_form.html", {"form": form, "plan": plan})


def visit_detail(request, pk):
    """The protocol: the visitor, the visited teacher, the center, the municipal coordinator of the teacher's
    municipality (LessonVisit.visible_to)."""
    user = request.user
    visit = get_object_or_404(
        LessonVisit.objects.visible_to(user).select_related(
            "person", "organization", "municipality", "subject", "visitor", "visitor_person"
        ),
        pk=pk,
    )
    observations = visit.observations.select_related("competence").all()
    recommendations = visit.recommendations.select_related("route_item__route").all()
    return render(
        request,
        "support/visit_detail.html",
        {
            "visit": visit,
            "observations": observations,
            "recommendations": recommendations,
            "is_teacher": bool(user.person_id) and user.person_id == visit.person_id,
            "may_route": actions.may_route_recommendation(user, visit),
            "sections": Section.choices,
            "default_section": actions.RECOMMENDATION_SECTION,
        },
    )


@require_POST
def visit_acknowledge(request, pk):
    visit = get_object_or_404(LessonVisit.objects.visible_to(request.user), pk=pk)
    try:
        actions.acknowledge_visit(request.user, visit, request=request)
    except actions.SupportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Ознакомление с протоколом подтверждено.")
    return redirect("support:visit", pk=visit.pk)


@require_POST
def recommendation_to_route(request, pk):
    """«В маршрут»: the recommendation becomes an item of the teacher's draft route."""
    rec = get_object_or_404(
        VisitRecommendation.objects.filter(
            visit__in=LessonVisit.objects.visible_to(request.user).values("pk")
        ),
        pk=pk,
    )
    form = ToRouteForm(request.POST)
    section = form.cleaned_data["section"] if form.is_valid() else None
    if not form.is_valid():
        messages.error(request, "Неизвестный раздел маршрута")
        return redirect("support:visit", pk=rec.visit_id)
    try:
        item = actions.recommendation_to_route(request.user, rec, section=section or None, request=request)
    except actions.SupportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Рекомендация добавлена в маршрут педагога (раздел {item.section}).")
    return redirect("support:visit", pk=rec.visit_id)


# --- consultations ---------------------------------------------------------------------------------------------


def consultation_record(request):
    user = request.user
    _require(permissions.may_record_support(user))
    plan = _own_plan(request, Consultation)
    initial = {}
    if plan is not None:
        initial.update(
            teachers=list(plan.teachers.values_list("pk", flat=True)),
            kind=plan.kind,
            topic=plan.topic,
            date=plan.planned_on,
            duration=plan.duration,
            format=plan.format,
            competences=list(plan.competences.values_list("pk", flat=True)),
        )
    else:
        teacher = _teacher_param(request)
        if teacher is not None:
            initial["teachers"] = [teacher.pk]
    form = ConsultationForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = actions.record_consultation(
                    user,
                    data["teachers"],
                    topic=data["topic"],
                    date=data["date"],
                    kind=data["kind"],
                    competences=data["competences"],
                    duration=data["duration"],
                    format=data["format"],
                    planned=data["planned"],
                    planned_on=data["planned_on"],
                    plan=plan,
                    request=request,
                )
            except actions.SupportError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    "Консультация запланирована."
                    if consultation.status == ActivityStatus.PLANNED
                    else "Консультация записана.",
                )
                return redirect("support:consultation", pk=consultation.pk)
        else:
            messages.error(request, FIX_FORM)
    return render(
        request,
        "support/consultation_form.html",
        {"form": form, "plan": plan, "group": ConsultationKind.GROUP},
    )


def consultation_detail(request, pk):
    consultation = get_object_or_404(
        Consultation.objects.visible_to(request.user).select_related("visitor", "visitor_person"), pk=pk
    )
    return render(
        request,
        "support/consultation_detail.html",
        {
            "consultation": consultation,
            "participants": consultation.participants.select_related("person", "organization").order_by(
                "person__last_name", "person__first_name", "pk"
            ),
            "competences": consultation.competences.all(),
        },
    )


# --- the teacher's own -----------------------------------------------------------------------------------------


def my_support(request):
    """«Мои посещения и консультации»: the visits of the signed-in teacher's lessons (with what waits for their
    acknowledgement) and the consultations they took part in."""
    person_id = request.user.person_id
    visits = (
        LessonVisit.objects.filter(person_id=person_id or 0, status=ActivityStatus.DONE)
        .select_related("visitor_person", "visitor", "subject")
        .order_by("-date", "-pk")
    )
    consultations = (
        Consultation.objects.filter(teachers=person_id or 0, status=ActivityStatus.DONE)
        .select_related("visitor_person", "visitor")
        .order_by("-date", "-pk")
    )
    return render(
        request,
        "support/my_support.html",
        {"visits": visits, "consultations": consultations, "has_person": bool(person_id)},
    )

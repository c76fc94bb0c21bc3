"""A teacher's request for a course («Хочу на этот курс»): the teacher asks on the cohort's page or among their
matching resources; the school's coordinator turns the request into an application (within the quota, as any
application) or declines it with a reason."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from profrost.core.filters import without_nul
from profrost.core.http import next_url
from profrost.people.models import Person
from profrost.resources import actions
from profrost.resources.actions import ResourceError
from profrost.resources.models import Application, ApplicationStatus, Cohort


@require_POST
def cohort_request(request, pk):
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=pk)
    try:
        actions.request_course(cohort, request.user, without_nul(request.POST.get("comment", ""))[:500])
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Просьба записать вас на курс «{cohort.program.title}» передана уполномоченному ОО: "
            "он подаст заявку или ответит вам.",
        )
    return redirect(next_url(request, "resources:cohort", pk=pk))


@require_POST
def request_decide(request, pk, decision):
    """«apply»: the request becomes an application (the quota's rules; over the quota, on the waiting list when
    asked); «decline»: refused with the reason."""
    application = get_object_or_404(
        Application.objects.select_related("cohort__program", "organization", "person"), pk=pk
    )
    # Only requests of people in the user's scope: anyone else's answers 404, never their name.
    if not Person.objects.visible_to(request.user).filter(pk=application.person_id).exists():
        raise Http404
    person = application.person
    try:
        if decision == "apply":
            if application.status != ApplicationStatus.REQUESTED:
                raise ResourceError(
                    f"Это уже не просьба педагога: заявка в статусе «{application.get_status_display()}»."
                )
            made = actions.apply(
                application.cohort,
                person,
                application.organization,
                request.user,
                waitlist=request.POST.get("waitlist") == "yes",
            )
            if made.status == ApplicationStatus.WAITING:
                messages.warning(
                    request, f"Квота исчерпана: заявка на {person.in_case('accusative')} в листе ожидания."
                )
            else:
                messages.success(
                    request, f"Заявка на {person.in_case('accusative')} подана по просьбе педагога."
                )
        elif decision == "decline":
            actions.decline_request(
                application, request.user, without_nul(request.POST.get("reason", ""))[:500]
            )
            messages.success(
                request, f"Просьба отклонена; {person.full_name} получит уведомление с причиной."
            )
        else:
            raise Http404
    except ResourceError as exc:
        messages.error(request, str(exc))
    return redirect("resources:cohort", pk=application.cohort_id)

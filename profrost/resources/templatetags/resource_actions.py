"""Tags of the resources' pages: `{% resource_actions cohort %}` renders what the apps above offer for a
resource (resources.extensions.resource_actions: routes' «Добавить в маршрут») — for the signed-in teacher on a
resource's page, for a given person on a row of their matching resources (`{% resource_actions m.resource
person compact=True %}`); `{% course_request cohort %}` the teacher's «Хочу на этот курс» or where their
request or application stands."""

import datetime

from django import template
from django.template.loader import render_to_string

from profrost.resources.extensions import Offer
from profrost.resources.extensions import resource_actions as actions_slot
from profrost.resources.models import (
    CLOSED_APPLICATION,
    Application,
    ApplicationStatus,
    Cohort,
    Community,
    Event,
    Internship,
)

register = template.Library()

KINDS = {Cohort: "cohort", Event: "event", Internship: "internship", Community: "community"}


@register.simple_tag(takes_context=True)
def resource_actions(context, resource, person=None, compact=False):
    """A catalog object (its kind from its class) or a resources.matching.Resource (its own `kind`)."""
    request = context.get("request")
    if request is None or resource is None:
        return ""
    if person is None:
        person = request.user.person if request.user.is_authenticated and request.user.person_id else None
    if person is None:
        return ""
    kind = KINDS.get(type(resource)) or getattr(resource, "kind", None)
    if kind not in KINDS.values():
        return ""
    return actions_slot.render(request, Offer(person, kind, resource.pk, compact))


def _my_applications(request):
    """{cohort id: status} of the signed-in teacher's applications that are not over — one query a page."""
    cached = getattr(request, "_my_applications", None)
    if cached is None:
        cached = dict(
            Application.objects.filter(person_id=request.user.person_id)
            .exclude(status__in=CLOSED_APPLICATION)
            .values_list("cohort_id", "status")
        )
        request._my_applications = cached
    return cached


@register.simple_tag(takes_context=True)
def course_request(context, cohort, compact=False):
    """`cohort`: a Cohort or a matching Resource of kind "cohort" (both have pk and start)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or not request.user.person_id:
        return ""
    if cohort.start is None or cohort.start <= datetime.date.today():
        return ""
    status = _my_applications(request).get(cohort.pk)
    return render_to_string(
        "resources/_course_request.html",
        {
            "cohort_id": cohort.pk,
            "status": status,
            "status_label": ApplicationStatus(status).label if status else "",
            "requested": status == ApplicationStatus.REQUESTED,
            "compact": compact,
            "next": request.get_full_path(),
        },
        request=request,
    )

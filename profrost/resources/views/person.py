"""A teacher's resources: the growth record export, the resources matching their current deficits."""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from profrost.core.exports import file_name, xlsx_response
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.diagnostics.models import CompetenceResult, Result
from profrost.people.models import Person
from profrost.resources.growth import growth_pdf, growth_record, growth_sheets
from profrost.resources.matching import match_resources


def growth_export(request, person_pk, fmt):
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_pk)
    if request.user.person_id != person.pk:
        journal(JournalAction.EXPORT, request=request, obj=person, what="growth record", format=fmt)
    record = growth_record(person)
    if fmt == "xlsx":
        return xlsx_response(file_name(f"Портфолио {person.short_name}", "xlsx"), growth_sheets(record))
    return growth_pdf(request, person, record)


def person_matches(request, person_pk):
    """Resources for a person's current deficits (those of their latest scored result), ranked and explained."""
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_pk)
    latest = Result.objects.filter(person=person).select_related("campaign").latest_scored()
    codes = list(
        CompetenceResult.objects.current_deficits()
        .filter(result__person=person)
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

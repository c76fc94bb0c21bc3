"""Exports of a campaign: its results as a spreadsheet (one row per participant) and its report as a PDF."""

from django.db.models import Prefetch
from django.template.loader import render_to_string

from profrost.core.validators import format_snils
from profrost.diagnostics import analysis, charts
from profrost.diagnostics.models import CompetenceResult, Result
from profrost.people.models import Employment, Position, Subject, sees_sensitive
from profrost.structure.models import District, Municipality, Organization

GROUP_NAMES = {
    "district": "округ",
    "municipality": "муниципалитет",
    "organization": "организация",
    "position": "должность",
    "subject": "предмет",
}


def results_sheet(campaign, results, user=None):
    """user=None: the command line, which sees everything; else SNILS by the cards' rule (sees_sensitive)."""
    codes = list(
        CompetenceResult.objects.filter(result__campaign=campaign)
        .order_by("competence__group__order", "competence__order", "competence__code")
        .values_list("competence__code", flat=True)
        .distinct()
    )
    codes = list(dict.fromkeys(codes))
    headers = [
        "СНИЛС",
        "ФИО",
        "Муниципалитет",
        "Организация",
        "Итого, %",
        "Уровень",
        "Дефициты",
        *[f"{c}, %" for c in codes],
    ]
    results = (
        results.select_related("person")
        .prefetch_related(
            Prefetch("competence_results", queryset=CompetenceResult.objects.select_related("competence")),
            Prefetch(
                "person__employments",
                queryset=Employment.objects.select_related("organization__municipality").order_by(
                    "-is_main", "pk"
                ),
            ),
        )
        .order_by("person__last_name", "person__first_name", "pk")
    )

    def rows():
        for r in results.iterator(chunk_size=1000):
            per = {cr.competence.code: cr for cr in r.competence_results.all()}
            job = next(iter(r.person.employments.all()), None)
            org = job.organization if job else None
            yield [
                format_snils(r.person.snils) if user is None or sees_sensitive(user, r.person_id) else "",
                r.person.full_name,
                org.municipality.name if org and org.municipality else "",
                org.name if org else "",
                float(r.total_percent) if r.total_percent is not None else None,
                r.level,
                ";".join(code for code in codes if code in per and per[code].is_deficit),
                *[float(per[c].percent) if c in per else None for c in codes],
            ]

    return headers, rows()


__all__ = ["results_sheet", "Result"]


def group_description(user, groups):
    """The group the report is narrowed to, in words (names looked up within the user's scope)."""
    sources = {
        "district": District.objects.all(),
        "municipality": Municipality.objects.visible_to(user),
        "organization": Organization.objects.visible_to(user),
        "position": Position.objects.all(),
        "subject": Subject.objects.all(),
    }
    parts = []
    for key, value in groups.items():
        name = sources[key].filter(pk=value).values_list("name", flat=True).first() if value else None
        if name:
            parts.append(f"{GROUP_NAMES[key]}: {name}")
    return "; ".join(parts) or "все участники в вашей области доступа"


def campaign_report_pdf(campaign, user, groups):
    """The campaign's report as PDF bytes: the page's tables with their charts (SVG as data: URIs, which
    WeasyPrint draws), over the results in the user's scope and the chosen group."""
    import weasyprint  # ~1 s to import: loaded by the PDF exports only, not by every process that loads the URLs

    results = Result.objects.visible_to(user).filter(campaign=campaign)
    data = analysis.report(campaign, results, **groups)
    trend = analysis.trend(campaign, Result.objects.visible_to(user), **groups)
    drawn = charts.report_charts(campaign, data, trend)
    html = render_to_string(
        "diagnostics/campaign_report_pdf.html",
        {
            "campaign": campaign,
            "report": data,
            "trend": trend,
            "trend_labels": [charts.trend_label(c) for c in trend["campaigns"]] if trend else [],
            "images": {name: c.data_uri() for name, c in drawn.items()} if data["participants"] else {},
            "charts": drawn,
            "group": group_description(user, groups),
        },
    )
    return weasyprint.HTML(string=html).write_pdf()

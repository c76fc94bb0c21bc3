"""The results of a campaign as a spreadsheet: one row per participant."""

from django.db.models import Prefetch

from profrost.core.validators import format_snils
from profrost.diagnostics.models import CompetenceResult, Result
from profrost.people.models import Employment, sees_sensitive


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

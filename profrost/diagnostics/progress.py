"""A person's diagnostic history: every result, its deficits, and — where a competence was measured
before — which deficits closed, which persisted and which appeared since the previous diagnosis."""

from profrost.diagnostics.models import CompetenceResult


def person_history(person):
    """The person's results, newest first, each with .deficits, .closed, .appeared and .persisting
    (competence codes; a severe deficit is marked «(выраж.)»)."""
    results = list(person.results.select_related("campaign").order_by("-taken_on", "-pk"))
    by_result = {r.pk: r for r in results}
    for r in results:
        r.deficits, r.closed, r.appeared, r.persisting = [], [], [], []
    rows = (
        CompetenceResult.objects.filter(result__person=person)
        .with_previous()
        .values("result_id", "competence__code", "is_deficit", "is_severe", "previous_deficit")
        .order_by("competence__code")
    )
    for row in rows:
        r = by_result[row["result_id"]]
        code, before = row["competence__code"], row["previous_deficit"]
        if row["is_deficit"]:
            r.deficits.append(f"{code} (выраж.)" if row["is_severe"] else code)
            if before is True:
                r.persisting.append(code)
            elif before is False:
                r.appeared.append(code)
        elif before is True:
            r.closed.append(code)
    return results

"""A person's diagnostic results as personal data (people.personal_data): the results stay on the anonymised
person (the region's statistics); their snapshots in history go."""

from profrost.diagnostics.models import ResultEvent
from profrost.people.personal_data import plain, register


def _results_export(person):
    return [
        {
            "диагностика": r.campaign.name,
            "дата": plain(r.taken_on),
            "итого, %": plain(r.total_percent),
            "уровень": r.level,
        }
        for r in person.results.select_related("campaign")
    ]


def _erase_results_history(person):
    ResultEvent.objects.filter(person_id=person.pk).delete()


register(
    "results",
    40,
    "результаты диагностики",
    _results_export,
    _erase_results_history,
    ["diagnostics.result", "diagnostics.resultevent"],
)

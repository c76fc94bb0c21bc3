"""The diagnostics app's sections on lower apps' pages (registered in DiagnosticsConfig.ready())."""

from profrost.diagnostics.progress import person_history
from profrost.people.extensions import person_card


@person_card.register("results", "diagnostics/_person_results.html", order=10)
def person_results(request, person):
    return {"person": person, "results": person_history(person)}

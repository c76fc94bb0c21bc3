"""Background work of routes, with progress for the page: bulk generation, the ZIP of route documents."""

import datetime

from django_tasks import task

from profrost.core import downloads
from profrost.core.models import TaskProgress
from profrost.diagnostics.models import Campaign
from profrost.people.models import Employment
from profrost.routes.document import routes_zip
from profrost.routes.generation import generate_for_campaign
from profrost.routes.models import Route


@task()
def generate_routes(progress_id, campaign_id, hours, start, end, municipality_id=None):
    progress = TaskProgress.objects.get(pk=progress_id)
    progress.state = TaskProgress.State.RUNNING
    progress.message = "Подбор ресурсов и построение маршрутов"
    progress.save()

    def report(done, total, stage):
        TaskProgress.objects.filter(pk=progress_id).update(done=done, total=total)

    person_ids = None
    if municipality_id:
        person_ids = set(
            Employment.objects.filter(organization__municipality_id=municipality_id)
            .current()
            .values_list("person_id", flat=True)
        )
    try:
        counts = generate_for_campaign(
            Campaign.objects.get(pk=campaign_id),
            hours,
            datetime.date.fromisoformat(start),
            datetime.date.fromisoformat(end),
            person_ids=person_ids,
            progress=report,
        )
    except Exception as exc:  # the page must say it failed, not spin forever
        TaskProgress.objects.filter(pk=progress_id).update(
            state=TaskProgress.State.FAILED, message=str(exc)[:500]
        )
        raise
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.DONE,
        message=(
            f"Создано маршрутов: {counts['created']}; непокрытых дефицитов: {counts['uncovered']}; "
            f"пропущено (маршрут уже есть): {counts['skipped']}"
        ),
    )


@task()
def build_routes_zip(progress_id, route_ids, fmt):
    """The documents of the routes (already checked against the user's scope by the page) as one ZIP."""

    def build(path, report):
        order = {pk: n for n, pk in enumerate(route_ids)}
        routes = sorted(
            Route.objects.filter(pk__in=route_ids).select_related("person", "result__campaign", "tutor"),
            key=lambda r: order[r.pk],
        )
        routes_zip(routes, fmt, path, report)
        return f"Готово: документов в архиве — {len(routes)}."

    downloads.run(progress_id, build)

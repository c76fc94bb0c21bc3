"""Bulk route generation in the background worker, with progress for the page."""

import datetime

from django_tasks import task


@task()
def generate_routes(progress_id, campaign_id, hours, start, end, municipality_id=None):
    from profrost.core.models import TaskProgress
    from profrost.diagnostics.models import Campaign
    from profrost.routes.generation import generate_for_campaign

    progress = TaskProgress.objects.get(pk=progress_id)
    progress.state = TaskProgress.State.RUNNING
    progress.message = "Подбор ресурсов и построение маршрутов"
    progress.save()

    def report(done, total, stage):
        TaskProgress.objects.filter(pk=progress_id).update(done=done, total=total)

    person_ids = None
    if municipality_id:
        from profrost.people.models import Employment

        person_ids = set(
            Employment.objects.filter(organization__municipality_id=municipality_id)
            .active_on(datetime.date.today())
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

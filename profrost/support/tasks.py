"""Background work of the asset, with progress for the page (core.models.TaskProgress, as routes/tasks.py):
running the proposal of assignments and applying it.

A proposal's result is kept as a JSON file on its TaskProgress (proposals are computed once and reviewed page by
page); applying reads the file, takes the rows the center marked (or all), and calls support.actions.assign for
each — the refusals with their reasons are kept in a second file on the applying TaskProgress.
"""

import json

from django.core.files.base import ContentFile
from django_tasks import task

from profrost.accounts.models import User
from profrost.core.models import TaskProgress
from profrost.support import proposals

PROPOSE = "support_propose"
APPLY = "support_apply"


def _fail(progress_id, message):
    TaskProgress.objects.filter(pk=progress_id).update(state=TaskProgress.State.FAILED, message=message[:500])


def load(progress):
    """{"proposals": [[teacher, member, direction, municipality, reason]], "unmatched": [[teacher, reason]], …}
    of a finished proposal (or the refusals of an applying)."""
    if not progress.file:
        return {}
    with progress.file.open("rb") as fh:
        return json.loads(fh.read().decode())


@task()
def run_proposal(progress_id, municipality_id=None):
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.RUNNING, message="Подбор методистов"
    )
    try:
        outcome = proposals.propose(municipality_id)
        data = {
            "municipality": municipality_id,
            "proposals": [p.as_row() for p in outcome.proposals],
            "unmatched": [list(u) for u in outcome.unmatched],
            "kept": outcome.kept,
            "needing": outcome.needing,
        }
        progress = TaskProgress.objects.get(pk=progress_id)
        progress.file.save(f"proposal-{progress_id}.json", ContentFile(json.dumps(data).encode()), save=False)
        progress.state = TaskProgress.State.DONE
        progress.done = progress.total = len(outcome.proposals)
        progress.message = (
            f"Предложено закреплений: {len(outcome.proposals)}; без подходящего методиста: "
            f"{len(outcome.unmatched)}; уже закреплены (пары сохранены): {outcome.kept}"
        )
        progress.save(update_fields=["file", "state", "done", "total", "message", "updated_at"])
    except Exception:  # the page must say it failed, not spin forever
        _fail(progress_id, "Не удалось построить предложение. Попробуйте ещё раз.")
        raise


@task()
def apply_proposal(progress_id, proposal_id, indices=None):
    """Apply the proposal's rows at `indices` (all when None) as the user who asked."""
    progress = TaskProgress.objects.select_related("user").get(pk=progress_id)
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.RUNNING, message="Закрепление педагогов"
    )
    try:
        rows = load(TaskProgress.objects.get(pk=proposal_id)).get("proposals", [])
        if indices is not None:
            rows = [rows[i] for i in sorted(set(indices)) if 0 <= i < len(rows)]

        def report(done, total):
            TaskProgress.objects.filter(pk=progress_id).update(done=done, total=total)

        report(0, len(rows))
        result = proposals.apply(User.objects.get(pk=progress.user_id), rows, report)
        refused = [list(r) for r in result["refused"]]
        progress.refresh_from_db()
        progress.file.save(
            f"applied-{progress_id}.json", ContentFile(json.dumps({"refused": refused}).encode()), save=False
        )
        progress.state = TaskProgress.State.DONE
        progress.message = f"Закреплено: {result['applied']}; отказано: {len(refused)}"
        progress.save(update_fields=["file", "state", "message", "updated_at"])
    except Exception:
        _fail(progress_id, "Не удалось применить предложение. Попробуйте ещё раз.")
        raise

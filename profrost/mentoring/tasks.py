"""Background work of mentoring with progress for the page (core.models.TaskProgress, as support/tasks.py): running
the proposal of mentors (docs/mentoring.md §4) and applying the rows the reviewer ticked.

A proposal's result is kept as a JSON file on its TaskProgress (computed once, reviewed page by page, applied by
row numbers — nothing the browser sends becomes a row); applying calls actions.create_mentorship for each row as
the user who asked, and keeps what was created and what was refused, with the reasons, on a second TaskProgress.
"""

import datetime
import json

from django.core.files.base import ContentFile
from django_tasks import task

from profrost.accounts.models import User
from profrost.core.models import TaskProgress
from profrost.mentoring import proposals

PROPOSE = "mentoring_propose"
APPLY = "mentoring_apply"


def _fail(progress_id, message):
    TaskProgress.objects.filter(pk=progress_id).update(state=TaskProgress.State.FAILED, message=message[:500])


def load(progress):
    """{"day", "municipality", "organization", "proposals": [rows], "unmatched": [rows], …} of a finished
    proposal, or {"source", "created": [[n, mentorship id]], "refused": [[n, message]]} of an applying."""
    if not progress.file:
        return {}
    with progress.file.open("rb") as fh:
        return json.loads(fh.read().decode())


def _save(progress, name, data):
    progress.file.save(name, ContentFile(json.dumps(data, ensure_ascii=False).encode()), save=False)


@task()
def run_proposal(progress_id, day, municipality_id=None, organization_id=None):
    """Build the proposal for the user of the TaskProgress, on `day` (ISO)."""
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.RUNNING, message="Подбор наставников"
    )
    try:
        progress = TaskProgress.objects.select_related("user").get(pk=progress_id)
        outcome = proposals.propose(
            progress.user,
            day=datetime.date.fromisoformat(day),
            municipality_id=municipality_id,
            organization_id=organization_id,
        )
        data = {
            "day": day,
            "municipality": municipality_id,
            "organization": organization_id,
            "proposals": [p.as_row() for p in outcome.proposals],
            "unmatched": [u.as_row() for u in outcome.unmatched],
            "kept": outcome.kept,
            "young": outcome.young,
        }
        _save(progress, f"mentoring-proposal-{progress_id}.json", data)
        progress.state = TaskProgress.State.DONE
        progress.done = progress.total = len(outcome.proposals)
        progress.message = (
            f"Предложено: {len(outcome.proposals)}; без наставника: {len(outcome.unmatched)}; "
            f"уже в паре (не предлагаются): {sum(outcome.kept.values())}"
        )
        progress.save(update_fields=["file", "state", "done", "total", "message", "updated_at"])
    except Exception:  # the page must say it failed, not spin forever
        _fail(progress_id, "Не удалось построить предложение. Попробуйте ещё раз.")
        raise


@task()
def apply_proposal(progress_id, proposal_id, indices):
    """Apply the proposal's rows at `indices` as the user who asked (their scope is checked again per row)."""
    progress = TaskProgress.objects.select_related("user").get(pk=progress_id)
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.RUNNING, message="Назначение наставников"
    )
    try:
        source = TaskProgress.objects.get(pk=proposal_id, user_id=progress.user_id)
        data = load(source)
        rows = data.get("proposals", [])
        picked = [i for i in sorted(set(indices)) if 0 <= i < len(rows)]
        day = datetime.date.fromisoformat(data["day"])
        start = max(day, datetime.date.today())

        def report(done, total):
            TaskProgress.objects.filter(pk=progress_id).update(done=done, total=total)

        report(0, len(picked))
        result = proposals.apply(
            User.objects.get(pk=progress.user_id), [rows[i] for i in picked], start=start, report=report
        )
        created = [[picked[n], pk] for n, pk in result["created"]]
        refused = [[picked[n], message] for n, message in result["refused"]]
        progress.refresh_from_db()
        _save(
            progress,
            f"mentoring-applied-{progress_id}.json",
            {"source": proposal_id, "created": created, "refused": refused},
        )
        progress.state = TaskProgress.State.DONE
        progress.message = f"Назначено: {len(created)}; отказано: {len(refused)}"
        progress.save(update_fields=["file", "state", "message", "updated_at"])
    except Exception:
        _fail(progress_id, "Не удалось применить предложение. Попробуйте ещё раз.")
        raise

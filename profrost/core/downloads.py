"""Downloads that take longer than a moment (a ZIP of route documents, a large report) are made by a task in
the worker while the page shows its progress (TaskProgress), then offered to the user who asked — and to no one
else. Files are kept for DOWNLOAD_LIFETIME.

A caller enqueues its own task with a TaskProgress of kind "download"; the task calls `run(progress_id, build)`
where `build(path, report)` writes the file and calls `report(done, total)` as it goes.
"""

import datetime
import os
import tempfile

from django.core.files import File
from django.utils import timezone

from profrost.core.models import TaskProgress

KIND = "download"
DOWNLOAD_LIFETIME = datetime.timedelta(hours=24)


def start(user, filename, total=0):
    """A progress record for a download the user asked for; purges the user's expired ones."""
    purge_expired(user)
    return TaskProgress.objects.create(
        kind=KIND, user=user, filename=filename[:200], total=total, message="В очереди"
    )


def run(progress_id, build):
    progress = TaskProgress.objects.get(pk=progress_id)
    TaskProgress.objects.filter(pk=progress_id).update(
        state=TaskProgress.State.RUNNING, message="Подготовка файла"
    )

    def report(done, total):
        TaskProgress.objects.filter(pk=progress_id).update(done=done, total=total)

    handle, path = tempfile.mkstemp(suffix=os.path.splitext(progress.filename)[1])
    os.close(handle)
    try:
        message = build(path, report)
        with open(path, "rb") as fh:
            progress.file.save(os.path.basename(path), File(fh), save=False)
        progress.state, progress.message = TaskProgress.State.DONE, message or "Файл готов."
        progress.save(update_fields=["file", "state", "message", "updated_at"])
    except Exception:  # the page must say it failed, not spin forever
        TaskProgress.objects.filter(pk=progress_id).update(
            state=TaskProgress.State.FAILED, message="Не удалось подготовить файл. Попробуйте ещё раз."
        )
        raise
    finally:
        os.unlink(path)


def purge_expired(user=None):
    old = TaskProgress.objects.filter(kind=KIND, created_at__lt=timezone.now() - DOWNLOAD_LIFETIME)
    if user is not None:
        old = old.filter(user=user)
    for progress in old:
        progress.file.delete(save=False)
    old.delete()

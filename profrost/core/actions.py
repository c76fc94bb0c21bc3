"""Import jobs: upload → validate (preview) → commit or cancel. Called by the pages and the tasks."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from profrost.core.imports import ALLOWED_EXTENSIONS, FileRejected, get_importer, run_import
from profrost.core.journal import journal
from profrost.core.models import ImportJob, JournalAction, TaskProgress

MAX_STORED_ERRORS = 1000


def job_path(job):
    return Path(settings.UPLOAD_DIR) / job.stored_name


def store_upload(user, kind, uploaded, options=None):
    """Save an uploaded file under a generated name outside the web root; size-checked while writing."""
    get_importer(kind)
    name = Path(uploaded.name).name
    ext = Path(name).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise FileRejected(f"допустимы только файлы .xlsx и .csv, а загружен «{name}»")
    if uploaded.size > settings.IMPORT_MAX_BYTES:
        raise FileRejected(
            f"файл больше допустимого размера ({settings.IMPORT_MAX_BYTES / 1024 / 1024:.0f} МБ)"
        )
    Path(settings.UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}{ext}"
    with open(Path(settings.UPLOAD_DIR) / stored, "wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    progress = TaskProgress.objects.create(kind=f"import:{kind}", user=user, message="в очереди")
    return ImportJob.objects.create(
        user=user,
        kind=kind,
        original_name=name[:255],
        stored_name=stored,
        progress=progress,
        options=options or {},
    )


def runs_in_background(job):
    path = job_path(job)
    return path.exists() and path.stat().st_size > settings.IMPORT_BACKGROUND_BYTES


def _reporter(job):
    def report(done, total, stage):
        TaskProgress.objects.filter(pk=job.progress_id).update(
            done=done, total=total, message=stage, state=TaskProgress.State.RUNNING, updated_at=timezone.now()
        )

    return report


def _save_result(job, result, state):
    job.sha256 = result.sha256
    job.counts = result.as_dict()
    job.errors = ([result.file_error] if result.file_error else []) + result.error_lines(MAX_STORED_ERRORS)
    job.skipped = [[row, raw, msg] for row, raw, msg in result.skipped]
    job.state = state
    if state in (ImportJob.State.DONE, ImportJob.State.REJECTED, ImportJob.State.FAILED):
        job.finished_at = timezone.now()
    job.save()
    TaskProgress.objects.filter(pk=job.progress_id).update(
        state=TaskProgress.State.DONE, done=1, total=1, message=job.get_state_display()
    )


def validate_job(job_id):
    """The preview: every row checked, nothing written."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    result = run_import(
        job.kind,
        job_path(job),
        user=job.user,
        dry_run=True,
        progress=_reporter(job),
        filename=job.original_name,
        options=job.options,
    )
    state = ImportJob.State.REJECTED if result.file_error else ImportJob.State.VALIDATED
    _save_result(job, result, state)
    journal(
        JournalAction.IMPORT,
        user=job.user,
        obj=job,
        result="preview",
        kind=job.kind,
        sha256=result.sha256,
        **result.as_dict(),
    )
    if state == ImportJob.State.REJECTED:
        _discard(job)
    return job


def commit_job(job_id, skip_invalid=False):
    """Re-validates the stored file inside the transaction (no stale preview) and writes it. Runs only for a
    job the commit page moved to «importing» (see import_views.import_commit): a second run does nothing."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ImportJob.State.IMPORTING:
        return job
    try:
        result = run_import(
            job.kind,
            job_path(job),
            user=job.user,
            skip_invalid=skip_invalid,
            progress=_reporter(job),
            filename=job.original_name,
            job_id=job.pk,
            options=job.options,
        )
    except Exception:
        # Fail closed: the transaction rolled back, the job says so, the file goes.
        job.state = ImportJob.State.FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "finished_at"])
        TaskProgress.objects.filter(pk=job.progress_id).update(
            state=TaskProgress.State.FAILED, message="ошибка"
        )
        journal(JournalAction.IMPORT, user=job.user, obj=job, result="failed", kind=job.kind)
        _discard(job)
        raise
    job.skip_invalid = skip_invalid
    _save_result(job, result, ImportJob.State.DONE if result.written else ImportJob.State.REJECTED)
    journal(
        JournalAction.IMPORT,
        user=job.user,
        obj=job,
        result="success" if result.written else "rejected",
        kind=job.kind,
        sha256=result.sha256,
        skip_invalid=skip_invalid,
        **result.as_dict(),
    )
    _discard(job)
    return job


def cancel_job(job):
    with transaction.atomic():
        job.state = ImportJob.State.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "finished_at"])
    _discard(job)


def _discard(job):
    """Uploaded files are deleted once processed (docs/security.md §13)."""
    job_path(job).unlink(missing_ok=True)

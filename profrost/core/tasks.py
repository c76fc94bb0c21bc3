"""Background work (django-tasks): large imports run in the worker, the page shows progress."""

from django_tasks import task

from profrost.core import actions


@task()
def validate_import(job_id):
    actions.validate_job(job_id)


@task()
def commit_import(job_id, skip_invalid=False):
    actions.commit_job(job_id, skip_invalid=skip_invalid)

from django.db import transaction

from profrost.diagnostics.models import Competence


@transaction.atomic
def save_competence(form):
    return form.save()


@transaction.atomic
def set_competence_active(competence, active):
    """Retire (or restore) a competence; retired ones stay on old results and item maps."""
    Competence.objects.filter(pk=competence.pk).update(is_active=active)

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.core.history import history
from profrost.core.scoping import has_role
from profrost.diagnostics import actions
from profrost.diagnostics.forms import CompetenceForm
from profrost.diagnostics.models import Competence, CompetenceGroup

EDITORS = ("region_admin", "center_staff")


def _can_edit(user):
    return user.is_superuser or has_role(user, *EDITORS)


def competence_list(request):
    groups = CompetenceGroup.objects.prefetch_related(
        Prefetch("competences", queryset=Competence.objects.order_by("order", "code"))
    )
    return render(
        request, "diagnostics/competence_list.html", {"groups": groups, "can_edit": _can_edit(request.user)}
    )


def competence_form(request, pk=None):
    if not _can_edit(request.user):
        raise PermissionDenied
    competence = get_object_or_404(Competence, pk=pk) if pk else None
    form = CompetenceForm(request.POST or None, instance=competence)
    if request.method == "POST" and form.is_valid():
        actions.save_competence(form)
        messages.success(request, "Компетенция сохранена.")
        return redirect("diagnostics:competences")
    return render(
        request,
        "diagnostics/competence_form.html",
        {"form": form, "competence": competence, "history": history(competence) if competence else []},
    )


@require_POST
def competence_active(request, pk):
    if not _can_edit(request.user):
        raise PermissionDenied
    competence = get_object_or_404(Competence, pk=pk)
    active = request.POST.get("active") == "1"
    actions.set_competence_active(competence, active)
    messages.success(
        request, f"Компетенция {competence.code} {'восстановлена' if active else 'выведена из употребления'}."
    )
    return redirect("diagnostics:competences")

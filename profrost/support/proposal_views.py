"""The center's pages for the automatic proposal of assignments (docs/support.md §13) and the register as the
order's appendix (§15): run the proposal (the region or one municipality) as a background task, review it page
by page, apply all or the marked rows as a second task with progress, see the refusals with their reasons."""

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.core.exports import attachment
from profrost.core.forms import BootstrapMixin
from profrost.core.models import TaskProgress
from profrost.people.models import Person
from profrost.structure.models import Municipality
from profrost.support import exports, permissions, tasks
from profrost.support.models import AssetMember, Direction, MemberStatus, Order, load_limit

PAGE = 50
MAX_MARKED = 5000


class ProposalForm(BootstrapMixin, djforms.Form):
    municipality = djforms.ModelChoiceField(
        Municipality.objects.order_by("name"),
        required=False,
        label="Муниципалитет",
        empty_label="Весь регион",
        error_messages={"invalid_choice": "Муниципалитет не найден: выберите из списка."},
    )


def _require_center(user):
    if not permissions.may_assign_teachers(user):
        raise PermissionDenied


def _progress(request, pk, kind):
    """A task of this user's (another user's task: 404, as if it did not exist)."""
    return get_object_or_404(TaskProgress, pk=pk, user=request.user, kind=kind)


def proposals(request):
    _require_center(request.user)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        progress = TaskProgress.objects.create(kind=tasks.PROPOSE, user=request.user, message="В очереди")
        tasks.run_proposal.enqueue(progress.pk, municipality.pk if municipality else None)
        return redirect("support:proposal", pk=progress.pk)
    recent = TaskProgress.objects.filter(user=request.user, kind=tasks.PROPOSE).order_by("-created_at")[:10]
    return render(request, "support/proposals.html", {"form": form, "recent": recent})


def _names(person_ids):
    return {
        p.pk: p
        for p in Person.objects.filter(pk__in=person_ids).only("last_name", "first_name", "middle_name")
    }


def proposal(request, pk):
    """The proposal: its progress while it runs, then its rows page by page with the marks to apply."""
    _require_center(request.user)
    progress = _progress(request, pk, tasks.PROPOSE)
    if progress.state != TaskProgress.State.DONE:
        template = "support/_proposal_task.html" if request.htmx else "support/proposal.html"
        return render(request, template, {"progress": progress})
    if request.htmx:  # the polling saw it finish: the whole page shows the list
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    data = tasks.load(progress)
    rows = list(enumerate(data.get("proposals", [])))
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    members = AssetMember.objects.filter(pk__in={r[1] for _, r in page}).select_related("person")
    members = {m.pk: m for m in members}
    people = _names({r[0] for _, r in page})
    labels = dict(Direction.choices)
    shown = [
        {
            "index": i,
            "person": people.get(r[0]),
            "member": members.get(r[1]),
            "direction": labels.get(r[2], r[2]),
            "reason": r[4],
        }
        for i, r in page
    ]
    unmatched = data.get("unmatched", [])[:PAGE]
    unmatched_people = _names({u[0] for u in unmatched})
    return render(
        request,
        "support/proposal.html",
        {
            "progress": progress,
            "page": page,
            "rows": shown,
            "municipality": Municipality.objects.filter(pk=data.get("municipality")).first(),
            "unmatched": [(unmatched_people.get(t), reason) for t, reason in unmatched],
            "unmatched_total": len(data.get("unmatched", [])),
            "kept": data.get("kept", 0),
            "limit": load_limit(),
        },
    )


@require_POST
def proposal_apply(request, pk):
    """Apply all the proposal's rows («all») or the marked ones («pick»: row numbers) as a background task."""
    _require_center(request.user)
    source = _progress(request, pk, tasks.PROPOSE)
    if source.state != TaskProgress.State.DONE:
        return redirect("support:proposal", pk=pk)
    indices = None
    if not request.POST.get("all"):
        picked = request.POST.getlist("pick")[:MAX_MARKED]
        indices = sorted({int(x) for x in picked if x.isascii() and x.isdigit() and len(x) < 10})
        if not indices:
            messages.error(request, "Отметьте предложения, которые применить, или нажмите «Применить все».")
            return redirect("support:proposal", pk=pk)
    progress = TaskProgress.objects.create(kind=tasks.APPLY, user=request.user, message="В очереди")
    tasks.apply_proposal.enqueue(progress.pk, source.pk, indices)
    return redirect("support:proposal_applied", pk=progress.pk)


def proposal_applied(request, pk):
    """The applying's progress, then its result with each refusal and its reason."""
    _require_center(request.user)
    progress = _progress(request, pk, tasks.APPLY)
    refused = []
    if progress.state == TaskProgress.State.DONE:
        rows = tasks.load(progress).get("refused", [])[:500]
        people = _names({r[0] for r in rows})
        members = {
            m.pk: m for m in AssetMember.objects.filter(pk__in={r[1] for r in rows}).select_related("person")
        }
        refused = [(people.get(t), members.get(m), message) for t, m, message in rows]
    template = "support/_apply_task.html" if request.htmx else "support/proposal_applied.html"
    return render(request, template, {"progress": progress, "refused": refused})


# --- the register as the order's appendix ----------------------------------------------------------------------


def order_appendix(request, pk, fmt):
    """«Приложение к приказу № … от …»: the members the order approved, as DOCX or PDF."""
    if not permissions.may_manage_asset(request.user):
        raise PermissionDenied
    if fmt not in ("docx", "pdf"):
        raise Http404
    order = get_object_or_404(Order, pk=pk)
    members = list(
        AssetMember.objects.filter(order=order, status__in=(MemberStatus.APPROVED, MemberStatus.EXCLUDED))
        .select_related("person")
        .prefetch_related("zone")
    )
    if fmt == "pdf":
        content, mime = exports.appendix_pdf(order, members), "application/pdf"
    else:
        content = exports.appendix_docx(order, members)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return attachment(HttpResponse(content, content_type=mime), exports.appendix_title(order), fmt)

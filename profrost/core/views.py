"""Core's own pages: the error pages, the notifications and the lookups' search."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from profrost.core import downloads, lookups
from profrost.core.filters import FilterForm, TextFilter
from profrost.core.journal import journal
from profrost.core.models import JournalAction, Notification, TaskProgress
from profrost.core.paging import page_of


def error_403(request, exception=None):
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        journal(JournalAction.ACCESS_DENIED, request=request, result="denied", path=request.path[:200])
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def notifications(request):
    """The user's own notifications (the bell); POST marks them all read."""
    qs = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    return render(request, "core/notifications.html", {"page": page_of(request, qs)})


def notification_open(request, pk):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return redirect(note.url or "notifications")


def download_status(request, pk):
    """A download being prepared: its progress (polled), then the link to the file. Its requester only."""
    progress = get_object_or_404(TaskProgress, pk=pk, user=request.user, kind=downloads.KIND)
    template = "core/_download.html" if request.htmx else "core/download.html"
    return render(request, template, {"progress": progress})


def download_file(request, pk):
    progress = get_object_or_404(TaskProgress, pk=pk, user=request.user, kind=downloads.KIND)
    if progress.state != TaskProgress.State.DONE or not progress.file:
        raise Http404
    return FileResponse(progress.file.open("rb"), as_attachment=True, filename=progress.filename)


class LookupQuery(FilterForm):
    q = TextFilter(label="Поиск", max_length=lookups.MAX_QUERY)


@require_http_methods(["GET", "POST"])
def lookup(request, name):
    """The matches of a typed text for a lookup field (core.lookups) as JSON: {"results": [{"id", "label"}, …],
    "message": ""}; a text too short or too long gets a message instead and searches nothing. The field's script
    POSTs the text, so a SNILS typed into it never lands in a URL or a server log (docs/security.md §11)."""
    found = lookups.get(name)
    if found is None:
        raise Http404
    form = LookupQuery(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return JsonResponse({"results": [], "message": lookups.TOO_LONG})
    text = " ".join(form.cleaned_data["q"].split())
    if len(text) < lookups.MIN_QUERY:
        return JsonResponse({"results": [], "message": lookups.TOO_SHORT})
    results = [{"id": pk, "label": label} for pk, label in found.find(request.user, text)]
    return JsonResponse({"results": results, "message": "" if results else "Ничего не найдено"})

"""Core's own pages: the error pages and the notifications."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from profrost.core import downloads
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

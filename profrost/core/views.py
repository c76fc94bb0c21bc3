from django.shortcuts import redirect, render

from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.scoping import scope_of


def home(request):
    scope = scope_of(request.user)
    if request.user.person_id and not (scope.roles - {"teacher", "mentor", "expert", "methodologist"}):
        return redirect("people:me")
    return render(request, "core/home.html", {"scope": scope})


def error_403(request, exception=None):
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        journal(JournalAction.ACCESS_DENIED, request=request, result="denied", path=request.path[:200])
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)

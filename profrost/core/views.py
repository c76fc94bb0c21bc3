from django.shortcuts import redirect, render

from profrost.accounts import permissions
from profrost.core.filters import ChoiceFilter, FilterForm, TextFilter
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.scoping import scope_of


def home(request):
    scope = scope_of(request.user)
    if request.user.person_id and permissions.has_only_personal_roles(request.user):
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


class JournalFilter(FilterForm):
    action = ChoiceFilter(label="Событие", choices=JournalAction.choices)
    user = TextFilter(label="Пользователь", max_length=150)


def journal_list(request):
    """The security journal, for the region's administrators only."""
    from django.core.exceptions import PermissionDenied
    from django.core.paginator import Paginator

    from profrost.core.models import JournalEntry

    if not permissions.may_view_journal(request.user):
        raise PermissionDenied
    entries = JournalEntry.objects.all()
    params = JournalFilter.of(request).values
    action, username = params["action"], params["user"]
    if action:
        entries = entries.filter(action=action)
    if username:
        entries = entries.filter(username__istartswith=username)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/journal_list.html",
        {"page": page, "actions": JournalAction.choices, "action": action, "username": username},
    )

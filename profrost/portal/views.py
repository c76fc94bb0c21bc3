"""Pages across apps: the start page, the security journal (it names users and their roles)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from profrost.accounts import permissions
from profrost.accounts.models import RoleCode, User
from profrost.core.filters import ChoiceFilter, DateFilter, FilterForm, TextFilter
from profrost.core.models import JOURNAL_RESULTS, JournalAction, JournalEntry
from profrost.core.paging import page_of, query_without_page
from profrost.core.scoping import scope_of
from profrost.portal import start

ONE_DAY = datetime.timedelta(days=1)


def home(request):
    """The start page: what waits for the user now (portal.start), then the sections they may open."""
    return render(
        request,
        "portal/home.html",
        {"scope": scope_of(request.user), "todos": start.todos(request.user)},
    )


class JournalFilter(FilterForm):
    action = ChoiceFilter(label="Событие", choices=JournalAction.choices)
    user = TextFilter(label="Пользователь (логин или фамилия)", max_length=150)
    start = DateFilter(label="С даты")
    end = DateFilter(label="По дату")
    result = ChoiceFilter(label="Результат", choices=sorted(set(JOURNAL_RESULTS.items()), key=lambda c: c[1]))


def journal_list(request):
    """The security journal, for the region's administrators only: filters by event, person, dates and result;
    roles and results in words."""
    if not permissions.may_view_journal(request.user):
        raise PermissionDenied
    params = JournalFilter.of(request).values
    entries = JournalEntry.objects.all()
    if params["action"]:
        entries = entries.filter(action=params["action"])
    if params["user"]:
        who = params["user"]
        entries = entries.filter(
            Q(username__istartswith=who)
            | Q(user_id__in=User.objects.filter(last_name__istartswith=who).values("pk"))
        )
    tz = timezone.get_current_timezone()
    if params["start"]:
        entries = entries.filter(at__gte=datetime.datetime.combine(params["start"], datetime.time.min, tz))
    if params["end"]:
        entries = entries.filter(
            at__lt=datetime.datetime.combine(params["end"], datetime.time.min, tz) + ONE_DAY
        )
    if params["result"]:
        entries = entries.filter(
            result__in=[k for k, v in JOURNAL_RESULTS.items() if v == JOURNAL_RESULTS[params["result"]]]
        )
    page = page_of(request, entries)
    role_names = dict(RoleCode.choices)
    for entry in page:
        entry.role_names = ", ".join(role_names.get(code, code) for code in entry.roles.split(",") if code)
    return render(
        request,
        "portal/journal_list.html",
        {
            "page": page,
            "params": params,
            "actions": JournalAction.choices,
            "results": JournalFilter.base_fields["result"].choices,
            "query": query_without_page(request),
        },
    )

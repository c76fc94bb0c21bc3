"""Professional communities and methodological associations: the list, a community's page, members and
meetings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profrost.accounts import permissions
from profrost.core.filters import ChoiceFilter, FilterForm, TextFilter
from profrost.core.paging import page_of
from profrost.core.scoping import scope_of
from profrost.people.models import Person
from profrost.resources import actions, forms
from profrost.resources.actions import ResourceError, may_manage_municipality
from profrost.resources.models import Community, Level, MemberStatus
from profrost.structure.models import Municipality


class CommunityFilter(FilterForm):
    q = TextFilter(label="Название или тема")
    level = ChoiceFilter(label="Уровень", choices=Level.choices)


def community_list(request):
    qs = (
        Community.objects.select_related("municipality", "subject")
        .annotate(n=Count("members"))
        .order_by("name")
    )
    params = CommunityFilter.of(request).values
    if params["q"]:
        qs = qs.filter(Q(name__icontains=params["q"]) | Q(theme__icontains=params["q"]))
    if params["level"]:
        qs = qs.filter(level=params["level"])
    return render(
        request,
        "resources/community_list.html",
        {
            "page": page_of(request, qs),
            "params": request.GET,
            "levels": Level.choices,
            "can_edit": permissions.may_lead_communities(request.user),
        },
    )


def _may_edit_community(user, community):
    """The center edits every community; a municipal coordinator only their municipality's ones."""
    return permissions.is_region_staff(user) or bool(
        community.municipality_id and may_manage_municipality(user, community.municipality_id)
    )


def community_form(request, pk=None):
    user = request.user
    if not permissions.may_lead_communities(user):
        raise PermissionDenied
    community = get_object_or_404(Community, pk=pk) if pk else None
    # Scope before the write (the stored community) …
    if community is not None and not _may_edit_community(user, community):
        raise PermissionDenied
    form = forms.CommunityForm(request.POST or None, instance=community)
    if not permissions.is_region_staff(user):
        form.fields["municipality"].queryset = Municipality.objects.filter(
            pk__in=scope_of(user).municipality_ids
        )
        form.fields["municipality"].required = True
        form.fields["level"].choices = [(Level.MUNICIPAL, "муниципальный")]
    if request.method == "POST" and form.is_valid():
        # … and after it (what was saved), in one transaction: a refused write leaves nothing.
        with transaction.atomic():
            saved = form.save()
            if not _may_edit_community(user, saved):
                transaction.set_rollback(True)
                raise PermissionDenied
        messages.success(request, "Сообщество сохранено.")
        return redirect("resources:community", pk=saved.pk)
    return render(request, "resources/form.html", {"form": form, "title": community or "Новое сообщество"})


def _may_lead(user, community):
    if permissions.is_region_staff(user):
        return True
    if community.municipality_id and may_manage_municipality(user, community.municipality_id):
        return True
    return (
        bool(user.person_id)
        and community.members.filter(person_id=user.person_id, status=MemberStatus.LEADER).exists()
    )


def community_detail(request, pk, member_form=None):
    """A community: members, meetings; `member_form` — the leader's add-member form with its errors, shown again."""
    community = get_object_or_404(Community.objects.select_related("municipality", "subject"), pk=pk)
    lead = _may_lead(request.user, community)
    # Names of people only as far as the viewer may see them (docs/security.md, "Lists of people").
    members = community.members.filter(person__in=Person.objects.visible_to(request.user))
    return render(
        request,
        "resources/community_detail.html",
        {
            "community": community,
            "members": members.select_related("person").order_by("status", "person__last_name"),
            "hidden_members": community.members.count() - members.count(),
            "may_edit": _may_edit_community(request.user, community),
            "meetings": community.meetings.all()[:100],
            "lead": lead,
            "member_form": (member_form or forms.MemberForm(user=request.user)) if lead else None,
            "meeting_form": forms.MeetingForm() if lead else None,
            "is_member": bool(request.user.person_id)
            and community.members.filter(person_id=request.user.person_id).exists(),
        },
    )


@require_POST
def community_join(request, pk):
    """A teacher joins a community themselves, or its leader (the center, the municipality) adds someone they
    pick from the people they may see (the add form always sends a status; joining oneself sends nothing)."""
    community = get_object_or_404(Community, pk=pk)
    lead = _may_lead(request.user, community)
    adding = "status" in request.POST or "person" in request.POST
    if adding and not lead:
        raise PermissionDenied
    if adding or (lead and not request.user.person_id):
        # A leader adds only people in their own scope (the lookup's); others join themselves.
        form = forms.MemberForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, "Участник не добавлен: исправьте отмеченное в форме.")
            return community_detail(request, pk, member_form=form)
        person, status = form.cleaned_data["person"], form.cleaned_data["status"]
    elif request.user.person_id:
        person, status = request.user.person, MemberStatus.MEMBER
    else:
        raise PermissionDenied
    try:
        actions.add_member(community, person, status, request.user, leader=lead)
    except ResourceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.full_name} — в сообществе.")
    return redirect("resources:community", pk=pk)


@require_POST
def community_meeting(request, pk):
    community = get_object_or_404(Community, pk=pk)
    if not _may_lead(request.user, community):
        raise PermissionDenied
    form = forms.MeetingForm(request.POST)
    if form.is_valid():
        meeting = form.save(commit=False)
        meeting.community = community
        meeting.save()
        messages.success(request, "Заседание добавлено.")
    else:
        messages.error(request, "Заседание не добавлено: укажите дату и тему.")
    return redirect("resources:community", pk=pk)

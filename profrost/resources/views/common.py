"""What the resources pages share: the center-only guard, the catalog create/edit page, whom a coordinator
may apply for or register."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from profrost.accounts import permissions
from profrost.people.models import Employment
from profrost.structure.models import Organization


def require_center(user):
    if not permissions.is_region_staff(user):
        raise PermissionDenied


def form_page(request, form, detail, saved_message, title):
    """A create/edit page of a catalog object: save and go to its page, or show the form with its errors."""
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, saved_message)
        return redirect(detail, pk=saved.pk)
    return render(request, "resources/form.html", {"form": form, "title": title})


def staff_choices(user):
    """Current jobs of the people this coordinator may act for (one scoping mechanism: visible_to), or None
    for users who are not coordinators."""
    if not permissions.is_coordinator(user):
        return None
    return (
        Employment.objects.visible_to(user)
        .filter(organization__in=Organization.objects.visible_to(user).values("pk"))
        .current()
        .select_related("person", "organization")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def may_register(user):
    """Whether the user registers anyone for events and internships: a coordinator their staff, a teacher
    themselves (the «registrants» lookup holds whom). The center organizes and marks; schools register."""
    return permissions.is_coordinator(user) or bool(user.person_id)

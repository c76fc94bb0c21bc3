"""The people app's sections on structure's pages and the hooks it provides there (registered in
PeopleConfig.ready())."""

from django.core.paginator import Paginator
from django.db.models import Count

from profrost.people.models import Employment
from profrost.structure.extensions import organization_card, staff_counts


@staff_counts.provide
def current_staff_counts(organizations, field):
    return dict(
        Employment.objects.filter(organization__in=organizations)
        .current()
        .values_list(f"organization__{field}")
        .annotate(n=Count("person_id", distinct=True))
        .values_list(f"organization__{field}", "n")
    )


@organization_card.register("staff", "people/_organization_staff.html", order=10)
def organization_staff(request, organization):
    staff_qs = (
        Employment.objects.filter(organization=organization)
        .current()
        .select_related("person", "position")
        .prefetch_related("subjects")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    return {"staff": Paginator(staff_qs, 50).get_page(request.GET.get("page"))}

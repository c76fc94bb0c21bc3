"""The people list's query: who the list, its export and the actions on "everyone in the filter" cover."""

from django.db.models import Exists, OuterRef

from profrost.people.models import Employment, Person, name_q

# The SNILS a user searched for stays in the session, never in a URL (docs/security.md §11).
SNILS_SESSION_KEY = "people_snils_search"


def filtered_people(request, form):
    """The scoped, filtered, sorted people of the list, of its export and of the bulk sign-in creation
    (a PeopleFilterForm over the request's parameters)."""
    qs = Person.objects.visible_to(request.user)
    if not form.is_valid():
        return qs.order_by("last_name", "first_name", "middle_name", "pk")
    data = form.cleaned_data
    snils = request.session.get(SNILS_SESSION_KEY) if request.GET.get("by") == "snils" else None
    if snils:
        qs = qs.filter(snils=snils)
    qs = qs.filter(name_q(data["q"]))
    job = Employment.objects.filter(person=OuterRef("pk")).current()
    job_filtered = False
    if data["municipality"]:
        job, job_filtered = job.filter(organization__municipality=data["municipality"]), True
    if data["organization"]:
        job, job_filtered = job.filter(organization=data["organization"]), True
    if data["position"]:
        job, job_filtered = job.filter(position=data["position"]), True
    if data["subject"]:
        job, job_filtered = job.filter(subjects=data["subject"]), True
    if job_filtered:
        qs = qs.filter(Exists(job))
    if data["category"]:
        qs = qs.filter(category=data["category"])
    if data["manager"] or data["young"]:
        qs = qs.with_facts()
        if data["manager"]:
            qs = qs.filter(is_manager=True)
        if data["young"]:
            qs = qs.filter(is_young_specialist=True)
    order = {
        "birth": ("birth_date", "pk"),
        "experience": ("-pedagogical_start", "pk"),
        "-experience": ("pedagogical_start", "pk"),
        "category": ("category", "last_name", "first_name", "pk"),
    }.get(data["sort"], ("last_name", "first_name", "middle_name", "pk"))
    return qs.order_by(*order)

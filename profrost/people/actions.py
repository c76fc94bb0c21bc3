"""State changes of people and their employment: plain functions in a transaction."""

from django.db import transaction
from django.db.models import F

from profrost.people.forms import PersonForm
from profrost.people.models import Employment, Person


class Conflict(Exception):
    """The record changed since the form was loaded (optimistic locking, SECURITY.md 19)."""


PERSON_FIELDS = PersonForm.Meta.fields


@transaction.atomic
def create_person(data):
    return Person.objects.create(**{f: data[f] for f in PERSON_FIELDS if f in data})


@transaction.atomic
def update_person(person_id, data, expected_version):
    """Conditional UPDATE … WHERE version = expected: a stale save changes nothing and raises Conflict."""
    values = {f: data[f] for f in PERSON_FIELDS if f in data}
    updated = Person.objects.filter(pk=person_id, version=expected_version).update(
        **values, version=F("version") + 1
    )
    if not updated:
        raise Conflict
    return Person.objects.get(pk=person_id)


@transaction.atomic
def save_employment(person, form, user):
    employment = form.save(commit=False)
    employment.person = person
    employment.save()
    form.save_m2m()
    # Re-check after the write: the organization must still be inside the user's scope.
    from profrost.structure.models import Organization

    if not Organization.objects.visible_to(user).filter(pk=employment.organization_id).exists():
        raise PermissionError("организация вне области доступа")
    return employment


@transaction.atomic
def end_employment(employment, day):
    Employment.objects.filter(pk=employment.pk).update(end=day)

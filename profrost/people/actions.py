"""State changes of people and their employment: plain functions in a transaction."""

from django.db import transaction
from django.db.models import F

from profrost.people.forms import PersonForm
from profrost.people.models import REGISTRY_MISMATCH, Employment, Person, matches_registry


class Conflict(Exception):
    """The record changed since the form was loaded (optimistic locking, docs/security.md §19)."""


# The person's fields the edit form sets (a staff file sets people.imports.PERSON_IMPORT_FIELDS).
PERSON_FORM_FIELDS = PersonForm.Meta.fields


@transaction.atomic
def create_person(data):
    return Person.objects.create(**{f: data[f] for f in PERSON_FORM_FIELDS if f in data})


class OutOfScope(Exception):
    """The write would land outside the user's scope (an authorization failure, not an OS error)."""


class Refused(Exception):
    """The form's data can't be written; the message is for the user and names no stored value."""


@transaction.atomic
def create_or_attach(data, job_form, user):
    """A new person with their job, or — "a teacher moves in" (docs/security.md, "SNILS lookups") — a person
    already in the registry whom the user cannot see, attached to the user's organization by the job alone
    when surname, first name and birth date match the registry. Returns (person, attached)."""
    existing = Person.objects.select_for_update().filter(snils=data["snils"]).first()
    if existing is None:
        person = create_person(data)
        save_employment(person, job_form, user)
        return person, False
    if Person.objects.visible_to(user).filter(pk=existing.pk).exists():
        raise Refused(
            "Педагог с таким СНИЛС уже есть в вашей области доступа: найдите его в списке педагогов"
        )
    named = (existing.last_name, existing.first_name, existing.birth_date)
    if not matches_registry(named, data["last_name"], data["first_name"], data["birth_date"]):
        raise Refused(REGISTRY_MISMATCH)
    save_employment(existing, job_form, user)
    return existing, True


@transaction.atomic
def update_person(person_id, data, expected_version):
    """Conditional UPDATE … WHERE version = expected: a stale save changes nothing and raises Conflict."""
    values = {f: data[f] for f in PERSON_FORM_FIELDS if f in data}
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
        raise OutOfScope("организация вне области доступа")
    return employment


@transaction.atomic
def end_employment(employment, day):
    Employment.objects.filter(pk=employment.pk).update(end=day)

"""A person's personal data: export it whole, or anonymise it when its purpose ends (docs/security.md §21).

Every model that holds personal data registers here how it is exported and erased — people's own models
below, the apps above people (accounts, diagnostics, resources, …) from their AppConfig.ready() through
`register` (an extension point, docs/architecture.md); a test fails when a model with personal data has no
handler.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from profrost.core.history import history
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.people.imports import PERSON_IMPORT_FIELDS
from profrost.people.models import EmploymentEvent, Person, PersonEvent


@dataclass(frozen=True)
class Part:
    """One app's share of a person's data: its section of the export (title, function person -> data) and the
    function that erases it; `models` (labels) are the models it covers."""

    order: int
    title: str
    export: object
    erase: object
    models: tuple


PARTS = {}
# model label → (export, erase), for the test that every model with personal data is covered.
HANDLERS = {}


def register(name, order, title, export, erase, models):
    PARTS[name] = Part(order, title, export, erase, tuple(models))
    for label in models:
        HANDLERS[label] = (export, erase)


def plain(value):
    """A value as JSON can hold it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


ERASED = "(удалено)"


def _person_export(person):
    return {"snils": person.snils_display, **{f: plain(getattr(person, f)) for f in PERSON_IMPORT_FIELDS}}


def _employment_export(person):
    return [
        {
            "организация": str(e.organization),
            "должность": str(e.position),
            "предметы": [s.name for s in e.subjects.all()],
            "основное": e.is_main,
            "начало": plain(e.start),
            "окончание": plain(e.end),
        }
        for e in person.employments.select_related("organization", "position").prefetch_related("subjects")
    ]


def _history_export(person):
    return [{"когда": plain(h["at"]), "кто": h["who"], "что": h["what"]} for h in history(person, limit=1000)]


def _erase_person(person):
    # A placeholder SNILS ≤ 001-001-998 (no checksum there; never issued to people) keeps it unique.
    Person.objects.filter(pk=person.pk).update(
        last_name=ERASED,
        first_name=ERASED,
        middle_name="",
        snils=f"{person.pk:011d}"[-11:],
        birth_date=datetime.date(1900, 1, 1),
        sex="",
        email="",
        phone="",
        category_order="",
        version=F("version") + 1,
    )


def _erase_history(person):
    # The snapshots in the history tables are personal data too.
    PersonEvent.objects.filter(pgh_obj_id=person.pk).delete()
    EmploymentEvent.objects.filter(person_id=person.pk).delete()


# Employment rows stay (anonymous job statistics) but their history goes; the person is erased last.
register("person", 10, "педагог", _person_export, _erase_person, ["people.person"])
register("employment", 20, "места работы", _employment_export, None, ["people.employment"])
register(
    "history",
    90,
    "история изменений",
    _history_export,
    _erase_history,
    ["people.personevent", "people.employmentevent"],
)


def export_person_data(person, request=None):
    parts = sorted(PARTS.values(), key=lambda p: p.order)
    data = {p.title: p.export(person) for p in parts if p.export is not None}
    journal(JournalAction.EXPORT, request=request, obj=person, what="personal_data")
    return data


@transaction.atomic
def erase_person_data(person, request=None):
    # The journal keeps that it happened, without the name.
    journal(JournalAction.DELETE, request=request, what="personal_data_erased", person_id=person.pk)
    # Every other app's part first, the person record itself last.
    for part in sorted(PARTS.values(), key=lambda p: (p.erase is _erase_person, -p.order)):
        if part.erase is not None:
            part.erase(person)

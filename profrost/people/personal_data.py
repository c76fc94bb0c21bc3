"""A person's personal data: export it whole, or anonymise it when its purpose ends (docs/security.md §21).

Every model that holds personal data registers here how it is exported and erased; a test fails
when a model with personal data has no handler.
"""

import datetime

from django.db import transaction
from django.db.models import F

from profrost.core.journal import journal
from profrost.core.models import JournalAction

ERASED = "(удалено)"


def _person_export(person):
    from profrost.people.imports import PERSON_FIELDS

    return {"snils": person.snils_display, **{f: _plain(getattr(person, f)) for f in PERSON_FIELDS}}


def _employment_export(person):
    return [
        {
            "организация": str(e.organization),
            "должность": str(e.position),
            "предметы": [s.name for s in e.subjects.all()],
            "основное": e.is_main,
            "начало": _plain(e.start),
            "окончание": _plain(e.end),
        }
        for e in person.employments.select_related("organization", "position").prefetch_related("subjects")
    ]


def _user_export(person):
    user = getattr(person, "user", None)
    if user is None:
        return None
    return {"логин": user.username, "email": user.email, "роли": [str(r) for r in user.roles.all()]}


def _history_export(person):
    from profrost.core.history import history

    return [
        {"когда": _plain(h["at"]), "кто": h["who"], "что": h["what"]} for h in history(person, limit=1000)
    ]


def _results_export(person):
    return [
        {
            "диагностика": r.campaign.name,
            "дата": _plain(r.taken_on),
            "итого, %": _plain(r.total_percent),
            "уровень": r.level,
        }
        for r in person.results.select_related("campaign")
    ]


def _erase_results_history(person):
    from profrost.diagnostics.models import ResultEvent

    ResultEvent.objects.filter(person_id=person.pk).delete()


def _growth_export(person):
    from profrost.resources.growth import growth_record, growth_sheets

    return {
        title: [dict(zip(headers, [_plain(v) for v in row], strict=True)) for row in rows]
        for title, headers, rows in growth_sheets(growth_record(person))
    }


def _erase_growth_history(person):
    from profrost.resources.models import ApplicationEvent, EnrollmentEvent

    ApplicationEvent.objects.filter(person_id=person.pk).delete()
    EnrollmentEvent.objects.filter(person_id=person.pk).delete()


def _plain(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _erase_person(person):
    from profrost.people.models import Person

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
    from profrost.people.models import EmploymentEvent, PersonEvent

    # The snapshots in the history tables are personal data too.
    PersonEvent.objects.filter(pgh_obj_id=person.pk).delete()
    EmploymentEvent.objects.filter(person_id=person.pk).delete()


def _erase_user(person):
    user = getattr(person, "user", None)
    if user is not None:
        from profrost.accounts.models import User, UserEvent

        UserEvent.objects.filter(pgh_obj_id=user.pk).delete()
        User.objects.filter(pk=user.pk).update(
            first_name="", last_name=ERASED, middle_name="", email="", is_active=False, person=None
        )


# model label → (export, erase); employment rows stay (anonymous job statistics) but their history goes.
HANDLERS = {
    "people.person": (_person_export, _erase_person),
    "people.personevent": (_history_export, _erase_history),
    "people.employment": (_employment_export, None),
    "people.employmentevent": (None, _erase_history),
    "accounts.user": (_user_export, _erase_user),
    "accounts.userevent": (None, _erase_user),
    # Results stay (the region's statistics) on the anonymised person; their snapshots in history go.
    "diagnostics.result": (_results_export, None),
    "diagnostics.resultevent": (None, _erase_results_history),
    # The growth record (courses, events, internships, communities) stays for the statistics; the history
    # snapshots of applications and enrollments go.
    "resources.application": (_growth_export, None),
    "resources.applicationevent": (None, _erase_growth_history),
    "resources.enrollment": (_growth_export, None),
    "resources.enrollmentevent": (None, _erase_growth_history),
    "resources.participation": (_growth_export, None),
    "resources.internshipparticipant": (_growth_export, None),
    "resources.membership": (_growth_export, None),
}


def export_person_data(person, request=None):
    data = {
        "педагог": _person_export(person),
        "места работы": _employment_export(person),
        "учётная запись": _user_export(person),
        "результаты диагностики": _results_export(person),
        "профессиональное развитие": _growth_export(person),
        "история изменений": _history_export(person),
    }
    journal(JournalAction.EXPORT, request=request, obj=person, what="personal_data")
    return data


@transaction.atomic
def erase_person_data(person, request=None):
    # The journal keeps that it happened, without the name.
    journal(JournalAction.DELETE, request=request, what="personal_data_erased", person_id=person.pk)
    _erase_user(person)
    _erase_history(person)
    _erase_results_history(person)
    _erase_growth_history(person)
    _erase_person(person)

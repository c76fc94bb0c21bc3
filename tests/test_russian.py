"""Good Russian (issue 11, point 7): names declined by case, words agreeing with the person's sex, and pages
whose visible text has no English, no internal codes, no ISO timestamps, no «None»/«True»/«False»."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from profrost.core.russian import agree, by_sex, decline_name, decline_short_name, infer_sex, lower_first
from tests.factories import PERSONAS, make_person

# --- declension -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, case, sex, expected",
    [
        (("Архипова", "Людмила", "Петровна"), "accusative", "f", "Архипову Людмилу Петровну"),
        (("Архипова", "Людмила", "Петровна"), "genitive", "f", "Архиповой Людмилы Петровны"),
        (("Архипова", "Людмила", "Петровна"), "instrumental", "", "Архиповой Людмилой Петровной"),
        (("Иванов", "Пётр", "Сергеевич"), "dative", "m", "Иванову Петру Сергеевичу"),
        (("Иванов", "Пётр", "Сергеевич"), "prepositional", "", "Иванове Петре Сергеевиче"),
        # A surname that does not decline for a woman, declines for a man.
        (("Шевчук", "Анна", "Ивановна"), "dative", "f", "Шевчук Анне Ивановне"),
        (("Шевчук", "Андрей", "Иванович"), "dative", "m", "Шевчуку Андрею Ивановичу"),
        # The sex unknown: the patronymic tells, and the surname follows it.
        (("Шевчук", "Анна", "Ивановна"), "genitive", "", "Шевчук Анны Ивановны"),
        (("Кузьмина", "Любовь", "Андреевна"), "instrumental", "", "Кузьминой Любовью Андреевной"),
        # A name typed in capitals stays in capitals; a part that is not Russian is left as it is.
        (("ИВАНОВА", "МАРИЯ", "ПЕТРОВНА"), "genitive", "f", "ИВАНОВОЙ МАРИИ ПЕТРОВНЫ"),
        (("Smith", "Анна", ""), "dative", "f", "Smith Анне"),
        (("Архипова", "Людмила", ""), "nominative", "f", "Архипова Людмила"),
    ],
)
def test_decline_name(name, case, sex, expected):
    assert decline_name(*name, case=case, sex=sex) == expected


def test_short_name_declines_the_surname_and_keeps_the_initials():
    assert decline_short_name("Архипова", "Людмила", "Петровна", "dative") == "Архиповой Л. П."
    assert decline_short_name("Иванов", "Пётр", "", "instrumental") == "Ивановым П."


def test_an_unknown_case_is_a_programming_error():
    with pytest.raises(ValueError):
        decline_name("Иванов", "Пётр", "", "ablative")


def test_sex_is_inferred_from_the_name_when_not_stored():
    assert infer_sex("Шевчук", "Саша", "Петровна") == "f"  # the patronymic decides
    assert infer_sex("Шевчук", "Саша", "Ильич") == "m"
    assert infer_sex("Архипова", "Людмила", "") == "f"
    assert infer_sex("Шевчук", "Саша", "") == ""  # nothing tells
    assert infer_sex("Шевчук", "Саша", "Петровна", sex="M") == "m"  # the stored sex wins


def test_by_sex_picks_the_form_and_falls_back_to_the_masculine():
    assert by_sex("f", "зачислен", "зачислена") == "зачислена"
    assert by_sex("m", "зачислен", "зачислена") == "зачислен"
    assert by_sex("", "зачислен", "зачислена") == "зачислен"
    assert by_sex(None, "зачислен", "зачислена", "зачислен(а)") == "зачислен(а)"


def test_agree_uses_the_feminine_forms_the_apps_registered():
    import profrost.resources.models  # noqa: F401  (registers the enrollment statuses)

    assert agree("зачислен", "f") == "зачислена"
    assert agree("зачислен", "m") == "зачислен"
    assert agree("обучается", "f") == "обучается"


def test_lower_first_keeps_abbreviations():
    assert lower_first("Современный урок по ФГОС") == "современный урок по ФГОС"
    assert lower_first("Программы ДПП") == "программы ДПП"
    assert lower_first("ДПП: каталог") == "ДПП: каталог"


@pytest.mark.django_db
def test_person_helpers_and_template_filters():
    woman = make_person(last_name="Архипова", first_name="Людмила", middle_name="Петровна", sex="")
    man = make_person(last_name="Иванов", first_name="Пётр", middle_name="Сергеевич", sex="m")
    assert woman.sex_or_inferred == "f"
    assert woman.in_case("accusative") == "Архипову Людмилу Петровну"
    assert woman.in_case("dative", short=True) == "Архиповой Л. П."
    assert woman.by_sex("зачислен", "зачислена") == "зачислена"
    assert man.by_sex("присутствовал", "присутствовала") == "присутствовал"
    html = Template(
        '{% load russian %}Заявка на {{ w|case:"accusative" }}; {{ m|case:"dative" }}; '
        '{{ w|by_sex:"присутствовал,присутствовала" }}; {{ "Программы ДПП"|lowerfirst }}'
    ).render(Context({"w": woman, "m": man}))
    assert html == (
        "Заявка на Архипову Людмилу Петровну; Иванову Петру Сергеевичу; присутствовала; программы ДПП"
    )


@pytest.mark.django_db
def test_migration_puts_abbreviations_back_in_capitals(world):
    """The trial's demo catalog lowered whole topics after a colon («…: обучающиеся с овз»)."""
    import datetime
    import importlib

    from django.apps import apps

    from profrost.resources.models import Community, Event

    day = datetime.date.today()
    event = Event.objects.create(
        title="Семинар: современный урок по фгос для детей с овз (фгосовский)",
        kind="seminar",
        level="regional",
        organizer=world["center"],
        start=day,
        end=day,
    )
    club = Community.objects.create(
        name="Клуб: инклюзивное образование: обучающиеся с овз", kind="club", level="regional"
    )
    importlib.import_module("profrost.resources.migrations.0004_abbreviations_in_capitals").capitalize(
        apps, None
    )
    event.refresh_from_db()
    club.refresh_from_db()
    assert event.title == "Семинар: современный урок по ФГОС для детей с ОВЗ (фгосовский)"
    assert club.name == "Клуб: инклюзивное образование: обучающиеся с ОВЗ"


# --- messages that name a person ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_attendance_and_registration_messages_agree_with_the_person(world, client):
    import datetime

    from profrost.resources.models import Event

    day = datetime.date.today() + datetime.timedelta(days=10)
    event = Event.objects.create(
        title="Семинар", kind="seminar", level="regional", organizer=world["center"], start=day, end=day
    )
    teacher = world["teachers"][0]  # Учитель0000 Анна Петровна
    client.force_login(world["users"]["school_coordinator_in"])
    page = client.post(
        f"/resources/events/{event.pk}/register/", {"person": teacher.pk, "role": "participant"}, follow=True
    )
    assert f"{teacher.full_name} зарегистрирована на мероприятие." in page.content.decode()
    again = client.post(
        f"/resources/events/{event.pk}/register/", {"person": teacher.pk, "role": "participant"}, follow=True
    )
    assert f"{teacher.full_name} уже зарегистрирована." in again.content.decode()
    client.force_login(world["users"]["region_admin"])
    page = client.post(
        f"/resources/events/{event.pk}/attendance/", {"person": teacher.pk, "attended": "yes"}, follow=True
    )
    text = page.content.decode()
    assert f"Отмечено: {teacher.full_name} присутствовала." in text
    assert "был(а)" not in text and ">присутствовала<" in text


@pytest.mark.django_db
def test_statuses_and_card_agree_with_the_person(world, client):
    """«зачислена» beside a woman's name, «зачислен» beside a man's; the card's «ещё не проходила»."""
    import datetime

    from profrost.resources.models import Cohort, Enrollment, Program

    day = datetime.date.today() + datetime.timedelta(days=30)
    program = Program.objects.create(title="Курс", hours=36, form="distance", provider=world["center"])
    cohort = Cohort.objects.create(program=program, start=day, end=day, capacity=5)
    woman = world["teachers"][0]
    man = make_person(world["schools"][0], last_name="Петров", first_name="Иван", middle_name="Ильич", sex="")
    for person in (woman, man):
        Enrollment.objects.create(cohort=cohort, person=person)
    client.force_login(world["users"]["region_admin"])
    html = client.get(f"/resources/cohorts/{cohort.pk}/").content.decode()
    assert f"<td>{woman.full_name}</td><td>зачислена</td>" in html
    assert f"<td>{man.full_name}</td><td>зачислен</td>" in html
    card = client.get(f"/people/{woman.pk}/").content.decode()
    assert "Диагностику ещё не проходила." in card


def test_a_results_file_may_say_the_status_in_the_feminine():
    from profrost.core.imports import lookup
    from profrost.resources.imports.cohorts import ENROLLMENT_STATUSES

    assert lookup(ENROLLMENT_STATUSES, "Завершила обучение") == "completed"
    assert lookup(ENROLLMENT_STATUSES, "завершил обучение") == "completed"
    assert lookup(ENROLLMENT_STATUSES, "отчислена") == "expelled"


def test_an_import_job_is_named_by_its_kind_in_words():
    """The journal showed «staff: штат.xlsx»."""
    from profrost.core.models import ImportJob

    assert str(ImportJob(kind="staff", original_name="штат.xlsx")) == "Педагоги: штат.xlsx"


# --- the walk -------------------------------------------------------------------------------------------------

# Latin words allowed on screen, each a name with no Russian spelling: file formats (download buttons, upload
# hints), the «Windows-1251» and «UTF-8» encodings, the authenticator apps the two-factor page names and
# «JavaScript» (the note shown when it is off).
ALLOWED = {
    *("PDF", "DOCX", "XLSX", "XLS", "CSV", "ZIP", "JSON", "SVG", "UTF", "Windows"),
    *("JavaScript", "Google", "Authenticator", "FreeOTP"),
}
LATIN = re.compile(r"[A-Za-z_]{3,}")
# Data, not words: a file's name keeps its extension («отчёт.pdf»), an email address is Latin.
DATA = re.compile(r"\S+\.(?:pdf|docx|xlsx|xls|csv|zip|json|jpg|png)\b|\S+@\S+")
ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d")
LITERALS = re.compile(r"\b(None|True|False|null|undefined|nan|NaN)\b")
# Attributes a person sees or hears: a hint in an empty field, a tooltip, a button's caption, a label read out.
SHOWN_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
# Not read: scripts and styles; text to be typed or copied as it is (a two-factor key in <code>).
HIDDEN = {"script", "style", "template", "code", "kbd", "samp"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        attrs = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html):
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def findings(text):
    text = DATA.sub("", text)
    found = {w for w in LATIN.findall(text) if w not in ALLOWED}
    found |= set(ISO_DATETIME.findall(text)) | set(LITERALS.findall(text))
    return found


def test_visible_text_leaves_out_markup_and_finds_english():
    html = (
        '<p class="text-muted" data-x="region_admin">Роль: <b>Педагог</b></p><script>let success=1</script>'
        '<input placeholder="СНИЛС педагога"><button title="Скачать PDF">PDF</button>'
    )
    assert visible_text(html) == "Роль: Педагог СНИЛС педагога Скачать PDF PDF"
    assert findings(visible_text(html)) == set()
    assert findings("Журнал: region_admin, success; 2026-12-01T21:15:20; None") == {
        "region_admin",
        "success",
        "2026-12-01T2",
        "None",
    }


# Every persona of build_world() but the "…_out" ones, which open the same pages as their "…_in" twins (on
# another unit): the walk stays within a minute. The region administrator first: every page opens for them.
WALKERS = [p for p in PERSONAS if not p.endswith("_out")]
# Downloads (charts, spreadsheets, documents): no page text to read.
FILE_URL = re.compile(r"\.(svg|xlsx|pdf|docx|zip|json)$|/file/$")


@pytest.mark.django_db(transaction=True)
def test_pages_show_no_english_nor_internal_codes(world, client, settings, tmp_path):
    """Every page a GET opens, as each persona of build_world() (WALKERS), with real objects in the paths."""
    from profrost.accounts.models import User
    from profrost.core.models import ImportJob, Notification, TaskProgress
    from profrost.people.models import Person
    from profrost.resources.models import Participation
    from tests.test_hostile_params import _objects, _urls

    settings.MEDIA_ROOT = tmp_path
    objects = _objects(world)
    users = world["users"]
    for p in PERSONAS:  # the per-user objects, for every persona (_objects makes them for four)
        objects["notification"].setdefault(p, Notification.objects.create(user=users[p], text="Уведомление"))
        objects["task"].setdefault(p, TaskProgress.objects.create(kind="routes", user=users[p]))
        objects["download"].setdefault(p, TaskProgress.objects.create(kind="download", user=users[p]))
        objects["job"].setdefault(
            p, ImportJob.objects.create(user=users[p], kind="staff", original_name="педагоги.csv")
        )
        objects["login_sheet"].setdefault(p, objects["login_sheet"]["region_admin"])
    Participation.objects.create(event=objects["event"], person=world["teachers"][0], attended=True)
    Person.objects.filter(pk=world["teachers"][0].pk).update(email="uchitel@example.ru")
    # Logins are what a person types, Latin in real life; here they are Cyrillic so that a role code on screen
    # («region_admin») is not mistaken for one. The users without a person get a name of their own.
    for n, persona in enumerate(PERSONAS):
        user = users[persona]
        user.username = f"пользователь{n}"
        person = user.person or Person(last_name="Сидорова", first_name="Ольга", middle_name="Игоревна")
        user.last_name, user.first_name, user.middle_name = (
            person.last_name,
            person.first_name,
            person.middle_name,
        )
        user.save()
    # The renaming is the test's, not the users' history: a user's page shows that.
    User.events.rel.related_model.objects.filter(pgh_obj__in=[u.pk for u in users.values()]).delete()
    client.raise_request_exception = False  # a server error is reported below, with the rest
    started = time.monotonic()
    # Signing out ends the walk; the invitation's links are made up (another test opens a real one).
    wrong, opened, failed, skip = {}, 0, [], {"accounts:logout", "accounts:invitation"}
    for persona in WALKERS:
        client.force_login(users[persona])
        for name, url in _urls(objects, persona):
            if name in skip or FILE_URL.search(url):
                continue
            response = client.get(url)
            status, html = response.status_code, "text/html" in response.get("Content-Type", "")
            if status >= 500:
                failed.append(f"{persona} {url}")
            if status == 405 or (status == 200 and not html):
                skip.add(name)  # an action or a file: the same for every persona
            if not html or status not in (200, 403, 404):  # the refusals are pages too
                continue
            opened += status == 200
            for word in findings(visible_text(response.content.decode())):
                wrong.setdefault(word, set()).add(f"{persona} {url}")
        client.logout()
    elapsed = time.monotonic() - started
    report = "\n".join(f"{w!r}: {sorted(where)[:3]}" for w, where in sorted(wrong.items()))
    assert not failed, failed
    assert opened > 200, opened
    assert not wrong, f"English or codes on screen ({elapsed:.0f} s):\n{report}"

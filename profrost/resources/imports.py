"""Resources from spreadsheets: programs (ДПП), events, cohorts with their municipal quotas, and the results
of a cohort's training (statuses, attestation, certificates of its enrollments).

The same pipeline as every other import (core/imports.py): each row is checked with the rules the edit pages
use, classified as new / changed / unchanged, and the whole file is written in one transaction. Importing the
same file twice changes nothing. Only the region (the center) loads these: the pages allow it to the center's
roles, and a file loaded on behalf of anyone else is rejected.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db.models import Count, F

from profrost.accounts.permissions import may_manage_resources
from profrost.core.imports import (
    Column,
    FileRejected,
    Importer,
    RowCleaner,
    choice_lookup,
    norm_key,
    parse_bool,
    parse_date,
    register,
    text,
)
from profrost.core.validators import normalize_snils
from profrost.diagnostics.models import Competence
from profrost.people.models import Person, Position, Subject
from profrost.resources.actions import check_enrollment_move, promote_waiting
from profrost.resources.models import (
    HOLDING_QUOTA,
    Application,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Event,
    EventFormat,
    EventKind,
    Level,
    Program,
    ProgramKind,
    ProgramStatus,
    Quota,
    StudyForm,
)
from profrost.structure.models import Municipality, Organization

REQUIRED = "не заполнено обязательное поле"
POSITIVE = "нужно целое положительное число"
NON_NEGATIVE = "нужно целое неотрицательное число"
EARLY_END = "окончание раньше начала"
MAX_INT = 2_147_483_647  # PositiveIntegerField's ceiling in PostgreSQL

PROGRAM_KINDS = choice_lookup(ProgramKind.choices, {"пк": ProgramKind.PK, "пп": ProgramKind.PP})
STUDY_FORMS = choice_lookup(
    StudyForm.choices,
    {
        "очно": StudyForm.FULL_TIME,
        "очно-заочно": StudyForm.MIXED,
        "очно-заочная форма": StudyForm.MIXED,
        "дистанционная": StudyForm.DISTANCE,
        "дистанционно": StudyForm.DISTANCE,
        "заочная": StudyForm.DISTANCE,
        "заочная (дот)": StudyForm.DISTANCE,
        "с дот": StudyForm.DISTANCE,
        "дот": StudyForm.DISTANCE,
    },
)
EVENT_KINDS = choice_lookup(EventKind.choices, {"конкурс": EventKind.CONTEST})
LEVELS = choice_lookup(Level.choices)
EVENT_FORMATS = choice_lookup(
    EventFormat.choices,
    {
        "очный": EventFormat.IN_PERSON,
        "дистанционный": EventFormat.ONLINE,
        "онлайн": EventFormat.ONLINE,
        "смешанно": EventFormat.HYBRID,
        "смешанная": EventFormat.HYBRID,
        "гибридный": EventFormat.HYBRID,
    },
)
COHORT_FORMATS = {
    "очно": False,
    "очная": False,
    "очный": False,
    "дистанционно": True,
    "дистанционная": True,
    "дистанционный": True,
    "онлайн": True,
}
ENROLLMENT_STATUSES = choice_lookup(EnrollmentStatus.choices)
ATTESTATION = {
    "пройдена": True,
    "да": True,
    "не пройдена": False,
    "нет": False,
    "": None,
}


# --- cell parsers ------------------------------------------------------------------------------------

_INTEGER = re.compile(r"^[+-]?\d+$")


def parse_int(value, minimum, message):
    """A whole number not below `minimum`, or None for an empty cell."""
    if value is None or isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(message)
        number = int(value)
    else:
        s = text(value).replace(" ", "").replace("\u00a0", "")
        if not s:
            return None
        if not _INTEGER.match(s):
            raise ValidationError(message)
        number = int(s)
    if number is None:
        return None
    if number < minimum:
        raise ValidationError(message)
    if number > MAX_INT:
        raise ValidationError(f"слишком большое число «{number}»")
    return number


# Competence codes are Cyrillic; a code typed on a Latin keyboard («MT1») means the same.
_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


def competence_key(code):
    return code.strip().upper().translate(_LOOKALIKES)


def split_list(value):
    return [part.strip() for part in text(value).split(";") if part.strip()]


def _required_text(c, row, header, max_length):
    value = text(row.get(header))
    if not value:
        c.error(header, REQUIRED)
    elif len(value) > max_length:
        c.error(header, f"не длиннее {max_length} символов (сейчас {len(value)})")
    return value


def _optional_text(c, row, header, max_length):
    value = text(row.get(header))
    if len(value) > max_length:
        c.error(header, f"не длиннее {max_length} символов (сейчас {len(value)})")
    return value


def _choice(c, row, header, table, unknown, choices=None, required=True, default=None):
    """A value from a table of labels; `unknown` starts the error («неизвестный вид …»), and the allowed
    labels follow it when `choices` are given."""
    raw = text(row.get(header))
    if not raw:
        if required:
            c.error(header, REQUIRED)
        return default
    value = table.get(norm_key(raw))
    if value is None:
        allowed = f": допустимо {', '.join(label for _, label in choices)}" if choices else ""
        c.error(header, f"{unknown} «{raw}»{allowed}")
    return value


def _keep_absent(importer, record, existing, links=None):
    """An optional column left out of the file keeps the existing object's values (a narrower file never
    erases what it does not mention)."""
    for header, field in importer.KEEP.items():
        if header in importer.present:
            continue
        if links is not None and field in links:
            record[field] = frozenset(links[field])
        else:
            record[field] = getattr(existing, field)


def _date(c, row, header, required=True):
    value = c.field(header, parse_date, row.get(header))
    if value is None and required and not any(e.header == header for e in c.errors):
        c.error(header, REQUIRED)
    return value


def _dates(c, row):
    start = _date(c, row, "Начало")
    end = _date(c, row, "Окончание")
    if start and end and end < start:
        c.error("Окончание", EARLY_END)
    return start, end


class _ReferenceData:
    """What the program and event importers share: loading is the center's, the columns present in the file
    are remembered (an absent optional column keeps old values), lookups of organizations by INN and of
    competences."""

    def map_headers(self, headers):
        _region_only(self)
        index = super().map_headers(headers)
        self.present = set(index)
        return index

    def load_competences(self):
        self.competences = {}
        self.active_competences = set()
        for pk, code, active in Competence.objects.values_list("pk", "code", "is_active"):
            self.competences[competence_key(code)] = pk
            if active:
                self.active_competences.add(competence_key(code))

    def load_organizations(self):
        self.org_by_inn = {}
        for pk, inn, kind in Organization.objects.exclude(inn="").values_list("pk", "inn", "kind"):
            self.org_by_inn[inn] = (pk, kind)

    def competence_ids(self, c, header, raw, required):
        codes = split_list(raw)
        if required and not codes:
            c.error(header, "не указана ни одна компетенция")
        ids = set()
        for code in codes:
            key = competence_key(code)
            if key not in self.competences:
                c.error(header, f"неизвестный код компетенции «{code}»")
            elif key not in self.active_competences:
                c.error(header, f"компетенция «{code}» выведена из употребления")
            else:
                ids.add(self.competences[key])
        return frozenset(ids)

    def organization(self, c, header, raw):
        inn = text(raw).replace(" ", "")
        if not inn:
            c.error(header, REQUIRED)
            return None, None
        found = self.org_by_inn.get(inn)
        if found is None:
            c.error(header, f"организация с ИНН {inn} не найдена")
            return None, None
        return found


def _region_only(importer):
    """These resources belong to the region: loading them on behalf of a school or a municipality is refused."""
    user = importer.user
    if user is not None and not may_manage_resources(user):
        raise FileRejected(f"загрузку «{importer.title}» выполняют только администратор региона и центр")


def _bump(model, pks):
    if pks:
        model.objects.filter(pk__in=pks).update(version=F("version") + 1)


def _replace_m2m(through, owner_field, target_field, sets):
    """sets: {owner pk: iterable of target pks} — replaces each owner's links."""
    if not sets:
        return
    through.objects.filter(**{f"{owner_field}__in": list(sets)}).delete()
    through.objects.bulk_create(
        [
            through(**{owner_field: owner, target_field: target})
            for owner, targets in sets.items()
            for target in targets
        ],
        batch_size=2000,
    )


# --- programs ------------------------------------------------------------------------------------------


@register
class ProgramImporter(_ReferenceData, Importer):
    """«Наименование», «Вид», «Часы», «Форма», «ИНН организации», «ФР ДПП», «Номер в реестре», «Компетенции»,
    «Должности», «Предметы», «Аннотация». A program is the same one when its registry number is (or, without a
    number, its title and organization are)."""

    kind = "programs"
    title = "Программы ДПП"
    columns = [
        Column("Наименование", required=True),
        Column("Вид", required=True),
        Column("Часы", required=True, aliases=("Объём, часов", "Объем, часов", "Объём часов")),
        Column("Форма", required=True, aliases=("Форма обучения",)),
        Column("ИНН организации", required=True),
        Column("ФР ДПП"),
        Column("Номер в реестре"),
        Column("Компетенции", required=True),
        Column("Должности"),
        Column("Предметы"),
        Column("Аннотация"),
    ]
    example = [
        "Формирующее оценивание на уроках математики",
        "повышение квалификации",
        "36",
        "очно-заочная",
        "3401000010",
        "да",
        "ФР-12345",
        "МТ1; МТ3",
        "учитель",
        "математика",
        "Программа о приёмах формирующего оценивания.",
    ]
    FIELDS = (
        "title",
        "kind",
        "hours",
        "form",
        "provider_id",
        "in_federal_registry",
        "registry_number",
        "annotation",
    )
    M2M = ("competences", "positions", "subjects")
    KEEP = {
        "ФР ДПП": "in_federal_registry",
        "Номер в реестре": "registry_number",
        "Должности": "positions",
        "Предметы": "subjects",
        "Аннотация": "annotation",
    }

    def __init__(self, user=None):
        super().__init__(user)
        self._duplicate_header = "Наименование"

    @property
    def duplicate_header(self):
        return self._duplicate_header

    @property
    def reference_sheets(self):
        return [
            ("Вид", [label for _, label in ProgramKind.choices]),
            ("Форма", [label for _, label in StudyForm.choices]),
            ("Компетенции", [f"{c.code} {c.name}" for c in Competence.objects.filter(is_active=True)]),
            ("Должности", list(Position.objects.values_list("name", flat=True))),
            ("Предметы", list(Subject.objects.values_list("name", flat=True))),
        ]

    def prepare(self, rows):
        for _ in rows:
            pass
        self.load_competences()
        self.load_organizations()
        self.positions = {norm_key(name): pk for pk, name in Position.objects.values_list("pk", "name")}
        self.subjects = {norm_key(name): pk for pk, name in Subject.objects.values_list("pk", "name")}
        self.existing = {p.pk: p for p in Program.objects.all()}
        links = {pk: {m: set() for m in self.M2M} for pk in self.existing}
        for name, field in (
            ("competences", "competence_id"),
            ("positions", "position_id"),
            ("subjects", "subject_id"),
        ):
            through = getattr(Program, name).through
            for program_id, target in through.objects.values_list("program_id", field):
                links[program_id][name].add(target)
        self.links = links
        self.by_registry = {}
        self.by_title = {}
        for p in sorted(self.existing.values(), key=lambda p: p.pk):
            if p.registry_number:
                self.by_registry.setdefault(norm_key(p.registry_number), p)
            self.by_title.setdefault((norm_key(p.title), p.provider_id), []).append(p)

    def _names(self, c, header, raw, table, unknown):
        ids = set()
        for name in split_list(raw):
            pk = table.get(norm_key(name))
            if pk is None:
                c.error(header, f"{unknown} «{name}»")
            else:
                ids.add(pk)
        return frozenset(ids)

    def clean(self, row, number):
        c = RowCleaner()
        title = _required_text(c, row, "Наименование", 500)
        kind = _choice(c, row, "Вид", PROGRAM_KINDS, "неизвестный вид программы", ProgramKind.choices)
        hours = c.field("Часы", parse_int, row.get("Часы"), 1, POSITIVE)
        if hours is None and not any(e.header == "Часы" for e in c.errors):
            c.error("Часы", REQUIRED)
        form = _choice(c, row, "Форма", STUDY_FORMS, "неизвестная форма обучения", StudyForm.choices)
        provider_id, provider_kind = self.organization(c, "ИНН организации", row.get("ИНН организации"))
        if provider_kind in ("school", "kindergarten"):
            c.error(
                "ИНН организации",
                f"организация с ИНН {text(row.get('ИНН организации'))} — школа или детский сад: "
                "программы ДПП реализуют организации ДПО и центры",
            )
        federal = c.field("ФР ДПП", parse_bool, row.get("ФР ДПП"))
        registry_number = _optional_text(c, row, "Номер в реестре", 50)
        if federal and not registry_number:
            c.error("Номер в реестре", "укажите номер в федеральном реестре")
        competences = self.competence_ids(c, "Компетенции", row.get("Компетенции"), required=True)
        positions = self._names(c, "Должности", row.get("Должности"), self.positions, "неизвестная должность")
        subjects = self._names(c, "Предметы", row.get("Предметы"), self.subjects, "неизвестный предмет")
        annotation = text(row.get("Аннотация"))
        c.done()
        return {
            "row": number,
            "title": title,
            "kind": kind,
            "hours": hours,
            "form": form,
            "provider_id": provider_id,
            "in_federal_registry": bool(federal),
            "registry_number": registry_number,
            "annotation": annotation,
            "competences": competences,
            "positions": positions,
            "subjects": subjects,
        }

    def key(self, record):
        if record["registry_number"]:
            self._duplicate_header = "Номер в реестре"
            return ("registry", norm_key(record["registry_number"]))
        self._duplicate_header = "Наименование"
        return ("title", norm_key(record["title"]), record["provider_id"])

    def _existing(self, record):
        same_title = self.by_title.get((norm_key(record["title"]), record["provider_id"]), [])
        if record["registry_number"]:
            found = self.by_registry.get(norm_key(record["registry_number"]))
            if found is None:
                # The same program loaded before without its registry number gets the number now.
                found = next((p for p in same_title if not p.registry_number), None)
            return found
        return next((p for p in same_title if not p.registry_number), same_title[0] if same_title else None)

    def diff(self, records):
        out = []
        claimed = {}
        for record in records:
            existing = self._existing(record)
            if existing is None:
                out.append((record, "new"))
                continue
            if existing.pk in claimed:
                raise ValidationError(
                    f"строки {claimed[existing.pk]} и {record['row']} описывают одну и ту же программу "
                    f"«{existing.title}»: оставьте одну из них"
                )
            claimed[existing.pk] = record["row"]
            record["_pk"] = existing.pk
            links = self.links[existing.pk]
            _keep_absent(self, record, existing, links)
            if any(getattr(existing, f) != record[f] for f in self.FIELDS) or any(
                links[m] != set(record[m]) for m in self.M2M
            ):
                out.append((record, "changed"))
            else:
                out.append((record, "unchanged"))
        return out

    def write(self, classified, progress):
        new_records = [r for r, s in classified if s == "new"]
        created = Program.objects.bulk_create(
            [Program(status=ProgramStatus.ACTIVE, **{f: r[f] for f in self.FIELDS}) for r in new_records],
            batch_size=2000,
        )
        for program, record in zip(created, new_records, strict=True):
            record["_pk"] = program.pk
        changed = [r for r, s in classified if s == "changed"]
        if changed:
            Program.objects.bulk_update(
                [Program(pk=r["_pk"], **{f: r[f] for f in self.FIELDS}) for r in changed],
                list(self.FIELDS),
                batch_size=2000,
            )
            _bump(Program, [r["_pk"] for r in changed])
        for name, field in (
            ("competences", "competence_id"),
            ("positions", "position_id"),
            ("subjects", "subject_id"),
        ):
            _replace_m2m(
                getattr(Program, name).through,
                "program_id",
                field,
                {r["_pk"]: r[name] for r, _ in classified},
            )
        progress(len(classified))


# --- events --------------------------------------------------------------------------------------------


@register
class EventImporter(_ReferenceData, Importer):
    """«Наименование», «Вид», «Уровень», «ИНН организатора», «Начало», «Окончание», «Формат», «Место»,
    «Компетенции», «Мест», «В плане». An event is the same one when its title, start and organizer are."""

    kind = "events"
    title = "Мероприятия"
    duplicate_header = "Наименование"
    columns = [
        Column("Наименование", required=True),
        Column("Вид", required=True),
        Column("Уровень", required=True),
        Column("ИНН организатора", required=True),
        Column("Начало", required=True, aliases=("Дата начала",)),
        Column("Окончание", required=True, aliases=("Дата окончания",)),
        Column("Формат"),
        Column("Место", aliases=("Место или ссылка",)),
        Column("Компетенции"),
        Column("Мест", aliases=("Число мест",)),
        Column("В плане", aliases=("В годовом плане",)),
    ]
    example = [
        "Формирующее оценивание: практики школ региона",
        "семинар",
        "региональный",
        "3401000010",
        "15.10.2026",
        "15.10.2026",
        "очно",
        "г. Примерный, ул. Школьная, 1",
        "МТ1",
        "60",
        "да",
    ]
    FIELDS = (
        "title",
        "kind",
        "level",
        "organizer_id",
        "start",
        "end",
        "format",
        "place",
        "capacity",
        "in_annual_plan",
    )
    KEEP = {
        "Формат": "format",
        "Место": "place",
        "Компетенции": "competences",
        "Мест": "capacity",
        "В плане": "in_annual_plan",
    }

    @property
    def reference_sheets(self):
        return [
            ("Вид", [label for _, label in EventKind.choices]),
            ("Уровень", [label for _, label in Level.choices]),
            ("Формат", [label for _, label in EventFormat.choices]),
            ("Компетенции", [f"{c.code} {c.name}" for c in Competence.objects.filter(is_active=True)]),
        ]

    def prepare(self, rows):
        for _ in rows:
            pass
        self.load_competences()
        self.load_organizations()
        self.existing = {}
        for event in Event.objects.order_by("pk"):
            self.existing.setdefault((norm_key(event.title), event.start, event.organizer_id), event)
        self.links = {}
        for event_id, competence_id in Event.competences.through.objects.values_list(
            "event_id", "competence_id"
        ):
            self.links.setdefault(event_id, set()).add(competence_id)

    def clean(self, row, number):
        c = RowCleaner()
        title = _required_text(c, row, "Наименование", 500)
        kind = _choice(c, row, "Вид", EVENT_KINDS, "неизвестный вид мероприятия", EventKind.choices)
        level = _choice(c, row, "Уровень", LEVELS, "неизвестный уровень", Level.choices)
        organizer_id, _ = self.organization(c, "ИНН организатора", row.get("ИНН организатора"))
        start, end = _dates(c, row)
        fmt = _choice(
            c,
            row,
            "Формат",
            EVENT_FORMATS,
            "неизвестный формат",
            EventFormat.choices,
            required=False,
            default=EventFormat.IN_PERSON,
        )
        place = _optional_text(c, row, "Место", 500)
        competences = self.competence_ids(c, "Компетенции", row.get("Компетенции"), required=False)
        capacity = c.field("Мест", parse_int, row.get("Мест"), 0, NON_NEGATIVE)
        in_plan = c.field("В плане", parse_bool, row.get("В плане"))
        c.done()
        return {
            "title": title,
            "kind": kind,
            "level": level,
            "organizer_id": organizer_id,
            "start": start,
            "end": end,
            "format": fmt,
            "place": place,
            "capacity": capacity,
            "in_annual_plan": bool(in_plan),
            "competences": competences,
        }

    def key(self, record):
        return (norm_key(record["title"]), record["start"], record["organizer_id"])

    def diff(self, records):
        out = []
        for record in records:
            existing = self.existing.get(self.key(record))
            if existing is None:
                out.append((record, "new"))
                continue
            record["_pk"] = existing.pk
            links = {"competences": self.links.get(existing.pk, set())}
            _keep_absent(self, record, existing, links)
            if any(getattr(existing, f) != record[f] for f in self.FIELDS) or links["competences"] != set(
                record["competences"]
            ):
                out.append((record, "changed"))
            else:
                out.append((record, "unchanged"))
        return out

    def write(self, classified, progress):
        new_records = [r for r, s in classified if s == "new"]
        created = Event.objects.bulk_create(
            [Event(**{f: r[f] for f in self.FIELDS}) for r in new_records], batch_size=2000
        )
        for event, record in zip(created, new_records, strict=True):
            record["_pk"] = event.pk
        changed = [r for r, s in classified if s == "changed"]
        if changed:
            Event.objects.bulk_update(
                [Event(pk=r["_pk"], **{f: r[f] for f in self.FIELDS}) for r in changed],
                list(self.FIELDS),
                batch_size=2000,
            )
            _bump(Event, [r["_pk"] for r in changed])
        _replace_m2m(
            Event.competences.through,
            "event_id",
            "competence_id",
            {r["_pk"]: r["competences"] for r, _ in classified},
        )
        progress(len(classified))


# --- cohorts and their quotas ----------------------------------------------------------------------------


@register
class CohortImporter(Importer):
    """«Программа» (or «Номер в реестре»), «Начало», «Окончание», «Мест», «Формат», «Место», and one column per
    municipality, headed by its name, holding its quota of places (empty — no quota). A cohort is the same one
    when its program and start are. Municipalities without a column keep their quotas as they are."""

    kind = "cohorts"
    title = "Учебные группы"
    duplicate_header = "Начало"
    columns = [
        Column("Программа", required=True, aliases=("Наименование программы",)),
        Column("Номер в реестре"),
        Column("Начало", required=True, aliases=("Дата начала",)),
        Column("Окончание", required=True, aliases=("Дата окончания",)),
        Column("Мест", required=True, aliases=("Число мест",)),
        Column("Формат"),
        Column("Место", aliases=("Место проведения", "Место проведения или ссылка")),
    ]
    FIELDS = ("end", "online", "place", "capacity")
    KEEP = {"Формат": "online", "Место": "place"}

    def __init__(self, user=None):
        super().__init__(user)
        self.municipalities = None
        self.quota_headers = {}  # header (the municipality's name) → municipality pk

    def _load_municipalities(self):
        if self.municipalities is None:
            self.municipalities = {norm_key(m.name): m for m in Municipality.objects.order_by("name")}
        return self.municipalities

    @property
    def headers(self):
        return [c.header for c in self.columns] + [m.name for m in self._load_municipalities().values()]

    @property
    def example(self):
        example = [
            "Формирующее оценивание на уроках математики",
            "",
            "05.10.2026",
            "16.10.2026",
            "25",
            "очно",
            "",
        ]
        quotas = ["5" if i < 2 else "" for i in range(len(self._load_municipalities()))]
        return example + quotas

    @property
    def reference_sheets(self):
        programs = Program.objects.filter(status=ProgramStatus.ACTIVE).order_by("title")
        return [
            ("Программа", list(programs.values_list("title", flat=True))),
            ("Формат", ["очно", "дистанционно"]),
            ("Муниципалитет", [m.name for m in self._load_municipalities().values()]),
        ]

    def alternative_present(self, header, index):
        return header == "Программа" and "Номер в реестре" in index

    def map_headers(self, headers):
        _region_only(self)
        index = super().map_headers(headers)
        self.present = set(index)
        known = {norm_key(c.header) for c in self.columns}
        for c in self.columns:
            known.update(norm_key(a) for a in c.aliases)
        municipalities = self._load_municipalities()
        unknown = []
        for i, header in enumerate(headers):
            key = norm_key(header)
            if not key or key in known:
                continue
            municipality = municipalities.get(key)
            if municipality is None:
                unknown.append(text(header))
                continue
            if municipality.name in index:
                raise FileRejected(f"муниципалитет «{municipality.name}» указан в двух столбцах")
            index[municipality.name] = i
            self.quota_headers[municipality.name] = municipality.pk
        if unknown:
            raise FileRejected(
                "в файле есть столбцы, которые не являются ни полями учебной группы, ни муниципалитетами: "
                + ", ".join(f"«{h}»" for h in unknown)
                + ". Проверьте наименования муниципалитетов (они должны совпадать со справочником)"
            )
        return index

    def prepare(self, rows):
        for _ in rows:
            pass
        self.by_title = {}
        self.by_registry = {}
        for pk, title, number in (
            Program.objects.filter(status=ProgramStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", "title", "registry_number")
        ):
            self.by_title.setdefault(norm_key(title), []).append((pk, title))
            if number:
                self.by_registry.setdefault(norm_key(number), []).append((pk, title))
        self.existing = {}
        for cohort in Cohort.objects.order_by("pk"):
            self.existing.setdefault((cohort.program_id, cohort.start), cohort)
        cohort_ids = [c.pk for c in self.existing.values()]
        self.quotas = {}  # cohort pk → {municipality pk: (quota pk, places)}
        self.splits = {}  # (cohort pk, municipality pk) → places given to its organizations
        for pk, cohort_id, municipality_id, organization_id, places in Quota.objects.filter(
            cohort_id__in=cohort_ids
        ).values_list("pk", "cohort_id", "municipality_id", "organization_id", "places"):
            if organization_id is None:
                self.quotas.setdefault(cohort_id, {})[municipality_id] = (pk, places)
            else:
                key = (cohort_id, municipality_id)
                self.splits[key] = self.splits.get(key, 0) + places
        self.taken = {
            (row["cohort_id"], row["municipality_id"]): row["n"]
            for row in Application.objects.filter(cohort_id__in=cohort_ids, status__in=HOLDING_QUOTA)
            .values("cohort_id", "municipality_id")
            .annotate(n=Count("pk"))
        }
        self.enrolled = dict(
            Enrollment.objects.filter(cohort_id__in=cohort_ids)
            .exclude(status=EnrollmentStatus.EXPELLED)
            .values("cohort_id")
            .annotate(n=Count("pk"))
            .values_list("cohort_id", "n")
        )

    def _program(self, c, row):
        title = text(row.get("Программа"))
        number = text(row.get("Номер в реестре"))
        if number:
            found = self.by_registry.get(norm_key(number), [])
            if not found:
                c.error("Номер в реестре", f"действующая программа с номером в реестре «{number}» не найдена")
                return None
            if len(found) > 1:
                c.error("Номер в реестре", f"несколько действующих программ с номером в реестре «{number}»")
                return None
            pk, program_title = found[0]
            if title and norm_key(title) != norm_key(program_title):
                c.error("Программа", f"программа с номером в реестре «{number}» называется «{program_title}»")
                return None
            return pk
        if not title:
            c.error("Программа", "укажите программу (наименование или номер в реестре)")
            return None
        found = self.by_title.get(norm_key(title), [])
        if not found:
            c.error("Программа", f"действующая программа «{title}» не найдена")
            return None
        if len(found) > 1:
            c.error("Программа", f"несколько действующих программ «{title}»: укажите номер в реестре")
            return None
        return found[0][0]

    def clean(self, row, number):
        c = RowCleaner()
        program_id = self._program(c, row)
        start, end = _dates(c, row)
        capacity = c.field("Мест", parse_int, row.get("Мест"), 1, POSITIVE)
        if capacity is None and not any(e.header == "Мест" for e in c.errors):
            c.error("Мест", REQUIRED)
        fmt = text(row.get("Формат"))
        online = COHORT_FORMATS.get(norm_key(fmt)) if fmt else False
        if online is None:
            c.error("Формат", f"ожидается «очно» или «дистанционно», указано «{fmt}»")
        place = _optional_text(c, row, "Место", 300)
        quotas = {}
        for header, municipality_id in self.quota_headers.items():
            places = c.field(header, parse_int, row.get(header), 0, NON_NEGATIVE)
            quotas[municipality_id] = places  # None: no quota
        existing = self.existing.get((program_id, start)) if program_id and start else None
        old_quotas = self.quotas.get(existing.pk, {}) if existing else {}
        total = sum(p for p in quotas.values() if p) + sum(
            places for m, (_, places) in old_quotas.items() if m not in quotas
        )
        if capacity and total > capacity:
            c.error("Мест", f"квоты ({total}) больше числа мест ({capacity})")
        if existing is not None:
            # The same rules as the cohort page: a quota never goes under the places already taken.
            for header, municipality_id in self.quota_headers.items():
                places = quotas.get(municipality_id) or 0
                taken = self.taken.get((existing.pk, municipality_id), 0)
                split = self.splits.get((existing.pk, municipality_id), 0)
                if places < taken:
                    c.error(header, f"по заявкам занято уже {taken} мест: квоту нельзя сделать меньше")
                elif places < split:
                    c.error(header, f"организациям муниципалитета уже распределено {split} мест")
            enrolled = self.enrolled.get(existing.pk, 0)
            if capacity and capacity < enrolled:
                c.error("Мест", f"в группу уже зачислено {enrolled}: мест не может быть меньше")
        c.done()
        return {
            "program_id": program_id,
            "start": start,
            "end": end,
            "online": online,
            "place": place,
            "capacity": capacity,
            "quotas": quotas,
        }

    def key(self, record):
        return (record["program_id"], record["start"])

    def diff(self, records):
        out = []
        for record in records:
            existing = self.existing.get(self.key(record))
            if existing is None:
                out.append((record, "new"))
                continue
            record["_pk"] = existing.pk
            _keep_absent(self, record, existing)
            old = {m: places for m, (_, places) in self.quotas.get(existing.pk, {}).items()}
            quotas_changed = any(old.get(m) != places for m, places in record["quotas"].items())
            if quotas_changed or any(getattr(existing, f) != record[f] for f in self.FIELDS):
                out.append((record, "changed"))
            else:
                out.append((record, "unchanged"))
        return out

    def write(self, classified, progress):
        new_records = [r for r, s in classified if s == "new"]
        created = Cohort.objects.bulk_create(
            [
                Cohort(program_id=r["program_id"], start=r["start"], **{f: r[f] for f in self.FIELDS})
                for r in new_records
            ],
            batch_size=2000,
        )
        new_quotas = []
        for cohort, record in zip(created, new_records, strict=True):
            record["_pk"] = cohort.pk
            new_quotas += [
                Quota(cohort_id=cohort.pk, municipality_id=m, places=places)
                for m, places in record["quotas"].items()
                if places is not None
            ]
        changed = [r for r, s in classified if s == "changed"]
        if changed:
            Cohort.objects.bulk_update(
                [Cohort(pk=r["_pk"], **{f: r[f] for f in self.FIELDS}) for r in changed],
                list(self.FIELDS),
                batch_size=2000,
            )
            _bump(Cohort, [r["_pk"] for r in changed])
        updated, removed, grown = [], [], []
        for record in changed:
            old = self.quotas.get(record["_pk"], {})
            for municipality_id, places in record["quotas"].items():
                if municipality_id in old:
                    quota_pk, old_places = old[municipality_id]
                    if places is None:
                        removed.append(quota_pk)
                    elif places != old_places:
                        updated.append(Quota(pk=quota_pk, places=places))
                        if places > old_places:
                            grown.append((record["_pk"], municipality_id))
                elif places is not None:
                    new_quotas.append(
                        Quota(cohort_id=record["_pk"], municipality_id=municipality_id, places=places)
                    )
                    grown.append((record["_pk"], municipality_id))
        Quota.objects.filter(pk__in=removed).delete()
        Quota.objects.bulk_update(updated, ["places"], batch_size=2000)
        Quota.objects.bulk_create(new_quotas, batch_size=2000)
        # More places: waiting applications take them, as when the center raises a quota on the page.
        for cohort_id, municipality_id in grown:
            promote_waiting(Cohort(pk=cohort_id), municipality_id)
        progress(len(classified))


# --- results of a cohort's training --------------------------------------------------------------------

MOVE_HEADERS = {"Статус", "Аттестация", "Номер удостоверения", "Дата удостоверения"}
COHORT_RESULT_HEADERS = [
    "СНИЛС",
    "ФИО",
    "Статус",
    "Посещено часов",
    "Аттестация",
    "Номер удостоверения",
    "Дата удостоверения",
]


def attestation_label(passed):
    return {True: "пройдена", False: "не пройдена"}.get(passed, "")


def cohort_sheet(cohort):
    """(headers, rows): the cohort's list in the columns of the «cohort_results» import, so that the exported
    list, filled in, loads back."""
    rows = [
        [
            e.person.snils_display,
            e.person.full_name,
            e.get_status_display(),
            e.hours_attended if e.hours_attended is not None else "",
            attestation_label(e.attestation_passed),
            e.certificate_number,
            e.certificate_date,
        ]
        for e in Enrollment.objects.filter(cohort=cohort)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "person__middle_name", "pk")
    ]
    return list(COHORT_RESULT_HEADERS), rows


@register
class CohortResultImporter(Importer):
    """The results of a cohort's training, one row per enrolled teacher found by SNILS: «Статус», «Посещено
    часов», «Аттестация», «Номер удостоверения», «Дата удостоверения» («ФИО» is for the reader only). The
    status moves by the rules of the cohort page (actions.check_enrollment_move); a column left out of the file
    keeps its values."""

    kind = "cohort_results"
    title = "Результаты обучения группы"
    duplicate_header = "СНИЛС"
    columns = [
        Column("СНИЛС", required=True),
        Column("ФИО"),
        Column("Статус", required=True),
        Column("Посещено часов"),
        Column("Аттестация", aliases=("Итоговая аттестация",)),
        Column("Номер удостоверения"),
        Column("Дата удостоверения", aliases=("Дата выдачи удостоверения",)),
    ]
    example = [
        "112-233-445 95",
        "Иванова Мария Петровна",
        "завершил обучение",
        "36",
        "пройдена",
        "ПК-0001",
        "20.10.2026",
    ]
    reference_sheets = [
        ("Статус", [label for _, label in EnrollmentStatus.choices]),
        ("Аттестация", ["пройдена", "не пройдена"]),
    ]
    FIELDS = ("status", "hours_attended", "attestation_passed", "certificate_number", "certificate_date")
    OPTIONAL = {
        "Посещено часов": ("hours_attended",),
        "Аттестация": ("attestation_passed",),
        "Номер удостоверения": ("certificate_number",),
        "Дата удостоверения": ("certificate_date",),
    }

    def __init__(self, user=None, cohort=None):
        super().__init__(user)
        if isinstance(cohort, Cohort):
            self.cohort = cohort
        else:
            self.cohort = (
                Cohort.objects.select_related("program").filter(pk=cohort).first() if cohort else None
            )
        self.cohort_requested = cohort is not None

    def map_headers(self, headers):
        _region_only(self)
        if self.cohort is None:
            raise FileRejected(
                "учебная группа не найдена" if self.cohort_requested else "не указана учебная группа"
            )
        index = super().map_headers(headers)
        self.present = set(index)
        return index

    def prepare(self, rows):
        snils = set()
        for row in rows:
            try:
                snils.add(normalize_snils(row.get("СНИЛС")))
            except ValidationError:
                pass
        self.persons = dict(Person.objects.filter(snils__in=snils).values_list("snils", "pk"))
        self.enrollments = {e.person_id: e for e in Enrollment.objects.filter(cohort=self.cohort)}

    def clean(self, row, number):
        c = RowCleaner()
        enrollment = None
        snils = c.field("СНИЛС", normalize_snils, row.get("СНИЛС"))
        if snils:
            person_id = self.persons.get(snils)
            if person_id is None:
                c.error("СНИЛС", "педагог с таким СНИЛС не найден в реестре")
            else:
                enrollment = self.enrollments.get(person_id)
                if enrollment is None:
                    c.error("СНИЛС", "педагог не зачислен в эту группу")
        status = _choice(
            c, row, "Статус", ENROLLMENT_STATUSES, "неизвестный статус", EnrollmentStatus.choices
        )
        hours = c.field("Посещено часов", parse_int, row.get("Посещено часов"), 0, NON_NEGATIVE)
        passed_raw = text(row.get("Аттестация"))
        passed = ATTESTATION.get(norm_key(passed_raw), "?")
        if passed == "?":
            c.error("Аттестация", f"ожидается «пройдена» или «не пройдена», указано «{passed_raw}»")
            passed = None
        certificate_number = _optional_text(c, row, "Номер удостоверения", 100)
        certificate_date = c.field("Дата удостоверения", parse_date, row.get("Дата удостоверения"))
        record = {
            "status": status,
            "hours_attended": hours,
            "attestation_passed": passed,
            "certificate_number": certificate_number,
            "certificate_date": certificate_date,
        }
        if enrollment is not None:
            # Columns the file leaves out keep their values.
            for header, fields in self.OPTIONAL.items():
                if header not in self.present:
                    for f in fields:
                        record[f] = getattr(enrollment, f)
        if status and enrollment is not None and not any(e.header in MOVE_HEADERS for e in c.errors):
            self._check(c, enrollment, record)
        c.done()
        record["person_id"] = enrollment.person_id
        record["_pk"] = enrollment.pk
        return record

    @staticmethod
    def _check(c, enrollment, r):
        status = r["status"]
        args = (r["attestation_passed"], r["certificate_number"], r["certificate_date"])
        error = check_enrollment_move(enrollment.status, status, *args)
        if not error and status == enrollment.status == EnrollmentStatus.COMPLETED:
            # Corrections to a completed enrollment follow the rules of completing it.
            error = check_enrollment_move(EnrollmentStatus.STUDYING, status, *args)
        if error:
            c.error("Статус", error)
            return
        completed = EnrollmentStatus.COMPLETED.label
        if status != EnrollmentStatus.COMPLETED:
            for header, value in (
                ("Аттестация", r["attestation_passed"]),
                ("Номер удостоверения", r["certificate_number"]),
                ("Дата удостоверения", r["certificate_date"]),
            ):
                if value not in (None, "") and value != getattr(enrollment, _FIELD_OF[header]):
                    c.error(header, f"заполняется только при статусе «{completed}»")
        elif r["attestation_passed"] is False:
            for header in ("Номер удостоверения", "Дата удостоверения"):
                if r[_FIELD_OF[header]] not in (None, ""):
                    c.error(header, "удостоверение выдаётся только при пройденной аттестации")
        if r["certificate_date"] and r["certificate_date"] > datetime.date.today():
            c.error("Дата удостоверения", "дата в будущем")

    def key(self, record):
        return record["person_id"]

    def diff(self, records):
        out = []
        for record in records:
            enrollment = self.enrollments[record["person_id"]]
            if any(getattr(enrollment, f) != record[f] for f in self.FIELDS):
                out.append((record, "changed"))
            else:
                out.append((record, "unchanged"))
        return out

    def write(self, classified, progress):
        changed = [r for r, s in classified if s == "changed"]
        Enrollment.objects.bulk_update(
            [Enrollment(pk=r["_pk"], **{f: r[f] for f in self.FIELDS}) for r in changed],
            list(self.FIELDS),
            batch_size=2000,
        )
        _bump(Enrollment, [r["_pk"] for r in changed])
        from profrost.routes.actions import sync_enrollments

        sync_enrollments(Enrollment.objects.filter(pk__in=[r["_pk"] for r in changed]))
        progress(len(classified))


_FIELD_OF = {
    "Аттестация": "attestation_passed",
    "Номер удостоверения": "certificate_number",
    "Дата удостоверения": "certificate_date",
}

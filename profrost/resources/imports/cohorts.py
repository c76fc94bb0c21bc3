"""Cohorts with their municipal quotas, and the results of a cohort's training, from spreadsheets."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count

from profrost.core.imports import (
    Column,
    FileRejected,
    Option,
    allowed_labels,
    choice,
    choice_lookup,
    norm_key,
    parse_date,
    register,
    text,
)
from profrost.core.validators import normalize_snils
from profrost.people.imports import snils_of
from profrost.people.models import Person
from profrost.resources.actions import check_enrollment_move, promote_waiting
from profrost.resources.imports.common import (
    NON_NEGATIVE,
    POSITIVE,
    ResourceImporter,
    check_dates,
    parse_int,
    whole,
)
from profrost.resources.models import (
    HOLDING_QUOTA,
    Application,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Program,
    ProgramStatus,
    Quota,
)
from profrost.resources.signals import enrollments_changed
from profrost.structure.models import Municipality

COHORT_FORMATS = {
    "очно": False,
    "очная": False,
    "очный": False,
    "дистанционно": True,
    "дистанционная": True,
    "дистанционный": True,
    "онлайн": True,
}
# A woman's row may say the status in the feminine («завершила обучение»).
ENROLLMENT_STATUSES = choice_lookup(
    EnrollmentStatus.choices,
    {
        "зачислена": EnrollmentStatus.ENROLLED,
        "завершила обучение": EnrollmentStatus.COMPLETED,
        "отчислена": EnrollmentStatus.EXPELLED,
    },
)
ATTESTATION = {
    "пройдена": True,
    "да": True,
    "не пройдена": False,
    "нет": False,
}


# --- cohorts and their quotas ----------------------------------------------------------------------------


@register
class CohortImporter(ResourceImporter):
    """«Программа» (or «Номер в реестре»), «Начало», «Окончание», «Мест», «Формат», «Место», and one column per
    municipality, headed by its name, holding its quota of places (empty — no quota). A cohort is the same one
    when its program and start are. Municipalities without a column keep their quotas as they are."""

    kind = "cohorts"
    title = "Учебные группы"
    model = Cohort
    duplicate_header = "Начало"
    columns = [
        Column(
            "Программа",
            "program_title",
            required=True,
            aliases=("Наименование программы",),
            instead=("Номер в реестре",),
            missing="укажите программу (наименование или номер в реестре)",
        ),
        Column("Номер в реестре", "registry_number"),
        Column("Начало", "start", parse_date, required=True, aliases=("Дата начала",)),
        Column("Окончание", "end", parse_date, required=True, aliases=("Дата окончания",)),
        Column("Мест", "capacity", whole(1, POSITIVE), required=True, aliases=("Число мест",)),
        Column(
            "Формат",
            "online",
            choice(COHORT_FORMATS, "ожидается «очно» или «дистанционно», указано «{value}»"),
            default=False,
            keep=True,
        ),
        Column("Место", "place", aliases=("Место проведения", "Место проведения или ссылка"), keep=True),
    ]
    # The program and the start are the cohort's identity, never updated.
    fields = ("end", "online", "place", "capacity")

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

    def map_headers(self, headers):
        index = super().map_headers(headers)
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

    def _program(self, c, record):
        title, number = record["program_title"], record["registry_number"]
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
            return None  # reported as the missing «Программа»
        found = self.by_title.get(norm_key(title), [])
        if not found:
            c.error("Программа", f"действующая программа «{title}» не найдена")
            return None
        if len(found) > 1:
            c.error("Программа", f"несколько действующих программ «{title}»: укажите номер в реестре")
            return None
        return found[0][0]

    def check(self, c, record, row, number):
        program_id = record["program_id"] = self._program(c, record)
        check_dates(c, record)
        start, capacity = record["start"], record["capacity"]
        quotas = record["quotas"] = {}
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

    def key(self, record):
        return (record["program_id"], record["start"])

    def find(self, record):
        return self.existing.get(self.key(record))

    def changed_beyond(self, obj, record):
        old = {m: places for m, (_, places) in self.quotas.get(obj.pk, {}).items()}
        return any(old.get(m) != places for m, places in record["quotas"].items())

    def after_write(self, classified):
        new_quotas = [
            Quota(cohort_id=record["_pk"], municipality_id=m, places=places)
            for record, state in classified
            if state == "new"
            for m, places in record["quotas"].items()
            if places is not None
        ]
        updated, removed, grown = [], [], []
        for record, state in classified:
            if state != "changed":
                continue
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


# --- results of a cohort's training --------------------------------------------------------------------

# The columns that decide the status move: an error in one of them leaves the move unchecked.
MOVE_HEADERS = {"Статус", "Аттестация", "Номер удостоверения", "Дата удостоверения"}


def _cohorts():
    return Cohort.objects.select_related("program").order_by("-start", "pk")


@register
class CohortResultImporter(ResourceImporter):
    """The results of a cohort's training, one row per enrolled teacher found by SNILS: «Статус», «Посещено
    часов», «Аттестация», «Номер удостоверения», «Дата удостоверения» («ФИО» is for the reader only). The
    status moves by the rules of the cohort page (actions.check_enrollment_move); a column left out of the file
    keeps its values. The cohort's list exported from its page (resources.exports.cohort_sheet) has these
    columns."""

    kind = "cohort_results"
    title = "Результаты обучения группы"
    model = Enrollment
    options = (
        Option(
            "cohort",
            "Учебная группа",
            about="id учебной группы",
            help="id учебной группы (для загрузки результатов обучения)",
            choices=_cohorts,
            # Results are loaded into one cohort: the link on the cohort's page carries it (?cohort=<id>).
            missing=(
                "Результаты обучения загружаются в одну учебную группу: откройте страницу группы и загрузите "
                "файл оттуда (список группы для заполнения выгружается там же)."
            ),
        ),
    )
    duplicate_header = "СНИЛС"
    columns = [
        Column("СНИЛС", "enrollment", "enrollment", required=True),
        Column("ФИО"),
        Column(
            "Статус",
            "status",
            choice(
                ENROLLMENT_STATUSES, "неизвестный статус «{value}»" + allowed_labels(EnrollmentStatus.choices)
            ),
            required=True,
        ),
        Column("Посещено часов", "hours_attended", whole(0, NON_NEGATIVE), keep=True),
        Column(
            "Аттестация",
            "attestation_passed",
            choice(ATTESTATION, "ожидается «пройдена» или «не пройдена», указано «{value}»"),
            aliases=("Итоговая аттестация",),
            keep=True,
        ),
        Column("Номер удостоверения", "certificate_number", keep=True),
        Column(
            "Дата удостоверения",
            "certificate_date",
            parse_date,
            aliases=("Дата выдачи удостоверения",),
            keep=True,
        ),
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
        self.check_permission()
        if self.cohort is None:
            raise FileRejected(
                "учебная группа не найдена" if self.cohort_requested else "не указана учебная группа"
            )
        return super().map_headers(headers)

    def prepare(self, rows):
        snils = snils_of(rows)
        self.persons = dict(Person.objects.filter(snils__in=snils).values_list("snils", "pk"))
        self.enrollments = {e.person_id: e for e in Enrollment.objects.filter(cohort=self.cohort)}

    def enrollment(self, value):
        person_id = self.persons.get(normalize_snils(value))
        if person_id is None:
            raise ValidationError("педагог с таким СНИЛС не найден в реестре")
        enrollment = self.enrollments.get(person_id)
        if enrollment is None:
            raise ValidationError("педагог не зачислен в эту группу")
        return enrollment

    def check(self, c, record, row, number):
        enrollment = record.pop("enrollment")
        if enrollment is None:
            return
        self.keep_absent(record, enrollment, {})
        record["person_id"], record["_pk"] = enrollment.person_id, enrollment.pk
        if record["status"] and not any(e.header in MOVE_HEADERS for e in c.errors):
            self._check_move(c, enrollment, record)

    @staticmethod
    def _check_move(c, enrollment, r):
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
        certificate = {
            "Аттестация": "attestation_passed",
            "Номер удостоверения": "certificate_number",
            "Дата удостоверения": "certificate_date",
        }
        if status != EnrollmentStatus.COMPLETED:
            for header, name in certificate.items():
                value = r[name]
                if value not in (None, "") and value != getattr(enrollment, name):
                    c.error(header, f"заполняется только при статусе «{completed}»")
        elif r["attestation_passed"] is False:
            for header in ("Номер удостоверения", "Дата удостоверения"):
                if r[certificate[header]] not in (None, ""):
                    c.error(header, "удостоверение выдаётся только при пройденной аттестации")
        if r["certificate_date"] and r["certificate_date"] > datetime.date.today():
            c.error("Дата удостоверения", "дата в будущем")

    def key(self, record):
        return record["person_id"]

    def find(self, record):
        return self.enrollments[record["person_id"]]

    def after_write(self, classified):
        # The one place an import tells the apps above resources that enrollments changed (routes: the items
        # linked to the cohort follow): the signal the cohort page sends too (resources.signals).
        changed = [r["_pk"] for r, state in classified if state == "changed"]
        enrollments_changed.send(Enrollment, enrollments=Enrollment.objects.filter(pk__in=changed))

"""The program catalog (ДПП) from a spreadsheet: «Наименование», «Вид», «Часы», «Форма», «ИНН организации»,
«ФР ДПП», «Номер в реестре», «Компетенции», «Должности», «Предметы», «Аннотация». A program is the same one when
its registry number is (or, without a number, its title and organization are)."""

from django.core.exceptions import ValidationError

from profrost.core.imports import (
    Column,
    allowed_labels,
    choice,
    choice_lookup,
    norm_key,
    parse_bool,
    register,
    text,
)
from profrost.diagnostics.models import Competence
from profrost.people.models import Position, Subject
from profrost.resources.imports.common import POSITIVE, ResourceImporter, names_in, whole
from profrost.resources.models import (
    Program,
    ProgramKind,
    ProgramStatus,
    StudyForm,
    check_provider_kind,
    check_registry_number,
)

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


@register
class ProgramImporter(ResourceImporter):
    kind = "programs"
    title = "Программы ДПП"
    model = Program
    columns = [
        Column("Наименование", "title", required=True),
        Column(
            "Вид",
            "kind",
            choice(
                PROGRAM_KINDS, "неизвестный вид программы «{value}»" + allowed_labels(ProgramKind.choices)
            ),
            required=True,
        ),
        Column(
            "Часы",
            "hours",
            whole(1, POSITIVE),
            required=True,
            aliases=("Объём, часов", "Объем, часов", "Объём часов"),
        ),
        Column(
            "Форма",
            "form",
            choice(STUDY_FORMS, "неизвестная форма обучения «{value}»" + allowed_labels(StudyForm.choices)),
            required=True,
            aliases=("Форма обучения",),
        ),
        Column("ИНН организации", "provider_id", "provider", required=True),
        Column("ФР ДПП", "in_federal_registry", parse_bool, default=False, keep=True),
        Column("Номер в реестре", "registry_number", keep=True),
        Column(
            "Компетенции",
            "competences",
            "competence_ids",
            required=True,
            default=frozenset(),
            missing="не указана ни одна компетенция",
        ),
        Column("Должности", "positions", "position_ids", default=frozenset(), keep=True),
        Column("Предметы", "subjects", "subject_ids", default=frozenset(), keep=True),
        Column("Аннотация", "annotation", keep=True),
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
        links = {pk: {m: set() for m in self.m2m} for pk in self.existing}
        for name in self.m2m:
            m2m = Program._meta.get_field(name)
            owner, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
            for program_id, target_id in m2m.remote_field.through.objects.values_list(owner, target):
                links[program_id][name].add(target_id)
        self.links = links
        self.by_registry = {}
        self.by_title = {}
        for p in sorted(self.existing.values(), key=lambda p: p.pk):
            if p.registry_number:
                self.by_registry.setdefault(norm_key(p.registry_number), p)
            self.by_title.setdefault((norm_key(p.title), p.provider_id), []).append(p)
        self.claimed = {}

    # --- look-ups of one cell ---

    def provider(self, value):
        pk, kind = self.organization_of(value)
        try:
            check_provider_kind(kind)
        except ValidationError as exc:
            raise ValidationError(f"организация с ИНН {text(value)} — {exc.messages[0]}") from exc
        return pk

    def position_ids(self, value):
        return names_in(value, self.positions, "неизвестная должность")

    def subject_ids(self, value):
        return names_in(value, self.subjects, "неизвестный предмет")

    # --- the row ---

    def check(self, c, record, row, number):
        # The rule of the program's edit form.
        if not c.has_error("ФР ДПП") and not c.has_error("Номер в реестре"):
            c.field(
                "Номер в реестре",
                check_registry_number,
                record["in_federal_registry"],
                record["registry_number"],
            )
        record["row"] = number

    def key(self, record):
        if record["registry_number"]:
            self._duplicate_header = "Номер в реестре"
            return ("registry", norm_key(record["registry_number"]))
        self._duplicate_header = "Наименование"
        return ("title", norm_key(record["title"]), record["provider_id"])

    def find(self, record):
        same_title = self.by_title.get((norm_key(record["title"]), record["provider_id"]), [])
        if record["registry_number"]:
            found = self.by_registry.get(norm_key(record["registry_number"]))
            if found is None:
                # The same program loaded before without its registry number gets the number now.
                found = next((p for p in same_title if not p.registry_number), None)
        else:
            found = next(
                (p for p in same_title if not p.registry_number), same_title[0] if same_title else None
            )
        if found is not None:
            if found.pk in self.claimed:
                raise ValidationError(
                    f"строки {self.claimed[found.pk]} и {record['row']} описывают одну и ту же программу "
                    f"«{found.title}»: оставьте одну из них"
                )
            self.claimed[found.pk] = record["row"]
        return found

    def stored_links(self, obj):
        return self.links[obj.pk]

    def new_values(self, record):
        return {**super().new_values(record), "status": ProgramStatus.ACTIVE}

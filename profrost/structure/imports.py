"""Organizations from a spreadsheet: «Муниципалитет», «Наименование», «Краткое наименование», «ИНН»,
«Тип», «Уровень». Natural key: INN when present, else municipality + name."""

from django.core.exceptions import ValidationError

from profrost.core import rules
from profrost.core.imports import (
    OUT_OF_SCOPE,
    Column,
    ModelImporter,
    RowError,
    choice,
    choice_lookup,
    norm_key,
    register,
    text,
)
from profrost.core.validators import validate_inn
from profrost.structure.models import Municipality, Organization, OrganizationKind, OrganizationLevel, Region

KIND_SYNONYMS = {
    "оо": OrganizationKind.SCHOOL,
    "общеобразовательная организация": OrganizationKind.SCHOOL,
    "доо": OrganizationKind.KINDERGARTEN,
    "дошкольная образовательная организация": OrganizationKind.KINDERGARTEN,
    "удо": OrganizationKind.ADDITIONAL_EDUCATION,
    "цнппм": OrganizationKind.CENTER,
    "иро": OrganizationKind.DPO_INSTITUTE,
    "ммс": OrganizationKind.METHODOLOGICAL_SERVICE,
    "спо": OrganizationKind.COLLEGE,
    "моуо": OrganizationKind.MUNICIPAL_AUTHORITY,
}
KINDS = choice_lookup(OrganizationKind.choices, KIND_SYNONYMS)
LEVELS = choice_lookup(OrganizationLevel.choices)


@register
class OrganizationImporter(ModelImporter):
    kind = "organizations"
    title = "Организации"
    permission = "edit_organizations"
    model = Organization
    duplicate_header = "ИНН"
    columns = [
        Column("Муниципалитет", "municipality_id", "municipality"),
        Column("Наименование", "name", required=True),
        Column("Краткое наименование", "short_name"),
        Column("ИНН", "inn", validate_inn, default=""),
        Column("Тип", "kind", choice(KINDS, "неизвестный тип организации «{value}»"), required=True),
        Column("Уровень", "level", choice(LEVELS, "неизвестный уровень «{value}»"), required=True),
    ]
    example = [
        "Городской округ Примерный",
        "МБОУ «Средняя школа № 1»",
        "СШ № 1",
        "3401000010",
        "Школа",
        "Институциональный",
    ]

    @property
    def reference_sheets(self):
        munis = Municipality.objects.visible_to(self.user) if self.user else Municipality.objects.all()
        return [
            ("Тип", [label for _, label in OrganizationKind.choices]),
            ("Уровень", [label for _, label in OrganizationLevel.choices]),
            ("Муниципалитет", list(munis.values_list("name", flat=True))),
        ]

    def prepare(self, rows):
        self.region = Region.objects.order_by("pk").first()
        self.municipalities = {norm_key(m.name): m for m in Municipality.objects.all()}
        visible = (
            Municipality.objects.all() if self.user is None else Municipality.objects.visible_to(self.user)
        )
        self.visible_municipality_ids = set(visible.values_list("pk", flat=True))
        self.region_wide = self.user is None or rules.allowed(self.user, "edit_whole_region")
        self.existing_by_inn = {}
        self.existing_by_name = {}
        for org in Organization.objects.all().only(
            "pk", "inn", "name", "short_name", "kind", "level", "municipality_id", "region_id"
        ):
            if org.inn:
                self.existing_by_inn[org.inn] = org
            self.existing_by_name[(org.municipality_id, norm_key(org.name))] = org

    def municipality(self, value):
        name = text(value)
        municipality = self.municipalities.get(norm_key(name))
        if municipality is None:
            raise ValidationError(f"муниципалитет «{name}» не найден в справочнике")
        if municipality.pk not in self.visible_municipality_ids:
            raise ValidationError(f"муниципалитет «{name}» вне вашей области доступа", code=OUT_OF_SCOPE)
        return municipality.pk

    def check(self, c, record, row, number):
        if record["municipality_id"] is None and not c.has_error("Муниципалитет") and not self.region_wide:
            c.error(
                "Муниципалитет", "организации регионального уровня загружает только регион", out_of_scope=True
            )
        existing = self.existing_by_inn.get(record["inn"]) if record["inn"] else None
        if (
            existing is not None
            and self.user is not None
            and not self.region_wide
            and existing.municipality_id not in self.visible_municipality_ids
        ):
            c.error("ИНН", "организация с этим ИНН вне вашей области доступа", out_of_scope=True)

    def key(self, record):
        return (
            ("inn", record["inn"])
            if record["inn"]
            else ("name", record["municipality_id"], norm_key(record["name"]))
        )

    def find(self, record):
        if record["inn"] and record["inn"] in self.existing_by_inn:
            return self.existing_by_inn[record["inn"]]
        return self.existing_by_name.get((record["municipality_id"], norm_key(record["name"])))

    def new_values(self, record):
        if self.region is None:
            raise RowError("Муниципалитет", "в системе не создан регион")
        return {**super().new_values(record), "region": self.region}

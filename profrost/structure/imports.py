"""Organizations from a spreadsheet: «Муниципалитет», «Наименование», «Краткое наименование», «ИНН»,
«Тип», «Уровень». Natural key: INN when present, else municipality + name."""

from profrost.accounts import permissions
from profrost.core.imports import (
    Column,
    Importer,
    RowCleaner,
    RowError,
    choice_lookup,
    norm_key,
    register,
    text,
)
from profrost.core.validators import inn10
from profrost.structure.models import Municipality, Organization, OrganizationKind, OrganizationLevel, Region

ORGANIZATION_HEADERS = ["Муниципалитет", "Наименование", "Краткое наименование", "ИНН", "Тип", "Уровень"]

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


def validate_inn(value):
    """10 digits (a legal entity) with its check digit, or 12 digits (two check digits)."""
    from django.core.exceptions import ValidationError

    digits = text(value).replace(" ", "")
    if not digits:
        return ""
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise ValidationError("ИНН должен состоять из 10 или 12 цифр")
    d = [int(c) for c in digits]
    if len(d) == 10:
        ok = inn10(digits[:9]) == digits
    else:
        w1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
        w2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
        ok = (
            sum(a * b for a, b in zip(w1, d)) % 11 % 10 == d[10]
            and sum(a * b for a, b in zip(w2, d)) % 11 % 10 == d[11]
        )
    if not ok:
        raise ValidationError("неверная контрольная цифра ИНН")
    return digits


def organization_rows(queryset):
    for org in (
        queryset.select_related("municipality").order_by("municipality__name", "name", "pk").iterator(2000)
    ):
        yield [
            org.municipality.name if org.municipality else "",
            org.name,
            org.short_name,
            org.inn,
            org.get_kind_display(),
            org.get_level_display(),
        ]


@register
class OrganizationImporter(Importer):
    kind = "organizations"
    title = "Организации"
    duplicate_header = "ИНН"
    columns = [
        Column("Муниципалитет"),
        Column("Наименование", required=True),
        Column("Краткое наименование"),
        Column("ИНН"),
        Column("Тип", required=True),
        Column("Уровень", required=True),
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
        all_munis = Municipality.objects.all()
        self.municipalities = {norm_key(m.name): m for m in all_munis}
        visible = (
            Municipality.objects.all() if self.user is None else Municipality.objects.visible_to(self.user)
        )
        self.visible_municipality_ids = set(visible.values_list("pk", flat=True))
        self.region_wide = self.user is None or permissions.may_edit_whole_region(self.user)
        self.existing_by_inn = {}
        self.existing_by_name = {}
        for org in Organization.objects.all().only(
            "pk", "inn", "name", "short_name", "kind", "level", "municipality_id", "region_id"
        ):
            if org.inn:
                self.existing_by_inn[org.inn] = org
            self.existing_by_name[(org.municipality_id, norm_key(org.name))] = org

    def clean(self, row, number):
        c = RowCleaner()
        name = text(row.get("Наименование"))
        if not name:
            c.error("Наименование", "не заполнено обязательное поле")
        muni_name = text(row.get("Муниципалитет"))
        municipality = None
        if muni_name:
            municipality = self.municipalities.get(norm_key(muni_name))
            if municipality is None:
                c.error("Муниципалитет", f"муниципалитет «{muni_name}» не найден в справочнике")
            elif municipality.pk not in self.visible_municipality_ids:
                c.error(
                    "Муниципалитет",
                    f"муниципалитет «{muni_name}» вне вашей области доступа",
                    out_of_scope=True,
                )
        elif not self.region_wide:
            c.error(
                "Муниципалитет", "организации регионального уровня загружает только регион", out_of_scope=True
            )
        inn = c.field("ИНН", validate_inn, row.get("ИНН"))
        kind_raw = text(row.get("Тип"))
        kind = KINDS.get(norm_key(kind_raw))
        if not kind_raw:
            c.error("Тип", "не заполнено обязательное поле")
        elif kind is None:
            c.error("Тип", f"неизвестный тип организации «{kind_raw}»")
        level_raw = text(row.get("Уровень"))
        level = LEVELS.get(norm_key(level_raw))
        if not level_raw:
            c.error("Уровень", "не заполнено обязательное поле")
        elif level is None:
            c.error("Уровень", f"неизвестный уровень «{level_raw}»")
        if inn and inn in self.existing_by_inn:
            existing = self.existing_by_inn[inn]
            if (
                self.user is not None
                and not self.region_wide
                and existing.municipality_id not in self.visible_municipality_ids
            ):
                c.error("ИНН", "организация с этим ИНН вне вашей области доступа", out_of_scope=True)
        c.done()
        return {
            "municipality_id": municipality.pk if municipality else None,
            "name": name,
            "short_name": text(row.get("Краткое наименование")),
            "inn": inn or "",
            "kind": kind,
            "level": level,
        }

    def key(self, record):
        return (
            ("inn", record["inn"])
            if record["inn"]
            else ("name", record["municipality_id"], norm_key(record["name"]))
        )

    FIELDS = ("municipality_id", "name", "short_name", "inn", "kind", "level")

    def _existing(self, record):
        if record["inn"] and record["inn"] in self.existing_by_inn:
            return self.existing_by_inn[record["inn"]]
        return self.existing_by_name.get((record["municipality_id"], norm_key(record["name"])))

    def diff(self, records):
        out = []
        for record in records:
            existing = self._existing(record)
            if existing is None:
                out.append((record, "new"))
            elif any(getattr(existing, f) != record[f] for f in self.FIELDS):
                record["_pk"] = existing.pk
                out.append((record, "changed"))
            else:
                out.append((record, "unchanged"))
        return out

    def write(self, classified, progress):
        if self.region is None:
            raise RowError("Муниципалитет", "в системе не создан регион")
        new = [Organization(region=self.region, **r) for r, s in classified if s == "new"]
        Organization.objects.bulk_create(new, batch_size=2000)
        changed = []
        for r, s in classified:
            if s == "changed":
                org = Organization(pk=r["_pk"], region=self.region, **{f: r[f] for f in self.FIELDS})
                changed.append(org)
        if changed:
            from django.db.models import F

            Organization.objects.bulk_update(changed, list(self.FIELDS), batch_size=2000)
            Organization.objects.filter(pk__in=[o.pk for o in changed]).update(version=F("version") + 1)
        progress(len(classified))

"""An instrument's item map from a spreadsheet: «Номер», «Компетенция» (codes separated by «;»),
«Макс. балл», «Тип», «Ключ», «Текст» (optional — federal instruments arrive without texts).

Importing the same map under the same name changes nothing; a changed map becomes a new version.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError

from profrost.core.imports import Column, Importer, RowCleaner, choice_lookup, norm_key, register, text
from profrost.diagnostics.models import Competence, Instrument, Item, ItemType
from profrost.diagnostics.scoring import to_decimal

TYPES = choice_lookup(
    ItemType.choices,
    {
        "один": ItemType.SINGLE,
        "выбор одного": ItemType.SINGLE,
        "одиночный выбор": ItemType.SINGLE,
        "несколько": ItemType.MULTIPLE,
        "множественный выбор": ItemType.MULTIPLE,
        "краткий": ItemType.SHORT,
        "краткий ответ": ItemType.SHORT,
        "число": ItemType.NUMERIC,
        "числовой": ItemType.NUMERIC,
        "развернутый": ItemType.OPEN,
        "открытый": ItemType.OPEN,
        "развернутый ответ": ItemType.OPEN,
    },
)


def parse_key(item_type, raw):
    """A numeric key may carry its tolerance: «12,5±0,1»."""
    key = text(raw)
    tolerance = Decimal(0)
    if item_type == ItemType.NUMERIC:
        value, _, tol = key.replace("+-", "±").partition("±")
        number = to_decimal(value)
        if number is None:
            raise ValidationError(f"числовой ключ «{key}» не распознан")
        if tol:
            tolerance = to_decimal(tol)
            if tolerance is None or tolerance < 0:
                raise ValidationError(f"допуск «{tol}» не распознан")
        key = str(number)
    elif item_type != ItemType.OPEN and not key:
        raise ValidationError("не указан ключ")
    return key, tolerance


@register
class ItemMapImporter(Importer):
    kind = "instrument"
    title = "Карта заданий инструмента"
    duplicate_header = "Номер"
    columns = [
        Column("Номер", required=True),
        Column("Компетенция", required=True),
        Column("Макс. балл", required=True, aliases=("Максимальный балл",)),
        Column("Тип", required=True),
        Column("Ключ"),
        Column("Текст"),
    ]
    example = ["1", "МТ1; МТ4", "2", "Один вариант ответа", "3", ""]

    def __init__(self, user=None, name=""):
        super().__init__(user)
        self.name = name.strip()
        self.created_id = None

    @property
    def reference_sheets(self):
        return [
            ("Тип", [label for _, label in ItemType.choices]),
            ("Компетенция", [f"{c.code} {c.name}" for c in Competence.objects.filter(is_active=True)]),
        ]

    def prepare(self, rows):
        for _ in rows:
            pass
        self.competences = {c.code.upper(): c.pk for c in Competence.objects.all()}
        self.active = set(Competence.objects.filter(is_active=True).values_list("code", flat=True))

    def clean(self, row, number):
        c = RowCleaner()
        item_number = text(row.get("Номер"))
        if not item_number:
            c.error("Номер", "не заполнено обязательное поле")
        codes = [code.strip().upper() for code in text(row.get("Компетенция")).split(";") if code.strip()]
        if not codes:
            c.error("Компетенция", "не указана ни одна компетенция")
        for code in codes:
            if code not in self.competences:
                c.error("Компетенция", f"неизвестный код компетенции «{code}»")
            elif code not in self.active:
                c.error("Компетенция", f"компетенция «{code}» выведена из употребления")
        max_score = to_decimal(row.get("Макс. балл"))
        if max_score is None or max_score <= 0:
            c.error("Макс. балл", "нужно положительное число")
        type_raw = text(row.get("Тип"))
        item_type = TYPES.get(norm_key(type_raw))
        if item_type is None:
            c.error(
                "Тип",
                f"неизвестный тип задания «{type_raw}»" if type_raw else "не заполнено обязательное поле",
            )
        key, tolerance = "", Decimal(0)
        if item_type:
            parsed = c.field("Ключ", parse_key, item_type, row.get("Ключ"))
            if parsed:
                key, tolerance = parsed
        c.done()
        return {
            "number": item_number,
            "position": number,
            "type": item_type,
            "key": key,
            "tolerance": tolerance,
            "max_score": max_score,
            "text": text(row.get("Текст")),
            "competences": tuple(sorted(self.competences[x] for x in codes)),
        }

    def key(self, record):
        return record["number"]

    @staticmethod
    def _signature(records):
        return sorted(
            (
                r["number"],
                r["type"],
                r["key"],
                Decimal(r["tolerance"]).normalize(),
                Decimal(r["max_score"]).normalize(),
                r["text"],
                r["competences"],
            )
            for r in records
        )

    def diff(self, records):
        if not self.name:
            raise ValidationError("не указано наименование инструмента")
        self.existing = Instrument.objects.current().filter(name=self.name).order_by("-version").first()
        if self.existing is not None:
            old = [
                {
                    "number": i.number,
                    "type": i.type,
                    "key": i.key,
                    "tolerance": i.tolerance,
                    "max_score": i.max_score,
                    "text": i.text,
                    "competences": tuple(sorted(c.pk for c in i.competences.all())),
                }
                for i in self.existing.items.prefetch_related("competences")
            ]
            if self._signature(old) == self._signature(records):
                self.created_id = self.existing.pk
                return [(r, "unchanged") for r in records]
            return [(r, "changed") for r in records]
        return [(r, "new") for r in records]

    def write(self, classified, progress):
        if not classified:
            return
        instrument = Instrument.objects.create(
            name=self.name,
            version=self.existing.version + 1 if self.existing else 1,
            previous=self.existing,
        )
        items = Item.objects.bulk_create(
            [
                Item(instrument=instrument, **{k: v for k, v in r.items() if k != "competences"})
                for r, _ in classified
            ]
        )
        through = Item.competences.through
        through.objects.bulk_create(
            [
                through(item_id=item.pk, competence_id=cid)
                for item, (r, _) in zip(items, classified, strict=True)
                for cid in r["competences"]
            ]
        )
        self.created_id = instrument.pk
        progress(len(classified))

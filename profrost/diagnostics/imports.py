"""An instrument's item map from a spreadsheet: «Номер», «Компетенция» (codes separated by «;»),
«Макс. балл» are required; «Тип», «Ключ», «Текст» are optional. A federal item map (what ФИОКО sends: number,
competence, maximum) has no type, key or text: its items are scored outside the system — results arrive as
points per item — and are stored as items an expert scores («Развёрнутый ответ»), which need no key.

Importing the same map under the same name changes nothing; a changed map becomes a new version.
"""

import re
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


ITEM_NUMBER = re.compile(r"^\d+([.,]\d+)*[а-яёa-z]?$", re.IGNORECASE)


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
        Column("Тип"),  # blank: scored outside the system (a federal map)
        Column("Ключ"),
        Column("Текст"),
        Column("Варианты", aliases=("Варианты ответа",)),
        Column("Критерии", aliases=("Критерии оценивания",)),
    ]
    example = ["1", "МТ1; МТ4", "2", "Один вариант ответа", "3", "", "", ""]

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
        if type_raw:
            item_type = TYPES.get(norm_key(type_raw))
            if item_type is None:
                c.error("Тип", f"неизвестный тип задания «{type_raw}»")
        elif text(row.get("Ключ")):
            item_type = None
            c.error("Тип", "указан ключ, но не указан тип задания: укажите «Тип» или уберите ключ")
        else:
            # No type and no key: the item is scored outside the system (points come with the results).
            item_type = ItemType.OPEN
        key, tolerance = "", Decimal(0)
        if item_type:
            parsed = c.field("Ключ", parse_key, item_type, row.get("Ключ"))
            if parsed:
                key, tolerance = parsed
        options = [o.strip() for o in text(row.get("Варианты")).split("|") if o.strip()]
        if item_type in (ItemType.SINGLE, ItemType.MULTIPLE) and options and key:
            numbers = [k.strip() for k in key.split(";") if k.strip()]
            if any(
                not (k.isascii() and k.isdigit() and len(k) < 5) or not 1 <= int(k) <= len(options)
                for k in numbers
            ):
                c.error("Ключ", f"ключ «{key}» должен указывать номера вариантов от 1 до {len(options)}")
        c.done()
        return {
            "number": item_number,
            "options": options,
            "rubric": text(row.get("Критерии")),
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
                tuple(r["options"]),
                r["rubric"],
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
                    "options": i.options,
                    "rubric": i.rubric,
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


@register
class ResultImporter(Importer):
    """Results of a federal procedure: «СНИЛС» (or «Фамилия», «Имя», «Отчество», «Дата рождения»), «Дата»,
    and one column per item headed by its number, holding the points scored on that item."""

    kind = "results"
    title = "Результаты диагностики"
    duplicate_header = "СНИЛС"
    PERSON_COLUMNS = ["СНИЛС", "Фамилия", "Имя", "Отчество", "Дата рождения", "Дата"]

    def __init__(self, user=None, campaign=None):
        from profrost.diagnostics.models import Campaign

        super().__init__(user)
        self.campaign = (
            campaign if isinstance(campaign, Campaign) else Campaign.objects.filter(pk=campaign).first()
        )
        if self.campaign is None:
            from profrost.core.imports import FileRejected

            raise FileRejected("диагностика не найдена")
        self.items = list(self.campaign.instrument.items.order_by("position"))
        self.columns = [
            Column("СНИЛС", required=True),
            Column("Фамилия"),
            Column("Имя"),
            Column("Отчество"),
            Column("Дата рождения"),
            Column("Дата", required=True),
        ]
        self.columns += [Column(item.number) for item in self.items]

    @property
    def example(self):
        return ["112-233-445 95", "", "", "", "", "15.10.2026", *["1" for _ in self.items]]

    def alternative_present(self, header, index):
        return header == "СНИЛС" and {"Фамилия", "Имя", "Дата рождения"} <= set(index)

    def map_headers(self, headers):
        index = super().map_headers(headers)
        missing = [item.number for item in self.items if item.number not in index]
        if missing:
            from profrost.core.imports import FileRejected

            raise FileRejected("в файле нет столбцов заданий: " + ", ".join(f"«{m}»" for m in missing))
        # A column headed like an item number that the instrument does not have means the wrong campaign or
        # instrument version: refuse rather than drop those scores. Other extra columns are ignored.
        known = {norm_key(item.number) for item in self.items}
        unknown = [h for h in headers if ITEM_NUMBER.match(text(h)) and norm_key(h) not in known]
        if unknown:
            from profrost.core.imports import FileRejected

            raise FileRejected(
                "в файле есть столбцы заданий, которых нет в инструменте «"
                f"{self.campaign.instrument}»: "
                + ", ".join(f"«{text(h)}»" for h in unknown)
                + ". Проверьте, что выбрана верная диагностика"
            )
        return index

    def prepare(self, rows):
        from profrost.people.models import Person

        for _ in rows:
            pass
        from profrost.core.scoping import scope_of

        # People are looked up among those the importer can see only: an unknown SNILS and someone else's
        # answer alike (docs/security.md, "SNILS lookups"), and both reject the file for a narrower scope.
        self.sees_all = self.user is None or scope_of(self.user).everything
        visible = Person.objects.all() if self.user is None else Person.objects.visible_to(self.user)
        self.by_snils = dict(visible.values_list("snils", "pk"))
        self.by_name = {}
        for pk, last, first, middle, birth in visible.values_list(
            "pk", "last_name", "first_name", "middle_name", "birth_date"
        ):
            self.by_name.setdefault((norm_key(last), norm_key(first), norm_key(middle), birth), []).append(pk)
        from profrost.diagnostics.models import ItemScore, Result

        self.existing = {}
        for result in Result.objects.filter(campaign=self.campaign).values("pk", "person_id", "taken_on"):
            self.existing[result["person_id"]] = {
                "pk": result["pk"],
                "taken_on": result["taken_on"],
                "scores": {},
            }
        by_pk = {r["pk"]: r for r in self.existing.values()}
        for result_id, item_id, score in ItemScore.objects.filter(result__campaign=self.campaign).values_list(
            "result_id", "item_id", "score"
        ):
            by_pk[result_id]["scores"][item_id] = score

    def _not_found(self, by):
        where = "в реестре" if self.sees_all else "в вашей области доступа"
        return f"педагог с {by} не найден {where}"

    def clean(self, row, number):
        from profrost.core.imports import parse_date
        from profrost.core.validators import normalize_snils

        c = RowCleaner()
        person_id = None
        if text(row.get("СНИЛС")):
            snils = c.field("СНИЛС", normalize_snils, row.get("СНИЛС"))
            if snils:
                person_id = self.by_snils.get(snils)
                if person_id is None:
                    c.error("СНИЛС", self._not_found("таким СНИЛС"), out_of_scope=not self.sees_all)
        else:
            birth = c.field("Дата рождения", parse_date, row.get("Дата рождения"))
            key = (
                norm_key(row.get("Фамилия")),
                norm_key(row.get("Имя")),
                norm_key(row.get("Отчество")),
                birth,
            )
            found = self.by_name.get(key, [])
            if len(found) == 1:
                person_id = found[0]
            elif not found:
                c.error(
                    "Фамилия", self._not_found("такими ФИО и датой рождения"), out_of_scope=not self.sees_all
                )
            else:
                c.error("Фамилия", "несколько педагогов с такими ФИО и датой рождения: укажите СНИЛС")
        taken_on = c.field("Дата", parse_date, row.get("Дата"))
        if taken_on is None and not any(e.header == "Дата" for e in c.errors):
            c.error("Дата", "не заполнено обязательное поле")
        scores = {}
        for item in self.items:
            raw = row.get(item.number)
            if raw is None or text(raw) == "":
                scores[item.pk] = Decimal(0)
                continue
            value = to_decimal(raw)
            if value is None:
                c.error(item.number, f"балл «{text(raw)}» не является числом")
            elif value < 0 or value > item.max_score:
                c.error(item.number, f"балл {text(raw)} вне диапазона 0–{item.max_score.normalize()}")
            else:
                scores[item.pk] = value
        c.done()
        return {"person_id": person_id, "taken_on": taken_on, "scores": scores}

    def key(self, record):
        return record["person_id"]

    def diff(self, records):
        out = []
        for r in records:
            old = self.existing.get(r["person_id"])
            if old is None:
                out.append((r, "new"))
            elif (
                old["taken_on"] != r["taken_on"]
                or {k: Decimal(v) for k, v in old["scores"].items() if v is not None} != r["scores"]
            ):
                r["_pk"] = old["pk"]
                out.append((r, "changed"))
            else:
                out.append((r, "unchanged"))
        return out

    def write(self, classified, progress):
        from django.db import connection

        from profrost.core.imports import ANALYZE_AFTER_ROWS, copy_rows
        from profrost.diagnostics.actions import recompute_results
        from profrost.diagnostics.models import ItemScore, Result, ResultStatus

        new = [
            Result(
                campaign=self.campaign,
                person_id=r["person_id"],
                taken_on=r["taken_on"],
                status=ResultStatus.SUBMITTED,
            )
            for r, state in classified
            if state == "new"
        ]
        Result.objects.bulk_create(new, batch_size=2000)
        for result, (r, _) in zip(new, [(r, s) for r, s in classified if s == "new"], strict=True):
            r["_pk"] = result.pk
        changed = [
            Result(pk=r["_pk"], taken_on=r["taken_on"]) for r, state in classified if state == "changed"
        ]
        Result.objects.bulk_update(changed, ["taken_on"], batch_size=2000)
        ids = [r["_pk"] for r, _ in classified]
        ItemScore.objects.filter(result_id__in=ids).delete()
        copy_rows(
            ItemScore._meta.db_table,
            ["result_id", "item_id", "answer", "comment", "score"],
            (
                (r["_pk"], item_id, "", "", score)
                for r, _ in classified
                for item_id, score in r["scores"].items()
            ),
        )
        recompute_results(ids)
        if len(ids) * 8 >= ANALYZE_AFTER_ROWS:  # fresh statistics for the reports (see copy_rows)
            with connection.cursor() as cur:
                cur.execute("ANALYZE diagnostics_result")
                cur.execute("ANALYZE diagnostics_competenceresult")
        progress(len(classified))

"""Diagnostics from spreadsheets: an instrument's item map, and the results of a federal procedure.

An item map: «Номер», «Компетенция» (codes separated by «;»), «Макс. балл» are required; «Тип», «Ключ», «Текст»
are optional. A federal item map (what ФИОКО sends: number, competence, maximum) has no type, key or text: its
items are scored outside the system — results arrive as points per item — and are stored as items an expert
scores («Развёрнутый ответ»), which need no key. Importing the same map under the same name changes nothing; a
changed map becomes a new version.
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection

from profrost.core.imports import (
    ANALYZE_AFTER_ROWS,
    OUT_OF_SCOPE,
    Column,
    FileRejected,
    Importer,
    Option,
    choice,
    choice_lookup,
    copy_rows,
    norm_key,
    parse_date,
    register,
    text,
)
from profrost.core.scoping import scope_of
from profrost.core.validators import normalize_snils
from profrost.diagnostics.actions import recompute_results
from profrost.diagnostics.models import (
    Campaign,
    Competence,
    Instrument,
    Item,
    ItemScore,
    ItemType,
    Result,
    ResultStatus,
)
from profrost.diagnostics.scoring import to_decimal
from profrost.people.models import Person

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


def _positive(value):
    number = to_decimal(value)
    if number is None or number <= 0:
        raise ValidationError("нужно положительное число")
    return number


def _options(value):
    return [o.strip() for o in text(value).split("|") if o.strip()]


@register
class ItemMapImporter(Importer):
    kind = "instrument"
    title = "Карта заданий инструмента"
    permission = "manage_campaigns"
    options = (
        Option(
            "name",
            "Инструмент",
            about="наименование инструмента",
            help="наименование (для загрузки карты заданий инструмента)",
            ask="core/import_instrument_name.html",
        ),
    )
    duplicate_header = "Номер"
    columns = [
        Column("Номер", "number", required=True),
        Column(
            "Компетенция",
            "competences",
            "competence_ids",
            required=True,
            missing="не указана ни одна компетенция",
        ),
        Column("Макс. балл", "max_score", _positive, required=True, aliases=("Максимальный балл",)),
        # A blank type: scored outside the system (a federal map).
        Column("Тип", "type", choice(TYPES, "неизвестный тип задания «{value}»")),
        Column("Ключ", "key"),
        Column("Текст", "text"),
        Column("Варианты", "options", _options, aliases=("Варианты ответа",), default=()),
        Column("Критерии", "rubric", aliases=("Критерии оценивания",)),
    ]
    example = [
        "1",
        "МТ1; МТ4",
        "2",
        "Один вариант ответа",
        "3",
        "Какой приём относится к формирующему оцениванию?",
        "Итоговая контрольная работа|Отметка в журнале|Лист самооценки|Рейтинг класса",
        "",
    ]
    notes = (
        "Варианты ответа — в одной ячейке через «|» (например: «Отметка в журнале|Лист самооценки»); "
        "ключ — номер верного варианта; компетенции — коды через «;»."
    )

    def __init__(self, user=None, name=""):
        super().__init__(user)
        self.name = (name or "").strip()
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

    def competence_ids(self, value):
        codes = [code.strip().upper() for code in text(value).split(";") if code.strip()]
        errors = []
        for code in codes:
            if code not in self.competences:
                errors.append(f"неизвестный код компетенции «{code}»")
            elif code not in self.active:
                errors.append(f"компетенция «{code}» выведена из употребления")
        if errors:
            raise ValidationError(errors)
        return tuple(sorted(self.competences[x] for x in codes))

    def check(self, c, r, row, number):
        if r["type"] is None and not c.has_error("Тип"):
            if r["key"]:
                c.error("Тип", "указан ключ, но не указан тип задания: укажите «Тип» или уберите ключ")
            else:
                # No type and no key: the item is scored outside the system (points come with the results).
                r["type"] = ItemType.OPEN
        key, tolerance = "", Decimal(0)
        if r["type"]:
            parsed = c.field("Ключ", parse_key, r["type"], r["key"])
            if parsed:
                key, tolerance = parsed
        options = r["options"] = list(r["options"])
        if r["type"] in (ItemType.SINGLE, ItemType.MULTIPLE) and options and key:
            numbers = [k.strip() for k in key.split(";") if k.strip()]
            if any(
                not (k.isascii() and k.isdigit() and len(k) < 5) or not 1 <= int(k) <= len(options)
                for k in numbers
            ):
                c.error("Ключ", f"ключ «{key}» должен указывать номера вариантов от 1 до {len(options)}")
        r["key"], r["tolerance"], r["position"] = key, tolerance, number

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


def _campaigns():
    return Campaign.objects.select_related("instrument").order_by("-created_at")


@register
class ResultImporter(Importer):
    """Results of a federal procedure: «СНИЛС» (or «Фамилия», «Имя», «Отчество», «Дата рождения»), «Дата»,
    and one column per item headed by its number, holding the points scored on that item."""

    kind = "results"
    title = "Результаты диагностики"
    permission = "manage_campaigns"
    options = (
        Option(
            "campaign",
            "Диагностика",
            about="id диагностики",
            help="id диагностики (для загрузки результатов)",
            choices=_campaigns,
            ask="core/import_choose_campaign.html",
        ),
    )
    duplicate_header = "СНИЛС"

    def __init__(self, user=None, campaign=None):
        super().__init__(user)
        self.campaign = (
            campaign if isinstance(campaign, Campaign) else Campaign.objects.filter(pk=campaign).first()
        )
        if self.campaign is None:
            raise FileRejected("диагностика не найдена")
        self.items = list(self.campaign.instrument.items.order_by("position"))
        self.columns = [
            # Without a SNILS, a person is found by name and birth date (read by check()).
            Column("СНИЛС", required=True, instead=(("Фамилия", "Имя", "Дата рождения"),)),
            Column("Фамилия"),
            Column("Имя"),
            Column("Отчество"),
            Column("Дата рождения"),
            Column("Дата", "taken_on", parse_date, required=True),
            *(Column(item.number) for item in self.items),  # the points, read by check()
        ]

    @property
    def example(self):
        return ["112-233-445 95", "", "", "", "", "15.10.2026", *["1" for _ in self.items]]

    def map_headers(self, headers):
        index = super().map_headers(headers)
        missing = [item.number for item in self.items if item.number not in index]
        if missing:
            raise FileRejected("в файле нет столбцов заданий: " + ", ".join(f"«{m}»" for m in missing))
        # A column headed like an item number that the instrument does not have means the wrong campaign or
        # instrument version: refuse rather than drop those scores. Other extra columns are ignored.
        known = {norm_key(item.number) for item in self.items}
        unknown = [h for h in headers if ITEM_NUMBER.match(text(h)) and norm_key(h) not in known]
        if unknown:
            raise FileRejected(
                "в файле есть столбцы заданий, которых нет в инструменте «"
                f"{self.campaign.instrument}»: "
                + ", ".join(f"«{text(h)}»" for h in unknown)
                + ". Проверьте, что выбрана верная диагностика"
            )
        return index

    def prepare(self, rows):
        for _ in rows:
            pass
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

    def _person(self, c, row):
        code = "" if self.sees_all else OUT_OF_SCOPE
        if text(row.get("СНИЛС")):
            snils = c.field("СНИЛС", normalize_snils, row.get("СНИЛС"))
            if not snils:
                return None
            person_id = self.by_snils.get(snils)
            if person_id is None:
                c.invalid("СНИЛС", ValidationError(self._not_found("таким СНИЛС"), code=code))
            return person_id
        if c.has_error("СНИЛС"):  # neither a SNILS nor a name and a birth date
            return None
        birth = c.field("Дата рождения", parse_date, row.get("Дата рождения"))
        key = (norm_key(row.get("Фамилия")), norm_key(row.get("Имя")), norm_key(row.get("Отчество")), birth)
        found = self.by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        if not found:
            c.invalid("Фамилия", ValidationError(self._not_found("такими ФИО и датой рождения"), code=code))
        else:
            c.error("Фамилия", "несколько педагогов с такими ФИО и датой рождения: укажите СНИЛС")
        return None

    def check(self, c, r, row, number):
        r["person_id"] = self._person(c, row)
        scores = r["scores"] = {}
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

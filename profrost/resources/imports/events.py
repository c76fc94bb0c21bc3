"""Events from a spreadsheet: «Наименование», «Вид», «Уровень», «ИНН организатора», «Начало», «Окончание»,
«Формат», «Место», «Компетенции», «Мест», «В плане». An event is the same one when its title, start and organizer
are."""

from profrost.core.imports import (
    Column,
    allowed_labels,
    choice,
    choice_lookup,
    norm_key,
    parse_bool,
    parse_date,
    register,
)
from profrost.diagnostics.models import Competence
from profrost.resources.imports.common import NON_NEGATIVE, ResourceImporter, check_dates, whole
from profrost.resources.models import Event, EventFormat, EventKind, Level

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


@register
class EventImporter(ResourceImporter):
    kind = "events"
    title = "Мероприятия"
    model = Event
    duplicate_header = "Наименование"
    columns = [
        Column("Наименование", "title", required=True),
        Column(
            "Вид",
            "kind",
            choice(EVENT_KINDS, "неизвестный вид мероприятия «{value}»" + allowed_labels(EventKind.choices)),
            required=True,
        ),
        Column(
            "Уровень",
            "level",
            choice(LEVELS, "неизвестный уровень «{value}»" + allowed_labels(Level.choices)),
            required=True,
        ),
        Column("ИНН организатора", "organizer_id", "organization", required=True),
        Column("Начало", "start", parse_date, required=True, aliases=("Дата начала",)),
        Column("Окончание", "end", parse_date, required=True, aliases=("Дата окончания",)),
        Column(
            "Формат",
            "format",
            choice(EVENT_FORMATS, "неизвестный формат «{value}»" + allowed_labels(EventFormat.choices)),
            default=EventFormat.IN_PERSON,
            keep=True,
        ),
        Column("Место", "place", aliases=("Место или ссылка",), keep=True),
        Column("Компетенции", "competences", "competence_ids", default=frozenset(), keep=True),
        Column("Мест", "capacity", whole(0, NON_NEGATIVE), aliases=("Число мест",), keep=True),
        Column(
            "В плане", "in_annual_plan", parse_bool, default=False, aliases=("В годовом плане",), keep=True
        ),
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

    def check(self, c, record, row, number):
        check_dates(c, record)

    def key(self, record):
        return (norm_key(record["title"]), record["start"], record["organizer_id"])

    def find(self, record):
        return self.existing.get(self.key(record))

    def stored_links(self, obj):
        return {"competences": self.links.get(obj.pk, set())}

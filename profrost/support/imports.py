"""The asset register and the assignments from spreadsheets (docs/support.md §17; issue 12 point 7):
`profrost import asset FILE`, `profrost import assignments FILE` and the import pages.

The same pipeline as every other import (core/imports.py), but each row is written by the support actions the
pages use — `nominate` and `approve` for the register, `assign` for the assignments — so the register's rules
(the criteria with a justification, an order's date, one open membership, the zone, the load limit) are theirs,
not copied here. A row is checked by running its action and undoing it (`_trial`: a transaction rolled back): the
refusal is the row's error, in the action's words; nothing is kept. Only the file's own cumulative effect on a
member's load (several rows for one member) is counted here, since the trial of one row does not see the others.
On commit the actions run again, in the pipeline's one transaction: a refusal then (a change by someone else in
between) rolls the whole file back.

People are looked up by SNILS among those the importing user sees (`visible_to`; the command line without
--user: everyone), as every importer does (docs/security.md, "SNILS lookups").
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from profrost.accounts.models import User
from profrost.core.imports import (
    OUT_OF_SCOPE,
    Column,
    FileRejected,
    Importer,
    allowed_labels,
    choice,
    choice_lookup,
    limited,
    lookup,
    norm_key,
    parse_date,
    register,
    text,
)
from profrost.core.scoping import scope_of
from profrost.core.validators import format_snils, normalize_snils
from profrost.people.models import Person, Subject
from profrost.structure.models import Municipality
from profrost.support import actions, permissions
from profrost.support.models import (
    OPEN_STATUSES,
    AssetMember,
    Assignment,
    Direction,
    Engagement,
    MemberStatus,
    load_limit,
)

SEPARATOR = ";"
# The short names the issue and the seeds use for the eight directions (000_… 3.2.4), besides the full labels.
DIRECTION_SYNONYMS = {
    "посткурсовое сопровождение": Direction.POST_COURSE,
    "каскадная пк": Direction.CASCADE,
    "каскадное повышение квалификации": Direction.CASCADE,
    "тьюторство фр дпп": Direction.TUTORING,
    "тьюторское сопровождение": Direction.TUTORING,
    "выявление дефицитов": Direction.DEFICITS,
    "иом": Direction.ROUTES,
    "взаимообучение": Direction.PEER_LEARNING,
    "шнор": Direction.LOW_RESULTS,
    "консультирование": Direction.CONSULTING,
}
DIRECTIONS = choice_lookup(Direction.choices, DIRECTION_SYNONYMS)
ENGAGEMENTS = choice_lookup(
    Engagement.choices,
    {
        "штатный сотрудник": Engagement.STAFF,
        "штатный": Engagement.STAFF,
        "договор гпх": Engagement.CONTRACT,
        "гпх": Engagement.CONTRACT,
        "иная": Engagement.OTHER,
    },
)
NEEDS_CENTER = (
    "нужен активный сотрудник центра (--user ЛОГИН): от его имени выдвигаются, утверждаются и закрепляются "
    "члены методического актива"
)


class _Rollback(Exception):
    """Undoes a trial (see _trial)."""


def _trial(action):
    """Run `action` (a support action) and undo all it wrote: None when it would pass, else its refusal (the
    SupportError, whose message is the user's and whose details the caller may read)."""
    try:
        with transaction.atomic():
            action()
            raise _Rollback
    except _Rollback:
        return None
    except actions.SupportError as exc:
        return exc
    except PermissionDenied:
        return actions.SupportError("нет прав на это действие")


def _d(day):
    return day.strftime("%d.%m.%Y")


def _parts(value):
    """The `;`-separated parts of a cell, stripped, empty ones left out."""
    return [p.strip() for p in text(value).split(SEPARATOR) if p.strip()]


def _snils_of(rows, headers):
    """The valid SNILS in these columns of the file's rows, normalized (a bad one is its row's error later)."""
    found = set()
    for row in rows:
        for header in headers:
            try:
                found.add(normalize_snils(row.get(header)))
            except ValidationError:
                pass
    return found


class SupportImporter(Importer):
    """What both kinds share: the center's permission, the acting login, the look-ups of people by SNILS."""

    refusal = "загрузку «{title}» выполняют только администратор региона и центр"
    snils_headers = ()

    def map_headers(self, headers):
        index = super().map_headers(headers)
        self.actor = self._actor()
        return index

    def _actor(self):
        """Who the actions are done (and journaled) as: the importing user; on the command line without --user,
        the first active login of the center (as `profrost support propose-assignments --apply` does)."""
        if self.user is not None:
            return self.user
        for user in User.objects.filter(is_active=True).order_by("pk")[:200]:
            if permissions.may_manage_asset(user) and permissions.may_assign_teachers(user):
                return user
        raise FileRejected(NEEDS_CENTER)

    def prepare(self, rows):
        self.today = datetime.date.today()
        self.sees_all = self.user is None or scope_of(self.user).everything
        visible = Person.objects.all() if self.user is None else Person.objects.visible_to(self.user)
        self.people = {p.snils: p for p in visible.filter(snils__in=_snils_of(rows, self.snils_headers))}

    def person(self, c, header, snils, who="педагог"):
        """The person with this SNILS among those the user sees, or None with the row's error."""
        if snils is None:
            return None
        person = self.people.get(snils)
        if person is None:
            where = "в реестре" if self.sees_all else "в вашей области доступа"
            c.invalid(
                header,
                ValidationError(
                    f"{who} со СНИЛС {format_snils(snils)} не найден {where}",
                    code="" if self.sees_all else OUT_OF_SCOPE,
                ),
            )
        return person

    def key(self, record):
        return record["_key"]

    def diff(self, records):
        return [(r, r["_state"]) for r in records]


@register
class AssetImporter(SupportImporter):
    """One row per person: a candidate (nominated), or — with an order — a member approved by that order."""

    kind = "asset"
    title = "Региональный методический актив"
    permission = "manage_asset"
    duplicate_header = "СНИЛС"
    snils_headers = ("СНИЛС",)
    columns = [
        Column("СНИЛС", "snils", normalize_snils, required=True),
        Column("ФИО"),  # only checked against the person found by SNILS (check())
        Column("Направления", "directions", "parse_directions", required=True),
        Column("Предметы", "subjects", "parse_subjects", default=()),
        Column("Зона", "zone", "parse_zone", required=True),
        Column(
            "Форма привлечения",
            "engagement",
            choice(
                ENGAGEMENTS, "неизвестная форма привлечения «{value}»" + allowed_labels(Engagement.choices)
            ),
            required=True,
        ),
        Column("Приказ", "order_number", limited(actions.ORDER_NUMBER_MAX), aliases=("Номер приказа",)),
        Column("Дата приказа", "order_date", parse_date),
        Column("Срок по", "end", parse_date),
        Column("Обоснование", "justification", aliases=("Обоснование включения",)),
    ]
    example = [
        "112-233-445 95",
        "Иванова Мария Петровна",
        "Выявление профессиональных дефицитов; Построение и сопровождение ИОМ",
        "Математика",
        "Городской округ 1; Район 2",
        "Договор гражданско-правового характера",
        "12-од",
        "15.01.2025",
        "",
        "",
    ]
    notes = (
        "Направления, предметы и зона (муниципалитеты) — через «;». Строка с приказом (номер и дата) включает "
        "педагога в актив этим приказом (роль «Региональный методист» выдаётся, если у педагога есть учётная "
        "запись), без приказа — выдвигает кандидатом. Если педагог не выполняет критерии включения, заполните "
        "«Обоснование». «ФИО» только сверяется с реестром."
    )

    @property
    def reference_sheets(self):
        return [
            ("Направления", [label for _, label in Direction.choices]),
            ("Форма привлечения", [label for _, label in Engagement.choices]),
            ("Зона", list(Municipality.objects.order_by("name").values_list("name", flat=True))),
            ("Предметы", list(Subject.objects.values_list("name", flat=True))),
        ]

    def prepare(self, rows):
        rows = list(rows)
        super().prepare(rows)
        self.municipalities = {norm_key(m.name): m.pk for m in Municipality.objects.all()}
        self.subjects = {norm_key(s.name): s.pk for s in Subject.objects.all()}
        self.open_members = {
            m.person_id: m
            for m in AssetMember.objects.filter(
                person__in=list(self.people.values()), status__in=OPEN_STATUSES
            )
            .select_related("order")
            .prefetch_related("zone", "subjects")
        }

    def parse_directions(self, value):
        found, unknown = [], []
        for part in _parts(value):
            code = lookup(DIRECTIONS, part)
            (found if code else unknown).append(code or part)
        if unknown:
            raise ValidationError(
                "неизвестные направления: "
                + ", ".join(f"«{u}»" for u in unknown)
                + allowed_labels(Direction.choices)
            )
        return tuple(dict.fromkeys(found))

    def parse_zone(self, value):
        return self._names(value, self.municipalities, "муниципалитет не найден", "муниципалитеты не найдены")

    def parse_subjects(self, value):
        return self._names(value, self.subjects, "предмет не найден", "предметы не найдены")

    def _names(self, value, table, one, many):
        found, unknown = [], []
        for part in _parts(value):
            pk = lookup(table, part)
            (found if pk else unknown).append(pk or part)
        if unknown:
            raise ValidationError(
                f"{one if len(unknown) == 1 else many}: " + ", ".join(f"«{u}»" for u in unknown)
            )
        return tuple(dict.fromkeys(found))

    def check(self, c, r, row, number):
        person = self.person(c, "СНИЛС", r["snils"])
        name = text(row.get("ФИО"))
        if person is not None and name and norm_key(name) != norm_key(person.full_name):
            c.error("ФИО", f"не совпадает с реестром: по СНИЛС найден педагог {person.full_name}")
        has_number, has_date = bool(r["order_number"]), r["order_date"] is not None
        if has_number and not has_date and not c.has_error("Дата приказа"):
            c.error("Дата приказа", "укажите дату приказа (или оставьте пустым и номер — тогда это кандидат)")
        if has_date and not has_number:
            c.error("Приказ", "укажите номер приказа (или оставьте пустой и дату — тогда это кандидат)")
        if r["end"] is not None and not has_number:
            c.error("Срок по", "срок указывается только вместе с приказом о включении")
        if r["justification"] and not has_number:
            c.error("Обоснование", "обоснование указывается только вместе с приказом о включении")
        if c.errors or person is None:
            return
        r["_key"] = person.pk
        r["person"] = person
        existing = self.open_members.get(person.pk)
        if existing is not None and existing.status == MemberStatus.APPROVED:
            if existing.order and (existing.order.number, existing.order.date) == (
                r["order_number"],
                r["order_date"],
            ):
                r["_state"] = "unchanged"
            else:
                c.error("", f"{person.full_name} уже в активе (утверждён приказом {existing.order})")
            return
        if existing is not None:
            differs = self._differs(existing, r)
            if differs:
                c.error(
                    "",
                    f"{person.full_name} уже {person.by_sex('выдвинут', 'выдвинута', 'выдвинут(а)')} кандидатом "
                    f"с другими данными ({', '.join(differs)}): приведите строку в соответствие с выдвижением",
                )
                return
            if not has_number:
                r["_state"] = "unchanged"
                return
        r["_state"] = "new" if existing is None else "changed"
        r["member"] = existing
        refusal = _trial(lambda: self.apply(r))
        if refusal is not None:
            c.error("", self._refusal(refusal))

    def _differs(self, member, r):
        out = []
        if list(member.directions) != list(r["directions"]):
            out.append("направления")
        if {m.pk for m in member.zone.all()} != set(r["zone"]):
            out.append("зона")
        if {s.pk for s in member.subjects.all()} != set(r["subjects"] or ()):
            out.append("предметы")
        if member.engagement != r["engagement"]:
            out.append("форма привлечения")
        return out

    def _refusal(self, exc):
        if exc.missing:
            failed = sorted({actions.SHORT[c.code] for criteria in exc.missing.values() for c in criteria})
            return (
                f"не выполнены критерии включения ({', '.join(failed)}) — заполните «Обоснование» или уберите "
                "приказ (тогда педагог станет кандидатом)"
            )
        return str(exc)

    def apply(self, r, approve=True):
        """The row's action: nominate (unless a candidate already), then approve by the order when it has one.
        Returns the member."""
        member = r.get("member")
        if member is None:
            member = actions.nominate(
                self.actor,
                r["person"],
                directions=list(r["directions"]),
                zone=list(r["zone"]),
                engagement=r["engagement"],
                subjects=list(r["subjects"] or ()),
            )
        if approve and r["order_number"]:
            actions.approve(
                self.actor,
                [member.pk],
                order_number=r["order_number"],
                order_date=r["order_date"],
                justifications={member.pk: r["justification"]},
                end=r["end"],
            )
        return member

    def write(self, classified, progress):
        # Nominate each new row, then approve each order's list at once (one order, one call — as the page).
        lists = {}
        for r, _ in classified:
            member = self.apply(r, approve=False)
            if r["order_number"]:
                group = lists.setdefault((r["order_number"], r["order_date"], r["end"]), ({}, []))
                group[0][member.pk] = r["justification"]
                group[1].append(member.pk)
        for (number, date, end), (justifications, ids) in lists.items():
            actions.approve(
                self.actor, ids, order_number=number, order_date=date, justifications=justifications, end=end
            )
        progress(len(classified))


@register
class AssignmentImporter(SupportImporter):
    """One row per assignment of a teacher to an approved asset member, for one of the member's directions."""

    kind = "assignments"
    title = "Закрепление педагогов за методистами"
    permission = "assign_teachers"
    duplicate_header = "СНИЛС педагога"
    snils_headers = ("СНИЛС педагога", "СНИЛС методиста")
    columns = [
        Column("СНИЛС педагога", "teacher_snils", normalize_snils, required=True),
        Column("СНИЛС методиста", "member_snils", normalize_snils, required=True),
        Column(
            "Направление",
            "direction",
            choice(DIRECTIONS, "неизвестное направление «{value}»" + allowed_labels(Direction.choices)),
            required=True,
        ),
    ]
    example = ["112-233-445 95", "123-456-789 64", "Построение и сопровождение ИОМ"]
    notes = (
        "Педагог закрепляется за утверждённым членом методического актива по одному из его направлений — "
        "только в зоне методиста и в пределах лимита нагрузки. Уже действующее закрепление не меняется."
    )

    @property
    def reference_sheets(self):
        return [("Направление", [label for _, label in Direction.choices])]

    def prepare(self, rows):
        rows = list(rows)
        super().prepare(rows)
        members = AssetMember.objects.filter(person__in=list(self.people.values()), status__in=OPEN_STATUSES)
        if self.user is not None:
            members = members.visible_to(self.user)
        self.members = {m.person_id: m for m in members.select_related("person")}
        self.active = {
            (a.member_id, a.person_id): a.direction
            for a in Assignment.objects.filter(member__in=list(self.members.values()), active=True)
        }
        self.loads = {m.pk: 0 for m in self.members.values()}
        for member_id, _ in self.active:
            self.loads[member_id] += 1
        self.pending = {}  # member id → the file's rows assigning to them so far
        self.limit = load_limit()

    def check(self, c, r, row, number):
        teacher = self.person(c, "СНИЛС педагога", r["teacher_snils"])
        person = self.person(c, "СНИЛС методиста", r["member_snils"], who="методист")
        member = None
        if person is not None:
            member = self.members.get(person.pk)
            if member is None:
                c.error("СНИЛС методиста", f"{person.full_name} не входит в региональный методический актив")
        if c.errors:
            return
        r["_key"] = (member.pk, teacher.pk)
        r["person"], r["member"] = teacher, member
        stored = self.active.get((member.pk, teacher.pk))
        if stored is not None:
            if stored == r["direction"]:
                r["_state"] = "unchanged"
            else:
                label = dict(Direction.choices)[stored]
                c.error(
                    "",
                    f"{teacher.full_name} уже {teacher.by_sex('закреплён', 'закреплена', 'закреплён(а)')} "
                    f"за этим методистом по направлению «{label}»",
                )
            return
        # The trial of one row sees the stored load, not the file's rows before it: those are counted here.
        before = self.pending.get(member.pk, 0)
        load = self.loads.get(member.pk, 0) + before
        if before and load >= self.limit:
            c.error(
                "",
                f"Закреплено {load} из {self.limit} (с учётом предыдущих строк файла: {before}) — "
                "назначение превысит лимит",
            )
            return
        refusal = _trial(lambda: self.apply(r))
        if refusal is not None:
            c.error("", str(refusal))
            return
        r["_state"] = "new"
        self.pending[member.pk] = before + 1

    def apply(self, r):
        return actions.assign(self.actor, r["member"], r["person"], direction=r["direction"])

    def write(self, classified, progress):
        for r, _ in classified:
            self.apply(r)
        progress(len(classified))

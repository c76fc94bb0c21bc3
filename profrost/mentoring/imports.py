"""Mentoring pairs and groups from a spreadsheet (docs/mentoring.md §8; issue 13 point 8):
`profrost import mentorships FILE` and the import pages.

The same pipeline as every other import (core/imports.py): a preview checks every row and writes nothing; a file
with a bad row writes nothing unless the user loads only the correct rows; a row outside the user's scope rejects
the whole file. Each pair (or group) is created by `actions.create_mentorship`, the function the pages use, so its
rules — self-pairing, a mentee already in an active pair of the same form, the mentor's cap, a young specialist
as a mentor, the scope, the order's date — are the action's, in the action's words. A row is checked by running
the action and undoing it (`_trial`: a transaction rolled back). Only the file's own cumulative effect (the same
mentee, the same mentee organization or the same mentor in several rows) is counted here, since the trial of one
row does not see the others. On commit the actions run again, in the pipeline's one transaction.

Rows become pairs and groups so (the unit of the counts «новых» / «без изменений»):

* a row of a pair form is one pair (one or several mentors — SNILS separated by «,» or «;» — and one mentee);
* a row of «школа — школа» is one pair of organizations, by their INN;
* rows of the group form with the same mentor(s), the same start, end and order are one group, a mentee per row
  (or several in one cell); their competences are joined.

Re-importing: a row matching an active pair of the same form with the same mentor(s), mentee(s) or
organizations and the same start is «уже есть» (unchanged) and skipped; so is a group row whose mentee is in an
active group of the same mentor(s) and start. Someone new in such a group is an error: the import does not add
members to a stored group.

People are looked up by SNILS only among `Person.objects.visible_to(actor)` (docs/security.md, "SNILS
lookups"): an unknown SNILS and one outside the scope get the same message, and for a user narrower than the
region both reject the whole file (docs/security.md §14).
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from profrost.accounts.models import User
from profrost.core.imports import (
    OUT_OF_SCOPE,
    REQUIRED,
    Column,
    FileRejected,
    Importer,
    norm_key,
    parse_date,
    register,
    text,
)
from profrost.core.scoping import scope_of
from profrost.core.validators import format_snils, normalize_snils, validate_inn
from profrost.diagnostics.models import Competence
from profrost.mentoring import actions, permissions
from profrost.mentoring.models import (
    GROUP_FORMS,
    ORGANIZATION_FORMS,
    MemberRole,
    Mentorship,
    MentorshipForm,
    MentorshipMember,
    mentee_cap,
)
from profrost.people.models import Person
from profrost.structure.models import Organization

FORM = "Форма"
MENTORS = "СНИЛС наставника"
MENTEES = "СНИЛС наставляемого"
MENTOR_INN = "ИНН организации-наставника"
MENTEE_INN = "ИНН наставляемой организации"
COMPETENCES = "Компетенции"
START = "Начало"
END = "Окончание"
ORDER = "Приказ"
PERSON_HEADERS = (MENTORS, MENTEES)
BY_INN = ((MENTOR_INN, MENTEE_INN),)

SEPARATORS = re.compile(r"[;,]")
MAX_PEOPLE_IN_CELL = actions.MAX_MENTEES
MAX_CODES_IN_CELL = 50
SHOWN_MAX = 60  # how much of a cell a message repeats
ORDER_NUMBER_MAX = Mentorship._meta.get_field("order_number").max_length
INN_MAX = Organization._meta.get_field("inn").max_length

# Every dash and minus is one dash; «/» without spaces; ё is е (docs/mentoring.md §8).
_DASHES = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]+\s*")
_SLASH = re.compile(r"\s*/\s*")
_PARENTHESIS = re.compile(r"\s*\(.*\)\s*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# «№ 12 от 01.09.2026», «12-од от 01.09.2026 г.», «N 12 от 1.9.2026»
_ORDER = re.compile(
    r"^(?:№|n|no\.?|номер)?\s*(?P<number>\S.*?)\s+от\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{2,4})\s*(?:г\.?|года)?$",
    re.IGNORECASE,
)
# Competence codes are Cyrillic («МТ1»); the Latin letters that look the same are read as them.
_LOOKALIKES = str.maketrans("ABCEHKMOPTXYaceopxy", "АВСЕНКМОРТХУасеорху")

FORM_SYNONYMS = {
    "педагог - педагог": MentorshipForm.TEACHER_TEACHER,
    "педагог - молодой специалист": MentorshipForm.TEACHER_TEACHER,
    "руководитель - педагог": MentorshipForm.MANAGER_TEACHER,
    "компетенция": MentorshipForm.COMPETENCE,
    "педагог с компетенцией - педагог с дефицитом": MentorshipForm.COMPETENCE,
    "группа": MentorshipForm.GROUP,
    "групповое": MentorshipForm.GROUP,
    "групповая": MentorshipForm.GROUP,
    "школа - школа": MentorshipForm.SCHOOL_SCHOOL,
    "менторство управленческих команд": MentorshipForm.SCHOOL_SCHOOL,
    "работодатель - студент": MentorshipForm.EMPLOYER_STUDENT,
    "вуз - молодой педагог": MentorshipForm.UNIVERSITY_YOUNG,
    "колледж - молодой педагог": MentorshipForm.UNIVERSITY_YOUNG,
    "вуз/колледж - молодой педагог": MentorshipForm.UNIVERSITY_YOUNG,
}
SHORT_FORMS = (
    "педагог — педагог",
    "руководитель — педагог",
    "компетенция",
    "группа",
    "школа — школа",
    "работодатель — студент",
    "вуз — молодой педагог",
)
NEEDS_MANAGER = (
    "нужен пользователь, назначающий наставников (--user ЛОГИН): от его имени создаются пары; без --user — "
    "активный администратор региона"
)


def form_key(value):
    """A form's label as compared: lower case, ё → е, every dash «-» with a space each side, spaces single."""
    s = text(value).lower().replace("ё", "е")
    s = _SLASH.sub("/", _DASHES.sub(" - ", s))
    return " ".join(s.split())


def _form_table():
    table = {}
    for value, label in MentorshipForm.choices:
        table[form_key(label)] = value
        table[form_key(_PARENTHESIS.sub("", str(label)))] = value  # the label without its explanation
        table[value] = value
    for synonym, value in FORM_SYNONYMS.items():
        table[form_key(synonym)] = value
    return table


FORMS = _form_table()


def shown(value):
    """A cell as a message repeats it: control characters (NUL) left out, at most SHOWN_MAX characters."""
    s = _CONTROL.sub("", text(value))
    return s if len(s) <= SHOWN_MAX else s[: SHOWN_MAX - 1] + "…"


def _parts(value):
    return [p.strip() for p in SEPARATORS.split(text(value)) if p.strip()]


def parse_form(value):
    found = FORMS.get(form_key(value))
    if found is None:
        raise ValidationError(
            f"Неизвестная форма наставничества: «{shown(value)}» (допустимо: {', '.join(SHORT_FORMS)} "
            "или полное название формы)"
        )
    return found


def parse_snils_list(value):
    """One SNILS or several separated by «,» or «;», each by the project's validator; a tuple of 11 digits."""
    if isinstance(value, (int, float)):  # a number cell: one SNILS
        return (normalize_snils(value),)
    parts = _parts(value)
    if len(parts) > MAX_PEOPLE_IN_CELL:
        raise ValidationError(
            f"слишком много СНИЛС в одной ячейке ({len(parts)}): не больше {MAX_PEOPLE_IN_CELL}"
        )
    found, errors = [], []
    for part in parts:
        try:
            found.append(normalize_snils(part))
        except ValidationError as exc:
            errors.append(f"«{shown(part)}»: {exc.messages[0]}")
    if errors:
        raise ValidationError(errors)
    return tuple(dict.fromkeys(found))


def parse_inn(value):
    """An INN's digits. Its length and check digit are not asked here: an organization is found by its stored INN,
    and what is wrong with the INN is named only when nothing is found (see MentorshipImporter.organization)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = text(value).replace(" ", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > INN_MAX:
        raise ValidationError(f"ИНН «{shown(value)}» должен состоять из 10 или 12 цифр")
    return digits


def parse_order(value):
    """«№ 12 от 01.09.2026» or «12 от 01.09.2026» → (number, date)."""
    s = " ".join(_CONTROL.sub(" ", text(value)).split())
    m = _ORDER.fullmatch(s)
    if m is None:
        raise ValidationError(
            f"не удалось разобрать приказ «{shown(value)}»: нужен вид «№ 12 от 01.09.2026» (номер и дата)"
        )
    number = m["number"].lstrip("№ ").strip()
    if not number:
        raise ValidationError(f"в приказе «{shown(value)}» нет номера: нужен вид «№ 12 от 01.09.2026»")
    if len(number) > ORDER_NUMBER_MAX:
        raise ValidationError(f"номер приказа не длиннее {ORDER_NUMBER_MAX} символов")
    return number, parse_date(m["date"])


def parse_day(value):
    """A date cell: an Excel date or dd.mm.yyyy (the pipeline's parser); a long text is not repeated whole."""
    if isinstance(value, str) and len(value) > SHOWN_MAX:
        raise ValidationError(f"не удалось распознать дату «{shown(value)}»: нужен формат ДД.ММ.ГГГГ")
    return parse_date(value)


def competence_key(code):
    return norm_key(code).upper().translate(_LOOKALIKES).replace(" ", "")


class _Rollback(Exception):
    """Undoes a trial (see _trial)."""


def _trial(action):
    """Run `action` and undo all it wrote: None when it would pass, else the refusal's message."""
    try:
        with transaction.atomic():
            action()
            raise _Rollback
    except _Rollback:
        return None
    except actions.MentoringError as exc:
        return str(exc)
    except PermissionDenied:
        return "нет прав на назначение наставников"


def _d(day):
    return day.strftime("%d.%m.%Y")


@register
class MentorshipImporter(Importer):
    kind = "mentorships"
    title = "Наставнические пары и группы"
    permission = "manage_mentoring"
    refusal = "загрузку «{title}» выполняют координаторы организаций и муниципалитетов, администраторы региона и центр"
    duplicate_header = ""
    columns = [
        Column(FORM, "form", parse_form, required=True, aliases=("Форма наставничества",)),
        Column(
            MENTORS,
            "mentor_snils",
            parse_snils_list,
            required=True,
            instead=BY_INN,
            default=(),
            aliases=("СНИЛС наставников",),
        ),
        Column(
            MENTEES,
            "mentee_snils",
            parse_snils_list,
            required=True,
            instead=BY_INN,
            default=(),
            aliases=("СНИЛС наставляемых",),
        ),
        Column(
            MENTOR_INN,
            "mentor_inn",
            parse_inn,
            default="",
            aliases=("ИНН организации – наставника", "ИНН организации — наставника", "ИНН наставника"),
        ),
        Column(MENTEE_INN, "mentee_inn", parse_inn, default="", aliases=("ИНН наставляемого",)),
        Column(COMPETENCES, "competences", "parse_competences", default=(), aliases=("Коды компетенций",)),
        Column(START, "start", parse_day, required=True, aliases=("Дата начала",)),
        Column(END, "end", parse_day, aliases=("Дата окончания",)),
        Column(ORDER, "order", parse_order, aliases=("Приказ о назначении",)),
    ]
    example = [
        "Педагог — педагог",
        "112-233-445 95",
        "123-456-789 64",
        "",
        "",
        "МТ1, МТ3",
        "01.09.2026",
        "31.05.2027",
        "№ 12 от 01.09.2026",
    ]
    notes = (
        "Одна строка — одна пара. Форма — название из справочника или краткое: «педагог — педагог», "
        "«руководитель — педагог», «компетенция», «группа», «школа — школа», «работодатель — студент», "
        "«вуз — молодой педагог». Несколько наставников одной пары — СНИЛС через «,» или «;». Групповое "
        "наставничество: строки формы «группа» с теми же наставниками, датами и приказом — одна группа, в каждой "
        "строке свой наставляемый. «Школа — школа»: вместо СНИЛС — ИНН организации-наставника и наставляемой "
        "организации. Компетенции — коды через запятую (МТ1, МТ3). Приказ — «№ 12 от 01.09.2026». Пара, которая "
        "уже есть (та же форма, те же участники и дата начала), не создаётся повторно."
    )

    @property
    def reference_sheets(self):
        return [
            ("Форма", [label for _, label in MentorshipForm.choices]),
            (
                "Компетенции",
                [
                    f"{code} — {name}"
                    for code, name in Competence.objects.filter(is_active=True).values_list("code", "name")
                ],
            ),
        ]

    # --- the acting user and what the file names -----------------------------------------------------------------

    def map_headers(self, headers):
        index = super().map_headers(headers)
        self.actor = self._actor()
        return index

    def _actor(self):
        """Who the pairs are created (and journaled) as: the importing user; on the command line without --user,
        the first active login that appoints mentors for the whole region."""
        if self.user is not None:
            return self.user
        for user in User.objects.filter(is_active=True).order_by("pk")[:200]:
            if permissions.may_manage_mentoring(user) and scope_of(user).everything:
                return user
        raise FileRejected(NEEDS_MANAGER)

    def prepare(self, rows):
        snils, inns = set(), set()
        for row in rows:
            for header in PERSON_HEADERS:
                try:
                    snils.update(
                        parse_snils_list(row.get(header)) if row.get(header) not in (None, "") else ()
                    )
                except ValidationError:
                    pass
            for header in (MENTOR_INN, MENTEE_INN):
                try:
                    if row.get(header) not in (None, ""):
                        inns.add(parse_inn(row.get(header)))
                except ValidationError:
                    pass
        actor = self.actor
        self.cap = mentee_cap()
        self.sees_all = scope_of(actor).everything
        self.people = {p.snils: p for p in Person.objects.visible_to(actor).filter(snils__in=snils)}
        self.own_orgs = {o.inn: o for o in Organization.objects.visible_to(actor).filter(inn__in=inns)}
        self.all_orgs = {o.inn: o for o in Organization.objects.filter(inn__in=inns)}
        self.competences = {
            competence_key(code): pk
            for pk, code in Competence.objects.filter(is_active=True).values_list("pk", "code")
        }
        self._load_stored()
        # the file's own effect, row by row (see check())
        self.units = {}  # unit key → what create_mentorship gets
        self.unit_rows = {}  # unit key → {mentee id: row number}
        self.pending_mentees = {}  # (mentee id, form) → (unit key, row number)
        self.pending_orgs = {}  # (form, mentee organization id) → row number
        self.pending_load = {}  # mentor id → places of the cap the file's rows take

    def _load_stored(self):
        """The active pairs and groups of the file's people and organizations (re-import) and the mentors' load."""
        visible = Mentorship.objects.visible_to(self.actor).active()
        ids = [p.pk for p in self.people.values()]
        pairs = visible.filter(
            pk__in=MentorshipMember.objects.filter(person_id__in=ids).values("mentorship_id")
        ).prefetch_related("members")
        self.stored_pairs = set()
        self.stored_groups = {}  # (mentor ids, start) → [mentee id sets]
        for m in pairs:
            mentors = frozenset(x.person_id for x in m.members.all() if x.role == MemberRole.MENTOR)
            mentees = frozenset(x.person_id for x in m.members.all() if x.role == MemberRole.MENTEE)
            if m.form in GROUP_FORMS:
                self.stored_groups.setdefault((mentors, m.start), []).append(mentees)
            else:
                self.stored_pairs.add((m.form, mentors, mentees, m.start))
        orgs = [o.pk for o in self.own_orgs.values()]
        self.stored_org_pairs = set(
            visible.filter(form__in=ORGANIZATION_FORMS, organization_id__in=orgs).values_list(
                "form", "mentor_organization_id", "organization_id", "start"
            )
        )
        self.stored_load = actions.active_mentee_counts(ids)

    # --- cells that need what prepare() loaded -------------------------------------------------------------------

    def parse_competences(self, value):
        parts = _parts(value)
        if len(parts) > MAX_CODES_IN_CELL:
            raise ValidationError(
                f"слишком много кодов компетенций ({len(parts)}): не больше {MAX_CODES_IN_CELL}"
            )
        found, unknown = [], []
        for part in parts:
            pk = self.competences.get(competence_key(part))
            (found if pk else unknown).append(pk or shown(part))
        if unknown:
            raise ValidationError(
                ("Неизвестный код компетенции: " if len(unknown) == 1 else "Неизвестные коды компетенций: ")
                + ", ".join(f"«{u}»" for u in unknown)
            )
        return tuple(dict.fromkeys(found))

    def person(self, c, header, snils):
        """The person with this SNILS among those the actor sees, or None with the row's error — the same for an
        unknown SNILS and one outside the scope."""
        person = self.people.get(snils)
        if person is None:
            c.invalid(
                header,
                ValidationError(
                    f"СНИЛС {format_snils(snils)} не найден среди педагогов вашей области",
                    code="" if self.sees_all else OUT_OF_SCOPE,
                ),
            )
        return person

    def organization(self, c, header, inn, own):
        """The organization with this INN: the mentee organization among those in the actor's scope (an unknown
        one and one outside alike), the mentoring one among all."""
        if not inn:
            return None
        found = (self.own_orgs if own else self.all_orgs).get(inn)
        if found is not None:
            return found
        try:
            validate_inn(inn)
        except ValidationError as exc:
            c.error(header, f"ИНН {inn}: {exc.messages[0]}")
            return None
        if own:
            c.invalid(
                header,
                ValidationError(
                    f"Организация с ИНН {inn} не найдена среди организаций вашей области",
                    code="" if self.sees_all else OUT_OF_SCOPE,
                ),
            )
        else:
            c.error(header, f"Организация с ИНН {inn} не найдена")
        return None

    # --- a row ---------------------------------------------------------------------------------------------------

    def check(self, c, r, row, number):
        form = r["form"]
        if form in ORGANIZATION_FORMS:
            self._check_organization_row(c, r)
        elif form is not None and (r["mentor_inn"] or r["mentee_inn"]):
            c.error(
                "", "ИНН организаций указываются только для формы «школа — школа»: для пары укажите СНИЛС"
            )
        mentors = [self.person(c, MENTORS, s) for s in r["mentor_snils"]]
        mentees = [self.person(c, MENTEES, s) for s in r["mentee_snils"]]
        mentor_org = self.organization(c, MENTOR_INN, r["mentor_inn"], own=False)
        mentee_org = self.organization(c, MENTEE_INN, r["mentee_inn"], own=True)
        if r["start"] is not None and r["end"] is not None and r["end"] < r["start"]:
            c.error(END, f"окончание ({_d(r['end'])}) раньше начала ({_d(r['start'])})")
        if c.errors:
            return
        order_number, order_date = r["order"] or ("", None)
        mentor_ids = frozenset(p.pk for p in mentors)
        mentee_ids = frozenset(p.pk for p in mentees)
        if form in GROUP_FORMS:
            unit = (form, mentor_ids, r["start"], r["end"], order_number, order_date)
            r["_key"] = (unit, mentee_ids)
        else:
            unit = ("row", number)
            orgs = (mentor_org.pk, mentee_org.pk) if mentor_org else None
            r["_key"] = (form, mentor_ids, mentee_ids, orgs, r["start"])
        r["_unit"] = unit
        if self._stored(c, r, form, mentor_ids, mentees, mentor_org, mentee_org):
            r["_state"] = "unchanged"
            return
        if c.errors or self._file_conflicts(c, unit, form, mentors, mentees, mentee_org, number):
            return
        spec = self.units.get(unit) or {
            "form": form,
            "mentors": mentors,
            "mentees": [],
            "organization": mentee_org,
            "mentor_organization": mentor_org,
            "competences": [],
            "start": r["start"],
            "end": r["end"],
            "order_number": order_number,
            "order_date": order_date,
        }
        trial = dict(
            spec,
            mentees=spec["mentees"] + mentees,
            competences=list(dict.fromkeys(spec["competences"] + list(r["competences"]))),
        )
        refusal = _trial(lambda: actions.create_mentorship(self.actor, notify_people=False, **trial))
        if refusal is not None:
            c.error("", refusal)
            return
        r["_state"] = "new"
        self._accept(unit, trial, form, mentors, mentees, mentee_org, number)

    def _check_organization_row(self, c, r):
        # The people columns are not asked of «школа — школа»: the pipeline's «не заполнено» for them is dropped.
        c.errors = [e for e in c.errors if not (e.header in PERSON_HEADERS and e.message == REQUIRED)]
        if r["mentor_snils"] or r["mentee_snils"]:
            c.error(
                "", "в форме «школа — школа» наставник и наставляемая — организации: СНИЛС не указываются"
            )
        for header, key, what in (
            (MENTOR_INN, "mentor_inn", "организации-наставника"),
            (MENTEE_INN, "mentee_inn", "наставляемой организации"),
        ):
            if not r[key] and not c.has_error(header):
                c.error(header, f"укажите ИНН {what} (форма «школа — школа»)")

    def _stored(self, c, r, form, mentor_ids, mentees, mentor_org, mentee_org):
        """Whether the row is an active pair already («уже есть»); a new member of a stored group is an error."""
        start = r["start"]
        if form in ORGANIZATION_FORMS:
            return (form, mentor_org.pk, mentee_org.pk, start) in self.stored_org_pairs
        mentee_ids = frozenset(p.pk for p in mentees)
        if form not in GROUP_FORMS:
            return (form, mentor_ids, mentee_ids, start) in self.stored_pairs
        groups = self.stored_groups.get((mentor_ids, start))
        if not groups:
            return False
        if any(mentee_ids <= members for members in groups):
            return True
        new = [p for p in mentees if not any(p.pk in members for members in groups)]
        c.error(
            "",
            f"группа этого наставника с началом {_d(start)} уже есть, а {new[0].short_name} в ней нет: загрузка "
            "не добавляет участников в существующую группу",
        )
        return False

    def _file_conflicts(self, c, unit, form, mentors, mentees, mentee_org, number):
        """The rules across the file's rows that one row's trial cannot see; errors go to `c`."""
        for p in mentees:
            earlier = self.pending_mentees.get((p.pk, form))
            if earlier is None:
                continue
            if earlier[0] == unit:
                c.error(MENTEES, f"повторяет строку {earlier[1]}: {p.short_name} уже в этой группе")
            else:
                c.error(
                    MENTEES,
                    f"{p.short_name} уже {p.by_sex('назначен', 'назначена', 'назначен(а)')} в пару этой формы "
                    f"строкой {earlier[1]} файла",
                )
        if mentee_org is not None and (form, mentee_org.pk) in self.pending_orgs:
            c.error(
                MENTEE_INN,
                f"у организации «{mentee_org}» уже есть ментор по строке {self.pending_orgs[form, mentee_org.pk]} "
                "файла",
            )
        adds = self._adds(unit, form, mentees)
        for mentor in mentors:
            before = self.pending_load.get(mentor.pk, 0)
            have = self.stored_load.get(mentor.pk, 0) + before
            if before and adds and have + adds > self.cap:
                c.error(
                    MENTORS,
                    f"У наставника {mentor.short_name} уже {have} наставляемых из {self.cap} (с учётом "
                    f"предыдущих строк файла: {before}) — предел достигнут",
                )
        return bool(c.errors)

    def _adds(self, unit, form, mentees):
        """The places of the mentors' cap this row takes: a group counts once (docs/mentoring.md §4)."""
        if form in GROUP_FORMS:
            return 0 if unit in self.units else 1
        return len(mentees)

    def _accept(self, unit, spec, form, mentors, mentees, mentee_org, number):
        adds = self._adds(unit, form, mentees)
        for mentor in mentors:
            self.pending_load[mentor.pk] = self.pending_load.get(mentor.pk, 0) + adds
        for p in mentees:
            self.pending_mentees[p.pk, form] = (unit, number)
        if mentee_org is not None:
            self.pending_orgs[form, mentee_org.pk] = number
        self.units[unit] = spec

    # --- the file ------------------------------------------------------------------------------------------------

    def key(self, record):
        return record["_key"]

    def diff(self, records):
        """One entry per pair or group: a group's rows are one new (or unchanged) group."""
        out, seen = [], set()
        for r in records:
            unit = r["_unit"]
            if unit in seen:
                continue
            seen.add(unit)
            out.append((self.units[unit] if r["_state"] == "new" else r, r["_state"]))
        return out

    def write(self, classified, progress):
        for spec, _ in classified:
            try:
                actions.create_mentorship(self.actor, **spec)
            except actions.MentoringError as exc:
                # the data changed since the check (another pair took the mentor's last place): nothing is
                # written — the pipeline rolls the file back and shows this
                raise FileRejected(
                    f"{exc}. Данные изменились после проверки — ничего не записано, загрузите файл снова"
                ) from exc
        progress(len(classified))

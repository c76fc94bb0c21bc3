"""Staff from a spreadsheet: one row per employment; the person is found by SNILS.

A person with two jobs has two rows whose personal columns agree; the same SNILS with different
personal data, or the same SNILS + organization + position twice, is an error. The person's card is checked by
the rules of the edit form (people.models: birth date, pedagogical start, category date and expiry).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from profrost.core.imports import (
    Column,
    Importer,
    choice,
    choice_lookup,
    copy_rows,
    copy_update,
    fetch,
    lookup,
    norm_key,
    parse_bool,
    parse_date,
    register,
    text,
)
from profrost.core.validators import normalize_snils
from profrost.people.models import (
    REGISTRY_MISMATCH,
    Education,
    Employment,
    Person,
    Position,
    QualificationCategory,
    Sex,
    Subject,
    category_expiry,
    check_birth_date,
    check_category_date,
    check_pedagogical_start,
    matches_registry,
)
from profrost.structure.models import Municipality, Organization

CATEGORIES = choice_lookup(
    QualificationCategory.choices,
    {
        "": QualificationCategory.NONE,
        "нет": QualificationCategory.NONE,
        "сзд": QualificationCategory.COMPLIANCE,
    },
)
SEXES = {
    "м": Sex.MALE,
    "муж": Sex.MALE,
    "мужской": Sex.MALE,
    "ж": Sex.FEMALE,
    "жен": Sex.FEMALE,
    "женский": Sex.FEMALE,
}
EDUCATION = {
    "": ("", False),
    "высшее педагогическое": (Education.HIGHER, True),
    "высшее": (Education.HIGHER, False),
    "высшее непедагогическое": (Education.HIGHER, False),
    "среднее профессиональное": (Education.SECONDARY_VOCATIONAL, False),
    "среднее профессиональное педагогическое": (Education.SECONDARY_VOCATIONAL, False),
    "спо": (Education.SECONDARY_VOCATIONAL, False),
    "иное": (Education.OTHER, False),
    "другое": (Education.OTHER, False),
}

# The person's fields a staff file fills (the rest of a row is the job), kept as one tuple per person: compared
# with the stored person, COPied into new rows, UPDATEd in changed ones. (The edit form's fields are
# people.actions.PERSON_FORM_FIELDS.)
PERSON_IMPORT_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "sex",
    "email",
    "phone",
    "education",
    "has_higher_pedagogical",
    "pedagogical_start",
    "category",
    "category_date",
    "category_expiry",
)
_LAST_NAME, _FIRST_NAME, _BIRTH_DATE = (
    PERSON_IMPORT_FIELDS.index(f) for f in ("last_name", "first_name", "birth_date")
)


def _email(value):
    value = text(value)
    validate_email(value)
    return value


def _inn(value):
    return text(value).replace(" ", "")


def snils_of(rows):
    """The valid SNILS of a file's rows, normalized (to look their people up in one query; a bad one is the row's
    error later)."""
    found = set()
    for row in rows:
        try:
            found.add(normalize_snils(row.get("СНИЛС")))
        except ValidationError:
            pass
    return found


@register
class StaffImporter(Importer):
    kind = "staff"
    title = "Педагоги"
    permission = "edit_people"
    duplicate_header = "СНИЛС"
    columns = [
        Column("СНИЛС", "snils", normalize_snils, required=True),
        Column("Фамилия", "last_name", required=True),
        Column("Имя", "first_name", required=True),
        Column("Отчество", "middle_name"),
        Column("Дата рождения", "birth_date", parse_date, required=True),
        Column("Пол", "sex", choice(SEXES, "ожидается «М» или «Ж», указано «{value}»"), default=""),
        # An organization may be named instead of its INN, with its municipality.
        Column(
            "ИНН организации",
            "organization_inn",
            _inn,
            required=True,
            instead=("Организация",),
            missing="укажите ИНН организации или её наименование с муниципалитетом",
        ),
        Column("Организация", "organization_name"),
        Column("Муниципалитет", "municipality_name"),
        Column("Должность", "position_id", "position", required=True),
        Column("Предметы", "subjects", "subject_ids", default=frozenset()),
        Column("Основное место работы", "is_main", parse_bool, default=True),
        Column(
            "Категория",
            "category",
            choice(CATEGORIES, "неизвестная квалификационная категория «{value}»"),
            default=QualificationCategory.NONE,
        ),
        Column("Дата присвоения категории", "category_date", parse_date),
        # (education, has higher pedagogical education)
        Column(
            "Образование",
            "education",
            choice(EDUCATION, "неизвестное значение «{value}»"),
            default=("", False),
        ),
        Column("Дата начала педагогической деятельности", "pedagogical_start", parse_date),
        Column("Электронная почта", "email", _email, aliases=("Email", "E-mail", "Почта"), default=""),
        Column("Телефон", "phone"),
    ]
    example = [
        "112-233-445 95",
        "Иванова",
        "Мария",
        "Петровна",
        "14.03.1985",
        "Ж",
        "3401000010",
        "",
        "",
        "учитель",
        "математика; информатика",
        "да",
        "Первая",
        "20.12.2022",
        "высшее педагогическое",
        "01.09.2008",
        "ivanova@example.ru",
        "+7 900 000-00-00",
    ]

    @property
    def reference_sheets(self):
        return [
            ("Должность", list(Position.objects.values_list("name", flat=True))),
            ("Предметы", list(Subject.objects.values_list("name", flat=True))),
            ("Категория", [label for _, label in QualificationCategory.choices]),
            ("Образование", ["высшее педагогическое", "высшее", "среднее профессиональное", "иное"]),
            ("Пол", ["М", "Ж"]),
        ]

    def prepare(self, rows):
        self.today = datetime.date.today()
        self.positions = {norm_key(p.name): p.pk for p in Position.objects.all()}
        self.subjects = {norm_key(s.name): s.pk for s in Subject.objects.all()}
        orgs = Organization.objects.all().only("pk", "inn", "name", "short_name", "municipality_id")
        visible = (
            Organization.objects.all() if self.user is None else Organization.objects.visible_to(self.user)
        )
        self.visible_org_ids = set(visible.values_list("pk", flat=True))
        self.org_by_inn = {}
        self.org_by_name = {}
        for o in orgs:
            if o.inn:
                self.org_by_inn[o.inn] = o.pk
            self.org_by_name[(o.municipality_id, norm_key(o.name))] = o.pk
            if o.short_name:
                self.org_by_name.setdefault((o.municipality_id, norm_key(o.short_name)), o.pk)
        self.municipalities = {norm_key(m.name): m.pk for m in Municipality.objects.all()}
        # Existing people and their jobs, loaded once in chunks (no query per row).
        snils = snils_of(rows)
        # One query per table with an array parameter (a 5,000-item IN list costs Django more than the DB).
        columns = ["id", "snils", *PERSON_IMPORT_FIELDS]
        # snils → (pk, values in PERSON_IMPORT_FIELDS order): tuples, not dicts, to keep 100,000 of them small.
        self.persons = {
            row[1]: (row[0], tuple(row[2:]))
            for row in fetch(
                f"SELECT {', '.join(columns)} FROM people_person WHERE snils = ANY(%s)", sorted(snils)
            )
        }
        person_ids = [pk for pk, _ in self.persons.values()]
        # Whose personal fields this importer may write: the people it can see (the command line without
        # --user: everyone). Others are only attached to the importer's organization, and only when the
        # file names them as the registry does (docs/security.md, "SNILS lookups").
        self.owned_person_ids = (
            None
            if self.user is None
            else set(
                Person.objects.visible_to(self.user).filter(pk__in=person_ids).values_list("pk", flat=True)
            )
        )
        self.employments = {}
        # Current jobs only (Employment.active_q): a teacher who returns to a school they left gets a new job (and
        # is counted as new, like anyone the importer cannot see), not a match with the ended one.
        for pk, person_id, org_id, position_id, is_main in (
            Employment.objects.current()
            .filter(person_id__in=RawSQL("SELECT unnest(%s::bigint[])", (list(person_ids),)))
            .values_list("pk", "person_id", "organization_id", "position_id", "is_main")
            .iterator(chunk_size=10_000)
        ):
            self.employments[(person_id, org_id, position_id)] = {
                "pk": pk,
                "is_main": is_main,
                "subjects": frozenset(),
            }
        subjects_by_emp = {}
        for emp_id, subject_id in fetch(
            "SELECT s.employment_id, s.subject_id FROM people_employment_subjects s "
            "JOIN people_employment e ON e.id = s.employment_id WHERE e.person_id = ANY(%s)",
            person_ids,
        ):
            subjects_by_emp.setdefault(emp_id, set()).add(subject_id)
        for e in self.employments.values():
            e["subjects"] = frozenset(subjects_by_emp.get(e["pk"], ()))
        self.seen_persons = {}

    # --- look-ups of one cell ---

    def position(self, value):
        position_id = lookup(self.positions, value)
        if position_id is None:
            raise ValidationError(f"неизвестная должность «{text(value)}»")
        return position_id

    def subject_ids(self, value):
        ids, unknown = set(), []
        for name in text(value).split(";"):
            if name.strip():
                subject_id = lookup(self.subjects, name.strip())
                if subject_id is None:
                    unknown.append(f"неизвестный предмет «{name.strip()}»")
                else:
                    ids.add(subject_id)
        if unknown:
            raise ValidationError(unknown)
        return frozenset(ids)

    # --- the row ---

    def check(self, c, r, row, number):
        today, birth = self.today, r["birth_date"]
        # The rules of the person's card, as the edit form applies them.
        if birth is not None:
            c.field("Дата рождения", check_birth_date, birth, today)
        if not c.has_error("Дата присвоения категории"):
            c.field(
                "Дата присвоения категории", check_category_date, r["category"], r["category_date"], today
            )
        c.field(
            "Дата начала педагогической деятельности",
            check_pedagogical_start,
            r["pedagogical_start"],
            birth,
            today,
        )
        r["organization_id"] = self._organization(c, r)
        r["education"], r["has_higher_pedagogical"] = r["education"]
        r["category_expiry"] = category_expiry(r["category"], r["category_date"])
        person = r["person"] = tuple([r[f] for f in PERSON_IMPORT_FIELDS])
        snils = r["snils"]
        r["attach"] = False
        existing = self.persons.get(snils) if snils else None
        if (
            existing is not None
            and self.owned_person_ids is not None
            and existing[0] not in self.owned_person_ids
        ):
            stored = existing[1]
            named = (stored[_LAST_NAME], stored[_FIRST_NAME], stored[_BIRTH_DATE])
            if not matches_registry(named, r["last_name"], r["first_name"], birth):
                c.error("СНИЛС", REGISTRY_MISMATCH)
            else:
                r["attach"] = True
        if snils and not c.errors:
            first = self.seen_persons.get(snils)
            if first is None:
                self.seen_persons[snils] = (number, person)
            elif first[1] != person:
                c.error("СНИЛС", f"этот СНИЛС уже встречается в строке {first[0]} с другими данными")

    def finish(self, r):
        return {
            "snils": r["snils"],
            "person": r["person"],  # a tuple: 100,000 dicts cost memory
            "organization_id": r["organization_id"],
            "position_id": r["position_id"],
            "subjects": r["subjects"],
            "is_main": r["is_main"],
            "attach": r["attach"],
        }

    def _organization(self, c, r):
        inn = r["organization_inn"]
        if inn:
            org_id = self.org_by_inn.get(inn)
            if org_id is None:
                c.error("ИНН организации", f"организация с ИНН {inn} не найдена")
                return None
        else:
            name = r["organization_name"]
            if not name:
                return None  # reported as the missing «ИНН организации»
            muni_name = r["municipality_name"]
            muni_id = self.municipalities.get(norm_key(muni_name)) if muni_name else None
            if muni_name and muni_id is None:
                c.error("Муниципалитет", f"муниципалитет «{muni_name}» не найден")
                return None
            org_id = self.org_by_name.get((muni_id, norm_key(name)))
            if org_id is None:
                c.error(
                    "Организация",
                    f"организация «{name}» не найдена"
                    + (f" в муниципалитете «{muni_name}»" if muni_name else ""),
                )
                return None
        if org_id not in self.visible_org_ids:
            c.error("ИНН организации", "организация вне вашей области доступа", out_of_scope=True)
        return org_id

    def key(self, record):
        return (record["snils"], record["organization_id"], record["position_id"])

    def diff(self, records):
        out = []
        self.person_state = {}
        for r in records:
            existing = self.persons.get(r["snils"])
            if r["attach"]:
                # Someone else's person: only the job is written, and the preview tells them apart from
                # a new person by nothing (no oracle on the SNILS).
                self.person_state[r["snils"]] = "attach"
                emp = self.employments.get((existing[0], r["organization_id"], r["position_id"]))
                r["_employment"] = emp
                if emp is None:
                    state = "new"
                elif emp["is_main"] != r["is_main"] or emp["subjects"] != r["subjects"]:
                    state = "changed"
                else:
                    state = "unchanged"
            elif existing is None:
                state = "new"
                self.person_state.setdefault(r["snils"], "new")
            else:
                person_changed = existing[1] != r["person"]
                self.person_state[r["snils"]] = (
                    "changed" if person_changed else self.person_state.get(r["snils"], "same")
                )
                emp = self.employments.get((existing[0], r["organization_id"], r["position_id"]))
                emp_changed = (
                    emp is None or emp["is_main"] != r["is_main"] or emp["subjects"] != r["subjects"]
                )
                r["_employment"] = emp
                state = "changed" if (person_changed or emp_changed) else "unchanged"
            out.append((r, state))
        return out

    def write(self, classified, progress):
        """Set-based: COPY new people and jobs, UPDATE … FROM a COPY-filled table for changed ones."""
        now = timezone.now()
        new_persons, changed_persons, done = [], [], set()
        for r, _ in classified:
            snils = r["snils"]
            if snils in done:
                continue
            done.add(snils)
            state = self.person_state.get(snils)
            values = r["person"]
            if state == "new":
                new_persons.append((snils, *values, "", 1, now, now))
            elif state == "changed":
                changed_persons.append((self.persons[snils][0], *values, now))
        copy_rows(
            "people_person",
            ["snils", *PERSON_IMPORT_FIELDS, "category_order", "version", "created_at", "updated_at"],
            new_persons,
        )
        if changed_persons:
            copy_update("people_person", "id", [*PERSON_IMPORT_FIELDS, "updated_at"], changed_persons)
            ids = [row[0] for row in changed_persons]
            Person.objects.filter(pk__in=ids).update(version=F("version") + 1)
        progress(len(classified) // 2)
        pk_by_snils = {s: p[0] for s, p in self.persons.items()}
        if new_persons:
            pk_by_snils.update(
                fetch(
                    "SELECT snils, id FROM people_person WHERE snils = ANY(%s)",
                    [row[0] for row in new_persons],
                )
            )
        new_jobs, update_main, reset_subjects = [], [], []
        for r, _ in classified:
            emp = r.get("_employment")
            person_id = pk_by_snils[r["snils"]]
            if emp is None:
                new_jobs.append(
                    (person_id, r["organization_id"], r["position_id"], r["is_main"], r["subjects"])
                )
            else:
                if emp["is_main"] != r["is_main"]:
                    update_main.append((emp["pk"], r["is_main"]))
                if emp["subjects"] != r["subjects"]:
                    reset_subjects.append((emp["pk"], r["subjects"]))
        copy_rows(
            "people_employment",
            ["person_id", "organization_id", "position_id", "is_main"],
            (job[:4] for job in new_jobs),
        )
        if update_main:
            copy_update("people_employment", "id", ["is_main"], update_main)
        links = []
        if new_jobs:
            ids = {
                (person_id, org_id, position_id): pk
                for pk, person_id, org_id, position_id in fetch(
                    # The jobs just written, to link their subjects: any job not ended (not the "current job"
                    # question — a new job may start later).
                    "SELECT id, person_id, organization_id, position_id FROM people_employment "
                    'WHERE person_id = ANY(%s) AND ("end" IS NULL OR "end" >= CURRENT_DATE)',
                    sorted({job[0] for job in new_jobs}),
                )
            }
            links = [(ids[job[:3]], s) for job in new_jobs for s in sorted(job[4])]
        through = Employment.subjects.through
        if reset_subjects:
            through.objects.filter(employment_id__in=[pk for pk, _ in reset_subjects]).delete()
            links += [(pk, s) for pk, subjects in reset_subjects for s in sorted(subjects)]
        copy_rows(through._meta.db_table, ["employment_id", "subject_id"], links)
        progress(len(classified))

"""Staff from a spreadsheet: one row per employment; the person is found by SNILS.

A person with two jobs has two rows whose personal columns agree; the same SNILS with different
personal data, or the same SNILS + organization + position twice, is an error.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Q
from django.utils import timezone

from profrost.core.imports import (
    Column,
    Importer,
    RowCleaner,
    choice_lookup,
    copy_rows,
    copy_update,
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
    matches_registry,
)
from profrost.structure.models import Municipality, Organization

STAFF_HEADERS = [
    "СНИЛС",
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Пол",
    "ИНН организации",
    "Организация",
    "Муниципалитет",
    "Должность",
    "Предметы",
    "Основное место работы",
    "Категория",
    "Дата присвоения категории",
    "Образование",
    "Дата начала педагогической деятельности",
    "Email",
    "Телефон",
]

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
# Categories awarded before this date expire after five years; later awards do not expire.
EXPIRY_ABOLISHED = datetime.date(2023, 9, 1)
EXPIRING = {QualificationCategory.COMPLIANCE, QualificationCategory.FIRST, QualificationCategory.HIGHEST}

PERSON_FIELDS = (
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


def education_label(person):
    if person.education == Education.HIGHER:
        return "высшее педагогическое" if person.has_higher_pedagogical else "высшее"
    return {Education.SECONDARY_VOCATIONAL: "среднее профессиональное", Education.OTHER: "иное"}.get(
        person.education, ""
    )


def category_expiry(category, awarded):
    if category in EXPIRING and awarded and awarded < EXPIRY_ABOLISHED:
        try:
            return awarded.replace(year=awarded.year + 5)
        except ValueError:  # 29 February
            return awarded.replace(year=awarded.year + 5, day=28)
    return None


def _person_columns(p):
    return [
        p.snils_display,
        p.last_name,
        p.first_name,
        p.middle_name,
        p.birth_date,
        p.get_sex_display() if p.sex else "",
    ]


def _person_tail(p):
    return [
        p.get_category_display() if p.category != QualificationCategory.NONE else "",
        p.category_date,
        education_label(p),
        p.pedagogical_start,
        p.email,
        p.phone,
    ]


def staff_rows(queryset):
    """Rows in STAFF_HEADERS order: one per employment (a person without one: a row without a job)."""
    persons = queryset.order_by("last_name", "first_name", "middle_name", "pk")
    chunk = []
    for person in persons.iterator(2000):
        chunk.append(person)
        if len(chunk) == 2000:
            yield from _staff_chunk(chunk)
            chunk = []
    if chunk:
        yield from _staff_chunk(chunk)


def _staff_chunk(persons):
    employments = {}
    today = datetime.date.today()
    for e in (
        # Current jobs: the export is today's staff, and it reads back into the import unchanged.
        Employment.objects.filter(person__in=persons)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .select_related("organization__municipality", "position")
        .prefetch_related("subjects")
        .order_by("-is_main", "pk")
    ):
        employments.setdefault(e.person_id, []).append(e)
    for p in persons:
        jobs = employments.get(p.pk) or [None]
        for e in jobs:
            if e is None:
                job = ["", "", "", "", "", ""]
            else:
                org = e.organization
                job = [
                    org.inn,
                    org.name,
                    org.municipality.name if org.municipality else "",
                    e.position.name,
                    "; ".join(sorted(s.name for s in e.subjects.all())),
                    "да" if e.is_main else "нет",
                ]
            yield _person_columns(p) + job + _person_tail(p)


@register
class StaffImporter(Importer):
    kind = "staff"
    title = "Педагоги"
    duplicate_header = "СНИЛС"
    columns = [
        Column("СНИЛС", required=True),
        Column("Фамилия", required=True),
        Column("Имя", required=True),
        Column("Отчество"),
        Column("Дата рождения", required=True),
        Column("Пол"),
        Column("ИНН организации", required=True),
        Column("Организация"),
        Column("Муниципалитет"),
        Column("Должность", required=True),
        Column("Предметы"),
        Column("Основное место работы"),
        Column("Категория"),
        Column("Дата присвоения категории"),
        Column("Образование"),
        Column("Дата начала педагогической деятельности"),
        Column("Email"),
        Column("Телефон"),
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

    def alternative_present(self, header, index):
        # An organization may be named instead of its INN, with its municipality.
        return header == "ИНН организации" and "Организация" in index

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
        snils = set()
        for row in rows:
            try:
                snils.add(normalize_snils(row.get("СНИЛС")))
            except ValidationError:
                pass
        # One query per table with an array parameter (a 5,000-item IN list costs Django more than the DB).
        columns = ["id", "snils", *PERSON_FIELDS]
        # snils → (pk, values in PERSON_FIELDS order): tuples, not dicts, to keep 100,000 of them small.
        self.persons = {
            row[1]: (row[0], tuple(row[2:]))
            for row in _fetch(
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
        for pk, person_id, org_id, position_id, is_main in _fetch(
            # Current jobs only: a teacher who returns to a school they left gets a new job (and is counted
            # as new, like anyone the importer cannot see), not a match with the ended one.
            "SELECT id, person_id, organization_id, position_id, is_main FROM people_employment "
            'WHERE person_id = ANY(%s) AND ("end" IS NULL OR "end" >= CURRENT_DATE)',
            person_ids,
        ):
            self.employments[(person_id, org_id, position_id)] = {
                "pk": pk,
                "is_main": is_main,
                "subjects": frozenset(),
            }
        subjects_by_emp = {}
        for emp_id, subject_id in _fetch(
            "SELECT s.employment_id, s.subject_id FROM people_employment_subjects s "
            "JOIN people_employment e ON e.id = s.employment_id WHERE e.person_id = ANY(%s)",
            person_ids,
        ):
            subjects_by_emp.setdefault(emp_id, set()).add(subject_id)
        for e in self.employments.values():
            e["subjects"] = frozenset(subjects_by_emp.get(e["pk"], ()))
        self.seen_persons = {}

    def _date(self, c, header, raw, required=False):
        value = c.field(header, parse_date, raw)
        if value is None and required and not c.errors_for(header):
            c.error(header, "не заполнено обязательное поле")
        return value

    def clean(self, row, number):
        c = _Cleaner()
        snils = c.field("СНИЛС", normalize_snils, row.get("СНИЛС"))
        person = {}
        for header, key in (("Фамилия", "last_name"), ("Имя", "first_name")):
            person[key] = text(row.get(header))
            if not person[key]:
                c.error(header, "не заполнено обязательное поле")
        person["middle_name"] = text(row.get("Отчество"))
        birth = self._date(c, "Дата рождения", row.get("Дата рождения"), required=True)
        if birth:
            if birth > self.today:
                c.error("Дата рождения", "дата рождения в будущем")
            else:
                age = (
                    self.today.year
                    - birth.year
                    - ((self.today.month, self.today.day) < (birth.month, birth.day))
                )
                if age < 16:
                    c.error("Дата рождения", f"возраст {age} лет — меньше 16")
                elif age > 90:
                    c.error("Дата рождения", f"возраст {age} лет — больше 90")
        person["birth_date"] = birth
        sex_raw = text(row.get("Пол"))
        person["sex"] = SEXES.get(sex_raw.lower(), None) if sex_raw else ""
        if person["sex"] is None:
            c.error("Пол", f"ожидается «М» или «Ж», указано «{sex_raw}»")
        email = text(row.get("Email"))
        if email:
            c.field("Email", validate_email, email)
        person["email"] = email
        person["phone"] = text(row.get("Телефон"))
        edu_raw = norm_key(row.get("Образование"))
        if edu_raw in EDUCATION:
            person["education"], person["has_higher_pedagogical"] = EDUCATION[edu_raw]
        else:
            c.error("Образование", f"неизвестное значение «{text(row.get('Образование'))}»")
        cat_raw = norm_key(row.get("Категория"))
        category = CATEGORIES.get(cat_raw)
        if category is None:
            c.error("Категория", f"неизвестная квалификационная категория «{text(row.get('Категория'))}»")
        person["category"] = category or QualificationCategory.NONE
        person["category_date"] = self._date(
            c, "Дата присвоения категории", row.get("Дата присвоения категории")
        )
        if person["category_date"] and person["category_date"] > self.today:
            c.error("Дата присвоения категории", "дата в будущем")
        person["category_expiry"] = category_expiry(person["category"], person["category_date"])
        start = self._date(
            c, "Дата начала педагогической деятельности", row.get("Дата начала педагогической деятельности")
        )
        if start and start > self.today:
            c.error("Дата начала педагогической деятельности", "дата в будущем")
        elif start and birth and start.year - birth.year < 14:
            c.error("Дата начала педагогической деятельности", "раньше 14-летия педагога")
        person["pedagogical_start"] = start

        org_id = self._organization(c, row)
        pos_raw = text(row.get("Должность"))
        position_id = self.positions.get(norm_key(pos_raw))
        if not pos_raw:
            c.error("Должность", "не заполнено обязательное поле")
        elif position_id is None:
            c.error("Должность", f"неизвестная должность «{pos_raw}»")
        subject_ids = set()
        for name in text(row.get("Предметы")).split(";"):
            if name.strip():
                sid = self.subjects.get(norm_key(name))
                if sid is None:
                    c.error("Предметы", f"неизвестный предмет «{name.strip()}»")
                else:
                    subject_ids.add(sid)
        is_main = c.field("Основное место работы", parse_bool, row.get("Основное место работы") or "да")
        attach = False
        existing = self.persons.get(snils) if snils else None
        if (
            existing is not None
            and self.owned_person_ids is not None
            and existing[0] not in self.owned_person_ids
        ):
            stored = existing[1]
            named = (
                stored[PERSON_FIELDS.index("last_name")],
                stored[PERSON_FIELDS.index("first_name")],
                stored[PERSON_FIELDS.index("birth_date")],
            )
            if not matches_registry(named, person["last_name"], person["first_name"], person["birth_date"]):
                c.error("СНИЛС", REGISTRY_MISMATCH)
            else:
                attach = True
        if snils and not c.errors:
            signature = tuple(person[f] for f in PERSON_FIELDS)
            first = self.seen_persons.get(snils)
            if first is None:
                self.seen_persons[snils] = (number, signature)
            elif first[1] != signature:
                c.error("СНИЛС", f"этот СНИЛС уже встречается в строке {first[0]} с другими данными")
        c.done()
        return {
            "snils": snils,
            "person": tuple(person[f] for f in PERSON_FIELDS),  # a tuple: 100,000 dicts cost memory
            "organization_id": org_id,
            "position_id": position_id,
            "subjects": frozenset(subject_ids),
            "is_main": is_main,
            "attach": attach,
        }

    def _organization(self, c, row):
        inn = text(row.get("ИНН организации")).replace(" ", "")
        if inn:
            org_id = self.org_by_inn.get(inn)
            if org_id is None:
                c.error("ИНН организации", f"организация с ИНН {inn} не найдена")
                return None
        else:
            name = text(row.get("Организация"))
            if not name:
                c.error("ИНН организации", "укажите ИНН организации или её наименование с муниципалитетом")
                return None
            muni_name = text(row.get("Муниципалитет"))
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
            ["snils", *PERSON_FIELDS, "category_order", "version", "created_at", "updated_at"],
            new_persons,
        )
        if changed_persons:
            copy_update("people_person", "id", [*PERSON_FIELDS, "updated_at"], changed_persons)
            ids = [row[0] for row in changed_persons]
            Person.objects.filter(pk__in=ids).update(version=F("version") + 1)
        progress(len(classified) // 2)
        pk_by_snils = {s: p[0] for s, p in self.persons.items()}
        if new_persons:
            pk_by_snils.update(
                _fetch(
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
                for pk, person_id, org_id, position_id in _fetch(
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


def _fetch(sql, values):
    """One query with an array parameter: a long IN (…) list costs Django more than the database."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, [list(values)])
        return cur.fetchall()


class _Cleaner(RowCleaner):
    def errors_for(self, header):
        return [e for e in self.errors if e.header == header]

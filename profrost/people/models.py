"""Pedagogical workers and managers (Person), where they work (Employment), derived facts."""

import datetime

import pghistory
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, Func, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from profrost.core import russian
from profrost.core.scoping import scope_of
from profrost.core.validators import format_snils

YOUNG_SPECIALIST_MAX_AGE = 35
YOUNG_SPECIALIST_MAX_EXPERIENCE = 3


class Position(models.Model):
    name = models.CharField("наименование", max_length=200, unique=True)
    is_manager = models.BooleanField("управленческая должность", default=False)
    is_pedagogical = models.BooleanField("педагогическая должность", default=True)

    class Meta:
        verbose_name = "должность"
        verbose_name_plural = "должности"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Subject(models.Model):
    name = models.CharField("наименование", max_length=200, unique=True)

    class Meta:
        verbose_name = "предмет"
        verbose_name_plural = "предметы"
        ordering = ["name"]

    def __str__(self):
        return self.name


class QualificationCategory(models.TextChoices):
    NONE = "none", "Без категории"
    COMPLIANCE = "compliance", "Соответствие занимаемой должности"
    FIRST = "first", "Первая"
    HIGHEST = "highest", "Высшая"
    METHODOLOGIST = "methodologist", "Педагог-методист"
    MENTOR = "mentor", "Педагог-наставник"


class Sex(models.TextChoices):
    MALE = "m", "Мужской"
    FEMALE = "f", "Женский"


class Education(models.TextChoices):
    HIGHER = "higher", "Высшее"
    SECONDARY_VOCATIONAL = "secondary_vocational", "Среднее профессиональное"
    OTHER = "other", "Иное"


def _years_between(start_expr, day):
    """Full years from a date column to `day`, in SQL (PostgreSQL age())."""
    return Func(
        Value(day, output_field=models.DateField()),
        start_expr,
        template="EXTRACT(YEAR FROM age(%(expressions)s))::integer",
        output_field=models.IntegerField(),
    )


# "A teacher moves in" (docs/security.md, "SNILS lookups"): someone who cannot see a person may attach
# them to their own organization only by naming them as the registry does — surname, first name, birth
# date — and then only the job is added. A mismatch names no stored value.
REGISTRY_MISMATCH = (
    "СНИЛС, фамилия, имя и дата рождения не согласуются с региональным реестром — проверьте их"
)
# The one answer for "no such SNILS in your scope", whether the SNILS exists elsewhere or not.
NOT_FOUND_IN_SCOPE = "Педагог с таким СНИЛС не найден в вашей области доступа"


def _name_key(value):
    return " ".join((value or "").replace("ё", "е").replace("Ё", "Е").split()).casefold()


def matches_registry(stored, last_name, first_name, birth_date):
    """True when (surname, first name, birth date) name the stored person; case, spaces and ё/е aside."""
    stored_last, stored_first, stored_birth = stored
    return (
        _name_key(stored_last) == _name_key(last_name)
        and _name_key(stored_first) == _name_key(first_name)
        and stored_birth == birth_date
    )


def sees_sensitive(user, person_id):
    """SNILS and birth date (docs/security.md §5, "Sensitive fields"): the registry's staff —
    whoever's scope is a region, a municipality or an organization — and the person themself. A tutor, a
    mentor, an expert see names, never these. Cards, histories and every export apply this one rule."""
    scope = scope_of(user)
    return (
        bool(user.person_id and user.person_id == person_id)
        or scope.everything
        or bool(scope.region_ids or scope.municipality_ids or scope.organization_ids)
    )


def name_q(text, prefix=""):
    """People whose full name starts as typed: «Иванова» → the surname, «Иванова Ан» → and the first name, a third
    word → the patronymic (case-insensitive prefixes). `prefix` reaches the person through a relation
    ("person__"). Empty text → no condition."""
    fields = ("last_name", "first_name", "middle_name")
    q = Q()
    for field, word in zip(fields, text.split()[:3]):
        q &= Q(**{f"{prefix}{field}__istartswith": word})
    return q


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        unit = Q()
        if scope.region_ids:
            unit |= Q(organization__region_id__in=scope.region_ids)
        if scope.municipality_ids:
            unit |= Q(organization__municipality_id__in=scope.municipality_ids)
        if scope.organization_ids:
            unit |= Q(organization_id__in=scope.organization_ids)
        q = Q(pk__in=scope.person_ids)
        if unit:
            in_unit = Employment.objects.filter(unit, person=OuterRef("pk"))
            if not scope.region_ids:
                # Below the region level only current staff are visible.
                in_unit = in_unit.current()
            q |= Exists(in_unit)
        if scope.region_ids:
            # People not (yet) employed anywhere are visible to the region's staff.
            q |= ~Exists(Employment.objects.filter(person=OuterRef("pk")))
        return self.filter(q)

    def with_facts(self, on=None):
        """Annotate age, experience, is_manager and is_young_specialist as of a date, in SQL."""
        day = on or datetime.date.today()
        manager = Employment.objects.active_on(day).filter(person=OuterRef("pk"), position__is_manager=True)
        qs = self.annotate(
            age=_years_between(F("birth_date"), day),
            experience_years=Coalesce(_years_between(F("pedagogical_start"), day), Value(0)),
            is_manager=Exists(manager),
        )
        return qs.annotate(
            is_young_specialist=ExpressionWrapper(
                Q(age__lt=YOUNG_SPECIALIST_MAX_AGE)
                & Q(pedagogical_start__isnull=False)
                & Q(experience_years__lt=YOUNG_SPECIALIST_MAX_EXPERIENCE),
                output_field=models.BooleanField(),
            )
        )

    def young_specialists(self, on=None):
        return self.with_facts(on).filter(is_young_specialist=True)


def full_years(start, day):
    years = day.year - start.year
    if (day.month, day.day) < (start.month, start.day):
        years -= 1
    return years


# --- the rules of a person's card: the edit form (PersonForm) and the staff import apply these same functions ---
# Each raises ValidationError with the message for the user; `today` is given by a caller checking many rows.

MIN_AGE, MAX_AGE = 16, 90  # the age of a pedagogical worker entered into the registry
PEDAGOGICAL_START_MIN_AGE = 14
# Categories (compliance, first, highest) awarded before this date are valid for five years; later awards,
# and the other categories, do not expire.
CATEGORY_EXPIRY_ABOLISHED = datetime.date(2023, 9, 1)
CATEGORY_TERM_YEARS = 5
EXPIRING_CATEGORIES = frozenset(
    {QualificationCategory.COMPLIANCE, QualificationCategory.FIRST, QualificationCategory.HIGHEST}
)
IN_FUTURE = "дата не может быть в будущем"


def check_birth_date(birth, today=None):
    """Not in the future; a pedagogical worker is 16 to 90 years old."""
    today = today or datetime.date.today()
    if birth > today:
        raise ValidationError("дата рождения не может быть в будущем")
    age = full_years(birth, today)
    if not MIN_AGE <= age <= MAX_AGE:
        raise ValidationError(f"возраст {age} лет: допустимо от {MIN_AGE} до {MAX_AGE}")


def check_pedagogical_start(start, birth, today=None):
    """The start of pedagogical work: not in the future, not before the year of the 14th birthday."""
    if start is None:
        return
    if start > (today or datetime.date.today()):
        raise ValidationError(IN_FUTURE)
    if birth is not None and start.year - birth.year < PEDAGOGICAL_START_MIN_AGE:
        raise ValidationError(f"раньше {PEDAGOGICAL_START_MIN_AGE}-летия педагога")


def check_category_date(category, awarded, today=None):
    """A qualification category (other than none) needs the date it was awarded; the date is not in the
    future."""
    if awarded is None:
        if category and category != QualificationCategory.NONE:
            raise ValidationError("укажите дату присвоения категории")
        return
    if awarded > (today or datetime.date.today()):
        raise ValidationError(IN_FUTURE)


def category_expiry(category, awarded):
    """The date a category is valid until, or None when it does not expire (never typed in: derived)."""
    if category in EXPIRING_CATEGORIES and awarded and awarded < CATEGORY_EXPIRY_ABOLISHED:
        try:
            return awarded.replace(year=awarded.year + CATEGORY_TERM_YEARS)
        except ValueError:  # 29 February
            return awarded.replace(year=awarded.year + CATEGORY_TERM_YEARS, day=28)
    return None


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Person(models.Model):
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    middle_name = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения")
    snils = models.CharField("СНИЛС", max_length=11, unique=True)
    sex = models.CharField("пол", max_length=1, choices=Sex.choices, blank=True)
    email = models.EmailField("электронная почта", blank=True)
    phone = models.CharField("телефон", max_length=30, blank=True)
    education = models.CharField("образование", max_length=32, choices=Education.choices, blank=True)
    has_higher_pedagogical = models.BooleanField("высшее педагогическое образование", default=False)
    pedagogical_start = models.DateField("дата начала педагогической деятельности", null=True, blank=True)
    category = models.CharField(
        "квалификационная категория",
        max_length=16,
        choices=QualificationCategory.choices,
        default=QualificationCategory.NONE,
    )
    category_date = models.DateField("дата присвоения категории", null=True, blank=True)
    category_order = models.CharField("номер приказа о категории", max_length=100, blank=True)
    category_expiry = models.DateField("категория действует до", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "педагог"
        verbose_name_plural = "педагоги"
        ordering = ["last_name", "first_name", "middle_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "middle_name", "id"], name="person_name_order"),
            # The name-prefix index, UPPER(last_name) text_pattern_ops, is created by migration 0004.
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self):
        """Архипова Л. П."""
        initials = " ".join(f"{part[0]}." for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name} {initials}".strip()

    @property
    def sex_or_inferred(self):
        """The stored sex, or the one the name shows (the patronymic first); "" when neither tells."""
        return russian.infer_sex(self.last_name, self.first_name, self.middle_name, self.sex)

    def in_case(self, case, short=False):
        """The full name (or «Архиповой Л. П.» with short=True) in a grammatical case: "genitive", "dative",
        "accusative", "instrumental", "prepositional" — «Заявка на Архипову Людмилу Петровну подана»."""
        decline = russian.decline_short_name if short else russian.decline_name
        return decline(self.last_name, self.first_name, self.middle_name, case, self.sex)

    def by_sex(self, masculine, feminine, unknown=None):
        """The word agreeing with this person: person.by_sex("зачислен", "зачислена"); the sex is inferred
        from the name when not stored (core.russian.by_sex for the unknown case)."""
        return russian.by_sex(self.sex_or_inferred, masculine, feminine, unknown)

    @property
    def snils_display(self):
        return format_snils(self.snils)

    # Derived facts, the same rules as PersonQuerySet.with_facts.
    def age_on(self, day=None):
        return full_years(self.birth_date, day or datetime.date.today())

    def experience_on(self, day=None):
        if not self.pedagogical_start:
            return 0
        return max(0, full_years(self.pedagogical_start, day or datetime.date.today()))

    def is_manager_on(self, day=None):
        day = day or datetime.date.today()
        return self.employments.active_on(day).filter(position__is_manager=True).exists()

    def is_young_specialist_on(self, day=None):
        day = day or datetime.date.today()
        return (
            self.pedagogical_start is not None
            and self.age_on(day) < YOUNG_SPECIALIST_MAX_AGE
            and self.experience_on(day) < YOUNG_SPECIALIST_MAX_EXPERIENCE
        )


class EmploymentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(person__in=Person.objects.visible_to(user))

    def active_on(self, day):
        """The jobs held on `day` (see Employment.active_q)."""
        return self.filter(Employment.active_q(day))

    def current(self):
        """The jobs held today: "current staff", "works there now"."""
        return self.active_on(datetime.date.today())


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Employment(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="employments", verbose_name="педагог"
    )
    organization = models.ForeignKey(
        "structure.Organization",
        on_delete=models.PROTECT,
        related_name="employments",
        verbose_name="организация",
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="+", verbose_name="должность"
    )
    subjects = models.ManyToManyField(Subject, blank=True, related_name="+", verbose_name="предметы")
    is_main = models.BooleanField("основное место работы", default=True)
    start = models.DateField("начало работы", null=True, blank=True)
    end = models.DateField("окончание работы", null=True, blank=True)

    objects = EmploymentQuerySet.as_manager()

    class Meta:
        verbose_name = "место работы"
        verbose_name_plural = "места работы"
        ordering = ["-is_main", "organization__name"]
        indexes = [
            models.Index(fields=["organization", "person"], name="employment_org_person"),
            models.Index(fields=["person", "organization"], name="employment_person_org"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="employment_period",
            ),
        ]

    def __str__(self):
        return f"{self.position} — {self.organization}"

    @staticmethod
    def active_q(day, prefix=""):
        """The one definition of a job held on `day` ("current" when `day` is today): it has begun — no start
        date, or start ≤ day — and has not ended — no end date, or end ≥ day (both bounds inclusive).

        As a Q, for filters through a relation: `Employment.active_q(day, prefix="employments__")` on
        Person or Organization (inside one filter() call, so that both bounds apply to the same job).
        Employment.objects.active_on(day) / .current() and is_active apply the same rule."""
        return (Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": day})) & (
            Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day})
        )

    @property
    def is_active(self):
        today = datetime.date.today()
        return (self.start is None or self.start <= today) and (self.end is None or self.end >= today)

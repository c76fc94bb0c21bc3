"""Resources for growth (docs/domain.md §2): programs and their cohorts with municipal quotas, applications
and enrollments; events and participation; internships at internship sites; communities and their members.

Every resource names the competences it develops, so that a deficit can be matched to it (matching.py).
State changes live in actions.py.
"""

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from profrost.core import russian
from profrost.core.validators import generated_upload_name
from profrost.structure.models import OrganizationKind


class ProgramKind(models.TextChoices):
    PK = "pk", "повышение квалификации"
    PP = "pp", "профессиональная переподготовка"


class StudyForm(models.TextChoices):
    FULL_TIME = "full_time", "очная"
    MIXED = "mixed", "очно-заочная"
    DISTANCE = "distance", "заочная с ДОТ"


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    ACTIVE = "active", "действует"
    ARCHIVED = "archived", "в архиве"


# --- the rules of a program: the edit form (ProgramForm) and the program import apply these same functions ---

# Programs (ДПП) are taught by institutes of further education and centers, never by a school or a kindergarten.
NOT_PROVIDER_KINDS = (OrganizationKind.SCHOOL, OrganizationKind.KINDERGARTEN)


def check_provider_kind(kind):
    """Raises ValidationError (what follows the organization's name) when `kind` of organization teaches no
    programs."""
    if kind in NOT_PROVIDER_KINDS:
        raise ValidationError("школа или детский сад: программы ДПП реализуют организации ДПО и центры")


def check_registry_number(in_federal_registry, registry_number):
    """A program in the federal registry (ФР ДПП) has its number there."""
    if in_federal_registry and not (registry_number or "").strip():
        raise ValidationError("укажите номер в федеральном реестре")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Program(models.Model):
    """A further professional education program (ДПП)."""

    title = models.CharField("наименование", max_length=500)
    kind = models.CharField("вид", max_length=8, choices=ProgramKind.choices, default=ProgramKind.PK)
    hours = models.PositiveIntegerField("объём, часов", validators=[MinValueValidator(1)])
    form = models.CharField("форма обучения", max_length=16, choices=StudyForm.choices)
    provider = models.ForeignKey(
        "structure.Organization",
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name="организация",
    )
    in_federal_registry = models.BooleanField("в федеральном реестре (ФР ДПП)", default=False)
    registry_number = models.CharField("номер в реестре", max_length=50, blank=True)
    competences = models.ManyToManyField(
        "diagnostics.Competence", related_name="programs", verbose_name="развиваемые компетенции"
    )
    positions = models.ManyToManyField(
        "people.Position", blank=True, related_name="+", verbose_name="целевые должности"
    )
    subjects = models.ManyToManyField("people.Subject", blank=True, related_name="+", verbose_name="предметы")
    network_form = models.BooleanField("сетевая форма", default=False)
    cascade_model = models.BooleanField("каскадная модель", default=False)
    annotation = models.TextField("аннотация", blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "программа ДПП"
        verbose_name_plural = "программы ДПП"
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "in_federal_registry"])]

    def __str__(self):
        return self.title


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Cohort(models.Model):
    """A study group (учебная группа, поток) of a program."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="cohorts", verbose_name="программа"
    )
    start = models.DateField("начало")
    end = models.DateField("окончание")
    online = models.BooleanField("дистанционно", default=False)
    place = models.CharField("место проведения или ссылка", max_length=300, blank=True)
    capacity = models.PositiveIntegerField("мест", validators=[MinValueValidator(1)])
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "учебная группа"
        verbose_name_plural = "учебные группы"
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="cohort_dates")
        ]

    def __str__(self):
        return f"{self.program} ({self.start:%d.%m.%Y}–{self.end:%d.%m.%Y})"


class Quota(models.Model):
    """Places of a cohort given to a municipality — or, when a municipality splits its quota, to one of its
    organizations (organization set: a part of the municipality's places reserved for that school)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="quotas", verbose_name="группа")
    municipality = models.ForeignKey(
        "structure.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="муниципалитет"
    )
    organization = models.ForeignKey(
        "structure.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="организация",
    )
    places = models.PositiveIntegerField("мест")

    class Meta:
        verbose_name = "квота"
        verbose_name_plural = "квоты"
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "municipality"],
                condition=models.Q(organization__isnull=True),
                name="quota_once_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["cohort", "organization"],
                condition=models.Q(organization__isnull=False),
                name="quota_once_per_organization",
            ),
        ]

    def __str__(self):
        return f"{self.municipality_id}: {self.places}"


class ApplicationStatus(models.TextChoices):
    # A teacher's own request («хочу на этот курс»): waits in their school's queue, holds no place; the
    # school turns it into an application (submitted or waiting, actions.apply) or declines it.
    REQUESTED = "requested", "просьба педагога"
    DECLINED = "declined", "просьба отклонена ОО"
    SUBMITTED = "submitted", "подана"
    CONFIRMED = "confirmed", "подтверждена муниципалитетом"
    ENROLLED = "enrolled", "зачислен"
    WAITING = "waiting", "лист ожидания"
    REJECTED = "rejected", "отклонена"
    WITHDRAWN = "withdrawn", "отозвана"


# Applications in these states hold a place of their municipality's quota.
HOLDING_QUOTA = (ApplicationStatus.SUBMITTED, ApplicationStatus.CONFIRMED, ApplicationStatus.ENROLLED)
# These are over: the teacher may be applied for (or ask) again.
CLOSED_APPLICATION = (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Application(models.Model):
    """A school's application (заявка) for one teacher to a cohort, counted against its municipality's quota."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="applications", verbose_name="группа"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="applications", verbose_name="педагог"
    )
    organization = models.ForeignKey(
        "structure.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="организация"
    )
    municipality = models.ForeignKey(
        "structure.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="муниципалитет"
    )
    deficit = models.ForeignKey(
        "diagnostics.CompetenceResult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="дефицит",
    )
    status = models.CharField(
        "статус", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    comment = models.TextField("комментарий", blank=True)
    applied_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="подал"
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="решение",
    )
    created_at = models.DateTimeField("подана", auto_now_add=True)

    class Meta:
        verbose_name = "заявка"
        verbose_name_plural = "заявки"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "person"],
                condition=~models.Q(status__in=["rejected", "withdrawn", "declined"]),
                name="application_once_per_cohort",
            )
        ]

    def __str__(self):
        return f"{self.person} → {self.cohort}"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "зачислен"
    STUDYING = "studying", "обучается"
    COMPLETED = "completed", "завершил обучение"
    EXPELLED = "expelled", "отчислен"


# The statuses above said of a woman (templates: `{{ e.get_status_display|agree:e.person }}`).
russian.feminine_forms(
    {"зачислен": "зачислена", "завершил обучение": "завершила обучение", "отчислен": "отчислена"}
)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Enrollment(models.Model):
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="enrollments", verbose_name="группа"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="enrollments", verbose_name="слушатель"
    )
    application = models.OneToOneField(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrollment"
    )
    status = models.CharField(
        "статус", max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    attestation_passed = models.BooleanField("итоговая аттестация пройдена", null=True, blank=True)
    certificate_number = models.CharField("номер удостоверения", max_length=100, blank=True)
    certificate_date = models.DateField("дата выдачи удостоверения", null=True, blank=True)
    hours_attended = models.PositiveIntegerField("посещено часов", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "зачисление"
        verbose_name_plural = "зачисления"
        constraints = [models.UniqueConstraint(fields=["cohort", "person"], name="enrollment_once")]

    def __str__(self):
        return f"{self.person} — {self.cohort}"


class EventKind(models.TextChoices):
    SEMINAR = "seminar", "семинар"
    WEBINAR = "webinar", "вебинар"
    MASTER_CLASS = "master_class", "мастер-класс"
    CONFERENCE = "conference", "конференция"
    FORUM = "forum", "форум"
    CONTEST = "contest", "конкурс профессионального мастерства"
    READINGS = "readings", "педагогические чтения"
    OPEN_LESSON = "open_lesson", "открытый урок"


class Level(models.TextChoices):
    REGIONAL = "regional", "региональный"
    MUNICIPAL = "municipal", "муниципальный"
    INSTITUTIONAL = "institutional", "институциональный"


class EventFormat(models.TextChoices):
    IN_PERSON = "in_person", "очно"
    ONLINE = "online", "дистанционно"
    HYBRID = "hybrid", "смешанный"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Event(models.Model):
    title = models.CharField("наименование", max_length=500)
    kind = models.CharField("вид", max_length=16, choices=EventKind.choices)
    level = models.CharField("уровень", max_length=16, choices=Level.choices)
    organizer = models.ForeignKey(
        "structure.Organization",
        on_delete=models.PROTECT,
        related_name="organized_events",
        verbose_name="организатор",
    )
    start = models.DateField("начало")
    end = models.DateField("окончание")
    format = models.CharField(
        "формат", max_length=16, choices=EventFormat.choices, default=EventFormat.IN_PERSON
    )
    place = models.CharField("место или ссылка", max_length=500, blank=True)
    competences = models.ManyToManyField(
        "diagnostics.Competence", blank=True, related_name="resource_events", verbose_name="компетенции"
    )
    capacity = models.PositiveIntegerField("мест", null=True, blank=True, help_text="пусто — без ограничения")
    in_annual_plan = models.BooleanField("в годовом плане", default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["start", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="event_dates")
        ]

    def __str__(self):
        return self.title


class ParticipationRole(models.TextChoices):
    PARTICIPANT = "participant", "участник"
    SPEAKER = "speaker", "выступающий"
    WINNER = "winner", "победитель"
    PRIZE_WINNER = "prize_winner", "призёр"


class Participation(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="participations", verbose_name="мероприятие"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="participations", verbose_name="педагог"
    )
    role = models.CharField("роль", max_length=16, choices=ParticipationRole.choices, default="participant")
    topic = models.CharField("тема выступления", max_length=500, blank=True)
    attended = models.BooleanField("присутствовал", null=True, blank=True)
    registered_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="зарегистрировал",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "участие в мероприятии"
        verbose_name_plural = "участие в мероприятиях"
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="participation_once")]

    def __str__(self):
        return f"{self.person} — {self.event}"


class Internship(models.Model):
    """An internship (стажировка) at an internship site."""

    title = models.CharField("программа стажировки", max_length=500)
    site = models.ForeignKey(
        "structure.Organization",
        on_delete=models.PROTECT,
        related_name="internships",
        verbose_name="площадка",
    )
    mentors = models.ManyToManyField(
        "people.Person", blank=True, related_name="internships_mentored", verbose_name="наставники площадки"
    )
    competences = models.ManyToManyField(
        "diagnostics.Competence", blank=True, related_name="internships", verbose_name="компетенции"
    )
    hours = models.PositiveIntegerField("объём, часов", null=True, blank=True)
    start = models.DateField("начало")
    end = models.DateField("окончание")
    capacity = models.PositiveIntegerField("мест", validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = "стажировка"
        verbose_name_plural = "стажировки"
        ordering = ["start", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="internship_dates")
        ]

    def __str__(self):
        return self.title


class InternshipParticipant(models.Model):
    internship = models.ForeignKey(
        Internship, on_delete=models.CASCADE, related_name="participants", verbose_name="стажировка"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="internships", verbose_name="стажёр"
    )
    completed = models.BooleanField("завершил", default=False)

    class Meta:
        verbose_name = "стажёр"
        verbose_name_plural = "стажёры"
        constraints = [models.UniqueConstraint(fields=["internship", "person"], name="internship_once")]

    def __str__(self):
        return f"{self.person} — {self.internship}"


def site_report_path(instance, filename):
    return generated_upload_name("site-reports", filename)


class SiteReport(models.Model):
    """An internship site's monthly report to the center."""

    site = models.ForeignKey(
        "structure.Organization",
        on_delete=models.CASCADE,
        related_name="site_reports",
        verbose_name="площадка",
    )
    month = models.DateField("месяц (первое число)")
    text = models.TextField("отчёт")
    file = models.FileField("файл", upload_to=site_report_path, blank=True)
    file_name = models.CharField("имя файла", max_length=255, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "отчёт площадки"
        verbose_name_plural = "отчёты площадок"
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["site", "month"], name="site_report_once_a_month")]

    def __str__(self):
        return f"{self.site} — {self.month:%m.%Y}"


class CommunityKind(models.TextChoices):
    COMMUNITY = "community", "профессиональное сообщество"
    ASSOCIATION = "association", "методическое объединение"
    RUMO = "rumo", "секция РУМО"
    CLUB = "club", "клуб"


class Community(models.Model):
    name = models.CharField("наименование", max_length=500)
    kind = models.CharField("вид", max_length=16, choices=CommunityKind.choices)
    level = models.CharField("уровень", max_length=16, choices=Level.choices)
    municipality = models.ForeignKey(
        "structure.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="муниципалитет",
    )
    organization = models.ForeignKey(
        "structure.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="организация",
    )
    subject = models.ForeignKey(
        "people.Subject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="предмет",
    )
    theme = models.CharField("тема", max_length=500, blank=True)
    competences = models.ManyToManyField(
        "diagnostics.Competence", blank=True, related_name="communities", verbose_name="компетенции"
    )

    class Meta:
        verbose_name = "сообщество"
        verbose_name_plural = "сообщества"
        ordering = ["name"]

    def __str__(self):
        return self.name


class MemberStatus(models.TextChoices):
    LEADER = "leader", "руководитель"
    MEMBER = "member", "член"
    EXPERT = "expert", "эксперт"


class Membership(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="members", verbose_name="сообщество"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="memberships", verbose_name="педагог"
    )
    status = models.CharField(
        "статус", max_length=16, choices=MemberStatus.choices, default=MemberStatus.MEMBER
    )
    since = models.DateField("с", null=True, blank=True)

    class Meta:
        verbose_name = "участник сообщества"
        verbose_name_plural = "участники сообществ"
        constraints = [models.UniqueConstraint(fields=["community", "person"], name="membership_once")]

    def __str__(self):
        return f"{self.person} — {self.community}"


class Meeting(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="meetings", verbose_name="сообщество"
    )
    date = models.DateField("дата")
    topic = models.CharField("тема", max_length=500)

    class Meta:
        verbose_name = "заседание"
        verbose_name_plural = "заседания"
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%d.%m.%Y} {self.topic}"

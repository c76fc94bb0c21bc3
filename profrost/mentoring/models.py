"""Mentoring (наставничество) — the target model of mentoring in organizations (docs/mentoring.md; seeds
000_… 3.5.3; 001_… 3.3.3; 003_… 3.4.3 and Приложение 1; 004_… 1.1.5, 1.3, 1.2.4 rows 4, 6, 7, 3.2, 3.7;
002_… the IOM template's section 3).

- `MentoringProgram` — an organization's (or a municipality's) mentoring program: period, curator, forms, the
  local act. An organization *implements the mentoring model* on a period when it has an approved program
  overlapping the period with at least one pair active in it (docs/mentoring.md §1).
- `Mentorship` — a pair or a group of one form: mentors and mentees (`MentorshipMember`) or, for school–school
  mentoring, a mentoring and a mentee organization; competences, directions, period, status, the appointing
  order. Its tasks (`PlanTask`) are the personal mentoring plan (персональная программа наставничества, the
  glossary's MentoringPlan): the plan's goal is on the mentorship, the tasks in their own table.
- `MentorshipRouteItem` — which route item (section 3 of the IOM) a mentorship keeps up to date, for whom.

The counts the monitoring needs (004_… rows 4, 6, 7; 000_… 5.3-2) are in mentoring/counts.py.
"""

import datetime

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q

from profrost.core.scoping import scope_of
from profrost.core.validators import generated_upload_name
from profrost.people.units import unit_job
from profrost.structure.models import Organization


class MentorshipForm(models.TextChoices):
    """The forms of mentoring the seeds name (DOMAIN §4; 004_… 3.7; 003_… Приложение 1), in that order."""

    TEACHER_TEACHER = "teacher_teacher", "Педагог — педагог (молодой специалист, новый сотрудник)"
    MANAGER_TEACHER = "manager_teacher", "Руководитель — педагог"
    COMPETENCE = "competence", "Педагог с компетенцией — педагог с дефицитом"
    GROUP = "group", "Групповое наставничество"
    SCHOOL_SCHOOL = "school_school", "Школа — школа (менторство управленческих команд)"
    EMPLOYER_STUDENT = "employer_student", "Работодатель — студент"
    UNIVERSITY_YOUNG = "university_young", "Педагог вуза/колледжа — молодой педагог"


# The forms between organizations (no mentee person) and the forms with several mentees.
ORGANIZATION_FORMS = frozenset({MentorshipForm.SCHOOL_SCHOOL})
GROUP_FORMS = frozenset({MentorshipForm.GROUP})


def form_labels(codes):
    labels = dict(MentorshipForm.choices)
    return [labels.get(code, code) for code in codes]


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", "Проект"
    APPROVED = "approved", "Утверждена"
    CLOSED = "closed", "Завершена"


class MentoringProgramQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        q = Q(organization__in=Organization.objects.visible_to(user)) | Q(
            municipality_id__in=scope.municipality_ids
        )
        if user.person_id:
            q |= Q(curator_id=user.person_id)
        if scope.region_ids:
            q |= Q(organization__region_id__in=scope.region_ids) | Q(
                municipality__region_id__in=scope.region_ids
            )
        return self.filter(q)

    def approved(self):
        return self.filter(status__in=(ProgramStatus.APPROVED, ProgramStatus.CLOSED))

    def overlapping(self, start, end):
        return self.filter(start__lte=end, end__gte=start)


def act_path(instance, filename):
    return generated_upload_name("mentoring-acts", filename)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class MentoringProgram(models.Model):
    """Целевая модель наставничества of one organization (or of a municipality: its methodological service's
    program for the municipality's organizations)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentoring_programs",
        verbose_name="организация",
    )
    municipality = models.ForeignKey(
        "structure.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentoring_programs",
        verbose_name="муниципальное образование",
    )
    title = models.CharField("наименование", max_length=300)
    start = models.DateField("начало")
    end = models.DateField("окончание")
    curator = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="curated_mentoring_programs",
        verbose_name="куратор",
    )
    forms = ArrayField(models.CharField(max_length=32, choices=MentorshipForm.choices), verbose_name="формы")
    act_number = models.CharField("номер локального акта", max_length=100, blank=True)
    act_date = models.DateField("дата локального акта", null=True, blank=True)
    act_file = models.FileField("файл локального акта", upload_to=act_path, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentoringProgramQuerySet.as_manager()

    class Meta:
        verbose_name = "программа наставничества"
        verbose_name_plural = "программы наставничества"
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="mentoring_program_period"),
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(municipality__isnull=False),
                name="mentoring_program_owner",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def form_labels(self):
        return form_labels(self.forms)

    @property
    def owner(self):
        return self.organization or self.municipality


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", "Активна"
    DONE = "done", "Завершена успешно"
    ENDED_EARLY = "ended_early", "Завершена досрочно"


class MentorshipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The pairs a user sees: those of organizations in their scope (the appointing organization or, for
        school–school mentoring, either organization), of their municipality's programs, those they are a
        member of, and those of the programs they curate (docs/mentoring.md §6)."""
        scope = scope_of(user)
        if scope.everything:
            return self
        orgs = Organization.objects.visible_to(user)
        q = (
            Q(organization__in=orgs)
            | Q(mentor_organization__in=orgs)
            | Q(program__municipality_id__in=scope.municipality_ids)
        )
        if scope.region_ids:
            q |= Q(organization__region_id__in=scope.region_ids)
        if user.person_id:
            q |= Q(
                Exists(MentorshipMember.objects.filter(mentorship=OuterRef("pk"), person_id=user.person_id))
            )
            q |= Q(program__curator_id=user.person_id)
        return self.filter(q)

    def active(self):
        return self.filter(status=MentorshipStatus.ACTIVE)

    def active_during(self, start, end):
        """Pairs working at some time in [start, end]: begun by `end`, not ended before `start` (a pair closed
        on a day worked that day: `closed_on` ≥ start)."""
        return self.filter(start__lte=end).filter(
            Q(status=MentorshipStatus.ACTIVE, end__gte=start)
            | Q(status=MentorshipStatus.ACTIVE, end__isnull=True)
            | Q(~Q(status=MentorshipStatus.ACTIVE), closed_on__gte=start)
        )

    def of_mentor(self, person_id):
        return self.filter(members__person_id=person_id, members__role=MemberRole.MENTOR)

    def of_mentee(self, person_id):
        return self.filter(members__person_id=person_id, members__role=MemberRole.MENTEE)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Mentorship(models.Model):
    """A mentoring pair or group (or two organizations' management teams, school–school)."""

    form = models.CharField("форма", max_length=32, choices=MentorshipForm.choices)
    program = models.ForeignKey(
        MentoringProgram,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorships",
        verbose_name="программа наставничества",
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="mentorships",
        verbose_name="организация (назначила; наставляемая — для «школа — школа»)",
    )
    mentor_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorships_given",
        verbose_name="организация-наставник",
    )
    competences = models.ManyToManyField(
        "diagnostics.Competence", blank=True, related_name="+", verbose_name="компетенции"
    )
    directions = models.CharField("направления работы", max_length=500, blank=True)
    start = models.DateField("начало")
    end = models.DateField("окончание", null=True, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    end_reason = models.CharField("причина досрочного завершения", max_length=500, blank=True)
    closed_on = models.DateField("дата завершения", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order_number = models.CharField("номер приказа о назначении", max_length=100, blank=True)
    order_date = models.DateField("дата приказа о назначении", null=True, blank=True)
    # the personal mentoring plan: its goal; the mentor's final assessment, the mentee's reflection
    goal = models.TextField("цель персональной программы", blank=True)
    final_assessment = models.TextField("итоговая оценка наставника", blank=True)
    reflection = models.TextField("рефлексия наставляемого", blank=True)
    reason = models.CharField("основание (из предложения)", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        verbose_name = "наставническая пара (группа)"
        verbose_name_plural = "наставнические пары и группы"
        ordering = ["-start", "pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="mentorship_org_status"),
            models.Index(fields=["status", "form"], name="mentorship_status_form"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="mentorship_period"
            ),
            models.CheckConstraint(
                condition=~Q(status=MentorshipStatus.ENDED_EARLY) | ~Q(end_reason=""),
                name="mentorship_early_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_form_display()} с {self.start:%d.%m.%Y}"

    @property
    def is_active(self):
        return self.status == MentorshipStatus.ACTIVE

    @property
    def is_between_organizations(self):
        return self.form in ORGANIZATION_FORMS


class MemberRole(models.TextChoices):
    MENTOR = "mentor", "Наставник"
    MENTEE = "mentee", "Наставляемый"


class MentorshipMember(models.Model):
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="members", verbose_name="пара (группа)"
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="mentorship_memberships",
        verbose_name="педагог",
    )
    role = models.CharField("роль", max_length=8, choices=MemberRole.choices)

    class Meta:
        verbose_name = "участник наставничества"
        verbose_name_plural = "участники наставничества"
        ordering = ["role", "pk"]
        constraints = [
            # one person, one role in a pair: a mentor cannot be their own mentee
            models.UniqueConstraint(fields=["mentorship", "person"], name="mentorship_member_once"),
        ]
        indexes = [models.Index(fields=["person", "role"], name="mentorship_member_person")]

    def __str__(self):
        return f"{self.get_role_display()}: {self.person}"


class TaskMark(models.TextChoices):
    PLANNED = "planned", "Не начато"
    IN_PROGRESS = "in_progress", "В работе"
    DONE = "done", "Выполнено"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PlanTask(models.Model):
    """A task of the personal mentoring plan. Both sides mark it: the mentee reports, the mentor confirms; the
    task is done when the mentor marks it done. Overdue: past its date and not done (docs/mentoring.md §5)."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="tasks", verbose_name="пара"
    )
    title = models.CharField("задача", max_length=500)
    competence = models.ForeignKey(
        "diagnostics.Competence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="компетенция",
    )
    start = models.DateField("начало", null=True, blank=True)
    due = models.DateField("срок")
    expected_result = models.CharField("ожидаемый результат", max_length=500, blank=True)
    mentee_mark = models.CharField(
        "отметка наставляемого", max_length=16, choices=TaskMark.choices, default=TaskMark.PLANNED
    )
    mentee_comment = models.TextField("комментарий наставляемого", blank=True)
    mentor_mark = models.CharField(
        "отметка наставника", max_length=16, choices=TaskMark.choices, default=TaskMark.PLANNED
    )
    mentor_comment = models.TextField("комментарий наставника", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "задача плана наставничества"
        verbose_name_plural = "задачи плана наставничества"
        ordering = ["due", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(due__gte=models.F("start")), name="plan_task_dates"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self):
        return self.mentor_mark == TaskMark.DONE

    def is_overdue(self, today=None):
        return not self.is_done and self.due < (today or datetime.date.today())


class MentorshipRouteItem(models.Model):
    """The section-3 route item a mentorship keeps (docs/mentoring.md §7): «Работа с наставником» on the
    mentee's route, «Работа в качестве наставника» on the mentor's."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="route_items", verbose_name="пара"
    )
    item = models.OneToOneField(
        "routes.RouteItem",
        on_delete=models.CASCADE,
        related_name="mentorship_link",
        verbose_name="пункт маршрута",
    )
    role = models.CharField("роль", max_length=8, choices=MemberRole.choices)

    class Meta:
        verbose_name = "пункт маршрута по наставничеству"
        verbose_name_plural = "пункты маршрутов по наставничеству"

    def __str__(self):
        return f"{self.get_role_display()}: {self.item}"


def mentee_cap():
    """The most active mentees a mentor may have (docs/mentoring.md §4; setting MENTORING_MENTEE_CAP)."""
    return getattr(settings, "MENTORING_MENTEE_CAP", 3)


def current_employment(person_id, day=None):
    """The person's job that places them on the day — the one rule of people.units (main job active on the day,
    the first by start when none is main), or None."""
    return unit_job(person_id, day)

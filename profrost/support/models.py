"""The regional methodological asset (региональный методический актив) and the teachers assigned to its members
(docs/support.md; seeds 000_… 1.3, 3.2.4, 5.3; 004_… 1.2.4 rows 10–11, 3.6; 002_… «Требования к региональным
методистам»).

An `AssetMember` is one person's membership of the register: nominated by an organization or a municipal
service, approved by the center's order (`Order`), excluded the same way with a reason. An `Assignment` attaches a
teacher to an approved member for one of the member's directions, within the member's zone and load limit.

The counts the monitoring needs (004_… row 10: teachers per asset member) are queryset methods here, computed in
the database.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q

from profrost.core.scoping import scope_of
from profrost.people.models import Employment, Person
from profrost.structure.models import Organization
from profrost.support import permissions

TENTH = Decimal("0.1")


class Direction(models.TextChoices):
    """The asset's eight directions of work (000_… 3.2.4), in the seed's order."""

    POST_COURSE = "post_course", "Посткурсовое сопровождение программ ДПО"
    CASCADE = "cascade", "Каскадное повышение квалификации (практическая часть)"
    TUTORING = "tutoring", "Тьюторское сопровождение программ ДПО из Федерального реестра"
    DEFICITS = "deficits", "Выявление профессиональных дефицитов"
    ROUTES = "routes", "Построение и сопровождение ИОМ"
    PEER_LEARNING = "peer_learning", "Взаимодействие, взаимопомощь и взаимообучение"
    LOW_RESULTS = "low_results", "Методическая помощь педагогам ШНОР"
    CONSULTING = "consulting", "Консультативная помощь и поддержка"


class Engagement(models.TextChoices):
    """How the member works with the center (000_… 1.3 «Региональный методист», 3.2.4)."""

    STAFF = "staff", "Штатный сотрудник ЦНППМ"
    CONTRACT = "contract", "Договор гражданско-правового характера"
    OTHER = "other", "Иная форма сотрудничества"


class MemberStatus(models.TextChoices):
    NOMINATED = "nominated", "Кандидат"
    APPROVED = "approved", "Утверждён"
    EXCLUDED = "excluded", "Исключён"


# A person has at most one open membership (a candidacy or a membership); after an exclusion they may be
# nominated again, as a new row — the old one stays as the history of the register.
OPEN_STATUSES = (MemberStatus.NOMINATED, MemberStatus.APPROVED)


class Ground(models.TextChoices):
    """Further grounds for inclusion the seeds name (000_… 3.2.4; 002_… «Требования к региональным методистам»),
    recorded with a nomination; they are the basis of an exception when a criterion is not met."""

    ASSOCIATION_LEADER = "association_leader", "Руководитель методического объединения, совета"
    EXAM_EXPERT = "exam_expert", "Ведущий или старший эксперт предметной комиссии ЕГЭ/ОГЭ"
    TUTOR = "tutor", "Тьютор"
    MENTOR = "mentor", "Наставник"
    COMMUNITY_LEADER = "community_leader", "Лидер профессионального педагогического сообщества"
    PUPILS_RESULTS = "pupils_results", "Обучающиеся демонстрируют стабильно высокие результаты"


def direction_labels(codes):
    labels = dict(Direction.choices)
    return [labels.get(code, code) for code in codes]


def ground_labels(codes):
    labels = dict(Ground.choices)
    return [labels.get(code, code) for code in codes]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Order(models.Model):
    """An order (приказ) of the center approving or excluding members; one order covers a whole list."""

    number = models.CharField("номер приказа", max_length=100)
    date = models.DateField("дата приказа")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "приказ по методическому активу"
        verbose_name_plural = "приказы по методическому активу"
        ordering = ["-date", "number"]
        constraints = [models.UniqueConstraint(fields=["number", "date"], name="support_order_unique")]

    def __str__(self):
        return f"№ {self.number} от {self.date:%d.%m.%Y}"


class AssetMemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The register as a user may see it: the center everything; a coordinator the candidates and members
        among their own people and the members serving their municipalities; everyone their own row (and, a
        member, the rows of the teachers assigned to them, who are in their scope)."""
        scope = scope_of(user)
        if scope.everything:
            return self
        q = Q(person__in=Person.objects.visible_to(user).values("pk"))
        if scope.municipality_ids:
            serving = AssetMember.zone.through.objects.filter(
                assetmember_id=OuterRef("pk"), municipality_id__in=scope.municipality_ids
            )
            q |= Exists(serving)
        return self.filter(q)

    def approved(self):
        return self.filter(status=MemberStatus.APPROVED)

    def serving(self, municipality_id):
        """Members whose zone includes the municipality."""
        return self.filter(
            Exists(
                AssetMember.zone.through.objects.filter(
                    assetmember_id=OuterRef("pk"), municipality_id=municipality_id
                )
            )
        )

    def in_asset_during(self, start, end):
        """Members of the asset (approved, or excluded since) at some day of [start, end]: their membership
        began (the order's date) by the end and had not ended (excluded or its term over) before the start."""
        return self.filter(
            status__in=(MemberStatus.APPROVED, MemberStatus.EXCLUDED),
            start__isnull=False,
            start__lte=end,
        ).filter(Q(end__isnull=True) | Q(end__gte=start))

    def with_load(self):
        """`load`: the teachers assigned now (active assignments) — what the limit applies to."""
        return self.annotate(load=Count("assignments", filter=Q(assignments__active=True), distinct=True))

    def with_teacher_counts(self, start, end):
        """`teachers`: distinct teachers assigned to each member at some day of [start, end] (004_… row 10)."""
        during = Q(assignments__since__lte=end) & (
            Q(assignments__until__isnull=True) | Q(assignments__until__gte=start)
        )
        return self.annotate(teachers=Count("assignments__person", filter=during, distinct=True))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class AssetMember(models.Model):
    """One person in the regional register of the methodological asset: a candidate, a member or a former one."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="asset_memberships", verbose_name="педагог"
    )
    directions = ArrayField(
        models.CharField(max_length=32, choices=Direction.choices),
        verbose_name="направления",
        default=list,
    )
    subjects = models.ManyToManyField(
        "people.Subject", blank=True, related_name="+", verbose_name="предметные области"
    )
    zone = models.ManyToManyField(
        "structure.Municipality", related_name="+", verbose_name="зона (обслуживаемые муниципалитеты)"
    )
    engagement = models.CharField(
        "форма привлечения", max_length=16, choices=Engagement.choices, default=Engagement.CONTRACT
    )
    start = models.DateField("в активе с", null=True, blank=True)
    end = models.DateField("в активе по", null=True, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=MemberStatus.choices, default=MemberStatus.NOMINATED
    )
    # Nomination (004_… 3.6: the organization and the municipal service form the lists of candidates).
    nominated_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кем выдвинут",
    )
    nominated_at = models.DateTimeField("выдвинут", auto_now_add=True)
    nomination_note = models.TextField("представление (чем кандидат подходит)", blank=True)
    grounds = ArrayField(
        models.CharField(max_length=32, choices=Ground.choices),
        verbose_name="дополнительные основания",
        default=list,
        blank=True,
    )
    grounds_note = models.TextField("подтверждение оснований", blank=True)
    assessment_campaign = models.ForeignKey(
        "diagnostics.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="оценка методических компетенций",
    )
    training_program = models.ForeignKey(
        "resources.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="программа обучения методистов",
    )
    # Approval (004_… 3.6: «Утверждение списков педагогов методического актива приказом»).
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="included",
        verbose_name="приказ о включении",
    )
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    justification = models.TextField("обоснование включения при невыполненных критериях", blank=True)
    unmet_at_approval = models.JSONField("невыполненные критерии при утверждении", default=list, blank=True)
    # Exclusion.
    exclusion_order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="excluded",
        verbose_name="приказ об исключении",
    )
    exclusion_reason = models.TextField("причина исключения", blank=True)
    excluded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AssetMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "член методического актива"
        verbose_name_plural = "региональный реестр методического актива"
        ordering = ["person__last_name", "person__first_name", "person__middle_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["nominated", "approved"]),
                name="support_one_open_membership",
            ),
            models.CheckConstraint(
                name="support_approved_has_order",
                condition=~Q(status="approved") | Q(order__isnull=False, start__isnull=False),
            ),
            models.CheckConstraint(
                name="support_excluded_has_reason",
                condition=~Q(status="excluded") | ~Q(exclusion_reason=""),
            ),
            models.CheckConstraint(
                name="support_member_period",
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
            ),
        ]
        indexes = [models.Index(fields=["status"], name="support_member_status")]

    def __str__(self):
        return f"{self.person} — {self.get_status_display().lower()}"

    @property
    def direction_labels(self):
        return direction_labels(self.directions)

    @property
    def ground_labels(self):
        return ground_labels(self.grounds)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def load(self):
        """The teachers assigned now."""
        return self.assignments.filter(active=True).count()


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An assignment follows its teacher's visibility, as every record of a person does (an asset member's
        assigned teachers are in their scope): a list of assignments never names someone outside the scope."""
        if scope_of(user).everything:
            return self
        return self.filter(person__in=Person.objects.visible_to(user).values("pk"))

    def active(self):
        return self.filter(active=True)

    def during(self, start, end):
        """Assignments in force at some day of [start, end] (both inclusive)."""
        return self.filter(since__lte=end).filter(Q(until__isnull=True) | Q(until__gte=start))

    def per_municipality(self, start, end):
        """[{municipality, teachers, members}] over [start, end]: distinct teachers assigned in each municipality
        and the distinct members they are assigned to there."""
        return (
            self.during(start, end)
            .values("municipality")
            .annotate(
                teachers=Count("person", distinct=True),
                members=Count("member", distinct=True),
            )
            .order_by("municipality")
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Assignment(models.Model):
    """A teacher assigned to an asset member (закрепление педагога за методистом) for one direction of work,
    in one municipality of the member's zone — where the teacher works."""

    member = models.ForeignKey(
        AssetMember, on_delete=models.CASCADE, related_name="assignments", verbose_name="методист"
    )
    # The teacher assigned (the member's own person is `member.person`).
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="support_assignments", verbose_name="педагог"
    )
    direction = models.CharField("направление", max_length=32, choices=Direction.choices)
    municipality = models.ForeignKey(
        "structure.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="муниципалитет"
    )
    since = models.DateField("закреплён с")
    until = models.DateField("закреплён по", null=True, blank=True)
    active = models.BooleanField("действует", default=True)
    assigned_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "закрепление педагога за методистом"
        verbose_name_plural = "закрепления педагогов за методистами"
        ordering = ["person__last_name", "person__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "person"], condition=Q(active=True), name="support_assignment_once"
            ),
            # Ended ⇔ has an end date: `active` is what the limit and the scope read, `until` what the counts by
            # period read; they never disagree.
            models.CheckConstraint(
                name="support_assignment_active_open",
                condition=Q(active=True, until__isnull=True) | Q(active=False, until__isnull=False),
            ),
            models.CheckConstraint(
                name="support_assignment_period", condition=Q(until__isnull=True) | Q(until__gte=F("since"))
            ),
        ]
        indexes = [
            models.Index(fields=["member", "active"], name="support_assignment_member"),
            models.Index(fields=["person", "active"], name="support_assignment_person"),
        ]

    def __str__(self):
        return f"{self.person} → {self.member.person}"


# --- counts for the monitoring (004_… 1.2.4 row 10) --------------------------------------------------------------


def teachers_per_member(start, end, municipality_id=None):
    """004_… row 10 «Количество педагогов на одного члена регионального методического актива» over [start, end]:
    {"teachers": distinct teachers assigned at some day of the period (in the municipality, when given),
    "members": asset members in the asset at some day of the period (serving the municipality, when given),
    "per_member": teachers / members as a Decimal to one decimal (half up), or None without members}. A member serving several
    municipalities counts in each one's denominator; the region's figure counts them once."""
    assignments = Assignment.objects.all()
    members = AssetMember.objects.in_asset_during(start, end)
    if municipality_id is not None:
        assignments = assignments.filter(municipality_id=municipality_id)
        members = members.serving(municipality_id)
    teachers = assignments.during(start, end).aggregate(n=Count("person", distinct=True))["n"]
    n_members = members.count()
    return {
        "teachers": teachers,
        "members": n_members,
        "per_member": (Decimal(teachers) / n_members).quantize(TENTH, ROUND_HALF_UP) if n_members else None,
    }


def load_limit():
    return settings.SUPPORT_LOAD_LIMIT


def load_warning():
    return settings.SUPPORT_LOAD_WARNING


def nominees(user):
    """The people a user may nominate to the asset (004_… 3.6): the center anyone it sees; a school or municipal
    coordinator the people currently working in an organization of their scope (not, say, a teacher they see
    only as someone's assigned methodologist). Everyone else nobody."""
    if not permissions.may_nominate_to_asset(user):
        return Person.objects.none()
    people = Person.objects.visible_to(user)
    if scope_of(user).everything or scope_of(user).region_ids:
        return people
    works_here = Employment.objects.filter(
        person=OuterRef("pk"), organization__in=Organization.objects.visible_to(user).values("pk")
    ).current()
    return people.filter(Exists(works_here))


# --- support activities: lesson visits and consultations (issue 12 point 3; docs/support.md §8) -------------------


class VisitorKind(models.TextChoices):
    """Who supported the teacher, as counted by the monitoring: an asset member (004_… row 11 counts only
    these), the municipal methodological service (000_… 3.3.1 «посещения учебных занятий педагогических
    работников»: a municipal coordinator), the center's staff."""

    ASSET = "asset", "член регионального методического актива"
    MUNICIPAL = "municipal", "муниципальная методическая служба"
    CENTER = "center", "ЦНППМ"


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", "запланировано"
    DONE = "done", "проведено"


class ActivityFormat(models.TextChoices):
    IN_PERSON = "in_person", "очно"
    REMOTE = "remote", "дистанционно"


class ConsultationKind(models.TextChoices):
    INDIVIDUAL = "individual", "индивидуальная"
    GROUP = "group", "групповая"


class ObservedLevel(models.TextChoices):
    """How a competence showed in the observed lesson (the protocol's scale)."""

    ABSENT = "absent", "не проявляется"
    PARTIAL = "partial", "проявляется частично"
    PRESENT = "present", "проявляется"
    STABLE = "stable", "проявляется устойчиво"


# The levels that make a competence a target of the route items the visit's recommendations become.
WEAK_LEVELS = (ObservedLevel.ABSENT, ObservedLevel.PARTIAL)


def half_year(day):
    """[start, end] of the half-year holding the day (January–June, July–December: the monitoring's rhythm)."""
    if day.month <= 6:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 6, 30)
    return datetime.date(day.year, 7, 1), datetime.date(day.year, 12, 31)


class ActivityQuerySet(models.QuerySet):
    """Shared by visits and consultations: who sees them, what is done in a period."""

    # The field naming the supported teacher(s): "person" on a visit, "teachers" on a consultation.
    teacher_field = "person"

    def visible_to(self, user):
        """The center everything; the one who recorded it; the supported teacher; a municipal coordinator the
        activities in their municipalities (the teacher's municipality, stored on the record)."""
        scope = scope_of(user)
        if scope.everything:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        q = Q(visitor_id=user.pk)
        if user.person_id:
            q |= Q(**{self.teacher_field: user.person_id})
        if scope.municipality_ids:
            q |= Q(**{self.municipality_lookup: list(scope.municipality_ids)})
        return self.filter(q).distinct() if self.teacher_field == "teachers" else self.filter(q)

    municipality_lookup = "municipality_id__in"

    def done(self):
        return self.filter(status=ActivityStatus.DONE)

    def done_during(self, start, end):
        return self.done().filter(date__gte=start, date__lte=end)


class LessonVisitQuerySet(ActivityQuerySet):
    def per_member(self, start, end, municipality_id=None):
        """004_… row 11 «Количество уроков, посещенных членами регионального методического актива» over
        [start, end] (done visits, by asset members, dated in the period; in the municipality when given):
        {"visits", "members", "per_member", "members_below" (members in the asset at some day of the period,
        serving the municipality when given, with fewer than `MIN_VISITS_PER_MEMBER` visits there)}."""
        visits = self.done_during(start, end).filter(visitor_kind=VisitorKind.ASSET)
        members = AssetMember.objects.in_asset_during(start, end)
        if municipality_id is not None:
            visits = visits.filter(municipality_id=municipality_id)
            members = members.serving(municipality_id)
        n_visits = visits.count()
        in_period = Q(visits__status=ActivityStatus.DONE, visits__date__gte=start, visits__date__lte=end)
        if municipality_id is not None:
            in_period &= Q(visits__municipality_id=municipality_id)
        counted = members.annotate(n=Count("visits", filter=in_period))
        n_members = members.count()
        return {
            "visits": n_visits,
            "members": n_members,
            "per_member": (Decimal(n_visits) / n_members).quantize(TENTH, ROUND_HALF_UP)
            if n_members
            else None,
            "members_below": counted.filter(n__lt=MIN_VISITS_PER_MEMBER).count(),
        }

    def per_municipality(self, start, end):
        """[{municipality, visits, asset_visits, municipal_visits, low_results_visits}] of done visits over
        [start, end] — each visit counted in the municipality of the visited teacher's organization."""
        return (
            self.done_during(start, end)
            .values("municipality")
            .annotate(
                visits=Count("pk"),
                asset_visits=Count("pk", filter=Q(visitor_kind=VisitorKind.ASSET)),
                municipal_visits=Count("pk", filter=Q(visitor_kind=VisitorKind.MUNICIPAL)),
                low_results_visits=Count("pk", filter=Q(low_results=True)),
            )
            .order_by("municipality")
        )


MIN_VISITS_PER_MEMBER = 2  # 004_… 1.2.4 row 11: «Не менее 2 уроков на одного члена методического актива»


class SupportActivity(models.Model):
    """What a visit and a consultation share: who supported (the user, their asset membership when they
    acted as a member, the kind counted), the status (planned or done), the dates."""

    visitor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="кто провёл"
    )
    visitor_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто провёл (педагог)",
    )
    visitor_kind = models.CharField("от кого", max_length=16, choices=VisitorKind.choices)
    member = models.ForeignKey(
        AssetMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="член методического актива",
    )
    status = models.CharField(
        "статус", max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.DONE
    )
    planned_on = models.DateField("запланировано на", null=True, blank=True)
    date = models.DateField("дата проведения", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LessonVisit(SupportActivity):
    """A lesson visit (посещение урока, обсервация) with its observation protocol."""

    member = models.ForeignKey(
        AssetMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name="член методического актива",
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="lesson_visits", verbose_name="педагог"
    )
    organization = models.ForeignKey(
        "structure.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="организация"
    )
    municipality = models.ForeignKey(
        "structure.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="муниципалитет",
    )
    low_results = models.BooleanField("школа с низкими результатами (ШНОР)", default=False)
    grade = models.CharField("класс", max_length=20, blank=True)
    subject = models.ForeignKey(
        "people.Subject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="предмет",
    )
    topic = models.CharField("тема урока", max_length=300, blank=True)
    purpose = models.TextField("цель посещения", blank=True)
    strengths = models.TextField("сильные стороны", blank=True)
    acknowledged_at = models.DateTimeField("педагог ознакомлен", null=True, blank=True)

    objects = LessonVisitQuerySet.as_manager()

    class Meta:
        verbose_name = "посещение урока"
        verbose_name_plural = "посещения уроков"
        ordering = ["-date", "-planned_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="support_visit_done_has_date", condition=~Q(status="done") | Q(date__isnull=False)
            ),
            models.CheckConstraint(
                name="support_visit_planned_has_plan",
                condition=~Q(status="planned") | Q(planned_on__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["visitor", "status"], name="support_visit_visitor"),
            models.Index(fields=["person", "status"], name="support_visit_person"),
            models.Index(fields=["municipality", "date"], name="support_visit_mun_date"),
        ]

    def __str__(self):
        when = self.date or self.planned_on
        return (
            f"Посещение урока: {self.person}, {when:%d.%m.%Y}" if when else f"Посещение урока: {self.person}"
        )


class VisitObservation(models.Model):
    """One row of the protocol: an observed competence, its level in the lesson, a comment."""

    visit = models.ForeignKey(LessonVisit, on_delete=models.CASCADE, related_name="observations")
    competence = models.ForeignKey(
        "diagnostics.Competence", on_delete=models.PROTECT, related_name="+", verbose_name="компетенция"
    )
    level = models.CharField("уровень проявления", max_length=16, choices=ObservedLevel.choices)
    comment = models.TextField("комментарий", blank=True)

    class Meta:
        verbose_name = "наблюдение по компетенции"
        verbose_name_plural = "протокол наблюдения"
        ordering = ["visit", "competence__group__order", "competence__order", "competence__code"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "competence"], name="support_observation_once")
        ]

    def __str__(self):
        return f"{self.competence}: {self.get_level_display()}"


class VisitRecommendation(models.Model):
    """A recommendation of the visit, one line; it may become an item of the teacher's route («В маршрут»)."""

    visit = models.ForeignKey(LessonVisit, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField("рекомендация", max_length=500)
    route_item = models.ForeignKey(
        "routes.RouteItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="пункт маршрута",
    )
    added_at = models.DateTimeField("добавлена в маршрут", null=True, blank=True)

    class Meta:
        verbose_name = "рекомендация по итогам посещения"
        verbose_name_plural = "рекомендации по итогам посещения"
        ordering = ["visit", "position", "pk"]

    def __str__(self):
        return self.text


class ConsultationQuerySet(ActivityQuerySet):
    teacher_field = "teachers"
    municipality_lookup = "participants__municipality_id__in"

    def per_municipality(self, start, end):
        """[{municipality, consultations, teachers, low_results_consultations}] of done consultations over
        [start, end]: a consultation counts once in each municipality one of its teachers works in."""
        return (
            ConsultationTeacher.objects.filter(consultation__in=self.done_during(start, end).values("pk"))
            .values("municipality")
            .annotate(
                consultations=Count("consultation", distinct=True),
                teachers=Count("person", distinct=True),
                low_results_consultations=Count("consultation", filter=Q(low_results=True), distinct=True),
            )
            .order_by("municipality")
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Consultation(SupportActivity):
    """A consultation, individual or group (консультативная помощь, 000_… 3.2.4)."""

    member = models.ForeignKey(
        AssetMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name="член методического актива",
    )
    kind = models.CharField(
        "вид", max_length=16, choices=ConsultationKind.choices, default=ConsultationKind.INDIVIDUAL
    )
    teachers = models.ManyToManyField(
        "people.Person", through="ConsultationTeacher", related_name="consultations", verbose_name="педагоги"
    )
    topic = models.CharField("тема", max_length=300)
    competences = models.ManyToManyField(
        "diagnostics.Competence", blank=True, related_name="+", verbose_name="компетенции"
    )
    duration = models.PositiveSmallIntegerField("продолжительность, минут", null=True, blank=True)
    format = models.CharField(
        "формат", max_length=16, choices=ActivityFormat.choices, default=ActivityFormat.IN_PERSON
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = "консультация"
        verbose_name_plural = "консультации"
        ordering = ["-date", "-planned_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="support_consultation_done_has_date", condition=~Q(status="done") | Q(date__isnull=False)
            ),
            models.CheckConstraint(
                name="support_consultation_planned_has_plan",
                condition=~Q(status="planned") | Q(planned_on__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["visitor", "status"], name="support_consult_visitor")]

    def __str__(self):
        return f"Консультация: {self.topic}"


class ConsultationTeacher(models.Model):
    """A teacher consulted, with where they worked then (the counts by municipality and ШНОР read it)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "structure.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        "structure.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    low_results = models.BooleanField("ШНОР", default=False)

    class Meta:
        verbose_name = "педагог на консультации"
        verbose_name_plural = "педагоги на консультациях"
        constraints = [
            models.UniqueConstraint(fields=["consultation", "person"], name="support_consulted_once")
        ]

    def __str__(self):
        return str(self.person)


def low_results_support(start, end, municipality_id=None):
    """Support to ШНОР schools (organizations holding the «ШНОР» status on the day of the activity) over
    [start, end]: {"visits", "consultations", "organizations" (distinct ШНОР organizations visited or
    consulted), "teachers" (distinct teachers)} — done activities only, by anyone (asset, municipal, center)."""
    visits = LessonVisit.objects.done_during(start, end).filter(low_results=True)
    consulted = ConsultationTeacher.objects.filter(
        low_results=True,
        consultation__status=ActivityStatus.DONE,
        consultation__date__gte=start,
        consultation__date__lte=end,
    )
    if municipality_id is not None:
        visits = visits.filter(municipality_id=municipality_id)
        consulted = consulted.filter(municipality_id=municipality_id)
    organizations = (
        set(visits.values_list("organization_id", flat=True))
        | set(consulted.values_list("organization_id", flat=True))
    ) - {None}
    teachers = set(visits.values_list("person_id", flat=True)) | set(
        consulted.values_list("person_id", flat=True)
    )
    return {
        "visits": visits.count(),
        "consultations": consulted.values("consultation").distinct().count(),
        "organizations": len(organizations),
        "teachers": len(teachers),
    }


def consultations_count(start, end, municipality_id=None, visitor_kind=None):
    """Done consultations over [start, end] (in the municipality of one of their teachers, when given; by one
    kind of visitor, when given) and the distinct teachers they reached."""
    qs = Consultation.objects.done_during(start, end)
    if visitor_kind is not None:
        qs = qs.filter(visitor_kind=visitor_kind)
    people = ConsultationTeacher.objects.filter(consultation__in=qs.values("pk"))
    if municipality_id is not None:
        people = people.filter(municipality_id=municipality_id)
        qs = qs.filter(participants__municipality_id=municipality_id).distinct()
    return {"consultations": qs.count(), "teachers": people.values("person").distinct().count()}


def supported_people(user):
    """The teachers a user may record a visit or a consultation for: those in their scope (an asset member's
    assigned teachers, a municipal coordinator's municipality, the center everyone), never themselves."""
    if not permissions.may_record_support(user):
        return Person.objects.none()
    people = Person.objects.visible_to(user)
    if user.person_id:
        people = people.exclude(pk=user.person_id)
    return people

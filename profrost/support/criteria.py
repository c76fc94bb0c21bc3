"""The inclusion criteria of the regional methodological asset, checked from the registry's own data
(docs/support.md §2; 000_… 3.2.4; 002_… «Требования к региональным методистам»; 004_… 3.6).

Each criterion is met or not, with the evidence it was decided on, in words a reader checks against the card:
«Высшая, присвоена 12.03.2021, действует до 12.03.2026». A candidate failing one may still be approved by the
center, with a justification recorded (the seeds admit members on other grounds, 000_… 3.2.4).

`check_members` checks many candidates at once with one query per kind of evidence (jobs, results, courses),
for the approval page's list; `check_member` / `check_person` are its one-row forms.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from profrost.diagnostics.models import LATEST_FIRST, CampaignKind, Result, ResultStatus
from profrost.people.models import (
    Education,
    Employment,
    QualificationCategory,
    category_expiry,
    full_years,
)
from profrost.resources.models import Enrollment, EnrollmentStatus
from profrost.structure.models import OrganizationKind

# Highest category, or the two categories that require it (attestation order № 196 of 24.03.2023).
TOP_CATEGORIES = frozenset(
    {QualificationCategory.HIGHEST, QualificationCategory.METHODOLOGIST, QualificationCategory.MENTOR}
)
MIN_EXPERIENCE_YEARS = 5  # «стаж работы по специальности не менее 5 лет» (000_… 3.2.4, 002_…)
# «образовательная организация, реализующая основные общеобразовательные программы» (000_… 3.2.4): by 273-ФЗ
# art. 12 these are the programs of preschool, primary, basic and secondary general education — a school or a
# kindergarten.
GENERAL_EDUCATION_KINDS = frozenset({OrganizationKind.SCHOOL, OrganizationKind.KINDERGARTEN})
# The assessment of methodological competences is a diagnostic procedure (a federal one such as ФИОКО's, or the
# region's own), not a course's entry or exit test.
ASSESSMENT_KINDS = (CampaignKind.FEDERAL, CampaignKind.REGIONAL)
# Without a program named on the nomination, a completed course whose title has all these stems counts
# («Трансформация методической службы и организация методического сопровождения педагогов», 002_…).
TRAINING_TITLE_STEMS = ("методическ", "сопровожд")

TITLES = {
    "category": "Высшая квалификационная категория (или «педагог-методист», «педагог-наставник»)",
    "education": "Высшее педагогическое образование",
    "experience": f"Стаж педагогической работы не менее {MIN_EXPERIENCE_YEARS} лет",
    "organization": "Работает в организации, реализующей основные общеобразовательные программы",
    "assessment": "Оценка методических компетенций пройдена на требуемом уровне",
    "training": "Пройдено обучение по программе методического сопровождения",
}


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    met: bool
    evidence: str


def years_word(n):
    """«1 год», «3 года», «7 лет», «11 лет», «21 год»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} года"
    return f"{n} лет"


def _d(day):
    return day.strftime("%d.%m.%Y") if day else "—"


def _levels():
    return tuple(settings.SUPPORT_ASSESSMENT_LEVELS)


def _category(person, on):
    label = person.get_category_display()
    if person.category not in TOP_CATEGORIES:
        return False, f"Категория: {label.lower()}" if person.category else "Категория не указана"
    expiry = person.category_expiry or category_expiry(person.category, person.category_date)
    awarded = f", присвоена {_d(person.category_date)}" if person.category_date else ""
    # Valid through the day the card names («действует до 12.03.2026»).
    if expiry and expiry < on:
        return False, f"{label}{awarded}: срок действия истёк {_d(expiry)}"
    until = f", действует до {_d(expiry)}" if expiry else ", бессрочно"
    return True, f"{label}{awarded}{until}"


def _education(person):
    if person.has_higher_pedagogical:
        return True, "Высшее педагогическое"
    if person.education == Education.HIGHER:
        return False, "Высшее, не педагогическое"
    if person.education:
        return False, f"Образование: {person.get_education_display().lower()}"
    return False, "Образование не указано"


def _experience(person, on):
    start = person.pedagogical_start
    if start is None:
        return False, "Дата начала педагогической деятельности не указана"
    years = max(0, full_years(start, on))
    text = f"Стаж {years_word(years)} (с {_d(start)})"
    if years < MIN_EXPERIENCE_YEARS:
        return False, f"{text} — меньше {MIN_EXPERIENCE_YEARS} лет"
    return True, text


def _job_text(job):
    org = job.organization
    return f"{job.position.name} — {org} ({org.get_kind_display().lower()})"


def _organization(jobs):
    fitting = [
        j for j in jobs if j.organization.kind in GENERAL_EDUCATION_KINDS and j.position.is_pedagogical
    ]
    if fitting:
        return True, "; ".join(_job_text(j) for j in fitting)
    if jobs:
        return False, "Текущие места работы не в школе или детском саду: " + "; ".join(
            _job_text(j) for j in jobs
        )
    return False, "Нет текущего места работы"


def _result_text(result):
    percent = f" ({result.total_percent:.0f} %)" if result.total_percent is not None else ""
    when = f", {_d(result.taken_on)}" if result.taken_on else ""
    return f"«{result.campaign.name}»: {result.level or 'уровень не определён'}{percent}{when}"


def _assessment(results, campaign):
    levels = _levels()
    wanted = " или ".join(levels)
    if campaign is not None:
        results = [r for r in results if r.campaign_id == campaign.pk]
        if not results:
            return False, f"Нет оценённого результата в «{campaign.name}»"
    good = [r for r in results if r.level in levels]
    if good:
        return True, _result_text(good[0])
    if results:
        return False, f"{_result_text(results[0])} — ниже требуемого ({wanted})"
    return False, f"Нет оценённого результата диагностики на уровне {wanted}"


def _enrollment_text(enrollment):
    cohort = enrollment.cohort
    text = f"«{cohort.program.title}», {_d(cohort.start)}–{_d(cohort.end)}"
    if enrollment.certificate_number:
        text += f", удостоверение № {enrollment.certificate_number}"
        if enrollment.certificate_date:
            text += f" от {_d(enrollment.certificate_date)}"
    return text


def _is_training_title(title):
    lowered = title.lower()
    return all(stem in lowered for stem in TRAINING_TITLE_STEMS)


def _training(enrollments, program):
    if program is not None:
        done = [e for e in enrollments if e.cohort.program_id == program.pk]
        if done:
            return True, _enrollment_text(done[0])
        return False, f"Нет завершённого обучения по программе «{program.title}»"
    done = [e for e in enrollments if _is_training_title(e.cohort.program.title)]
    if done:
        return True, _enrollment_text(done[0])
    return False, "Нет завершённого обучения по программе методического сопровождения"


def _check_rows(rows, on):
    """rows: [(key, person, campaign or None, program or None)] → {key: [Criterion]} — three queries in all."""
    on = on or datetime.date.today()
    person_ids = {person.pk for _, person, _, _ in rows}
    jobs, results, enrollments = {}, {}, {}
    for job in (
        Employment.objects.filter(person_id__in=person_ids)
        .active_on(on)
        .select_related("organization", "position")
        .order_by("-is_main", "pk")
    ):
        jobs.setdefault(job.person_id, []).append(job)
    for result in (
        Result.objects.filter(
            person_id__in=person_ids, status=ResultStatus.SCORED, campaign__kind__in=ASSESSMENT_KINDS
        )
        .select_related("campaign")
        .order_by(*LATEST_FIRST)
    ):
        results.setdefault(result.person_id, []).append(result)
    for enrollment in (
        Enrollment.objects.filter(person_id__in=person_ids, status=EnrollmentStatus.COMPLETED)
        .exclude(attestation_passed=False)
        .select_related("cohort__program")
        .order_by("-cohort__end", "-pk")
    ):
        enrollments.setdefault(enrollment.person_id, []).append(enrollment)
    out = {}
    for key, person, campaign, program in rows:
        decided = {
            "category": _category(person, on),
            "education": _education(person),
            "experience": _experience(person, on),
            "organization": _organization(jobs.get(person.pk, [])),
            "assessment": _assessment(results.get(person.pk, []), campaign),
            "training": _training(enrollments.get(person.pk, []), program),
        }
        out[key] = [Criterion(code, TITLES[code], met, evidence) for code, (met, evidence) in decided.items()]
    return out


def check_members(members, on=None):
    """{member.pk: [Criterion]} for asset members (their nomination's campaign and program), as of `on`."""
    return _check_rows([(m.pk, m.person, m.assessment_campaign, m.training_program) for m in members], on)


def check_member(member, on=None):
    return check_members([member], on)[member.pk]


def check_person(person, campaign=None, program=None, on=None):
    """The criteria for a person not (yet) nominated, with the campaign and the program to look at."""
    return _check_rows([(person.pk, person, campaign, program)], on)[person.pk]


def unmet(criteria):
    return [c for c in criteria if not c.met]

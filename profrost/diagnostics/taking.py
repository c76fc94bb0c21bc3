"""Online test taking (regional and course campaigns): invite, start, save each answer as it is given, submit,
score; the experts' queue of open answers.

Every answer is written the moment it is given, so a closed tab or a dropped connection loses nothing;
the time limit is enforced here, on the server, not in the browser.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from profrost.accounts.permissions import may_assign_reviewers
from profrost.core.validators import format_snils, normalize_snils
from profrost.diagnostics.actions import assign_open_answers, recompute_results
from profrost.diagnostics.models import ItemScore, ItemType, Result, ResultStatus
from profrost.diagnostics.scoring import score_item
from profrost.people.models import Employment, Person


class TestClosed(Exception):
    """The attempt is submitted or out of time; the message is for the teacher."""


@transaction.atomic
def invite_participants(campaign):
    """Everyone in the campaign's scope (municipalities, organizations, positions, subjects; empty = all) with a
    current job gets an invitation; re-running invites only the new ones."""
    if campaign.cohort_id:
        # A course's entry/exit diagnostic: the cohort's listeners (not expelled).
        people = Person.objects.filter(
            enrollments__cohort_id=campaign.cohort_id,
            enrollments__status__in=["enrolled", "studying", "completed"],
        ).exclude(results__campaign=campaign)
        created = Result.objects.bulk_create(
            [
                Result(campaign=campaign, person_id=pk, status=ResultStatus.INVITED)
                for pk in people.values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )
        return len(created)
    jobs = Employment.objects.current()
    if campaign.municipalities.exists():
        jobs = jobs.filter(organization__municipality__in=campaign.municipalities.all())
    if campaign.organizations.exists():
        jobs = jobs.filter(organization__in=campaign.organizations.all())
    if campaign.positions.exists():
        jobs = jobs.filter(position__in=campaign.positions.all())
    if campaign.subjects.exists():
        jobs = jobs.filter(subjects__in=campaign.subjects.all())
    people = Person.objects.filter(pk__in=jobs.values("person_id")).exclude(results__campaign=campaign)
    created = Result.objects.bulk_create(
        [
            Result(campaign=campaign, person_id=pk, status=ResultStatus.INVITED)
            for pk in people.values_list("pk", flat=True)
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(created)


@transaction.atomic
def invite_list(campaign, lines, user):
    """Invite the people named by SNILS, one per line, within the user's scope. Any bad line invites
    nobody: returns (invited, already invited, errors) with the errors as «строка N: сообщение»."""
    wanted, errors = {}, []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            snils = normalize_snils(line)
        except ValidationError as error:
            errors.append(f"строка {number}: {error.messages[0]} («{line.strip()[:20]}»)")
            continue
        wanted.setdefault(snils, number)
    if not wanted and not errors:
        return 0, 0, ["не указан ни один СНИЛС"]
    found = dict(Person.objects.visible_to(user).filter(snils__in=list(wanted)).values_list("snils", "pk"))
    for snils, number in wanted.items():
        if snils not in found:
            errors.append(
                f"строка {number}: педагог со СНИЛС {format_snils(snils)} не найден в вашей области доступа"
            )
    if errors:
        return 0, 0, errors
    already = set(
        Result.objects.filter(campaign=campaign, person_id__in=found.values()).values_list(
            "person_id", flat=True
        )
    )
    Result.objects.bulk_create(
        [
            Result(campaign=campaign, person_id=pk, status=ResultStatus.INVITED)
            for pk in found.values()
            if pk not in already
        ],
        ignore_conflicts=True,
    )
    return len(found) - len(already), len(already), []


def deadline(result):
    if not result.campaign.time_limit or not result.started_at:
        return None
    return result.started_at + datetime.timedelta(minutes=result.campaign.time_limit)


def check_open(result):
    """Raise TestClosed when the attempt can take no more answers; an attempt out of time is submitted
    (in its own transaction, so the submission stands although the answer is refused)."""
    if result.status not in (ResultStatus.INVITED, ResultStatus.IN_PROGRESS):
        raise TestClosed("Тест уже завершён.")
    campaign, today = result.campaign, timezone.localdate()
    if campaign.start and today < campaign.start:
        raise TestClosed(f"Диагностика начнётся {campaign.start:%d.%m.%Y}.")
    if campaign.end and today > campaign.end:
        if result.status == ResultStatus.IN_PROGRESS:
            submit(result)
            raise TestClosed(
                f"Диагностика завершилась {campaign.end:%d.%m.%Y}; приём ответов закрыт, сохранённые ответы отправлены."
            )
        raise TestClosed(f"Диагностика завершилась {campaign.end:%d.%m.%Y}; приём ответов закрыт.")
    limit = deadline(result)
    if limit and timezone.now() > limit:
        submit(result)
        raise TestClosed("Время на выполнение теста истекло; сохранённые ответы отправлены.")


@transaction.atomic
def start(result):
    result = Result.objects.select_for_update().select_related("campaign").get(pk=result.pk)
    if result.status == ResultStatus.INVITED:
        result.status = ResultStatus.IN_PROGRESS
        result.started_at = timezone.now()
        result.save(update_fields=["status", "started_at"])
    return result


def save_answer(result, item, answer):
    """Store one answer as it is given (scored only at submission)."""
    check_open(Result.objects.select_related("campaign").get(pk=result.pk))
    with transaction.atomic():
        result = Result.objects.select_for_update().select_related("campaign").get(pk=result.pk)
        if result.status not in (ResultStatus.INVITED, ResultStatus.IN_PROGRESS):
            raise TestClosed("Тест уже завершён.")
        if item.instrument_id != result.campaign.instrument_id:
            raise TestClosed("Задание не относится к этому тесту.")
        ItemScore.objects.update_or_create(
            result=result, item=item, defaults={"answer": str(answer)[:5000], "score": None}
        )


@transaction.atomic
def submit(result):
    """The one final submission: score automatic items; open answers wait for an expert."""
    result = Result.objects.select_for_update().select_related("campaign__instrument").get(pk=result.pk)
    if result.status not in (ResultStatus.INVITED, ResultStatus.IN_PROGRESS):
        return result
    answers = {s.item_id: s for s in result.item_scores.all()}
    for item in result.campaign.instrument.items.all():
        given = answers.get(item.pk)
        answer = given.answer if given else ""
        score = score_item(item.type, item.key, item.max_score, answer, item.tolerance)
        if item.type == ItemType.OPEN and not answer.strip():
            score = 0  # nothing to review
        ItemScore.objects.update_or_create(
            result=result, item=item, defaults={"answer": answer, "score": score}
        )
    result.submitted_at = timezone.now()
    result.taken_on = timezone.localdate()
    result.status = ResultStatus.SUBMITTED
    result.save(update_fields=["submitted_at", "taken_on", "status"])
    recompute_results([result.pk])
    result.refresh_from_db()
    if result.status == ResultStatus.SUBMITTED:
        assign_open_answers(result.campaign)
    return result


def expert_queue(user=None):
    """Open answers of submitted attempts still waiting for a score: for an expert, those assigned to them;
    for the center (region admin, center staff) every one."""
    pending = ItemScore.objects.filter(
        item__type=ItemType.OPEN, score__isnull=True, result__status=ResultStatus.SUBMITTED
    ).select_related("item", "result__campaign")
    if user is not None and not may_assign_reviewers(user):
        pending = pending.filter(assigned_to=user)
    return pending


@transaction.atomic
def assign_answer(item_score, expert):
    """The center hands one open answer to another expert."""
    ItemScore.objects.filter(pk=item_score.pk, score__isnull=True).update(assigned_to=expert)


@transaction.atomic
def score_open_answer(item_score, score, comment, expert):
    """An expert's score for one open answer; the result is complete when every answer is scored."""
    score = Decimal(score)
    if score < 0 or score > item_score.item.max_score:
        raise ValueError(f"балл должен быть от 0 до {item_score.item.max_score.normalize()}")
    ItemScore.objects.filter(pk=item_score.pk).update(score=score, comment=comment, scored_by=expert)
    recompute_results([item_score.result_id])

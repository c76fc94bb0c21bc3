"""State changes of the monitoring (docs/monitoring.md §7–§10): publishing a snapshot (for a report) and a rating,
values entered by hand, addressed recommendations (drafted, edited and sent by the center, acknowledged and
answered by the municipal coordinator) and the reminders of overdue answers. Pages, the command line and the
tasks all go through these functions.

Every refusal is a MonitoringError with a Russian message, and nothing is written then; a user whose role may not
do the thing at all gets PermissionDenied. A published snapshot is never changed: the database refuses it (a
trigger), and these functions refuse it first with a message.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from profrost.accounts.models import User
from profrost.accounts.roles import RoleCode
from profrost.core.charts import with_unit
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.notifications import notify, notify_each, sent_before
from profrost.core.periods import Period, PeriodError, parse
from profrost.core.scoping import scope_of
from profrost.monitoring import rating as ratings
from profrost.monitoring.compute import compute, rounded, unit_model, unit_names, units
from profrost.monitoring.models import (
    Indicator,
    IndicatorSet,
    Level,
    ManualValue,
    Recommendation,
    RecommendationStatus,
    Snapshot,
    SnapshotKind,
    SnapshotValue,
    Target,
    ValueUnit,
)
from profrost.monitoring.permissions import may_answer_recommendations, may_manage_monitoring

TEXT_MAX = 500
LONG_TEXT_MAX = 5000
MAX_YEARS = 10
MAX_VALUE = Decimal("9999999999.99")  # ManualValue.value: 12 digits, 2 decimals
FOUR = Decimal("0.0001")
TWO = Decimal("0.01")
ANSWER_DAYS = 30  # default time to answer a recommendation (MONITORING_ANSWER_DAYS)
OPEN = (RecommendationStatus.SENT, RecommendationStatus.ACKNOWLEDGED)
PLACEHOLDERS = re.compile(r"\{(period|indicator|municipality|value|target|due)\}")
SNAPSHOT_FROZEN = (
    "Опубликованный срез не изменяется: его значения заморожены на дату публикации. Текущие значения показаны "
    "рядом с опубликованными; чтобы зафиксировать новые, опубликуйте срез за другой период."
)


class MonitoringError(Exception):
    """A refused action; the message is for the user."""


def _require(predicate, user):
    if not predicate(user):
        raise PermissionDenied


def _d(day):
    return day.strftime("%d.%m.%Y")


def _text(value, what, limit=TEXT_MAX, required=False):
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise MonitoringError(f"Укажите {what}")
    if len(value) > limit:
        raise MonitoringError(f"Поле «{what}» длиннее {limit} символов")
    return value


def _period(period):
    if isinstance(period, Period):
        return period
    try:
        return parse(period)
    except PeriodError as exc:
        raise MonitoringError(str(exc)) from None


def _future_date(day, what, today=None):
    """A deadline: given, not in the past, not further than MAX_YEARS."""
    today = today or datetime.date.today()
    if day is None:
        raise MonitoringError(f"Укажите {what}")
    if not isinstance(day, datetime.date):
        raise MonitoringError(f"Неверная дата: {what}")
    if day < today:
        raise MonitoringError(f"Срок «{what}» не может быть в прошлом")
    if day.year > today.year + MAX_YEARS:
        raise MonitoringError(f"Срок «{what}» дальше чем на {MAX_YEARS} лет")
    return day


def answer_days():
    return int(getattr(settings, "MONITORING_ANSWER_DAYS", ANSWER_DAYS))


def snapshot_url(snapshot):
    return reverse("monitoring:snapshot", args=[snapshot.pk])


def recommendation_url(rec):
    return reverse("monitoring:recommendation", args=[rec.pk])


# --- snapshots (docs/monitoring.md §7) ------------------------------------------------------------------------------


def snapshot_title(kind, indicator_set, period, level):
    if kind == SnapshotKind.RATING:
        return ratings.rating_title(indicator_set, period)
    return f"Отчёт мониторинга за {period.label} ({Level(level).label.lower()}): {indicator_set.name}"


def _check_publishable(kind, indicator_set, period, level, today=None):
    if not period.is_over(today):
        what = "рейтинг" if kind == SnapshotKind.RATING else "срез"
        raise MonitoringError(
            f"Период ещё не завершён: {what} за {period.label} можно опубликовать после {_d(period.end)}."
        )
    existing = (
        Snapshot.objects.filter(kind=kind, indicator_set=indicator_set, level=level, period=period.code)
        .select_related("published_by")
        .first()
    )
    if existing is not None:
        raise MonitoringError(_published_twice(existing))


def _published_twice(existing):
    what = "Рейтинг" if existing.kind == SnapshotKind.RATING else "Срез"
    who = (
        existing.published_by.get_full_name() or existing.published_by.username
        if existing.published_by
        else ""
    )
    return (
        f"{what} «{existing.title}» уже опубликован {timezone.localtime(existing.published_at):%d.%m.%Y %H:%M}"
        f"{f' ({who})' if who else ''}: опубликованный срез не изменяется и не публикуется повторно."
    )


def _q(value, places):
    return None if value is None else Decimal(value).quantize(places)


def _create(actor, kind, indicator_set, period, level, rule, rows):
    """The snapshot and its values in one transaction; a publication racing this one gets the message."""
    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(
                kind=kind,
                indicator_set=indicator_set,
                level=level,
                period=period.code,
                start=period.start,
                end=period.end,
                title=snapshot_title(kind, indicator_set, period, level)[:300],
                rule=rule,
                published_by=actor,
            )
            for row in rows:
                row.snapshot = snapshot
            SnapshotValue.objects.bulk_create(rows, batch_size=2000)
    except IntegrityError:
        existing = Snapshot.objects.filter(
            kind=kind, indicator_set=indicator_set, level=level, period=period.code
        ).first()
        if existing is None:
            raise
        raise MonitoringError(_published_twice(existing)) from None
    journal(
        JournalAction.CREATE,
        user=actor,
        obj=snapshot,
        what="monitoring snapshot",
        kind=kind,
        period=period.code,
        level=level,
        values=len(rows),
    )
    return snapshot


def _value_row(indicator, unit_id, unit_name, v, achievement=None):
    return SnapshotValue(
        indicator=indicator,
        indicator_code=indicator.code,
        indicator_name=indicator.name,
        unit_id=unit_id,
        unit_name=unit_name[:500],
        numerator=_q(v.numerator, TWO) if v else None,
        denominator=_q(v.denominator, TWO) if v else None,
        value=_q(v.value, FOUR) if v else None,
        target=v.target if v else None,
        met=v.met if v else None,
        score=_q(achievement, FOUR),
    )


def publish_snapshot(actor, indicator_set, period, level, today=None):
    """Freeze the set's values for the period at the level (every unit of the level, every indicator offered
    there) — kind «report». Refused for a period not over and for a second publication of the same."""
    _require(may_manage_monitoring, actor)
    period = _period(period)
    if level not in Level.values:
        raise MonitoringError("Неверный уровень")
    _check_publishable(SnapshotKind.REPORT, indicator_set, period, level, today)
    indicators = [i for i in indicator_set.indicators.order_by("order", "code") if level in i.levels]
    if not indicators:
        raise MonitoringError(f"В наборе нет показателей уровня «{Level(level).label}»")
    names = dict(units(level).values_list("pk", "name"))
    values = compute(indicators, period, level, list(names))
    rows = [
        _value_row(ind, unit_id, name, values.get(ind.pk, {}).get(unit_id))
        for ind in indicators
        for unit_id, name in names.items()
    ]
    return _create(actor, SnapshotKind.REPORT, indicator_set, period, level, {}, rows)


def publish_rating(actor, indicator_set, period, today=None):
    """Publish the semi-annual rating (docs/monitoring.md §8): computed now, frozen with its rule, places and the
    values behind them. Only for a half-year that is over, once."""
    _require(may_manage_monitoring, actor)
    period = _period(period)
    if period.kind != "half_year":
        raise MonitoringError(
            "Рейтинг публикуется за полугодие (январь–июнь или июль–декабрь), например 2026-H1"
        )
    _check_publishable(SnapshotKind.RATING, indicator_set, period, Level.MUNICIPALITY, today)
    rating = ratings.live(indicator_set, period)
    if not rating.columns:
        raise MonitoringError(
            "В рейтинг не входит ни один показатель набора: нужны показатели муниципального уровня с "
            "положительным целевым значением и весом"
        )
    if not rating.rows:
        raise MonitoringError("Нет муниципалитетов для рейтинга")
    rows = []
    for row in rating.rows:
        rows.append(
            SnapshotValue(
                indicator_code="",
                indicator_name="",
                unit_id=row.unit_id,
                unit_name=row.name[:500],
                score=row.score,
                place=row.place,
            )
        )
        for part in row.parts:
            rows.append(
                SnapshotValue(
                    indicator=part.column.indicator,
                    indicator_code=part.column.code,
                    indicator_name=part.column.name,
                    unit_id=row.unit_id,
                    unit_name=row.name[:500],
                    numerator=_q(part.numerator, TWO),
                    denominator=_q(part.denominator, TWO),
                    value=_q(part.value, FOUR),
                    target=part.target,
                    met=part.met,
                    score=_q(part.achievement, FOUR),
                )
            )
    return _create(
        actor,
        SnapshotKind.RATING,
        indicator_set,
        period,
        Level.MUNICIPALITY,
        ratings.stored_rule(rating),
        rows,
    )


def change_snapshot(actor, snapshot, **changes):
    """Any edit or removal of a published snapshot: always refused with the message (the database would refuse
    it too, with a trigger error the user should never see)."""
    _require(may_manage_monitoring, actor)
    raise MonitoringError(SNAPSHOT_FROZEN)


# --- values entered by hand (docs/monitoring.md §4) -------------------------------------------------------------


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.replace("\x00", "").strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
        if len(value) > 30:
            raise MonitoringError("Неверное значение: слишком длинное число")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise MonitoringError("Неверное значение: укажите число") from None
    if not number.is_finite():
        raise MonitoringError("Неверное значение: укажите число")
    return number


@transaction.atomic
def save_manual_value(actor, indicator, period, level, unit_id, value, note):
    """Enter (or, with value None, remove) the value of an indicator the system cannot compute (a yes/no, or an
    indicator without a numerator measure) for a period and a unit."""
    _require(may_manage_monitoring, actor)
    period = _period(period)
    if indicator.numerator and indicator.unit != ValueUnit.YESNO:
        raise MonitoringError("Значение показателя вычисляется по данным системы: ввести его вручную нельзя")
    if level not in Level.values or level not in indicator.levels:
        raise MonitoringError("Показатель не считается на этом уровне")
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise MonitoringError("Неверная единица") from None
    if not 0 < unit_id < 2**63 or not unit_model(level).objects.filter(pk=unit_id).exists():
        raise MonitoringError("Единица не найдена")
    note = _text(note, "основание", TEXT_MAX)
    number = _decimal(value)
    existing = ManualValue.objects.filter(
        indicator=indicator, period=period.code, level=level, unit_id=unit_id
    ).first()
    if number is None:
        if existing is not None:
            existing.delete()
            journal(JournalAction.DELETE, user=actor, obj=indicator, what="manual value", period=period.code)
        return None
    if number < 0:
        raise MonitoringError("Значение не может быть отрицательным")
    if indicator.unit == ValueUnit.YESNO and number not in (0, 1):
        raise MonitoringError("Для показателя «да / нет» укажите 1 (да) или 0 (нет)")
    if number > MAX_VALUE:
        raise MonitoringError("Значение слишком большое")
    number = number.quantize(TWO)
    if existing is None:
        existing = ManualValue(indicator=indicator, period=period.code, level=level, unit_id=unit_id)
    existing.value, existing.note, existing.entered_by = number, note, actor
    existing.save()
    journal(
        JournalAction.UPDATE,
        user=actor,
        obj=indicator,
        what="manual value",
        period=period.code,
        level=level,
        unit=unit_id,
        value=str(number),
    )
    return existing


# --- recommendations (docs/monitoring.md §9) ---------------------------------------------------------------------


def _shown(indicator, value):
    if value is None:
        return "нет данных"
    unit = "%" if indicator.unit == ValueUnit.PERCENT else ""
    if indicator.unit == ValueUnit.YESNO:
        return "да" if value else "нет"
    return with_unit(rounded(indicator, Decimal(value)), unit)


def render_template(template, *, period, indicator, municipality, value, target, due):
    """The indicator's recommendation template with its placeholders filled; other braces are left as typed."""
    filled = {
        "period": period.label,
        "indicator": indicator.name.rstrip("."),
        "municipality": str(municipality),
        "value": _shown(indicator, value),
        "target": _shown(indicator, target),
        "due": _d(due),
    }
    return PLACEHOLDERS.sub(lambda m: filled[m.group(1)], template or "")


def default_text(indicator):
    return (
        "По итогам мониторинга за {period} значение показателя «{indicator}» в муниципалитете «{municipality}» "
        "составило {value} при целевом значении {target}. Просим в срок до {due} сообщить о принятых мерах и "
        "сроках их исполнения."
    )


def draft_recommendations(actor, snapshot, today=None):
    """Draft a recommendation for each municipality below target on an indicator of a published municipal
    snapshot (its frozen values), from the indicator's template. A municipality without a value (no data) is not
    «below target» and gets none; one already drafted is kept. Returns the number drafted."""
    _require(may_manage_monitoring, actor)
    if snapshot.level != Level.MUNICIPALITY:
        raise MonitoringError("Рекомендации составляются по срезу муниципального уровня")
    today = today or datetime.date.today()
    due = today + datetime.timedelta(days=answer_days())
    period = ratings.snapshot_period(snapshot)
    below = list(
        SnapshotValue.objects.filter(snapshot=snapshot, met=False, indicator__isnull=False)
        .exclude(indicator_code="")
        .select_related("indicator")
        .order_by("unit_id", "indicator__order")
    )
    existing = set(
        Recommendation.objects.filter(snapshot=snapshot).values_list("indicator_id", "municipality_id")
    )
    municipalities = unit_model(Level.MUNICIPALITY).objects.in_bulk({v.unit_id for v in below})
    new = []
    for v in below:
        municipality = municipalities.get(v.unit_id)
        if municipality is None or (v.indicator_id, v.unit_id) in existing:
            continue
        template = v.indicator.recommendation_template or default_text(v.indicator)
        text = render_template(
            template,
            period=period,
            indicator=v.indicator,
            municipality=municipality,
            value=v.value,
            target=v.target,
            due=due,
        )
        new.append(
            Recommendation(
                snapshot=snapshot,
                indicator=v.indicator,
                municipality=municipality,
                value=v.value,
                target=v.target,
                text=text[:LONG_TEXT_MAX],
                answer_due=due,
            )
        )
        existing.add((v.indicator_id, v.unit_id))
    with transaction.atomic():
        Recommendation.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        journal(
            JournalAction.CREATE, user=actor, obj=snapshot, what="recommendations drafted", count=len(new)
        )
    return len(new)


def _check_version(rec, version):
    if version is not None and int(version) != rec.version:
        raise MonitoringError(
            "Рекомендацию за это время изменил другой пользователь: откройте её заново, ваши изменения не сохранены."
        )


def _locked(rec):
    return Recommendation.objects.select_for_update().select_related("snapshot").get(pk=rec.pk)


def _edit(rec, text, answer_due, today):
    text = _text(text, "текст рекомендации", LONG_TEXT_MAX, required=True)
    due = _future_date(answer_due, "срок ответа", today)
    if rec.answer_due and due != rec.answer_due and _d(rec.answer_due) in text:
        text = text.replace(_d(rec.answer_due), _d(due))
    rec.text, rec.answer_due = text, due


@transaction.atomic
def edit_recommendation(actor, rec, text, answer_due, version=None, today=None):
    """The center edits a draft (its text and the answer's deadline; the deadline written in the text follows)."""
    _require(may_manage_monitoring, actor)
    rec = _locked(rec)
    _check_version(rec, version)
    if rec.status != RecommendationStatus.DRAFT:
        raise MonitoringError("Рекомендация уже направлена: изменить её нельзя")
    _edit(rec, text, answer_due, today)
    rec.version += 1
    rec.save(update_fields=["text", "answer_due", "version"])
    journal(JournalAction.UPDATE, user=actor, obj=rec, what="recommendation edited")
    return rec


def coordinators_of(municipality_id):
    """The active logins of the municipality's coordinators."""
    return list(
        User.objects.filter(
            is_active=True,
            roles__is_active=True,
            roles__role=RoleCode.MUNICIPAL_COORDINATOR,
            roles__municipality_id=municipality_id,
        ).distinct()
    )


@transaction.atomic
def send_recommendation(actor, rec, text, answer_due, version=None, today=None):
    """The center sends the recommendation (as edited last) to the municipality: its coordinators are notified."""
    _require(may_manage_monitoring, actor)
    rec = _locked(rec)
    _check_version(rec, version)
    if rec.status != RecommendationStatus.DRAFT:
        raise MonitoringError("Рекомендация уже направлена")
    _edit(rec, text, answer_due, today)
    rec.status, rec.sent_at, rec.sent_by = RecommendationStatus.SENT, timezone.now(), actor
    rec.version += 1
    rec.save(update_fields=["text", "answer_due", "status", "sent_at", "sent_by", "version"])
    recipients = coordinators_of(rec.municipality_id)
    notify(
        recipients,
        f"Адресная рекомендация по показателю «{rec.indicator.code}» ({rec.snapshot.period}): ответ до "
        f"{_d(rec.answer_due)}",
        recommendation_url(rec),
    )
    journal(JournalAction.UPDATE, user=actor, obj=rec, what="recommendation sent", recipients=len(recipients))
    return rec


def may_answer(user, rec):
    """The coordinator of the recommendation's municipality (the role and the scope)."""
    return may_answer_recommendations(user) and rec.municipality_id in scope_of(user).municipality_ids


def _answerable(actor, rec):
    """The recommendation locked, once the actor is its municipality's coordinator and it has been sent."""
    _require(may_answer_recommendations, actor)
    if rec.municipality_id not in scope_of(actor).municipality_ids:
        raise PermissionDenied
    rec = _locked(rec)
    if rec.status == RecommendationStatus.DRAFT:
        raise MonitoringError("Рекомендация ещё не направлена")
    return rec


@transaction.atomic
def acknowledge(actor, rec):
    """The municipal coordinator confirms the recommendation was received."""
    rec = _answerable(actor, rec)
    if rec.status != RecommendationStatus.SENT:
        raise MonitoringError("Получение рекомендации уже подтверждено")
    rec.status, rec.acknowledged_at = RecommendationStatus.ACKNOWLEDGED, timezone.now()
    rec.version += 1
    rec.save(update_fields=["status", "acknowledged_at", "version"])
    journal(JournalAction.UPDATE, user=actor, obj=rec, what="recommendation acknowledged")
    return rec


@transaction.atomic
def answer(actor, rec, measures, measures_due, version=None, today=None):
    """The municipal coordinator answers with the measures taken and their deadline (an answer given may be
    corrected; the history keeps every version). The sender is notified."""
    rec = _answerable(actor, rec)
    _check_version(rec, version)
    measures = _text(measures, "принятые меры", LONG_TEXT_MAX, required=True)
    due = _future_date(measures_due, "срок исполнения мер", today)
    now = timezone.now()
    rec.acknowledged_at = rec.acknowledged_at or now
    rec.measures, rec.measures_due = measures, due
    rec.status, rec.answered_at, rec.answered_by = RecommendationStatus.ANSWERED, now, actor
    rec.version += 1
    rec.save(
        update_fields=[
            "acknowledged_at",
            "measures",
            "measures_due",
            "status",
            "answered_at",
            "answered_by",
            "version",
        ]
    )
    notify(
        [rec.sent_by],
        f"Ответ на рекомендацию: {rec.municipality} — показатель «{rec.indicator.code}», меры до {_d(due)}",
        recommendation_url(rec),
    )
    journal(JournalAction.UPDATE, user=actor, obj=rec, what="recommendation answered")
    return rec


def overdue(queryset, today=None):
    """The recommendations sent and not answered whose answer is past due."""
    today = today or datetime.date.today()
    return queryset.filter(status__in=OPEN, answer_due__lt=today)


def remind_overdue(today=None):
    """Notifications, once each, of the recommendations whose answer is overdue: to the municipality's
    coordinators and to the sender (run daily: `profrost monitoring remind`). Returns the number reminded of."""
    today = today or datetime.date.today()
    late = list(
        overdue(Recommendation.objects.all(), today).select_related("indicator", "municipality", "snapshot")
    )
    if not late:
        return 0
    already = sent_before({recommendation_url(r) for r in late})
    coordinators = {}
    for user_id, municipality_id in User.objects.filter(
        is_active=True,
        roles__is_active=True,
        roles__role=RoleCode.MUNICIPAL_COORDINATOR,
        roles__municipality_id__in={r.municipality_id for r in late},
    ).values_list("pk", "roles__municipality_id"):
        coordinators.setdefault(municipality_id, set()).add(user_id)
    notes, reminded = [], 0
    for rec in late:
        url = recommendation_url(rec)
        text = (
            f"Просрочен ответ на адресную рекомендацию: {rec.municipality} — показатель «{rec.indicator.code}» "
            f"({rec.snapshot.period}), срок был {_d(rec.answer_due)}"
        )[:500]
        if (url, text) in already:
            continue
        already.add((url, text))
        for user_id in coordinators.get(rec.municipality_id, set()) | ({rec.sent_by_id} - {None}):
            notes.append((user_id, text, url))
        reminded += 1
    notify_each(notes)
    return reminded


def unit_label(level, unit_id):
    return unit_names(level, [unit_id]).get(unit_id, f"№ {unit_id}")


# --- indicator sets, own indicators and targets (docs/monitoring.md §1) ---------------------------------------------

SET_CODE = re.compile(r"^[0-9A-Za-zА-Яа-яЁё._-]{1,40}$")


def _clean_model(obj):
    """Model validation (Indicator.clean, Target.clean) as a MonitoringError with the first message."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        messages = (
            [m for ms in exc.message_dict.values() for m in ms]
            if hasattr(exc, "message_dict")
            else exc.messages
        )
        raise MonitoringError(messages[0]) from None


@transaction.atomic
def choose_set(actor, indicator_set, request=None):
    """The region's chosen set (the dashboard's and the rating's default): exactly one."""
    _require(may_manage_monitoring, actor)

    IndicatorSet.objects.exclude(pk=indicator_set.pk).update(is_chosen=False)
    IndicatorSet.objects.filter(pk=indicator_set.pk).update(is_chosen=True)
    journal(JournalAction.UPDATE, request=request, user=actor, obj=indicator_set, change="choose")


@transaction.atomic
def create_set(actor, *, code, name, source="", copy_from=None, request=None):
    """The region's own set; `copy_from` copies a set's indicators and default targets to start from."""
    _require(may_manage_monitoring, actor)

    code = _text(code, "код набора", 40, required=True)
    if not SET_CODE.match(code):
        raise MonitoringError("Код набора — буквы, цифры, точка, дефис или подчёркивание, до 40 знаков")
    name = _text(name, "наименование набора", 300, required=True)
    if IndicatorSet.objects.filter(code=code).exists():
        raise MonitoringError(f"Набор с кодом «{code}» уже есть")
    new = IndicatorSet.objects.create(code=code, name=name, source=_text(source, "источник"), order=100)
    if copy_from is not None:
        for ind in copy_from.indicators.all():
            targets = list(ind.targets.all())
            ind.pk, ind.id, ind.indicator_set = None, None, new
            ind.save()
            Target.objects.bulk_create(
                [Target(indicator=ind, period=t.period, value=t.value) for t in targets]
            )
    journal(JournalAction.CREATE, request=request, user=actor, obj=new, what="набор показателей")
    return new


@transaction.atomic
def add_indicator(
    actor,
    indicator_set,
    *,
    code,
    name,
    numerator,
    denominator,
    unit,
    direction,
    levels,
    target=None,
    source="",
    request=None,
):
    """An indicator of the region's own set, composed of two measures of the catalogue (Indicator.clean refuses
    measures of different kinds, unknown codes); the shipped sets keep the seeds' words and are not extended."""
    _require(may_manage_monitoring, actor)

    if indicator_set.is_shipped:
        raise MonitoringError(
            "Наборы из регламентов не меняются: создайте свой набор (можно на основе этого)"
        )
    code = _text(code, "код показателя", 20, required=True)
    if indicator_set.indicators.filter(code=code).exists():
        raise MonitoringError(f"Показатель с кодом «{code}» уже есть в наборе")
    ind = Indicator(
        indicator_set=indicator_set,
        code=code,
        name=_text(name, "наименование показателя", LONG_TEXT_MAX, required=True),
        numerator=numerator or "",
        denominator=denominator or "",
        unit=unit,
        direction=direction,
        levels=list(levels or []),
        source=_text(source, "источник"),
        order=indicator_set.indicators.count(),
    )
    _clean_model(ind)
    ind.save()
    if target is not None:
        t = Target(indicator=ind, period="", value=target)
        _clean_model(t)
        t.save()
    journal(JournalAction.CREATE, request=request, user=actor, obj=ind, what="показатель")
    return ind


@transaction.atomic
def set_target(actor, indicator, *, period_code, value, request=None):
    """The indicator's target for a period (a period code, §2) or by default (empty code); no value removes it."""
    _require(may_manage_monitoring, actor)

    period_code = (period_code or "").strip()
    if period_code:
        try:
            period_code = parse(period_code).code
        except PeriodError as exc:
            raise MonitoringError(str(exc)) from None
    if value is None:
        Target.objects.filter(indicator=indicator, period=period_code).delete()
        return None
    t = Target.objects.filter(indicator=indicator, period=period_code).first() or Target(
        indicator=indicator, period=period_code
    )
    t.value = value
    _clean_model(t)
    t.save()
    journal(
        JournalAction.UPDATE, request=request, user=actor, obj=indicator, change="target", period=period_code
    )
    return t

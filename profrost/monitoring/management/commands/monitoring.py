"""`profrost monitoring …` — the monitoring from the command line (docs/monitoring.md):

- `rating --set CODE [--date DATE] --out FILE.xlsx` — the rating of municipalities (§8) for the half-year that
  contains DATE (default: the last half-year that is over), computed live (not published): «Место»,
  «Муниципалитет», «Балл» (3 decimals), then one column per indicator of the rating (its value, percentages
  half-up to one decimal);
- `remind` — notifications of recommendations whose answer is overdue (§9; run daily, each sent once);
- `compute --set CODE (--from DATE --to DATE | --period CODE) [--level municipality] --out FILE.xlsx` — every
  indicator of a set × every unit of the level for the period, computed live (§11);
- `sets` — the indicator sets and their codes (§11);
- `token LOGIN [--new | --revoke]` — the API token of a user who may view the monitoring, printed (§12).

Each sub-command has its own `add_<name>_arguments(sub)` function and its own `do_<name>(self, options)`
method: a new sub-command adds both and touches neither of the others.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from rest_framework.authtoken.models import Token

from profrost.accounts.models import User
from profrost.core import periods
from profrost.core.exports import check_output, write_xlsx
from profrost.core.journal import journal
from profrost.core.models import JournalAction
from profrost.core.periods import last_half_year
from profrost.monitoring import actions
from profrost.monitoring import rating as ratings
from profrost.monitoring.api import value_rows
from profrost.monitoring.models import IndicatorSet, Level, ValueUnit
from profrost.monitoring.permissions import may_view_monitoring

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
MIN_YEAR, MAX_YEAR = 2000, 2100
RATING_HEADERS = ["Место", "Муниципалитет", "Балл"]


def parse_date(text):
    text = (text or "").replace("\x00", "").strip()
    for fmt in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if MIN_YEAR <= day.year <= MAX_YEAR:
            return day
        raise CommandError(f"дата вне допустимого диапазона ({MIN_YEAR}–{MAX_YEAR}): {text[:50]}")
    raise CommandError(f"неверная дата «{text[:50]}»: укажите ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")


def indicator_set(code):
    found = IndicatorSet.objects.filter(code=(code or "").replace("\x00", "").strip()[:40]).first()
    if found is None:
        known = ", ".join(IndicatorSet.objects.values_list("code", flat=True))
        raise CommandError(f"набор показателей «{(code or '')[:50]}» не найден; есть: {known}")
    return found


def rating_sheet(rating):
    """(headers, rows) of the rating as the CLI and the page's XLSX write it."""
    headers = RATING_HEADERS + [f"{c.code}. {c.name}" for c in rating.columns]
    rows = []
    for row in rating.rows:
        values = {p.column.code: p.shown for p in row.parts}
        rows.append([row.place, row.name, row.shown_score, *[values.get(c.code) for c in rating.columns]])
    return headers, rows


# --- rating ------------------------------------------------------------------------------------------------------


def add_rating_arguments(sub):
    p = sub.add_parser(
        "rating", help="рейтинг муниципалитетов за полугодие в XLSX (расчёт по текущим данным)"
    )
    p.add_argument("--set", required=True, dest="set_code", help="код набора показателей, например 004")
    p.add_argument(
        "--date",
        help="дата внутри полугодия (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД); по умолчанию — последнее завершённое полугодие",
    )
    p.add_argument("--out", required=True, help="файл XLSX")


# --- remind ------------------------------------------------------------------------------------------------------


def add_remind_arguments(sub):
    sub.add_parser("remind", help="уведомления о просроченных ответах на адресные рекомендации")


# --- compute (docs/monitoring.md §11) ----------------------------------------------------------------------------

COMPUTE_HEADERS = [
    "Код",
    "Показатель",
    "Уровень",
    "Единица",
    "Числитель",
    "Знаменатель",
    "Значение",
    "Цель",
    "Достигнута",
]


def add_compute_arguments(sub):
    p = sub.add_parser("compute", help="значения показателей набора за период в XLSX (по текущим данным)")
    p.add_argument("--set", required=True, dest="set_code", help="код набора показателей (004, 000, 003…)")
    p.add_argument("--from", dest="date_from", help="начало периода (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)")
    p.add_argument("--to", dest="date_to", help="окончание периода")
    p.add_argument("--period", help="период кодом вместо дат: 2025-2026, 2026-H1, 2026")
    p.add_argument("--level", default=Level.MUNICIPALITY, choices=Level.values, help="уровень (municipality)")
    p.add_argument("--out", required=True, help="файл XLSX")


def option_date(options, name, option):
    try:
        return parse_date(options[name])
    except CommandError as exc:
        raise CommandError(f"{option}: {exc}") from None


def compute_period(options):
    """The period of --period or of --from and --to (core.periods.between): PeriodError's Russian message (an end
    before the start, more than ten years) as the command's error."""
    try:
        if options.get("period"):
            if options.get("date_from") or options.get("date_to"):
                raise CommandError("укажите либо --period, либо --from и --to")
            return periods.parse(options["period"])
        if not options.get("date_from") or not options.get("date_to"):
            raise CommandError("укажите период: --from ДАТА --to ДАТА (или --period КОД)")
        return periods.between(
            option_date(options, "date_from", "--from"), option_date(options, "date_to", "--to")
        )
    except periods.PeriodError as exc:
        raise CommandError(str(exc)) from None


def compute_rows(chosen, period, level):
    """The rows of COMPUTE_HEADERS (api.value_rows: every indicator offered at the level × every unit, one
    compute()): numerators and denominators whole, shares and ratios half-up to one decimal, counts whole, yes/no
    as «да»/«нет»; «Достигнута» empty where there is no target or no value."""
    label = Level(level).label
    for row in value_rows(chosen.indicators.order_by("order", "code"), period, level):
        ind, shown = row.indicator, row.shown
        if ind.unit == ValueUnit.YESNO and shown is not None:
            shown = "да" if shown else "нет"
        yield [ind.code, ind.name, label, row.unit_name, row.numerator, row.denominator, shown, row.target,
               row.value.met]  # fmt: skip


# --- sets ----------------------------------------------------------------------------------------------------------


def add_sets_arguments(sub):
    sub.add_parser("sets", help="наборы показателей и их коды")


# --- token (docs/monitoring.md §12) --------------------------------------------------------------------------------


def add_token_arguments(sub):
    p = sub.add_parser("token", help="токен API мониторинга для пользователя (печатается)")
    p.add_argument("login", help="логин пользователя, которому доступен мониторинг")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--new", action="store_true", help="выпустить новый токен вместо прежнего")
    group.add_argument("--revoke", action="store_true", help="отозвать токен")


class Command(BaseCommand):
    help = "Мониторинг: рейтинг муниципалитетов, напоминания о рекомендациях, значения показателей, наборы, токены API"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add_rating_arguments(sub)
        add_remind_arguments(sub)
        add_compute_arguments(sub)
        add_sets_arguments(sub)
        add_token_arguments(sub)

    def handle(self, action, **options):
        return getattr(self, f"do_{action}")(options)

    def do_rating(self, options):
        out = options["out"]
        if not out.lower().endswith(".xlsx"):
            raise CommandError("файл для выгрузки должен иметь расширение .xlsx")
        check_output(out)
        chosen = indicator_set(options["set_code"])
        period = (
            ratings.half_year_of(parse_date(options["date"])) if options.get("date") else last_half_year()
        )
        rating = ratings.live(chosen, period)
        headers, rows = rating_sheet(rating)
        try:
            write_xlsx(out, [("Рейтинг", headers, rows)])
        except OSError as exc:
            raise CommandError(f"не удалось записать файл {out}: {exc.strerror or exc}") from exc
        journal(JournalAction.EXPORT, what="monitoring rating", source="cli", period=period.code)
        self.stdout.write(
            f"Рейтинг за {period.label} ({chosen.code}): муниципалитетов {len(rows)}, показателей "
            f"{len(rating.columns)}; выгружено: {out}"
        )
        for label, reason in rating.skipped:
            self.stdout.write(f"  не входит в рейтинг: {label[:80]} — {reason}")

    def do_remind(self, options):
        self.stdout.write(f"Напоминаний о просроченных ответах на рекомендации: {actions.remind_overdue()}")

    def do_compute(self, options):
        out = options["out"]
        if not out.lower().endswith(".xlsx"):
            raise CommandError("файл для выгрузки должен иметь расширение .xlsx")
        check_output(out)
        chosen = indicator_set(options["set_code"])
        period = compute_period(options)
        level = options["level"]
        rows = list(compute_rows(chosen, period, level))
        try:
            write_xlsx(out, [(f"Набор {chosen.code}", COMPUTE_HEADERS, rows)])
        except OSError as exc:
            raise CommandError(f"не удалось записать файл {out}: {exc.strerror or exc}") from exc
        journal(JournalAction.EXPORT, what="monitoring values", source="cli", period=period.code, level=level)
        self.stdout.write(
            f"Набор {chosen.code}, {period.label}, уровень «{Level(level).label}»: строк {len(rows)}; "
            f"выгружено: {out}"
        )

    def do_sets(self, options):
        found = IndicatorSet.objects.annotate(size=Count("indicators")).order_by("order", "code")
        for s in found:
            chosen = " [выбран регионом]" if s.is_chosen else ""
            self.stdout.write(f"{s.code}\t{s.name} — показателей: {s.size}{chosen}")
        if not found:
            self.stdout.write("Наборов показателей нет.")

    def do_token(self, options):
        """The API token of a user who may view the monitoring, printed; --new replaces it, --revoke deletes it."""
        login = options["login"].replace("\x00", "").strip()
        user = User.objects.filter(username=login[:150]).first()
        if user is None:
            raise CommandError(f"пользователь «{login[:50]}» не найден")
        if options["revoke"]:
            deleted, _ = Token.objects.filter(user=user).delete()
            journal(JournalAction.DELETE, obj=user, what="monitoring api token", source="cli")
            self.stdout.write("Токен отозван." if deleted else "Токена не было.")
            return
        if not user.is_active:
            raise CommandError(f"пользователь «{login[:50]}» заблокирован: токен не выдаётся")
        if not may_view_monitoring(user):
            raise CommandError(
                f"пользователю «{login[:50]}» мониторинг недоступен: токен выдаётся только сотрудникам региона "
                "и координаторам"
            )
        if options["new"]:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            journal(JournalAction.CREATE, obj=user, what="monitoring api token", source="cli")
        self.stdout.write(token.key)

"""Reporting periods (docs/monitoring.md §2): a period is an inclusive date range — an academic year
(September–August), a half-year (January–June, July–December: the rating's June and December, 004_… 1.4), a
calendar year, or custom dates. A population is taken on the period's last day; events count when they fall
within it. Knows no domain: the monitoring, the registers and the exports use it alike.
"""

import datetime
import re
from dataclasses import dataclass

MAX_YEARS = 10
MIN_YEAR = 2000


class PeriodError(ValueError):
    """A period refused; the message is for the user (Russian)."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    kind: str = "custom"  # academic_year | half_year | year | custom

    def __post_init__(self):
        check(self.start, self.end)

    @property
    def label(self):
        if self.kind == "academic_year":
            return f"{self.start.year}/{self.end.year} учебный год"
        if self.kind == "half_year":
            half = "I полугодие" if self.start.month == 1 else "II полугодие"
            return f"{half} {self.start.year} года"
        if self.kind == "year":
            return f"{self.start.year} год"
        return f"{self.start:%d.%m.%Y} — {self.end:%d.%m.%Y}"

    @property
    def code(self):
        """A short stable text for URLs and files: «2025-2026», «2026-H1», «2026», «2026-01-01..2026-03-31»."""
        if self.kind == "academic_year":
            return f"{self.start.year}-{self.end.year}"
        if self.kind == "half_year":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def is_over(self, today=None):
        return self.end < (today or datetime.date.today())

    def previous(self):
        """The period of the same kind just before this one (custom: the same length just before)."""
        if self.kind == "academic_year":
            return academic_year(self.start.year - 1)
        if self.kind == "half_year":
            return (
                half_year(self.start.year - 1, 2) if self.start.month == 1 else half_year(self.start.year, 1)
            )
        if self.kind == "year":
            return calendar_year(self.start.year - 1)
        length = self.end - self.start
        end = self.start - datetime.timedelta(days=1)
        return Period(end - length, end)


def check(start, end):
    if start is None or end is None:
        raise PeriodError("Укажите начало и окончание периода")
    if end < start:
        raise PeriodError("Период заканчивается раньше, чем начинается")
    if start.year < MIN_YEAR:
        raise PeriodError(f"Период начинается раньше {MIN_YEAR} года")
    limit = datetime.date(
        start.year + MAX_YEARS, start.month, 28 if (start.month, start.day) == (2, 29) else start.day
    )
    if end >= limit:
        raise PeriodError(f"Период длиннее {MAX_YEARS} лет")


def academic_year(first_year):
    """1 September of `first_year` — 31 August of the next."""
    return Period(datetime.date(first_year, 9, 1), datetime.date(first_year + 1, 8, 31), "academic_year")


def half_year(year, half):
    if half == 1:
        return Period(datetime.date(year, 1, 1), datetime.date(year, 6, 30), "half_year")
    return Period(datetime.date(year, 7, 1), datetime.date(year, 12, 31), "half_year")


def calendar_year(year):
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year")


def current_academic_year(today=None):
    today = today or datetime.date.today()
    return academic_year(today.year if today.month >= 9 else today.year - 1)


def last_half_year(today=None):
    """The latest half-year that is over — the one a rating is published for (December's rating covers July–
    December and is published once December is over; June's, January–June)."""
    today = today or datetime.date.today()
    return half_year(today.year - 1, 2) if today.month <= 6 else half_year(today.year, 1)


_PATTERNS = (
    (re.compile(r"^(\d{4})\s*[-/]\s*(\d{4})$"), "academic_year"),
    (re.compile(r"^(\d{4})\s*-\s*H([12])$", re.I), "half_year"),
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$"), "custom"),
)


def parse(text):
    """A period from its code (Period.code); PeriodError with a Russian message otherwise."""
    text = (text or "").strip()
    if len(text) > 40 or "\x00" in text:
        raise PeriodError("Неверный период")
    for pattern, kind in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        try:
            if kind == "academic_year":
                first, second = int(m.group(1)), int(m.group(2))
                if second != first + 1:
                    raise PeriodError("Учебный год — два соседних года, например 2025-2026")
                return academic_year(first)
            if kind == "half_year":
                return half_year(int(m.group(1)), int(m.group(2)))
            if kind == "year":
                return calendar_year(int(m.group(1)))
            return Period(datetime.date.fromisoformat(m.group(1)), datetime.date.fromisoformat(m.group(2)))
        except ValueError as exc:
            if isinstance(exc, PeriodError):
                raise
            raise PeriodError("Неверная дата периода") from None
    raise PeriodError(
        "Неверный период: укажите учебный год (2025-2026), полугодие (2026-H1), год (2026) или даты"
    )


def between(start, end):
    """A custom period from two dates, checked."""
    return Period(start, end)

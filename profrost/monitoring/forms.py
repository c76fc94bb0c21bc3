"""The monitoring pages' parameters (docs/monitoring.md §5): the set, the period (an academic year, a half-year, a
calendar year — by its core.periods code — or custom dates), the level and the parent unit, and, on the people
behind a number, the indicator, the side, the unit, the name search and the sorting. Read through FilterForm: a
bad value is named in a Russian message and the page falls back to its default — never a 500.

Also the form of a value entered by hand (a yes/no indicator, or one the system cannot compute)."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages

from profrost.core import periods
from profrost.core.filters import (
    ChoiceFilter,
    DateFilter,
    FilterForm,
    IdFilter,
    TextFilter,
    without_nul,
)
from profrost.core.forms import BootstrapMixin
from profrost.monitoring.models import Level, ValueUnit

CUSTOM = "custom"
LEVEL_CHOICES = list(Level.choices)
SIDES = [
    ("num", "числитель"),
    ("den", "знаменатель"),
    ("gap", "в знаменателе, но не в числителе"),
]
SORTS = [("name", "по ФИО (А–Я)"), ("-name", "по ФИО (Я–А)")]


class PeriodFilter(forms.CharField):
    """A core.periods code («2025-2026», «2026-H1», «2026», «2026-01-01..2026-03-31») → a Period; «custom»
    (dates given in `start` and `end`) is passed through. A refused code carries periods.parse's message."""

    def __init__(self, *, label="Период", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if value == CUSTOM:
            return CUSTOM
        try:
            return periods.parse(value)
        except periods.PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None


class MonitoringFilter(FilterForm):
    """The parameters every monitoring page reads; `chosen_period(default)` resolves the period."""

    set = IdFilter(label="Набор показателей")
    period = PeriodFilter()
    start = DateFilter(label="Начало периода")
    end = DateFilter(label="Окончание периода")
    level = ChoiceFilter(label="Уровень", choices=LEVEL_CHOICES)
    within = IdFilter(label="В составе")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        data["custom"] = None
        if (start or end) and data.get("period") in (None, CUSTOM):
            try:
                data["custom"] = periods.between(start, end)
            except periods.PeriodError as exc:
                self.add_error("end" if start else "start", str(exc))
        elif data.get("period") == CUSTOM and "start" not in self.errors and "end" not in self.errors:
            self.add_error("start", "Укажите начало и окончание периода")
        return data

    def chosen_period(self, default):
        """The period asked for (custom dates, else the code), else `default`."""
        self.is_valid()
        custom = self.cleaned_data.get("custom")
        if custom is not None:
            return custom
        chosen = self.cleaned_data.get("period")
        return chosen if isinstance(chosen, periods.Period) else default

    def notify(self, request, fallback=""):
        """A Russian message for every refused value, with the reason (the period's own message)."""
        self.is_valid()
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field else "Период"
            reason = "; ".join(str(e).rstrip(".") for e in errors)
            tail = (
                f" {fallback}" if fallback and name in ("period", "start", "end") else " Фильтр не применён."
            )
            messages.error(request, f"Неверное значение «{label}»: {reason}.{tail}")


class BehindFilter(MonitoringFilter):
    """The people (or organizations) behind a number."""

    indicator = IdFilter(label="Показатель")
    side = ChoiceFilter(label="Список", choices=SIDES)
    unit = IdFilter(label="Единица")
    q = TextFilter(label="ФИО")
    sort = ChoiceFilter(label="Сортировка", choices=SORTS)


def period_choices(current, today=None):
    """[(group label, [(code, label)])] for the period select: the last five academic years, the last six
    half-years, the last five calendar years; the current period added where it is none of them (custom)."""
    today = today or datetime.date.today()
    year = periods.current_academic_year(today).start.year
    academic = [periods.academic_year(y) for y in range(year, year - 5, -1)]
    halves, half = [], periods.half_year(today.year, 1 if today.month <= 6 else 2)
    for _ in range(6):
        halves.append(half)
        half = half.previous()
    years = [periods.calendar_year(y) for y in range(today.year, today.year - 5, -1)]
    groups = [
        ("Учебный год", academic),
        ("Полугодие", halves),
        ("Календарный год", years),
    ]
    known = {p.code for _, ps in groups for p in ps}
    out = [(label, [(p.code, p.label) for p in ps]) for label, ps in groups]
    if current.code not in known:
        out.insert(0, ("Выбранный период", [(current.code, current.label)]))
    return out


# --- a value entered by hand ------------------------------------------------------------------------------------


class ManualValueForm(BootstrapMixin, forms.Form):
    """A value of a yes/no indicator (or one without a measure) for a unit and a period. An empty value removes
    the entered one."""

    unit = forms.TypedChoiceField(label="Единица", coerce=int)
    value = forms.CharField(label="Значение", required=False, max_length=20)
    note = forms.CharField(label="Основание", required=False, max_length=500)

    def __init__(self, *args, indicator, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["unit"].choices = [(pk, name) for pk, name in units]
        if indicator.unit == ValueUnit.YESNO:
            self.fields["value"] = forms.ChoiceField(
                label="Значение", required=False, choices=[("", "не введено"), ("1", "да"), ("0", "нет")]
            )
            self.fields["value"].widget.attrs["class"] = "form-select"

    def clean_note(self):
        return without_nul(self.cleaned_data["note"]).strip()

    def clean_value(self):
        text = (
            without_nul(self.cleaned_data.get("value") or "").strip().replace(",", ".").replace("\u00a0", "")
        )
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("Введите число, например 85 или 12,5") from None
        if not value.is_finite() or value < 0:
            raise forms.ValidationError("Значение не может быть отрицательным")
        if value >= Decimal("1e10"):
            raise forms.ValidationError("Слишком большое значение")
        if self.indicator.unit == ValueUnit.PERCENT and value > 1000:
            raise forms.ValidationError("Доля — не более 1000 %")
        return value.quantize(Decimal("0.01"))

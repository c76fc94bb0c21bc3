"""The GET parameters of the pages: every one is read through a `FilterForm`, never from `request.GET` by hand.

A query string is typed by anyone, so a bad value is not an error page: the filter is ignored and the page
says which one was wrong («Неверное значение фильтра «Год»»). The fields below make a value safe before it
reaches the database: text loses NUL bytes (PostgreSQL refuses them) and is bounded in length, numbers and
ids are bounded integers (PostgreSQL integer overflow, Python's digit limit, `datetime(0, 1, 1)`), choices
are one of their values. The page number is read by the paginator, which accepts anything (core.paging).
"""

from django import forms
from django.contrib import messages

MAX_TEXT = 200
MAX_ID = 2**63 - 1  # bigint, the type of every primary and foreign key (BigAutoField)
MIN_YEAR, MAX_YEAR = 1900, 2100


def without_nul(value):
    """A string with its NUL bytes removed (PostgreSQL cannot store them in text or jsonb)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class TextFilter(forms.CharField):
    """Free text to search by: NUL bytes removed, surrounding spaces trimmed, at most `max_length` characters."""

    def __init__(self, *, label=None, max_length=MAX_TEXT, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, max_length=max_length, **kwargs)

    def to_python(self, value):
        return super().to_python(without_nul(value))


class IntFilter(forms.IntegerField):
    """A bounded whole number (hours, a year, a question number)."""

    def __init__(self, *, label=None, min_value=0, max_value=2**31 - 1, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, min_value=min_value, max_value=max_value, **kwargs)


class IdFilter(IntFilter):
    """The primary key of a row given in the query string (`?municipality=12`): a positive bigint. Whether the
    row is visible to the user is the view's business, as for any id."""

    def __init__(self, *, label=None, **kwargs):
        super().__init__(label=label, min_value=1, max_value=MAX_ID, **kwargs)


class YearFilter(IntFilter):
    def __init__(self, *, label="Год", **kwargs):
        super().__init__(label=label, min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


class DateFilter(forms.DateField):
    """A day, as a date input sends it (2026-12-01) or as typed (01.12.2026), between the years 1900 and 2100."""

    def __init__(self, *, label=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d.%m.%Y"])
        super().__init__(label=label, **kwargs)

    def to_python(self, value):
        day = super().to_python(without_nul(value))
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError("дата вне допустимого диапазона")
        return day


class ChoiceFilter(forms.ChoiceField):
    """One of the given values, or nothing. `choices` may omit the empty choice."""

    def __init__(self, *, label=None, choices=(), **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, choices=choices, **kwargs)


class FilterForm(forms.Form):
    """The GET parameters of one page. `FilterForm.of(request)` binds `request.GET`, tells the user about every
    invalid value (a message) and leaves in `values` each field's clean value, or its empty value when the
    given one was invalid or absent — so a view reads `form.values["year"]` and never sees a bad value."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)

    @classmethod
    def of(cls, request, *, notify=True, **kwargs):
        form = cls(request.GET, **kwargs)
        if notify:
            form.notify(request)
        return form

    @property
    def values(self):
        self.is_valid()
        out = {}
        for name, field in self.fields.items():
            if name in self.cleaned_data:
                out[name] = self.cleaned_data[name]
            else:
                out[name] = field.initial if field.initial is not None else field.to_python(None)
        return out

    @property
    def invalid(self):
        """The labels of the fields whose given value was refused."""
        self.is_valid()
        return [str(self.fields[name].label or name) for name in self.errors if name in self.fields]

    def chips(self, request, names=None, hidden=("format",)):
        """The filters in force as removable chips (the template _filter_chips.html): [{"label": "Статус:
        утверждён", "url": "?…"}], each url being the page's query without that filter and the page number.
        `names` gives the display name of ids ({"municipality": {12: "Город N"}}); an id missing from it (not
        visible to the user, or deleted) still gets a chip, so it can be removed."""
        names = names or {}
        chips = []
        for name, value in self.values.items():
            if name in hidden or value in (None, "", False):
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField):
                shown = dict(field.choices).get(value, value)
            elif name in names:
                shown = names[name].get(value) or f"№ {value}"
            else:
                shown = value
            query = request.GET.copy()
            query.pop(name, None)
            query.pop("page", None)
            chips.append({"name": name, "label": f"{field.label}: {shown}", "url": f"?{query.urlencode()}"})
        return chips

    def notify(self, request):
        for label in self.invalid:
            messages.error(request, f"Неверное значение фильтра «{label}»: фильтр не применён.")


def parse_id(value):
    """A row id from a hand-read POST value (`<button name="remove" value="12">`), or None: `IdFilter`'s rule
    for the few forms posted without a Django form."""
    try:
        return IdFilter().clean(value)
    except forms.ValidationError:
        return None


class FormatFilter(FilterForm):
    """`?format=…` of a page that also gives itself as a file."""

    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX"), ("pdf", "PDF"), ("docx", "DOCX")])


def wanted_format(request):
    return FormatFilter.of(request).values["format"]

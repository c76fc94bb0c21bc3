from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields as they come."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")


def apply_rule(form, field, rule, *args):
    """Run a model's rule (a function raising ValidationError, applied by the imports too) in a form: its
    message becomes the field's error, capitalized like the form's own messages. True when the rule holds."""
    try:
        rule(*args)
    except ValidationError as exc:
        form.add_error(field, [capfirst(message) for message in exc.messages])
        return False
    return True


class DateInput(forms.DateInput):
    """A calendar date field: the browser's own date picker, sending 2026-12-01 (every date field accepts that
    as well as a typed 01.12.2026, formats.ru DATE_INPUT_FORMATS)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"min": "1900-01-01", "max": "2100-12-31", **(attrs or {})}, format="%Y-%m-%d")


def date_widget(**attrs):
    """The widget of every date in a form (issue 11: dates as date inputs)."""
    return DateInput(attrs)


class EndNotBeforeStart:
    """Forms with «start» and «end» dates: the end may not come before the start (the one message for it)."""

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Окончание раньше начала")
        return data


# Optimistic locking (docs/security.md §19): shown when a save finds the record's version changed.
CONFLICT_MESSAGE = (
    "Запись изменена другим пользователем, пока вы её редактировали. Ваши изменения не сохранены: "
    "откройте карточку заново и внесите их ещё раз."
)

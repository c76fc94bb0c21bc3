"""The asset's forms: the register's filters, the nomination, the approval's order, the exclusion, the
assignment of a teacher, a lesson visit with its protocol, a consultation. They read and shape the input; the rules are the actions' (support.actions), so a page
and the command line refuse the same things with the same words."""

from django import forms

from profrost.core.filters import ChoiceFilter, FilterForm, IdFilter, TextFilter
from profrost.core.forms import BootstrapMixin, date_widget
from profrost.core.lookups import LookupField, LookupFormMixin
from profrost.diagnostics.models import Campaign, Competence
from profrost.people.models import Subject
from profrost.resources.models import Program, ProgramStatus
from profrost.routes.models import Section
from profrost.structure.models import Municipality
from profrost.support.criteria import ASSESSMENT_KINDS
from profrost.support.models import (
    ActivityFormat,
    ConsultationKind,
    Direction,
    Engagement,
    Ground,
    MemberStatus,
    ObservedLevel,
)

BAD_DATE = "Неверная дата: укажите её как 01.09.2025"


class RegisterFilter(FilterForm):
    q = TextFilter(label="ФИО")
    direction = ChoiceFilter(label="Направление", choices=Direction.choices)
    municipality = IdFilter(label="Муниципалитет")
    status = ChoiceFilter(label="Статус", choices=MemberStatus.choices)
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


class NominationForm(LookupFormMixin, BootstrapMixin, forms.Form):
    person = LookupField(
        "asset_nominees",
        label="Кандидат",
        error_messages={
            "required": "Выберите педагога из списка",
            "invalid_choice": "Педагог не найден среди работников вашей организации (муниципалитета)",
        },
    )
    directions = forms.MultipleChoiceField(
        label="Направления работы",
        choices=Direction.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": "Выберите хотя бы одно направление работы"},
    )
    subjects = forms.ModelMultipleChoiceField(
        label="Предметные области", queryset=Subject.objects.all(), required=False
    )
    zone = forms.ModelMultipleChoiceField(
        label="Зона — муниципалитеты, которые будет обслуживать методист",
        queryset=Municipality.objects.all(),
        error_messages={"required": "Укажите хотя бы один муниципалитет зоны"},
    )
    engagement = forms.ChoiceField(
        label="Форма привлечения", choices=Engagement.choices, initial=Engagement.CONTRACT
    )
    assessment_campaign = forms.ModelChoiceField(
        label="Оценка методических компетенций (например, ФИОКО)",
        queryset=Campaign.objects.filter(kind__in=ASSESSMENT_KINDS).order_by("-created_at"),
        required=False,
        empty_label="— учитывать любую диагностику —",
    )
    training_program = forms.ModelChoiceField(
        label="Программа обучения по методическому сопровождению",
        queryset=Program.objects.exclude(status=ProgramStatus.DRAFT).order_by("title"),
        required=False,
        empty_label="— по названию программы —",
    )
    grounds = forms.MultipleChoiceField(
        label="Дополнительные основания",
        choices=Ground.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    grounds_note = forms.CharField(
        label="Подтверждение оснований (МО, комиссия, сообщество…)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    note = forms.CharField(
        label="Представление: чем кандидат подходит",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class OrderForm(BootstrapMixin, forms.Form):
    """The order's number and date (checked by the action: present, the date not in the future)."""

    order_number = forms.CharField(label="Номер приказа", required=False, max_length=100)
    order_date = forms.DateField(
        label="Дата приказа", required=False, widget=date_widget(), error_messages={"invalid": BAD_DATE}
    )


class ApprovalForm(OrderForm):
    end = forms.DateField(
        label="Срок включения — по (необязательно)",
        required=False,
        widget=date_widget(),
        error_messages={"invalid": BAD_DATE},
    )


class ExclusionForm(OrderForm):
    reason = forms.CharField(
        label="Причина исключения", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class AssignForm(LookupFormMixin, BootstrapMixin, forms.Form):
    person = LookupField(
        "people",
        label="Педагог",
        error_messages={
            "required": "Выберите педагога из списка",
            "invalid_choice": "Педагог не найден в вашей области доступа",
        },
    )
    direction = forms.ChoiceField(label="Направление", choices=Direction.choices)
    since = forms.DateField(
        label="Закреплён с (пусто — сегодня)",
        required=False,
        widget=date_widget(),
        error_messages={"invalid": BAD_DATE},
    )

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None:
            labels = dict(Direction.choices)
            self.fields["direction"].choices = [(d, labels[d]) for d in member.directions if d in labels]
            self.fields["direction"].error_messages["invalid_choice"] = (
                "Выберите одно из направлений методиста"
            )


# --- support activities (docs/support.md §8) ---------------------------------------------------------------------

PROTOCOL_ROWS = 8  # competences observed in one lesson: the form offers this many rows


def competence_choices():
    return [("", "—")] + [
        (c.pk, f"{c.code} {c.name}")
        for c in Competence.objects.filter(is_active=True)
        .select_related("group")
        .order_by("group__order", "order", "code")
    ]


class VisitForm(LookupFormMixin, BootstrapMixin, forms.Form):
    """A lesson visit done, with its protocol (rows of competence, level, comment) — or only planned."""

    person = LookupField(
        "support_teachers",
        label="Педагог",
        error_messages={
            "required": "Выберите педагога из списка",
            "invalid_choice": "Педагог не найден среди закреплённых за вами (в вашей области доступа)",
        },
    )
    planned = forms.BooleanField(label="Только запланировать (посещение ещё не проведено)", required=False)
    planned_on = forms.DateField(
        label="Запланировано на", required=False, widget=date_widget(), error_messages={"invalid": BAD_DATE}
    )
    date = forms.DateField(
        label="Дата посещения", required=False, widget=date_widget(), error_messages={"invalid": BAD_DATE}
    )
    grade = forms.CharField(label="Класс", required=False, max_length=20)
    subject = forms.ModelChoiceField(label="Предмет", queryset=Subject.objects.all(), required=False)
    topic = forms.CharField(label="Тема урока", required=False, max_length=300)
    purpose = forms.CharField(
        label="Цель посещения", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    strengths = forms.CharField(
        label="Сильные стороны", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    recommendations = forms.CharField(
        label="Рекомендации — каждая с новой строки",
        required=False,
        max_length=16000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = competence_choices()
        levels = [("", "—"), *ObservedLevel.choices]
        self.rows = []
        for i in range(PROTOCOL_ROWS):
            self.fields[f"competence_{i}"] = forms.TypedChoiceField(
                label="Компетенция", choices=choices, required=False, coerce=int, empty_value=None
            )
            self.fields[f"level_{i}"] = forms.ChoiceField(label="Уровень", choices=levels, required=False)
            self.fields[f"comment_{i}"] = forms.CharField(
                label="Комментарий", required=False, max_length=2000
            )
            for name in (f"competence_{i}", f"level_{i}", f"comment_{i}"):
                self.fields[name].widget.attrs.setdefault("class", "form-select form-select-sm")
            self.fields[f"comment_{i}"].widget.attrs["class"] = "form-control form-control-sm"

    def protocol_rows(self):
        return [
            (self[f"competence_{i}"], self[f"level_{i}"], self[f"comment_{i}"]) for i in range(PROTOCOL_ROWS)
        ]

    def clean(self):
        data = super().clean()
        for i in range(PROTOCOL_ROWS):
            if data.get(f"level_{i}") and not data.get(f"competence_{i}"):
                self.add_error(f"competence_{i}", "Выберите компетенцию для указанного уровня")
        return data

    def observations(self):
        """[(competence, level, comment)] of the filled rows (the action checks them)."""
        data = self.cleaned_data
        ids = [data.get(f"competence_{i}") for i in range(PROTOCOL_ROWS)]
        found = Competence.objects.in_bulk([pk for pk in ids if pk])
        return [
            (found.get(pk), data.get(f"level_{i}") or "", data.get(f"comment_{i}") or "")
            for i, pk in enumerate(ids)
            if pk
        ]

    def recommendation_lines(self):
        return (self.cleaned_data.get("recommendations") or "").splitlines()


class ConsultationForm(LookupFormMixin, BootstrapMixin, forms.Form):
    teachers = LookupField(
        "support_teachers",
        multiple=True,
        label="Педагоги",
        error_messages={
            "required": "Выберите педагогов из списка",
            "invalid_choice": "Педагог не найден среди закреплённых за вами (в вашей области доступа)",
        },
    )
    kind = forms.ChoiceField(label="Вид", choices=ConsultationKind.choices)
    topic = forms.CharField(
        label="Тема", max_length=300, error_messages={"required": "Укажите тему консультации"}
    )
    competences = forms.ModelMultipleChoiceField(
        label="Компетенции, которых касалась консультация",
        queryset=Competence.objects.filter(is_active=True),
        required=False,
    )
    planned = forms.BooleanField(label="Только запланировать", required=False)
    planned_on = forms.DateField(
        label="Запланировано на", required=False, widget=date_widget(), error_messages={"invalid": BAD_DATE}
    )
    date = forms.DateField(
        label="Дата консультации", required=False, widget=date_widget(), error_messages={"invalid": BAD_DATE}
    )
    duration = forms.IntegerField(
        label="Продолжительность, минут",
        required=False,
        min_value=1,
        max_value=600,
        error_messages={
            "invalid": "Продолжительность — целое число минут",
            "min_value": "Продолжительность — от 1 до 600 минут",
            "max_value": "Продолжительность — от 1 до 600 минут",
        },
    )
    format = forms.ChoiceField(label="Формат", choices=ActivityFormat.choices)


class ToRouteForm(forms.Form):
    section = forms.ChoiceField(choices=Section.choices, required=False)

"""Mentoring's forms (docs/mentoring.md §1, §2, §5): the lists' filters, a program, a pair or a group, a task of
the personal plan, a side's mark, the final assessment or the reflection, the closing of a pair. They read and
shape the input (people and organizations picked through the lookups, within the user's scope); the rules are
the actions' (mentoring.actions), so a page and an import refuse the same things with the same words."""

from django import forms

from profrost.core.filters import MAX_YEAR, MIN_YEAR, ChoiceFilter, FilterForm, IdFilter, TextFilter
from profrost.core.forms import BootstrapMixin, EndNotBeforeStart, date_widget
from profrost.core.lookups import LookupField, LookupFormMixin
from profrost.diagnostics.models import Competence
from profrost.mentoring.actions import LONG_TEXT_MAX, TEXT_MAX
from profrost.mentoring.models import (
    MemberRole,
    MentoringProgram,
    MentorshipForm,
    MentorshipStatus,
    ProgramStatus,
    TaskMark,
)
from profrost.structure.models import Municipality

BAD_DATE = "Неверная дата: укажите её как 01.09.2025"
ACT_MAX_BYTES = 10 * 1024 * 1024
ACT_TYPES = {".pdf": b"%PDF", ".docx": b"PK\x03\x04"}  # the extension and the file's first bytes
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
PERSON_NOT_FOUND = "Педагог не найден в вашей области доступа: выберите из списка"
ORGANIZATION_NOT_FOUND = "Организация не найдена в вашей области доступа: выберите из списка"


class Day(forms.DateField):
    """A date as a date input sends it (or typed 01.09.2025), between the years 1900 and 2100."""

    def __init__(self, *, label, required=False, **kwargs):
        kwargs.setdefault("widget", date_widget())
        kwargs.setdefault("error_messages", {"invalid": BAD_DATE})
        super().__init__(label=label, required=required, **kwargs)

    def to_python(self, value):
        day = super().to_python(value.replace("\x00", "") if isinstance(value, str) else value)
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError(f"Дата вне допустимого диапазона ({MIN_YEAR}–{MAX_YEAR})")
        return day


def competence_queryset():
    return (
        Competence.objects.filter(is_active=True)
        .select_related("group")
        .order_by("group__order", "order", "code")
    )


class CompetenceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class CompetencesChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


# --- the lists' filters -----------------------------------------------------------------------------------------


class ProgramFilter(FilterForm):
    q = TextFilter(label="Наименование")
    municipality = IdFilter(label="Муниципалитет")
    organization = IdFilter(label="Организация")
    status = ChoiceFilter(label="Статус", choices=ProgramStatus.choices)


class PairFilter(FilterForm):
    q = TextFilter(label="ФИО наставника или наставляемого")
    form = ChoiceFilter(label="Форма", choices=MentorshipForm.choices)
    status = ChoiceFilter(label="Статус", choices=MentorshipStatus.choices)
    organization = IdFilter(label="Организация")
    program = IdFilter(label="Программа")
    format = ChoiceFilter(label="Формат", choices=[("xlsx", "XLSX")])


class OrganizationPick(LookupFormMixin, forms.Form):
    """The organizations lookup of a list's filter (a GET form): the chosen organization shown as a chip."""

    organization = LookupField("organizations", label="Организация", required=False)


class ProgramPick(FilterForm):
    """`?program=` of the new pair's page: the program the pair is created in."""

    program = IdFilter(label="Программа")


# --- a program (docs/mentoring.md §1) ---------------------------------------------------------------------------


class ProgramForm(LookupFormMixin, BootstrapMixin, EndNotBeforeStart, forms.Form):
    organization = LookupField(
        "organizations",
        label="Организация",
        required=False,
        error_messages={"invalid_choice": ORGANIZATION_NOT_FOUND},
    )
    municipality = forms.ModelChoiceField(
        label="или муниципалитет (программа муниципальной методической службы)",
        queryset=Municipality.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Муниципалитет вне вашей области доступа"},
    )
    title = forms.CharField(
        label="Наименование", max_length=300, error_messages={"required": "Укажите наименование программы"}
    )
    start = Day(label="Начало", required=True)
    end = Day(label="Окончание", required=True)
    curator = LookupField(
        "people",
        label="Куратор",
        required=False,
        error_messages={"invalid_choice": PERSON_NOT_FOUND},
        help_text="Сотрудник, который ведёт программу: видит все её пары",
    )
    act_number = forms.CharField(label="Номер локального акта", max_length=100, required=False)
    act_date = Day(label="Дата локального акта")
    act_file = forms.FileField(
        label="Файл локального акта (PDF или DOCX, до 10 МБ)",
        required=False,
        error_messages={"invalid": "Не удалось прочитать файл", "empty": "Файл пуст"},
    )
    # the last declared: the name `forms` hides the module in the rest of the class body
    forms = forms.MultipleChoiceField(
        label="Формы наставничества",
        choices=MentorshipForm.choices,
        widget=CHECKBOXES,
        error_messages={"required": "Выберите хотя бы одну форму наставничества"},
    )

    field_order = [
        "organization",
        "municipality",
        "title",
        "start",
        "end",
        "curator",
        "forms",
        "act_number",
        "act_date",
        "act_file",
    ]

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        if program is not None:
            # the owner of a program is fixed once it is created
            del self.fields["organization"], self.fields["municipality"]
            if not self.is_bound:
                self.initial.update(
                    title=program.title,
                    start=program.start,
                    end=program.end,
                    curator=program.curator_id,
                    forms=program.forms,
                    act_number=program.act_number,
                    act_date=program.act_date,
                )
        else:
            municipalities = Municipality.objects.visible_to(self.user).order_by("name")
            self.fields["municipality"].queryset = municipalities
            if not municipalities.exists():
                del self.fields["municipality"]

    def clean_act_file(self):
        f = self.cleaned_data.get("act_file")
        if not f:
            return None
        name = f.name.lower()
        ext = next((e for e in ACT_TYPES if name.endswith(e)), None)
        if ext is None:
            raise forms.ValidationError("Допустимы только файлы PDF и DOCX")
        if f.size > ACT_MAX_BYTES:
            raise forms.ValidationError("Файл больше 10 МБ")
        head = f.read(len(ACT_TYPES[ext]))
        f.seek(0)
        if head != ACT_TYPES[ext]:
            raise forms.ValidationError(f"Файл не похож на {ext[1:].upper()}: проверьте его")
        return f


# --- a pair or a group (docs/mentoring.md §2) -------------------------------------------------------------------


class MentorshipCreateForm(LookupFormMixin, BootstrapMixin, EndNotBeforeStart, forms.Form):
    form = forms.ChoiceField(
        label="Форма наставничества",
        choices=MentorshipForm.choices,
        error_messages={
            "required": "Выберите форму наставничества",
            "invalid_choice": "Неизвестная форма наставничества",
        },
    )
    mentors = LookupField(
        "people",
        multiple=True,
        label="Наставник (наставники)",
        required=False,
        error_messages={"invalid_choice": PERSON_NOT_FOUND},
    )
    mentees = LookupField(
        "people",
        multiple=True,
        label="Наставляемый (для групповой формы — наставляемые)",
        required=False,
        error_messages={"invalid_choice": PERSON_NOT_FOUND},
    )
    organization = LookupField(
        "organizations",
        label="Наставляемая организация (только «школа — школа»)",
        required=False,
        error_messages={"invalid_choice": ORGANIZATION_NOT_FOUND},
    )
    mentor_organization = LookupField(
        "organizations",
        label="Организация-наставник (только «школа — школа»)",
        required=False,
        error_messages={"invalid_choice": ORGANIZATION_NOT_FOUND},
    )
    competences = CompetencesChoice(
        label="Компетенции (дефициты), над которыми работает пара",
        queryset=Competence.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        error_messages={
            "invalid_choice": "Неизвестная компетенция",
            "invalid_pk_value": "Неизвестная компетенция",
        },
    )
    directions = forms.CharField(label="Направления работы", max_length=TEXT_MAX, required=False)
    start = Day(label="Начало", required=True)
    end = Day(label="Окончание (необязательно)")
    program = forms.ModelChoiceField(
        label="Программа наставничества",
        queryset=MentoringProgram.objects.none(),
        required=False,
        empty_label="— без программы —",
        error_messages={"invalid_choice": "Программа не найдена среди утверждённых программ вашей области"},
    )
    order_number = forms.CharField(label="Номер приказа о назначении", max_length=100, required=False)
    order_date = Day(label="Дата приказа о назначении")
    goal = forms.CharField(
        label="Цель персональной программы наставничества",
        max_length=LONG_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = competence_queryset()
        self.fields["program"].queryset = (
            MentoringProgram.objects.visible_to(self.user)
            .filter(status=ProgramStatus.APPROVED)
            .select_related("organization", "municipality")
            .order_by("title", "pk")
        )
        self.fields["program"].label_from_instance = lambda p: (
            f"{p.title} ({p.owner}, {p.start:%d.%m.%Y} — {p.end:%d.%m.%Y})"
        )


# --- the personal plan (docs/mentoring.md §5) -------------------------------------------------------------------


class TaskForm(BootstrapMixin, forms.Form):
    title = forms.CharField(
        label="Задача", max_length=TEXT_MAX, error_messages={"required": "Укажите задачу"}
    )
    competence = CompetenceChoice(
        label="Компетенция",
        queryset=Competence.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Неизвестная компетенция"},
    )
    start = Day(label="Начало")
    due = Day(label="Срок", required=True)
    expected_result = forms.CharField(label="Ожидаемый результат", max_length=TEXT_MAX, required=False)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence"].queryset = competence_queryset()
        if task is not None and not self.is_bound:
            self.initial.update(
                title=task.title,
                competence=task.competence_id,
                start=task.start,
                due=task.due,
                expected_result=task.expected_result,
            )


SIDES = [(MemberRole.MENTOR, "наставник"), (MemberRole.MENTEE, "наставляемый")]


class MarkForm(BootstrapMixin, forms.Form):
    """One side's mark of a task; `side` says which side the page offered (the mentee's control, or the
    mentor's) — a user marks only their own."""

    side = forms.ChoiceField(
        choices=SIDES, widget=forms.HiddenInput, error_messages={"invalid_choice": "Неизвестная сторона"}
    )
    mark = forms.ChoiceField(
        label="Отметка", choices=TaskMark.choices, error_messages={"invalid_choice": "Неизвестная отметка"}
    )
    comment = forms.CharField(
        label="Комментарий",
        max_length=LONG_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
    )


class SummaryForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label="Текст",
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Напишите текст"},
    )


OUTCOMES = [("done", "Завершена успешно"), ("early", "Завершена досрочно")]


class CloseForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Итог",
        choices=OUTCOMES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Выберите итог", "invalid_choice": "Выберите итог"},
    )
    reason = forms.CharField(label="Причина досрочного завершения", max_length=TEXT_MAX, required=False)
    closed_on = Day(label="Дата завершения (пусто — сегодня)")

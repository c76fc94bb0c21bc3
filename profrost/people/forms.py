from django import forms
from django.core.exceptions import ValidationError

from profrost.core.filters import FilterForm, TextFilter, parse_id
from profrost.core.forms import BootstrapMixin, apply_rule, date_widget
from profrost.core.validators import format_snils, normalize_snils
from profrost.people.models import (
    Employment,
    Person,
    Position,
    QualificationCategory,
    Subject,
    category_expiry,
    check_birth_date,
    check_category_date,
    check_pedagogical_start,
)
from profrost.structure.models import Municipality, Organization

DATE_WIDGET = date_widget()
EXPIRY_HELP = "Вычисляется по дате присвоения: категории, присвоенные до 01.09.2023, действуют пять лет"


class PersonForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = [
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "snils",
            "sex",
            "email",
            "phone",
            "education",
            "has_higher_pedagogical",
            "pedagogical_start",
            "category",
            "category_date",
            "category_order",
            "category_expiry",
        ]
        widgets = {
            "birth_date": DATE_WIDGET,
            "pedagogical_start": DATE_WIDGET,
            "category_date": DATE_WIDGET,
            "category_expiry": DATE_WIDGET,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["snils"].max_length = 20
        self.fields["snils"].validators = []  # normalize_snils checks length and checksum
        self.fields["snils"].widget.attrs["maxlength"] = 20
        self.fields["snils"].help_text = "11 цифр, например 112-233-445 95"
        self.fields["category_expiry"].disabled = True
        self.fields["category_expiry"].help_text = EXPIRY_HELP
        if self.instance.pk:
            self.initial["snils"] = format_snils(self.instance.snils)
            self.initial["version"] = self.instance.version

    def clean_snils(self):
        snils = normalize_snils(self.cleaned_data.get("snils"))
        if self.instance.pk and Person.objects.filter(snils=snils).exclude(pk=self.instance.pk).exists():
            # A SNILS is unique: that it is taken cannot be hidden, but whose it is can.
            raise ValidationError("Этот СНИЛС уже принадлежит другой записи регионального реестра")
        return snils

    def validate_unique(self):
        # The SNILS is never answered by the unique check (it would tell anyone that a SNILS exists, and
        # the old message invited a guess): clean_snils above and people.actions.create_or_attach decide.
        exclude = self._get_validation_exclusions()
        exclude.add("snils")
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)

    def clean(self):
        # The rules of a person's card (people.models), the same the staff import applies.
        data = super().clean()
        birth = data.get("birth_date")
        if birth:
            apply_rule(self, "birth_date", check_birth_date, birth)
        apply_rule(
            self,
            "pedagogical_start",
            check_pedagogical_start,
            data.get("pedagogical_start"),
            data.get("birth_date"),
        )
        if "category_date" in data:
            apply_rule(
                self, "category_date", check_category_date, data.get("category"), data["category_date"]
            )
        # Derived from the category and its date, never typed in (the field is shown, not editable).
        data["category_expiry"] = category_expiry(data.get("category"), data.get("category_date"))
        return data


class EmploymentForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Employment
        fields = ["organization", "position", "subjects", "is_main", "start", "end"]
        widgets = {
            "start": DATE_WIDGET,
            "end": DATE_WIDGET,
            "subjects": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices narrowed to the user's scope (netbox's restrict_form_fields).
        self.fields["organization"].queryset = Organization.objects.visible_to(user).select_related(
            "municipality"
        )
        self.fields["organization"].error_messages["invalid_choice"] = (
            "Организация вне вашей области доступа или не найдена"
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Окончание раньше начала")
        return data


class PeopleFilterForm(FilterForm):
    SORTS = [
        ("name", "ФИО"),
        ("birth", "Дата рождения"),
        ("-experience", "Стаж (больше)"),
        ("experience", "Стаж (меньше)"),
        ("category", "Категория"),
    ]
    q = TextFilter(label="ФИО")
    municipality = forms.ModelChoiceField(Municipality.objects.none(), label="Муниципалитет", required=False)
    organization = forms.ModelChoiceField(Organization.objects.none(), label="Организация", required=False)
    position = forms.ModelChoiceField(Position.objects.all(), label="Должность", required=False)
    subject = forms.ModelChoiceField(Subject.objects.all(), label="Предмет", required=False)
    category = forms.ChoiceField(
        label="Категория", required=False, choices=[("", "Любая"), *QualificationCategory.choices]
    )
    manager = forms.BooleanField(label="Руководители", required=False)
    young = forms.BooleanField(label="Молодые специалисты", required=False)
    sort = forms.ChoiceField(label="Сортировка", required=False, choices=SORTS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.visible_to(user)
        orgs = Organization.objects.visible_to(user)
        municipality = parse_id(self.data.get("municipality"))
        if municipality:
            orgs = orgs.filter(municipality_id=municipality)
        self.fields["organization"].queryset = orgs.only("pk", "name", "short_name")

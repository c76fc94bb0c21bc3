from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from profrost.accounts.actions import grantable_roles
from profrost.accounts.models import User
from profrost.accounts.roles import MUNICIPALITY_ROLES, ORGANIZATION_ROLES, REGION_ROLES
from profrost.core.forms import BootstrapMixin
from profrost.core.lookups import LookupField
from profrost.structure.models import Municipality, Region


class RoleFieldsMixin(forms.Form):
    role = forms.ChoiceField(label="Роль")
    municipality = forms.ModelChoiceField(
        Municipality.objects.none(), label="Муниципалитет (для муниципального координатора)", required=False
    )
    organization = LookupField(
        "organizations",
        label="Организация (для уполномоченного ОО)",
        required=False,
        error_messages={
            "invalid_choice": "Организация не найдена в вашей области доступа: выберите из списка"
        },
    )

    def setup_roles(self, actor):
        self.actor = actor
        for field in self.fields.values():
            if isinstance(field, LookupField):
                field.user = actor
        self.fields["role"].choices = [(r.value, r.label) for r in grantable_roles(actor)]
        self.fields["municipality"].queryset = Municipality.objects.visible_to(actor)
        self.fields["municipality"].error_messages["invalid_choice"] = (
            "Муниципалитет вне вашей области доступа"
        )

    def clean_unit(self):
        role = self.cleaned_data.get("role")
        if role in REGION_ROLES:
            return Region.objects.order_by("pk").first()
        if role in MUNICIPALITY_ROLES:
            unit = self.cleaned_data.get("municipality")
            if unit is None:
                self.add_error("municipality", "Выберите муниципалитет")
            return unit
        if role in ORGANIZATION_ROLES:
            unit = self.cleaned_data.get("organization")
            if unit is None and "organization" not in self.errors:
                self.add_error("organization", "Выберите организацию")
            return unit
        return None


class UserCreateForm(BootstrapMixin, RoleFieldsMixin):
    username = forms.RegexField(
        label="Логин",
        regex=r"^[\w.@+-]{3,150}$",
        error_messages={"invalid": "Логин: 3–150 латинских букв, цифр и символов . @ + - _"},
    )
    last_name = forms.CharField(label="Фамилия", max_length=150)
    first_name = forms.CharField(label="Имя", max_length=150)
    middle_name = forms.CharField(label="Отчество", max_length=150, required=False)
    email = forms.EmailField(label="Электронная почта", required=False)
    person = LookupField(
        "people",
        label="Педагог (связать учётную запись с его карточкой)",
        required=False,
        error_messages={"invalid_choice": "Педагог не найден в вашей области доступа: выберите из списка"},
    )
    password = forms.CharField(
        label="Пароль",
        widget=forms.PasswordInput,
        help_text="Не короче 12 символов; оставьте пустым — пароль будет создан автоматически",
        required=False,
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_roles(actor)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("Такой логин уже занят")
        return username

    def clean_person(self):
        person = self.cleaned_data.get("person")
        if person is not None and User.objects.filter(person=person).exists():
            raise ValidationError("У этого педагога уже есть учётная запись")
        return person

    def clean(self):
        data = super().clean()
        data["unit"] = self.clean_unit()
        if data.get("password"):
            try:
                validate_password(
                    data["password"],
                    User(username=data.get("username", ""), last_name=data.get("last_name", "")),
                )
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class RoleForm(BootstrapMixin, RoleFieldsMixin):
    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_roles(actor)

    def clean(self):
        data = super().clean()
        data["unit"] = self.clean_unit()
        return data


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, but an invited user who has not set a password yet may also ask for a link (an expired
    invitation is renewed this way)."""

    email = forms.EmailField(label="Адрес электронной почты", max_length=254)

    def get_users(self, email):
        return (
            u
            for u in User.objects.filter(email__iexact=email, is_active=True)
            if u.has_usable_password() or u.must_change_password
        )

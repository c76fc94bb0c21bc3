from django import forms

from profrost.core.forms import BootstrapMixin, date_widget
from profrost.core.validators import validate_inn
from profrost.structure.models import Municipality, Organization, OrganizationStatus

DATE_WIDGET = date_widget()


class OrganizationForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Organization
        fields = ["municipality", "name", "short_name", "inn", "kind", "level"]
        error_messages = {"inn": {"unique": "Организация с таким ИНН уже есть"}}

    def __init__(self, *args, user=None, region_wide=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.visible_to(user)
        self.fields["municipality"].required = not region_wide
        self.fields["municipality"].error_messages["invalid_choice"] = (
            "Муниципалитет вне вашей области доступа"
        )
        if self.instance.pk:
            self.initial["version"] = self.instance.version

    def clean_inn(self):
        inn = validate_inn(self.cleaned_data.get("inn"))
        if inn and Organization.objects.filter(inn=inn).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Организация с таким ИНН уже есть")
        return inn


class StatusForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = OrganizationStatus
        fields = ["kind", "start", "end", "order_number", "order_date"]
        widgets = {"start": DATE_WIDGET, "end": DATE_WIDGET, "order_date": DATE_WIDGET}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Окончание раньше начала")
        return data

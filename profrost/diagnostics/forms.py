import re

from django import forms

from profrost.core.forms import BootstrapMixin
from profrost.diagnostics.models import Competence


class CompetenceForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Competence
        fields = ["group", "code", "name", "order"]
        error_messages = {"code": {"unique": "Компетенция с таким кодом уже есть"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Codes are stable identifiers used by imports and item maps: renaming is allowed, recoding is not.
            self.fields["code"].disabled = True

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not re.fullmatch(r"[А-ЯЁA-Z]{1,4}\d{1,3}", code):
            raise forms.ValidationError("Код: 1–4 буквы и номер, например МТ7")
        return code


class CampaignForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        from profrost.diagnostics.models import Campaign

        model = Campaign
        fields = [
            "instrument",
            "name",
            "kind",
            "start",
            "end",
            "time_limit",
            "municipalities",
            "positions",
            "subjects",
        ]
        widgets = {
            "start": forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "ДД.ММ.ГГГГ"}),
            "end": forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "ДД.ММ.ГГГГ"}),
        }
        help_texts = {
            "municipalities": "Пусто — весь регион",
            "positions": "Пусто — все должности",
            "subjects": "Пусто — все предметы",
            "time_limit": "Только для онлайн-тестирования; пусто — без ограничения",
        }

    def __init__(self, *args, **kwargs):
        from profrost.diagnostics.models import Instrument

        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.current()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Окончание раньше начала")
        return data


class InstrumentSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        from profrost.diagnostics.models import Instrument

        model = Instrument
        fields = [
            "high_from",
            "elevated_from",
            "basic_from",
            "satisfactory_from",
            "deficit_threshold",
            "positions",
            "subjects",
        ]

    def clean(self):
        data = super().clean()
        high, elevated, basic = data.get("high_from"), data.get("elevated_from"), data.get("basic_from")
        satisfactory = data.get("satisfactory_from")
        if None not in (high, elevated, basic) and not (100 >= high > elevated > basic > 0):
            raise forms.ValidationError(
                "Пороги уровней должны убывать: 100 ≥ высокий > повышенный > базовый > 0"
            )
        if satisfactory is not None and basic is not None and not (basic > satisfactory >= 0):
            self.add_error("satisfactory_from", "Порог «удовлетворительный» должен быть ниже базового")
        threshold = data.get("deficit_threshold")
        if threshold is not None and not (0 < threshold <= 100):
            self.add_error("deficit_threshold", "Порог дефицита — от 0 до 100 %")
        return data

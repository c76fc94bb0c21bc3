import re

from django import forms
from django.core.exceptions import ValidationError

from profrost.accounts.models import RoleCode, User
from profrost.core.forms import BootstrapMixin, EndNotBeforeStart, date_widget
from profrost.core.lookups import LookupField, LookupFormMixin
from profrost.diagnostics.imports import parse_key
from profrost.diagnostics.models import Campaign, CampaignKind, Competence, Instrument, Item, ItemType


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


class CampaignForm(LookupFormMixin, EndNotBeforeStart, BootstrapMixin, forms.ModelForm):
    """A campaign's settings. Its organizations are picked by name or INN among those the user sees (`user=`;
    the command line passes core.lookups.COMMAND_LINE)."""

    organizations = LookupField(
        "organizations",
        multiple=True,
        label="Организации",
        required=False,
        help_text="Пусто — все организации выбранных муниципалитетов",
    )

    class Meta:
        model = Campaign
        fields = [
            "instrument",
            "name",
            "kind",
            "start",
            "end",
            "time_limit",
            "one_per_screen",
            "cohort",
            "municipalities",
            "positions",
            "subjects",
            "experts",
        ]
        widgets = {"start": date_widget(), "end": date_widget()}
        help_texts = {
            "municipalities": "Пусто — весь регион",
            "positions": "Пусто — все должности",
            "subjects": "Пусто — все предметы",
            "time_limit": "Только для онлайн-тестирования; пусто — без ограничения",
            "cohort": "Только для входной/выходной диагностики курса: приглашаются слушатели группы",
            "experts": "Развёрнутые ответы распределяются между ними поровну; пусто — проверяет центр",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.current()
        if self.instance.pk:
            self.fields["organizations"].initial = list(
                self.instance.organizations.order_by("name").values_list("pk", flat=True)
            )
        # The field's own queryset (resources.Cohort): resources sit above diagnostics, no import of them.
        self.fields["cohort"].queryset = (
            self.fields["cohort"].queryset.select_related("program").order_by("-start")
        )
        self.fields["experts"].queryset = User.objects.filter(
            is_active=True, roles__role=RoleCode.EXPERT
        ).distinct()

    def clean(self):
        data = super().clean()
        data["organization_ids"] = [o.pk for o in data.get("organizations") or ()]
        if data.get("cohort") and data.get("kind") != CampaignKind.COURSE:
            self.add_error("cohort", "Учебная группа указывается только для диагностики курса")
        return data


class InviteForm(LookupFormMixin, forms.Form):
    """Teachers invited to a campaign by name (the «people» lookup: those the user may see)."""

    people = LookupField(
        "people",
        multiple=True,
        label="Педагоги",
        error_messages={"required": "выберите педагогов из списка"},
    )


class InstrumentSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
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


class ItemForm(BootstrapMixin, forms.ModelForm):
    """One item of an instrument: text, type, options (one per line), key, tolerance, maximum, rubric,
    competences. The key of a choice item gives option numbers («2», or «1;3» for several)."""

    options_text = forms.CharField(
        label="Варианты ответа (по одному в строке)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    class Meta:
        model = Item
        fields = ["text", "type", "options_text", "key", "tolerance", "max_score", "rubric", "competences"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "rubric": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = Competence.objects.filter(
            is_active=True
        ) | Competence.objects.filter(
            pk__in=self.instance.competences.values("pk") if self.instance.pk else []
        )
        self.fields["options_text"].initial = "\n".join(self.instance.options or [])
        self.fields["key"].required = False

    def clean(self):
        data = super().clean()
        data["options"] = [o.strip() for o in data.get("options_text", "").splitlines() if o.strip()]
        max_score = data.get("max_score")
        if max_score is not None and max_score <= 0:
            self.add_error("max_score", "Максимальный балл должен быть положительным")
        item_type, key = data.get("type"), (data.get("key") or "").strip()
        if item_type:
            try:
                key, tolerance = parse_key(item_type, key)
            except ValidationError as error:
                self.add_error("key", error.messages[0])
            else:
                data["key"] = key
                if item_type == ItemType.NUMERIC and data.get("tolerance") is None:
                    data["tolerance"] = tolerance
        if item_type in (ItemType.SINGLE, ItemType.MULTIPLE) and data["options"] and key:
            numbers = [k.strip() for k in key.split(";") if k.strip()]
            if any(
                not (k.isascii() and k.isdigit() and len(k) < 5) or not 1 <= int(k) <= len(data["options"])
                for k in numbers
            ):
                self.add_error(
                    "key", f"Ключ должен указывать номера вариантов от 1 до {len(data['options'])}"
                )
            elif item_type == ItemType.SINGLE and len(numbers) != 1:
                self.add_error("key", "У задания с одним вариантом ответа ключ — один номер")
        if data.get("tolerance") is not None and data["tolerance"] < 0:
            self.add_error("tolerance", "Допуск не может быть отрицательным")
        if not data.get("competences"):
            self.add_error("competences", "Укажите хотя бы одну компетенцию")
        return data

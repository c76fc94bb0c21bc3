from django import forms
from django.core.exceptions import ValidationError

from profrost.core.forms import BootstrapMixin, EndNotBeforeStart, apply_rule
from profrost.diagnostics.models import Competence
from profrost.resources.models import (
    NOT_PROVIDER_KINDS,
    Cohort,
    Community,
    EnrollmentStatus,
    Event,
    Internship,
    Meeting,
    MemberStatus,
    ParticipationRole,
    Program,
    SiteReport,
    check_provider_kind,
    check_registry_number,
)
from profrost.structure.models import Organization, OrganizationStatus

DATE = {"format": "%d.%m.%Y", "attrs": {"placeholder": "ДД.ММ.ГГГГ"}}


def date_widget():
    return forms.DateInput(format=DATE["format"], attrs=DATE["attrs"])


class ProgramForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "title",
            "kind",
            "hours",
            "form",
            "provider",
            "in_federal_registry",
            "registry_number",
            "competences",
            "positions",
            "subjects",
            "network_form",
            "cascade_model",
            "annotation",
            "status",
        ]
        widgets = {"annotation": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = Competence.objects.filter(is_active=True)
        self.fields["provider"].queryset = Organization.objects.exclude(kind__in=NOT_PROVIDER_KINDS)
        self.fields["hours"].error_messages["min_value"] = "Объём — не меньше 1 часа"

    def clean_provider(self):
        # The rule the program import applies (the list above already leaves such organizations out).
        provider = self.cleaned_data["provider"]
        try:
            check_provider_kind(provider.kind)
        except ValidationError as exc:
            raise ValidationError(f"«{provider}» — {exc.messages[0]}") from exc
        return provider

    def clean(self):
        data = super().clean()
        apply_rule(
            self,
            "registry_number",
            check_registry_number,
            data.get("in_federal_registry"),
            data.get("registry_number"),
        )
        return data


class CohortForm(EndNotBeforeStart, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["start", "end", "online", "place", "capacity"]
        widgets = {"start": date_widget(), "end": date_widget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].error_messages["min_value"] = "Мест — не меньше одного"


class QuotaForm(BootstrapMixin, forms.Form):
    municipality = forms.IntegerField(widget=forms.HiddenInput)
    organization = forms.IntegerField(widget=forms.HiddenInput, required=False)
    places = forms.IntegerField(label="Мест", min_value=0, error_messages={"min_value": "Не меньше 0"})


class ApplyForm(BootstrapMixin, forms.Form):
    person = forms.ChoiceField(label="Педагог")
    deficit = forms.ChoiceField(label="Дефицит, который закрывает обучение", required=False)
    waitlist = forms.BooleanField(label="Если квота исчерпана — поставить в лист ожидания", required=False)
    comment = forms.CharField(label="Комментарий", required=False, max_length=500)

    def __init__(self, *args, people=(), deficits=None, **kwargs):
        """people: (value "person:organization", label); deficits: {person_id: [(competence result pk,
        label), …]} — the current deficits of those people only, offered grouped by person."""
        super().__init__(*args, **kwargs)
        self.deficits = deficits or {}
        self.fields["person"].choices = [("", "— выберите —"), *people]
        names = {value.split(":")[0]: label.split(" — ")[0] for value, label in people}
        groups = []
        for person_id, options in self.deficits.items():
            name = names.get(str(person_id))
            if name and options:
                groups.append((name, [(str(pk), label) for pk, label in options]))
        self.fields["deficit"].choices = [("", "— не указан —"), *groups]
        self.fields["deficit"].help_text = (
            "Текущие дефициты педагога по последней диагностике; выберите дефицит того педагога, "
            "на которого подаётся заявка."
            if groups
            else "У педагогов из списка нет дефицитов по последней диагностике."
        )

    def clean(self):
        data = super().clean()
        person, deficit = data.get("person"), data.get("deficit")
        if person and deficit:
            person_id = int(person.split(":")[0])
            if int(deficit) not in {pk for pk, _ in self.deficits.get(person_id, ())}:
                self.add_error("deficit", "Этот дефицит не относится к выбранному педагогу.")
        return data


class EnrollmentMoveForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label="Статус", choices=EnrollmentStatus.choices)
    attestation = forms.ChoiceField(
        label="Итоговая аттестация",
        required=False,
        choices=[("", "—"), ("yes", "пройдена"), ("no", "не пройдена")],
    )
    certificate_number = forms.CharField(label="Номер удостоверения", required=False, max_length=100)
    certificate_date = forms.DateField(label="Дата удостоверения", required=False, widget=date_widget())
    hours = forms.IntegerField(label="Посещено часов", required=False, min_value=0, max_value=100_000)


class EventForm(EndNotBeforeStart, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "level",
            "organizer",
            "start",
            "end",
            "format",
            "place",
            "competences",
            "capacity",
            "in_annual_plan",
        ]
        widgets = {"start": date_widget(), "end": date_widget()}

    def __init__(self, *args, organizers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = Competence.objects.filter(is_active=True)
        if organizers is not None:
            self.fields["organizer"].queryset = organizers


class RegisterForm(BootstrapMixin, forms.Form):
    person = forms.ChoiceField(label="Педагог")
    role = forms.ChoiceField(
        label="Роль",
        choices=[(ParticipationRole.PARTICIPANT, "участник"), (ParticipationRole.SPEAKER, "выступающий")],
    )
    topic = forms.CharField(label="Тема выступления", required=False, max_length=500)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = list(people)


class InternshipForm(EndNotBeforeStart, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Internship
        fields = ["title", "site", "competences", "hours", "start", "end", "capacity"]
        widgets = {"start": date_widget(), "end": date_widget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sites = OrganizationStatus.objects.filter(kind="internship_site").values("organization_id")
        self.fields["site"].queryset = Organization.objects.filter(pk__in=sites)
        self.fields["site"].help_text = "Организации со статусом «Стажировочная площадка»"
        self.fields["competences"].queryset = Competence.objects.filter(is_active=True)


class CommunityForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "kind", "level", "municipality", "organization", "subject", "theme", "competences"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = Competence.objects.filter(is_active=True)
        if self.instance.pk and self.instance.organization_id:
            self.fields["organization"].queryset = Organization.objects.filter(
                pk=self.instance.organization_id
            )
        else:
            # Institutional communities are not created from this form yet: no empty select on the page.
            del self.fields["organization"]

    def clean(self):
        data = super().clean()
        if data.get("level") == "municipal" and not data.get("municipality"):
            self.add_error("municipality", "Для муниципального сообщества укажите муниципалитет")
        return data


class MemberForm(BootstrapMixin, forms.Form):
    # Shown as one row without labels: the placeholder says what to type; a new member is a member.
    snils = forms.CharField(
        label="СНИЛС педагога", max_length=20, widget=forms.TextInput(attrs={"placeholder": "СНИЛС педагога"})
    )
    status = forms.ChoiceField(label="Статус", choices=MemberStatus.choices, initial=MemberStatus.MEMBER)


class MeetingForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["date", "topic"]
        widgets = {"date": date_widget(), "topic": forms.TextInput(attrs={"placeholder": "Тема заседания"})}


class SiteReportForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SiteReport
        fields = ["month", "text", "file"]
        widgets = {"month": date_widget(), "text": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"month": "Любая дата месяца, за который отчёт"}

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and f.size > 20 * 1024 * 1024:
            raise forms.ValidationError("Файл больше 20 МБ")
        if f and not f.name.lower().endswith((".pdf", ".docx", ".xlsx", ".jpg", ".png")):
            raise forms.ValidationError("Допустимы PDF, DOCX, XLSX, JPG, PNG")
        return f

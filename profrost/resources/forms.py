from django import forms
from django.core.exceptions import ValidationError

from profrost.accounts.permissions import is_coordinator
from profrost.core.forms import BootstrapMixin, EndNotBeforeStart, apply_rule, date_widget
from profrost.core.lookups import LookupField, LookupFormMixin
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


AUTO_DEFICIT = "auto"


class ApplyForm(LookupFormMixin, BootstrapMixin, forms.Form):
    """Applications for one or several teachers at once (their current jobs, the «applicants» lookup). The
    deficit the training closes: picked automatically for each teacher — their current deficit in a competence
    the program develops —, not given, or, for one teacher, one of their own current deficits (the page loads
    that teacher's deficits into the list once they are chosen)."""

    people = LookupField(
        "applicants",
        multiple=True,
        label="Педагоги",
        help_text="Можно выбрать нескольких: заявка подаётся на каждого.",
        error_messages={
            "required": "Выберите педагогов из списка",
            "invalid_choice": "Педагог не найден среди сотрудников, за которых вы подаёте заявки: "
            "выберите из списка",
        },
    )
    deficit = forms.CharField(
        label="Дефицит, который закрывает обучение", required=False, widget=forms.Select
    )
    waitlist = forms.BooleanField(label="Если квота исчерпана — поставить в лист ожидания", required=False)
    comment = forms.CharField(label="Комментарий", required=False, max_length=500)

    def __init__(self, *args, deficits_for=None, deficits_url="", **kwargs):
        """deficits_for: [person_id, …] -> {person_id: [(competence result pk, label, developed by the program),
        …]}, those people's current deficits (the program's first)."""
        super().__init__(*args, **kwargs)
        self.deficits_for = deficits_for or (lambda person_ids: {})
        self.initial.setdefault("deficit", AUTO_DEFICIT)
        choices = [
            (AUTO_DEFICIT, "Подобрать по программе"),
            ("", "Не указывать"),
        ]
        chosen = self._chosen_people() if self.is_bound else []
        if len(chosen) == 1:
            person_id = chosen[0].person_id
            choices += [
                (str(pk), label) for pk, label, _ in self.deficits_for([person_id]).get(person_id, ())
            ]
        widget = self.fields["deficit"].widget
        widget.choices = choices
        # lookup.js loads the chosen teacher's deficits into the list (one teacher chosen; otherwise the first two).
        widget.attrs.update(
            {
                "data-options-url": deficits_url,
                "data-options-param": "job",
                "data-options-for": self["people"].id_for_label + "_value",
                "data-options-keep": "2",
            }
        )
        self.fields["deficit"].help_text = (
            "«Подобрать по программе» — текущий дефицит каждого педагога в компетенции, которую развивает "
            "программа (по последней диагностике). Для одного педагога можно выбрать и любой из его текущих "
            "дефицитов."
        )

    def _chosen_people(self):
        """The jobs chosen in the submitted data that the user may apply for (for the deficit list only)."""
        try:
            return self.fields["people"].clean(
                self.fields["people"].widget.value_from_datadict(
                    self.data, self.files, self.add_prefix("people")
                )
            )
        except ValidationError:
            return []

    def clean(self):
        data = super().clean()
        jobs, value = data.get("people") or [], data.get("deficit") or ""
        data["deficits"] = {}
        if not jobs:
            return data
        if value == AUTO_DEFICIT:
            for person_id, options in self.deficits_for([job.person_id for job in jobs]).items():
                developed = [pk for pk, _, is_developed in options if is_developed]
                if developed:
                    data["deficits"][person_id] = developed[0]
        elif value:
            own = {}
            if len(jobs) == 1:
                person_id = jobs[0].person_id
                own = {str(pk): pk for pk, _, _ in self.deficits_for([person_id]).get(person_id, ())}
            if value not in own:
                self.add_error(
                    "deficit",
                    "Этот дефицит не относится к выбранному педагогу: выберите его дефицит или «Подобрать по программе»."
                    if len(jobs) == 1
                    else "Для нескольких педагогов дефицит подбирается автоматически или не указывается.",
                )
            else:
                data["deficits"][jobs[0].person_id] = own[value]
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


class InternForm(LookupFormMixin, BootstrapMixin, forms.Form):
    """Whom a coordinator sends to an internship (their current staff) or a teacher themselves: the
    «registrants» lookup; a teacher finds themselves already chosen."""

    person = LookupField(
        "registrants",
        label="Педагог",
        error_messages={
            "required": "Выберите педагога из списка",
            "invalid_choice": "Выберите педагога из списка",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        if user is not None and user.person_id and not is_coordinator(user):
            self.initial.setdefault("person", user.person_id)


class RegisterForm(InternForm):
    role = forms.ChoiceField(
        label="Роль",
        choices=[(ParticipationRole.PARTICIPANT, "участник"), (ParticipationRole.SPEAKER, "выступающий")],
    )
    topic = forms.CharField(label="Тема выступления", required=False, max_length=500)


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


class MemberForm(LookupFormMixin, BootstrapMixin, forms.Form):
    """A community's leader adds a teacher they may see (a new member is a member)."""

    person = LookupField(
        "people",
        label="Педагог",
        error_messages={
            "required": "Выберите педагога из списка",
            "invalid_choice": "Педагог не найден в вашей области доступа. Педагоги из других организаций "
            "вступают сами.",
        },
    )
    status = forms.ChoiceField(label="Статус", choices=MemberStatus.choices, initial=MemberStatus.MEMBER)


class MentorForm(LookupFormMixin, BootstrapMixin, forms.Form):
    """The center names an internship's mentor: a teacher of the site."""

    person = LookupField(
        "people",
        label="Наставник — педагог площадки",
        error_messages={"required": "Выберите педагога площадки из списка"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "mentor_%s")  # on the page beside the form sending a teacher (id_person)
        super().__init__(*args, **kwargs)


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

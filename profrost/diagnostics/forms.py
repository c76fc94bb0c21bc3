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

"""Abbreviations back in capitals in the titles the trial's demo catalog wrote lower-cased («…: обучающиеся с
овз», «…по фгос»: portal.demo lowered a whole topic after a colon). Whole words only; the rest is untouched."""

import re

from django.db import migrations

ABBREVIATIONS = ("ОВЗ", "ФГОС", "ФОП", "ДПП", "ИКТ", "ИОМ", "ЦНППМ", "ОО", "ДОО", "СПО", "ВПР", "ГИА")
WORD = re.compile(r"\b(" + "|".join(a.lower() for a in ABBREVIATIONS) + r")\b")
FIELDS = [("Event", "title"), ("Internship", "title"), ("Community", "name"), ("Program", "title")]


def capitalize(apps, schema_editor):
    for model_name, field in FIELDS:
        model = apps.get_model("resources", model_name)
        for abbreviation in ABBREVIATIONS:
            rows = model.objects.filter(**{f"{field}__contains": abbreviation.lower()})
            for row in rows.only("pk", field):
                fixed = WORD.sub(lambda m: m.group(1).upper(), getattr(row, field))
                if fixed != getattr(row, field):
                    model.objects.filter(pk=row.pk).update(**{field: fixed})


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_application_requests")]
    operations = [migrations.RunPython(capitalize, migrations.RunPython.noop)]

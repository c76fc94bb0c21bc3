"""Default positions (docs/domain.md §4) and school subjects. A region edits them afterwards."""

from django.db import migrations

TEACHING_POSITIONS = [
    "учитель",
    "воспитатель",
    "старший воспитатель",
    "педагог дополнительного образования",
    "педагог-психолог",
    "социальный педагог",
    "учитель-логопед",
    "учитель-дефектолог",
    "тьютор",
    "педагог-организатор",
    "советник директора по воспитанию",
    "методист",
    "педагог-библиотекарь",
    "преподаватель",
    "мастер производственного обучения",
    "музыкальный руководитель",
    "инструктор по физической культуре",
    "преподаватель-организатор ОБЗР",
]
MANAGER_POSITIONS = [
    "руководитель организации",
    "заместитель руководителя",
    "руководитель структурного подразделения",
]
SUBJECTS = [
    "русский язык",
    "литература",
    "математика",
    "алгебра",
    "геометрия",
    "информатика",
    "физика",
    "химия",
    "биология",
    "география",
    "история",
    "обществознание",
    "иностранный язык (английский)",
    "иностранный язык (немецкий)",
    "иностранный язык (французский)",
    "физическая культура",
    "основы безопасности и защиты Родины",
    "технология (труд)",
    "изобразительное искусство",
    "музыка",
    "окружающий мир",
    "начальные классы",
    "родной язык",
    "ОРКСЭ",
    "вероятность и статистика",
    "дошкольное образование",
]


def load(apps, schema_editor):
    Position = apps.get_model("people", "Position")
    Subject = apps.get_model("people", "Subject")
    for name in TEACHING_POSITIONS:
        Position.objects.get_or_create(name=name, defaults={"is_manager": False, "is_pedagogical": True})
    for name in MANAGER_POSITIONS:
        Position.objects.get_or_create(name=name, defaults={"is_manager": True, "is_pedagogical": False})
    for name in SUBJECTS:
        Subject.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

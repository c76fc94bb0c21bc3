import json

from django.apps import apps

from profrost.people.models import Person, PersonEvent
from profrost.people.personal_data import HANDLERS

PERSONAL_FIELDS = {"snils", "birth_date", "last_name", "first_name", "middle_name", "email", "phone"}


def test_every_model_with_personal_data_has_a_handler():
    missing = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        points_at_person = any(
            getattr(f, "related_model", None) is Person and f.many_to_one for f in model._meta.get_fields()
        )
        if (names & PERSONAL_FIELDS or points_at_person) and model._meta.app_label in (
            "people",
            "accounts",
            "structure",
            "core",
            "diagnostics",
            "resources",
            "mentoring",
        ):
            if model._meta.label_lower not in HANDLERS:
                missing.append(model._meta.label_lower)
    assert not missing, f"personal data without export/erase handler: {missing}"


def test_export_and_erase(world, client):
    person = world["inside"]["teacher"]
    snils = person.snils
    client.force_login(world["users"]["region_admin"])
    data = json.loads(b"".join([client.get(f"/people/{person.pk}/personal-data.json").content]))
    assert data["педагог"]["last_name"] == person.last_name
    assert data["места работы"][0]["должность"] == "учитель"
    assert data["учётная запись"]["логин"] == "teacher_in"
    client.post(f"/people/{person.pk}/erase/")
    person.refresh_from_db()
    assert person.last_name == "(удалено)" and person.snils != snils and person.email == ""
    assert not PersonEvent.objects.filter(pgh_obj_id=person.pk, snils=snils).exists()
    teacher_user = world["users"]["teacher_in"]
    teacher_user.refresh_from_db()
    assert not teacher_user.is_active and teacher_user.person_id is None
    # Only the region's administrator may do either.
    client.force_login(world["users"]["center_staff"])
    assert client.get(f"/people/{world['teachers'][1].pk}/personal-data.json").status_code == 403
    assert client.post(f"/people/{world['teachers'][1].pk}/erase/").status_code == 403

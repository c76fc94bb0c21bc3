import pytest

from profrost.diagnostics.models import Competence, CompetenceGroup


@pytest.mark.django_db
def test_default_framework_is_loaded_on_migrate():
    assert list(CompetenceGroup.objects.values_list("code", flat=True)) == [
        "ПР",
        "МТ",
        "ПП",
        "КМ",
        "ЦФ",
        "НП",
        "УП",
    ]
    assert Competence.objects.count() == 4 + 6 + 5 + 4 + 5 + 3 + 6
    assert CompetenceGroup.objects.get(code="УП").for_managers
    assert Competence.objects.get(code="МТ3").name == "Формирование функциональной грамотности"


def test_center_staff_adds_renames_and_retires(world, client):
    client.force_login(world["users"]["center_staff"])
    group = CompetenceGroup.objects.get(code="МТ")
    response = client.post(
        "/diagnostics/competences/new/",
        {"group": group.pk, "code": "мт7", "name": "Проектная деятельность", "order": 7},
    )
    assert response.status_code == 302
    new = Competence.objects.get(code="МТ7")
    # Renaming keeps the code: a posted code change is ignored (the field is disabled).
    client.post(
        f"/diagnostics/competences/{new.pk}/",
        {"group": group.pk, "code": "ХХ1", "name": "Проектная и исследовательская деятельность", "order": 7},
    )
    new.refresh_from_db()
    assert (new.code, new.name) == ("МТ7", "Проектная и исследовательская деятельность")
    client.post(f"/diagnostics/competences/{new.pk}/active/", {"active": "0"})
    new.refresh_from_db()
    assert not new.is_active
    page = client.get("/diagnostics/competences/").content.decode()
    assert "выведена из употребления" in page
    history = client.get(f"/diagnostics/competences/{new.pk}/").content.decode()
    assert "Проектная деятельность → Проектная и исследовательская деятельность" in history


def test_bad_codes_and_duplicates(world, client):
    client.force_login(world["users"]["region_admin"])
    group = CompetenceGroup.objects.get(code="МТ")
    page = client.post(
        "/diagnostics/competences/new/", {"group": group.pk, "code": "МТ1", "name": "x", "order": 1}
    ).content.decode()
    assert "Компетенция с таким кодом уже есть" in page
    page = client.post(
        "/diagnostics/competences/new/", {"group": group.pk, "code": "1МТ", "name": "x", "order": 1}
    ).content.decode()
    assert "Код: 1–4 буквы и номер" in page


def test_others_may_only_read(world, client):
    client.force_login(world["users"]["municipal_coordinator_in"])
    competence = Competence.objects.get(code="МТ1")
    assert client.get("/diagnostics/competences/").status_code == 200
    assert (
        client.post(f"/diagnostics/competences/{competence.pk}/active/", {"active": "0"}).status_code == 403
    )
    competence.refresh_from_db()
    assert competence.is_active

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from profrost.core.imports import run_import
from profrost.diagnostics.actions import recompute_results
from profrost.diagnostics.models import Campaign, Competence, Instrument, Item, ItemScore, ItemType, Result
from profrost.diagnostics.scoring import score_item
from profrost.people.models import Person
from tests.test_imports import write_csv

D = Decimal


@pytest.mark.parametrize(
    "item_type, key, answer, expected",
    [
        (ItemType.SINGLE, "3", " 3 ", D(2)),
        (ItemType.SINGLE, "3", "2", D(0)),
        (ItemType.MULTIPLE, "1;3", "3; 1", D(2)),
        (ItemType.MULTIPLE, "1;3", "1", D(0)),
        (ItemType.SHORT, "Ёлка|ель", "  ЕЛКА ", D(2)),
        (ItemType.SHORT, "метапредметный результат", "Метапредметный   результат", D(2)),
        (ItemType.NUMERIC, "12.5", "12,6", D(2)),  # within ±0.1
        (ItemType.NUMERIC, "12.5", "12,7", D(0)),
        (ItemType.NUMERIC, "12.5", "двенадцать", D(0)),
        (ItemType.SINGLE, "3", "", D(0)),
        (ItemType.OPEN, "", "текст", None),
    ],
)
def test_score_item(item_type, key, answer, expected):
    assert score_item(item_type, key, 2, answer, tolerance=D("0.1")) == expected


def _scored(items, **settings):
    """One result of a new instrument scored by the production path (recompute_results): `items` are
    (score, max_score, [competence codes]), a score None being an open answer not yet scored."""
    instrument = Instrument.objects.create(name="Спецификация", **settings)
    campaign = Campaign.objects.create(instrument=instrument, name="Спецификация", kind="federal")
    n = Result.objects.count()
    person = Person.objects.create(
        last_name="Оценкина", first_name="Анна", birth_date=datetime.date(1990, 1, 1), snils=f"{n:011d}"
    )
    result = Result.objects.create(campaign=campaign, person=person, status="submitted")
    for number, (score, max_score, codes) in enumerate(items, start=1):
        item = Item.objects.create(
            instrument=instrument,
            number=str(number),
            position=number,
            type=ItemType.SINGLE if score is not None else ItemType.OPEN,
            max_score=max_score,
        )
        item.competences.set(Competence.objects.filter(code__in=codes))
        ItemScore.objects.create(result=result, item=item, score=score)
    recompute_results([result.pk])
    result.refresh_from_db()
    return result


def test_percentages_level_and_deficits_by_hand(db):
    """The scoring formulas (docs/domain.md §5) computed by hand, against the one implementation."""
    # Items: 1 (max 2, МТ1) scored 2; 2 (max 3, МТ1+МТ4) scored 0; 3 (max 5, МТ4) scored 1; 4 (max 1, ПП1) scored 1.
    items = [
        (D(2), D(2), ["МТ1"]),
        (D(0), D(3), ["МТ1", "МТ4"]),
        (D(1), D(5), ["МТ4"]),
        (D(1), D(1), ["ПП1"]),
    ]
    result = _scored(items)
    # 4 of 11 points = 36.36 % → низкий (default thresholds 85 / 70 / 50).
    assert (result.status, result.total_score, result.max_score, result.total_percent, result.level) == (
        "scored",
        D(4),
        D(11),
        D("36.36"),
        "низкий",
    )
    per = {
        cr.competence.code: (cr.percent, cr.is_deficit, cr.is_severe)
        for cr in result.competence_results.select_related("competence")
    }
    # МТ1: 2/5 = 40 %; МТ4: 1/8 = 12.5 %; ПП1: 1/1 = 100 %. Item 2 counts fully in both МТ1 and МТ4.
    # Threshold 50 %: МТ1 (40) is a deficit; МТ4 (12.5 < 25) is a severe one; ПП1 is not.
    assert per == {
        "МТ1": (D("40.00"), True, False),
        "МТ4": (D("12.50"), True, True),
        "ПП1": (D("100.00"), False, False),
    }
    # The level's boundaries belong to the higher level.
    levels = [_scored([(D(p), D(100), ["МТ1"])]).level for p in ("85", "84.99", "70", "50", "49.99")]
    assert levels == ["высокий", "повышенный", "повышенный", "базовый", "низкий"]
    # A five-level instrument: 36.36 % reaches «удовлетворительный» from 35 %.
    assert _scored(items, satisfactory_from=D(35)).level == "удовлетворительный"
    # The instrument's own deficit threshold: at 45 %, МТ1 (40 %) is a deficit and 12.5 % < 22.5 % severe.
    strict = _scored(items, deficit_threshold=D(45))
    assert sorted(
        strict.competence_results.filter(is_deficit=True).values_list("competence__code", "is_severe")
    ) == [
        ("МТ1", False),
        ("МТ4", True),
    ]
    # An open answer not yet scored: the result waits for the expert — no level, no competence rows.
    waiting = _scored([*items, (None, D(2), ["КМ2"])])
    assert (waiting.status, waiting.level, waiting.competence_results.count()) == ("submitted", "", 0)


ITEM_HEADERS = ["Номер", "Компетенция", "Макс. балл", "Тип", "Ключ"]


def test_item_map_import_versions_and_errors(db, tmp_path, capsys):
    rows = [
        {
            "Номер": "1",
            "Компетенция": "МТ1; мт4",
            "Макс. балл": "2",
            "Тип": "Один вариант ответа",
            "Ключ": "3",
        },
        {"Номер": "2", "Компетенция": "ПР1", "Макс. балл": "1,5", "Тип": "число", "Ключ": "12,5±0,1"},
        {"Номер": "3", "Компетенция": "КМ2", "Макс. балл": "4", "Тип": "развёрнутый", "Ключ": ""},
    ]
    path = write_csv(tmp_path / "map.csv", rows, headers=ITEM_HEADERS)
    call_command("import", "instrument", str(path), "--name", "ДПК учителей математики")
    first_id = int(capsys.readouterr().out.strip().splitlines()[-1])
    instrument = Instrument.objects.get(pk=first_id)
    numeric = instrument.items.get(number="2")
    assert (numeric.key, numeric.tolerance, numeric.max_score) == ("12.5", D("0.1"), D("1.5"))
    assert sorted(instrument.items.get(number="1").competences.values_list("code", flat=True)) == [
        "МТ1",
        "МТ4",
    ]
    # The same map again: nothing new, the same id.
    call_command("import", "instrument", str(path), "--name", "ДПК учителей математики")
    assert int(capsys.readouterr().out.strip().splitlines()[-1]) == first_id
    # A changed map: a new version; the old one stays for its results.
    rows[0]["Ключ"] = "4"
    call_command(
        "import",
        "instrument",
        str(write_csv(tmp_path / "map2.csv", rows, headers=ITEM_HEADERS)),
        "--name",
        "ДПК учителей математики",
    )
    second = Instrument.objects.get(pk=int(capsys.readouterr().out.strip().splitlines()[-1]))
    assert (second.version, second.previous_id) == (2, first_id)
    assert list(Instrument.objects.current().values_list("pk", flat=True)) == [second.pk]
    bad = [{"Номер": "1", "Компетенция": "ХХ9", "Макс. балл": "0", "Тип": "шарада", "Ключ": ""}]
    result = run_import(
        "instrument", write_csv(tmp_path / "bad.csv", bad, headers=ITEM_HEADERS), options={"name": "Плохой"}
    )
    assert {(h, m) for _, h, m in result.errors} == {
        ("Компетенция", "неизвестный код компетенции «ХХ9»"),
        ("Макс. балл", "нужно положительное число"),
        ("Тип", "неизвестный тип задания «шарада»"),
    }
    assert not Instrument.objects.filter(name="Плохой").exists()


def test_editing_a_used_instrument_makes_a_new_version(world, client, tmp_path, capsys):
    from profrost.diagnostics.models import Campaign

    rows = [{"Номер": "1", "Компетенция": "МТ1", "Макс. балл": "2", "Тип": "один", "Ключ": "1"}]
    call_command(
        "import",
        "instrument",
        str(write_csv(tmp_path / "m.csv", rows, headers=ITEM_HEADERS)),
        "--name",
        "Тест",
    )
    instrument = Instrument.objects.get(pk=int(capsys.readouterr().out.strip().splitlines()[-1]))
    client.force_login(world["users"]["center_staff"])
    form = {
        "high_from": "90",
        "elevated_from": "75",
        "basic_from": "55",
        "satisfactory_from": "",
        "deficit_threshold": "60",
    }
    bad = client.post(
        f"/diagnostics/instruments/{instrument.pk}/", {**form, "elevated_from": "95"}
    ).content.decode()
    assert "Пороги уровней должны убывать" in bad
    # Not used yet: changed in place.
    client.post(f"/diagnostics/instruments/{instrument.pk}/", form)
    instrument.refresh_from_db()
    assert (instrument.version, instrument.high_from, instrument.deficit_threshold) == (1, D(90), D(60))
    # Used by a campaign: a new version with the items copied; the old one is untouched.
    Campaign.objects.create(instrument=instrument, name="Идёт", kind="federal")
    response = client.post(f"/diagnostics/instruments/{instrument.pk}/", {**form, "deficit_threshold": "40"})
    new = Instrument.objects.get(previous=instrument)
    assert response["Location"] == f"/diagnostics/instruments/{new.pk}/"
    instrument.refresh_from_db()
    assert (instrument.deficit_threshold, new.deficit_threshold, new.version) == (D(60), D(40), 2)
    assert list(new.items.values_list("number", "competences__code")) == [("1", "МТ1")]
    client.force_login(world["users"]["municipal_coordinator_in"])
    assert client.post(f"/diagnostics/instruments/{new.pk}/", form).status_code == 403


def test_item_map_through_the_import_pages(world, client, tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(world["users"]["center_staff"])
    assert "Наименование инструмента" in client.get("/imports/instrument/upload/").content.decode()
    assert client.get("/imports/instrument/template.xlsx?name=x").status_code == 200
    path = write_csv(
        tmp_path / "m.csv",
        [{"Номер": "1", "Компетенция": "МТ1", "Макс. балл": "2", "Тип": "один", "Ключ": "1"}],
        headers=ITEM_HEADERS,
    )
    with open(path, "rb") as fh:
        job_url = client.post("/imports/instrument/upload/", {"file": fh, "name": "Через страницу"})[
            "Location"
        ]
    client.post(job_url + "commit/")
    instrument = Instrument.objects.get(name="Через страницу")
    assert f"/diagnostics/instruments/{instrument.pk}/" in client.get(job_url).content.decode()


def test_item_map_with_texts_options_and_rubric(db, tmp_path, capsys):
    headers = [*ITEM_HEADERS, "Текст", "Варианты", "Критерии"]
    rows = [
        {
            "Номер": "1",
            "Компетенция": "МТ1",
            "Макс. балл": "1",
            "Тип": "один",
            "Ключ": "2",
            "Текст": "Что такое УУД?",
            "Варианты": "предметные умения | универсальные учебные действия |  оценки",
            "Критерии": "",
        },
        {
            "Номер": "2",
            "Компетенция": "КМ2",
            "Макс. балл": "3",
            "Тип": "развёрнутый",
            "Ключ": "",
            "Текст": "Опишите приём",
            "Варианты": "",
            "Критерии": "3 — приём описан полностью; 0 — нет ответа",
        },
    ]
    call_command(
        "import", "instrument", str(write_csv(tmp_path / "m.csv", rows, headers=headers)), "--name", "Р"
    )
    instrument = Instrument.objects.get(pk=int(capsys.readouterr().out.strip().splitlines()[-1]))
    first, second = instrument.items.order_by("position")
    assert first.options == ["предметные умения", "универсальные учебные действия", "оценки"]
    assert (first.text, second.rubric) == ("Что такое УУД?", "3 — приём описан полностью; 0 — нет ответа")
    # A key pointing past the options is an error of that row.
    rows[0]["Ключ"] = "4"
    result = run_import(
        "instrument", write_csv(tmp_path / "bad.csv", rows, headers=headers), options={"name": "Р2"}
    )
    assert [(n, h, m) for n, h, m in result.errors] == [
        (2, "Ключ", "ключ «4» должен указывать номера вариантов от 1 до 3")
    ]
    assert not Instrument.objects.filter(name="Р2").exists()


def test_item_edited_on_its_page(world, client):
    from profrost.diagnostics.models import Campaign, Competence, Item

    instrument = Instrument.objects.create(name="Онлайн-тест")
    item = Item.objects.create(
        instrument=instrument, number="1", position=1, type="single", key="1", max_score=1
    )
    item.competences.add(Competence.objects.get(code="МТ1"))
    client.force_login(world["users"]["center_staff"])
    url = f"/diagnostics/items/{item.pk}/"
    good = {
        "text": "Что такое УУД?",
        "type": "single",
        "options_text": "предметные умения\nуниверсальные учебные действия\n\nоценки\n",
        "key": "2",
        "tolerance": "0",
        "max_score": "2",
        "rubric": "",
        "competences": [Competence.objects.get(code="МТ2").pk],
    }
    # Bad input: a key past the options, a zero maximum, no competence — each said, nothing saved.
    page = client.post(url, {**good, "key": "5", "max_score": "0", "competences": []}).content.decode()
    assert "Ключ должен указывать номера вариантов от 1 до 3" in page
    assert "Максимальный балл должен быть положительным" in page
    assert "Укажите хотя бы одну компетенцию" in page
    item.refresh_from_db()
    assert (item.key, item.options) == ("1", [])
    # Not yet used: changed in place.
    response = client.post(url, good)
    assert response["Location"] == f"/diagnostics/instruments/{instrument.pk}/"
    item.refresh_from_db()
    assert (item.text, item.options, item.key, item.max_score) == (
        "Что такое УУД?",
        ["предметные умения", "универсальные учебные действия", "оценки"],
        "2",
        D(2),
    )
    assert list(item.competences.values_list("code", flat=True)) == ["МТ2"]
    # Used by a campaign: the change makes version 2; version 1 keeps its item.
    Campaign.objects.create(instrument=instrument, name="Весна", kind="regional")
    response = client.post(url, {**good, "key": "3"})
    second = Instrument.objects.get(previous=instrument)
    assert response["Location"] == f"/diagnostics/instruments/{second.pk}/"
    assert second.items.get(number="1").key == "3"
    item.refresh_from_db()
    assert item.key == "2"
    # The old version's item page now leads to the newest version instead of forking the history.
    assert client.get(url)["Location"] == f"/diagnostics/instruments/{second.pk}/"
    # A teacher may not edit items.
    client.force_login(world["users"]["teacher_in"])
    assert client.get(f"/diagnostics/items/{second.items.get().pk}/").status_code == 403

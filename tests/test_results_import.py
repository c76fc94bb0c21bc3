import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from profrost.core.imports import run_import
from profrost.diagnostics.models import CompetenceResult, Result
from tests.test_imports import write_csv

MAP = [
    {"Номер": "1", "Компетенция": "МТ1", "Макс. балл": "2", "Тип": "один", "Ключ": "1"},
    {"Номер": "2", "Компетенция": "МТ1;МТ4", "Макс. балл": "3", "Тип": "один", "Ключ": "2"},
    {"Номер": "3", "Компетенция": "МТ4", "Макс. балл": "5", "Тип": "один", "Ключ": "3"},
    {"Номер": "4", "Компетенция": "ПП1", "Макс. балл": "1", "Тип": "один", "Ключ": "4"},
]


def _last_line(capsys):
    return capsys.readouterr().out.strip().splitlines()[-1]


@pytest.fixture
def campaign(world, tmp_path, capsys):
    call_command(
        "import",
        "instrument",
        str(write_csv(tmp_path / "map.csv", MAP, headers=list(MAP[0]))),
        "--name",
        "ДПК",
    )
    instrument_id = _last_line(capsys)
    call_command(
        "diagnostics",
        "create-campaign",
        "--instrument",
        instrument_id,
        "--name",
        "ДПК-2026",
        "--kind",
        "federal",
    )
    return int(_last_line(capsys))


def test_results_scored_in_the_database_and_exported(world, campaign, tmp_path, capsys):
    a, b = world["teachers"][0], world["teachers"][1]
    headers = ["СНИЛС", "Дата", "1", "2", "3", "4"]
    rows = [
        {"СНИЛС": a.snils_display, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": b.snils, "Дата": "15.10.2026", "1": "2", "2": "3", "3": "5", "4": "1"},
    ]
    path = write_csv(tmp_path / "res.csv", rows, headers=headers)
    call_command("import", "results", str(path), "--campaign", str(campaign))
    ra = Result.objects.get(person=a)
    # 4 of 11 points = 36.36 % → низкий; МТ1 2/5 = 40 % (deficit), МТ4 1/8 = 12.5 % (severe), ПП1 100 %.
    assert (ra.total_score, ra.max_score, ra.total_percent, ra.level, ra.status) == (
        D(4),
        D(11),
        D("36.36"),
        "низкий",
        "scored",
    )
    per = {
        c.competence.code: (c.percent, c.is_deficit, c.is_severe)
        for c in CompetenceResult.objects.filter(result=ra)
    }
    assert per == {
        "МТ1": (D("40.00"), True, False),
        "МТ4": (D("12.50"), True, True),
        "ПП1": (D("100.00"), False, False),
    }
    rb = Result.objects.get(person=b)
    assert (rb.total_percent, rb.level) == (D("100.00"), "высокий")
    assert not CompetenceResult.objects.filter(result=rb, is_deficit=True).exists()
    # Re-importing the same file changes nothing.
    again = run_import("results", path, options={"campaign": campaign})
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    out = tmp_path / "out.xlsx"
    call_command("diagnostics", "export-results", str(campaign), "--out", str(out))
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "СНИЛС",
        "ФИО",
        "Муниципалитет",
        "Организация",
        "Итого, %",
        "Уровень",
        "Дефициты",
        "МТ1, %",
        "МТ4, %",
        "ПП1, %",
    )
    row_a = next(r for r in rows if r[0] == a.snils_display)
    assert row_a[4:] == (36.36, "низкий", "МТ1;МТ4", 40.0, 12.5, 100.0)
    assert row_a[2] == world["municipalities"][0].name


def test_bad_results_rows(world, campaign, tmp_path, capsys):
    headers = ["СНИЛС", "Дата", "1", "2", "3", "4"]
    rows = [
        {"СНИЛС": "112-233-445 95", "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": world["teachers"][0].snils, "Дата": "вчера", "1": "3", "2": "x", "3": "1", "4": "1"},
    ]
    result = run_import(
        "results", write_csv(tmp_path / "bad.csv", rows, headers=headers), options={"campaign": campaign}
    )
    assert {(n, h, m) for n, h, m in result.errors} == {
        (2, "СНИЛС", "педагог с таким СНИЛС не найден в реестре"),
        (3, "Дата", "не удалось распознать дату «вчера»: нужен формат ДД.ММ.ГГГГ"),
        (3, "1", "балл 3 вне диапазона 0–2"),
        (3, "2", "балл «x» не является числом"),
    }
    assert not Result.objects.exists()
    missing = run_import(
        "results",
        write_csv(tmp_path / "m.csv", rows, headers=["СНИЛС", "Дата", "1", "2"]),
        options={"campaign": campaign},
    )
    assert missing.file_error == "в файле нет столбцов заданий: «3», «4»"
    with pytest.raises(SystemExit):
        call_command("import", "results", str(tmp_path / "bad.csv"), "--campaign", str(campaign))


def test_results_outside_scope_reject_the_file(world, campaign, tmp_path):
    rows = [
        {"СНИЛС": world["teachers"][15].snils, "Дата": "15.10.2026", "1": "1", "2": "1", "3": "1", "4": "1"}
    ]
    user = world["users"]["municipal_coordinator_in"]
    result = run_import(
        "results",
        write_csv(tmp_path / "s.csv", rows, headers=["СНИЛС", "Дата", "1", "2", "3", "4"]),
        user=user,
        skip_invalid=True,
        options={"campaign": campaign},
    )
    assert result.out_of_scope and not result.written


D = Decimal


def test_campaign_and_assessment_sheet_pages(world, campaign, tmp_path, client):
    a, far = world["teachers"][0], world["teachers"][15]
    headers = ["СНИЛС", "Дата", "1", "2", "3", "4"]
    rows = [
        {"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": far.snils, "Дата": "16.10.2026", "1": "2", "2": "3", "3": "5", "4": "1"},
    ]
    run_import(
        "results", write_csv(tmp_path / "r.csv", rows, headers=headers), options={"campaign": campaign}
    )
    client.force_login(world["users"]["municipal_coordinator_in"])
    page = client.get(f"/diagnostics/campaigns/{campaign}/").content.decode()
    assert a.last_name in page and far.last_name not in page
    assert "Участники (1)" in page
    result_a, result_far = Result.objects.get(person=a), Result.objects.get(person=far)
    assert client.get(f"/diagnostics/results/{result_far.pk}/").status_code == 404
    client.force_login(world["users"]["teacher_in"])
    sheet = client.get(f"/diagnostics/results/{result_a.pk}/").content.decode()
    assert '<td id="total-percent">36,36</td>' in sheet or '<td id="total-percent">36.36</td>' in sheet
    assert "выраженный" in sheet
    assert client.get(f"/diagnostics/campaigns/{campaign}/").status_code == 403


def test_results_upload_through_the_import_pages(world, campaign, tmp_path, client, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(world["users"]["center_staff"])
    choose = client.get("/imports/results/upload/").content.decode()
    assert "ДПК-2026" in choose
    page = client.get(f"/imports/results/upload/?campaign={campaign}").content.decode()
    assert "«1», «2», «3», «4»" in page
    a = world["teachers"][0]
    path = write_csv(
        tmp_path / "r.csv",
        [{"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "2", "2": "3", "3": "5", "4": "1"}],
        headers=["СНИЛС", "Дата", "1", "2", "3", "4"],
    )
    with open(path, "rb") as fh:
        response = client.post("/imports/results/upload/", {"file": fh, "campaign": campaign})
    job_url = response["Location"]
    assert "Новых" in client.get(job_url).content.decode()
    client.post(job_url + "commit/")
    assert Result.objects.get(person=a).level == "высокий"
    client.force_login(world["users"]["municipal_coordinator_in"])
    assert client.get("/imports/results/upload/").status_code == 403


def test_item_analysis_by_hand(world, campaign, tmp_path, client):
    a, b, far = world["teachers"][0], world["teachers"][1], world["teachers"][15]
    headers = ["СНИЛС", "Дата", "1", "2", "3", "4"]
    rows = [
        {"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": b.snils, "Дата": "15.10.2026", "1": "1", "2": "3", "3": "5", "4": "0"},
        {"СНИЛС": far.snils, "Дата": "15.10.2026", "1": "0", "2": "3", "3": "5", "4": "1"},
    ]
    run_import(
        "results", write_csv(tmp_path / "r.csv", rows, headers=headers), options={"campaign": campaign}
    )
    from profrost.diagnostics.views import item_analysis

    items = {i["number"]: i for i in item_analysis(Result.objects.all())}
    # Item 1 (max 2): 2, 1, 0 → mean (100 + 50 + 0) / 3 = 50 %; full marks 1 of 3 = 33.3 %.
    assert (items["1"]["n"], items["1"]["mean"], items["1"]["full"]) == (3, D("50.0"), D("33.3"))
    # Item 3 (max 5): 1, 5, 5 → (20 + 100 + 100) / 3 = 73.3 %; full 2 of 3 = 66.7 %.
    assert (items["3"]["mean"], items["3"]["full"]) == (D("73.3"), D("66.7"))
    # Only the first municipality (teachers a and b): item 1 → (100 + 50) / 2 = 75 %.
    one = {
        i["number"]: i
        for i in item_analysis(Result.objects.all(), municipality=world["municipalities"][0].pk)
    }
    assert (one["1"]["n"], one["1"]["mean"]) == (2, D("75.0"))
    # A municipal coordinator's page holds only their teachers.
    client.force_login(world["users"]["municipal_coordinator_in"])
    page = client.get(f"/diagnostics/campaigns/{campaign}/").content.decode()
    assert '<td>№ 1</td><td class="text-end">2</td>' in page


def test_assessment_sheet_as_pdf(world, campaign, tmp_path, client):
    a = world["teachers"][0]
    run_import(
        "results",
        write_csv(
            tmp_path / "r.csv",
            [{"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"}],
            headers=["СНИЛС", "Дата", "1", "2", "3", "4"],
        ),
        options={"campaign": campaign},
    )
    client.force_login(world["users"]["teacher_in"])
    response = client.get(f"/diagnostics/results/{Result.objects.get(person=a).pk}/?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Оценочный лист" in text and "36,36" in text and "выраженный" in text
    assert "2 МТ1, МТ4 0,00 3,00" in text  # a zero is a score, not "на проверке"


def test_item_analysis_by_school_and_position(world, campaign, tmp_path):
    from profrost.diagnostics.views import item_analysis
    from profrost.people.models import Position

    a, b, c = (
        world["teachers"][0],
        world["teachers"][1],
        world["teachers"][2],
    )  # a, b in school 0; c in school 1
    rows = [
        {"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": b.snils, "Дата": "15.10.2026", "1": "0", "2": "3", "3": "5", "4": "0"},
        {"СНИЛС": c.snils, "Дата": "15.10.2026", "1": "1", "2": "3", "3": "5", "4": "1"},
    ]
    run_import(
        "results",
        write_csv(tmp_path / "r.csv", rows, headers=["СНИЛС", "Дата", "1", "2", "3", "4"]),
        options={"campaign": campaign},
    )
    school0 = {
        i["number"]: i for i in item_analysis(Result.objects.all(), organization=world["schools"][0].pk)
    }
    # Item 1 (max 2) in school 0: 2 and 0 → 50 %, one of two full.
    assert (school0["1"]["n"], school0["1"]["mean"], school0["1"]["full"]) == (
        2,
        Decimal("50.0"),
        Decimal("50.0"),
    )
    teacher = Position.objects.get(name="учитель").pk
    everyone = {i["number"]: i["n"] for i in item_analysis(Result.objects.all(), position=teacher)}
    assert everyone["1"] == 3
    nobody = item_analysis(Result.objects.all(), position=Position.objects.get(name="воспитатель").pk)
    assert nobody == []

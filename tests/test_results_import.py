import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from profrost.core.imports import run_import
from profrost.diagnostics.models import Campaign, CompetenceResult, Result
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


def _three_results(world, campaign, tmp_path):
    """a and b teach in the first municipality, far in the fourth (another district)."""
    a, b, far = world["teachers"][0], world["teachers"][1], world["teachers"][15]
    rows = [
        {"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "2", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": b.snils, "Дата": "15.10.2026", "1": "1", "2": "3", "3": "5", "4": "0"},
        {"СНИЛС": far.snils, "Дата": "15.10.2026", "1": "0", "2": "3", "3": "5", "4": "1"},
    ]
    run_import(
        "results",
        write_csv(tmp_path / "r.csv", rows, headers=["СНИЛС", "Дата", "1", "2", "3", "4"]),
        options={"campaign": campaign},
    )
    return Campaign.objects.get(pk=campaign)


def test_item_analysis_by_hand(world, campaign, tmp_path, client):
    from profrost.diagnostics import analysis

    c = _three_results(world, campaign, tmp_path)
    data = analysis.report(c, Result.objects.all())
    items = {i["number"]: i for i in data["items"]}
    # Totals: a 4, b 9, far 9 (of 11).
    # Item 1 (max 2): scores 2, 1, 0 → difficulty (1 + 0.5 + 0) / 3 = 0.500. Rest of the test (total − item):
    # 2, 8, 9. Deviations: item (1, 0, −1), rest (−13/3, 5/3, 8/3); Sxy = −7, Sxx = 2, Syy = 86/3;
    # r = −7 / √(2 · 86/3) = −0.9245 → −0.924, not discriminating.
    assert items["1"] == {
        "number": "1",
        "competences": "МТ1",
        "n": 3,
        "difficulty": D("0.500"),
        "discrimination": D("-0.924"),
        "full": D("33.3"),
        "remark": "не различает участников",
    }
    # Item 2 (max 3): 0, 3, 3 → difficulty 2/3 = 0.667; rest 4, 6, 6 rises with it exactly → r = 1.000.
    assert (items["2"]["competences"], items["2"]["difficulty"], items["2"]["discrimination"]) == (
        "МТ1;МТ4",
        D("0.667"),
        D("1.000"),
    )
    assert items["2"]["remark"] == ""
    # Item 3 (max 5): 1, 5, 5 → (0.2 + 1 + 1) / 3 = 0.733; rest 3, 4, 4 → r = 1.000.
    assert (items["3"]["difficulty"], items["3"]["discrimination"]) == (D("0.733"), D("1.000"))
    # Item 4 (max 1): 1, 0, 1 → 0.667; rest 3, 9, 8: Sxy = −7/3, Sxx = 2/3, Syy = 62/3 → r = −0.6286 → −0.629.
    assert (items["4"]["difficulty"], items["4"]["discrimination"]) == (D("0.667"), D("-0.629"))
    comps = {x["code"]: x for x in data["competences"]}
    # МТ1 = items 1+2 (max 5): a 2 → 40 %, b 4 → 80 %, far 3 → 60 %: mean 60.0; one in deficit (< 50) → 33.3 %.
    assert (comps["МТ1"]["mean"], comps["МТ1"]["deficit"], comps["МТ1"]["deficit_share"]) == (
        D("60.0"),
        1,
        D("33.3"),
    )
    # МТ4 = items 2+3 (max 8): a 1 → 12.5 %, b and far 8 → 100 %: mean 70.83 → 70.8.
    assert (comps["МТ4"]["mean"], comps["МТ4"]["deficit_share"]) == (D("70.8"), D("33.3"))
    # ПП1 = item 4: 100, 0, 100 → 66.7.
    assert comps["ПП1"]["mean"] == D("66.7")
    # Levels: a 36.36 % низкий, b and far 81.82 % повышенный.
    assert [(lv["level"], lv["n"], lv["share"]) for lv in data["levels"]] == [
        ("высокий", 0, D("0.0")),
        ("повышенный", 2, D("66.7")),
        ("базовый", 0, D("0.0")),
        ("низкий", 1, D("33.3")),
    ]
    # Heat map by the main job's municipality: the first one holds a and b — МТ4 (12.5 + 100) / 2 = 56.25 → 56.3
    # (half-up), ПП1 (100 + 0) / 2 = 50.0; the fourth holds far alone.
    first, fourth = world["municipalities"][0].name, world["municipalities"][3].name
    heat = dict(data["heat_map"])
    assert data["codes"] == ["МТ1", "МТ4", "ПП1"]
    assert heat == {first: [D("60.0"), D("56.3"), D("50.0")], fourth: [D("60.0"), D("100.0"), D("100.0")]}

    # Narrowed to the first municipality (a and b): item 1 → (1 + 0.5) / 2 = 0.750.
    one = analysis.report(c, Result.objects.all(), municipality=str(world["municipalities"][0].pk))
    assert (one["participants"], one["items"][0]["n"], one["items"][0]["difficulty"]) == (2, 2, D("0.750"))
    # The second district holds only far: one participant, no spread — no correlation.
    district = analysis.report(c, Result.objects.all(), district=str(world["municipalities"][3].district_id))
    assert district["participants"] == 1 and district["items"][0]["discrimination"] is None

    # A municipal coordinator's page holds only their teachers, with the heat map coloured.
    client.force_login(world["users"]["municipal_coordinator_in"])
    page = client.get(f"/diagnostics/campaigns/{campaign}/").content.decode()
    assert "Оценено участников в выборке: <strong>2</strong>" in page
    assert '<td class="text-end heat-3">56,3</td>' in page
    assert fourth not in page


def test_item_analysis_report_file_and_command(world, campaign, tmp_path, client, capsys):
    c = _three_results(world, campaign, tmp_path)
    out = tmp_path / "report.xlsx"
    call_command("diagnostics", "report", str(campaign), "--out", str(out))
    book = load_workbook(out)
    assert book.sheetnames == ["Задания", "Компетенции", "Уровни", "Муниципалитеты"]
    tasks = list(book["Задания"].iter_rows(values_only=True))
    assert tasks[0] == ("Номер", "Компетенции", "Трудность", "Дискриминативность", "Замечание")
    assert tasks[1] == ("1", "МТ1", 0.5, -0.924, "не различает участников")
    comps = list(book["Компетенции"].iter_rows(values_only=True))
    assert comps[0] == ("Код", "Наименование", "Средний %", "Доля с дефицитом, %")
    assert comps[2][0] == "МТ4" and comps[2][2:] == (70.8, 33.3)
    assert list(book["Уровни"].iter_rows(values_only=True))[2] == ("повышенный", 2, 66.7)
    munis = list(book["Муниципалитеты"].iter_rows(values_only=True))
    assert munis[0] == ("Муниципалитет", "МТ1", "МТ4", "ПП1")
    assert (world["municipalities"][0].name, 60.0, 56.3, 50.0) in munis

    # One municipality by name: far's municipality alone.
    call_command(
        "diagnostics",
        "report",
        str(campaign),
        "--municipality",
        world["municipalities"][3].name,
        "--out",
        str(out),
    )
    assert "Участников: 1" in capsys.readouterr().out
    assert load_workbook(out)["Уровни"]["C3"].value == 100.0
    with pytest.raises(CommandError, match="не найден"):
        call_command("diagnostics", "report", str(campaign), "--municipality", "Атлантида", "--out", str(out))

    # The page's XLSX is the same report for the viewer's group.
    client.force_login(world["users"]["center_staff"])
    response = client.get(
        f"/diagnostics/campaigns/{c.pk}/report.xlsx?municipality={world['municipalities'][0].pk}"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Задания"]
    assert sheet["C2"].value == 0.75


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
    from profrost.diagnostics import analysis
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
    results = analysis.narrow(Result.objects.all(), organization=str(world["schools"][0].pk))
    school0 = {i["number"]: i for i in analysis.items(results)}
    # Item 1 (max 2) in school 0: 2 and 0 → difficulty 0.500, one of two full.
    assert (school0["1"]["n"], school0["1"]["difficulty"], school0["1"]["full"]) == (
        2,
        Decimal("0.500"),
        Decimal("50.0"),
    )
    teacher = str(Position.objects.get(name="учитель").pk)
    everyone = {
        i["number"]: i["n"] for i in analysis.items(analysis.narrow(Result.objects.all(), position=teacher))
    }
    assert everyone["1"] == 3
    kindergarten = str(Position.objects.get(name="воспитатель").pk)
    assert analysis.items(analysis.narrow(Result.objects.all(), position=kindergarten)) == []


def test_diagnostic_history_shows_closed_and_appeared_deficits(world, campaign, tmp_path, client, capsys):
    from profrost.diagnostics.progress import person_history

    a = world["teachers"][0]
    headers = ["СНИЛС", "Дата", "1", "2", "3", "4"]
    first = [{"СНИЛС": a.snils, "Дата": "15.10.2025", "1": "2", "2": "0", "3": "1", "4": "1"}]
    run_import(
        "results", write_csv(tmp_path / "r1.csv", first, headers=headers), options={"campaign": campaign}
    )
    call_command(
        "diagnostics",
        "create-campaign",
        "--instrument",
        str(Campaign.objects.get(pk=campaign).instrument_id),
        "--name",
        "ДПК-2027",
        "--kind",
        "federal",
    )
    again = int(_last_line(capsys))
    # A year later: МТ1 5/5 and МТ4 8/8 — both deficits closed; ПП1 0/1 — a new (severe) deficit.
    second = [{"СНИЛС": a.snils, "Дата": "14.10.2026", "1": "2", "2": "3", "3": "5", "4": "0"}]
    run_import(
        "results", write_csv(tmp_path / "r2.csv", second, headers=headers), options={"campaign": again}
    )
    newest, oldest = person_history(a)
    assert (oldest.deficits, oldest.closed, oldest.appeared) == (["МТ1", "МТ4 (выраж.)"], [], [])
    assert (newest.deficits, newest.closed, newest.appeared) == (["ПП1 (выраж.)"], ["МТ1", "МТ4"], ["ПП1"])
    # The same figures straight from the database, as the indicator will count them: 2 of 2 earlier deficits
    # closed.
    rows = CompetenceResult.objects.filter(result__person=a).with_previous().filter(previous_deficit=True)
    assert sorted((r.competence.code, r.is_deficit) for r in rows) == [("МТ1", False), ("МТ4", False)]

    client.force_login(world["users"]["teacher_in"])
    page = client.get(f"/people/{a.pk}/").content.decode()
    assert '<td class="text-success">МТ1, МТ4</td><td class="text-danger">ПП1</td>' in page


def test_more_bad_results_and_identification_by_name(world, campaign, tmp_path):
    a, b = world["teachers"][0], world["teachers"][1]
    headers = ["СНИЛС", "Дата", "1", "2", "3", "4"]
    rows = [
        {"СНИЛС": a.snils, "Дата": "15.10.2026", "1": "1", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": a.snils_display, "Дата": "15.10.2026", "1": "1", "2": "0", "3": "1", "4": "1"},
        {"СНИЛС": b.snils, "Дата": "15.10.2026", "1": "-1", "2": "0", "3": "1", "4": "1"},
    ]
    result = run_import(
        "results", write_csv(tmp_path / "b.csv", rows, headers=headers), options={"campaign": campaign}
    )
    assert result.errors == [
        (3, "СНИЛС", "повторяет строку 2"),  # the same person, however the SNILS is written
        (4, "1", "балл -1 вне диапазона 0–2"),
    ]
    assert not Result.objects.exists()
    # An item column the instrument does not have.
    extra = run_import(
        "results",
        write_csv(tmp_path / "x.csv", [{**rows[0], "5": "1"}], headers=[*headers, "5"]),
        options={"campaign": campaign},
    )
    assert extra.file_error == (
        "в файле есть столбцы заданий, которых нет в инструменте «ДПК (версия 1)»: «5». "
        "Проверьте, что выбрана верная диагностика"
    )
    assert not Result.objects.exists()
    # By name and birth date instead of SNILS; an unknown name is a row error.
    by_name = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Дата", "1", "2", "3", "4"]
    named = [
        {
            "Фамилия": b.last_name,
            "Имя": b.first_name,
            "Отчество": b.middle_name,
            "Дата рождения": b.birth_date.strftime("%d.%m.%Y"),
            "Дата": "15.10.2026",
            "1": "2",
            "2": "3",
            "3": "5",
            "4": "1",
        },
        {
            "Фамилия": "Несуществующая",
            "Имя": "Анна",
            "Отчество": "",
            "Дата рождения": "01.01.1980",
            "Дата": "15.10.2026",
            "1": "2",
            "2": "3",
            "3": "5",
            "4": "1",
        },
    ]
    result = run_import(
        "results", write_csv(tmp_path / "n.csv", named, headers=by_name), options={"campaign": campaign}
    )
    assert [n for n, _, _ in result.errors] == [3]
    assert not Result.objects.exists()
    result = run_import(
        "results", write_csv(tmp_path / "n1.csv", named[:1], headers=by_name), options={"campaign": campaign}
    )
    assert Result.objects.get(person=b).total_percent == D(100)

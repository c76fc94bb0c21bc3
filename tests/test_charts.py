"""Charts (issue 11, point 6): core.charts draws SVG and PNG, Russian and deterministic, clean under the CSP;
the campaign report's and the registers' chart URLs answer those who may see the page, with the figures of the
page's table (by hand on a small dataset), and refuse the others; the PDFs carry the charts."""

import datetime
import io
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from profrost.core import charts
from profrost.diagnostics.models import (
    Campaign,
    Competence,
    CompetenceGroup,
    CompetenceResult,
    Instrument,
    Result,
)
from profrost.routes.models import Route

PNG = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg):
    """Every text the SVG shows, in order (a wrapped label is one text per line)."""
    root = ElementTree.fromstring(svg.encode())
    return [t.text or "" for t in root.iter(f"{SVG}text")]


# --- core.charts ------------------------------------------------------------------------------------------------


def test_numbers_the_russian_way():
    assert charts.number(Decimal("12.5")) == "12,5"
    assert (
        charts.number(Decimal("40.0")) == "40,0"
    )  # a Decimal keeps its places, as the page's table shows it
    assert charts.number(7) == "7"
    assert charts.number(2 / 3) == "0,7"
    assert charts.number(-1.25, 2) == "−1,25"
    assert charts.number(None) == "—"
    assert charts.with_unit(Decimal("62.5"), "%") == "62,5\u00a0%"
    assert charts.with_unit(None, "%") == "нет данных"


def test_bar_chart_svg_has_its_labels_and_values_as_text_and_no_styles():
    chart = charts.bar_chart(
        "Средний % по компетенциям",
        ["МТ1", "МТ2", "КМ2"],
        [("Средний %", [Decimal("62.5"), Decimal("40.0"), None])],
        max_value=100,
        reference=(Decimal("50"), "порог дефицита 50 %"),
    )
    svg = chart.svg
    shown = texts(svg)
    for expected in (
        "Средний % по компетенциям",
        "МТ1",
        "МТ2",
        "КМ2",
        "62,5\u00a0%",
        "40,0\u00a0%",
        "нет данных",
    ):
        assert expected in shown, (expected, shown)
    assert "порог дефицита 50 %" in shown
    # Clean under style-src 'self': no style attribute, no <style> element; a valid document with a title.
    assert "style=" not in svg and "<style" not in svg
    root = ElementTree.fromstring(svg.encode())
    assert root.find(f"{SVG}title").text == "Средний % по компетенциям"
    assert not [e for e in root.iter() if "style" in e.attrib]
    assert "font-family=\"'DejaVu Sans', sans-serif\"" in svg
    # Deterministic: no date, no generator, the same bytes for the same data.
    assert "<metadata" not in svg and "Matplotlib" not in svg and "dc:date" not in svg
    again = charts.bar_chart(
        "Средний % по компетенциям",
        ["МТ1", "МТ2", "КМ2"],
        [("Средний %", [Decimal("62.5"), Decimal("40.0"), None])],
        max_value=100,
        reference=(Decimal("50"), "порог дефицита 50 %"),
    )
    assert again.svg == svg and again.png == chart.png
    assert chart.png.startswith(PNG) and len(chart.png) > 5000
    assert chart.alt == "Средний % по компетенциям. МТ1 — 62,5\u00a0%; МТ2 — 40,0\u00a0%; КМ2 — нет данных."
    assert chart.data_uri().startswith("data:image/svg+xml;base64,")


def test_hostile_labels_stay_text():
    chart = charts.bar_chart(
        "Заголовок", ["<script>alert(1)</script>", "$x^2$ & «кавычки»"], [("Ряд", [1, 2])], unit=""
    )
    shown = texts(chart.svg)
    assert "<script>alert(1)</script>" in shown  # escaped as text, not an element
    assert "$x^2$ & «кавычки»" in shown  # a dollar is not TeX
    assert "<script" not in chart.svg.replace("&lt;script", "")


def test_stacked_bars_and_lines():
    stacked = charts.stacked_bars(
        "Маршруты",
        ["Муниципалитет 1.1", "Муниципалитет 1.2"],
        [("Утверждены", [2, 0]), ("Завершены", [3, 1]), ("Черновики", [5, 0])],
        total_labels=["разработано 5 из 10", "разработано 1 из 1"],
    )
    shown = texts(stacked.svg)
    for expected in (
        "Муниципалитет 1.1",
        "Утверждены",
        "Завершены",
        "Черновики",
        "разработано 5 из 10",
        "5",
        "3",
    ):
        assert any(expected in t for t in shown), expected
    assert stacked.png.startswith(PNG)
    assert "style=" not in stacked.svg
    assert stacked.alt.startswith(
        "Маршруты. Муниципалитет 1.1 — разработано 5 из 10 (Утверждены 2, Завершены 3"
    )

    lines = charts.line_chart(
        "Доля с дефицитом, %",
        ["ДПК 2024", "ДПК 2025"],
        [("МТ1", [Decimal("40.0"), Decimal("30.0")]), ("МТ2", [None, Decimal("20.0")])],
        max_value=100,
    )
    shown = texts(lines.svg)
    for expected in ("ДПК 2024", "ДПК 2025", "МТ1", "МТ2", "40,0", "30,0", "20,0"):
        assert expected in shown, expected
    assert lines.png.startswith(PNG)
    assert lines.alt == (
        "Доля с дефицитом, %. МТ1: ДПК 2024 — 40,0\u00a0%, ДПК 2025 — 30,0\u00a0%; "
        "МТ2: ДПК 2024 — нет данных, ДПК 2025 — 20,0\u00a0%."
    )


def test_a_chart_without_data_says_so():
    empty = charts.bar_chart("Пусто", [], [("Ряд", [])])
    assert "Нет данных" in texts(empty.svg) and empty.png.startswith(PNG)
    assert empty.alt == "Пусто: нет данных."


# --- the campaign report ------------------------------------------------------------------------------------------

# Per teacher (world["teachers"] index): level, ДЧ1 %, ДЧ2 % in the campaign viewed (deficit under 50 %).
LATER = {
    0: ("высокий", 80, 40),  # school 1.1.1
    1: ("базовый", 60, 30),  # school 1.1.1
    2: ("низкий", 20, 45),  # school 1.1.2
    3: ("низкий", 10, 50),  # school 1.1.2
    15: ("повышенный", 70, 70),  # school 2.2.2
}
EARLIER = {0: ("низкий", 30, 30), 1: ("базовый", 60, 20)}


@pytest.fixture
def report(world):
    """Two campaigns of two versions of one instrument (the later one viewed), results set by hand."""
    group = CompetenceGroup.objects.create(code="ДЧ", name="Диаграммы", order=90)
    competences = [
        Competence.objects.create(group=group, code=f"ДЧ{i}", name=f"Компетенция для диаграмм {i}", order=i)
        for i in (1, 2)
    ]
    first = Instrument.objects.create(name="Тест для диаграмм")
    second = Instrument.objects.create(name="Тест для диаграмм", version=2, previous=first)
    earlier = Campaign.objects.create(
        instrument=first, name="Диаграммы-2024", kind="federal", start=datetime.date(2024, 10, 1)
    )
    later = Campaign.objects.create(
        instrument=second, name="Диаграммы-2025", kind="federal", start=datetime.date(2025, 10, 1)
    )
    for campaign, rows in ((earlier, EARLIER), (later, LATER)):
        for index, (level, *percents) in rows.items():
            result = Result.objects.create(
                campaign=campaign, person=world["teachers"][index], status="scored", level=level
            )
            for competence, percent in zip(competences, percents):
                CompetenceResult.objects.create(
                    result=result, competence=competence, percent=percent, is_deficit=percent < 50
                )
    # Not scored: counts nowhere.
    Result.objects.create(campaign=later, person=world["teachers"][14], status="submitted")
    return later


def _chart(client, campaign, name, query=""):
    return client.get(f"/diagnostics/campaigns/{campaign.pk}/charts/{name}.svg{query}")


@pytest.mark.django_db
def test_campaign_charts_match_the_tables_by_hand(world, report, login):
    client = login(world["users"]["region_admin"])
    page = client.get(f"/diagnostics/campaigns/{report.pk}/").content.decode()
    # By hand, 5 scored participants: высокий 1, повышенный 1, базовый 1, низкий 2;
    # ДЧ1 (80+60+20+10+70)/5 = 48,0 %, in deficit 2 of 5 = 40,0 %; ДЧ2 (40+30+45+50+70)/5 = 47,0 %, 3 of 5 = 60,0 %.
    levels = re.search(r'<table[^>]*id="levels".*?</table>', page, re.S).group(0)
    assert re.findall(r'<td class="text-end">([^<]+)</td>', levels) == [
        "1", "20,0", "1", "20,0", "1", "20,0", "2", "40,0",
    ]  # fmt: skip
    competences = re.search(r'<table[^>]*id="competences".*?</table>', page, re.S).group(0)
    assert re.findall(r'<td class="text-end">([^<]+)</td>', competences) == [
        "48,0", "2 из 5", "40,0", "47,0", "3 из 5", "60,0",
    ]  # fmt: skip

    response = _chart(client, report, "levels")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml; charset=utf-8"
    shown = texts(response.content.decode())
    for expected in ("20,0\u00a0% (1)", "40,0\u00a0% (2)", "высокий", "низкий"):
        assert expected in shown, (expected, shown)
    shown = texts(_chart(client, report, "means").content.decode())
    assert {"ДЧ1", "ДЧ2", "48,0\u00a0%", "47,0\u00a0%", "порог дефицита 50 %"} <= set(shown), shown
    shown = texts(_chart(client, report, "deficits").content.decode())
    assert {"40,0\u00a0% (2 из 5)", "60,0\u00a0% (3 из 5)"} <= set(shown), shown
    # The alt texts on the page state the same figures.
    assert "ДЧ1 — 40,0\u00a0% (2 из 5); ДЧ2 — 60,0\u00a0% (3 из 5)" in page
    assert f'src="/diagnostics/campaigns/{report.pk}/charts/levels.svg"' in page

    # The trend: the earlier campaign (version 1 of the instrument): ДЧ1 1 of 2 = 50,0 %, ДЧ2 2 of 2 = 100,0 %.
    trend = re.search(r'<table[^>]*id="trend".*?</table>', page, re.S).group(0)
    assert "Диаграммы-2024" in trend and "01.10.2024" in trend
    cells = re.findall(r'<td class="text-end">([^<]+?)\s*(?:<span[^>]*>([^<]*)</span>)?</td>', trend)
    assert cells == [
        ("2", ""), ("5", ""),
        ("50,0", "(1 из 2)"), ("40,0", "(2 из 5)"),
        ("100,0", "(2 из 2)"), ("60,0", "(3 из 5)"),
    ]  # fmt: skip
    shown = texts(_chart(client, report, "trend").content.decode())
    for expected in (
        "Диаграммы-2024",
        "(01.10.2024)",
        "Диаграммы-2025",
        "(01.10.2025)",
        "50,0",
        "100,0",
        "40,0",
        "60,0",
    ):
        assert expected in shown, (expected, shown)


@pytest.mark.django_db
def test_campaign_charts_keep_to_the_viewer_scope_and_the_group(world, report, login):
    # The school coordinator of school 1.1.1 (teachers 0, 1): высокий 1, базовый 1 — 50,0 % each.
    client = login(world["users"]["school_coordinator_in"])
    shown = texts(_chart(client, report, "levels").content.decode())
    assert shown.count("50,0\u00a0% (1)") == 2 and "0,0\u00a0% (0)" in shown
    shown = texts(_chart(client, report, "deficits").content.decode())
    assert {"0,0\u00a0% (0 из 2)", "100,0\u00a0% (2 из 2)"} <= set(shown), shown
    # The school coordinator of school 2.2.2 sees teacher 15 only — and nothing of school 1.1.1, even asked for.
    client = login(world["users"]["school_coordinator_out"])
    shown = texts(_chart(client, report, "levels").content.decode())
    assert "100,0\u00a0% (1)" in shown and not any("50,0" in t for t in shown)
    narrowed = _chart(client, report, "means", f"?organization={world['schools'][0].pk}")
    assert narrowed.status_code == 200 and "Нет данных" in texts(narrowed.content.decode())
    # Only one campaign has a result of theirs: no trend.
    assert 'id="trend"' not in client.get(f"/diagnostics/campaigns/{report.pk}/").content.decode()
    assert "Нет данных" in texts(_chart(client, report, "trend").content.decode())
    # A group filter narrows the chart as it narrows the table: municipality 1.1 → teachers 0–3.
    client = login(world["users"]["region_admin"])
    shown = texts(
        _chart(client, report, "levels", f"?municipality={world['municipalities'][0].pk}").content.decode()
    )
    assert "50,0\u00a0% (2)" in shown and "0,0\u00a0% (0)" in shown  # низкий 2 of 4; повышенный none


@pytest.mark.django_db
def test_campaign_chart_refusals(world, report, login):
    for persona in ("teacher_in", "mentor", "expert"):
        client = login(world["users"][persona])
        assert _chart(client, report, "levels").status_code == 403, persona
    client = login(world["users"]["municipal_coordinator_in"])
    assert _chart(client, report, "nonsense").status_code == 404
    assert client.get("/diagnostics/campaigns/999999/charts/levels.svg").status_code == 404
    # A hostile group value is ignored, without a message left for the next page.
    response = _chart(client, report, "levels", "?municipality=abc")
    assert response.status_code == 200
    assert client.get("/routes/registers/chart.svg?campaign=abc").status_code == 200
    page = client.get("/diagnostics/campaigns/").content.decode()
    assert "Неверное значение фильтра" not in page
    # The page itself does tell.
    page = client.get(f"/diagnostics/campaigns/{report.pk}/?municipality=abc").content.decode()
    assert "Неверное значение фильтра «Муниципалитет»" in page


@pytest.mark.django_db
def test_campaign_report_pdf_carries_the_charts(world, report, login):
    from pypdf import PdfReader

    client = login(world["users"]["municipal_coordinator_in"])
    # A POST starts the work in the worker (run in-process in tests); the page of the download shows progress.
    assert client.get(f"/diagnostics/campaigns/{report.pk}/report.pdf").status_code == 405
    response = client.post(f"/diagnostics/campaigns/{report.pk}/report.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/downloads/")
    assert "Отчёт «Диаграммы-2025» готов." in client.get(response["Location"]).content.decode()
    download = client.get(response["Location"] + "file/")
    assert download["Content-Type"] == "application/pdf"
    assert "%D0%90%D0%BD%D0%B0%D0%BB%D0%B8%D0%B7" in download["Content-Disposition"]  # «Анализ»
    content = b"".join(download.streaming_content)
    # Someone else cannot fetch it.
    other = login(world["users"]["region_admin"]).get(response["Location"] + "file/")
    assert other.status_code == 404
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    # The charts' own text (drawn from the SVG) and the tables: municipality 1.1, teachers 0–3.
    for expected in (
        "Распределение участников по уровням",
        "Средний % по компетенциям",
        "Доля участников с дефицитом по компетенциям",
        "Доля участников с дефицитом по диагностикам",
        "порог дефицита 50 %",
        "Диаграммы-2024",
    ):
        assert expected in text, expected
    assert "Учитель" not in text  # aggregates only


# --- the registers ------------------------------------------------------------------------------------------------

TODAY = datetime.date.today()


@pytest.fixture
def routes(world):
    """Municipality 1.1 (teachers 0–3): approved, in progress, done, draft — developed 3 of 4;
    municipality 1.2 (teachers 4–7): partial, review — developed 1 of 2; municipality 2.2 (teacher 15): draft."""
    t = world["teachers"]
    for index, status in ((0, "approved"), (1, "in_progress"), (2, "done"), (3, "draft"), (4, "partial"),
                          (5, "review"), (15, "draft"), (6, "cancelled")):  # fmt: skip
        Route.objects.create(
            person=t[index], start=TODAY, end=TODAY + datetime.timedelta(days=200), status=status
        )


@pytest.mark.django_db
def test_registers_chart_matches_the_table(world, routes, login):
    client = login(world["users"]["region_admin"])
    page = client.get("/routes/registers/").content.decode()
    assert 'src="/routes/registers/chart.svg"' in page
    response = client.get("/routes/registers/chart.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml; charset=utf-8"
    shown = texts(response.content.decode())
    for expected in (
        "Муниципалитет 1.1",
        "Муниципалитет 1.2",
        "Муниципалитет 2.2",
        "разработано 3 из 4",
        "разработано 1 из 2",
        "разработано 0 из 1",
        "Утверждены, не начаты",
        "Выполняются",
        "Завершены успешно",
        "Завершены частично",
        "На согласовании",
        "Черновики",
    ):
        assert any(expected in t for t in shown), (expected, shown)
    # The table's row of municipality 1.1: drafts 1, review 0, developed 3, in progress 1, done 1, partial 0.
    row = re.search(r"<tr><td><a[^>]*>Муниципалитет 1\.1</a></td>.*?</tr>", page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r'<td class="text-end">(.*?)</td>', row)]
    assert cells[2:8] == ["1", "0", "3", "1", "1", "0"]
    # … and the alt text says the same.
    assert (
        "Муниципалитет 1.1 — разработано 3 из 4 (Утверждены, не начаты 1, Выполняются 1, Завершены успешно 1, "
        "Черновики 1)" in page
    )
    # Drilled down to the organizations of municipality 1.1.
    drill = client.get(f"/routes/registers/chart.svg?municipality={world['municipalities'][0].pk}")
    shown = texts(drill.content.decode())
    assert any("МБОУ СОШ № 111" in t for t in shown) and "разработано 2 из 2" in shown
    assert "разработано 1 из 2" in shown  # school 1.1.2: done + draft


@pytest.mark.django_db
def test_registers_chart_keeps_to_the_scope(world, routes, login):
    for persona in ("teacher_in", "methodologist", "mentor", "expert"):
        assert login(world["users"][persona]).get("/routes/registers/chart.svg").status_code == 403, persona
    client = login(world["users"]["school_coordinator_out"])
    shown = texts(client.get("/routes/registers/chart.svg").content.decode())
    assert "Муниципалитет 2.2" in shown and not any("1.1" in t or "1.2" in t for t in shown)
    # Another municipality's organizations, asked for by id: nothing.
    other = client.get(f"/routes/registers/chart.svg?municipality={world['municipalities'][0].pk}")
    assert other.status_code == 200 and "Нет данных" in texts(other.content.decode())
    client = login(world["users"]["municipal_coordinator_in"])
    shown = texts(client.get("/routes/registers/chart.svg").content.decode())
    assert "Муниципалитет 1.1" in shown and "Муниципалитет 1.2" not in shown


@pytest.mark.django_db
def test_registers_pdf_carries_the_chart(world, routes, login):
    from pypdf import PdfReader

    client = login(world["users"]["center_staff"])
    response = client.get("/routes/registers/?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("Маршруты (ИОМ) по муниципалитетам", "разработано 3 из 4", "Муниципалитет 1.1", "Итого"):
        assert expected in text, expected


def test_the_same_chart_is_drawn_once_per_process(monkeypatch):
    from profrost.core import charts

    calls = []
    real = charts.Chart._render

    def counting(self, fmt):
        calls.append(fmt)
        return real(self, fmt)

    monkeypatch.setattr(charts.Chart, "_render", counting)
    first = charts.bar_chart("Кэш: уровни", ["высокий", "низкий"], [("Доля", [60, 40])]).svg
    again = charts.bar_chart("Кэш: уровни", ["высокий", "низкий"], [("Доля", [60, 40])]).svg
    other = charts.bar_chart("Кэш: уровни", ["высокий", "низкий"], [("Доля", [61, 39])]).svg
    assert first == again and other != first and calls == ["svg", "svg"]

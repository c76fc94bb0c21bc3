"""The monitoring's pages (docs/monitoring.md §5–§6): the region's dashboard with two indicators of the 004 set
computed by hand, met / not met, the indicator's ranking and its drill-down, a unit's page, the people behind a
number for the region's staff (everyone) and for a municipal coordinator (their municipality only, with the
«Вам видны» note), the `gap` side, values entered by hand, the XLSX exports, hostile parameters and refusals.

The world (tests/factories.build_world): 2 districts × 2 municipalities × 2 schools × 2 teachers = 16 staff.
Teacher index = district·8 + municipality·4 + school·2 + teacher; municipality 1.1 (the coordinator «mc_in»'s)
holds teachers 0–3, 1.2 — 4–7, 2.1 — 8–11, 2.2 — 12–15.

- row 1 (diagnosed_high / staff, target 40): high results of teachers 0, 1, 3, 4, 8, 9, 12 → 7 / 16 = 43.75 →
  «43,8 %», met; by municipality 1.1: 3/4 = 75 %, 2.1: 2/4 = 50 %, 1.2: 1/4 = 25 %, 2.2: 1/4 = 25 %;
- row 2 (with_route / staff, target 60): developed routes of teachers 0, 1, 8 → 3 / 16 = 18.75 → «18,8 %», not
  met; by municipality 1.1: 2/4 = 50 %, 2.1: 1/4 = 25 %, 1.2 and 2.2: 0 %; by district 1: 2/8 = 25 %, 2: 1/8;
- row 4 (young_in_support / under_35, target 60): teachers 1, 2, 5 are young specialists, only 1 (a route) is
  supported → 1 / 3 = 33.3 %; the gap (under 35 without support) = teachers 2 and 5.
"""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook

from profrost.core import periods
from profrost.core.models import JournalAction, JournalEntry
from profrost.diagnostics.models import Campaign, Instrument, Result
from profrost.monitoring.models import Indicator, IndicatorSet, ManualValue
from profrost.routes.models import Route

TODAY = datetime.date.today()
PERIOD = periods.current_academic_year(TODAY)
DASHBOARD = "/monitoring/"
BEHIND = "/monitoring/behind/"

HIGH = (0, 1, 3, 4, 8, 9, 12)
ROUTES = (0, 1, 8)
YOUNG = (1, 2, 5)


def years_ago(years):
    try:
        return TODAY.replace(year=TODAY.year - years)
    except ValueError:
        return TODAY.replace(year=TODAY.year - years, day=28)


def ind(code, set_code="004"):
    return Indicator.objects.get(indicator_set__code=set_code, code=code)


@pytest.fixture
def mon(world):
    w = world
    t = w["teachers"]
    for i in YOUNG:
        t[i].birth_date = years_ago(26)
        t[i].pedagogical_start = years_ago(1)
        t[i].save()
    campaign = Campaign.objects.create(
        instrument=Instrument.objects.create(name="Диагностика"), name="Региональная", kind="regional"
    )
    results = {
        i: Result.objects.create(
            campaign=campaign, person=t[i], status="scored", taken_on=TODAY, level="высокий"
        )
        for i in HIGH
    }
    for i in ROUTES:
        Route.objects.create(
            person=t[i],
            result=results[i],
            status="approved",
            start=TODAY,
            end=TODAY + datetime.timedelta(days=200),
        )
    # A draft route is not developed: it changes nothing.
    Route.objects.create(person=t[13], start=TODAY, end=TODAY + datetime.timedelta(days=200))
    return w


def _text(response):
    return response.content.decode()


def _row(html, attr, value):
    m = re.search(rf'<tr {attr}="{re.escape(str(value))}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, f"no row {attr}={value}"
    return m.group(1)


def _clean(fragment):
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


# --- the dashboard ------------------------------------------------------------------------------------------------


def test_dashboard_numbers_computed_by_hand(mon, login):
    client = login(mon["users"]["region_admin"])
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = _text(response)
    row1 = _row(html, "data-indicator", "1")
    assert "43,8\u00a0%" in row1
    assert "не менее 40\u00a0%" in row1
    assert "text-bg-success" in row1 and "достигнуто" in row1
    assert re.search(r">7</a>", row1) and re.search(r">16</a>", row1)
    row2 = _row(html, "data-indicator", "2")
    assert "18,8\u00a0%" in row2 and "не менее 60\u00a0%" in row2
    assert "text-bg-danger" in row2 and "не достигнуто" in row2
    assert re.search(r">3</a>", row2)
    # not counted in the numerator: 16 − 3
    assert "не учтены: 13" in row2
    row4 = _row(html, "data-indicator", "4")
    assert "33,3\u00a0%" in row4 and "не учтены: 2" in row4
    # the trend: an inline SVG with the figures in its title, no style attribute (CSP)
    assert "<svg" in row1 and "43,8" in row1 and "style=" not in row1
    # a manual indicator (9) of the set: «не введено»; the summary counts met / not met
    assert "не введено" in _row(html, "data-indicator", "9")
    assert 'id="summary"' in html
    # each number links to the people behind it
    assert f"indicator={ind('2').pk}&amp;side=num&amp;level=region" in row2


def test_dashboard_empty_period_and_other_set(mon, login):
    client = login(mon["users"]["region_admin"])
    html = _text(client.get(DASHBOARD, {"period": "2005-2006"}))
    # nobody was employed? everyone is (jobs without dates): staff counted, no results → 0 %
    assert "0,0\u00a0%" in _row(html, "data-indicator", "1")
    other = IndicatorSet.objects.get(code="000")
    html = _text(client.get(DASHBOARD, {"set": other.pk}))
    assert 'data-indicator="5.2-1"' in html and 'data-indicator="1"' not in html
    # a yes/no indicator shows «не введено» until entered
    assert "не введено" in _row(html, "data-indicator", "5.1-1")


def test_dashboard_empty_state_when_denominator_is_zero(mon, login):
    client = login(mon["users"]["region_admin"])
    # row 10: teachers per member of the methodological asset — there are no members: «нет данных за период»
    html = _text(client.get(DASHBOARD))
    assert "нет данных за период" in _row(html, "data-indicator", "10")


def test_dashboard_query_count_does_not_grow(mon, login, django_assert_max_num_queries):
    client = login(mon["users"]["region_admin"])
    client.get(DASHBOARD)
    with django_assert_max_num_queries(30):
        client.get(DASHBOARD)


# --- an indicator -------------------------------------------------------------------------------------------------


def test_indicator_ranking_and_drill_down(mon, login):
    client = login(mon["users"]["region_admin"])
    i2 = ind("2")
    response = client.get(f"/monitoring/indicators/{i2.pk}/")
    assert response.status_code == 200
    html = _text(response)
    muns = mon["municipalities"]
    order = [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)"', html)]
    assert order == [muns[0].pk, muns[2].pk, muns[1].pk, muns[3].pk]
    first = _clean(_row(html, "data-unit", muns[0].pk))
    assert first.startswith("1 Муниципалитет 1.1") and "50,0 %" in first
    assert _clean(_row(html, "data-unit", muns[2].pk)).startswith("2 Муниципалитет 2.1")
    assert _clean(_row(html, "data-unit", muns[1].pk)).startswith("3 ")
    assert _clean(_row(html, "data-unit", muns[3].pk)).startswith("3 ")
    # the region's value and the target; the chart as an image with its figures in the alt text
    assert "18,8\u00a0%" in html and "не менее 60\u00a0%" in html
    assert 'id="chart-ranking"' in html and "data:image/svg+xml;base64," in html
    # drill-down: a municipality opens its organizations
    assert f"level=organization&amp;within={muns[0].pk}" in _row(html, "data-unit", muns[0].pk)
    html = _text(
        client.get(f"/monitoring/indicators/{i2.pk}/", {"level": "organization", "within": muns[0].pk})
    )
    schools = mon["schools"]
    order = [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)"', html)]
    # school 111: teachers 0 and 1 → 100 %; school 112: 0 %
    assert order == [schools[0].pk, schools[1].pk]
    assert "100,0 %" in _clean(_row(html, "data-unit", schools[0].pk))
    assert f"/monitoring/units/organization/{schools[0].pk}/" in html
    # districts open their municipalities
    html = _text(client.get(f"/monitoring/indicators/{i2.pk}/", {"level": "district"}))
    districts = mon["districts"]
    assert [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)"', html)] == [
        districts[0].pk,
        districts[1].pk,
    ]
    assert "25,0 %" in _clean(_row(html, "data-unit", districts[0].pk))
    assert "12,5 %" in _clean(_row(html, "data-unit", districts[1].pk))
    assert f"level=municipality&amp;within={districts[0].pk}" in html
    html = _text(
        client.get(f"/monitoring/indicators/{i2.pk}/", {"level": "municipality", "within": districts[1].pk})
    )
    assert [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)"', html)] == [muns[2].pk, muns[3].pk]


def test_indicator_ranking_met_classes(mon, login):
    client = login(mon["users"]["region_admin"])
    html = _text(client.get(f"/monitoring/indicators/{ind('1').pk}/"))
    muns = mon["municipalities"]
    order = [int(pk) for pk in re.findall(r'<tr data-unit="(\d+)"', html)]
    assert order == [muns[0].pk, muns[2].pk, muns[1].pk, muns[3].pk]  # 75, 50, 25, 25 (ties by name)
    assert "state-met" in re.search(rf'<tr data-unit="{muns[0].pk}"[^>]*>', html).group(0)
    assert "state-not-met" in re.search(rf'<tr data-unit="{muns[1].pk}"[^>]*>', html).group(0)


def test_indicator_xlsx(mon, login):
    client = login(mon["users"]["municipal_coordinator_in"])
    response = client.get(f"/monitoring/indicators/{ind('2').pk}/", {"format": "xlsx"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.values)
    assert rows[0][:5] == ("Место", "Муниципалитет", "Числитель", "Знаменатель", "Значение")
    assert rows[1][:5] == (1, "Муниципалитет 1.1", 2, 4, 50)
    assert rows[-1][1].startswith("Регион") and rows[-1][4] == 18.8
    assert len(rows) == 1 + 4 + 1


# --- a unit -------------------------------------------------------------------------------------------------------


def test_unit_page_vs_target_and_region(mon, login):
    # a coordinator of another municipality may open any unit's numbers (decided rule)
    client = login(mon["users"]["municipal_coordinator_out"])
    mun = mon["municipalities"][0]
    response = client.get(f"/monitoring/units/municipality/{mun.pk}/")
    assert response.status_code == 200
    html = _text(response)
    row2 = _clean(_row(html, "data-indicator", "2"))
    assert "50,0 %" in row2 and "18,8 %" in row2 and "лучше" in row2
    row1 = _clean(_row(html, "data-indicator", "1"))
    assert "75,0 %" in row1 and "43,8 %" in row1
    assert 'id="chart-unit"' in html
    response = client.get(f"/monitoring/units/municipality/{mun.pk}/", {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["2"][2:5] == (2, 4, 50) and rows["2"][7] == 18.8
    assert client.get("/monitoring/units/region/1/").status_code == 404
    assert client.get("/monitoring/units/municipality/999999999/").status_code == 404
    assert client.get(f"/monitoring/units/organization/{mon['schools'][0].pk}/").status_code == 200
    assert client.get(f"/monitoring/units/district/{mon['districts'][0].pk}/").status_code == 200


# --- the people behind a number ---------------------------------------------------------------------------------------


def _names(html):
    return re.findall(r'<tr data-person="(\d+)"', html)


def test_behind_region_admin_sees_all(mon, login):
    client = login(mon["users"]["region_admin"])
    region = mon["region"]
    params = {"indicator": ind("2").pk, "side": "num", "level": "region", "unit": region.pk}
    html = _text(client.get(BEHIND, params))
    t = mon["teachers"]
    assert sorted(map(int, _names(html))) == sorted(t[i].pk for i in ROUTES)
    assert "Разработан ИОМ по результатам диагностики" in html
    assert "Вам видны" not in html
    # the region's staff see SNILS
    assert t[0].snils_display in html
    # the denominator: all 16
    params["side"] = "den"
    response = client.get(BEHIND, params)
    assert len(_names(_text(response))) == 16


def test_behind_municipal_coordinator_sees_own_scope(mon, login):
    client = login(mon["users"]["municipal_coordinator_in"])
    region = mon["region"]
    t = mon["teachers"]
    params = {"indicator": ind("2").pk, "side": "num", "level": "region", "unit": region.pk}
    response = client.get(BEHIND, params)
    assert response.status_code == 200
    html = _text(response)
    assert sorted(map(int, _names(html))) == sorted([t[0].pk, t[1].pk])
    assert "Вам видны 2 из 3 — остальные вне вашей области" in html
    # another municipality's list: nobody visible, said so
    other = mon["municipalities"][2]
    params.update(level="municipality", unit=other.pk)
    html = _text(client.get(BEHIND, params))
    assert _names(html) == [] and "Вам видны 0 из 1" in html


def test_behind_gap_young_without_support(mon, login):
    t = mon["teachers"]
    region = mon["region"]
    params = {"indicator": ind("4").pk, "side": "gap", "level": "region", "unit": region.pk}
    html = _text(login(mon["users"]["region_admin"]).get(BEHIND, params))
    assert sorted(map(int, _names(html))) == sorted([t[2].pk, t[5].pk])
    assert "не учтены в числителе" in html
    html = _text(login(mon["users"]["municipal_coordinator_in"]).get(BEHIND, params))
    assert list(map(int, _names(html))) == [t[2].pk]
    assert "Вам видны 1 из 2" in html


def test_behind_search_sort_and_organizations(mon, login):
    client = login(mon["users"]["region_admin"])
    t = mon["teachers"]
    params = {"indicator": ind("2").pk, "side": "den", "level": "region", "unit": mon["region"].pk}
    html = _text(client.get(BEHIND, {**params, "q": "Учитель0001 Анна"}))
    assert list(map(int, _names(html))) == [t[1].pk]
    names = _names(_text(client.get(BEHIND, {**params, "sort": "-name"})))
    assert int(names[0]) == t[15].pk
    # an organizations measure (row 8's denominator): the educational organizations
    html = _text(client.get(BEHIND, {**params, "indicator": ind("8").pk}))
    assert len(re.findall(r'<tr data-organization="', html)) == 8
    # a school coordinator sees only their own organization
    html = _text(
        login(mon["users"]["school_coordinator_in"]).get(BEHIND, {**params, "indicator": ind("8").pk})
    )
    assert len(re.findall(r'<tr data-organization="', html)) == 1 and "Вам видны 1 из 8" in html


def test_behind_xlsx_journaled(mon, login):
    client = login(mon["users"]["municipal_coordinator_in"])
    params = {
        "indicator": ind("2").pk,
        "side": "den",
        "level": "region",
        "unit": mon["region"].pk,
        "format": "xlsx",
    }
    response = client.get(BEHIND, params)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.values)
    assert rows[0] == ("ФИО", "СНИЛС", "Организация", "Муниципалитет", "Должность")
    assert len(rows) == 1 + 4  # the coordinator's municipality only
    assert {r[3] for r in rows[1:]} == {"Муниципалитет 1.1"}
    entry = JournalEntry.objects.filter(action=JournalAction.EXPORT).latest("pk")
    assert entry.details["what"] == "monitoring behind" and entry.details["rows"] == 4


def test_dashboard_xlsx(mon, login):
    response = login(mon["users"]["center_staff"]).get(DASHBOARD, {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["1"][2:5] == (7, 16, 43.8) and rows["1"][6] == "достигнуто"
    assert rows["2"][2:5] == (3, 16, 18.8) and rows["2"][6] == "не достигнуто"


# --- values entered by hand -------------------------------------------------------------------------------------------


def test_manual_value_entered_by_region_staff(mon, login):
    yesno = ind("5.1-1", "000")
    url = f"/monitoring/indicators/{yesno.pk}/manual/"
    region = mon["region"]
    data = {"level": "region", "period": PERIOD.code, "unit": region.pk, "value": "1", "note": "Приказ № 1"}
    # a coordinator may not
    assert login(mon["users"]["municipal_coordinator_in"]).post(url, data).status_code == 403
    client = login(mon["users"]["region_admin"])
    page = _text(client.get(f"/monitoring/indicators/{yesno.pk}/"))
    assert 'id="manual-value"' in page and "только по региону" in page
    response = client.post(url, data)
    assert response.status_code == 302
    assert ManualValue.objects.get(indicator=yesno, period=PERIOD.code).value == 1
    other = IndicatorSet.objects.get(code="000")
    html = _text(client.get(DASHBOARD, {"set": other.pk}))
    row = _row(html, "data-indicator", "5.1-1")
    assert "да" in _clean(row) and "text-bg-success" in row
    # a bad value: a message, nothing saved; an empty one removes it
    client.post(url, {**data, "value": "7"})
    assert ManualValue.objects.get(indicator=yesno).value == 1
    client.post(url, {**data, "value": ""})
    assert not ManualValue.objects.filter(indicator=yesno).exists()
    # a computed indicator takes no manual value; GET is refused
    assert client.post(f"/monitoring/indicators/{ind('2').pk}/manual/", data).status_code == 404
    assert client.get(url).status_code == 405
    # a percent entered by hand (row 9 of 004, by municipality)
    row9 = ind("9")
    mun = mon["municipalities"][0]
    data = {"level": "municipality", "period": PERIOD.code, "unit": mun.pk, "value": "85,5", "note": ""}
    assert client.post(f"/monitoring/indicators/{row9.pk}/manual/", data).status_code == 302
    html = _text(client.get(f"/monitoring/indicators/{row9.pk}/"))
    assert "85,5 %" in _clean(_row(html, "data-unit", mun.pk))
    for bad in ("-1", "abc", "\x00", "9" * 30, "1e400"):
        client.post(f"/monitoring/indicators/{row9.pk}/manual/", {**data, "value": bad})
        assert ManualValue.objects.get(indicator=row9).value == pytest.approx(85.5)


# --- refusals and hostile parameters -------------------------------------------------------------------------------


def test_teacher_and_anonymous_refused(mon, client, login):
    pages = [
        DASHBOARD,
        f"/monitoring/indicators/{ind('2').pk}/",
        f"/monitoring/units/municipality/{mon['municipalities'][0].pk}/",
        f"{BEHIND}?indicator={ind('2').pk}&side=num&level=region&unit={mon['region'].pk}",
    ]
    for url in pages:
        assert client.get(url).status_code == 302  # to the sign-in
    client = login(mon["users"]["teacher_in"])
    for url in pages:
        assert client.get(url).status_code == 403
    for name in ("methodologist", "mentor", "expert"):
        assert login(mon["users"][name]).get(DASHBOARD).status_code == 403


def test_navigation_entry(mon, login):
    assert ">Мониторинг<" in _text(login(mon["users"]["school_coordinator_in"]).get("/"))
    assert ">Мониторинг<" not in _text(login(mon["users"]["teacher_in"]).get("/"))


# One value of each kind (kept within the CI's time: every request draws charts): NUL, too long, negative, a
# period that is no period, a date that is no date, beyond bigint; "0", "1999", "2026-H3", "абв" are cases of these.
HOSTILE = [
    "\x00",
    "x" * 5000,
    "-1",
    "2026-2030",
    "2025-13-01..2026-01-01",
    "9" * 40,
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameters(mon, login, value):
    client = login(mon["users"]["region_admin"])
    i2 = ind("2").pk
    for url, names in (
        (DASHBOARD, ("period", "set", "start", "end", "format")),
        (f"/monitoring/indicators/{i2}/", ("period", "level", "within", "format", "start", "page")),
        (f"/monitoring/units/municipality/{mon['municipalities'][0].pk}/", ("period", "set", "end")),
        (BEHIND, ("indicator", "side", "level", "unit", "period", "q", "page", "sort", "format")),
    ):
        for name in names:
            params = {"indicator": i2, "side": "num", "level": "region"} if url == BEHIND else {}
            params[name] = value
            response = client.get(url, params)
            # a behind list whose indicator is not a number goes back to the dashboard with a message (302)
            ok = (200, 302, 400, 404) if url == BEHIND and name == "indicator" else (200, 400, 404)
            assert response.status_code in ok, (url, name, value, response.status_code)
            if response.status_code == 200 and name == "period":
                assert "Неверное значение «Период»" in _text(response)


def test_bad_period_messages(mon, login):
    client = login(mon["users"]["region_admin"])
    html = _text(client.get(DASHBOARD, {"period": "2026-2030"}))
    assert "Учебный год — два соседних года" in html
    html = _text(client.get(DASHBOARD, {"period": "1999"}))
    assert "раньше 2000 года" in html
    html = _text(client.get(DASHBOARD, {"period": "2026-H3"}))
    assert "Неверный период" in html
    html = _text(client.get(DASHBOARD, {"period": "custom", "start": "2026-03-01", "end": "2026-01-01"}))
    assert "раньше, чем начинается" in html
    # custom dates work
    response = client.get(DASHBOARD, {"period": "custom", "start": "2020-01-01", "end": "2020-03-31"})
    assert "01.01.2020 — 31.03.2020" in _text(response)
    # a behind list without an indicator: back to the dashboard with a message; an unknown one: 404
    response = client.get(BEHIND, follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD and "Не указан показатель" in _text(response)
    assert client.get(BEHIND, {"indicator": 999999999}).status_code == 404
    # a side the indicator has not (row 9 is entered by hand)
    response = client.get(BEHIND, {"indicator": ind("9").pk, "side": "num", "level": "region"})
    assert response.status_code == 400
    # a level the indicator is not computed at
    response = client.get(
        BEHIND, {"indicator": ind("10").pk, "side": "num", "level": "organization", "unit": 1}
    )
    assert response.status_code == 400

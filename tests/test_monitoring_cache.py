"""The monitoring's cached counts (docs/monitoring.md §4, "Cached counts"): the pages reuse a measure's counts for
MONITORING_CACHE_SECONDS and say when they were computed; «Пересчитать сейчас» (region staff only) drops them;
publishing and the command line always compute live; the people behind a number are always live.

The world and its numbers are test_monitoring_pages.py's: row 2 (with_route / staff) = 3 / 16 = «18,8 %».
"""

import datetime

import pytest
from django.core.cache import caches

from profrost.monitoring import compute
from profrost.monitoring.models import Level
from profrost.routes.models import Route
from tests.test_monitoring_pages import DASHBOARD, PERIOD, TODAY, _names, _row, _text, ind, mon  # noqa: F401

REFRESH = "/monitoring/refresh/"


@pytest.fixture
def cached(settings):
    settings.MONITORING_CACHE_SECONDS = 300
    caches["monitoring"].clear()
    yield
    caches["monitoring"].clear()


def _developed_route(world, i):
    # a developed route on a diagnostic result: teacher 3 has a high result (HIGH) and no route yet
    from profrost.diagnostics.models import Result

    result = Result.objects.get(person=world["teachers"][i])
    Route.objects.create(
        person=world["teachers"][i],
        result=result,
        status="approved",
        start=TODAY,
        end=TODAY + datetime.timedelta(days=200),
    )


def test_pages_reuse_counts_until_refreshed_and_say_when(mon, login, cached):  # noqa: F811
    admin = login(mon["users"]["region_admin"])
    html = _text(admin.get(DASHBOARD))
    assert "18,8\u00a0%" in _row(html, "data-indicator", "2")
    assert 'id="computed-at"' not in html  # computed just now: nothing to say
    _developed_route(mon, 3)  # 4 / 16 = 25 %
    html = _text(admin.get(DASHBOARD))
    # the cached count: still 3 / 16, and the page says since when and offers the refresh
    assert "18,8\u00a0%" in _row(html, "data-indicator", "2")
    assert 'id="computed-at"' in html and "Значения рассчитаны" in html and "Пересчитать сейчас" in html
    # the people behind the number are live: four with a route
    behind = admin.get(
        "/monitoring/behind/",
        {"indicator": ind("2").pk, "side": "num", "level": Level.REGION, "unit": mon["region"].pk},
    )
    assert behind.status_code == 200
    t = mon["teachers"]
    assert sorted(map(int, _names(_text(behind)))) == sorted(t[i].pk for i in (0, 1, 3, 8))
    # a coordinator sees the note, not the button
    mc = login(mon["users"]["municipal_coordinator_in"])
    html_mc = _text(mc.get(DASHBOARD))
    assert "Значения рассчитаны" in html_mc and "Пересчитать сейчас" not in html_mc
    assert mc.post(REFRESH, {"next": DASHBOARD}).status_code == 403
    admin = login(mon["users"]["region_admin"])
    assert "18,8\u00a0%" in _row(_text(admin.get(DASHBOARD)), "data-indicator", "2")
    # the region's staff refresh: back to the page, computed live
    response = admin.post(REFRESH, {"next": DASHBOARD + "?period=" + PERIOD.code})
    assert response.status_code == 302 and response["Location"] == DASHBOARD + "?period=" + PERIOD.code
    html = _text(admin.get(response["Location"]))
    assert "25,0\u00a0%" in _row(html, "data-indicator", "2")
    assert 'id="computed-at"' not in html


def test_refresh_refuses_a_foreign_next_and_a_get(mon, login, cached):  # noqa: F811
    admin = login(mon["users"]["region_admin"])
    assert admin.get(REFRESH).status_code == 405
    for hostile in ("https://evil.example/", "//evil.example/", "/x\x00y", "x" * 5000):
        response = admin.post(REFRESH, {"next": hostile})
        assert response.status_code == 302 and response["Location"] == DASHBOARD


def test_publishing_and_the_cli_compute_live(mon, cached):  # noqa: F811
    indicators = [ind("2")]
    region = mon["region"].pk
    first = compute.compute(indicators, PERIOD, Level.REGION, [region], cached=True)
    assert first[indicators[0].pk][region].numerator == 3 and first.computed_at is None
    _developed_route(mon, 3)
    again = compute.compute(indicators, PERIOD, Level.REGION, [region], cached=True)
    assert again[indicators[0].pk][region].numerator == 3 and again.computed_at is not None
    # the callers that freeze or export values (snapshots, ratings, the report, the CLI) pass no `cached`
    live = compute.compute(indicators, PERIOD, Level.REGION, [region])
    assert live[indicators[0].pk][region].numerator == 4 and live.computed_at is None


def test_cache_off_by_setting(mon, settings):  # noqa: F811
    settings.MONITORING_CACHE_SECONDS = 0
    indicators = [ind("2")]
    region = mon["region"].pk
    assert (
        compute.compute(indicators, PERIOD, Level.REGION, [region], cached=True)[indicators[0].pk][
            region
        ].numerator
        == 3
    )
    _developed_route(mon, 3)
    assert (
        compute.compute(indicators, PERIOD, Level.REGION, [region], cached=True)[indicators[0].pk][
            region
        ].numerator
        == 4
    )

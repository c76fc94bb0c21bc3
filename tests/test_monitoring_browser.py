"""Issue 14, point 10's browser test (Playwright): the region admin opens the dashboard, goes down an indicator to a
municipality and to the people behind its number, publishes the rating of the last half-year that is over,
drafts the addressed recommendations from it and sends one; the municipal coordinator acknowledges and answers
it with measures and a deadline."""

import datetime
import os

import pytest

from profrost.core.periods import last_half_year
from profrost.monitoring.models import Indicator, Recommendation, RecommendationStatus, Snapshot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Пароль-для-теста-2024"


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_dashboard_drill_down_rating_and_a_recommendation_answered(world, live_server, browser):
    half = last_half_year()
    mun = world["municipalities"][0]
    context, page = _login(browser, live_server, "region_admin")
    page.goto(f"{live_server.url}/monitoring/?period={half.code}")
    assert page.locator("#dashboard tr[data-indicator='2']").count() == 1
    # indicator 2 (routes on diagnostics) by municipality: nobody has a route, every municipality is at 0 %
    indicator = Indicator.objects.get(indicator_set__code="004", code="2")
    page.goto(
        f"{live_server.url}/monitoring/indicators/{indicator.pk}/?period={half.code}&level=municipality"
    )
    assert mun.name in page.inner_text("main")
    page.get_by_role("link", name=mun.name).first.click()
    page.wait_for_load_state()
    # the people behind the denominator of the municipality: its four teachers
    page.goto(
        f"{live_server.url}/monitoring/behind/?indicator={indicator.pk}&side=den&level=municipality"
        f"&unit={mun.pk}&period={half.code}"
    )
    text = page.inner_text("main")
    assert all(t.last_name in text for t in world["teachers"][:4])
    assert world["teachers"][15].last_name not in text
    # the rating of the last half-year that is over, published
    page.goto(f"{live_server.url}/monitoring/rating/?period={half.code}")
    page.get_by_role("button", name="Опубликовать рейтинг").click()
    page.wait_for_load_state()
    rating = Snapshot.objects.get(kind="rating", period=half.code)
    # the addressed recommendations drafted from it; the one to municipality A sent
    page.goto(f"{live_server.url}/monitoring/snapshots/{rating.pk}/")
    page.get_by_role("button", name="Составить рекомендации муниципалитетам ниже цели").click()
    page.wait_for_load_state()
    rec = (
        Recommendation.objects.filter(snapshot=rating, municipality=mun).order_by("indicator__order").first()
    )
    assert rec is not None and rec.status == RecommendationStatus.DRAFT
    page.goto(f"{live_server.url}/monitoring/recommendations/{rec.pk}/")
    page.fill("#rec-due", (datetime.date.today() + datetime.timedelta(days=20)).isoformat())
    page.click("#rec-edit button[value=send]")
    page.wait_for_load_state()
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.SENT
    context.close()

    # the municipal coordinator acknowledges and answers
    context, page = _login(browser, live_server, "mc_in")
    page.goto(f"{live_server.url}/monitoring/recommendations/{rec.pk}/")
    page.click("#rec-acknowledge button")
    page.wait_for_load_state()
    page.fill("#rec-measures", "Утверждён график диагностики и разработки ИОМ во всех школах муниципалитета")
    page.fill("#rec-measures-due", (datetime.date.today() + datetime.timedelta(days=60)).isoformat())
    page.click("#rec-answer-form button[value=answer]")
    page.wait_for_load_state()
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.ANSWERED and "график диагностики" in rec.measures
    context.close()

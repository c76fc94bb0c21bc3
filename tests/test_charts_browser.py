"""Playwright driving Debian's Chromium: the charts load as images under the page's strict CSP — every chart
<img> decodes (naturalWidth > 0), and no Content-Security-Policy violation is reported, while the same listener
does catch one when an inline style is forced onto the page."""

import os

import pytest

from tests.test_charts import report, routes  # noqa: F401  (the fixtures: the small dataset of test_charts)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects the page's CSP violations (an init script runs through the DevTools protocol, not as an inline script).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
CHARTS = """
() => Array.from(document.querySelectorAll("img.chart")).map(
  (img) => ({src: img.getAttribute("src"), ok: img.complete && img.naturalWidth > 0, width: img.naturalWidth,
             alt: img.alt}))
"""


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Пароль-для-теста-2024")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _open(page, url):
    page.goto(url)
    page.wait_for_load_state("load")  # every <img> has loaded or failed
    return page.evaluate(CHARTS)


def test_charts_load_as_images_without_csp_violations(world, report, routes, live_server, page, tmp_path):  # noqa: F811
    console = []
    page.on("console", lambda message: console.append(message.text))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.add_init_script(LISTEN)
    _login(page, live_server, "mc_in")

    images = _open(page, f"{live_server.url}/diagnostics/campaigns/{report.pk}/")
    assert [i["src"].split("/")[-1].split("?")[0] for i in images] == [
        "levels.svg",
        "means.svg",
        "deficits.svg",
        "trend.svg",
    ]
    assert all(i["ok"] and i["width"] > 300 for i in images), images
    # The municipal coordinator of municipality 1.1 (teachers 0–3): низкий 2 of 4.
    assert "низкий — 50,0\u00a0% (2)" in images[0]["alt"]
    page.screenshot(path=str(tmp_path / "campaign.png"), full_page=True)
    campaign_violations = page.evaluate("window.__violations")

    # Narrowed to one school: the charts follow the filter and still load.
    images = _open(
        page, f"{live_server.url}/diagnostics/campaigns/{report.pk}/?organization={world['schools'][0].pk}"
    )
    assert images and all(i["ok"] for i in images), images
    assert f"organization={world['schools'][0].pk}" in images[0]["src"]

    images = _open(page, f"{live_server.url}/routes/registers/")
    assert len(images) == 1 and images[0]["ok"], images
    assert "Муниципалитет 1.1 — разработано 3 из 4" in images[0]["alt"]
    page.screenshot(path=str(tmp_path / "registers.png"), full_page=True)
    registers_violations = page.evaluate("window.__violations")

    # The chart opened on its own, as a document under the same CSP, shows its text.
    page.goto(f"{live_server.url}/diagnostics/campaigns/{report.pk}/charts/means.svg")
    assert "ДЧ1" in page.locator("svg").text_content()

    assert campaign_violations == [] and registers_violations == []
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
    assert not [u for u in failed if ".svg" in u], failed

    # The detector works: an inline <style> forced onto the page is refused and reported.
    page.goto(f"{live_server.url}/routes/registers/")
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body { color: red; }';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_function("window.__violations.length > 0")
    assert any(v.startswith("style-src") for v in page.evaluate("window.__violations"))

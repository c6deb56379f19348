"""The rules explorer in a real browser: Debian's Chromium driven by Playwright for Python (the system executable;
no browser is downloaded) against a real `refugee-rules serve` on 127.0.0.1.

It opens the index, a country page and a finding page, runs a search through the form (no script on the page),
switches to Russian, and checks that no request leaves the server's own host and that the Content-Security-Policy
blocks nothing the page needs. Screenshots go to build/browser/explorer/ (and, with REFUGEE_RULES_SCREENS=1, to
notes/screens/, where the note's copies are kept). Skips, saying why, only where Chromium or Playwright is absent.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

from .screens import shoot
from .test_service import running_service

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (the dev extra)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install -y chromium); "
                                "the rules explorer was not checked in a browser")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with running_service(tmp_path_factory.mktemp("explorer") / "serve.log") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_explorer_in_a_browser(base, browser, lang):
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, locale=lang, java_script_enabled=True)
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    words = {"en": ("Rules explorer", "Advice support, not a decision.", "Search", "Georgia (GE)"),
             "ru": ("Обозреватель правил", "Поддержка консультирования, а не решение.", "Найти", "Грузия (GE)")}[lang]
    suffix = "" if lang == "en" else "?lang=ru"

    page.goto(f"{base}/rules{suffix}")
    assert page.locator("html").get_attribute("lang") == lang
    assert words[0] in page.title() and words[1] in page.inner_text("p.advice")
    # the stylesheet applied (the CSP lets the package's own stylesheet in): the header is dark, not the default
    assert page.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor") == "rgb(34, 49, 63)"
    shoot(page, "explorer", f"explorer-index-{lang}")

    with page.expect_navigation():  # wait_for_load_state() alone can see the old page, already loaded
        page.get_by_role("link", name=words[3], exact=True).click()
    assert page.url.startswith(f"{base}/rules/country/GE")
    assert page.locator("ul.findings li").count() >= 6
    shoot(page, "explorer", f"explorer-country-ge-{lang}")

    with page.expect_navigation():
        page.locator("ul.findings a[href*='regime.ge.entry.travel_passport']").first.click()
    assert "/rules/finding/regime.ge.entry.travel_passport" in page.url
    assert page.locator("section.rule").count() == 2
    assert "triggered a massive flee" in page.inner_text("blockquote.quote >> nth=0")
    # a refusal is never in the colour of good news: the rule concluding it is shown as the warning it is
    refused = page.locator("#rule-regime\\.ge\\.entry\\.travel_passport\\.closed h3 .answer")
    assert "tone-warning" in (refused.get_attribute("class") or "")
    assert refused.evaluate("e => getComputedStyle(e).color") == "rgb(138, 16, 20)"
    page.set_viewport_size({"width": 1200, "height": 1600})
    shoot(page, "explorer", f"explorer-finding-{lang}")
    page.set_viewport_size({"width": 1200, "height": 1000})

    page.fill("input#q", "kidnapping" if lang == "en" else "похищения")
    with page.expect_navigation():
        page.get_by_role("button", name=words[2]).click()
    assert urlsplit(page.url).path == "/rules" and "q=" in page.url and (lang == "en" or "lang=ru" in page.url)
    results = page.locator("ol.results a")
    assert results.count() >= 1
    assert any("regime.ge.risk.kidnapping" in (results.nth(i).get_attribute("href") or "") for i in range(results.count()))
    shoot(page, "explorer", f"explorer-search-{lang}")

    page.goto(f"{base}/rules/finding/no.such.finding{suffix}")
    assert page.locator("p.problem").count() == 1

    assert len(requests) >= 10  # five pages and their stylesheet
    hosts = {urlsplit(u).netloc for u in requests if not u.startswith("data:")}
    assert hosts == {urlsplit(base).netloc}, hosts
    # the 404 page's own console line is the only error: nothing was refused by the Content-Security-Policy
    assert [p for p in problems if "404" not in p] == [], problems
    context.close()

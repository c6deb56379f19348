"""The guided interview at ``/`` as a person uses it: Debian's Chromium, driven by Playwright, against a real
``refugee-rules serve`` on 127.0.0.1.

Two example profiles are interviewed in English and in Russian: every question the page asks is answered from the
profile's values ("don't know" where the profile has none), the answers are downloaded, and the outcome the page
shows must be ``assess()`` of the downloaded profile (and of the example itself: the interview asks everything the
outcome turns on). Every request the page makes is recorded: none may go to another host. Screenshots of a
question and of the report in both languages go to build/browser/interview/ for a human to look at (and, with
REFUGEE_RULES_SCREENS=1, to notes/screens/, where the note's copies are kept).

Skips (with the reason) only where no Chromium is installed (.ci/run installs Debian's ``chromium``) or Playwright
for Python is missing (the dev extra installs it). Never downloads a browser.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from refugee_rules import assess
from refugee_rules.case.facts import catalogue
from refugee_rules.frontends.interview import ABSENT, value_at
from refugee_rules.views.i18n import country_name
from refugee_rules.views.report import View

from .screens import shoot
from .test_service import running_service

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-03-01"
PROFILES = ("boris-anti-war-petitions", "igor-novosibirsk-bishkek")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                 "(pip install -e '.[dev]'); the interview was not checked in a browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install -y "
                                "chromium); the interview was not checked in a browser")
SEEN = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {server: nav.responseStart - nav.requestStart, bytes: nav.decodedBodySize,
          view: (document.body.dataset.view || "").split(":")[0],
          path: (document.getElementById("question") || {dataset: {}}).dataset.path,
          errors: (document.getElementById("errors") || {}).innerText || "",
          advice: !!document.getElementById("advice-only") || !!document.querySelector("#report .disclaimer")};
}"""
"""What a step of the interview shows: which page, which question, any error, and the advice-support notice."""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("web") / "server.log"
    with running_service(log) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url):
    """A new tab; every request it makes is recorded, and none may go to a host other than the server's own."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    yield page
    context.close()
    hosts = {urlsplit(u).netloc for u in requests if not u.startswith(("data:", "blob:"))}
    assert requests and hosts == {urlsplit(base_url).netloc}, hosts


def _country(code: str, lang: str) -> str:
    """A country as a person types it: its bare name in the page's language (the page reads names, not codes)."""
    return country_name(code, lang).rsplit(" (", 1)[0]


def _field_text(value: Any, kind: str, lang: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "country":
        return _country(value, lang)
    return str(value)


def _answer(page, path: str, value: Any, lang: str) -> None:
    """Fill the question's inputs with the profile's value, as a person would, and press Next."""
    spec = catalogue()[path]
    box = page.locator("#answer-form")
    if spec.kind in ("bool", "enum"):
        box.locator(f'input[name="value"][value="{_field_text(value, "", lang)}"]').check()
    elif spec.kind == "list" and spec.values:
        for v in value:
            box.locator(f'input[name="value"][value="{v}"]').check()
        if not value:
            box.locator('input[name="none"]').check()
    elif spec.kind == "list":
        slots = box.locator('input[name="value"]')
        assert slots.count() >= len(value), f"{path}: {slots.count()} inputs for {len(value)} countries"
        for i, v in enumerate(value):
            slots.nth(i).fill(_country(v, lang))
        if not value:
            box.locator('input[name="none"]').check()
    elif spec.kind == "items":
        if not value:
            box.locator('input[name="none"]').check()
        while box.locator("fieldset.record").count() < len(value):
            _press(page, "more")
            box = page.locator("#answer-form")
        for i, record in enumerate(value):
            for name, v in record.items():
                sub = spec.item_fields[name]
                target = box.locator(f'[name="record-{i}-{name}"]')
                text = _field_text(v, sub.kind, lang)
                if sub.kind in ("enum", "bool") or v == "unknown":
                    target.select_option(text)
                else:
                    target.fill(text)
    else:
        box.locator('input[name="value"]').fill(_field_text(value, spec.kind, lang))
    _press(page, "next")


def _press(page, button: str) -> None:
    """Press a button of the page and wait for the page it leads to. (The button's own click() in the page: the
    same submission as a mouse click, without Playwright's actionability checks, ~50 ms each on a shared machine.)"""
    with page.expect_navigation():
        page.evaluate("id => document.getElementById(id).click()", button)


def _go(page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to: page.click() returns before that page has loaded,
    so what is read next could still be the old page, or a document whose body is not parsed yet."""
    with page.expect_navigation():
        page.click(selector)


def _interview(page, base_url: str, name: str, lang: str, shot_at: int | None = None) -> tuple[int, dict[str, Any]]:
    """The whole interview of one example profile; the number of questions answered and the downloaded profile."""
    profile = yaml.safe_load((ROOT / "examples" / "profiles" / f"{name}.yaml").read_text(encoding="utf-8"))
    page.goto(f"{base_url}/?lang={lang}")
    page.fill("#as-of", AS_OF)
    _press(page, "begin")  # page.click() returns before the next page has loaded: its body can still be null
    steps = 0
    asked: list[str] = []
    server, weight = [], []
    started = time.perf_counter()
    while True:
        now = page.evaluate(SEEN)
        server.append(now["server"])
        weight.append(now["bytes"])
        if now["view"] != "question":
            break
        path = now["path"]
        assert not now["errors"], f"{name} ({lang}), {path}: {now['errors']}"
        assert path not in asked, f"{name} ({lang}): {path} asked twice"
        assert now["advice"], "the page does not say it is advice support"
        if steps == shot_at:
            shoot(page, "interview", f"interview-{lang}")
        value = value_at(profile, path)
        asked.append(path)
        if value is ABSENT or value == "unknown":
            _press(page, "dont-know")
        else:
            _answer(page, path, value, lang)
        steps += 1
        assert steps < 120, f"{name} ({lang}): the interview does not end"
    per_step = (time.perf_counter() - started) / steps
    print(f"{name} ({lang}): {steps} questions answered, {per_step * 1000:.0f} ms a step (of which the server "
          f"{sum(server[1:-1]) / max(1, len(server) - 2):.0f} ms); question pages {min(weight[:-1]) // 1000}-"
          f"{max(weight[:-1]) // 1000} kB, the report {weight[-1] // 1000} kB (HTML, uncompressed)")
    assert now["view"] == "report", f"{name} ({lang}), after {asked[-1:]}: " + page.content()[:500]
    with page.expect_download() as download:
        page.click("#download-yaml")
    downloaded = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    return steps, downloaded


@pytest.mark.slow
@pytest.mark.parametrize("name", PROFILES)
def test_the_interview_in_both_languages_ends_on_the_assessment_of_the_answers(page, base_url, name):
    example = yaml.safe_load((ROOT / "examples" / "profiles" / f"{name}.yaml").read_text(encoding="utf-8"))
    expected = assess(example, as_of=AS_OF).outcome.status
    for lang in ("en", "ru"):
        steps, downloaded = _interview(page, base_url, name, lang, shot_at=5 if name == PROFILES[0] else None)
        a = assess(downloaded, as_of=AS_OF)
        assert page.get_attribute("#report", "data-outcome") == a.outcome.status == expected
        shown = page.inner_text("#report #outcome h2")
        assert View(a, lang).outcome_label() in shown
        for path, value in _leaves(downloaded):  # every answer is the example's, or "don't know"
            given = value_at(example, path)
            assert value == "unknown" or given == value or (isinstance(value, list) and sorted(given) == sorted(value)), \
                (lang, path, value)
        if name == PROFILES[0]:
            shoot(page, "interview", f"report-{lang}")



def _leaves(profile: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for k, v in profile.items():
        if isinstance(v, dict):
            out.extend(_leaves(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", v))
    return out


def test_the_report_prints_the_report_alone(page, base_url, tmp_path):
    """The print view hides the interview's buttons and bars and keeps the report with its disclaimer."""
    page.goto(f"{base_url}/?lang=en")
    _go(page, "#begin")
    _go(page, "#to-report")
    page.emulate_media(media="print")
    assert not page.locator(".bar").is_visible() and not page.locator("#report-form").is_visible()
    assert page.locator("#report .disclaimer").is_visible()
    assert page.pdf(path=str(tmp_path / "report.pdf"))[:4] == b"%PDF"


@pytest.mark.slow
def test_the_language_switches_mid_interview_and_storage_is_cleared_on_finish(page, base_url):
    page.goto(f"{base_url}/?lang=en")
    _go(page, "#begin")
    page.locator('#answer-form input[name="value"]').first.fill("Russia")
    _go(page, "#next")
    path = page.get_attribute("#question", "data-path")
    _go(page, '#language button[value="ru"]')
    assert page.get_attribute("html", "lang") == "ru" and page.get_attribute("#question", "data-path") == path
    stored = page.evaluate("sessionStorage.getItem('refugee-rules.interview.answers')")
    assert json.loads(stored)["profile"] == {"nationalities": ["RU"]}
    page.locator('#answer-form input[name="value"]').fill("Грузия")
    _go(page, "#next")
    after = page.get_attribute("#question", "data-path")
    page.go_back()  # the browser's Back is the interview's: the question before, not "resend the form?"
    page.wait_for_selector(f'#question[data-path="{path}"]')
    assert page.input_value('#answer-form input[name="value"]') == "Грузия (GE)"
    page.goto(f"{base_url}/?lang=ru")  # a new page in the same tab offers to go on
    assert page.locator("#resume").is_visible()
    _go(page, "#resume-button")
    assert page.get_attribute("#question", "data-path") == after
    _go(page, "#to-report")
    _go(page, "#finish")
    assert page.evaluate("sessionStorage.getItem('refugee-rules.interview.answers')") is None
    assert not page.locator("#resume").is_visible()
    assert page.context.cookies() == []


def test_an_uploaded_profile_goes_on_where_it_left_off(page, base_url, tmp_path):
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps({"nationalities": ["RU"], "location": {"country": "GE"}}), encoding="utf-8")
    page.goto(f"{base_url}/?lang=en")
    page.set_input_files("#upload-file", str(saved))
    _go(page, "#upload")
    assert "2 answers read from saved.json" in page.inner_text("#messages")
    assert page.get_attribute("#question", "data-path") not in ("nationalities", "location.country")
    bad = tmp_path / "notes.txt"
    bad.write_text("just: [some, notes\n", encoding="utf-8")
    page.goto(f"{base_url}/?lang=en")
    page.set_input_files("#upload-file", str(bad))
    _go(page, "#upload")
    assert "notes.txt" in page.inner_text("#errors") and "not valid YAML" in page.inner_text("#errors")



def test_the_interview_works_with_javascript_switched_off(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/?lang=ru")
        _go(page, "#begin")
        page.locator('#answer-form input[name="value"]').first.fill("Россия")
        _go(page, "#next")
        page.locator('#answer-form input[name="value"]').fill("Казахстан")
        _go(page, "#next")
        _go(page, "#review")
        assert "Казахстан (KZ)" in page.inner_text("#review-page")
        _go(page, "#to-report")
        assert page.get_attribute("#report", "data-outcome") == assess(
            {"nationalities": ["RU"], "location": {"country": "KZ"}}).outcome.status
        assert not page.locator("#print").is_visible()  # the Print button needs the script; the hint says how
    finally:
        context.close()

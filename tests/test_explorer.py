"""The rules explorer at /rules, over HTTP (FastAPI's TestClient on the service's own app): every finding of the
built-in rulesets is listed and its page renders, with its rules in words, citations, dates, conflicts and the
examples that settle it; search, languages, 404s, escaping, the Content-Security-Policy; and the HTML report's
links to it. The browser checks are in test_explorer_browser.py."""

from __future__ import annotations

import re
import time
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from refugee_rules import assess, load_rulesets
from refugee_rules.case.inputs import read_profile
from refugee_rules.frontends.explorer import CSP, Explorer, explorer_router
from refugee_rules.frontends.explorer.words import condition_words, plain_words
from refugee_rules.frontends.service import create_app
from refugee_rules.law.kinds import KINDS
from refugee_rules.options import JURISDICTIONS, Options
from refugee_rules.views.i18n import missing
from refugee_rules.views.report import Lang, render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "profiles"
LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"
DISCLAIMER_EN = "Advice support, not a decision."
DISCLAIMER_RU = "Поддержка консультирования, а не решение."


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture(scope="module")
def everything() -> dict[str, object]:
    """Every finding of the built-in rulesets, the optional legal layers' too."""
    books = [load_rulesets(), *(load_rulesets(jurisdiction=j) for j in JURISDICTIONS)]
    findings: dict[str, object] = {}
    for book in books:
        findings.update(book.findings)
    return findings


class Page(HTMLParser):
    """A page's links, its resources and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.scripts = 0
        self.inline_styles = 0
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and not attrs.get("hreflang"):  # not the language switch
            self.links.append(attrs["href"])
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if name in attrs and not (tag == "a" and name == "href"):
                self.resources.append(attrs[name] or "")
        self.scripts += tag == "script"
        self.inline_styles += tag == "style" or "style" in attrs or any(a.startswith("on") for a in attrs)

    def handle_data(self, data):
        self.text.append(data)

    @property
    def words(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def text_of(html: str) -> str:
    """A page's text, quickly (every finding page is read): tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def finding_links(page: Page) -> set[str]:
    return {re.sub(r"\?.*", "", h).removeprefix("/rules/finding/") for h in page.links if h.startswith("/rules/finding/")}


def test_every_finding_is_listed_on_the_index_and_its_pages(client, everything):
    index = client.get("/rules")
    assert index.status_code == 200
    page = Page(index.text)
    listed = finding_links(page)
    for href in [h for h in page.links if h.startswith(("/rules/country/", "/rules/law/"))]:
        listing = client.get(href)
        assert listing.status_code == 200, href
        listed |= finding_links(Page(listing.text))
    assert listed == set(everything), (sorted(set(everything) - listed)[:5], sorted(listed - set(everything))[:5])
    assert len(everything) > 350  # 355 findings, and the EU layer's one
    assert f"Findings: {len(everything)}; rules:" in page.words


@pytest.mark.slow
def test_every_finding_page_renders_with_its_rules_and_citations(client, everything):
    explorer = Explorer(load_rulesets(), Options())
    rules_of: dict[str, list] = {}
    for book in explorer.books:  # the rules each page must show, the optional layers' too
        for rule in book.rules.values():
            if rule.id not in {r.id for r in rules_of.get(rule.concludes.finding, [])}:
                rules_of.setdefault(rule.concludes.finding, []).append(rule)
    started = time.perf_counter()
    for fid, decl in everything.items():
        reply = client.get(f"/rules/finding/{fid}")
        assert reply.status_code == 200, fid
        assert reply.headers["content-security-policy"] == CSP
        words = text_of(reply.text)
        assert decl.title in words and fid in words and DISCLAIMER_EN in words, fid
        for rule in rules_of[fid]:
            assert f'id="rule-{rule.id}"' in reply.text, (fid, rule.id)
            for c in rule.cite:
                assert c.source in words, (fid, rule.id, c.source)
                if c.quote:
                    assert " ".join(c.quote.split()) in words, (fid, rule.id)
        assert not re.search(r"<script|<style|\sstyle=|\son\w+=", reply.text), fid
        resources = re.findall(r'\s(?:src|action|srcset|poster|data)="([^"]*)"|<link [^>]*href="([^"]*)"', reply.text)
        assert all(r.startswith("/") and not r.startswith("//") for pair in resources for r in pair if r), fid
    elapsed = time.perf_counter() - started
    print(f"\n{len(everything)} finding pages in {elapsed:.1f} s")


def test_a_rule_reads_in_words_with_its_dates_quote_and_source_date(client):
    page = Page(client.get("/rules/finding/regime.ge.entry.travel_passport").text).words
    # the condition: two findings referred to by their titles and answers, not by tokens
    assert "all of: the finding Russian citizen (the sources report regimes for Russian citizens) is answered appears " \
           "met the finding Holds a travel (foreign) passport is answered appears met" in page
    # in force from, with the precision and the derivation the ruleset gives; the source's own date
    assert "from 2022-02-24 (exact day; the source dates the flight" in page
    assert "reported on 2022-10-21" in page
    assert "source dated 2022-10-21" in page
    assert "it was Putin’s invasion of Ukraine that triggered a massive flee" in page
    # a one-sided rule concludes nothing when it fails; an exception names the rule it overrides
    assert "nothing is concluded (a one-sided rule)" in page
    assert "An exception to regime.ge.entry.travel_passport.open" in page


def test_every_condition_has_words_in_both_languages_and_no_engine_encoding():
    book = load_rulesets(jurisdiction="EU")
    for lang in ("en", "ru"):
        L = Lang(lang)
        for rule in book.rules.values():
            text = plain_words(condition_words(rule.condition, L))
            assert text and "ItemMatch" not in text and "ItemTest" not in text, rule.id


@pytest.mark.parametrize("node, english, russian", [
    ({"fact": "location.since", "gte": "2022-09-21"},  # a date as a date, not the ordinal the engines compare
     "[location.since] is on or after 2022-09-21", "[location.since] не раньше 2022-09-21"),
    ({"fact": "location.country", "in": ["GE", "AM"]},
     "[location.country] is one of: Georgia (GE), Armenia (AM)", "[location.country] — одно из: Грузия (GE), Армения (AM)"),
    ({"fact": "legal_cases", "any_item": {"kind": "criminal", "max_penalty_years": {"gte": 10}}},
     "lists an entry where kind is criminal and max penalty years is at least 10",
     "содержит запись, где вид — уголовное и максимальный срок, лет не меньше 10"),
    ({"not": {"fact": "fear.reasons_attributed", "contains": "political_opinion"}},
     "not (For which reasons would the person be harmed", "включает политические убеждения)"),
    ({"fact": "location.country", "in_fact": "destinations"},
     "[location.country] is among: Which countries is the person considering going to (destinations)",
     "входит в: Какие страны человек рассматривает для переезда (destinations)"),
    ({"any": [{"finding": "nexus", "is": "met"}, {"fact": "legal_cases", "count_gt": 0}]},
     "any of (nexus = met; Is there any criminal or administrative case against the person [legal_cases] has more "
     "than 0 entries)", "[legal_cases] число записей: больше 0)"),
])
def test_a_condition_in_words(node, english, russian):
    from refugee_rules.law.conditions import parse

    condition = parse(node, "test")
    assert english in plain_words(condition_words(condition, Lang("en")))
    assert russian in plain_words(condition_words(condition, Lang("ru")))


def test_conflicting_sources_are_shown_both_ways(client):
    page = Page(client.get("/rules/finding/regime.de.asylum.military_refusal_protected").text)
    assert "Sources that disagree" in page.words
    assert "2022 promises of protection vs a 33% recognition rate" in page.words
    assert {"regime.de.asylum.draft_evasion_not_automatic", "regime.de.asylum.recognition_rate_2022"} <= finding_links(page)
    back = Page(client.get("/rules/finding/regime.de.asylum.draft_evasion_not_automatic").text)
    assert "regime.de.asylum.military_refusal_protected" in finding_links(back)


def test_the_examples_that_settle_a_finding_are_those_assess_gives():
    explorer = Explorer(load_rulesets(), Options())
    boris = assess(read_profile(EXAMPLES / "boris-anti-war-petitions.yaml"), as_of=explorer.as_of, engine="compiled",
                   destinations="all")
    by_id = {f.id: f for f in boris.findings}
    for fid in ("prosecution_is_persecution", "being_persecuted", "refugee_definition"):
        shown = dict(explorer.exercised[fid].answers)
        assert shown.get("boris-anti-war-petitions") == by_id[fid].answer, fid
        for rule in by_id[fid].rules_fired:
            assert "boris-anti-war-petitions" in explorer.exercised[fid].rules[rule]
    # an example in which a finding stays open is not listed as settling it
    empty = assess(read_profile(EXAMPLES / "mostly-empty.yaml"), as_of=explorer.as_of, engine="compiled",
                   destinations="all")
    open_here = [f.id for f in empty.findings if f.answer == KINDS[f.kind].open]
    assert open_here
    assert all("mostly-empty" not in dict(explorer.exercised[f].answers) for f in open_here)
    assert all("mostly-empty" not in names for f in open_here for names in explorer.exercised[f].rules.values())


def test_the_examples_are_assessed_once_per_explorer_and_not_shared(client):
    first = Explorer(load_rulesets(), Options())
    assert first.exercised is first.exercised
    second = Explorer(load_rulesets(), Options())
    assert second.exercised is not first.exercised


def test_without_example_profiles_the_page_says_so(tmp_path):
    explorer = Explorer(load_rulesets(), Options(), examples=tmp_path / "absent")
    app = FastAPI()
    app.include_router(explorer_router(explorer.base, explorer=explorer))
    page = Page(TestClient(app).get("/rules/finding/being_persecuted").text).words
    assert "The example profiles are not installed with this copy." in page


def test_a_ban_a_risk_or_a_clause_is_never_coloured_as_good_news(client, everything):
    tones = re.compile(r'<span class="answer tone-(\w+)">([^<]*)</span>')
    for fid in ("exclusion_1f_a", "regime.ge.risk.kidnapping", "regime.ge.entry.travel_passport"):
        decl = everything[fid]
        for tone, label in tones.findall(client.get(f"/rules/finding/{fid}").text):
            if tone == "good":
                assert decl.kind in ("element", "entry", "stay", "residence", "visa") and not decl.adverse, (fid, label)
            if label in ("RISK FLAGGED", "ENTRY REFUSED", "APPEARS TO APPLY: refer to counsel"):
                assert tone == "warning", (fid, label)
    adverse = next(fid for fid, d in everything.items() if d.adverse)
    found = tones.findall(client.get(f"/rules/finding/{adverse}").text)
    assert found and all(tone != "good" for tone, _label in found)


def test_search_finds_titles_ids_citations_and_quotes_without_javascript(client):
    by_quote = Page(client.get("/rules", params={"q": "triggered a massive flee"}).text)
    assert "regime.ge.entry.travel_passport" in finding_links(by_quote)
    assert "quote:" in by_quote.words
    by_id = Page(client.get("/rules", params={"q": "regime.de.asylum"}).text)
    assert {"regime.de.asylum.military_refusal_protected", "regime.de.asylum.political_persecution"} <= finding_links(by_id)
    by_source = Page(client.get("/rules", params={"q": "unhcr-gip-10"}).text)
    assert len(finding_links(by_source)) >= 5
    both = finding_links(Page(client.get("/rules", params={"q": "Georgia kidnapping"}).text))
    assert both == {"regime.ge.risk.kidnapping"}
    none = Page(client.get("/rules", params={"q": "zzzz-no-such-word"}).text)
    assert not finding_links(none) and "No finding matches every word of the search." in none.words
    russian = Page(client.get("/rules", params={"q": "риске похищения", "lang": "ru"}).text)
    assert "regime.ge.risk.kidnapping" in finding_links(russian)
    long = client.get("/rules", params={"q": "x" * 5000})
    assert long.status_code == 200 and "The search was cut to its first 200 characters." in Page(long.text).words
    form = Page(client.get("/rules").text)
    assert 'action="/rules"' in client.get("/rules").text and form.scripts == 0


def test_pages_are_in_russian_with_lang_ru(client):
    for path in ("/rules", "/rules/finding/being_persecuted", "/rules/country/GE", "/rules/law/article_1a2",
                 "/rules?q=GE"):
        reply = client.get(path + ("&" if "?" in path else "?") + "lang=ru")
        assert reply.status_code == 200 and '<html lang="ru">' in reply.text, path
        words = Page(reply.text).words
        assert DISCLAIMER_RU in words and "Обозреватель правил" in words, path
        assert reply.headers["content-language"] == "ru"
        links = [h for h in Page(reply.text).links if h.startswith("/rules")]
        assert links and all("lang=ru" in h for h in links), (path, [h for h in links if "lang=ru" not in h][:3])
    finding = Page(client.get("/rules/finding/regime.ge.risk.kidnapping?lang=ru").text).words
    assert "Правила" in finding and "Основания" in finding and "Грузия" in finding


def test_the_explorer_catalog_translates_every_word_of_its_pages():
    from babel.messages.extract import extract_from_file

    package = ROOT / "src" / "refugee_rules" / "frontends" / "explorer"
    msgids: list[str] = []
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted((package / "templates").glob("*.j2")):
        msgids += [m for _l, m, _c, _x in extract_from_file("jinja2.ext:babel_extract", str(path), options=options) if m]
    for path in sorted(package.glob("*.py")):
        msgids += [m for _l, m, _c, _x in extract_from_file("python", str(path), keywords={"_": None, "N_": None}) if m]
    assert len(msgids) > 100
    assert missing("ru", "explorer", msgids) == [], (
        "translate these in src/refugee_rules/locale/ru/LC_MESSAGES/explorer.po")


def test_unknown_pages_and_bad_input_are_clear_html_errors(client):
    reply = client.get("/rules/finding/no.such.finding")
    assert reply.status_code == 404 and reply.headers["content-type"].startswith("text/html")
    assert reply.headers["content-security-policy"] == CSP
    assert "finding_id: no finding 'no.such.finding' in the loaded rulesets" in Page(reply.text).words
    assert DISCLAIMER_EN in Page(reply.text).words
    ru = client.get("/rules/finding/no.such.finding?lang=ru")
    assert ru.status_code == 404 and "Такого вывода нет" in ru.text
    assert client.get("/rules/country/XX").status_code == 404
    assert client.get("/rules/law/no_such_group").status_code == 404
    bad = client.get("/rules?lang=de")
    assert bad.status_code == 400 and "lang: expected one of en, ru, got &#39;de&#39;" in bad.text


def test_every_response_carries_the_content_security_policy(client):
    for path in ("/rules", "/rules?q=x", "/rules/explorer.css", "/rules/country/GE", "/rules/law/exclusion",
                 "/rules/finding/x", "/rules?lang=xx"):
        reply = client.get(path)
        assert reply.headers["content-security-policy"] == CSP, path
        assert reply.headers["x-content-type-options"] == "nosniff"
    css = client.get("/rules/explorer.css")
    assert css.headers["content-type"].startswith("text/css") and "url(" not in css.text and "@import" not in css.text


def test_a_custom_layer_is_shown_and_its_text_escaped(tmp_path):
    layer = tmp_path / "hostile"
    layer.mkdir()
    (layer / "sources.yaml").write_text(
        "- id: hostile-src\n  title: 'Policy <img src=x onerror=alert(1)>'\n  kind: guidance\n  date: '2024-01-01'\n",
        encoding="utf-8")
    (layer / "rules.yaml").write_text("""
ruleset: hostile
title: "A layer <script>alert(1)</script>"
version: "1"
findings:
  - id: hostile.finding
    kind: element
    title: "Is it <script>alert('t')</script> escaped?"
    asks: "Does <b>markup</b> show as text?"
    group: hostile_group
rules:
  - id: hostile.rule
    concludes: {finding: hostile.finding, answer: met}
    when: {fact: fear.fears_return, eq: true}
    because: "<iframe src=//evil.example></iframe>"
    cite:
      - {source: hostile-src, pinpoint: "<a href=//evil.example>p</a>", note: "</blockquote><script>x()</script>"}
""", encoding="utf-8")
    app = TestClient(create_app(layers=(str(LAYER), str(layer))))
    reply = app.get("/rules/finding/hostile.finding")
    assert reply.status_code == 200
    page = Page(reply.text)
    assert page.scripts == 0 and page.inline_styles == 0 and "evil.example" not in " ".join(page.links + page.resources)
    assert "<script>alert('t')</script>" in page.words and "<iframe src=//evil.example></iframe>" in page.words
    assert "Policy <img src=x onerror=alert(1)>" in page.words
    assert "hostile.finding" in finding_links(Page(app.get("/rules/law/hostile_group").text))
    # the example layer's rule that replaces a built-in one says so, and from which layer it comes
    fear = Page(app.get("/rules/finding/fear_subjective").text).words
    assert "custom layer example-ngo-referral" in fear and "replaces e2a.fear-stated" in fear


def test_the_report_links_each_finding_title_to_its_explorer_page(client):
    boris = assess(read_profile(EXAMPLES / "boris-anti-war-petitions.yaml"), as_of="2024-03-01", engine="compiled")
    for lang in ("en", "ru"):
        plain = render(boris, "html", lang=lang, depth="full")
        linked = render(boris, "html", lang=lang, depth="full", rules_url="/rules")
        assert render(boris, "html", lang=lang, depth="full", rules_url=None) == plain
        hrefs = re.findall(r'<a href="(/rules/finding/[^"]+)">', linked)
        assert len(hrefs) >= len(boris.findings) // 2
        # the links are the only difference
        assert re.sub(r'<a href="/rules/finding/[^"]+">(.*?)</a>', r"\1", linked) == plain
        suffix = "" if lang == "en" else "?lang=ru"
        assert all(h.endswith(suffix) for h in hrefs)
        for href in sorted(set(hrefs))[:40]:
            assert client.get(href).status_code == 200, href
    assert render(boris, "markdown", rules_url="/rules") == render(boris, "markdown")


def test_the_eu_layer_is_listed_and_marked_as_optional(client):
    own = Page(client.get("/rules/finding/eu_refusal_9_2_e").text).words
    assert "loaded only with the optional layer EU" in own
    # the layer's rule that concludes a Convention finding is shown on that finding's page, marked as the layer's
    reply = client.get("/rules/finding/being_persecuted")
    assert 'id="rule-eu.9-2-e.being-persecuted"' in reply.text
    section = reply.text.split('id="rule-eu.9-2-e.being-persecuted"', 1)[1].split("</section>", 1)[0]
    assert "loaded only with the optional layer EU" in section
    assert "loaded only with the optional layer" not in reply.text.split('id="rules"', 1)[0]  # the finding is not

"""Reports in Markdown, HTML and text, English and Russian: order, escaping, depth, and every translation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings

from refugee_rules.result.compact import FORMAT_VERSION
from refugee_rules import assess
from refugee_rules.case.inputs import read_profile
from refugee_rules.views.report import FORMATS, render
from refugee_rules.views.i18n import catalog, content_texts, missing, template_messages
from refugee_rules.api import load_rulesets

from .strategies import examples
from tests.strategies import flat_profiles, nest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))
BORIS = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.fixture(scope="module")
def boris():
    return assess(read_profile(BORIS), as_of="2024-03-01", engine="compiled")


def _elements(a):
    return [f for f in a.findings if f.group.startswith("article_1a2") and f.role in ("element", "inclusion")]


# --- catalogs: a missing translation fails here, never in a report -----------------------------------------


def test_every_report_label_has_a_russian_translation():
    msgids = [m for m, _ in template_messages()]
    assert len(set(msgids)) > 50  # the extraction really found the templates' and the code's labels
    untranslated = missing("ru", "messages", msgids)
    assert not untranslated, (
        "report labels without a Russian translation; run `.venv/bin/python -m refugee_rules.views.i18n update` "
        "and fill msgstr in src/refugee_rules/locale/ru/LC_MESSAGES/messages.po:\n"
        + "\n".join(f"  - {m!r}" for m in untranslated))


def test_every_ruleset_and_profile_text_has_a_russian_translation():
    texts = content_texts(load_rulesets())
    gaps = [t for t in texts if missing("ru", "content", [t.msgid])]
    assert not gaps, (
        f"{len(gaps)} texts from rulesets/profile.py lack a Russian translation; run "
        "`.venv/bin/python -m refugee_rules.views.i18n update` and fill msgstr in "
        "src/refugee_rules/locale/ru/LC_MESSAGES/content.po:\n"
        + "\n".join(f"  - {t.origin}: {t.msgid!r}" for t in gaps))


def test_russian_rule_explanations_are_templates_over_the_same_facts():
    from jinja2 import meta

    from refugee_rules.law.templates import ENVIRONMENT

    book = load_rulesets()
    cat = catalog("ru", "content")
    for rule in book.rules.values():
        for text in filter(None, (rule.because, rule.because_not)):
            entry = cat.get(text)
            if entry is None or not entry.string:
                continue  # reported by the test above
            english = meta.find_undeclared_variables(ENVIRONMENT.parse(text))
            russian = meta.find_undeclared_variables(ENVIRONMENT.parse(entry.string))
            assert russian <= english, f"rule {rule.id}: the Russian text reads facts the English does not: {russian - english}"
            assert CYRILLIC.search(entry.string), f"rule {rule.id}: translation is not Russian: {entry.string!r}"


def test_placeholders_survive_translation():
    for domain in ("messages",):
        for entry in catalog("ru", domain):
            if not entry.id or not entry.string:
                continue
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            expected = sorted(re.findall(r"%\(\w+\)[sd]", ids[-1]))
            for string in strings:  # every plural form keeps every placeholder (21 is singular in Russian)
                assert sorted(re.findall(r"%\(\w+\)[sd]", string)) == expected, (entry.id, string)


def test_plural_messages_have_three_russian_forms():
    plural = [e for e in catalog("ru", "messages") if isinstance(e.id, tuple)]
    assert len(plural) >= 10
    for entry in plural:
        assert len(entry.string) == 3 and all(entry.string), entry.id


# --- content and order ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_order_outcome_elements_unknowns_scope(boris, fmt):
    out = render(boris, fmt, depth="full", width=1000)
    if fmt == "html":
        import html as _html

        out = _html.unescape(out)
    outcome = out.index("Inclusion appears met on the stated facts; exclusion not screened")
    disclaimer = out.index("not a legal decision")
    first_element = min(out.index(f.title) for f in _elements(boris))
    scope = out.rindex("Scope")
    assert outcome < first_element and disclaimer < first_element < scope
    for f in _elements(boris):
        assert f.title in out
    assert "paragraph number unconfirmed" in out
    assert "¶¶56-60" in out


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_russian_report_has_no_english_labels_and_keeps_quotes_verbatim(boris, fmt):
    out = render(boris, fmt, lang="ru", depth="full", width=1000)
    assert "По-видимому" in out or "по-видимому" in out
    assert "не является юридическим решением" in out or "не юридическое решение" in out
    for english in ("appears met", "Facts relied on", "Authority", "Scope", "paragraph number unconfirmed", "Outcome"):
        assert english not in out, english
    assert "номер пункта не подтверждён" in out
    assert "Грузия (GE)" in out  # country names in Russian
    for f in _elements(boris):
        for c in f.citations:
            if c.quote:
                assert c.quote.replace('"', "&#34;") in out or c.quote in out  # legal quotes are not translated


def test_stop_points_come_first(tmp_path):
    rules = tmp_path / "rs"
    rules.mkdir()
    (rules / "sources.yaml").write_text((ROOT / "rulesets" / "sources.yaml").read_text())
    (rules / "x.yaml").write_text("""
ruleset: test
title: test
version: "1"
findings:
  - {id: alpha, kind: element, title: "Alpha element", asks: "Alpha?", group: g}
  - id: excl
    kind: clause
    article: 1F(a)
    title: "Exclusion check"
    asks: "Excluded?"
    group: z
    stop_point: {when: [applies, not_screened], kind: exclusion, message: "Possible exclusion."}
rules:
  - id: a
    concludes: {finding: alpha, answer: met}
    when: {fact: fear.fears_return, eq: true}
    because: "Fears."
    cite: [{source: convention-1951, pinpoint: "Art 1A(2)"}]
  - id: x
    concludes: {finding: excl, answer: applies}
    when: {fact: exclusion.war_crimes_or_crimes_against_humanity, eq: true}
    because: "Serious reasons."
    cite: [{source: convention-1951, pinpoint: "Art 1F(a)"}]
""")
    a = assess({"fear": {"fears_return": True}}, as_of="2024-01-01", engine="compiled", rulesets=(rules,))
    assert a.outcome.status == "refer_to_counsel"
    for fmt in ("markdown", "text", "html"):
        out = render(a, fmt, depth="full")
        assert out.index("Exclusion check") < out.index("Alpha element"), fmt
        first = render(a, fmt)  # the first page names the stop-point before anything else but the red flags
        assert first.index("Possible exclusion.") < first.index("REFUGEE DEFINITION" if fmt == "text" else "Refugee definition")


def test_summary_depth_is_the_default_short_and_keeps_statuses_and_questions(boris):
    full, short = render(boris, "text", depth="full", width=1000), render(boris, "text", width=1000)
    assert short == render(boris, "text", depth="summary", width=1000)
    assert len(short) < len(full) / 10
    for f in _elements(boris):
        assert f"{f.title}:" in short
    assert "Facts relied on" not in short and "Facts relied on" in full
    assert "QUESTIONS THAT WOULD SETTLE MOST (5 of" in short


def test_json_is_a_versioned_explanation_tree(boris):
    import json

    data = json.loads(render(boris, "json", detail="full"))
    assert data["format_version"] == FORMAT_VERSION and data["metadata"]["library_version"]
    assert data["metadata"]["rulesets_hash"] == data["catalogue"]["rulesets_hash"] and data["metadata"]["as_of"] == "2024-03-01"
    persecuted = next(f for f in data["findings"] if f["id"] == "being_persecuted")
    assert persecuted["rules"] and persecuted["facts_used"] and persecuted["explanation"]
    assert all(path in data["facts"] for path in persecuted["facts_used"])  # each value once, for the case
    assert all(data["catalogue"]["rules"][r]["citations"] for r in persecuted["rules"])  # cited through the catalogue
    # the branches that did not hold (in the Python value): other rules of the finding, failed, undecided or not in force
    branches = boris.finding("being_persecuted").branches_not_held
    assert all(b.state in ("failed", "undetermined", "not_in_force") for b in branches)
    assert {b.rule for b in branches}.isdisjoint(
        {t["rule"] for t in data["trace"] if t["finding"] == "being_persecuted" and t["side"] == "held"})


# --- HTML: self-contained and escaped -----------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_profile_text_never_becomes_markup():
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    profile = {"nationalities": ["RU"], "location": {"country": "GE"},
               "legal_cases": [{"kind": "criminal", "charge": evil, "stage": "charged", "based_on_protected_conduct": True}],
               "case_ref": "<b>ref</b>"}
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    for lang in ("en", "ru"):
        html = render(a, "html", lang=lang)
        assert evil not in html and "<script" not in html.lower() and "<b>ref</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        parser = _Collect()
        parser.feed(html)
        assert "script" not in parser.tags and "img" not in parser.tags and "b" not in parser.tags
        assert not parser.urls, parser.urls  # no external request of any kind
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


def test_html_has_a4_print_css_and_the_checklist_as_a_list(boris):
    html = render(boris, "html", lang="ru")
    assert "@page" in html and "A4" in html
    assert '<ul class="checklist">' in html and "<svg" not in html  # a list wraps; an SVG label clipped E5/E6
    for f in _elements(boris):
        assert f"status-{f.answer}" in html


@settings(max_examples=examples(200), deadline=None)
@given(flat_profiles())
def test_every_generated_profile_renders_in_every_format_and_language(flat):
    a = assess(nest(flat), as_of="2024-03-01", engine="compiled")
    for lang, fmt in (("en", "markdown"), ("ru", "text"), ("ru", "html")):
        out = render(a, fmt, lang=lang, depth="full")
        assert a.metadata.as_of.isoformat() in out
        if lang == "ru":
            assert "(not stated)" not in out and "Likely" not in out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_clauses_are_listed_by_the_article_their_ruleset_names_each_once(lang):
    """The first page groups the clauses of 1C-1F by the ``article`` their ruleset declares (never read out of a
    title); where two findings answer one article (1F(a) and the screening raised by service in a unit), the
    clause keeps the number and the other is named by its title, so "1F(a)" never reads as open and as not
    applying at once."""
    from refugee_rules.views.report import View

    profile = read_profile(ROOT / "examples" / "profiles" / "deserter-unit-accused-of-war-crimes.yaml")
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    view = View(a, lang, "summary", None, None, None)
    labels = [label for _tone, _mark, text in view.screening_items() for label in text.split(": ", 1)[1].split(", ")]
    clauses = [f for f in a.findings if f.group in ("exclusion", "cessation") and f.role == "element"]
    assert {f.article for f in clauses} <= set(labels) and labels.count("1F(a)") == 1
    unit = next(f for f in clauses if f.id == "exclusion_1f_a_unit_service")
    assert any(view.title(unit) in text for _tone, _mark, text in view.screening_items())

"""The first page answers: what a caseworker reads first, in the order they work, within a screen and a page.

Targets of issue 15: the demo's default text report fits in 80 lines at 80 columns; the first screen of text holds
the outcome; page one holds the outcome with the red flags, the refugee-definition checklist, exclusion and
cessation screening, where the person is now and the five questions that would settle most; then one table of the
destinations. (The printed HTML is counted in pages by headless Chromium in tests/test_browser.py.)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from refugee_rules import assess
from refugee_rules.case.inputs import read_profile
from refugee_rules.tasks.questions import questions
from refugee_rules.views.report import View, render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))
DEMO = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"


@pytest.fixture(scope="module")
def demo():
    return assess(read_profile(DEMO), as_of="2024-03-01", engine="compiled")


@pytest.fixture(scope="module")
def every_example():
    return {p.stem: assess(read_profile(p), as_of="2024-03-01", engine="compiled") for p in EXAMPLES}


def test_the_demo_text_report_fits_in_80_lines_at_80_columns(demo):
    lines = render(demo, "text").splitlines()
    assert len(lines) <= 80, len(lines)
    assert max(len(line) for line in lines) <= 80


def test_the_first_page_is_in_the_order_a_caseworker_works(demo):
    text = render(demo, "text")
    order = ["not a legal decision", "RED FLAGS", "kidnapping", "OUTCOME:", "REFUGEE DEFINITION",
             "Being persecuted (E3): appears met", "EXCLUSION (Article 1F): not screened", "1F(a)",
             "WHERE THE PERSON IS NOW: Georgia (GE)", "Stay: stay allowed", "QUESTIONS THAT WOULD SETTLE MOST",
             "DESTINATIONS (as of 2024-03-01; rules last sourced on", "Adviser: ___"]
    at = [text.index(piece) for piece in order]
    assert at == sorted(at), [p for p, i in zip(order, at) if i != sorted(at)[at.index(i)]]
    assert "OUTCOME:" in "\n".join(text.splitlines()[:24])  # the first screen of a terminal shows the outcome


def test_the_five_questions_are_the_questions_apis_first_five(demo):
    text = render(demo, "text", width=1000)
    first = questions(demo)[:5]
    assert len(first) == 5
    at = [text.index(f"{i}. {q.question}") for i, q in enumerate(first, start=1)]
    assert at == sorted(at)
    assert f"6. {questions(demo)[5].question}" not in text  # only five on the first page
    assert f"{questions(demo)[5].question}" in render(demo, "text", depth="full", width=1000)  # all in the appendix


@pytest.mark.parametrize("width", [pytest.param(60, marks=pytest.mark.slow), 80, pytest.param(132, marks=pytest.mark.slow)])
def test_every_example_wraps_at_the_width_asked(every_example, width):
    for name, a in every_example.items():
        for lang in ("en", "ru"):
            for depth in ("summary", "full"):
                lines = render(a, "text", lang=lang, depth=depth, width=width).splitlines()
                too_wide = [line for line in lines if len(line) > width and " " in line.strip()]
                assert not too_wide, (name, lang, depth, too_wide[:3])


def test_every_default_report_says_it_is_advice_support_and_shows_the_outcome_first(every_example):
    for name, a in every_example.items():
        view = View(a)
        for fmt in ("text", "markdown", "html"):
            out = render(a, fmt, width=1000)
            assert "not a legal decision" in out, (name, fmt)
            assert view.outcome_label() in out, (name, fmt)
            if a.destinations:
                assert "rules last sourced on" in out or view.sourced() is None, (name, fmt)


def test_a_raised_clause_or_a_risk_on_the_first_page_is_never_good_news():
    profile = {"nationalities": ["RU"], "location": {"country": "GE"},
               "exclusion": {"war_crimes_or_crimes_against_humanity": True, "basis_only_persecutor_label": False},
               "political_activity": {"anti_war_statements": True, "journalism": True}}
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    assert a.finding("exclusion_1f_a").answer == "applies"
    text = render(a, "text", width=1000)
    assert "[!] Exclusion 1F(a): crime against peace, war crime, crime against humanity: APPEARS TO APPLY" in text
    html = render(a, "html")
    first_page = html[:html.index('<details class="appendix"')]
    assert '<li class="tone-warning"><span class="mark">[!]</span> <span class="status">Exclusion 1F(a)' in first_page
    for line in text.splitlines():
        if "RISK FLAGGED" in line or "APPEARS TO APPLY" in line:
            assert not line.lstrip().startswith("[x]"), line
    rows = View(a).destination_rows()
    assert rows and all(r["risks"]["tone"] == "warning" for r in rows if r["risks"]["text"].endswith("flagged"))


def test_one_line_says_when_the_rules_were_last_sourced_instead_of_a_note_per_finding():
    profile = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    a = assess({**profile, "destinations": ["AM", "KZ", "RS", "TR"]}, as_of=dt.date.today(), engine="compiled")
    assert sum(n.code == "stale_source" for f in a.findings for n in f.notes) > 20  # the result keeps its notes
    full = render(a, "text", depth="full", width=1000)
    assert full.count("verify the current rules") <= 2, full.count("verify the current rules")
    assert "Regime rules last sourced on" in full.splitlines()[2]  # at the top


def test_the_destinations_table_has_a_row_per_destination_of_interest():
    a = assess({"nationalities": ["RU"], "documents": {"travel_passport": {"held": True}, "residence_permits": []},
                "location": {"country": "GE", "since": "2023-03-20"}, "destinations": ["EE", "AM"]},
               as_of="2024-03-01", engine="compiled")
    rows = {r["code"]: r for r in View(a).destination_rows()}
    assert set(rows) == {"GE", "EE", "AM"} and rows["GE"]["here"]
    assert rows["EE"]["entry"]["text"] == "REFUSED" and rows["EE"]["entry"]["tone"] == "warning"
    assert rows["GE"]["stay"]["text"] == "allowed (19 days left)"
    text = render(a, "text")
    table = text[text.index("DESTINATIONS"):]
    for name in ("Georgia (GE) *", "Estonia (EE)", "Armenia (AM)"):
        assert name in table
    assert "[!] Stay in Georgia (GE) ends in 19 days" in text


def test_the_full_report_uses_short_cites_and_one_bibliography(demo):
    full = render(demo, "text", depth="full", width=1000)
    title = "UNHCR Handbook on Procedures and Criteria for Determining Refugee Status"
    assert full.count(title) == 1  # in the bibliography only
    assert "- Handbook ¶¶56-60" in full and "- Convention Art 1A(2), first paragraph" in full
    bibliography = full[full.index("== Sources cited =="):]
    cited = {c.source for f in demo.findings for c in f.citations}
    assert len([line for line in bibliography.splitlines() if line.startswith("  ") and ": " in line]) == len(cited)


def test_page_margins_carry_case_as_of_page_number_and_the_advisers_line(demo):
    html = render(demo, "html")
    page = html[html.index("@page"):html.index("html {")]
    assert '"Case training-boris · as of 2024-03-01"' in page and "counter(page)" in page
    assert "Adviser: ____" in page and "Date: ____" in page


def test_case_data_in_a_page_margin_cannot_end_the_css_string():
    a = assess({"nationalities": ["RU"], "case_ref": 'x"; } body { display: none } @page { content: "'},
               as_of="2024-03-01", engine="compiled")
    html = render(a, "html")
    page = html[html.index("@page"):html.index("html {")]
    assert "display: none" not in page.replace("\\22 ", "") or '"; }' not in page
    assert '\\22 ' in page and '"; }' not in page


def test_html_folds_the_appendix_and_opens_it_at_full_depth(demo):
    folded, opened = render(demo, "html"), render(demo, "html", depth="full")
    assert '<details class="appendix" id="appendix">' in folded
    assert '<details class="appendix" id="appendix" open>' in opened
    assert "details.appendix:not([open]) { display: none; }" in folded  # a closed appendix does not print

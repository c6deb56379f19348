"""The loader rejects what cannot mean anything, naming the file, the rule and a did-you-mean."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from refugee_rules import RulesetError
from refugee_rules.law import builtin_dir, load

SOURCES = "- {id: convention-1951, title: Convention, kind: instrument}\n"
FINDINGS = "findings:\n  - {id: f, kind: element, title: F, asks: 'F?', group: g}\n  - {id: g2, kind: element, title: G, asks: 'G?', group: g}\n"


def write(tmp_path: Path, rules: str, findings: str = FINDINGS) -> Path:
    (tmp_path / "sources.yaml").write_text(SOURCES)
    (tmp_path / "law.yaml").write_text(
        "ruleset: t\ntitle: T\nversion: '1'\n" + findings + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")
    )
    return tmp_path


def rule(rid: str = "r", finding: str = "f", when: str = "{fact: military.summoned, eq: true}", status: str = "met",
         extra: str = "", source: str = "convention-1951") -> str:
    return f"""\
- id: {rid}
  concludes: {{finding: {finding}, answer: {status}}}
  when: {when}
  because: because
  cite: [{{source: {source}, pinpoint: "Art 1A(2)"}}]
{textwrap.indent(extra, "  ")}"""


def problems(tmp_path: Path, rules: str, findings: str = FINDINGS) -> str:
    with pytest.raises(RulesetError) as err:
        load((write(tmp_path, rules, findings),))
    return "\n".join(err.value.problems)


def test_the_builtin_rulesets_load():
    book = load((builtin_dir(),))
    assert book.inclusion == "refugee_definition"
    assert "e1.outside-country" in book.rules


def test_unknown_fact_path_names_file_rule_and_suggestion(tmp_path):
    text = problems(tmp_path, rule(when="{fact: military.sumoned, eq: true}") + rule("r2", "g2"))
    assert "law.yaml: rule r" in text and "unknown fact 'military.sumoned'" in text
    assert "did you mean 'military.summoned'" in text


def test_unresolved_citation(tmp_path):
    text = problems(tmp_path, rule(source="unhcr-handbok") + rule("r2", "g2"))
    assert "law.yaml: rule r: citation source 'unhcr-handbok' is not in sources.yaml" in text


def test_finding_referenced_but_never_declared(tmp_path):
    text = problems(tmp_path, rule(when="{finding: persecution, is: met}") + rule("r2", "g2"))
    assert "refers to finding 'persecution', which is never declared" in text


def test_finding_declared_but_never_concluded(tmp_path):
    assert "finding 'g2' is declared but no rule concludes it" in problems(tmp_path, rule())


def test_cycle_between_findings(tmp_path):
    text = problems(tmp_path, rule(when="{finding: g2, is: met}") + rule("r2", "g2", when="{finding: f, is: met}"))
    assert "cycle: f -> g2 -> f" in text


def test_concluded_two_ways_without_an_exception(tmp_path):
    text = problems(tmp_path, rule() + rule("r2", status="not_met") + rule("r3", "g2"))
    assert "finding 'f' is concluded two ways by rules r, r2" in text and "exception_to" in text


def test_exception_must_name_a_rule_of_the_same_finding(tmp_path):
    text = problems(tmp_path, rule() + rule("r2", status="not_met", extra="exception_to: rr\n") + rule("r3", "g2"))
    assert "exception_to 'rr' is not a rule of finding 'f' (did you mean 'r'?)" in text


def test_literal_of_the_wrong_kind(tmp_path):
    text = problems(tmp_path, rule(when="{fact: travel.departure_date, gte: 'September'}") + rule("r2", "g2"))
    assert "travel.departure_date is a date (YYYY-MM-DD), got 'September'" in text
    text = problems(tmp_path, rule(when="{fact: fear.agents, contains: goverment}") + rule("r2", "g2"))
    assert "did you mean 'government'" in text or "is one of state, non_state" in text


def test_unknown_key_in_a_rule_gets_did_you_mean(tmp_path):
    text = problems(tmp_path, rule(extra="becuase_not: x\n") + rule("r2", "g2"))
    assert "rule r: becuase_not: unknown field; did you mean 'because_not'?" in text


def test_malformed_yaml_names_the_file(tmp_path):
    (tmp_path / "sources.yaml").write_text(SOURCES)
    (tmp_path / "broken.yaml").write_text("rules: [\n")
    with pytest.raises(RulesetError, match="broken.yaml: not valid YAML"):
        load((tmp_path,))


def test_bad_explanation_template(tmp_path):
    bad = rule().replace("because: because", "because: '{{ location.country '")
    assert "explanation template" in problems(tmp_path, bad + rule("r2", "g2"))


def test_a_rule_needs_a_citation(tmp_path):
    bad = rule().replace('cite: [{source: convention-1951, pinpoint: "Art 1A(2)"}]', "cite: []")
    assert "rule r: cite: List should have at least 1 item" in problems(tmp_path, bad + rule("r2", "g2"))


def test_all_problems_are_reported_at_once(tmp_path):
    text = problems(tmp_path, rule(when="{fact: nope, eq: true}") + rule("r2", "g2", source="nope"))
    assert "unknown fact 'nope'" in text and "citation source 'nope'" in text


def test_a_finding_declares_the_kind_of_question_it_answers(tmp_path):
    findings = "findings:\n  - {id: f, title: F, asks: 'F?', group: g}\n"
    assert "findings[0].kind: Field required" in problems(tmp_path, rule(), findings)


def test_a_risk_is_flagged_never_met_and_never_settled_by_a_rule_of_its_own(tmp_path):
    findings = "findings:\n  - {id: f, kind: risk, title: 'Is a risk reported for this person?', asks: 'F?', group: g}\n"
    text = problems(tmp_path, rule(status="met"), findings)
    assert "a risk finding is concluded flagged or not_reported, not 'met'" in text
    other = tmp_path / "other"
    other.mkdir()
    text = problems(other, rule(status="not_reported"), findings)
    assert "would let a statement settle the risk" in text


def test_titles_are_positive_and_regime_titles_are_questions(tmp_path):
    findings = ("findings:\n  - {id: f, kind: entry, title: 'Estonia: no entry for Russians', asks: 'F?', group: g}\n"
                "  - {id: c, kind: claim, title: 'Is Estonia visa-free?', asks: 'F?', group: g}\n")
    text = problems(tmp_path, rule(status="refused") + rule("r2", "c", status="claimed"), findings)
    assert "is phrased as a negation" in text
    assert "a entry finding's title is the question it answers" in text
    assert "finding 'c': a claim says why its source doubts it" in text


def test_a_clause_names_its_article_and_nothing_else_does(tmp_path):
    """The report lists the clauses of 1C-1F by article: it reads the article from the ruleset, never from a title."""
    findings = ("findings:\n  - {id: f, kind: clause, title: 'Exclusion 1F(a)', asks: 'F?', group: g}\n"
                "  - {id: c, kind: element, article: 1A(2), title: 'Fear', asks: 'C?', group: g}\n")
    text = problems(tmp_path, rule("r1", "f", status="applies") + rule("r2", "c"), findings)
    assert "finding 'f': a clause names the article it is" in text
    assert "finding 'c': only a clause names an article" in text


def test_a_condition_on_a_finding_uses_that_findings_words(tmp_path):
    findings = FINDINGS + "  - {id: k, kind: clause, article: 1F(a), title: K, asks: 'K?', group: g}\n"
    text = problems(tmp_path, rule() + rule("r2", "g2", when="{finding: f, is: applies}")
                    + rule("r3", "k", status="applies"), findings)
    assert "finding 'f' (a element) is met or not_met, not 'applies'" in text

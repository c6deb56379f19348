"""Typed answers: every finding speaks the words of its kind, and nothing reads as its opposite.

Every finding of every example profile is rendered at five dates (all destinations answered) and each line of the
text report is checked against the finding's kind: the answer is a word of that kind, the label is that word's, and
the mark is the tone of that word, so a ban, a flagged risk or a raised clause is never shown as good news.
"""

from __future__ import annotations

import bisect
import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from refugee_rules import assess
from refugee_rules.views.report import ANSWER_LABEL, TONE_MARK, View, render
from refugee_rules.law.kinds import KINDS

from .strategies import AS_OF_DATES, any_flat_profiles, examples, nest

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))
DATES = [dt.date(2022, 3, 1), dt.date(2022, 10, 1), dt.date(2023, 6, 1), dt.date(2024, 3, 1), dt.date(2025, 6, 1)]
GOOD = {word for kind in KINDS.values() for word in kind.words if kind.tone(word) == "good"}


def _label(kind: str, answer: str) -> str:
    return ANSWER_LABEL.get((kind, answer), "undetermined")


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_no_finding_of_any_example_reads_as_its_opposite(path: Path) -> None:
    profile = yaml.safe_load(path.read_text(encoding="utf-8"))
    for day in DATES:
        result = assess(profile, as_of=day, engine="compiled", destinations="all")
        text = render(result, "text", depth="full", width=100_000)
        starts = sorted(line.lstrip() for line in text.splitlines())  # a line's start is found by bisection
        view = View(result)
        for f in result.findings:
            kind = KINDS[f.kind]
            assert f.answer in kind.words, (f.id, f.kind, f.answer)
            if f.kind != "element":
                assert f.answer not in ("met", "not_met"), (f.id, f.answer)
            mark, label = TONE_MARK[view.tone(f)], _label(f.kind, f.answer)
            if f.kind in ("risk", "clause") or f.answer in ("refused", "exceeded") or f.adverse:
                assert mark != "[x]", (f.id, f.answer)
            line = f"{mark} {f.title}: {label}"
            if view.decided(f):  # decided findings are shown in full, each on its own line
                at = bisect.bisect_left(starts, line)
                assert at < len(starts) and starts[at].startswith(line), (path.stem, day, line)


def test_the_demo_report_shows_the_ban_as_refused_and_the_claim_as_doubted() -> None:
    # no residence permit of Estonia stated: the ban names Russians and says nothing of residents (issue 13)
    profile = {"nationalities": ["RU"], "documents": {"travel_passport": {"held": True}, "residence_permits": []},
               "location": {"country": "GE"}, "destinations": ["EE"]}
    result = assess(profile, as_of="2024-03-01", engine="compiled")
    ban = result.finding("regime.ee.entry.ban")
    assert (ban.kind, ban.answer) == ("entry", "refused")
    claim = result.finding("regime.ee.entry.visa_free_claim")
    assert (claim.kind, claim.answer) == ("claim", "claimed") and claim.doubt
    estonia = next(d for d in result.destinations if d.code == "EE")
    assert estonia.entry == "refused"  # the doubted 'visa-free' claim opens nothing
    text = render(result, "text", depth="full", width=100_000)
    assert f"[!] {ban.title}: ENTRY REFUSED" in text
    assert not [line for line in text.splitlines() if "Estonia" in line and "appears" in line]


def test_a_stay_is_counted_from_the_persons_own_arrival() -> None:
    profile = {"nationalities": ["RU"], "documents": {"travel_passport": {"held": True}},
               "location": {"country": "GE", "since": "2022-10-01"}}
    over = assess(profile, as_of="2024-03-01", engine="compiled")
    stay = over.finding("regime.ge.stay.one_year")
    assert stay.answer == "exceeded" and stay.stay is not None and stay.stay.days_left is not None
    assert stay.stay.ends == dt.date(2023, 10, 1) and stay.stay.days_left < 0
    assert any(flag.code == "stay_exceeded" for flag in over.outcome.red_flags)
    soon = assess({**profile, "location": {"country": "GE", "since": "2023-03-20"}}, as_of="2024-03-01", engine="compiled")
    assert soon.finding("regime.ge.stay.one_year").answer == "allowed"
    assert [f.days for f in soon.outcome.red_flags if f.code == "stay_ending"] == [19]
    unknown = assess({**profile, "location": {"country": "GE"}}, as_of="2024-03-01", engine="compiled")
    assert "location.since" in {m.path for m in unknown.finding("regime.ge.stay.one_year").missing_facts}


def test_scope_is_where_the_person_is_and_the_destinations_of_interest() -> None:
    profile = {"nationalities": ["RU"], "location": {"country": "GE"}, "destinations": ["AM"]}
    result = assess(profile, as_of="2024-03-01", engine="compiled")
    assert [d.code for d in result.destinations] == ["GE", "AM"]
    assert result.metadata.destinations == ["GE", "AM"]
    assert not any(f.id.startswith("regime.kz.") for f in result.findings)
    everywhere = assess(profile, as_of="2024-03-01", engine="compiled", destinations="all")
    assert len(everywhere.destinations) > 20 and everywhere.metadata.destinations == "all"
    alone = assess({"location": {"country": "GE"}}, as_of="2024-03-01", engine="compiled")
    assert [d.code for d in alone.destinations] == ["GE"]
    assert [(n.code, n.country) for n in alone.destination_notes] == [("here_only", "GE")]
    assert "answered for where the person is now (GE)" in alone.destination_notes[0].text
    ru = render(alone, "text", lang="ru")
    assert "answered for where the person is now" not in ru and "Грузия" in ru


def test_the_headline_keeps_inclusion_and_exclusion_apart() -> None:
    boris = yaml.safe_load((ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml").read_text())
    open_ = assess(boris, as_of="2024-03-01", engine="compiled")
    assert open_.outcome.inclusion == "met" and open_.outcome.exclusion == "not_screened"
    assert open_.outcome.status == "inclusion_met_screening_open"
    assert "exclusion (Article 1F) not screened" in open_.outcome.summary
    cleared = {**boris, "exclusion": {"war_crimes_or_crimes_against_humanity": False, "serious_non_political_crime": False,
                                      "acts_contrary_to_un_purposes": False}}
    assert assess(cleared, as_of="2024-03-01", engine="compiled").outcome.status == "likely_meets"


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_a_raised_clause_or_flagged_risk_is_never_shown_as_good_news(flat: dict, as_of: dt.date) -> None:
    result = assess(nest(flat), as_of=as_of, engine="compiled")
    html = render(result, "html")
    for f in result.findings:
        if (f.kind == "clause" and f.answer == "applies") or (f.kind == "risk" and f.answer == "flagged"):
            assert KINDS[f.kind].tone(f.answer) == "warning"
            assert f'class="finding tone-warning" id="f-{f.id}"' in html, f.id
            assert f'class="finding tone-good" id="f-{f.id}"' not in html, f.id
            assert f.answer not in GOOD
        if f.kind == "clause" and f.answer == "applies":
            assert f.id in {flag.finding for flag in result.outcome.red_flags}
            assert result.outcome.status != "likely_meets"
            assert result.outcome.exclusion == "applies" or result.outcome.cessation == "applies" or f.group not in (
                "exclusion", "cessation")

"""Reports are views of an Assessment: jinja2 templates in English and Russian, nothing decided here.

``render(assessment, fmt, lang=..., depth=...)`` gives Markdown, self-contained HTML (inline CSS and
SVG, autoescaped, printable on A4), plain text or the JSON value itself. The view layer below only
arranges and translates, in the order a caseworker works: a first page (the outcome with its red flags,
the Article 1A(2) checklist, exclusion and cessation screening, where the person is now, the five
questions that would settle most), one compact table of the destinations of interest, and, at
``depth="full"`` (in HTML always, folded), the appendix of explanations, facts, rules and short cites
with one bibliography. A worker reads the first page before anything else, so nothing on it may need
the appendix to be understood. The Russian form of texts written in rulesets is their explanation
templates re-rendered over the facts the assessment records; a text without a translation is shown in
English, and the catalog tests make sure there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from refugee_rules.errors import ProfileError
from refugee_rules.result.assessment import DISCLAIMER, Assessment, Finding, MissingFact
from refugee_rules.case.facts import nest
from refugee_rules.law.templates import NotStated
from refugee_rules.options import DEPTHS, FORMATS
from refugee_rules.views.i18n import (LANGUAGES, N_, NP_, PINPOINT_GLOSS, check_lang, country_name, gettext_for,
                                      translations)
from refugee_rules.views.svg import checklist_svg, timeline_svg

TEXT_WIDTH = 80
"""The text report's width when nothing else is known (a pipe, a file)."""
FIRST_QUESTIONS = 5
REQUIREMENT_LABELS = {
    "visa_free": N_("visa-free entry"), "visa_on_arrival": N_("a visa on arrival"),
    "eta": N_("an electronic travel authorisation"), "e_visa": N_("an e-visa (or electronic authorisation)"),
    "entry_permit": N_("an entry permit"), "visa_required": N_("a visa required"),
    "covid_ban": N_("a COVID-19 entry ban"), "no_admission": N_("no admission"),
}
TEMPLATE_DIR = Path(__file__).parent / "templates"

STATUS_LABEL = {"met": N_("appears met"), "not_met": N_("appears not met"), "undetermined": N_("undetermined")}
ANSWER_LABEL: dict[tuple[str, str], str] = {
    ("element", "met"): N_("appears met"), ("element", "not_met"): N_("appears not met"),
    ("clause", "applies"): N_("APPEARS TO APPLY: refer to counsel"), ("clause", "does_not_apply"): N_("appears not to apply"),
    ("clause", "not_screened"): N_("not screened"),
    ("entry", "allowed"): N_("entry allowed"), ("entry", "refused"): N_("ENTRY REFUSED"),
    ("entry", "visa_required"): N_("visa required"),
    ("stay", "allowed"): N_("stay allowed"), ("stay", "not_allowed"): N_("stay not allowed"),
    ("stay", "exceeded"): N_("STAY EXCEEDED"),
    ("residence", "open"): N_("route open"), ("residence", "closed"): N_("route closed"),
    ("residence", "conditions_not_shown"): N_("conditions not shown"),
    ("visa", "issued"): N_("visa issued"), ("visa", "not_issued"): N_("visa not issued"),
    ("risk", "flagged"): N_("RISK FLAGGED"), ("risk", "not_reported"): N_("no such risk reported for this person"),
    ("claim", "claimed"): N_("claimed, but doubted by the source"), ("claim", "not_claimed"): N_("no claim for this person"),
    ("report", "reported"): N_("reported"), ("report", "not_reported"): N_("not reported for this person"),
}
"""The words of every answer, by kind (rules/kinds.py); an open answer of any kind is 'undetermined'."""
TABLE_WORD = {
    ("entry", "allowed"): NP_("entry", "allowed"), ("entry", "refused"): NP_("entry", "REFUSED"),
    ("entry", "visa_required"): NP_("entry", "visa required"),
    ("stay", "allowed"): NP_("stay", "allowed"), ("stay", "not_allowed"): NP_("stay", "not allowed"),
    ("stay", "exceeded"): NP_("stay", "EXCEEDED"),
    ("residence", "open"): NP_("residence", "open"), ("residence", "closed"): NP_("residence", "closed"),
    ("residence", "conditions_not_shown"): NP_("residence", "conditions not shown"),
}
"""The answers as a column of the destinations table words them (the column names the kind)."""
TONE_MARK = {"good": "[x]", "warning": "[!]", "caution": "[~]", "neutral": "[-]", "open": "[?]"}
SCREENING_LABEL = {"applies": N_("a clause appears to apply"), "does_not_apply": N_("no clause appears to apply"),
                   "not_screened": N_("not screened")}
RED_FLAG = {
    "stop_point": N_("Stop-point: %(finding)s"),
    "clause_applies": N_("A clause appears to apply (refer to counsel): %(finding)s"),
    "risk_here": N_("Risk flagged where the person is now (%(country)s): %(finding)s"),
    "stay_exceeded": N_("Stay exceeded in %(country)s by %(days)s days: %(finding)s"),
    "stay_ending": N_("Stay in %(country)s ends in %(days)s days: %(finding)s"),
    "stale_source": N_("Rules for %(country)s rest on sources %(days)s days old: verify the current rules"),
}
LEGEND = (
    (N_("[x]"), N_("good news on the stated facts (an element appears met, entry allowed, a route open)")),
    (N_("[!]"), N_("a warning: entry refused, a risk flagged, a clause that appears to apply, a stay exceeded")),
    (N_("[~]"), N_("a hurdle or a doubt: a visa required, a route closed, a claim the source doubts")),
    (N_("[-]"), N_("neither: not met, does not apply, not reported for this person")),
    (N_("[?]"), N_("open: the stated facts or the sources do not settle it (not screened, undetermined)")),
)
LEGEND_SHORT = (("good", N_("good news")), ("warning", N_("warning")), ("caution", N_("hurdle or doubt")),
                ("neutral", N_("neither")), ("open", N_("open")))
OUTCOME_LABEL = {
    "likely_meets": N_("Likely meets the refugee definition (on the stated facts)"),
    "inclusion_met_screening_open": N_("Inclusion appears met on the stated facts; exclusion not screened"),
    "likely_does_not_meet": N_("Likely does not meet the refugee definition (on the stated facts)"),
    "undetermined": N_("Undetermined: more facts are needed"),
    "refer_to_counsel": N_("Stop-point: refer to counsel"),
}
GROUP_TITLE = {
    "article_1a2": N_("Article 1A(2): the elements of the refugee definition"),
    "article_1a2_nexus": N_("Article 1A(2): the Convention grounds"),
    "cessation": N_("Cessation (Article 1C)"),
    "exclusion": N_("Exclusion and the other stop-points (Articles 1D, 1E, 1F)"),
    "consequences": N_("Consequences: protection against refoulement (Article 33)"),
    "military_service": N_("Military service: draft evasion and desertion (UNHCR GIP No. 10)"),
    "country_evidence": N_("Country evidence: items the caseworker may accept for this case"),
    "eu_layer": N_("EU layer: the Qualification Directive"),
}
STOP_KIND = {"exclusion": N_("exclusion"), "cessation": N_("cessation"), "other": N_("other")}
BRANCH_STATE = {"failed": N_("did not hold"), "undetermined": N_("could not be decided"),
                "not_in_force": N_("not in force on the as-of date")}
MARK = {"met": "[x]", "not_met": "[ ]", "undetermined": "[?]"}
DATASET_FIELD = {"requirement": N_("the requirement in force"), "passport": N_("the passport that gives it"),
                 "snapshot": N_("the snapshot read"), "since": N_("listed unchanged since"),
                 "days": N_("visa-free days"), "raw": N_("the requirement as published")}
SOURCE_SHORT = {
    "convention-1951": N_("Convention"), "protocol-1967": N_("Protocol"), "unhcr-handbook-2019": N_("Handbook"),
    "unhcr-gip-10": N_("GIP 10"), "unhcr-gip-4": N_("GIP 4"), "qd-2011-95": N_("QD 2011/95/EU"),
    "cjeu-shepherd": N_("CJEU Shepherd"), "cjeu-ez": N_("CJEU EZ"), "passport-index-dataset": N_("Passport Index"),
    "ucl-ssees-2022-ruseishvili": N_("UCL SSEES 2022"), "mmc-2024-matusevich": N_("MMC 2024"),
    "wikipedia-russian-emigration-2022": N_("Wikipedia 2022"), "maddie-2022-flee-conscription": N_("Maddie 2022"),
    "ovdinfo-2023-storyev": N_("OVD-Info 2023"),
}
"""Short cites (the bibliography names each in full); a source not listed is cited by its id."""
SOURCE_TITLE = {
    "convention-1951": N_("Convention relating to the Status of Refugees (1951)"),
    "protocol-1967": N_("Protocol relating to the Status of Refugees (1967)"),
    "unhcr-handbook-2019": N_("UNHCR Handbook on Procedures and Criteria for Determining Refugee Status, "
                              "HCR/1P/4/ENG/REV.4 (reissued February 2019)"),
    "unhcr-gip-10": N_("UNHCR Guidelines on International Protection No. 10: Claims to Refugee Status related to "
                       "Military Service, HCR/GIP/13/10/Corr. 1"),
    "unhcr-gip-4": N_("UNHCR Guidelines on International Protection No. 4: Internal Flight or Relocation "
                      "Alternative, HCR/GIP/03/04"),
}
"""The instruments and UNHCR texts cited under a Russian title (the Russian catalog holds it): the Convention's and
the Protocol's are their official UN titles; the Handbook's and the Guidelines' follow UNHCR's Russian naming of them
and keep the English document symbols (not checked against the Russian editions). Other sources keep their original
titles, the names a reader searches for."""
PINPOINT_WORDS = ((r"\bArts?\b", N_("Art")), (r"\bfirst paragraph\b", N_("first paragraph")),
                  (r"\bsecond paragraph\b", N_("second paragraph")), (r"\bproviso\b", N_("proviso")),
                  (r"\bstateless persons\b", N_("stateless persons")))
_DATASET_PINPOINT = re.compile(r"requirements\.csv\.gz: the row for the passport named in the note, destination "
                               r"([A-Z]{2}), at the latest snapshot on or before the as-of date")


# --- the language of one report ----------------------------------------------------------------------


@dataclass
class Lang:
    """Everything language-dependent a view needs: labels (messages) and texts from data (content)."""

    code: str
    _: Callable[[str], str] = field(init=False)
    t: Callable[[str], str] = field(init=False)

    def __post_init__(self) -> None:
        check_lang(self.code)
        self._ = gettext_for(self.code, "messages")
        self.t = gettext_for(self.code, "content")
        self.n = translations(self.code, "messages").ngettext
        self.p = translations(self.code, "messages").pgettext

    def short_source(self, source: str) -> str:
        """The short name a citation uses; the bibliography gives the full title."""
        return self._(SOURCE_SHORT[source]) if source in SOURCE_SHORT else source

    def source_title(self, source: str, title: str) -> str:
        """A source's full title: its official Russian title where one exists; otherwise the original, which is
        the name a reader searches for."""
        return self._(SOURCE_TITLE[source]) if self.code != "en" and source in SOURCE_TITLE else title

    def pinpoint(self, pinpoint: str) -> str:
        """A pinpoint in the report's language: the numbers kept as cited, the abbreviations and the gloss in
        parentheses translated (the gloss from the content catalog, where the ruleset wrote it)."""
        if self.code == "en":
            return pinpoint
        m = _DATASET_PINPOINT.fullmatch(pinpoint)
        if m:
            return self._("requirements.csv.gz: the row for the passport named in the note, destination %(code)s, "
                          "at the latest snapshot on or before the as-of date") % {"code": m.group(1)}
        base, gloss = pinpoint, ""
        m = PINPOINT_GLOSS.fullmatch(pinpoint)
        if m:
            base, gloss = m.group(1), m.group(2)
        for english, words in PINPOINT_WORDS:
            base = re.sub(english, self._(words), base)
        return base + (f" ({self.t(gloss)})" if gloss else "")

    def country(self, code: Any) -> str:
        return country_name(code, self.code)

    def coded(self, value: Any) -> str:
        """A coded value of the profile (an enum word such as ``political_opinion``) in the report's language."""
        text = str(value)
        if self.code == "en":
            return text
        translated = translations(self.code, "content").pgettext("value", text)
        return translated

    def field(self, name: str) -> str:
        """The name of a field of a listed item (``kind``, ``stage`` of a legal case) in the report's language."""
        if self.code == "en":
            return name
        return translations(self.code, "content").pgettext("field", name)

    def fact_label(self, path: str) -> str:
        """A fact as a report names it: its path in English (what a developer searches for); in Russian the
        question it answers, from the content catalog (a path is not Russian)."""
        if self.code == "en":
            return path
        from refugee_rules.case.facts import fact_specs

        if path.startswith("passport_index.") and path.count(".") == 2:
            _prefix, code, name = path.split(".")
            return self._("Passport Index dataset, %(country)s: %(field)s") % {
                "country": self.country(code), "field": self._(DATASET_FIELD.get(name, name))}
        spec = fact_specs().get(path)
        text = (spec.question or spec.description) if spec is not None else ""
        return self.t(text).rstrip("?. ") if text else path

    def yes_no(self, value: Any) -> str:
        if isinstance(value, bool):
            return self._("yes") if value else self._("no")
        return str(value)

    def value(self, path: str, v: Any) -> str:
        from refugee_rules.case.facts import catalogue

        spec = catalogue().get(path)
        kind = spec.kind if spec else None
        element = spec.element.kind if spec and spec.element else None
        if isinstance(v, bool):
            return self.yes_no(v)
        if isinstance(v, list):
            if not v:
                return self._("none")
            if kind == "list" and element == "country":
                return self.country(v)
            return ", ".join(self.value(path + "[]" if kind == "list" else "", x) if not isinstance(x, dict)
                             else self._item(spec, x) for x in v)
        if isinstance(v, dict):
            return self._item(spec, v)
        if kind == "country":
            return self.country(v)
        if kind == "enum" or (kind is None and path.endswith("[]") and catalogue().get(path[:-2]) is not None
                              and catalogue()[path[:-2]].values and str(v) in catalogue()[path[:-2]].values):
            return self.coded(v)
        return str(v)

    def _item(self, spec: Any, item: dict[str, Any]) -> str:
        """One listed item (a legal case, a visa): its fields named and their coded values in the report's language;
        free text (a charge as stated) as written."""
        fields = spec.item_fields if spec is not None else {}
        parts = []
        for k, x in item.items():
            sub = fields.get(k)
            if isinstance(x, bool):
                shown = self.yes_no(x)
            elif sub is not None and sub.kind == "enum":
                shown = self.coded(x)
            elif sub is not None and sub.kind == "country":
                shown = self.country(x)
            elif isinstance(x, list):
                shown = ", ".join(self.coded(y) if sub is not None and sub.values else str(y) for y in x)
            else:
                shown = str(x)
            parts.append(f"{self.field(k)}: {shown}")
        return "{" + ", ".join(parts) + "}"

    def citation(self, c: Any) -> str:
        text = c.source_title
        if c.pinpoint:
            text += f", {c.pinpoint}"
            if not c.confirmed:
                text += " (" + self._("paragraph number unconfirmed") + ")"
        if c.quote:
            text += f': "{c.quote}"'
        return text

    def group_title(self, group: str) -> str:
        if group.startswith("regime:"):
            return self._("Destination: %(country)s") % {"country": self.country(group.split(":", 1)[1])}
        return self._(GROUP_TITLE[group]) if group in GROUP_TITLE else group


# --- explanations in the report's language ----------------------------------------------------------


class _Coded(str):
    """A code (``forced_conscription``) that reads as its translation and compares, hashes and sorts as the code."""

    code: str

    def __new__(cls, code: str, shown: str) -> _Coded:
        self = super().__new__(cls, shown)
        self.code = code
        return self

    def __eq__(self, other: object) -> bool:
        return self.code == (other.code if isinstance(other, _Coded) else other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.code)

    def __lt__(self, other: object) -> bool:
        return self.code < (other.code if isinstance(other, _Coded) else other)  # type: ignore[operator]


class _NotStatedRu(ChainableUndefined):
    """A fact the assessment does not record: '(не указано)', and its attributes are not stated either
    (the report re-renders over the facts the assessment carries, a subset of the profile's)."""

    def __str__(self) -> str:
        return "(не указано)"

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(())


@lru_cache(maxsize=4)
def _rule_env(lang: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=_NotStatedRu if lang == "ru" else NotStated, autoescape=False,
                               trim_blocks=True, lstrip_blocks=True)
    env.filters["country"] = lambda code: country_name(code, lang)
    env.filters["yesno"] = Lang(lang).yes_no
    return env


class View:
    """The assessment arranged and translated for one report."""

    def __init__(self, a: Assessment, lang: str = "en", depth: str = "full", book: Any = None,
                 timeline: Any = None, rules_url: str | None = None):
        if depth not in DEPTHS:
            raise ProfileError([f"depth: expected one of {', '.join(DEPTHS)}, got {depth!r}"])
        self.a, self.L, self.depth, self.timeline = a, Lang(lang), depth, timeline
        self.rules_url = rules_url
        self.book = book
        self._book_checked = False
        self._ranking: list[Any] | None = None
        facts: dict[str, Any] = {}
        for firing in a.trace:
            facts.update({x.path: x.value for x in firing.facts})
        for f in a.findings:
            facts.update({x.path: x.value for x in f.facts_used})
            for b in getattr(f, "branches_not_held", []) or []:
                facts.update({x.path: x.value for x in b.facts})
        if lang != "en":
            facts = {path: self._coded_fact(path, value) for path, value in facts.items()}
        self.context = nest(facts)

    def _coded_fact(self, path: str, value: Any) -> Any:
        """A coded fact value for the Russian explanation templates: it prints translated and still compares
        equal to its code, so a template's conditions read it as before."""
        from refugee_rules.case.facts import catalogue

        spec = catalogue().get(path)
        if spec is None or not spec.values:
            return value
        if isinstance(value, str):
            return _Coded(value, self.L.coded(value))
        if isinstance(value, list):
            return [_Coded(v, self.L.coded(v)) if isinstance(v, str) else v for v in value]
        return value

    # the rule book is needed only to re-render explanations in another language
    def _rules(self) -> Any:
        if not self._book_checked:
            self._book_checked = True
            if self.book is None:  # the rule book the assessment was made with (None when read back from JSON)
                self.book = self.a.rule_book
            if self.book is not None and self.book.content_hash != self.a.metadata.rulesets_hash:
                self.book = None
        return self.book

    @property
    def lang(self) -> str:
        return self.L.code

    def disclaimer(self) -> str:
        return self.L.t(self.a.disclaimer) if self.a.disclaimer == DISCLAIMER else self.a.disclaimer

    def status(self, s: str) -> str:
        return self.L._(STATUS_LABEL[s])

    def answer_label(self, kind: str, answer: str) -> str:
        label = ANSWER_LABEL.get((kind, answer)) or STATUS_LABEL.get(answer) or answer
        return self.L._(label)

    def answer(self, f: Any) -> str:
        """The finding's answer in its kind's words (never 'met' for a ban or a risk)."""
        text = self.answer_label(f.kind, f.answer)
        stay = getattr(f, "stay", None)
        if stay is not None:
            text += " (" + self.stay(stay) + ")"
        return text

    def stay(self, stay: Any) -> str:
        _, n = self.L._, self.L.n
        text = {"years": n("limit %(n)d year", "limit %(n)d years", stay.limit),
                "months": n("limit %(n)d month", "limit %(n)d months", stay.limit),
                "days": n("limit %(n)d day", "limit %(n)d days", stay.limit)}[stay.unit] % {"n": stay.limit}
        if stay.days_left is not None:
            text += "; " + (n("exceeded by %(days)d day since %(date)s", "exceeded by %(days)d days since %(date)s",
                              -stay.days_left) % {"days": -stay.days_left, "date": stay.ends}
                            if stay.exceeded else n("%(used)d days used, %(left)d day left (until %(date)s)",
                                                    "%(used)d days used, %(left)d days left (until %(date)s)",
                                                    stay.days_left)
                            % {"used": stay.days_used or 0, "left": stay.days_left, "date": stay.ends})
        elif stay.since is None:
            text += "; " + _("arrival date not stated")
        return text

    def tone(self, f: Any) -> str:
        return self.tone_of(f.kind, f.answer, getattr(f, "adverse", False))

    @staticmethod
    def tone_of(kind: str, answer: str, adverse: bool = False) -> str:
        from refugee_rules.law.kinds import KINDS

        if kind not in KINDS:
            return "open"
        tone = KINDS[kind].tone(answer)
        return "caution" if tone == "good" and adverse else tone

    def mark(self, f: Any) -> str:
        return TONE_MARK[self.tone(f)]

    @staticmethod
    def decided(f: Any) -> bool:
        from refugee_rules.law.kinds import KINDS

        return f.kind not in KINDS or f.answer != KINDS[f.kind].open

    def legend(self) -> list[tuple[str, str]]:
        return [(mark, self.L._(text)) for mark, text in LEGEND]

    def screening(self, which: str) -> str:
        return self.L._(SCREENING_LABEL[getattr(self.a.outcome, which)])

    def red_flags(self) -> list[str]:
        _, by_id = self.L._, {f.id: f for f in self.a.findings}
        out = []
        for flag in self.a.outcome.red_flags:
            f = by_id.get(flag.finding) if flag.finding else None
            out.append(_(RED_FLAG[flag.code]) % {
                "finding": (self.title(f) + " — " + self.answer(f)) if f is not None else (flag.finding or ""),
                "country": self.L.country(flag.destination) if flag.destination else "", "days": flag.days})
        return out

    def stop_answer(self, hit: Any) -> str:
        f = next((x for x in self.a.findings if x.id == hit.finding), None)
        return self.answer(f) if f is not None else hit.answer

    def outcome_label(self) -> str:
        return self.L._(OUTCOME_LABEL[self.a.outcome.status])

    def title(self, f: Any) -> str:
        return self.L.t(f.title)

    def linked_title(self, f: Any) -> str:
        """The title, linked to the finding's page in the rules explorer when the report is given its address
        (``rules_url``); without it, the title alone."""
        if self.rules_url is None:
            return self.title(f)
        from urllib.parse import quote

        href = f"{self.rules_url.rstrip('/')}/finding/{quote(f.id)}" + ("" if self.lang == "en" else f"?lang={self.lang}")
        return Markup('<a href="{}">{}</a>').format(href, self.title(f))

    def asks(self, f: Any) -> str:
        return self.L.t(f.asks)

    def outcome_summary(self) -> str:
        o, _, t = self.a.outcome, self.L._, self.L.t
        if self.lang == "en":
            return o.summary
        if o.status == "refer_to_counsel":
            return (_("Stop-point:") + " " + "; ".join(t(h.message) for h in o.stop_points) + " "
                    + _("Refer the case to counsel before relying on any other finding."))
        if o.status == "likely_meets":
            return _("On the stated facts, every element of the refugee definition in Article 1A(2) of the 1951 "
                     "Convention appears met, and no exclusion clause of Article 1F appears to apply.")
        if o.status == "inclusion_met_screening_open":
            return _("Inclusion (Article 1A(2)) appears met on the stated facts; exclusion (Article 1F) not screened: "
                     "%(count)d question(s) would settle it.") % {"count": o.open_screening_questions}
        inclusion = next((f for f in self.a.findings if f.role == "inclusion"), None)
        if o.status == "likely_does_not_meet":
            failed = [t(f.title) for f in self.a.findings if inclusion is not None and f.group == inclusion.group
                      and f.answer == "not_met" and f.id != inclusion.id]
            text = _("On the stated facts, the refugee definition in Article 1A(2) appears not met.")
            return text + (" " + _("Not met: %(elements)s.") % {"elements": "; ".join(failed)} if failed else "")
        count = len(inclusion.missing_facts) if inclusion is not None else 0
        return _("On the stated facts, it cannot yet be determined whether the refugee definition in Article 1A(2) "
                 "is met; open questions that would settle it: %(count)d.") % {"count": count}

    def explanation(self, f: Finding) -> str:
        if self.lang == "en":
            return f.explanation
        book, _ = self._rules(), self.L._
        sentences: list[str] = []
        if self.decided(f):
            for firing in self.a.trace:
                if firing.finding != f.id or firing.rule is None:
                    continue
                rule = book.rules.get(firing.rule) if book is not None else None
                if rule is None:
                    return f.explanation
                source = rule.because if firing.side == "held" else (rule.because_not or rule.because)
                if not source.strip():
                    continue  # a rule that explains nothing on this side
                translated = self.L.t(source)
                if translated == source:
                    return f.explanation  # untranslated: English rather than a mixture
                text = " ".join(_rule_env(self.lang).from_string(translated).render(**self.context).split())
                if text and text not in sentences:
                    sentences.append(text)
        if not sentences:  # undetermined, or an answer derived from facts not stated (a route's conditions)
            if f.missing_facts:
                sentences.append(_("Not determined on the stated facts; still needed: %(facts)s.")
                                 % {"facts": self.fact_labels(f.missing_facts)})
            elif f.role == "regime":
                sentences.append(_("Not covered by the sources for this person on the as-of date: "
                                   "no reported rule decides it."))
            else:
                sentences.append(_("Not determined: no rule in force on the as-of date decides it."))
        return " ".join(sentences) if sentences else f.explanation

    def notes(self, f: Finding) -> list[str]:
        """Each note worded from its code and parameters in the report's language (a conflict with the titles and
        answers of the findings that disagree, and the finding's own conflict note)."""
        _, t, out = self.L._, self.L.t, []
        for note in f.notes:
            if note.code == "unconfirmed_pinpoint":
                out.append(_("Some paragraph numbers cited here are not yet confirmed against the primary text."))
            elif note.code == "stale_source":
                continue  # one line at the top of the report says so (View.sourced_line), not a note per finding
            elif note.code == "sources_conflict":
                others = "; ".join(f"{t(c.title)} ({self.answer(c)})" for c in f.conflicts)
                text = _("The sources conflict on this point; see also: %(findings)s.") % {"findings": others}
                out.append(text + (" " + t(f.conflict_note) if f.conflict_note else ""))
            elif note.code == "dataset_requirement":
                words = _(REQUIREMENT_LABELS.get(note.requirement or "", note.requirement or ""))
                if note.requirement == "visa_free" and note.days:
                    words = _("visa-free entry for %(days)s days") % {"days": note.days}
                text = (_("Passport Index dataset, snapshot of %(date)s (unchanged since %(since)s): %(requirement)s "
                          "for the %(passport)s passport.")
                        % {"date": note.date, "since": note.since, "requirement": words,
                           "passport": self.L.country(note.passport)})
                if len(note.passports) > 1:
                    text += " " + (_("It is the better of the person's passports (%(passports)s).")
                                   % {"passports": ", ".join(note.passports)})
                out.append(text)
            elif self.lang == "en":
                out.append(note.text)
            elif note.code == "layer_override":
                out.append(_("Custom layer %(layer)s: rule %(rule)s overrides rule %(replaces)s (%(file)s).")
                           % {"layer": note.layer, "rule": note.rule, "replaces": note.replaces, "file": note.replaced_file})
            elif note.code == "layer_added":
                out.append(_("Custom layer %(layer)s: rule %(rule)s was added by this layer.")
                           % {"layer": note.layer, "rule": note.rule})
            else:
                out.append(_("%(layer)s layer: %(before)s under the Convention rules alone, %(after)s with the layer.")
                           % {"layer": note.layer, "before": self.answer_label(f.kind, note.before or ""),
                              "after": self.answer_label(f.kind, note.after or "")})
        return out

    def question(self, m: MissingFact, client: bool = False) -> str:
        text = (m.client_question if client else None) or m.question
        return self.L.t(text)

    def facts(self, f: Any) -> list[tuple[str, str]]:
        return [(self.L.fact_label(x.path), self.L.value(x.path, x.value)) for x in f.facts_used]

    def branches(self, f: Any) -> list[dict[str, Any]]:
        return [
            {"rule": b.rule, "state": self.L._(BRANCH_STATE.get(b.state, b.state)),
             "facts": [(self.L.fact_label(x.path), self.L.value(x.path, x.value)) for x in b.facts],
             "missing": [self.L.fact_label(m) for m in b.missing]}
            for b in getattr(f, "branches_not_held", []) or []
        ]

    # --- arrangement -------------------------------------------------------------------------

    def stop_findings(self) -> list[Finding]:
        ids = {h.finding for h in self.a.outcome.stop_points}
        return [f for f in self.a.findings if f.id in ids]

    @staticmethod
    def _is_destination(f: Any) -> bool:
        return bool(getattr(f, "destination", None)) or f.group.startswith("regime:")

    def law_groups(self) -> dict[str, list[Finding]]:
        stop = {f.id for f in self.stop_findings()}
        groups: dict[str, list[Finding]] = {}
        for f in self.a.findings:
            if f.id in stop or self._is_destination(f):
                continue
            groups.setdefault(f.group, []).append(f)
        return groups

    def destination_groups(self) -> dict[str, list[Finding]]:
        """Regime findings by destination, in the order of Assessment.destinations where it ranks them."""
        groups: dict[str, list[Finding]] = {}
        for f in self.a.findings:
            if self._is_destination(f):
                key = f.group if f.group.startswith("regime:") else f"regime:{f.destination}"
                groups.setdefault(key, []).append(f)
        rank = {f"regime:{d['code']}": i for i, d in enumerate(self.destination_summaries())}
        return dict(sorted(groups.items(), key=lambda kv: rank.get(kv[0], -1)))

    def destination_summaries(self) -> list[dict[str, Any]]:
        """Assessment.destinations, if the regime rulesets produced it, as plain dicts (fields optional)."""
        out = []
        for d in getattr(self.a, "destinations", None) or []:
            data = d.model_dump() if hasattr(d, "model_dump") else dict(d)
            code = data.get("code") or data.get("destination") or ""
            out.append({"code": code, "name": self.L.country(code) if code else data.get("name", ""),
                        "entry": self.answer_label("entry", data["entry"]) if data.get("entry") else None,
                        "entry_tone": data.get("entry") or "undetermined", "here": data.get("here", False),
                        "stay": self.stay(d.stay) if getattr(d, "stay", None) is not None else None,
                        "risks": [self.title(f) for f in self.a.findings if f.id in (data.get("risks_flagged") or [])],
                        "rank": data.get("rank"), "covered": data.get("covered", True),
                        "summary": data.get("summary") or "", "stale": data.get("stale", False),
                        "dataset_only": data.get("dataset_only", False)})
        return out

    def destination_notes(self) -> list[str]:
        """The notes on the scope of destinations, worded from their codes in the report's language."""
        out = []
        for note in getattr(self.a, "destination_notes", None) or []:
            if self.lang == "en":
                out.append(note.text)
            elif note.code == "nothing_in_scope":
                out.append(self._("No destination of interest is given and where the person is now is not known: only "
                                  "the Russian side (documents and exit) is answered. Add `destinations:` or "
                                  "`location.country`, or ask for all destinations."))
            elif note.code == "here_only":
                out.append(self._("No destinations of interest are given: answered for where the person is now "
                                  "(%(country)s) only. Add `destinations:` to the profile, or ask for all "
                                  "destinations.") % {"country": self.L.country(note.country)})
            else:
                out.append(self._("%(country)s: not covered by the sources (no regime is encoded for it). Covered "
                                  "destinations: %(covered)s.") % {"country": self.L.country(note.country),
                                                                   "covered": ", ".join(note.covered)})
        return out

    def engine(self) -> str:
        return {"durable": "durable-rules", "compiled": self._("compiled rules")}.get(self.a.metadata.engine,
                                                                                     self.a.metadata.engine)

    def evidence(self) -> list[dict[str, Any]]:
        """Country-evidence items relied on, wherever the assessment carries them (all fields optional)."""
        items: list[Any] = list(getattr(self.a, "evidence", None) or getattr(self.a, "country_evidence", None) or [])
        for f in self.a.findings:
            items.extend(getattr(f, "evidence", None) or [])
        out, seen = [], set()
        for item in items:
            data = item.model_dump() if hasattr(item, "model_dump") else (dict(item) if isinstance(item, dict) else {"text": str(item)})
            key = repr(sorted(data.items(), key=lambda kv: kv[0]))
            if key in seen:
                continue
            seen.add(key)
            title = data.get("title") or data.get("claim") or data.get("statement") or data.get("text") or data.get("id") or ""
            cites = data.get("citations") or data.get("cite") or []
            if isinstance(cites, dict):
                cites = [cites]
            out.append({
                "title": self.L.t(str(title)) if title else "",
                "quote": data.get("quote"), "source": data.get("source_title") or data.get("source"),
                "pinpoint": data.get("pinpoint"), "date": data.get("date") or data.get("reported"),
                "citations": [c.get("source_title") or c.get("source") or "" for c in cites if isinstance(c, dict)],
            })
        return out

    def summary_findings(self) -> list[Finding]:
        """For depth=summary: the elements and the definition (not intermediates), and regime findings."""
        return [f for f in self.a.findings if f.role in ("element", "inclusion", "regime") or
                f.id in {h.finding for h in self.a.outcome.stop_points}]

    def ranking(self) -> list[Any]:
        """The assessment's questions ranked once per view: a report reads them three times."""
        if self._ranking is None:
            from refugee_rules.tasks.questions import ranked

            self._ranking = ranked(self.a)
        return self._ranking

    def questions(self) -> list[tuple[MissingFact, list[str]]]:
        return [(m, ids) for m, ids, _group in self.ranking()]

    # --- the first page ------------------------------------------------------------------------

    def checklist(self) -> list[Finding]:
        """The elements of Article 1A(2) and the definition itself, in ruleset order."""
        return [f for f in self.a.findings if f.role in ("element", "inclusion") and f.group.startswith("article_1a2")]

    def screening_rows(self) -> list[Finding]:
        """The exclusion and cessation clauses (1C, 1D, 1E, 1F): a raised one first, then the open ones."""
        rows = [f for f in self.a.findings if f.group in ("exclusion", "cessation") and f.role == "element"]
        order = {"warning": 0, "open": 1}
        return sorted(rows, key=lambda f: order.get(self.tone(f), 2))

    def origin_risks(self) -> list[Finding]:
        """Risks flagged in the country of nationality: what the claim rests on, not where the person may go."""
        here = {d.code for d in self.a.destinations}
        return [f for f in self.a.findings if f.kind == "risk" and f.answer == "flagged" and f.group.startswith("regime:")
                and f.group.split(":", 1)[1] not in here]

    def here(self) -> dict[str, Any] | None:
        """Where the person is now, as a row of the destinations table (None when the profile does not say)."""
        return next((row for row in self.destination_rows() if row["here"]), None)

    def here_risks(self) -> list[Finding]:
        d = next((d for d in self.a.destinations if d.here), None)
        return [f for f in self.a.findings if d is not None and f.id in d.risks_flagged]

    def here_risk_text(self) -> str:
        """The risks where the person is now; those already listed among the red flags only counted."""
        risks = self.here_risks()
        flagged = {f.finding for f in self.a.outcome.red_flags if f.code == "risk_here"}
        if all(f.id in flagged for f in risks):
            return self.L.n("%(count)d, listed under the red flags", "%(count)d, listed under the red flags",
                            len(risks)) % {"count": len(risks)}
        return self.titles(risks)

    def top_questions(self, n: int = FIRST_QUESTIONS) -> list[Any]:
        """The first ``n`` questions of the questions API (tasks/questions.py owns the order)."""
        from refugee_rules.tasks.questions import as_questions

        return as_questions(self.ranking()[:n], self.lang)

    def question_count(self) -> int:
        return len(self.questions())

    def settles(self, count: int) -> str:
        return self.L.n("bears on %(count)d finding", "bears on %(count)d findings", count) % {"count": count}

    _KIND_ORDER = {"warning": 0, "good": 1, "caution": 2, "neutral": 3, "open": 4}

    def _cell(self, findings: list[Finding], kind: str) -> dict[str, Any]:
        """One kind of a destination in one cell: a warning first (a ban, a stay exceeded), then good news (an
        open route), then a hurdle; open when nothing decides it."""
        mine = [f for f in findings if f.kind == kind and self.decided(f)]
        if not mine:
            text = self.L._(STATUS_LABEL["undetermined"]) if any(f.kind == kind for f in findings) else self.L._(
                "no source")
            return {"text": text, "tone": "open", "mark": TONE_MARK["open"], "finding": None}
        best = min(mine, key=lambda f: self._KIND_ORDER[self.tone(f)])
        tone = self.tone(best)
        word = TABLE_WORD.get((kind, best.answer))
        return {"text": self.L.p(*word) if word else self.answer_label(kind, best.answer), "tone": tone,
                "mark": TONE_MARK[tone], "finding": best}

    def destination_rows(self) -> list[dict[str, Any]]:
        """The compact table: per destination of interest, entry / stay / residence / risks and the date the
        rules behind it were last sourced."""
        rows = []
        for d in self.a.destinations:
            own = set(d.findings)
            findings = [f for f in self.a.findings if f.id in own or f.destination == d.code]
            if d.entry:
                tone, word = self.tone_of("entry", d.entry), TABLE_WORD.get(("entry", d.entry))
                entry = {"text": self.L.p(*word) if word else self.answer_label("entry", d.entry), "tone": tone,
                         "mark": TONE_MARK[tone]}
            else:
                entry = self._cell(findings, "entry")
            stay = self._cell(findings, "stay")
            if d.stay is not None and d.stay.days_left is not None:
                stay["text"] += " (" + (self.L.n("%(days)d day over", "%(days)d days over", -d.stay.days_left)
                                        % {"days": -d.stay.days_left} if d.stay.exceeded else
                                        self.L.n("%(days)d day left", "%(days)d days left", d.stay.days_left)
                                        % {"days": d.stay.days_left}) + ")"
            flagged = [f for f in findings if f.kind == "risk" and f.answer == "flagged"]
            open_risks = [f for f in findings if f.kind == "risk" and not self.decided(f)]
            if flagged:
                risks = {"text": self.L.n("%(count)d flagged", "%(count)d flagged", len(flagged)) % {"count": len(flagged)},
                         "tone": "warning", "mark": TONE_MARK["warning"]}
            elif open_risks:
                risks = {"text": self.L.n("%(count)d open", "%(count)d open", len(open_risks)) % {"count": len(open_risks)},
                         "tone": "open", "mark": TONE_MARK["open"]}
            else:
                risks = {"text": self._("none reported"), "tone": "neutral", "mark": TONE_MARK["neutral"]}
            sourced = self._sourced(findings)
            rows.append({"code": d.code, "name": self.L.country(d.code), "here": d.here, "covered": d.covered,
                         "entry": entry, "stay": stay, "residence": self._cell(findings, "residence"), "risks": risks,
                         "sourced": sourced.isoformat() if sourced else "—", "stale": d.stale,
                         "dataset_only": d.dataset_only,
                         "stay_detail": self.answer(stay["finding"]) if stay["finding"] is not None else stay["text"]})
        return rows

    def _sourced(self, findings: list[Finding]) -> Any:
        days = [x.reported for f in findings for x in f.dates if x.reported and x.reported <= self.a.metadata.as_of]
        return max(days) if days else None

    def sourced(self) -> dict[str, Any] | None:
        """The one line on how current the regime rules are: the newest and the oldest source they rest on, and
        whether any is past the staleness threshold (in place of a note on every finding)."""
        regime = [f for f in self.a.findings if f.role == "regime" or f.group.startswith("regime:")]
        days = sorted(x.reported for f in regime for x in f.dates if x.reported and x.reported <= self.a.metadata.as_of)
        if not days:
            return None
        stale = [n for f in regime for n in f.notes if n.code == "stale_source"]
        return {"last": days[-1].isoformat(), "oldest": days[0].isoformat(),
                "age": (self.a.metadata.as_of - days[0]).days, "stale": bool(stale)}

    def sourced_line(self) -> str:
        s = self.sourced()
        if s is None:
            return ""
        text = self._("Regime rules last sourced on %(last)s (oldest source %(oldest)s).") % s
        if s["stale"]:
            text += " " + self._("Some rest on sources older than the staleness threshold: verify the current rules "
                                 "before relying on them.")
        return text

    def red_flags_first_page(self) -> list[tuple[str, str]]:
        """The red flags as (mark, text), the stale-source flags of every destination folded into one line."""
        out = [(TONE_MARK["warning"], text) for flag, text in zip(self.a.outcome.red_flags, self.red_flags())
               if flag.code != "stale_source"]
        stale = [flag for flag in self.a.outcome.red_flags if flag.code == "stale_source"]
        if stale:
            days = max(f.days or 0 for f in stale)
            out.append((TONE_MARK["warning"], self.L.n(
                "Rules for %(countries)s rest on sources up to %(days)d day old: verify the current rules",
                "Rules for %(countries)s rest on sources up to %(days)d days old: verify the current rules", days)
                % {"countries": ", ".join(self.L.country(f.destination) for f in stale), "days": days}))
        return out

    def page_head(self) -> str:
        ref = self.a.metadata.case_ref
        return ((self._("Case %(ref)s") % {"ref": ref} + " · ") if ref else "") + self._("as of %(date)s") % {
            "date": self.a.metadata.as_of}

    def page_foot(self) -> str:
        return self._("Adviser") + ": ____________________   " + self._("Date") + ": ____________"

    @staticmethod
    def css_string(text: str) -> Markup:
        """Text as a CSS string literal: every character but letters, digits, spaces and a few marks escaped
        (``\\HEX``), so case data in a page margin can neither end the string nor the style sheet."""
        out = []
        for ch in plain(text):
            out.append(ch if ch.isalnum() or ch in " .,:;·-_()/" else f"\\{ord(ch):x} ")
        return Markup('"' + "".join(out) + '"')

    def titles(self, findings: list[Finding]) -> str:
        """Titles in a run of text: a title that is a question already ends its sentence, so no "?;" is printed."""
        out = ""
        for title in (self.title(f) for f in findings):
            out += ("" if not out else " " if out[-1] in "?!." else "; ") + title
        return out

    def of_open(self, shown: int, total: int) -> str:
        return self.L.n("%(shown)d of %(total)d open question", "%(shown)d of %(total)d open questions", total) % {
            "shown": shown, "total": total}

    def fact_labels(self, missing: Any) -> str:
        paths = [m if isinstance(m, str) else m.path for m in missing]
        return ("; " if self.lang != "en" else ", ").join(self.L.fact_label(p) for p in paths)

    def screening_items(self) -> list[tuple[str, str, str]]:
        """The clauses of 1C-1F on few lines, as (tone, mark, text): a clause that appears to apply in full, the
        others grouped by answer under their article numbers."""
        out: list[tuple[str, str, str]] = []
        groups: dict[tuple[str, str], list[str]] = {}
        # By article; where two findings answer one article (1F(a) and its screening raised by unit service), the
        # one declared first keeps the number and the other is named by its title, so that "1F(a)" never reads as
        # both open and not applying.
        numbered: dict[str, str] = {}  # article -> the finding that is listed by it
        for f in self.a.findings:
            if f.article:
                numbered.setdefault(f.article, f.id)
        for f in self.screening_rows():
            tone = self.tone(f)
            if tone == "warning":
                out.append((tone, self.mark(f), f"{self.title(f)}: {self.answer(f)}"))
                continue
            label = f.article if f.article and numbered[f.article] == f.id else self.title(f)
            key = (tone, self.answer(f))
            if label not in groups.setdefault(key, []):
                groups[key].append(label)
        for (tone, answer), labels in groups.items():
            out.append((tone, TONE_MARK[tone], f"{answer}: {', '.join(labels)}"))
        return out

    def screening_lines(self) -> list[tuple[str, str]]:
        return [(mark, text) for _tone, mark, text in self.screening_items()]

    def table_lines(self, width: int = TEXT_WIDTH) -> list[str]:
        """The destinations table in plain text, every cell wrapped inside its column, no line wider than width."""
        _ = self._
        head = [_("Destination"), _("Entry"), _("Stay"), _("Residence"), _("Risks"), _("Sourced")]
        rows = []
        for r in self.destination_rows():
            name = r["name"] + (" *" if r["here"] else "")
            rows.append([name] + [f'{r[k]["mark"]} {r[k]["text"]}' for k in ("entry", "stay", "residence", "risks")]
                        + [r["sourced"]])
        return _table([head, *rows], width) + ([("  * " + _("where the person is now"))]
                                              if any(r["here"] for r in self.destination_rows()) else [])

    def legend_line(self) -> list[tuple[str, str]]:
        return [(TONE_MARK[t], self._(w)) for t, w in LEGEND_SHORT]

    @property
    def _(self) -> Callable[[str], str]:
        return self.L._

    # --- short cites and one bibliography ------------------------------------------------------------

    def short_cite(self, c: Any) -> str:
        """A citation as the appendix writes it: the source's short name, the pinpoint (in Russian with its
        abbreviations and gloss translated), and the quote verbatim; the full title is in the bibliography."""
        text = self.L.short_source(c.source)
        if c.pinpoint:
            text += " " + self.L.pinpoint(c.pinpoint)
            if not c.confirmed:
                text += " (" + self._("paragraph number unconfirmed") + ")"
        if c.quote:
            text += f': "{c.quote}"'
        return text

    def bibliography(self) -> list[tuple[str, str]]:
        """Every source the findings cite, once: (short name, full title in the report's language)."""
        seen: dict[str, str] = {}
        for f in self.a.findings:
            for c in f.citations:
                seen.setdefault(c.source, c.source_title)
        for e in self.a.evidence:
            for c in e.citations:
                seen.setdefault(c.source, c.source_title)
        return sorted(((self.L.short_source(s), self.L.source_title(s, t)) for s, t in seen.items()),
                      key=lambda x: x[0].lower())

    def checklist_svg(self) -> str:
        items = [(self.title(f), f.answer, self.answer(f)) for f in self.checklist()]
        return checklist_svg(items, self.L._("Article 1A(2): the elements of the refugee definition"))

    def timeline_svgs(self) -> list[tuple[str, str]]:
        if not self.timeline:
            return []
        return [(self.L.group_title(f"regime:{d.destination}"), timeline_svg(d, self))
                for d in self.timeline.destinations if d.rows]


def _table(rows: list[list[str]], width: int) -> list[str]:
    """Rows of cells as fixed-width text: each column gets its natural width, shrunk (widest first) until the
    table fits, and cells wrap inside their column."""
    import textwrap

    cols = len(rows[0])
    gap, indent = 2, 2
    natural = [max(len(r[i]) for r in rows) for i in range(cols)]
    widths = list(natural)
    floor = [min(natural[i], max(6, max((len(w) for r in rows for w in r[i].split()), default=6))) for i in range(cols)]
    while sum(widths) + gap * (cols - 1) + indent > width:
        i = max(range(cols), key=lambda j: widths[j] - floor[j])
        if widths[i] <= floor[i]:
            break
        widths[i] -= 1
    out = []
    for n, row in enumerate(rows):
        cells = [textwrap.wrap(c, widths[i], break_long_words=True) or [""] for i, c in enumerate(row)]
        for k in range(max(len(c) for c in cells)):
            line = (" " * gap).join((c[k] if k < len(c) else "").ljust(widths[i]) for i, c in enumerate(cells))
            out.append((" " * indent + line).rstrip())
        if n == 0:
            out.append(" " * indent + (" " * gap).join("-" * w for w in widths))
    return out


_BULLET = re.compile(r"^(\s*)(\[.\] |\d+\. |- |\* )?")


def wrap(text: str, width: int) -> str:
    """Each line of a text report wrapped at ``width``, continuation lines indented under the line's text (after
    its mark, number or bullet); lines that fit are left alone."""
    import textwrap

    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        m = _BULLET.match(line)
        lead, bullet = (m.group(1), m.group(2) or "") if m else ("", "")
        hang = lead + " " * (len(bullet) if bullet else 2 if lead or ":" in line[:40] else 0)
        out.extend(textwrap.wrap(line, width, initial_indent="", subsequent_indent=hang, break_long_words=False,
                                 break_on_hyphens=False, drop_whitespace=True) or [""])
    return "\n".join(out)


# --- rendering -----------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Terminal escapes (ANSI starts with ESC), other control characters and the bidirectional overrides and isolates
(which make text display in another order than it is read): never passed from case data into a report."""
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_SCRIPT_SCHEME = re.compile(r"(?i)\b(javascript|vbscript)(\s*):")


def plain(value: Any) -> Any:
    """A value as a text report shows it: escape sequences and control characters removed (tabs and line breaks
    kept), bidirectional overrides removed."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", value))


def markdown_safe(value: Any) -> Any:
    """A value as a Markdown report shows it: plain, with no HTML a renderer would run (``<`` and ``>`` as
    entities: no ``<script>``, no tag carrying ``onerror=``, no autolink) and no ``javascript:`` link target."""
    value = plain(value)
    if not isinstance(value, str):
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SCRIPT_SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}&#58;", value)


@lru_cache(maxsize=8)
def _env(lang: str, html: bool, markdown: bool = False) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined, autoescape=html,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, extensions=["jinja2.ext.i18n"],
        finalize=markdown_safe if markdown else plain,  # every value a template writes, case data included
    )
    from refugee_rules.views.i18n import translations

    env.install_gettext_translations(translations(lang, "messages"), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(assessment: Assessment, fmt: str = "text", *, lang: str = "en", depth: str = "summary",
           book: Any = None, timeline: Any = None, detail: str = "compact", width: int | None = None,
           rules_url: str | None = None) -> str:
    """The report in one format (json, markdown, text, html), language (en, ru) and depth (summary: the first
    page and the destinations table; full: and the appendix; HTML carries the appendix folded at summary).

    ``width`` is the text report's line width (default 80; the command line passes the terminal's).

    ``book`` is the rule book the assessment was made with (default: the built-in rulesets), used only to
    re-render rule explanations in another language; ``timeline`` (see :func:`report.timeline.timeline`)
    adds the per-destination timeline to the HTML report. ``rules_url`` (the rules explorer's address, e.g.
    ``/rules``) links each finding title of the HTML report to its page there; without it there are no links.
    """
    if not isinstance(assessment, Assessment):
        raise ProfileError([f"assessment: expected an Assessment (from assess()), got {type(assessment).__name__}"])
    if fmt == "json":  # format 2; ``detail`` compact (the catalogue by hash) or full (inlined, for archives)
        return assessment.to_json(detail) + "\n"
    if fmt not in FORMATS:
        raise ProfileError([f"fmt: expected one of {', '.join(FORMATS)}, got {fmt!r}"])
    check_lang(lang)
    view = View(assessment, lang, depth, book, timeline, rules_url if fmt == "html" else None)
    template = {"markdown": "markdown.j2", "text": "text.j2", "html": "html.j2"}[fmt]
    width = TEXT_WIDTH if width is None else max(40, int(width))
    out = _env(lang, fmt == "html", fmt == "markdown").get_template(template).render(
        a=assessment, v=view, L=view.L, mark=MARK, summary=(depth == "summary"), width=width,
    )
    return wrap(out, width) if fmt == "text" else out


__all__ = ["DEPTHS", "FORMATS", "LANGUAGES", "View", "render"]

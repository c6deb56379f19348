"""The rules explorer: every finding of a rule book beside the sources its rules cite, as server-rendered pages.

A trainer or a lawyer reads a rule next to the text it implements (OpenFisca's legislation explorer, Catala's
literate output): a finding's question, the words its answers are given in, each rule's condition in words, the
passage each rule quotes with its source's date, the dates the rule is in force, the findings whose sources
disagree, and which example profiles exercise it. The pages are views of the rule book; nothing here decides.

The example profiles are assessed once, lazily (on the first page that shows them), as of the examples index's
fixed date and for every covered destination, and the result is kept in this object only: two explorers (two
services with other layers) never share it.
"""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from refugee_rules.law.kinds import KINDS
from refugee_rules.law.loader import RuleBook, rules_by_finding
from refugee_rules.law.model import FindingDecl, Rule
from refugee_rules.options import LANGUAGES, Options
from refugee_rules.result.assessment import DISCLAIMER
from refugee_rules.views.i18n import N_, check_lang, translations
from refugee_rules.views.report import ANSWER_LABEL, GROUP_TITLE, STATUS_LABEL, Lang

from refugee_rules.frontends.explorer.words import Words, condition_words

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STYLESHEET = PACKAGE / "static" / "explorer.css"
DOMAIN = "explorer"
"""The explorer's own gettext domain (``locale/<lang>/LC_MESSAGES/explorer.po``): its page words, apart from the
report's catalog."""
MAX_QUERY = 200
"""Characters of a search that are read; a longer one is cut, and the page says so."""
MAX_RESULTS = 400
TOPIC_ORDER = ("documents", "entry", "stay", "visa", "residence", "asylum", "naturalisation", "risk", None)
TOPIC_TITLE = {
    "documents": N_("Documents"), "entry": N_("Entry"), "stay": N_("Stay"), "visa": N_("Visas"),
    "residence": N_("Residence"), "asylum": N_("Asylum"), "naturalisation": N_("Naturalisation"), "risk": N_("Risks"),
    None: N_("Other"),
}
ROLE_TITLE = {"element": N_("element of the definition"), "inclusion": N_("the inclusion finding"),
              "intermediate": N_("intermediate finding"), "regime": N_("regime finding")}
SIDE_TITLE = {"positive": N_("positive side"), "negative": N_("negative side"), "open": N_("open"),
              "derived": N_("computed from the person's dates")}
SEARCHED = (N_("title"), N_("id"), N_("question"), N_("rule"), N_("citation"), N_("quote"), N_("note"))
"""Where a search matched, as a result line names it."""
SOURCE_KIND = (N_("instrument"), N_("guidance"), N_("case_law"), N_("article"), N_("dataset"))
PRECISION = {"day": N_("exact day"), "month": N_("month only"), "year": N_("year only"),
             "approximate": N_("approximate"), "reported": N_("date of the report")}


def tone(kind: str, answer: str, adverse: bool = False) -> str:
    """How a view may colour an answer (law/kinds.py): only ``good`` is good news, and an adverse finding's positive
    answer is a hurdle, never good news."""
    if kind not in KINDS:
        return "open"
    found = KINDS[kind].tone(answer)
    return "caution" if found == "good" and adverse else found


@dataclass(frozen=True)
class Exercised:
    """What the example profiles did with one finding: (example, answer) where it was decided, and per rule the
    examples in which it fired."""

    answers: tuple[tuple[str, str], ...]
    rules: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Hit:
    finding: str
    where: str  # what matched: title, id, rule, citation, quote ...
    text: str  # the matching text


class Explorer:
    """The explorer over one rule book (the service's, with its layers) and, for the optional legal layers, the
    books that load them too (so their findings are listed, marked as such)."""

    def __init__(self, book: RuleBook, options: Options | None = None, *, examples: Path | None = None,
                 as_of: _dt.date | None = None):
        from refugee_rules.tasks.examples_index import AS_OF, PROFILES

        self.base = book
        self.options = options or Options()
        self.examples_dir = examples if examples is not None else PROFILES
        self.as_of = as_of or AS_OF
        self._lock = threading.Lock()
        self._environments: dict[str, Environment] = {}
        self._exercised: dict[str, Exercised] | None = None

    # --- the rule book, with the optional legal layers ------------------------------------------------

    @cached_property
    def layers(self) -> dict[str, RuleBook]:
        """The book of each optional legal layer (loaded over the same rulesets and custom layers), on first use."""
        from refugee_rules.assessor import rule_book
        from refugee_rules.options import JURISDICTIONS

        return {j: rule_book(self.options.replace(jurisdiction=j)) for j in JURISDICTIONS}

    @property
    def books(self) -> tuple[RuleBook, ...]:
        return (self.base, *self.layers.values())

    def _merged(self, name: str) -> dict[str, Any]:
        """One table of every book (findings, rules, sources): the base book's entry where both have one."""
        out: dict[str, Any] = {}
        for book in self.books:
            for key, value in getattr(book, name).items():
                out.setdefault(key, value)
        return out

    @cached_property
    def findings(self) -> dict[str, FindingDecl]:
        return self._merged("findings")

    @cached_property
    def rules(self) -> dict[str, Rule]:
        return self._merged("rules")

    @cached_property
    def sources(self) -> dict[str, Any]:
        return self._merged("sources")

    @cached_property
    def jurisdiction_of(self) -> dict[str, str]:
        """Rule id -> the optional legal layer it is loaded with (absent: always loaded)."""
        return {rid: name for name, book in self.layers.items() for rid in book.rules if rid not in self.base.rules}

    def rules_of(self, finding: str) -> list[Rule]:
        """The finding's rules: the base book's, then those an optional legal layer adds (the EU layer concludes
        Convention findings too)."""
        return self._rules_of.get(finding, [])

    @cached_property
    def _rules_of(self) -> dict[str, list[Rule]]:
        return rules_by_finding(self.rules.values())

    def rule_file(self, rule_id: str) -> str:
        for book in self.books:
            if rule_id in book.rule_files:
                return book.rule_files[rule_id]
        return "?"

    @cached_property
    def read_by(self) -> dict[str, list[str]]:
        """Finding -> the findings whose rules read it (the way up, from an intermediate finding to the element)."""
        out: dict[str, set[str]] = {}
        for rule in self.rules.values():
            for leaf in _finding_leaves(rule):
                out.setdefault(leaf, set()).add(rule.concludes.finding)
        return {k: sorted(v) for k, v in out.items()}

    def reads(self, fid: str) -> list[str]:
        return sorted({leaf for rule in self.rules_of(fid) for leaf in _finding_leaves(rule)})

    @staticmethod
    def country_of(decl: FindingDecl) -> str | None:
        return decl.regime or decl.destination

    @cached_property
    def countries(self) -> dict[str, list[str]]:
        """Destination code -> its findings, in the order the rulesets give them; covered regimes first."""
        out: dict[str, list[str]] = {}
        for fid, decl in self.findings.items():
            code = self.country_of(decl)
            if code:
                out.setdefault(code, []).append(fid)
        return out

    @cached_property
    def groups(self) -> dict[str, list[str]]:
        """Legal group (a Convention element, the clauses, the military-service guidance ...) -> its findings in
        dependency order (a finding after the findings it reads)."""
        order = {fid: i for i, fid in enumerate(self.base.finding_order)}
        out: dict[str, list[str]] = {}
        for fid, decl in sorted(self.findings.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
            if self.country_of(decl) is None:
                out.setdefault(decl.group, []).append(fid)
        known = [g for g in GROUP_TITLE if g in out]
        return {g: out[g] for g in [*known, *sorted(set(out) - set(known))]}

    def cited_by(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rule in self.rules.values():
            for c in rule.cite:
                counts[c.source] = counts.get(c.source, 0) + 1
        return counts

    # --- the example profiles -----------------------------------------------------------------------

    def example_names(self) -> list[str]:
        if not self.examples_dir.is_dir():
            return []
        return sorted(p.stem for p in self.examples_dir.glob("*.yaml"))

    @property
    def exercised(self) -> dict[str, Exercised]:
        """Each example assessed once (the compiled backend: only which rules fired is read, and the two backends
        are tested to agree), with the base rules and, for a layer's own findings, with that layer selected."""
        from refugee_rules.assessor import Assessor
        from refugee_rules.case.inputs import read_profile

        with self._lock:
            if self._exercised is not None:
                return self._exercised
            answers: dict[str, list[tuple[str, str]]] = {}
            fired: dict[str, list[str]] = {}
            runs = [(None, self.base), *self.layers.items()]
            for jurisdiction, book in runs:
                options = self.options.replace(engine="compiled", destinations="all", jurisdiction=jurisdiction)
                assessor = Assessor(options, book)
                # with a layer selected, only what the layer adds: its own findings' answers, its own rules' firings
                own = None if jurisdiction is None else {f for f in book.findings if f not in self.base.findings}
                for name in self.example_names():
                    decided = assessor.decide(read_profile(self.examples_dir / f"{name}.yaml"), as_of=self.as_of)
                    for d in decided.decisions:
                        if d.kind not in KINDS or KINDS[d.kind].side_of_answer(d.answer) == "undetermined":
                            continue  # an open finding lists every rule in force as its rules: none decided it
                        if own is None or d.id in own:
                            answers.setdefault(d.id, []).append((name, d.answer))
                        for rid in d.rules_fired:
                            if own is None or self.jurisdiction_of.get(rid) == jurisdiction:
                                fired.setdefault(rid, []).append(name)
            self._exercised = {
                fid: Exercised(tuple(answers.get(fid, ())),
                               {r.id: tuple(dict.fromkeys(fired.get(r.id, ()))) for r in self.rules_of(fid)})
                for fid in self.findings}
            return self._exercised

    # --- search -----------------------------------------------------------------------------------

    def search(self, query: str, lang: str = "en") -> list[Hit]:
        """Findings where every word of the query occurs (case-insensitive) in one of: the id, the title and the
        question (also in the page's language), a rule id, a citation's source, title or pinpoint, a quote, a note."""
        terms = [t for t in query.casefold().split() if t]
        if not terms:
            return []
        L = Lang(lang)
        hits: list[Hit] = []
        for fid, decl in self.findings.items():
            texts: list[tuple[str, str]] = [("id", fid), ("title", decl.title), ("question", decl.asks)]
            if lang != "en":
                texts += [("title", L.t(decl.title)), ("question", L.t(decl.asks))]
            for rule in self.rules_of(fid):
                texts.append(("rule", rule.id))
                for c in rule.cite:
                    source = self.sources.get(c.source)
                    texts.append(("citation", f"{c.source}: {source.title if source else ''} {c.pinpoint or ''}"))
                    if c.quote:
                        texts.append(("quote", c.quote))
                    if c.note:
                        texts.append(("note", c.note))
            whole = " ".join(t for _w, t in texts).casefold()
            if all(term in whole for term in terms):
                where, text = next(((w, t) for w, t in texts if terms[0] in t.casefold()), texts[0])
                hits.append(Hit(fid, where, text))
        return sorted(hits, key=lambda h: SEARCHED.index(h.where))  # title and id matches first, stable otherwise

    # --- pages ------------------------------------------------------------------------------------

    def environment(self, lang: str) -> Environment:
        check_lang(lang)
        env = self._environments.get(lang)
        if env is None:
            env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
            env.install_gettext_translations(translations(lang, DOMAIN), newstyle=True)  # type: ignore[attr-defined]
            self._environments[lang] = env
        return env

    def render(self, template: str, lang: str, **context: Any) -> str:
        page = Page(self, Lang(lang))
        return self.environment(lang).get_template(template).render(p=page, L=page.L, **context)


def _finding_leaves(rule: Rule) -> set[str]:
    from refugee_rules.law.conditions import findings_read

    return findings_read(rule.condition)


class Page:
    """What a template asks of the explorer, in one language: words, tones, links."""

    def __init__(self, explorer: Explorer, L: Lang):
        self.x, self.L = explorer, L
        self._ = translations(L.code, DOMAIN).gettext

    @property
    def lang(self) -> str:
        return self.L.code

    @property
    def languages(self) -> tuple[str, ...]:
        return LANGUAGES

    def disclaimer(self) -> str:
        return self.L.t(DISCLAIMER)

    def link(self, path: str, **query: str) -> str:
        """A link inside the explorer, keeping the page's language."""
        params = dict(query)
        if self.lang != "en":
            params["lang"] = self.lang
        from urllib.parse import quote, urlencode

        return "/rules" + quote(path) + ("?" + urlencode(params) if params else "")

    def switch(self, lang: str, here: str, q: str | None = None) -> str:
        """The same page in another language."""
        from urllib.parse import quote, urlencode

        params = {k: v for k, v in (("q", q), ("lang", lang if lang != "en" else None)) if v}
        return "/rules" + quote(here) + ("?" + urlencode(params) if params else "")

    def finding_url(self, fid: str) -> str:
        return self.link(f"/finding/{fid}")

    def title(self, fid: str) -> str:
        decl = self.x.findings.get(fid)
        return self.L.t(decl.title) if decl is not None else fid

    def asks(self, decl: FindingDecl) -> str:
        return self.L.t(decl.asks)

    def text(self, text: str | None) -> str:
        return self.L.t(text) if text else ""

    def answer(self, kind: str, answer: str) -> str:
        label = ANSWER_LABEL.get((kind, answer)) or STATUS_LABEL.get(answer) or answer
        return self.L._(label)

    def tone(self, decl: FindingDecl, answer: str) -> str:
        return tone(decl.kind, answer, decl.adverse)

    def kind_question(self, decl: FindingDecl) -> str:
        return self._(KIND_QUESTION.get(decl.kind, decl.kind))

    def answers(self, decl: FindingDecl) -> list[tuple[str, str, str, str]]:
        """(word, label, tone, side) of every answer the finding's kind gives."""
        kind = KINDS.get(decl.kind)
        if kind is None:
            return []
        sides = ([(w, "positive") for w in kind.positive] + [(w, "negative") for w in kind.negative]
                 + [(kind.open, "open")] + [(w, "derived") for w in kind.derived])
        return [(w, self.answer(decl.kind, w), self.tone(decl, w), self._(SIDE_TITLE[s])) for w, s in sides]

    def role(self, decl: FindingDecl) -> str:
        return self._(ROLE_TITLE.get(decl.role, decl.role))

    def group_title(self, group: str) -> str:
        return self.L.group_title(group)

    def country(self, code: str) -> str:
        return self.L.country(code)

    def topic(self, topic: str | None) -> str:
        return self._(TOPIC_TITLE.get(topic, TOPIC_TITLE[None]))

    def by_topic(self, fids: list[str]) -> list[tuple[str, list[str]]]:
        out: dict[str | None, list[str]] = {}
        for fid in fids:
            topic = self.x.findings[fid].topic
            out.setdefault(topic if topic in TOPIC_ORDER else None, []).append(fid)
        return [(self.topic(t), out[t]) for t in TOPIC_ORDER if t in out]

    def condition(self, rule: Rule) -> Words:
        return condition_words(rule.condition, self.L)

    def finding_answer(self, words: Words) -> tuple[str, str]:
        """A finding leaf's answer word: its label in the referenced finding's kind, and its tone; never the tone of
        good news, since a condition is a test, not news (an activist "appears met" is what flags a risk)."""
        decl = self.x.findings.get(words.path)
        if decl is None:
            return words.answer, "open"
        found = self.tone(decl, words.answer)
        return self.answer(decl.kind, words.answer), "neutral" if found == "good" else found

    def otherwise(self, decl: FindingDecl, rule: Rule) -> tuple[str, str] | None:
        """What a definitely failed condition concludes: the opposite answer (label, tone), or None (nothing)."""
        from refugee_rules.law.kinds import opposite

        if rule.otherwise == "nothing" or decl.kind not in KINDS:
            return None
        other = opposite(KINDS[decl.kind], rule.concludes.answer)
        return (self.answer(decl.kind, other), self.tone(decl, other)) if other else None

    def source(self, sid: str) -> Any:
        return self.x.sources.get(sid)

    def source_title(self, sid: str) -> str:
        source = self.x.sources.get(sid)
        return self.L.source_title(sid, source.title) if source is not None else sid

    def pinpoint(self, pinpoint: str) -> str:
        return self.L.pinpoint(pinpoint)

    def precision(self, precision: str) -> str:
        return self._(PRECISION.get(precision, precision))

    def example_answers(self, fid: str) -> tuple[tuple[str, str], ...]:
        return self.x.exercised[fid].answers if fid in self.x.exercised else ()

    def rule_examples(self, fid: str, rid: str) -> tuple[str, ...]:
        found = self.x.exercised.get(fid)
        return found.rules.get(rid, ()) if found is not None else ()

    def layer_of(self, rid: str) -> str | None:
        return self.x.base.layer_of.get(rid)

    def override_of(self, rid: str) -> str | None:
        found = self.x.base.overrides.get(rid)
        return found.replaces if found is not None else None

    def rule_jurisdiction(self, rid: str) -> str | None:
        return self.x.jurisdiction_of.get(rid)

    def jurisdiction(self, fid: str) -> str | None:
        rules = self.x.rules_of(fid)
        named = {self.x.jurisdiction_of.get(r.id) for r in rules}
        return next(iter(named)) if len(named) == 1 and None not in named else None

    def stop_kind(self, kind: str) -> str:
        from refugee_rules.views.report import STOP_KIND

        return self.L._(STOP_KIND.get(kind, kind))


KIND_QUESTION = {
    "element": N_("a legal element or condition"), "clause": N_("an exclusion or cessation clause"),
    "entry": N_("may this person enter, with these documents"), "stay": N_("how long may this person stay"),
    "residence": N_("is this residence route open to this person"),
    "visa": N_("does this country issue this visa to this person"),
    "risk": N_("is a protection risk reported for this person"),
    "claim": N_("a reported claim that the source itself doubts"), "report": N_("a reported statement, policy or figure"),
}
"""The question each kind answers (law/kinds.py), as the explorer words it."""
assert set(KIND_QUESTION) == set(KINDS)

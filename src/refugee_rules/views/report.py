"""Reports are views of an Assessment: jinja2 templates in English and Russian, nothing decided here.

``render(assessment, fmt, lang=..., depth=...)`` gives Markdown, self-contained HTML (inline CSS and
SVG, autoescaped, printable on A4), plain text or the JSON value itself. The view layer below only
arranges and translates: the order a worker reads (outcome and disclaimer, stop-points, the elements of
Article 1A(2), country evidence, destinations, what is still unknown, scope), the labels, and the
Russian form of texts written in rulesets (their explanation templates re-rendered over the facts the
assessment records). A text without a translation is shown in English; the catalog tests make sure
there is none.
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
from refugee_rules.views.i18n import LANGUAGES, N_, check_lang, country_name, gettext_for
from refugee_rules.views.svg import checklist_svg, timeline_svg

FORMATS = ("json", "markdown", "text", "html")
DEPTHS = ("summary", "full")
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
}
STOP_KIND = {"exclusion": N_("exclusion"), "cessation": N_("cessation"), "other": N_("other")}
BRANCH_STATE = {"failed": N_("did not hold"), "undetermined": N_("could not be decided"),
                "not_in_force": N_("not in force on the as-of date")}
MARK = {"met": "[x]", "not_met": "[ ]", "undetermined": "[?]"}


def open_questions(assessment: Assessment) -> list[tuple[MissingFact, list[str]]]:
    """Each question once, with the undetermined findings it could change, in the one ranking the report, the
    ``questions`` command, the interview and the service share (:func:`refugee_rules.tasks.questions.ranked`)."""
    from refugee_rules.tasks.questions import ranked

    return [(m, ids) for m, ids, _group in ranked(assessment)]


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

    def country(self, code: Any) -> str:
        return country_name(code, self.code)

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
            return ", ".join(self.value("", x) for x in v)
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {self.value('', x)}" for k, x in v.items()) + "}"
        if kind == "country":
            return self.country(v)
        return str(v)

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
                 timeline: Any = None):
        if depth not in DEPTHS:
            raise ProfileError([f"depth: expected one of {', '.join(DEPTHS)}, got {depth!r}"])
        self.a, self.L, self.depth, self.timeline = a, Lang(lang), depth, timeline
        self.book = book
        self._book_checked = False
        facts: dict[str, Any] = {}
        for firing in a.trace:
            facts.update({x.path: x.value for x in firing.facts})
        for f in a.findings:
            facts.update({x.path: x.value for x in f.facts_used})
            for b in getattr(f, "branches_not_held", []) or []:
                facts.update({x.path: x.value for x in b.facts})
        self.context = nest(facts)

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
        _ = self.L._
        unit = {"years": _("year(s)"), "months": _("month(s)"), "days": _("day(s)")}[stay.unit]
        text = _("limit %(n)s %(unit)s") % {"n": stay.limit, "unit": unit}
        if stay.days_left is not None:
            text += "; " + (_("exceeded by %(days)s days since %(date)s") % {"days": -stay.days_left, "date": stay.ends}
                            if stay.exceeded else _("%(used)s days used, %(left)s days left (until %(date)s)")
                            % {"used": stay.days_used, "left": stay.days_left, "date": stay.ends})
        elif stay.since is None:
            text += "; " + _("arrival date not stated")
        return text

    def tone(self, f: Any) -> str:
        from refugee_rules.law.kinds import KINDS

        if f.kind not in KINDS:
            return "open"
        tone = KINDS[f.kind].tone(f.answer)
        return "caution" if tone == "good" and getattr(f, "adverse", False) else tone

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
        else:
            if f.missing_facts:
                sentences.append(_("Not determined on the stated facts; still needed: %(facts)s.")
                                 % {"facts": ", ".join(m.path for m in f.missing_facts)})
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
                out.append(_("Rule %(rule)s rests on a source of %(date)s, more than %(days)s days before the as-of "
                             "date: verify the current rules.") % {"rule": note.rule, "date": note.date, "days": note.days})
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
        return [(x.path, self.L.value(x.path, x.value)) for x in f.facts_used]

    def branches(self, f: Any) -> list[dict[str, Any]]:
        return [
            {"rule": b.rule, "state": self.L._(BRANCH_STATE.get(b.state, b.state)),
             "facts": [(x.path, self.L.value(x.path, x.value)) for x in b.facts], "missing": list(b.missing)}
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
        return list(getattr(self.a, "destination_notes", None) or [])

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

    def questions(self) -> list[tuple[MissingFact, list[str]]]:
        return open_questions(self.a)

    def checklist_svg(self) -> str:
        items = [(self.title(f), f.answer, self.answer(f)) for f in self.a.findings
                 if f.role in ("element", "inclusion") and f.group.startswith("article_1a2")]
        return checklist_svg(items, self.L._("Article 1A(2): the elements of the refugee definition"))

    def timeline_svgs(self) -> list[tuple[str, str]]:
        if not self.timeline:
            return []
        return [(self.L.group_title(f"regime:{d.destination}"), timeline_svg(d, self))
                for d in self.timeline.destinations if d.rows]


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


def render(assessment: Assessment, fmt: str = "text", *, lang: str = "en", depth: str = "full",
           book: Any = None, timeline: Any = None, detail: str = "compact") -> str:
    """The report in one format (json, markdown, text, html), language (en, ru) and depth (summary, full).

    ``book`` is the rule book the assessment was made with (default: the built-in rulesets), used only to
    re-render rule explanations in another language; ``timeline`` (see :func:`report.timeline.timeline`)
    adds the per-destination timeline to the HTML report.
    """
    if not isinstance(assessment, Assessment):
        raise ProfileError([f"assessment: expected an Assessment (from assess()), got {type(assessment).__name__}"])
    if fmt == "json":  # format 2; ``detail`` compact (the catalogue by hash) or full (inlined, for archives)
        return assessment.to_json(detail) + "\n"
    if fmt not in FORMATS:
        raise ProfileError([f"fmt: expected one of {', '.join(FORMATS)}, got {fmt!r}"])
    check_lang(lang)
    view = View(assessment, lang, depth, book, timeline)
    template = {"markdown": "markdown.j2", "text": "text.j2", "html": "html.j2"}[fmt]
    return _env(lang, fmt == "html", fmt == "markdown").get_template(template).render(
        a=assessment, v=view, L=view.L, mark=MARK, summary=(depth == "summary"),
    )


__all__ = ["DEPTHS", "FORMATS", "LANGUAGES", "View", "open_questions", "render"]

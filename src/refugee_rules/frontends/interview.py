"""A guided interview, for embedding (a web form, a messenger bot) and for ``refugee-rules interview``.

::

    from refugee_rules.frontends.interview import InterviewSession

    s = InterviewSession({"nationalities": ["RU"]}, as_of="2024-03-01")
    for q in s.next_questions(n=3):          # most useful first; facts answered "unknown" are never asked again
        print(q.path, q.question, q.client_question)
    s.answer("location.country", "GE")        # validated at once: ProfileError names the field
    s.answer("fear.fears_return", "yes")
    s.answer("fear.harm_likely", "unknown")   # asked; the client does not know
    print(s.changes())                        # what changed with the last answer
    print(s.assessment().outcome.status)
    s.profile()                               # the CaseProfile so far (save it with model_dump)
    s.close()                                 # or use the session as a context manager

On the durable-rules engine every answer is added to one live engine session (only what it touches fires);
an answer that edits or withdraws an earlier one replays the session (see
:mod:`refugee_rules.engine.durable_session`). On the compiled engine each answer re-evaluates the profile,
which is fast. Either way :meth:`InterviewSession.assessment` equals ``assess(session.profile(), ...)``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from refugee_rules.api import assess
from refugee_rules.options import Options
from refugee_rules.result.assessment import Assessment
from refugee_rules.engine import Backend, default_engine
from refugee_rules.errors import ProfileError
from refugee_rules.case.facts import AS_OF, FactSpec, catalogue
from refugee_rules.case.inputs import profile_from_mapping
from refugee_rules.case.profile import UNKNOWN, CaseProfile
from refugee_rules.law.kinds import KINDS
from refugee_rules.tasks.questions import Question, questions, shown
from refugee_rules.views.i18n import N_, gettext_for

UNKNOWN_WORDS = frozenset({"unknown", "?", "don't know", "dont know", "do not know", "not known", "i don't know",
                           "idk", "не знаю", "незнаю", "неизвестно", "не известно", "н/з"})
YES = frozenset({"yes", "y", "true", "да", "д", "ага"})
NO = frozenset({"no", "n", "false", "нет", "н"})
NONE_WORDS = frozenset({"none", "nothing", "no", "нет", "ничего", "никаких", "никто", "-", "[]"})


def _words(text: str) -> str:
    """An answer as it is compared: case and spacing ignored, "ё" read as "е", typographic apostrophes plain."""
    return " ".join(text.replace("’", "'").replace("ё", "е").replace("Ё", "Е").casefold().split())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Every name a country is called by, in English and Russian (pycountry's ISO 3166 names, official and common,
    and their Russian translations; the CLDR territory names Babel ships), to its ISO code."""
    import gettext

    import pycountry
    from babel import Locale

    try:
        ru: Callable[[str], str] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"]).gettext
    except OSError:  # pragma: no cover - pycountry ships ru
        ru = gettext.NullTranslations().gettext
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(c, attr, None)
            if name:
                names.setdefault(_words(name), c.alpha_2)
                names.setdefault(_words(ru(name)), c.alpha_2)
    for lang in ("en", "ru"):
        for code, name in Locale(lang).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code) is not None:
                names.setdefault(_words(name), code)
    return names


def country_code(text: str) -> str:
    """'Georgia', 'Грузия', 'ge' -> 'GE'; anything else as given (for validation to name)."""
    word = _words(text)
    if len(word) == 2 and word.isascii() and word.isalpha():
        return word.upper()
    return _country_names().get(word, text.strip())


CHOICE_LABELS = {
    "religious": N_("religious"), "moral": N_("moral"), "political": N_("political"), "ethical": N_("ethical"),
    "other": N_("other"),
    "prosecution": N_("prosecution"), "imprisonment": N_("imprisonment"), "torture": N_("torture"),
    "ill_treatment": N_("ill-treatment"), "killing": N_("killing"), "forced_conscription": N_("forced conscription"),
    "combat_deployment": N_("being sent into combat"), "detention": N_("detention"), "violence": N_("violence"),
    "discrimination": N_("discrimination"), "property_confiscation": N_("confiscation of property"),
    "state": N_("the state"), "non_state": N_("non-state actors"), "unknown_agent": N_("someone unknown"),
    "race": N_("race"), "religion": N_("religion"), "nationality": N_("nationality"),
    "particular_social_group": N_("particular social group"), "political_opinion": N_("political opinion"),
    "accepted": N_("accepted"), "rejected": N_("rejected"),
}
"""The words of the coded values the interview offers as choices (the profile's enums), for both languages."""


def choice_label(value: str, lang: str = "en") -> str:
    """A coded value as the interview shows it: its words in the interview's language (its id's words where the
    table has none)."""
    label = CHOICE_LABELS.get(value, value.replace("_", " "))
    return gettext_for(lang, "messages")(label) if lang != "en" else label


def _choice(spec: FactSpec, values: tuple[str, ...], text: str, lang: str) -> str:
    """One choice by its number, its id or its label (in English or the interview's language)."""
    word = _words(text)
    if word.isdigit() and 1 <= int(word) <= len(values):
        return values[int(word) - 1]
    for v in values:
        if word in (_words(v), _words(choice_label(v)), _words(choice_label(v, lang))):
            return v
    return text.strip()


def parse_value(spec: FactSpec, value: Any, lang: str = "en") -> Any:
    """An answer as the profile model takes it, read in natural words: yes/no (да/нет), "don't know" (не знаю:
    recorded as unknown, never as false), a country by name in English or Russian or by code, a choice by its
    number or label, a list of them separated by commas ("none"/"нет" for an empty list), a date YYYY-MM-DD
    or DD.MM.YYYY, YAML for a list of records. Anything else is passed through to validation."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    word = _words(text)
    if word in UNKNOWN_WORDS:
        return UNKNOWN
    kind = spec.kind
    if kind == "bool":
        if word in YES:
            return True
        if word in NO:
            return False
        raise ProfileError([f"{spec.path}: expected yes or no (or 'unknown'), got {text!r}"])
    if kind == "number":
        try:
            return int(word)
        except ValueError:
            try:
                return float(word.replace(",", "."))
            except ValueError:
                raise ProfileError([f"{spec.path}: expected a number, got {text!r}"]) from None
    if kind == "date":
        if len(word) == 10 and word[2] == word[5] == ".":  # DD.MM.YYYY, as dates are written in Russian
            text = f"{word[6:]}-{word[3:5]}-{word[:2]}"
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            raise ProfileError([f"{spec.path}: expected a date YYYY-MM-DD, got {text!r}"]) from None
        return text
    if kind == "country":
        return country_code(text)
    if kind == "enum":
        return _choice(spec, spec.values, text, lang)
    if kind == "list":
        if word in NONE_WORDS:
            return []
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        element = spec.element.kind if spec.element is not None else "text"
        if element == "country":
            return [country_code(part) for part in parts]
        if spec.values:
            return [_choice(spec, spec.values, part, lang) for part in parts]
        return parts
    if kind == "items":
        if word in NONE_WORDS:
            return []
        try:
            data = yaml.safe_load(text) if text else []
        except yaml.YAMLError:
            raise ProfileError([f"{spec.path}: expected a list of records, e.g. "
                                "[{kind: criminal, stage: charged}], got {text!r}"]) from None
        return [data] if isinstance(data, dict) else data
    return text


class Change(BaseModel):
    """A finding (or the outcome, ``id == "outcome"``) whose status changed with the last answer."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    kind: str = "element"
    before: str | None
    after: str


class InterviewSession:
    """An interview over one case profile, assessed again after every answer."""

    def __init__(self, profile: CaseProfile | Mapping[str, Any] | None = None, *,
                 as_of: _dt.date | str | None = None, engine: str | None = None, lang: str = "en",
                 options: Options | None = None):
        case = profile_from_mapping(profile if profile is not None else {})
        self._data: dict[str, Any] = case.model_dump(mode="json", exclude_none=True)
        self._case = case
        chosen = Options.given(options, as_of=as_of, engine=engine, lang=lang)
        self.engine = chosen.engine or default_engine()
        self.options = chosen.replace(as_of=chosen.day(), engine=self.engine)
        self.as_of = self.options.day()
        self.lang = self.options.lang
        self._runner: Backend | None = None
        if self.engine == "durable":
            from refugee_rules.engine.durable_session import IncrementalDurable

            self._runner = IncrementalDurable()
        self._assessment = self._assess()
        self._ranked: list[Question] = []
        self._ranked_for: Assessment | None = None  # the assessment ``_ranked`` was ranked for (held, not its id)
        self._ranked_lang = self.lang
        self._changes: list[Change] = []
        self._history: list[tuple[str, Any]] = []  # (path, the value before the answer; ABSENT: not given)

    # --- reading ----------------------------------------------------------------------------------

    def assessment(self) -> Assessment:
        return self._assessment

    def profile(self) -> CaseProfile:
        return self._case

    def changes(self) -> list[Change]:
        """What the last answer changed: the outcome first, then findings in declaration order."""
        return list(self._changes)

    def next_questions(self, n: int = 5) -> list[Question]:
        """The ``n`` most useful questions still open; a fact answered "unknown" is not asked again."""
        found = [q for q in self._questions() if q.state != "unknown"]
        return found[:n]

    def settled(self) -> bool:
        """Whether no question is left to ask (every open fact, if any, was answered "unknown")."""
        return not self.next_questions(1)

    def still_unknown(self) -> list[Question]:
        """The open questions answered "don't know": finding those answers out would settle more, so the end of the
        interview must not say that nothing more can be settled."""
        return [q for q in self._questions() if q.state == "unknown"]

    def _questions(self) -> list[Question]:
        """The open questions of the current assessment in the session's language, ranked once for each (a page
        of the interview reads them two or three times)."""
        if self._ranked_for is not self._assessment or self._ranked_lang != self.lang:
            self._ranked = questions(self._assessment, lang=self.lang)
            self._ranked_for, self._ranked_lang = self._assessment, self.lang
        return self._ranked

    # --- answering --------------------------------------------------------------------------------

    def answer(self, fact_path: str, value: Any) -> list[Change]:
        """Record one answer (``"unknown"`` = asked, the client does not know) and re-assess.

        Raises :class:`ProfileError` naming the field when the value does not fit it; the session is then
        unchanged.
        """
        specs = catalogue()
        if fact_path == AS_OF or fact_path not in specs:
            raise ProfileError([f"{fact_path}: not a fact of the case profile"])
        value = parse_value(specs[fact_path], value, self.lang)
        previous = value_at(self._data, fact_path)
        changes = self._replace(_set(self._data, fact_path, value))  # raises ProfileError naming the field
        self._history.append((fact_path, previous))
        return changes

    def back(self) -> str | None:
        """Take back the last answer (the fact is as it was before it); the path taken back, None if none was given."""
        if not self._history:
            return None
        path, previous = self._history.pop()
        data = _unset(self._data, path) if previous is ABSENT else _set(self._data, path, previous)
        self._replace(data)
        return path

    def answered(self) -> list[tuple[str, Any]]:
        """The answers given in this session, in order, each with its value now (a later answer replaces one)."""
        paths = list(dict.fromkeys(path for path, _previous in self._history))
        return [(path, value_at(self._data, path)) for path in paths]

    def _replace(self, data: dict[str, Any]) -> list[Change]:
        case = profile_from_mapping(data)
        before = self._assessment
        self._data, self._case = data, case
        self._assessment = self._assess()
        self._changes = _diff(before, self._assessment)
        return list(self._changes)

    def close(self) -> None:
        """Free the engine session (durable-rules)."""
        close = getattr(self._runner, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> InterviewSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _assess(self) -> Assessment:
        return assess(self._case, options=self.options, _runner=self._runner)


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the nested mapping with ``path`` set (dicts along the path are copied, never shared)."""
    out = dict(data)
    node = out
    *parents, leaf = path.split(".")
    for part in parents:
        child = node.get(part)
        child = dict(child) if isinstance(child, dict) else {}
        node[part] = child
        node = child
    node[leaf] = value
    return out


ABSENT = object()
"""What :func:`value_at` gives for a fact the profile does not hold (not asked: neither a value nor "unknown")."""


def value_at(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted fact path of a profile given as nested mappings (``ABSENT`` where it has none)."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return ABSENT
        node = node[part]
    return node


def _unset(data: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of the nested mapping without ``path`` (sections left empty are dropped)."""
    head, _, rest = path.partition(".")
    out = dict(data)
    if not rest:
        out.pop(head, None)
    elif isinstance(out.get(head), dict):
        inner = _unset(out[head], rest)
        if inner:
            out[head] = inner
        else:
            out.pop(head)
    return out


def _diff(before: Assessment, after: Assessment) -> list[Change]:
    out: list[Change] = []
    if before.outcome.status != after.outcome.status:
        out.append(Change(id="outcome", title="outcome", before=before.outcome.status, after=after.outcome.status))
    old = {f.id: f.answer for f in before.findings}
    for f in after.findings:
        if old.get(f.id) != f.answer:
            out.append(Change(id=f.id, title=f.title, kind=f.kind, before=old.get(f.id), after=f.answer))
    return out


# --- the terminal interview (``refugee-rules interview``) ------------------------------------------

QUIT_WORDS = frozenset({"quit", "q", "exit", "выход", "выйти", "стоп"})
SKIP_WORDS = frozenset({"skip", "s", "пропустить", "пропуск", "дальше"})
BACK_WORDS = frozenset({"back", "b", "undo", "назад"})
REVIEW_WORDS = frozenset({"review", "answers", "обзор", "ответы"})
OUTCOME_WORDS = frozenset({"outcome", "итог", "результат"})
HELP_WORDS = frozenset({"help", "h", "помощь", "справка"})
EXIT_INTERRUPTED = 130


def _hint(spec: FactSpec, _: Any) -> str:
    """How to answer a fact of this kind, in the interview's language."""
    if spec.kind == "bool":
        return str(_("yes or no"))
    if spec.kind == "date":
        return str(_("a date YYYY-MM-DD"))
    if spec.kind == "country":
        return str(_("a country, by name or code (Georgia, GE)"))
    if spec.kind == "number":
        return str(_("a number"))
    if spec.kind == "enum":
        return str(_("a number or a name from the list"))
    if spec.kind == "list":
        if spec.values:
            return str(_("numbers or names from the list, separated by commas; 'none' for none"))
        if spec.element is not None and spec.element.kind == "country":
            return str(_("countries by name or code, separated by commas; 'none' for none"))
        return str(_("a comma-separated list; 'none' for none"))
    if spec.kind == "items":
        return str(_("'none', or records in YAML, one {...} per record, fields: %(fields)s")
                   % {"fields": ", ".join(spec.item_fields)})
    return str(_("text"))


def _choices(spec: FactSpec, lang: str) -> list[str]:
    if spec.kind not in ("enum", "list") or not spec.values:
        return []
    return [f"{i}) {choice_label(v, lang)}" for i, v in enumerate(spec.values, start=1)]


Read = Callable[[str], "str | None"]


def run_terminal(session: InterviewSession, read: Read, write: Callable[[str], Any], save: str | None = None) -> int:
    """The interview loop. ``read(prompt)`` returns one line (``None`` at end of input) and may raise
    ``KeyboardInterrupt`` (Ctrl-C); ``write(text)`` prints. However it ends (the questions run out, ``quit``,
    end of input, Ctrl-C), the outcome is shown and the profile saved to ``save`` if one was given; nothing is
    written otherwise. Exit status 0, or 130 after Ctrl-C."""
    from refugee_rules.views.report import View

    _ = View(session.assessment(), session.lang).L._
    specs = catalogue()
    write(_("Guided interview. Answer each question in your own words: yes or no, a country's name, a number "
            "from a list; 'don't know' if the client does not know.") + "\n")
    write(_("Commands: help, back, review, outcome, skip, quit.") + "\n")
    ask_client, not_accepted = _("Ask the client"), _("Not accepted")
    excluded: set[str] = set()  # skipped (first round) or skipped again (never offered a third time)
    skipped: list[str] = []
    again = False
    forced: str | None = None  # a question taken back with "back" is asked next
    asked = 0
    status = 0
    try:
        while True:
            pending = [q for q in session.next_questions(n=10_000) if q.path not in excluded]
            if not pending and skipped and not again:
                again = True
                excluded -= set(skipped)
                write("\n" + _("The skipped questions, once more:") + "\n")
                continue
            if not pending:
                if excluded:
                    write("\n" + _("No more questions (some were skipped).") + "\n")
                elif session.still_unknown():
                    write("\n" + _("No more questions to ask. Some answers are \u201cdon't know\u201d: finding them out "
                                    "would settle more (the report lists them under the open questions).") + "\n")
                else:
                    write("\n" + _("Nothing more can be settled by asking.") + "\n")
                break
            q = next((x for x in pending if x.path == forced), pending[0])
            forced = None
            asked += 1
            spec = specs[q.path]
            write(f"\n{asked}. {q.question}\n")
            if q.client_question:
                write(f"   {ask_client}: {q.client_question}\n")
            for choice in _choices(spec, session.lang):
                write(f"   {choice}\n")
            write(f"   [{q.path}: {_hint(spec, _)}]\n")
            stop = False
            while True:
                line = read("> ")
                word = _words(line) if line is not None else ""
                if line is None or word in QUIT_WORDS:
                    stop = True
                    break
                if not word:
                    continue
                if word in HELP_WORDS:
                    _help(write, _)
                    continue
                if word in OUTCOME_WORDS:
                    write("   " + _("Outcome") + f": {View(session.assessment(), session.lang).outcome_label()}\n")
                    continue
                if word in REVIEW_WORDS:
                    _review(session, write, _)
                    continue
                if word in SKIP_WORDS:
                    excluded.add(q.path)
                    if not again:
                        skipped.append(q.path)
                    break
                if word in BACK_WORDS:
                    taken = session.back()
                    if taken is None:
                        write("   " + _("Nothing to take back yet.") + "\n")
                        continue
                    write("   " + _("Taken back: %(path)s") % {"path": taken} + "\n")
                    _show_changes(session, session.changes(), write, _)
                    excluded.discard(taken)
                    forced = taken
                    asked -= 2  # the question taken back is asked again under its number
                    break
                path, value = q.path, line
                if "=" in line and line.split("=", 1)[0].strip() in specs:  # "path = value": correct any earlier answer
                    path, value = (part.strip() for part in line.split("=", 1))
                try:
                    changes = session.answer(path, value)
                except ProfileError as e:
                    for problem in e.problems:
                        write(f"   {not_accepted}: {problem}\n")
                    continue
                _show_changes(session, changes, write, _)
                break  # after a correction of an earlier answer the next question is chosen again
            if stop:
                write("\n" + _("Interview stopped.") + "\n")
                break
    except KeyboardInterrupt:
        write("\n" + _("Interrupted.") + "\n")
        status = EXIT_INTERRUPTED
    write(_("Outcome") + f": {View(session.assessment(), session.lang).outcome_label()}\n")
    if save:
        data = session.profile().model_dump(mode="json", exclude_none=True)
        try:
            with open(save, "w", encoding="utf-8") as fh:
                yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False)
        except OSError as e:
            write(_("The profile could not be saved to %(path)s: %(problem)s")
                  % {"path": save, "problem": e.strerror or type(e).__name__} + "\n")
            return status or 2
        write(_("Profile saved to %(path)s") % {"path": save} + "\n")
    return status


def _help(write: Callable[[str], Any], _: Any) -> None:
    for text in (_("Answer in words: yes / no, a country's name or code, a number or a name from a list, several "
                   "separated by commas, 'none' for an empty list."),
                 _("'don't know' (or '?'): the client does not know; it is recorded as unknown, never as no, and "
                   "not asked again."),
                 _("back: take back the last answer and ask it again. skip: ask later (skipped questions come back "
                   "at the end)."),
                 _("review: the answers given so far. outcome: the outcome now. quit: stop (the profile is saved "
                   "with --save; so it is on Ctrl-C and at the end of input)."),
                 _("To correct an earlier answer, type: fact.path = value")):
        write(f"   {text}\n")


def _review(session: InterviewSession, write: Callable[[str], Any], _: Any) -> None:
    from refugee_rules.views.report import View

    answered = [(p, v) for p, v in session.answered() if v is not ABSENT]
    if not answered:
        write("   " + _("No answers yet.") + "\n")
        return
    L = View(session.assessment(), session.lang).L
    specs = catalogue()
    for path, value in answered:
        shown_value = _("don't know") if value == UNKNOWN else L.value(path, value)
        question = specs[path].question or specs[path].description
        write(f"   {L.t(question)} [{path}]: {shown_value}\n")


def _show_changes(session: InterviewSession, changes: list[Change], write: Callable[[str], Any], _: Any) -> None:
    """One line per answer shown that changed (the outcome first, then the law, then the regimes)."""
    from refugee_rules.views.report import View

    a = session.assessment()
    view = View(a, session.lang)
    book = a.rule_book
    visible = {f.id for f in a.findings if book is None or shown(book, f)}
    kept = [c for c in changes if c.id == "outcome" or (c.id in visible and (c.before is not None or
                                                                            c.after != KINDS[c.kind].open))]
    if not kept:
        write("   " + _("Nothing changed.") + "\n")
        return
    write("   " + _("Changed:") + "\n")
    regime = {f.id for f in a.findings if f.group.startswith("regime:")}
    for c in sorted(kept, key=lambda c: (c.id != "outcome", c.id in regime)):  # stable: the law first
        if c.id == "outcome":
            write(f"   * {_('Outcome')}: {view.outcome_label()}\n")
            continue
        before = view.answer_label(c.kind, c.before) if c.before else "-"
        write(f"   * {view.L.t(c.title)}: {before} -> {view.answer_label(c.kind, c.after)}\n")

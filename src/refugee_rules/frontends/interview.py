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
from collections.abc import Mapping
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
from refugee_rules.tasks.questions import Question, questions

UNKNOWN_WORDS = frozenset({"unknown", "?", "don't know", "dont know", "do not know", "not known",
                           "не знаю", "неизвестно", "?"})
YES = frozenset({"yes", "y", "true", "да", "д"})
NO = frozenset({"no", "n", "false", "нет", "н"})


class Change(BaseModel):
    """A finding (or the outcome, ``id == "outcome"``) whose status changed with the last answer."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    kind: str = "element"
    before: str | None
    after: str


def parse_value(spec: FactSpec, value: Any) -> Any:
    """An answer as the profile model takes it: text is read by the fact's kind (yes/no, a number, a
    comma-separated list, YAML for a list of records); anything else is passed through to validation."""
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in UNKNOWN_WORDS:
            return UNKNOWN
        kind = spec.kind
        if kind == "bool":
            if text.lower() in YES:
                return True
            if text.lower() in NO:
                return False
            raise ProfileError([f"{spec.path}: expected yes or no (or 'unknown'), got {text!r}"])
        if kind == "number":
            try:
                return int(text)
            except ValueError:
                try:
                    return float(text)
                except ValueError:
                    raise ProfileError([f"{spec.path}: expected a number, got {text!r}"]) from None
        if kind == "date":
            try:
                _dt.date.fromisoformat(text)
            except ValueError:
                raise ProfileError([f"{spec.path}: expected a date YYYY-MM-DD, got {text!r}"]) from None
            return text
        if kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        if kind == "items":
            try:
                data = yaml.safe_load(text) if text else []
            except yaml.YAMLError:
                raise ProfileError([f"{spec.path}: expected a list of records, e.g. "
                                    "[{kind: criminal, stage: charged}], got {text!r}"]) from None
            return [data] if isinstance(data, dict) else data
        return text
    return value


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
        self._changes: list[Change] = []

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
        found = [q for q in questions(self._assessment, lang=self.lang) if q.state != "unknown"]
        return found[:n]

    def settled(self) -> bool:
        """Whether nothing more can be settled by asking (every open fact was answered "unknown")."""
        return not self.next_questions(1)

    # --- answering --------------------------------------------------------------------------------

    def answer(self, fact_path: str, value: Any) -> list[Change]:
        """Record one answer (``"unknown"`` = asked, the client does not know) and re-assess.

        Raises :class:`ProfileError` naming the field when the value does not fit it; the session is then
        unchanged.
        """
        specs = catalogue()
        if fact_path == AS_OF or fact_path not in specs:
            raise ProfileError([f"{fact_path}: not a fact of the case profile"])
        value = parse_value(specs[fact_path], value)
        data = _set(self._data, fact_path, value)
        case = profile_from_mapping(data)  # raises ProfileError naming the field
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

QUIT_WORDS = frozenset({"quit", "q", "exit", "выход", "выйти"})
SKIP_WORDS = frozenset({"skip", "s", "пропустить", "дальше"})
MAX_CHANGES_SHOWN = 8


def _hint(spec: FactSpec, _: Any) -> str:
    """How to answer a fact of this kind, in the interview's language."""
    if spec.kind == "bool":
        return str(_("yes or no"))
    if spec.kind == "date":
        return str(_("a date YYYY-MM-DD"))
    if spec.kind == "country":
        return str(_("a country code, e.g. GE"))
    if spec.kind == "number":
        return str(_("a number"))
    if spec.kind == "enum":
        return str(_("one of: %(values)s") % {"values": ", ".join(spec.values)})
    if spec.kind == "list":
        values = spec.values or ()
        text = str(_("a comma-separated list"))
        if values:
            text += "; " + str(_("one of: %(values)s") % {"values": ", ".join(values)})
        elif spec.element is not None and spec.element.kind == "country":
            text += " " + str(_("of country codes"))
        return text
    if spec.kind == "items":
        return str(_("records in YAML, one {...} per record, fields: %(fields)s")
                   % {"fields": ", ".join(spec.item_fields)})
    return str(_("text"))


def run_terminal(session: InterviewSession, read: Any, write: Any, save: str | None = None) -> int:
    """The interview loop: ``read()`` returns one line (``None`` at end of input), ``write(text)`` prints."""
    from refugee_rules.views.report import View

    _ = View(session.assessment(), session.lang).L._
    specs = catalogue()
    write(_("Guided interview. Answer each question; '?' if the client does not know, 'skip' for the next "
            "question, 'quit' to stop.") + "\n")
    write(_("To correct an earlier answer, type: fact.path = value") + "\n")
    ask_client, not_accepted, outcome = _("Ask the client"), _("Not accepted"), _("Outcome")
    skipped: set[str] = set()
    asked = 0
    while True:
        pending = [q for q in session.next_questions(n=10_000) if q.path not in skipped]
        if not pending:
            write("\n" + (_("Nothing more can be settled by asking.") if not skipped else
                          _("No more questions (some were skipped).")) + "\n")
            break
        q = pending[0]
        asked += 1
        write(f"\n{asked}. {q.question}\n")
        if q.client_question:
            write(f"   {ask_client}: {q.client_question}\n")
        write(f"   [{q.path}: {_hint(specs[q.path], _)}]\n")
        stop = False
        while True:
            write("> ")
            line = read()
            if line is None or line.strip().lower() in QUIT_WORDS:
                stop = True
                break
            text = line.strip()
            if text.lower() in SKIP_WORDS:
                skipped.add(q.path)
                break
            if not text:
                continue
            path, value = q.path, text
            if "=" in text and text.split("=", 1)[0].strip() in specs:  # "path = value": correct any earlier answer
                path, value = (part.strip() for part in text.split("=", 1))
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
    view = View(session.assessment(), session.lang)
    write(f"{outcome}: {view.outcome_label()}\n")
    if save:
        data = session.profile().model_dump(mode="json", exclude_none=True)
        with open(save, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False)
        write(_("Profile saved to %(path)s") % {"path": save} + "\n")
    return 0


def _show_changes(session: InterviewSession, changes: list[Change], write: Any, _: Any) -> None:
    from refugee_rules.views.report import View

    view = View(session.assessment(), session.lang)
    if not changes:
        write("   " + _("Nothing changed.") + "\n")
        return
    write("   " + _("Changed:") + "\n")
    outcome = _("Outcome")
    regime = {f.id for f in session.assessment().findings if f.group.startswith("regime:")}
    ordered = sorted(changes, key=lambda c: (c.id != "outcome", c.id in regime))  # stable: the law first
    for c in ordered[:MAX_CHANGES_SHOWN]:
        if c.id == "outcome":
            write(f"   * {outcome}: {view.outcome_label()}\n")
            continue
        before = view.answer_label(c.kind, c.before) if c.before else "-"
        write(f"   * {view.L.t(c.title)}: {before} -> {view.answer_label(c.kind, c.after)}\n")
    if len(ordered) > MAX_CHANGES_SHOWN:
        write("   * " + _("and %(count)d more") % {"count": len(ordered) - MAX_CHANGES_SHOWN} + "\n")

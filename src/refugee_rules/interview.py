"""A guided interview, for embedding (a web form, a messenger bot) and for ``refugee-rules interview``.

::

    from refugee_rules.interview import InterviewSession

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

from .api import _as_date, assess
from .assessment import Assessment
from .engine import Backend, default_engine
from .errors import ProfileError
from .facts import AS_OF, FactSpec, catalogue
from .inputs import profile_from_mapping
from .profile import UNKNOWN, CaseProfile
from .questions import Question, questions

UNKNOWN_WORDS = frozenset({"unknown", "?", "don't know", "dont know", "do not know", "not known",
                           "не знаю", "неизвестно", "?"})
YES = frozenset({"yes", "y", "true", "да", "д"})
NO = frozenset({"no", "n", "false", "нет", "н"})


class Change(BaseModel):
    """A finding (or the outcome, ``id == "outcome"``) whose status changed with the last answer."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
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
                 as_of: _dt.date | str | None = None, engine: str | None = None, lang: str = "en"):
        case = profile_from_mapping(profile if profile is not None else {})
        self._data: dict[str, Any] = case.model_dump(mode="json", exclude_none=True)
        self._case = case
        self.as_of = _as_date(as_of)
        self.engine = engine or default_engine()
        self.lang = lang
        self._runner: Backend | None = None
        if self.engine == "durable":
            from .engine.durable_session import IncrementalDurable

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
        return assess(self._case, as_of=self.as_of, engine=self.engine, _runner=self._runner)


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
    old = {f.id: f.status for f in before.findings}
    for f in after.findings:
        if old.get(f.id) != f.status:
            out.append(Change(id=f.id, title=f.title, before=old.get(f.id), after=f.status))
    return out

"""One error hierarchy, and validation messages a caseworker can act on.

Every message names the field (as a dotted path) and what was expected. An unknown key gets a
did-you-mean from the fields that are allowed at that place.

A problem with a profile is a :class:`Problem`: the English line embedders have always had (it is a ``str``), with
its field and its :class:`Message` kept apart, so the views word it in the worker's language from the message's
template and values and never read the English back.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Message:
    """What is wrong, as an English template with named values (``%(got)s``): the template is the msgid a view
    translates. A value may itself be a Message (worded in the same language). ``english`` is set where the English
    words are another library's (pydantic's), which the template words in translation."""

    template: str
    values: tuple[tuple[str, Any], ...] = ()
    english: str | None = None

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message in English (no ``translate``), or worded by ``translate`` (a gettext)."""
        if translate is None and self.english is not None:
            return self.english
        template = translate(self.template) if translate is not None else self.template
        if not self.values:
            return template
        return template % {k: v.text(translate) if isinstance(v, Message) else v for k, v in self.values}


def message(template: str, english: str | None = None, **values: Any) -> Message:
    """A :class:`Message` (``message`` is also the keyword the catalog extraction looks for)."""
    return Message(template, tuple(values.items()), english)


class Problem(str):
    """One problem: ``path: what is wrong`` in English (it is that ``str``), with the field's path (empty: the
    document as a whole) and the :class:`Message` kept apart for the views."""

    path: str
    message: Message

    def __new__(cls, path: str, said: Message) -> Problem:
        made = super().__new__(cls, _line(path, said.text()))
        made.path, made.message = path, said
        return made

    def __reduce__(self) -> tuple[Any, ...]:  # a worker process sends it whole
        return (Problem, (self.path, self.message))

    def worded(self, translate: Callable[[str], str]) -> str:
        """The problem in the language of ``translate``; the path stays as the profile spells it (it is what the
        worker must find there)."""
        return _line(self.path, self.message.text(translate))


def _line(path: str, said: str) -> str:
    return f"{path}: {said}" if path else said


class RefugeeRulesError(Exception):
    """Base of every error this library raises on purpose."""


class ProfileError(RefugeeRulesError, ValueError):
    """The case profile is malformed. ``problems`` lists one line per field."""

    heading = "invalid case profile"
    """What the message starts with (the command line words it in the worker's language)."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems  # each a Problem where the views can word it in another language
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + self.heading + ":\n" + "\n".join(f"  - {p}" for p in problems))


class OptionsError(ProfileError):
    """An option is malformed (the as-of date, the engine, destinations, layers, a port …), not the profile: said
    so, so that nobody looks for the mistake in the client's answers. A ProfileError, so callers that catch bad
    input as one keep working."""

    heading = "invalid options"


class RulesetError(RefugeeRulesError):
    """A ruleset does not load: each problem names the file and, where there is one, the rule."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid rulesets:\n" + "\n".join(f"  - {p}" for p in problems))


class FileError(RefugeeRulesError):
    """A file or stream cannot be read or written as asked: the message names the path and why, in one line."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class UnknownFinding(RefugeeRulesError, KeyError):
    """An assessment was asked for a finding it does not hold (a KeyError too, as a lookup's error is)."""

    def __init__(self, finding_id: object):
        self.finding_id = finding_id
        super().__init__(f"finding_id: no finding {finding_id!r} in this assessment (see Assessment.findings)")

    def __str__(self) -> str:
        return str(self.args[0])


class EngineError(RefugeeRulesError):
    """An evaluation backend failed or is not available."""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    if get_origin(annotation) in (Union, types.UnionType, list, tuple) or get_args(annotation):
        for arg in get_args(annotation):
            found.extend(_models_in(arg))
    return found


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at ``loc`` inside ``model`` (list indices are skipped)."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following: list[type[BaseModel]] = []
        for m in current:
            if part in m.model_fields:
                following.extend(_models_in(m.model_fields[part].annotation))
        if not following:
            return []
        current = following
    return sorted({name for m in current for name in m.model_fields})


def _is_type_tag(part: Any) -> bool:
    """pydantic adds the tried type of a union member to an error's location (e.g. 'literal['unknown']')."""
    return isinstance(part, str) and (
        part.startswith(("function-", "literal[", "union[", "list[", "json-or-python", "constrained-"))
        or part in ("bool", "date", "str", "float", "int", "list", "is-instance", "is-instance[date]"))


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(top level)"


def _shown(value: Any) -> str:
    """A short repr of a rejected value (a number of more than 4,300 digits has no repr at all)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a number with too many digits"
    try:
        text = repr(value)
    except Exception:
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


Location = tuple[str | int, ...]
"""Where a problem is: the field's path, each name or list index one piece (``("fear", "agents", 0)``)."""


def describe(err: ValidationError, model: type[BaseModel]) -> list[str]:
    """Turn a pydantic error into one :class:`Problem` per field, merging union alternatives."""
    return [Problem(_path(loc), said) for loc, said in located(err, model)]


_WORDED: tuple[tuple[tuple[str, ...], Message], ...] = (
    (("date_", "datetime_"), message("expected a date YYYY-MM-DD")),
    (("bool_",), message("expected yes or no (true or false)")),
    (("int_", "float_", "decimal_"), message("expected a number")),
    (("string_type",), message("expected text")),
    (("list_type",), message("expected a list")),
    (("dict_type", "model_type", "model_attributes_type"), message("expected a mapping of fields")),
    (("missing",), message("a required field is missing")),
)
"""pydantic's error types worded by our own template in translation (the English stays pydantic's message); a type
not listed keeps its English words in every language."""


def _said(e: Any) -> Message:
    """One pydantic error as a Message: pydantic's English, with the template that words it in translation."""
    english = e["msg"][len("Value error, "):] if e["msg"].startswith("Value error, ") else e["msg"]
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind == "literal_error":  # pydantic lists them as "'a', 'b' or 'c'": a list in the worker's language
        listed = str(ctx.get("expected", "")).replace("' or '", "', '")
        return message("expected one of %(values)s", english=english, values=listed)
    if kind == "country_code":
        return message("expected a two-letter ISO 3166-1 country code such as RU, GE or KZ, got %(got)s",
                       english=english, got=ctx.get("got", ""))
    worded = next((m for prefixes, m in _WORDED if kind.startswith(prefixes)), None)
    return Message(worded.template if worded else english.replace("%", "%%"), (), english)


def located(err: ValidationError, model: type[BaseModel]) -> list[tuple[Location, Message]]:
    """The problems of :func:`describe`, each with its field's location as a tuple rather than spelled (a key the
    client sent may hold a dot or a bracket: the service answers the location as a list)."""
    lines: dict[Location, list[Message]] = {}
    accepts_unknown: set[Location] = set()
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        field_loc = tuple(p for p in loc if not _is_type_tag(p))
        if e["type"] == "extra_forbidden":
            name = str(field_loc[-1])
            allowed = _fields_at(model, field_loc[:-1])
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            lines.setdefault(field_loc, []).append(
                message("unknown field; did you mean %(name)s?", name=repr(close[0])) if close
                else message("unknown field; allowed here: %(names)s", names=", ".join(allowed)) if allowed
                else message("unknown field"))
            continue
        said = _said(e)
        if e["type"] == "literal_error" and "'unknown'" in said.text() and said.text().count("'") <= 2:
            accepts_unknown.add(field_loc)  # the "or 'unknown'" alternative of a union: said once, below
            continue
        got = e.get("input")
        if got is not None and not isinstance(got, (dict, list)) and "got" not in said.text():
            said = message("%(said)s (got %(got)s)", said=said, got=_shown(got))
        lines.setdefault(field_loc, []).append(said)
    out = []
    for loc, messages in lines.items():
        unique = list(dict.fromkeys(messages))
        said = unique[0]
        if len(unique) > 1:
            alternatives = unique[0]
            for then in unique[1:]:
                alternatives = message("%(first)s; or %(then)s", first=alternatives, then=then)
            said = message("expected one of: %(alternatives)s", alternatives=alternatives)
        if loc in accepts_unknown:
            said = message("%(said)s — or 'unknown' if the client does not know", said=said)
        out.append((loc, said))
    return out

"""One error hierarchy, and validation messages a caseworker can act on.

Every message names the field (as a dotted path) and what was expected. An unknown key gets a
did-you-mean from the fields that are allowed at that place.
"""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


class RefugeeRulesError(Exception):
    """Base of every error this library raises on purpose."""


class ProfileError(RefugeeRulesError, ValueError):
    """The case profile is malformed. ``problems`` lists one line per field."""

    heading = "invalid case profile"
    """What the message starts with (the command line words it in the worker's language)."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
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
    """Turn a pydantic error into one plain line per field, merging union alternatives."""
    return [f"{_path(loc)}: {text}" for loc, text in located(err, model)]


def located(err: ValidationError, model: type[BaseModel]) -> list[tuple[Location, str]]:
    """The problems of :func:`describe`, each with its field's location as a tuple rather than spelled (a key the
    client sent may hold a dot or a bracket: the service answers the location as a list)."""
    lines: dict[Location, list[str]] = {}
    accepts_unknown: set[Location] = set()
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        field_loc = tuple(p for p in loc if not _is_type_tag(p))
        if e["type"] == "extra_forbidden":
            name = str(field_loc[-1])
            allowed = _fields_at(model, field_loc[:-1])
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else (f"; allowed here: {', '.join(allowed)}" if allowed else "")
            lines.setdefault(field_loc, []).append(f"unknown field{hint}")
            continue
        message = e["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if e["type"] == "literal_error" and "'unknown'" in message and message.count("'") <= 2:
            accepts_unknown.add(field_loc)  # the "or 'unknown'" alternative of a union: said once, below
            continue
        got = e.get("input")
        if got is not None and not isinstance(got, (dict, list)) and "got" not in message:
            shown = _shown(got)
            message = f"{message} (got {shown})"
        lines.setdefault(field_loc, []).append(message)
    out = []
    for loc, messages in lines.items():
        unique = list(dict.fromkeys(messages))
        text = f"expected one of: {'; or '.join(unique)}" if len(unique) > 1 else unique[0]
        if loc in accepts_unknown:
            text += " — or 'unknown' if the client does not know"
        out.append((loc, text))
    return out

"""From a case profile to the flat facts the rules read, and the catalogue of every fact a rule may name.

The catalogue is derived from :class:`~refugee_rules.case.profile.CaseProfile` itself, so a rule can never
name a fact the profile cannot carry, and each fact's kind (bool, date, country, list …) is known when
a ruleset is loaded: a rule that compares a date with a word is rejected before it runs.

Flattening keeps the three states apart: absent facts and facts marked ``"unknown"`` are both left
out of the fact set (neither is false), and the explicitly unknown ones are remembered so that
questions can say "asked; the client did not know".
"""

from __future__ import annotations

import datetime as _dt
import types
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from refugee_rules.case import passport_index
from refugee_rules.case.profile import UNKNOWN, CaseProfile

AS_OF = "as_of"
"""A pseudo-fact: the date the assessment is made as of. Always known."""

Kind = Literal["bool", "date", "country", "enum", "text", "number", "list", "items"]


@dataclass(frozen=True)
class FactSpec:
    """What one fact is: its path, its kind, and what a worker is asked to settle it."""

    path: str
    kind: Kind
    description: str = ""
    question: str = ""
    client_question: str = ""
    values: tuple[str, ...] = ()  # allowed values of an enum, or of a list's elements
    element: FactSpec | None = None  # for kind "list": the element spec
    item_fields: dict[str, FactSpec] = field(default_factory=dict)  # for kind "items"

    @property
    def is_list(self) -> bool:
        return self.kind in ("list", "items")


def _strip_optional(annotation: Any) -> list[Any]:
    """The alternatives of a field's type, without None and without the 'unknown' marker."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = list(get_args(annotation))
    else:
        options = [annotation]
    kept = []
    for option in options:
        if option is type(None):
            continue
        if get_origin(option) is Literal and get_args(option) == (UNKNOWN,):
            continue
        kept.append(option)
    return kept


def _scalar_kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    if get_origin(annotation) is typing.Annotated:
        base, *meta = get_args(annotation)
        if base is str and any(getattr(m, "func", None) and m.func.__name__ == "_check_country" for m in meta):
            return "country", ()
        return _scalar_kind(base)
    if annotation is bool:
        return "bool", ()
    if annotation is _dt.date:
        return "date", ()
    if annotation in (int, float):
        return "number", ()
    if annotation is str:
        return "text", ()
    if get_origin(annotation) is Literal:
        return "enum", tuple(str(v) for v in get_args(annotation))
    raise TypeError(f"profile field type not supported by the fact catalogue: {annotation!r}")


def _describe(path: str, info: Any, annotation: Any) -> FactSpec:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    def spec(kind: Kind, **more: Any) -> FactSpec:
        return FactSpec(path, kind, description=info.description or "", question=str(extra.get("question", "")),
                        client_question=str(extra.get("client_question", "")), **more)

    options = _strip_optional(annotation)
    if len(options) != 1:
        raise TypeError(f"{path}: expected one type besides None/unknown, got {options!r}")
    (option,) = options
    if get_origin(option) is list:
        (element,) = get_args(option)
        if isinstance(element, type) and issubclass(element, BaseModel):
            items = {name: _describe(name, f, f.annotation) for name, f in element.model_fields.items()}
            return spec("items", item_fields=items)
        kind, values = _scalar_kind(element)
        return spec("list", values=values, element=FactSpec(path + "[]", kind, values=values))
    kind, values = _scalar_kind(option)
    return spec(kind, values=values)


def _walk(model: type[BaseModel], prefix: str = "") -> dict[str, FactSpec]:
    specs: dict[str, FactSpec] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        options = _strip_optional(info.annotation)
        if len(options) == 1 and isinstance(options[0], type) and issubclass(options[0], BaseModel):
            specs.update(_walk(options[0], path + "."))
        else:
            specs[path] = _describe(path, info, info.annotation)
    return specs


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactSpec]:
    """Every fact path a rule may read, with its kind and question; ``as_of`` included."""
    specs = _walk(CaseProfile)
    specs.pop("case_ref", None)  # an administrative reference, never a legal fact
    specs[AS_OF] = FactSpec(AS_OF, "date", description="The date the assessment is made as of.")
    return specs


DERIVED_DESCRIPTION = {
    "requirement": "Derived from the Passport Index dataset: the best entry requirement in force on the as-of date "
                   "for the person's passports (from their nationalities).",
    "passport": "Derived from the Passport Index dataset: the passport (nationality) that gives the best requirement.",
    "snapshot": "Derived from the Passport Index dataset: the latest snapshot on or before the as-of date.",
    "since": "Derived from the Passport Index dataset: the first snapshot listing the requirement (unchanged since).",
    "days": "Derived from the Passport Index dataset: the visa-free days, where the dataset gives a number.",
    "raw": "Derived from the Passport Index dataset: the requirement as the dataset publishes it.",
}
_DERIVED_KIND: dict[str, Kind] = {"requirement": "enum", "passport": "country", "snapshot": "date", "since": "date", "days": "number",
                                  "raw": "text"}


@lru_cache(maxsize=1)
def fact_specs() -> dict[str, FactSpec]:
    """Every fact a rule may read: the profile's (:func:`catalogue`) and the facts derived from them in the case
    stage (:mod:`refugee_rules.case.passport_index`). Derived facts are never asked: a missing one is asked as
    the profile facts it is derived from."""
    specs = dict(catalogue())
    for code in sorted(passport_index.destinations()):
        for name in passport_index.FIELDS:
            path = f"{passport_index.PREFIX}{code}.{name}"
            specs[path] = FactSpec(path, _DERIVED_KIND[name], description=DERIVED_DESCRIPTION[name],
                                   values=passport_index.REQUIREMENTS if name == "requirement" else ())
    return specs


def derived_inputs(path: str) -> tuple[str, ...]:
    """The profile facts a fact is derived from (a profile fact: itself)."""
    return passport_index.INPUTS if passport_index.is_derived(path) else (path,)


@dataclass(frozen=True)
class FactSet:
    """The known facts of one case (plain JSON-able values), and the facts marked unknown."""

    known: dict[str, Any]
    unknown: frozenset[str]


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value if v is not None and v != UNKNOWN}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def flatten(profile: CaseProfile, as_of: _dt.date) -> FactSet:
    """The profile as ``{fact path: value}``; dates as ISO strings, lists de-duplicated in order."""
    known: dict[str, Any] = {AS_OF: as_of.isoformat()}
    unknown: set[str] = set()

    def visit(model: BaseModel, prefix: str) -> None:
        for name, value in model:
            path = prefix + name
            if value is None or path == "case_ref":
                continue
            if value == UNKNOWN:
                unknown.add(path)
            elif isinstance(value, BaseModel):
                visit(value, path + ".")
            elif isinstance(value, list) and value and not isinstance(value[0], BaseModel):
                known[path] = list(dict.fromkeys(_plain(value)))
            else:
                known[path] = _plain(value)

    visit(profile, "")
    return FactSet(known=known, unknown=frozenset(unknown))


def with_derived(facts: FactSet, as_of: _dt.date, destinations: list[str] | None) -> FactSet:
    """The facts with those derived from them for these destinations (None: every one the dataset has)."""
    derived = passport_index.derive(facts.known, as_of, destinations)
    if not derived:
        return facts
    return FactSet(known={**facts.known, **derived}, unknown=facts.unknown)


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` as ``{"a": {"b": 1}}``: fact paths back into the shape of a profile.

    A path whose parent is already a value (not a section) is left out, for validation to report.
    """
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = value
    return out


def encode(spec: FactSpec, value: Any) -> Any:
    """The value as both engines compare it: dates become day ordinals, everything else stays."""
    if value is None:
        return None
    if spec.kind == "date":
        return _dt.date.fromisoformat(value).toordinal()
    if spec.kind == "items":
        return [
            {k: encode(spec.item_fields[k], v) for k, v in item.items() if k in spec.item_fields}
            for item in value
        ]
    return value

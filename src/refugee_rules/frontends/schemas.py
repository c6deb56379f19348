"""The JSON Schemas the project publishes (``schemas/*.schema.json``, ``refugee-rules schema``, ``GET /schema/{name}``
and the service's OpenAPI): the live models' schemas, made valid for a strict validator and useful to a form builder.

Pydantic writes a field's ``json_schema_extra`` (the profile's ``question`` and ``client_question``) as keywords of
their own, which a strict validator such as Ajv rejects as unknown. Here they move under an ``x-`` prefix, with their
Russian text beside the English, and every coded value (an ``enum`` or the ``"unknown"`` marker) gets its labels in
both languages (``x-enum-labels``), from the same catalogs the interview and the reports use. ``X_KEYWORDS`` lists the
keywords added; a validator declares them as annotations (``tests/test_schemas.py`` runs Ajv in strict mode).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from refugee_rules.case.profile import UNKNOWN, CaseProfile
from refugee_rules.frontends.interview import choice_label
from refugee_rules.result.catalogue import Catalogue
from refugee_rules.result.compact import CompactAssessment
from refugee_rules.views.i18n import LANGUAGES, gettext_for, translations

DOCUMENTS: dict[str, type[BaseModel]] = {"profile": CaseProfile, "assessment": CompactAssessment, "catalogue": Catalogue}
"""The documents a schema is published for, by the name the CLI and the service use."""

RENAMED = {"question": "x-question", "client_question": "x-client-question"}
"""Keywords the models write (a profile field's question for the adviser and for the client) and their x- names."""

X_KEYWORDS = ("x-question", "x-client-question", "x-enum-labels")
"""Every keyword of ours in a published schema: each an annotation (it never changes what is valid)."""

# Where a schema keyword holds subschemas: a map of names to schemas, one schema, or a list of them. Every other
# keyword's value is data (an enum, a default, an example) and is left alone, so a field named "question" stays so.
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
               "unevaluatedItems", "unevaluatedProperties")
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_TYPED = {"string": ("maxLength", "minLength", "pattern"), "number": ("maximum", "minimum", "multipleOf"),
          "array": ("maxItems", "minItems", "uniqueItems")}
"""Keywords that apply to one type only: strict mode wants that type said beside them."""


def value_label(value: str, lang: str) -> str | None:
    """A coded value of the profile in words: the interview's words in English, the reports' in Russian (the content
    catalog has every coded value of the profile); the marker ``unknown`` is "don't know". None for a value the
    catalogs do not know (an engine's name, a note's code): it is shown as it is."""
    if value == UNKNOWN:
        return gettext_for(lang, "messages")("don't know")
    known = all(translations(other, "content").pgettext("value", value) != value for other in LANGUAGES if other != "en")
    if not known:
        return None
    return choice_label(value, "en") if lang == "en" else translations(lang, "content").pgettext("value", value)


def _texts(text: Any) -> dict[str, str]:
    """A text of the profile model (a question) in English and in each language the content catalog has it in (the
    questions of a listed item's fields, such as an asylum application's, are not in it yet: English only)."""
    texts = {"en": str(text)}
    for lang in LANGUAGES:
        if lang != "en" and (translated := translations(lang, "content").gettext(str(text))) != str(text):
            texts[lang] = translated
    return texts


def publishable(node: Any) -> Any:
    """A copy of a JSON Schema (or of an OpenAPI components map's schema) with the models' own keywords moved under
    ``x-`` and labels in both languages on every coded value."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: publishable(sub) for name, sub in value.items()}
        elif key in _SCHEMA_ONE:
            out[key] = publishable(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [publishable(sub) for sub in value]
        elif key in RENAMED:
            out[RENAMED[key]] = _texts(value)
        else:
            out[key] = value
    if "type" not in node and isinstance(node.get("anyOf"), list):  # a constraint on a union of one type's values
        types = {sub.get("type") for sub in node["anyOf"] if isinstance(sub, dict)}
        for kind, keywords in _TYPED.items():
            if types == {kind} and any(k in node for k in keywords):
                out["type"] = kind
    coded = node.get("enum") if isinstance(node.get("enum"), list) else [node["const"]] if "const" in node else []
    if coded and all(isinstance(v, str) and value_label(v, "en") is not None for v in coded):
        out["x-enum-labels"] = {lang: {v: value_label(v, lang) for v in coded} for lang in LANGUAGES}
    return out


def json_schema(name: str) -> dict[str, Any]:
    """The published JSON Schema of one document (``profile``, ``assessment`` or ``catalogue``)."""
    return publishable(DOCUMENTS[name].model_json_schema())  # type: ignore[no-any-return]


__all__ = ["DOCUMENTS", "X_KEYWORDS", "json_schema", "publishable", "value_label"]

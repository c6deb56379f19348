"""One question's form: which inputs a fact of each kind is asked with, and how the posted inputs become the value
the case profile takes.

A yes/no fact and a choice are radio buttons, a list of choices checkboxes, a date a date input, a country a text
input with the countries' names in the page's language to pick from (a name in English or Russian, or the ISO code,
is read: :func:`refugee_rules.frontends.interview.country_code`), a list of countries several of those, a list of
records (legal cases, visas) one group of inputs per record. Every value is then read as the terminal interview
reads a typed answer (:func:`refugee_rules.frontends.interview.parse_value`), so a bad date or an unknown country
is a :class:`ProfileError` naming the field, and the profile model has the last word.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from refugee_rules.case.facts import FactSpec
from refugee_rules.case.profile import COUNTRY_CODES, UNKNOWN
from refugee_rules.errors import ProfileError
from refugee_rules.frontends.interview import choice_label, country_code, parse_value
from refugee_rules.frontends.web.words import gettext
from refugee_rules.views.i18n import country_name

VALUE = "value"
"""The name of the inputs that carry a question's answer (several for a list)."""
NONE = "none"
"""The checkbox that answers a list question with an empty list ("none of these")."""
RECORDS = "records"
"""The hidden field that says how many record groups a list-of-records question shows."""
COUNTRY_SLOTS = 3
_CODE_SUFFIX = re.compile(r"^(.*?)\s*\(([A-Za-z]{2})\)\s*$")


class FormData:
    """The posted form as a mapping of name to every value given for it (a checkbox group gives several)."""

    def __init__(self, items: list[tuple[str, str]]):
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            self._values.setdefault(name, []).append(value)

    def get(self, name: str, default: str = "") -> str:
        values = self._values.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def has(self, name: str) -> bool:
        return name in self._values


@lru_cache(maxsize=4)
def country_options(lang: str) -> tuple[tuple[str, str], ...]:
    """(value shown and typed, the name in the other language) for every country, sorted by the page's names."""
    other = "ru" if lang == "en" else "en"
    rows = [(country_name(code, lang), _bare(country_name(code, other))) for code in COUNTRY_CODES]
    return tuple(sorted(rows, key=lambda r: r[0].casefold()))


def _bare(name: str) -> str:
    m = _CODE_SUFFIX.match(name)
    return m.group(1) if m else name


def read_country(path: str, text: str, lang: str = "en") -> str:
    """A country as typed or picked: 'Грузия (GE)', 'Georgia', 'грузия', 'ge' -> 'GE'."""
    m = _CODE_SUFFIX.match(text)
    code = m.group(2).upper() if m else country_code(text)
    _ = gettext(lang)
    if code not in COUNTRY_CODES:
        raise ProfileError([_(
            "%(path)s: no country is called %(text)s: pick one from the list, or give its name in English or "
            "Russian, or its two-letter code") % {"path": path, "text": repr(text.strip())}])
    return code


def is_records(spec: FactSpec) -> bool:
    return spec.kind == "items"


def read_answer(spec: FactSpec, form: FormData, lang: str) -> Any:
    """The answer to one question from the posted inputs, as the profile takes it (raises ProfileError naming the
    field where an input is missing or does not fit)."""
    path, kind = spec.path, spec.kind
    if kind == "list":
        return _read_list(spec, form, lang)
    if kind == "items":
        return _read_records(spec, form, lang)
    text = form.get(VALUE).strip()
    _ = gettext(lang)
    if not text:
        raise ProfileError([_("%(path)s: no answer given: choose or enter one, or press \"don't know\"")
                            % {"path": path}])
    return read_one(spec, path, text, lang)


def read_one(spec: FactSpec, path: str, text: str, lang: str) -> Any:
    """One typed or chosen value of a fact (or of a record's field), checked before the profile model sees it, so
    the message is in the page's language and names ``path``."""
    _ = gettext(lang)
    if text == UNKNOWN:
        return UNKNOWN
    kind = spec.kind
    if kind == "country":
        return read_country(path, text, lang)
    if kind in ("enum", "bool"):
        allowed = spec.values if kind == "enum" else ("yes", "no")
        if text not in allowed:
            raise ProfileError([_("%(path)s: expected one of %(values)s, got %(text)s")
                                % {"path": path, "values": ", ".join(allowed), "text": repr(text)}])
        return text == "yes" if kind == "bool" else text
    if kind == "date":
        value = parse_date(text)
        if value is None:
            raise ProfileError([_("%(path)s: expected a date YYYY-MM-DD (or DD.MM.YYYY), got %(text)s")
                                % {"path": path, "text": repr(text)}])
        return value
    if kind == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ProfileError([_("%(path)s: expected a number, got %(text)s") % {"path": path, "text": repr(text)}]) \
                from None
        return int(number) if number.is_integer() else number
    return parse_value(spec, text, lang)


def parse_date(text: str) -> str | None:
    """YYYY-MM-DD or DD.MM.YYYY (as dates are written in Russian) as YYYY-MM-DD; None if it is no date."""
    text = text.strip()
    if len(text) == 10 and text[2] == text[5] == ".":
        text = f"{text[6:]}-{text[3:5]}-{text[:2]}"
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _read_list(spec: FactSpec, form: FormData, lang: str) -> list[Any]:
    _ = gettext(lang)
    given = [v.strip() for v in form.all(VALUE) if v.strip()]
    if form.has(NONE):
        if given:
            raise ProfileError([_("%(path)s: \"none\" is ticked, and so is an answer: choose one or the other")
                                % {"path": spec.path}])
        return []
    if not given:
        raise ProfileError([_("%(path)s: no answer given: choose at least one, tick \"none\", or press "
                              "\"don't know\"") % {"path": spec.path}])
    element = spec.element if spec.element is not None else spec
    return list(dict.fromkeys(read_one(element, spec.path, v, lang) for v in given))


def _read_records(spec: FactSpec, form: FormData, lang: str) -> list[dict[str, Any]]:
    count = _record_count(form)
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for i in range(count):
        record: dict[str, Any] = {}
        for name, sub in spec.item_fields.items():
            text = form.get(record_input(i, name)).strip()
            if not text:
                continue
            try:
                record[name] = read_one(sub, f"{spec.path}[{len(records)}].{name}", text, lang)
            except ProfileError as e:
                problems.extend(e.problems)
        if record:
            records.append(record)
    if problems:
        raise ProfileError(problems)
    _ = gettext(lang)
    if form.has(NONE):
        if records:
            raise ProfileError([_("%(path)s: \"none\" is ticked, and a record is filled in: choose one or the other")
                                % {"path": spec.path}])
        return []
    if not records:
        raise ProfileError([_("%(path)s: no record filled in: fill one in, tick \"none\", or press \"don't know\"")
                            % {"path": spec.path}])
    return records


def record_input(index: int, name: str) -> str:
    return f"record-{index}-{name}"


def _record_count(form: FormData) -> int:
    text = form.get(RECORDS)
    return max(1, min(int(text), 50)) if text.isdigit() else 1


# --- what a question's inputs show -----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool


def shown_value(spec: FactSpec, value: Any, lang: str) -> Any:
    """A profile value as the inputs show it pre-filled: a date as YYYY-MM-DD, a country by its name in the
    page's language, yes/no as the radio values; records as lists of such."""
    if value is None or value == UNKNOWN:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec.kind == "country" or (spec.element is not None and spec.element.kind == "country"):
        if isinstance(value, list):
            return [country_name(v, lang) for v in value]
        return country_name(value, lang)
    if spec.kind == "items" and isinstance(value, list):
        return [{name: _field_text(spec.item_fields[name], v, lang) for name, v in record.items()
                 if name in spec.item_fields} for record in value if isinstance(record, Mapping)]
    return value


def _field_text(sub: FactSpec, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if sub.kind == "country" and value != UNKNOWN:
        return country_name(value, lang)
    return "" if value is None else str(value)


def posted_value(spec: FactSpec, form: FormData) -> Any:
    """What the person entered, to show again when the answer was not accepted."""
    if spec.kind == "list":
        return [v for v in form.all(VALUE) if v.strip()]
    if spec.kind == "items":
        return [{name: form.get(record_input(i, name)) for name in spec.item_fields} for i in range(_record_count(form))]
    return form.get(VALUE)


def choices(spec: FactSpec, current: Any, lang: str) -> list[Choice]:
    """The radio buttons or checkboxes of a yes/no, choice or list-of-choices question."""
    if spec.kind == "bool":
        from refugee_rules.views.report import Lang

        yes_no = Lang(lang).yes_no
        return [Choice("yes", yes_no(True), current == "yes"), Choice("no", yes_no(False), current == "no")]
    picked = set(current) if isinstance(current, list) else {current}
    return [Choice(v, label_of(v, lang), v in picked) for v in spec.values]


def label_of(value: str, lang: str) -> str:
    """A coded value's words: the interview's (as the terminal shows it), else the report's (the content catalog
    words every coded value of the profile)."""
    label = choice_label(value, lang)
    if lang == "en" or label != choice_label(value):
        return label
    from refugee_rules.views.report import Lang

    return Lang(lang).coded(value)

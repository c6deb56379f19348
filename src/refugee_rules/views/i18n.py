"""Languages: gettext catalogs (Babel) for the report's own words and for the texts that live in rulesets.

Two catalogs per language, both plain ``.po`` files under ``src/refugee_rules/locale/<lang>/LC_MESSAGES/``:

* ``messages.po`` — labels of the report templates (jinja2's i18n extension) and of this package;
* ``content.po`` — the texts written as data: finding titles and questions (``asks``), rule explanations
  (``because`` / ``because_not``, themselves jinja2 templates over the facts), stop-point messages, the
  profile's questions to the worker and to the client, and the disclaimer. The msgid is the English text
  itself, so when a ruleset author edits a sentence the old translation no longer matches and the
  missing-translation test names the new sentence.

The ``.po`` files are compiled in memory when first used (no ``.mo`` to forget to rebuild). To add the
msgids of new rules or new template labels to the catalogs (with empty translations to fill in)::

    .venv/bin/python -m refugee_rules.views.i18n update
"""

from __future__ import annotations

import gettext
import io
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from refugee_rules.errors import Problem, ProfileError
from refugee_rules.result.assessment import DISCLAIMER
from refugee_rules.options import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DOMAINS = ("messages", "content")
PINPOINT_GLOSS = re.compile(r"(.*?) \(([^()]*(?:\([^()]*\)[^()]*)*)\)")
"""A pinpoint with a gloss in parentheses after it, e.g. ``¶42 (reasonable degree)``: the gloss is translated."""


def N_(text: str) -> str:
    """Marks a message for extraction where it is translated later (``_(N_("..."))``)."""
    return text


def NP_(context: str, text: str) -> tuple[str, str]:
    """Marks a message with a context (the same English word in another grammatical gender in Russian: entry
    "allowed" is разрешён, a stay "allowed" разрешено); translated later with ``pgettext``."""
    return context, text


def po_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ProfileError([f"lang: expected one of {', '.join(LANGUAGES)}, got {lang!r}"])
    return lang


@lru_cache(maxsize=8)
def catalog(lang: str, domain: str) -> Catalog | None:
    path = po_path(lang, domain)
    if lang == "en" or not path.is_file():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


@lru_cache(maxsize=8)
def translations(lang: str, domain: str) -> gettext.NullTranslations:
    """The compiled catalog of one language and domain (English: the identity)."""
    check_lang(lang)
    cat = catalog(lang, domain)
    if cat is None:
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=domain)


def gettext_for(lang: str, domain: str = "messages") -> Callable[[str], str]:
    return translations(lang, domain).gettext


# --- country names ------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _countries(lang: str) -> Callable[[str], str]:
    if lang == "en":
        return lambda s: s
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]).gettext
    except OSError:  # pragma: no cover - pycountry always ships ru
        return lambda s: s


def country_name(code: Any, lang: str = "en") -> str:
    """'GE' -> 'Georgia (GE)' / 'Грузия (GE)'; lists joined; unknown codes as given."""
    if isinstance(code, (list, tuple)):
        return ", ".join(country_name(c, lang) for c in code) if code else ("none" if lang == "en" else "нет")
    country = pycountry.countries.get(alpha_2=str(code)) if isinstance(code, str) and len(code) == 2 else None
    if country is None:
        return str(code)
    return f"{_countries(lang)(country.name)} ({code})"


# --- the texts that live in rulesets and in the profile model -------------------------------------


@dataclass(frozen=True)
class ContentText:
    msgid: str
    origin: str  # where it comes from, e.g. "convention/article-1a2.yaml: rule e1.outside-country (because)"


def _fact_texts(spec: Any, where: str) -> list[ContentText]:
    """A fact's (or a record field's) coded values, its question (its description where it has none) and its
    question to the client."""
    out = [ContentText(f"value\x04{value}", f"{where} (coded value)") for value in spec.values]
    if spec.question:
        out.append(ContentText(spec.question, f"{where} (question)"))
    elif spec.description:  # the question falls back to the description
        out.append(ContentText(spec.description, f"{where} (description, used as question)"))
    if spec.client_question:
        out.append(ContentText(spec.client_question, f"{where} (client_question)"))
    return out


def content_texts(book: Any) -> list[ContentText]:
    """Every text written as data that a Russian report shows, with where it is written."""
    from refugee_rules.case.facts import catalogue

    out: list[ContentText] = [ContentText(DISCLAIMER, "assessment.py: DISCLAIMER")]
    for fid, decl in book.findings.items():
        out.append(ContentText(decl.title, f"finding {fid} (title)"))
        out.append(ContentText(decl.asks, f"finding {fid} (asks)"))
        for attribute in ("doubt", "conflict_note"):
            if getattr(decl, attribute):
                out.append(ContentText(getattr(decl, attribute), f"finding {fid} ({attribute})"))
        if decl.stop_point is not None:
            out.append(ContentText(decl.stop_point.message, f"finding {fid} (stop_point.message)"))
    for rid, rule in book.rules.items():
        where = f"{book.rule_files.get(rid, '?')}: rule {rid}"
        out.append(ContentText(rule.because, f"{where} (because)"))
        if rule.because_not:
            out.append(ContentText(rule.because_not, f"{where} (because_not)"))
        for cite in rule.cite:
            gloss = PINPOINT_GLOSS.fullmatch(cite.pinpoint or "")
            if gloss:
                out.append(ContentText(gloss.group(2), f"{where} (pinpoint gloss)"))
    for path, spec in catalogue().items():
        out += _fact_texts(spec, f"profile.py: {path}")
        for name, sub in spec.item_fields.items():
            out.append(ContentText(f"field\x04{name}", f"profile.py: {path}[].{name} (field name)"))
            out += _fact_texts(sub, f"profile.py: {path}[].{name}")
    seen: set[str] = set()
    unique = []
    for t in out:
        if t.msgid and t.msgid.strip() and t.msgid not in seen:
            seen.add(t.msgid)
            unique.append(t)
    return unique


Msgid = str | tuple[str, str]
"""A message id: the text, or (singular, plural) for a message with plural forms (``ngettext``); a message with a
context (``pgettext``) is ``"context\\x04text"``, as gettext itself keys it."""


def _key(m: Msgid) -> tuple[Any, str | None]:
    """(the id Babel's catalog looks up, its context)."""
    if isinstance(m, tuple):
        return m[0], None
    if "\x04" in m:
        context, text = m.split("\x04", 1)
        return text, context
    return m, None


def template_messages() -> list[tuple[Msgid, str]]:
    """(msgid, origin) of every message marked in the report templates and the report's Python code; a plural
    message (``ngettext``, or ``Lang.n`` in the views) as its (singular, plural) pair."""
    from babel.messages.extract import extract_from_file

    out: list[tuple[Msgid, str]] = []

    def ids(msg: Any, context: str | None = None) -> list[Msgid]:
        if isinstance(msg, tuple):
            parts = [m for m in msg if m]
            return [(parts[0], parts[1])] if len(parts) == 2 else parts
        return [f"{context}\x04{msg}" if context else msg] if msg else []

    opts = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted(TEMPLATE_DIR.glob("*.j2")):
        for lineno, msg, _comments, _ctx in extract_from_file("jinja2.ext:babel_extract", str(path), options=opts):
            out.extend((m, f"views/templates/{path.name}:{lineno}") for m in ids(msg))
    pkg = Path(__file__).resolve().parent.parent
    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "n": (1, 2), "NP_": ((1, "c"), 2), "message": (1,)}
    for path in [*sorted((pkg / "views").glob("*.py")), *(pkg / "tasks" / f for f in ("questions.py", "compare.py",
                 "walkthrough.py", "timeline.py")), pkg / "frontends" / "cli.py", pkg / "frontends" / "interview.py",
                 pkg / "errors.py", pkg / "case" / "inputs.py"]:
        for lineno, msg, _comments, ctx in extract_from_file("python", str(path), keywords=keywords):
            out.extend((m, f"{path.relative_to(pkg).as_posix()}:{lineno}") for m in ids(msg, ctx))
    return out


def missing(lang: str, domain: str, msgids: Iterable[Msgid]) -> list[Msgid]:
    """The msgids that have no (non-fuzzy) translation in ``lang``; a plural message lacks one while any of its
    plural forms is empty."""
    cat = catalog(lang, domain)
    result = []
    for m in msgids:
        entry = cat.get(*_key(m)) if cat is not None else None
        strings = entry.string if entry is not None else ""
        forms = list(strings) if isinstance(strings, (tuple, list)) else [strings]
        if entry is None or entry.fuzzy or not all(forms) or isinstance(m, tuple) != isinstance(strings, (tuple, list)):
            result.append(m)
    return list(dict.fromkeys(result))


def _update(lang: str, domain: str, entries: list[tuple[Msgid, str]]) -> tuple[int, int]:
    """Write the catalog with exactly these msgids, keeping every existing translation and the header lines a
    Babel of another version would rewrite (the plural formula, Generated-By)."""
    old = catalog(lang, domain)
    new = Catalog(locale=lang, domain=domain, project="refugee-rules", fuzzy=False)
    new.header_comment = f"# Russian translations for refugee-rules ({domain}).\n# Edit msgstr only; msgids are generated."
    if old is not None:  # no churn in the header when nothing but msgids changed
        new.creation_date = old.creation_date
    origins: dict[Msgid, list[str]] = {}
    for msgid, origin in entries:
        origins.setdefault(msgid, []).append(origin)
    filled = 0
    for msgid, where in origins.items():
        previous = old.get(*_key(msgid)) if old is not None else None
        string: Any = previous.string if previous is not None and not previous.fuzzy else ""
        if isinstance(msgid, tuple) and not isinstance(string, (tuple, list)):
            string = ("", "", "")
        elif not isinstance(msgid, tuple) and isinstance(string, (tuple, list)):
            string = ""
        filled += bool(all(string) if isinstance(string, (tuple, list)) else string)
        text, context = (msgid, None) if isinstance(msgid, tuple) else _key(msgid)
        new.add(text, string, auto_comments=list(dict.fromkeys(where))[:4], context=context)
    path = po_path(lang, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0] if path.is_file() else None
    buf = io.BytesIO()
    write_po(buf, new, width=0, omit_header=False, include_lineno=False, sort_output=False)
    text = buf.getvalue().decode("utf-8")
    if header is not None:
        text = header + "\n\n" + text.split("\n\n", 1)[1]
    path.write_text(text, encoding="utf-8")
    catalog.cache_clear()
    translations.cache_clear()
    return filled, len(origins)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["update"]:
        print("usage: python -m refugee_rules.views.i18n update [RULESET_DIR ...]", file=sys.stderr)
        return 2
    from refugee_rules.law.loader import load

    book = load(tuple(Path(d) for d in argv[1:]) or None)  # default: the built-in rulesets
    for lang in LANGUAGES[1:]:
        filled, total = _update(lang, "messages", template_messages())
        print(f"{po_path(lang, 'messages')}: {filled}/{total} translated")
        filled, total = _update(lang, "content", [(t.msgid, t.origin) for t in content_texts(book)])
        print(f"{po_path(lang, 'content')}: {filled}/{total} translated")
        from refugee_rules.frontends.web.words import DOMAIN as WEB, messages as web_messages

        filled, total = _update(lang, WEB, web_messages())  # the browser interview's own catalog
        print(f"{po_path(lang, WEB)}: {filled}/{total} translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- validation errors in the worker's language ------------------------------------------------------


def problem_text(problem: str, lang: str = "en") -> str:
    """One problem with the input in the worker's language: a :class:`~refugee_rules.errors.Problem` worded from its
    message's template and values (the path stays as the profile spells it, since it is what they must find and
    edit there); any other line as it was written (nothing is read back out of English text)."""
    if lang == "en" or not isinstance(problem, Problem):
        return str(problem)
    return problem.worded(gettext_for(check_lang(lang)))


def error_text(error: Exception, lang: str = "en") -> str:
    """A library error as the command line prints it, in the worker's language (a profile's problems each
    worded by :func:`problem_text`)."""
    from refugee_rules.errors import OptionsError, ProfileError

    if lang == "en" or not isinstance(error, ProfileError):
        return str(error)
    _ = gettext_for(check_lang(lang))
    head = f"{error.source}: " if error.source else ""
    heading = _("invalid options:") if isinstance(error, OptionsError) else _("invalid case profile:")
    return head + heading + "\n" + "\n".join(f"  - {problem_text(p, lang)}" for p in error.problems)
